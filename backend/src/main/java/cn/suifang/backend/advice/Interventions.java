package cn.suifang.backend.advice;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.notify.PatientReminders;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The advice library (clinician-curated items by condition and risk) and the interventions made with it: which items
 * fit a patient now (their live tags first, then their pathway and diagnoses, each with the reason), sending one
 * (a snapshot of the text, shown in the mini-program with a subscribe message), and whether it was done — answered by
 * the patient in the mini-program or recorded by staff after a call. Items are edited by clinicians who advise
 * (physicians, department heads, dietitians, psychologists, rehabilitation therapists) and admins; any clinical staff
 * member who may see the patient sends advice and records outcomes.
 */
@Service
public class Interventions {

    private static final Set<Role> EDITORS = Set.of(Role.PHYSICIAN, Role.DEPARTMENT_HEAD, Role.DIETITIAN,
            Role.PSYCHOLOGIST, Role.REHAB_THERAPIST, Role.ADMIN);
    static final Set<String> KINDS = Set.of("DIET", "EXERCISE", "MENTAL", "MEDICATION", "LIFESTYLE");
    static final Set<String> OUTCOMES = Set.of("DONE", "PARTLY", "NOT_DONE");

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final AuditService audit;
    private final PatientReminders reminders;
    private final SuifangProperties properties;
    private final Clock clock;

    Interventions(DatabaseClient db, TransactionalOperator tx, PatientAccess access, AuditService audit,
                  PatientReminders reminders, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.audit = audit;
        this.reminders = reminders;
        this.properties = properties;
        this.clock = clock;
    }

    public record Item(long id, String code, String kind, String kindLabel, String title, String body, List<String> tagCodes,
                       List<String> pathwayCodes, List<String> icdPrefixes, int checkInDays, String status) {
    }

    public record ItemInput(String code, String kind, String title, String body, List<String> tagCodes,
                            List<String> pathwayCodes, List<String> icdPrefixes, Integer checkInDays) {
    }

    public record Suggestion(Item item, String reason, boolean byTag) {
    }

    public record Intervention(long id, Long adviceItemId, String kind, String kindLabel, String title, String body,
                               String reason, String status, OffsetDateTime sentAt, String sentBy, LocalDate checkDueOn,
                               boolean checkDue, OffsetDateTime readAt, String outcome, String outcomeLabel,
                               String outcomeNote, OffsetDateTime outcomeAt, String outcomeByType) {
    }

    public record Send(Long adviceItemId, String kind, String title, String body, String reason, Integer checkInDays) {
    }

    public static String kindLabel(String kind) {
        return switch (kind) {
            case "DIET" -> "饮食";
            case "EXERCISE" -> "运动";
            case "MENTAL" -> "心理";
            case "MEDICATION" -> "用药";
            default -> "生活方式";
        };
    }

    public static String outcomeLabel(String outcome) {
        return outcome == null ? null : switch (outcome) {
            case "DONE" -> "做到了";
            case "PARTLY" -> "部分做到";
            default -> "没做到";
        };
    }

    // ------------------------------------------------------------------ the library

    public Mono<List<Item>> items(Principal principal, boolean activeOnly) {
        principal.requireStaff();
        return db.sql("SELECT * FROM advice_item" + (activeOnly ? " WHERE status = 'ACTIVE'" : "") + " ORDER BY kind, code")
                .map(r -> item(r)).all().collectList();
    }

