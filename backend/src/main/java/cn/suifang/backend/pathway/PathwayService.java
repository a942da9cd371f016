package cn.suifang.backend.pathway;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Follow-up pathways (随访路径): versioned templates. Editing never changes a version patients are on:
 * a change is a new DRAFT version, activated explicitly; activation retires the previous version,
 * and plans already started keep the version they were created with.
 */
@Service
public class PathwayService {

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final AuditService audit;

    PathwayService(DatabaseClient db, TransactionalOperator tx, AuditService audit) {
        this.db = db;
        this.tx = tx;
        this.audit = audit;
    }

    public record Step(long id, int seq, int offsetDays, int windowDays, Channel channel, Role role, String title,
                       String questionnaireCode, String instructions, List<String> questions) {
    }

    public record Pathway(long id, String code, int version, String name, String description,
                          List<String> icdPrefixes, List<String> procedureCodes, List<String> departmentCodes,
                          List<String> tagCodes, int priority, String status, OffsetDateTime activatedAt, List<Step> steps) {

        /**
         * Does this pathway apply to an encounter with these codes in this department, of a patient with these live
         * tags? A pathway naming tags applies only to patients who carry one of them.
         */
        public boolean matches(List<String> diagnoses, List<String> procedures, String departmentCode,
                               java.util.Collection<String> tags) {
            boolean byDepartment = departmentCodes.isEmpty() || departmentCodes.contains(departmentCode);
            boolean byTag = tagCodes.isEmpty() || tagCodes.stream().anyMatch(tags::contains);
            boolean byDiagnosis = icdPrefixes.stream().anyMatch(pre -> diagnoses.stream().anyMatch(d -> d.startsWith(pre)));
            boolean byProcedure = procedures.stream().map(Pathway::baseProcedure).anyMatch(procedureCodes::contains);
            boolean unconstrained = icdPrefixes.isEmpty() && procedureCodes.isEmpty();
            return byDepartment && byTag && (byDiagnosis || byProcedure || unconstrained);
        }

        /** 国家临床版 procedure extensions match by their ICD-9-CM-3 base: 36.0700x001 → 36.07. */
        static String baseProcedure(String code) {
            return code.matches("[0-9]{2}\\.[0-9]{2,4}x[0-9]{3}") ? code.substring(0, 5) : code;
        }
    }

    public record StepDraft(int offsetDays, int windowDays, Channel channel, Role role, String title,
                            String questionnaireCode, String instructions, List<String> questions) {
    }

    public record PathwayDraft(String code, String name, String description, List<String> icdPrefixes,
                               List<String> procedureCodes, List<String> departmentCodes, List<String> tagCodes, int priority,
                               List<StepDraft> steps) {
    }

    /** All active pathways, with steps. Small (tens of rows): callers may cache per request batch. */
    public Mono<List<Pathway>> active() {
        return load("WHERE p.status = 'ACTIVE'").collectList();
    }

    /** The highest-priority active pathway that matches, if any. */
    public static Optional<Pathway> match(List<Pathway> active, List<String> diagnoses, List<String> procedures,
                                          String departmentCode) {
        return match(active, diagnoses, procedures, departmentCode, List.of());
    }

    /** The highest-priority active pathway for the encounter and the patient's live tags. */
    public static Optional<Pathway> match(List<Pathway> active, List<String> diagnoses, List<String> procedures,
                                          String departmentCode, java.util.Collection<String> tags) {
        return active.stream()
                .filter(p -> p.matches(diagnoses, procedures, departmentCode, tags))
                .max(Comparator.comparingInt(Pathway::priority).thenComparing(Pathway::code));
    }

    public Flux<Pathway> list(Principal principal, boolean includeRetired) {
        principal.requireStaff();
        return load(includeRetired ? "" : "WHERE p.status <> 'RETIRED'");
    }

