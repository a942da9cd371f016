package cn.suifang.backend.tag;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.ClusterLock;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A patient's tags as staff see them (live ones with the reason, and the history of cleared ones), the tags staff add
 * and take off by hand, the tag rules (versioned like alert rules), and the daily pass that re-evaluates every patient
 * in follow-up so tags whose window has passed come off without anything new happening.
 */
@Service
public class TagService {

    private static final Logger log = LoggerFactory.getLogger(TagService.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final TagEngine engine;
    private final PatientAccess access;
    private final AuditService audit;
    private final ClusterLock lock;
    private final SuifangProperties properties;
    private final Clock clock;

    TagService(DatabaseClient db, TransactionalOperator tx, TagEngine engine, PatientAccess access, AuditService audit,
               ClusterLock lock, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.engine = engine;
        this.access = access;
        this.audit = audit;
        this.lock = lock;
        this.properties = properties;
        this.clock = clock;
    }

    public record PatientTag(long id, String code, String label, String category, String source, String reason,
                             OffsetDateTime setAt, String setBy, OffsetDateTime confirmedAt, OffsetDateTime expiresAt,
                             OffsetDateTime clearedAt, String clearedReason) {
    }

    public record NewTag(String label, String reason, LocalDate expiresOn) {
    }

    public record Rule(long id, String code, int version, String label, String category, String description,
                       JsonNode condition, List<String> pathwayCodes, List<String> icdPrefixes, String status,
                       OffsetDateTime activatedAt) {
    }

    public record NewRule(String code, String label, String category, String description, JsonNode condition,
                          List<String> pathwayCodes, List<String> icdPrefixes) {
    }

    // ------------------------------------------------------------------ a patient's tags

    /** Live tags first (then, with {@code history}, the cleared ones, newest first). */
    public Mono<List<PatientTag>> list(Principal principal, long patientId, boolean history) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(db.sql("""
                                SELECT t.*, s.name AS set_by_name FROM patient_tag t LEFT JOIN staff s ON s.id = t.set_by
                                WHERE t.patient_id = :p""" + (history ? "" : " AND t.cleared_at IS NULL") + """

                                ORDER BY t.cleared_at IS NOT NULL, t.category, t.set_at DESC""")
                        .bind("p", patientId)
                        .map(r -> tag(r))
                        .all().collectList())
                .flatMap(tags -> audit.record(principal, "PATIENT_TAGS_READ", "patient", patientId, List.of(patientId),
                        history ? "history" : null).thenReturn(tags));
    }