    public Mono<Item> createItem(Principal principal, ItemInput in) {
        requireEditor(principal);
        check(in);
        return tx.transactional(db.sql("""
                        INSERT INTO advice_item (code, kind, title, body, tag_codes, pathway_codes, icd_prefixes, check_in_days,
                            status, created_by)
                        VALUES (:code, :kind, :title, :body, :tags, :pathways, :icd, :days, 'ACTIVE', :by)
                        ON CONFLICT (code) DO NOTHING RETURNING id""")
                .bind("code", in.code()).bind("kind", in.kind()).bind("title", in.title().strip()).bind("body", in.body().strip())
                .bind("tags", Rows.array(orEmpty(in.tagCodes()))).bind("pathways", Rows.array(orEmpty(in.pathwayCodes())))
                .bind("icd", Rows.array(orEmpty(in.icdPrefixes())))
                .bind("days", in.checkInDays() == null ? 14 : in.checkInDays()).bind("by", principal.id())
                .map(r -> r.get("id", Long.class)).one()
                .switchIfEmpty(Mono.error(() -> ApiException.conflict(3201, "advice-code-exists", "建议编码 " + in.code() + " 已存在")))
                .flatMap(id -> audit.record(principal, "ADVICE_ITEM_CREATE", "advice_item", id, List.of(), in.code())
                        .then(item(id))));
    }

    /** Edits an item; interventions already sent keep the text they were sent with. */
    public Mono<Item> updateItem(Principal principal, long id, ItemInput in) {
        requireEditor(principal);
        check(in);
        return tx.transactional(db.sql("""
                        UPDATE advice_item SET kind = :kind, title = :title, body = :body, tag_codes = :tags,
                            pathway_codes = :pathways, icd_prefixes = :icd, check_in_days = :days, changed_at = :now,
                            changed_by = :by
                        WHERE id = :id""")
                .bind("id", id).bind("kind", in.kind()).bind("title", in.title().strip()).bind("body", in.body().strip())
                .bind("tags", Rows.array(orEmpty(in.tagCodes()))).bind("pathways", Rows.array(orEmpty(in.pathwayCodes())))
                .bind("icd", Rows.array(orEmpty(in.icdPrefixes())))
                .bind("days", in.checkInDays() == null ? 14 : in.checkInDays())
                .bind("now", OffsetDateTime.now(clock)).bind("by", principal.id())
                .fetch().rowsUpdated()
                .flatMap(n -> n == 0 ? Mono.error(itemNotFound())
                        : audit.record(principal, "ADVICE_ITEM_UPDATE", "advice_item", id, List.of(), null).then(item(id))));
    }

    public Mono<Item> setItemStatus(Principal principal, long id, boolean active) {
        requireEditor(principal);
        return tx.transactional(db.sql("UPDATE advice_item SET status = :s, changed_at = :now, changed_by = :by WHERE id = :id")
                .bind("s", active ? "ACTIVE" : "RETIRED").bind("now", OffsetDateTime.now(clock)).bind("by", principal.id())
                .bind("id", id).fetch().rowsUpdated()
                .flatMap(n -> n == 0 ? Mono.error(itemNotFound())
                        : audit.record(principal, active ? "ADVICE_ITEM_ACTIVATE" : "ADVICE_ITEM_RETIRE", "advice_item", id,
                                List.of(), null).then(item(id))));
    }

    private static ApiException itemNotFound() {
        return ApiException.notFound(3202, "建议条目不存在或已停用");
    }

    private static ApiException interventionNotFound() {
        return ApiException.notFound(3208, "健康建议不存在");
    }

    private static void requireEditor(Principal principal) {
        principal.requireStaff();
        if (principal.roles().stream().noneMatch(EDITORS::contains)) {
            throw ApiException.forbidden(3203, "建议库由医师、营养师、心理咨询师、康复治疗师和科室主任维护");
        }
    }

    private static void check(ItemInput in) {
        if (!KINDS.contains(in.kind())) {
            throw ApiException.badRequest(3204, "kind", "类别应为 DIET、EXERCISE、MENTAL、MEDICATION 或 LIFESTYLE");
        }
    }

    private static List<String> orEmpty(List<String> l) {
        return l == null ? List.of() : l;
    }

    private Mono<Item> item(long id) {
        return db.sql("SELECT * FROM advice_item WHERE id = :id").bind("id", id).map(r -> item(r)).one();
    }