    public Mono<Pathway> get(Principal principal, long id) {
        principal.requireStaff();
        return load("WHERE p.id = " + id).next()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(1401, "随访路径不存在")));
    }

    public Mono<Pathway> createVersion(Principal principal, PathwayDraft draft) {
        principal.requireRole(Role.ADMIN);
        validate(draft);
        Mono<Pathway> work = db.sql("SELECT COALESCE(MAX(version), 0) + 1 FROM pathway WHERE code = :c")
                .bind("c", draft.code())
                .map(r -> r.get(0, Integer.class)).one()
                .flatMap(version -> db.sql("""
                                INSERT INTO pathway (code, version, name, description, icd_prefixes, procedure_codes,
                                    department_codes, tag_codes, priority, status, created_by)
                                VALUES (:code, :v, :name, :desc, :icd, :proc, :dept, :tags, :prio, 'DRAFT', :by) RETURNING id""")
                        .bind("code", draft.code()).bind("v", version).bind("name", draft.name())
                        .bind("desc", Rows.param(draft.description(), String.class))
                        .bind("icd", Rows.array(draft.icdPrefixes()))
                        .bind("proc", Rows.array(draft.procedureCodes()))
                        .bind("dept", Rows.array(draft.departmentCodes()))
                        .bind("tags", Rows.array(draft.tagCodes()))
                        .bind("prio", draft.priority())
                        .bind("by", principal.id())
                        .map(r -> r.get("id", Long.class)).one())
                .flatMap(id -> Flux.range(0, draft.steps().size())
                        .concatMap(i -> insertStep(id, i + 1, sortedSteps(draft).get(i)))
                        .then(audit.record(principal, "PATHWAY_CREATE_VERSION", "pathway", id, List.of(), draft.code()))
                        .thenReturn(id))
                .flatMap(id -> load("WHERE p.id = " + id).next());
        return tx.transactional(work);
    }

    public Mono<Pathway> activate(Principal principal, long id) {
        principal.requireRole(Role.ADMIN);
        Mono<Pathway> work = db.sql("SELECT code, status FROM pathway WHERE id = :id FOR UPDATE")
                .bind("id", id)
                .map(r -> new String[] {r.get("code", String.class), r.get("status", String.class)})
                .one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(1402, "随访路径不存在")))
                .flatMap(row -> {
                    if ("ACTIVE".equals(row[1])) {
                        return Mono.just(row[0]);
                    }
                    if ("RETIRED".equals(row[1])) {
                        return Mono.error(ApiException.conflict(1403, "pathway-retired",
                                "已停用的版本不能再启用；请基于它新建版本"));
                    }
                    return db.sql("UPDATE pathway SET status = 'RETIRED' WHERE code = :c AND status = 'ACTIVE'")
                            .bind("c", row[0]).then()
                            .then(db.sql("""
                                            UPDATE pathway SET status = 'ACTIVE', activated_at = now(), activated_by = :by
                                            WHERE id = :id""")
                                    .bind("id", id).bind("by", principal.id()).then())
                            .then(audit.record(principal, "PATHWAY_ACTIVATE", "pathway", id, List.of(), row[0]))
                            .thenReturn(row[0]);
                })
                .then(load("WHERE p.id = " + id).next());
        return tx.transactional(work);
    }

    private static List<StepDraft> sortedSteps(PathwayDraft draft) {
        return draft.steps().stream().sorted(Comparator.comparingInt(StepDraft::offsetDays)).toList();
    }

    private void validate(PathwayDraft draft) {
        var seen = new HashSet<String>();
        for (int i = 0; i < draft.steps().size(); i++) {
            StepDraft s = draft.steps().get(i);
            if (s.channel() == Channel.QUESTIONNAIRE && (s.questionnaireCode() == null || s.questionnaireCode().isBlank())) {
                throw ApiException.badRequest(1404, "steps[" + i + "].questionnaireCode", "问卷随访步骤必须指定问卷编码");
            }
            if (s.role() == Role.ADMIN) {
                throw ApiException.badRequest(1405, "steps[" + i + "].role", "随访步骤的执行角色须为临床角色");
            }
            if (!seen.add(s.offsetDays() + "/" + s.role() + "/" + s.channel())) {
                throw ApiException.badRequest(1406, "steps[" + i + "]", "同一天、同一角色、同一方式的随访步骤重复");
            }
        }
    }

    private Mono<Void> insertStep(long pathwayId, int seq, StepDraft s) {
        return db.sql("""
                        INSERT INTO pathway_step (pathway_id, seq, offset_days, window_days, channel, role, title,
                            questionnaire_code, instructions, questions)
                        VALUES (:p, :seq, :off, :win, :ch, :role, :title, :q, :ins, :qs)""")
                .bind("p", pathwayId).bind("seq", seq).bind("off", s.offsetDays()).bind("win", s.windowDays())
                .bind("ch", s.channel().name()).bind("role", s.role().name()).bind("title", s.title())
                .bind("q", Rows.param(s.questionnaireCode(), String.class))
                .bind("ins", Rows.param(s.instructions(), String.class))
                .bind("qs", Rows.array(s.questions()))
                .then();
    }

    private Flux<Pathway> load(String where) {
        return db.sql("""
                        SELECT p.*, s.id AS step_id, s.seq, s.offset_days, s.window_days, s.channel, s.role, s.title,
                               s.questionnaire_code, s.instructions, s.questions
                        FROM pathway p LEFT JOIN pathway_step s ON s.pathway_id = p.id
                        %s ORDER BY p.code, p.version DESC, s.seq""".formatted(where))
                .map(r -> new Object[] {pathwayOf(r), stepOf(r)})
                .all()
                .bufferUntilChanged(row -> ((Pathway) row[0]).id())
                .map(rows -> {
                    Pathway p = (Pathway) rows.get(0)[0];
                    List<Step> steps = rows.stream().map(row -> (Step) row[1]).filter(java.util.Objects::nonNull).toList();
                    return new Pathway(p.id(), p.code(), p.version(), p.name(), p.description(), p.icdPrefixes(),
                            p.procedureCodes(), p.departmentCodes(), p.tagCodes(), p.priority(), p.status(), p.activatedAt(), steps);
                });
    }

    private static Pathway pathwayOf(Readable r) {
        return new Pathway(r.get("id", Long.class), r.get("code", String.class), r.get("version", Integer.class),
                r.get("name", String.class), r.get("description", String.class), Rows.strings(r, "icd_prefixes"),
                Rows.strings(r, "procedure_codes"), Rows.strings(r, "department_codes"), Rows.strings(r, "tag_codes"),
                r.get("priority", Integer.class), r.get("status", String.class),
                r.get("activated_at", OffsetDateTime.class), List.of());
    }

    private static Step stepOf(Readable r) {
        Long id = r.get("step_id", Long.class);
        if (id == null) {
            return null;
        }
        return new Step(id, r.get("seq", Integer.class), r.get("offset_days", Integer.class),
                r.get("window_days", Integer.class), Channel.valueOf(r.get("channel", String.class)),
                Role.valueOf(r.get("role", String.class)), r.get("title", String.class),
                r.get("questionnaire_code", String.class), r.get("instructions", String.class),
                Rows.strings(r, "questions"));
    }
}