    /** A tag a staff member puts on by hand (e.g. 听力障碍, 需家属陪同), optionally until a date. */
    public Mono<PatientTag> add(Principal principal, long patientId, NewTag n) {
        principal.requireStaff();
        String label = n.label() == null ? "" : n.label().strip();
        if (label.isEmpty() || label.length() > 32) {
            throw ApiException.badRequest(3001, "label", "标签名称为 1–32 个字");
        }
        LocalDate today = LocalDate.now(clock.withZone(properties.zone()));
        if (n.expiresOn() != null && !n.expiresOn().isAfter(today)) {
            throw ApiException.badRequest(3002, "expiresOn", "到期日应晚于今天");
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime expires = n.expiresOn() == null ? null : n.expiresOn().atStartOfDay(properties.zone()).toOffsetDateTime();
        String reason = n.reason() == null || n.reason().isBlank() ? "由医护人员手动添加" : n.reason().strip();
        return access.require(principal, patientId)
                .then(tx.transactional(db.sql("""
                                INSERT INTO patient_tag (patient_id, tag_code, label, category, source, reason, set_at, set_by,
                                    confirmed_at, expires_at)
                                VALUES (:p, :code, :label, 'MANUAL', 'MANUAL', :reason, :now, :by, :now, :exp)
                                ON CONFLICT (patient_id, tag_code) WHERE cleared_at IS NULL DO NOTHING
                                RETURNING id""")
                        .bind("p", patientId).bind("code", label).bind("label", label).bind("reason", reason)
                        .bind("now", now).bind("by", principal.id()).bind("exp", Rows.param(expires, OffsetDateTime.class))
                        .map(r -> r.get("id", Long.class)).one()
                        .switchIfEmpty(Mono.error(() -> ApiException.conflict(3003, "tag-exists", "患者已有标签“" + label + "”")))
                        .flatMap(id -> engine.syncPatient(patientId)
                                .then(audit.record(principal, "TAG_ADD", "patient_tag", id, List.of(patientId), null))
                                .then(one(id)))));
    }

    /** Takes a manual tag off; an automatic one comes off by itself when its condition clears. */
    public Mono<PatientTag> remove(Principal principal, long patientId, long tagId, String reason) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(tx.transactional(db.sql("SELECT source, cleared_at FROM patient_tag WHERE id = :id AND patient_id = :p FOR UPDATE")
                        .bind("id", tagId).bind("p", patientId)
                        .map(r -> new Object[] {r.get("source", String.class), r.get("cleared_at", OffsetDateTime.class)})
                        .one()
                        .switchIfEmpty(Mono.error(() -> ApiException.notFound(3004, "标签不存在")))
                        .flatMap(row -> {
                            if (!"MANUAL".equals(row[0])) {
                                return Mono.error(ApiException.conflict(3005, "tag-automatic",
                                        "自动标签由规则维护，条件不再成立时会自动解除，不能手动删除"));
                            }
                            if (row[1] != null) {
                                return one(tagId); // removed already: nothing to do
                            }
                            return db.sql("""
                                            UPDATE patient_tag SET cleared_at = :now, cleared_by = :by, cleared_reason = :why
                                            WHERE id = :id""")
                                    .bind("now", OffsetDateTime.now(clock)).bind("by", principal.id())
                                    .bind("why", reason == null || reason.isBlank() ? "手动解除" : reason.strip())
                                    .bind("id", tagId).then()
                                    .then(engine.syncPatient(patientId))
                                    .then(audit.record(principal, "TAG_REMOVE", "patient_tag", tagId, List.of(patientId), null))
                                    .then(one(tagId));
                        })));
    }

    private Mono<PatientTag> one(long id) {
        return db.sql("SELECT t.*, s.name AS set_by_name FROM patient_tag t LEFT JOIN staff s ON s.id = t.set_by WHERE t.id = :id")
                .bind("id", id)
                .map(r -> tag(r))
                .one();
    }

    private static PatientTag tag(io.r2dbc.spi.Readable r) {
        return new PatientTag(r.get("id", Long.class), r.get("tag_code", String.class), r.get("label", String.class),
                r.get("category", String.class), r.get("source", String.class), r.get("reason", String.class),
                r.get("set_at", OffsetDateTime.class), r.get("set_by_name", String.class),
                r.get("confirmed_at", OffsetDateTime.class), r.get("expires_at", OffsetDateTime.class),
                r.get("cleared_at", OffsetDateTime.class), r.get("cleared_reason", String.class));
    }

    // ------------------------------------------------------------------ the daily pass

    @Scheduled(cron = "${suifang.tags.daily-cron:0 40 2 * * *}", zone = "${suifang.zone:Asia/Shanghai}")
    void scheduled() {
        if (!properties.scheduler().enabled()) {
            return;
        }
        reevaluateAll().subscribe(n -> log.info("tag pass: {} patients re-evaluated", n),
                e -> log.error("tag pass failed", e));
    }

    /**
     * Re-evaluates every patient with an active care plan or a live tag, each in its own transaction, one instance at
     * a time. Returns how many were evaluated (0 when another instance is running it).
     */
    public Mono<Integer> reevaluateAll() {
        return lock.runExclusive("tag-pass", Duration.ofMinutes(30), db.sql("""
                                SELECT id FROM patient p WHERE NOT p.voided AND (
                                    EXISTS (SELECT 1 FROM care_plan cp WHERE cp.patient_id = p.id AND cp.status = 'ACTIVE')
                                    OR EXISTS (SELECT 1 FROM patient_tag t WHERE t.patient_id = p.id AND t.cleared_at IS NULL))
                                ORDER BY id""")
                        .map(r -> r.get("id", Long.class)).all()
                        .concatMap(id -> tx.transactional(engine.refresh(id)).thenReturn(1))
                        .reduce(0, Integer::sum),
                0);
    }