    private static Item item(Readable r) {
        String kind = r.get("kind", String.class);
        return new Item(r.get("id", Long.class), r.get("code", String.class), kind, kindLabel(kind),
                r.get("title", String.class), r.get("body", String.class), Rows.strings(r, "tag_codes"),
                Rows.strings(r, "pathway_codes"), Rows.strings(r, "icd_prefixes"), r.get("check_in_days", Integer.class),
                r.get("status", String.class));
    }

    // ------------------------------------------------------------------ suggestions

    private record Tag(String code, String label, String reason) {
    }

    /**
     * The active items that fit the patient now and have no live intervention: those selected by one of the patient's
     * live tags first (the reason names the tag and why it was set), then those of their pathway or diagnoses.
     */
    public Mono<List<Suggestion>> suggestions(Principal principal, long patientId) {
        principal.requireStaff();
        Mono<List<Tag>> tags = db.sql("SELECT tag_code, label, reason FROM patient_tag WHERE patient_id = :p AND cleared_at IS NULL")
                .bind("p", patientId)
                .map(r -> new Tag(r.get("tag_code", String.class), r.get("label", String.class), r.get("reason", String.class)))
                .all().collectList();
        Mono<Map<String, List<String>>> scope = db.sql("""
                        SELECT ARRAY(SELECT DISTINCT pw.code FROM care_plan cp JOIN pathway pw ON pw.id = cp.pathway_id
                                     WHERE cp.patient_id = :p AND cp.status = 'ACTIVE') AS pathways,
                               ARRAY(SELECT DISTINCT d FROM encounter e, unnest(e.diagnoses) d
                                     WHERE e.patient_id = :p AND NOT e.voided) AS diagnoses,
                               ARRAY(SELECT CAST(advice_item_id AS VARCHAR) FROM intervention
                                     WHERE patient_id = :p AND status = 'ACTIVE' AND advice_item_id IS NOT NULL) AS live""")
                .bind("p", patientId)
                .map(r -> Map.of("pathways", Rows.strings(r, "pathways"), "diagnoses", Rows.strings(r, "diagnoses"),
                        "live", Rows.strings(r, "live")))
                .one();
        return access.require(principal, patientId)
                .then(Mono.zip(tags, scope, db.sql("SELECT * FROM advice_item WHERE status = 'ACTIVE' ORDER BY kind, code")
                        .map(r -> item(r)).all().collectList()))
                .map(t -> {
                    List<Suggestion> byTag = new ArrayList<>();
                    List<Suggestion> byScope = new ArrayList<>();
                    Set<String> live = Set.copyOf(t.getT2().get("live"));
                    for (Item item : t.getT3()) {
                        if (live.contains(Long.toString(item.id()))) {
                            continue;
                        }
                        List<Tag> matching = t.getT1().stream().filter(g -> item.tagCodes().contains(g.code())).toList();
                        if (!matching.isEmpty()) {
                            byTag.add(new Suggestion(item, matching.stream()
                                    .map(g -> "标签“" + g.label() + "”：" + g.reason()).collect(Collectors.joining("；")), true));
                            continue;
                        }
                        String pathway = t.getT2().get("pathways").stream().filter(item.pathwayCodes()::contains).findFirst().orElse(null);
                        String diagnosis = t.getT2().get("diagnoses").stream()
                                .filter(d -> item.icdPrefixes().stream().anyMatch(d::startsWith)).findFirst().orElse(null);
                        if (pathway != null || diagnosis != null) {
                            byScope.add(new Suggestion(item, pathway != null ? "随访路径 " + pathway : "诊断 " + diagnosis, false));
                        }
                    }
                    byTag.addAll(byScope);
                    return byTag;
                })
                .flatMap(list -> audit.record(principal, "ADVICE_SUGGEST", "patient", patientId, List.of(patientId), null)
                        .thenReturn(list));
    }

    // ------------------------------------------------------------------ interventions