    // ------------------------------------------------------------------ rules

    public Mono<List<Rule>> rules(Principal principal, boolean activeOnly) {
        principal.requireStaff();
        return db.sql("SELECT *, condition::text AS c FROM tag_rule" + (activeOnly ? " WHERE status = 'ACTIVE'" : "")
                        + " ORDER BY code, version DESC")
                .map(r -> rule(r)).all().collectList();
    }

    /** A new draft version of {@code code}; the condition is checked now, not when it first meets a patient. */
    public Mono<Rule> createRule(Principal principal, NewRule n) {
        principal.requireRole(Role.ADMIN);
        try {
            TagCondition.parse(n.condition());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(3011, "condition", "标签规则条件有误：" + e.getMessage());
        }
        return tx.transactional(db.sql("""
                        INSERT INTO tag_rule (code, version, label, category, description, condition, pathway_codes,
                            icd_prefixes, status, created_by)
                        VALUES (:code, (SELECT COALESCE(MAX(version), 0) + 1 FROM tag_rule WHERE code = :code), :label,
                            :category, :description, CAST(:condition AS JSONB), :pathways, :icd, 'DRAFT', :by)
                        RETURNING id""")
                .bind("code", n.code()).bind("label", n.label()).bind("category", n.category())
                .bind("description", Rows.param(n.description(), String.class))
                .bind("condition", JSON.writeValueAsString(n.condition()))
                .bind("pathways", Rows.array(n.pathwayCodes())).bind("icd", Rows.array(n.icdPrefixes()))
                .bind("by", principal.id())
                .map(r -> r.get("id", Long.class)).one()
                .flatMap(id -> audit.record(principal, "TAG_RULE_CREATE", "tag_rule", id, List.of(), n.code()).then(rule(id))));
    }

    /** Activates a draft and retires the code's active version; patients are re-evaluated by the next pass. */
    public Mono<Rule> activateRule(Principal principal, long id) {
        principal.requireRole(Role.ADMIN);
        return tx.transactional(rule(id)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(3012, "标签规则不存在")))
                .flatMap(rule -> {
                    if (!"DRAFT".equals(rule.status())) {
                        return Mono.error(ApiException.conflict(3013, "rule-not-draft", "只有草稿状态的规则可以启用"));
                    }
                    return db.sql("UPDATE tag_rule SET status = 'RETIRED' WHERE code = :code AND status = 'ACTIVE'")
                            .bind("code", rule.code()).then()
                            .then(db.sql("UPDATE tag_rule SET status = 'ACTIVE', activated_at = :now WHERE id = :id")
                                    .bind("id", id).bind("now", OffsetDateTime.now(clock)).then())
                            .then(audit.record(principal, "TAG_RULE_ACTIVATE", "tag_rule", id, List.of(),
                                    rule.code() + " v" + rule.version()))
                            .then(rule(id));
                }));
    }

    private Mono<Rule> rule(long id) {
        return db.sql("SELECT *, condition::text AS c FROM tag_rule WHERE id = :id").bind("id", id)
                .map(r -> rule(r)).one();
    }

    private static Rule rule(io.r2dbc.spi.Readable r) {
        return new Rule(r.get("id", Long.class), r.get("code", String.class), r.get("version", Integer.class),
                r.get("label", String.class), r.get("category", String.class), r.get("description", String.class),
                JSON.readTree(r.get("c", String.class)), Rows.strings(r, "pathway_codes"), Rows.strings(r, "icd_prefixes"),
                r.get("status", String.class), r.get("activated_at", OffsetDateTime.class));
    }
}