    /** Sends a library item (or advice written for this patient) as an intervention, and tells the patient. */
    public Mono<Intervention> send(Principal principal, long patientId, Send s) {
        principal.requireStaff();
        if (s.adviceItemId() == null && (s.title() == null || s.title().isBlank() || s.body() == null || s.body().isBlank()
                || s.kind() == null || !KINDS.contains(s.kind()))) {
            throw ApiException.badRequest(3206, "adviceItemId", "请选择建议库中的条目，或填写类别、标题和内容");
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        LocalDate today = now.atZoneSameInstant(properties.zone()).toLocalDate();
        Mono<Item> chosen = s.adviceItemId() == null
                ? Mono.just(new Item(0, null, s.kind(), kindLabel(s.kind()), s.title().strip(), s.body().strip(), List.of(),
                        List.of(), List.of(), s.checkInDays() == null ? 14 : s.checkInDays(), "ACTIVE"))
                : item(s.adviceItemId()).filter(i -> "ACTIVE".equals(i.status()))
                        .switchIfEmpty(Mono.error(Interventions::itemNotFound));
        return access.require(principal, patientId).then(chosen).flatMap(item -> tx.transactional(db.sql("""
                                INSERT INTO intervention (patient_id, advice_item_id, kind, title, body, reason, status, sent_at,
                                    sent_by, check_due_on)
                                VALUES (:p, :item, :kind, :title, :body, :reason, 'ACTIVE', :now, :by, :due)
                                ON CONFLICT (patient_id, advice_item_id) WHERE status = 'ACTIVE' AND advice_item_id IS NOT NULL
                                DO NOTHING RETURNING id""")
                        .bind("p", patientId).bind("item", Rows.param(s.adviceItemId(), Long.class))
                        .bind("kind", item.kind()).bind("title", item.title()).bind("body", item.body())
                        .bind("reason", Rows.param(s.reason(), String.class)).bind("now", now).bind("by", principal.id())
                        .bind("due", today.plusDays(s.checkInDays() != null ? s.checkInDays() : item.checkInDays()))
                        .map(r -> r.get("id", Long.class)).one()
                        .switchIfEmpty(Mono.error(() -> ApiException.conflict(3207, "intervention-live",
                                "这条建议已发送给患者，尚未回访是否做到")))
                        .flatMap(id -> reminders.interventionSent(id)
                                .then(audit.record(principal, "INTERVENTION_SEND", "intervention", id, List.of(patientId),
                                        item.code() == null ? "custom" : item.code()))
                                .then(one(id)))));
    }

    public Mono<List<Intervention>> list(Principal principal, long patientId) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(select("i.patient_id = :p ORDER BY i.sent_at DESC, i.id DESC").bind("p", patientId)
                        .map(r -> intervention(r)).all().collectList())
                .flatMap(l -> audit.record(principal, "INTERVENTION_LIST", "patient", patientId, List.of(patientId), null)
                        .thenReturn(l));
    }

    /** Advice sent in the last 180 days and not withdrawn, for the printed report (the caller checked access and audits). */
    public Mono<List<Intervention>> forReport(long patientId) {
        return select("i.patient_id = :p AND i.status <> 'CANCELLED' AND i.sent_at >= :since ORDER BY i.sent_at DESC LIMIT 10")
                .bind("p", patientId).bind("since", OffsetDateTime.now(clock).minusDays(180))
                .map(r -> intervention(r)).all().collectList();
    }

    /** Staff record whether the patient did it (after asking on a call). */
    public Mono<Intervention> recordOutcome(Principal principal, long interventionId, String outcome, String note) {
        principal.requireStaff();
        return visible(principal, interventionId)
                .flatMap(patientId -> Mono.defer(() -> outcome(interventionId, patientId, outcome, note, "STAFF", principal.id(), principal)));
    }

    /** The patient (or their proxy) answers in the mini-program. */
    public Mono<Intervention> patientOutcome(Principal actor, long patientId, long interventionId, String outcome) {
        return patientOf(interventionId).filter(p -> p == patientId)
                .switchIfEmpty(Mono.error(Interventions::interventionNotFound))
                .flatMap(p -> outcome(interventionId, patientId, outcome, null, actor.type().name(), actor.id(), actor));
    }

    public Mono<Intervention> cancel(Principal principal, long interventionId) {
        principal.requireStaff();
        return visible(principal, interventionId).flatMap(patientId -> Mono.defer(() -> tx.transactional(db.sql("UPDATE intervention SET status = 'CANCELLED' WHERE id = :id AND status = 'ACTIVE'")
                        .bind("id", interventionId).then()
                        .then(audit.record(principal, "INTERVENTION_CANCEL", "intervention", interventionId, List.of(patientId), null))
                        .then(one(interventionId)))));
    }

    private Mono<Intervention> outcome(long id, long patientId, String outcome, String note, String byType, long byId,
                                       Principal actor) {
        if (!OUTCOMES.contains(outcome)) {
            throw ApiException.badRequest(3209, "outcome", "结果应为 DONE（做到了）、PARTLY（部分做到）或 NOT_DONE（没做到）");
        }
        return tx.transactional(db.sql("SELECT status FROM intervention WHERE id = :id FOR UPDATE").bind("id", id)
                .map(r -> r.get(0, String.class)).one()
                .flatMap(status -> "CANCELLED".equals(status)
                        ? Mono.error(ApiException.conflict(3210, "intervention-cancelled", "这条建议已撤回"))
                        : db.sql("""
                                        UPDATE intervention SET outcome = :o, outcome_note = :note, outcome_at = :now,
                                            outcome_by_type = :type, outcome_by_id = :by, status = 'COMPLETED'
                                        WHERE id = :id""")
                                .bind("o", outcome).bind("note", Rows.param(note, String.class))
                                .bind("now", OffsetDateTime.now(clock)).bind("type", byType).bind("by", byId).bind("id", id)
                                .then()
                                .then(audit.record(actor, "INTERVENTION_OUTCOME", "intervention", id, List.of(patientId), outcome))
                                .then(one(id))));
    }

    /** The intervention's patient, when the caller may see them; the same 404 whether it is hidden or absent. */
    private Mono<Long> visible(Principal principal, long interventionId) {
        return patientOf(interventionId).flatMap(patientId -> access.canSee(principal, patientId)
                .flatMap(ok -> ok ? Mono.just(patientId) : Mono.error(interventionNotFound())));
    }

    private Mono<Long> patientOf(long interventionId) {
        return db.sql("SELECT patient_id FROM intervention WHERE id = :id").bind("id", interventionId)
                .map(r -> r.get(0, Long.class)).one()
                .switchIfEmpty(Mono.error(Interventions::interventionNotFound));
    }

    private Mono<Intervention> one(long id) {
        return select("i.id = :id").bind("id", id).map(r -> intervention(r)).one();
    }

    private DatabaseClient.GenericExecuteSpec select(String where) {
        return db.sql("SELECT i.*, s.name AS sent_by_name FROM intervention i JOIN staff s ON s.id = i.sent_by WHERE " + where);
    }

    private Intervention intervention(Readable r) {
        LocalDate due = r.get("check_due_on", LocalDate.class);
        String outcome = r.get("outcome", String.class);
        String status = r.get("status", String.class);
        LocalDate today = LocalDate.now(clock.withZone(properties.zone()));
        String kind = r.get("kind", String.class);
        return new Intervention(r.get("id", Long.class), r.get("advice_item_id", Long.class), kind, kindLabel(kind),
                r.get("title", String.class), r.get("body", String.class), r.get("reason", String.class), status,
                r.get("sent_at", OffsetDateTime.class), r.get("sent_by_name", String.class), due,
                "ACTIVE".equals(status) && !due.isAfter(today), r.get("read_at", OffsetDateTime.class), outcome,
                outcomeLabel(outcome), r.get("outcome_note", String.class), r.get("outcome_at", OffsetDateTime.class),
                r.get("outcome_by_type", String.class));
    }
}
