package cn.suifang.backend.discharge;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Identifiers;
import cn.suifang.backend.discharge.ImportReport.RowError;
import cn.suifang.backend.pathway.PathwayService;
import cn.suifang.backend.patient.PatientService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.task.TaskGenerator;
import cn.suifang.backend.task.TaskService;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Discharge import: validates each row on its own, keeps the valid ones, reports the rest by row and
 * field. Idempotent by (source, encounter id): a re-import of the same content writes nothing; a changed
 * record updates the encounter and demographics. A new discharge gets a care plan from the best-matching
 * active pathway and its first tasks, all in one transaction per row.
 */
@Service
public class DischargeImportService {

    private static final Logger log = LoggerFactory.getLogger(DischargeImportService.class);
    static final int MAX_SYNC_ROWS = 1000;
    private static final int PROGRESS_EVERY = 50;
    private static final int MAX_REPORTED_ERRORS = 1000;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final Validator validator;
    private final PatientService patients;
    private final PathwayService pathways;
    private final TaskGenerator tasks;
    private final TaskService taskService;
    private final AuditService audit;
    private final cn.suifang.backend.observation.PatientFacts facts;
    private final SuifangProperties properties;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    DischargeImportService(DatabaseClient db, TransactionalOperator tx, Validator validator, PatientService patients,
                           PathwayService pathways, TaskGenerator tasks, TaskService taskService, AuditService audit,
                           cn.suifang.backend.observation.PatientFacts facts, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.validator = validator;
        this.patients = patients;
        this.pathways = pathways;
        this.tasks = tasks;
        this.taskService = taskService;
        this.audit = audit;
        this.facts = facts;
        this.properties = properties;
        this.clock = clock;
    }

    /** A row to import with its position (for the report), or the parse error that stopped it. */
    public record Row(int number, DischargeRecord record, RowError parseError) {
    }

    enum Outcome { CREATED, UPDATED, UNCHANGED }

    /** Imports rows now and returns the finished report. */
    public Mono<ImportReport> importNow(Principal principal, String source, String format, List<Row> rows) {
        return startJob(principal, source, format, rows.size())
                .flatMap(jobId -> run(principal, jobId, source, Flux.fromIterable(rows)).then(report(principal, jobId)));
    }

    /** Starts an import job in the background and returns its id at once; progress is in {@link #report}. */
    public Mono<Long> importInBackground(Principal principal, String source, String format, List<Row> rows) {
        return startJob(principal, source, format, rows.size())
                .doOnNext(jobId -> run(principal, jobId, source, Flux.fromIterable(rows))
                        .subscribeOn(reactor.core.scheduler.Schedulers.parallel())
                        .subscribe(null, e -> log.error("import job {} failed", jobId, e)));
    }

    public Mono<ImportReport> report(Principal principal, long jobId) {
        // a job started by the system (HL7 interface) has no staff member behind it
        DatabaseClient.GenericExecuteSpec query = principal.type() == Principal.ActorType.SYSTEM
                ? db.sql("SELECT * FROM import_job WHERE id = :id AND created_by IS NULL").bind("id", jobId)
                : db.sql("SELECT * FROM import_job WHERE id = :id AND created_by IN (SELECT id FROM staff WHERE hospital_id = :h)")
                        .bind("id", jobId).bind("h", principal.hospitalId());
        return query
                .map(r -> new ImportReport(r.get("id", Long.class), r.get("status", String.class),
                        r.get("total", Integer.class), r.get("processed", Integer.class), r.get("created", Integer.class),
                        r.get("updated", Integer.class), r.get("unchanged", Integer.class), r.get("failed", Integer.class),
                        readErrors(r.get("errors", String.class))))
                .one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(1501, "导入任务不存在")));
    }

    private Mono<Long> startJob(Principal principal, String source, String format, int total) {
        return db.sql("""
                        INSERT INTO import_job (format, source, status, total, created_by)
                        VALUES (:f, :s, 'RUNNING', :t, :by) RETURNING id""")
                .bind("f", format).bind("s", source).bind("t", total).bind("by", Rows.param(principal.actorId(), Long.class))
                .map(r -> r.get("id", Long.class)).one()
                .flatMap(id -> audit.record(principal, "DISCHARGE_IMPORT_START", "import_job", id, List.of(),
                        "format=" + format + " source=" + source + " rows=" + total).thenReturn(id));
    }

    private Mono<Void> run(Principal principal, long jobId, String source, Flux<Row> rows) {
        Counters c = new Counters();
        return Mono.zip(pathways.active(), departments(principal.hospitalId()), staffByEmployeeNo(principal.hospitalId()))
                .flatMap(ref -> rows.concatMap(row -> importRow(principal, source, row, ref.getT1(), ref.getT2(), ref.getT3())
                                .doOnNext(c::count)
                                .onErrorResume(ApiException.class, e -> {
                                    c.fail(rowErrors(row, e));
                                    return Mono.empty();
                                })
                                .onErrorResume(e -> !(e instanceof ApiException), e -> {
                                    log.warn("import job {} row {} failed: {}", jobId, row.number(), e.getClass().getSimpleName());
                                    c.fail(List.of(new RowError(row.number(), encounterIdOf(row), null, "该行保存失败，请稍后重试")));
                                    return Mono.empty();
                                })
                                .then(Mono.defer(() -> c.processed.incrementAndGet() % PROGRESS_EVERY == 0
                                        ? progress(jobId, c, "RUNNING") : Mono.empty())))
                        .then())
                .then(Mono.defer(() -> progress(jobId, c, "COMPLETED")))
                .onErrorResume(e -> progress(jobId, c, "FAILED").then(Mono.error(e)))
                .then(Mono.defer(() -> audit.record(principal, "DISCHARGE_IMPORT_FINISH", "import_job", jobId, List.of(),
                        "created=" + c.created + " updated=" + c.updated + " unchanged=" + c.unchanged + " failed=" + c.failed)));
    }

    private Mono<Outcome> importRow(Principal principal, String source, Row row, List<PathwayService.Pathway> active,
                                    Map<String, Long> departments, Map<String, Long> staff) {
        if (row.parseError() != null) {
            return Mono.error(new ApiException(org.springframework.http.HttpStatus.BAD_REQUEST, "invalid-input", 1502,
                    row.parseError().message(), List.of(new ApiException.FieldProblem(row.parseError().field(),
                    row.parseError().message()))));
        }
        DischargeRecord r = row.record();
        return validate(r, departments, staff)
                .flatMap(v -> tx.transactional(upsert(principal, source, r, v, active)));
    }

    /** Normalised, checked values of one record; everything the database would refuse is caught here. */
    record Valid(String phone, String idCard, long departmentId, String departmentCode, Long attendingId,
                 List<String> diagnoses, List<String> procedures, String hash) {
    }

    private Mono<Valid> validate(DischargeRecord r, Map<String, Long> departments, Map<String, Long> staff) {
        Set<ConstraintViolation<DischargeRecord>> violations = validator.validate(r);
        if (!violations.isEmpty()) {
            List<ApiException.FieldProblem> problems = violations.stream()
                    .map(v -> new ApiException.FieldProblem(fieldPath(v), v.getMessage()))
                    .sorted(Comparator.comparing(ApiException.FieldProblem::field))
                    .toList();
            return Mono.error(invalid(1503, problems));
        }
        List<ApiException.FieldProblem> problems = new ArrayList<>();
        if (r.dischargeDate().isBefore(r.admissionDate())) {
            problems.add(new ApiException.FieldProblem("dischargeDate", "出院日期早于入院日期"));
        }
        if (r.patient().birthDate() != null && r.admissionDate().isBefore(r.patient().birthDate())) {
            problems.add(new ApiException.FieldProblem("admissionDate", "入院日期早于出生日期"));
        }
        String phone = null;
        if (r.patient().phone() != null && !r.patient().phone().isBlank()) {
            phone = Identifiers.normalisePhone(r.patient().phone()).orElse(null);
            if (phone == null) {
                problems.add(new ApiException.FieldProblem("patient.phone", "不是有效的中国大陆电话号码"));
            }
        }
        String idCard = null;
        if (r.patient().idCard() != null && !r.patient().idCard().isBlank()) {
            idCard = Identifiers.normaliseIdCard(r.patient().idCard(), LocalDate.now(clock)).orElse(null);
            if (idCard == null) {
                problems.add(new ApiException.FieldProblem("patient.idCard", "身份证号无效（长度、出生日期或校验位不正确）"));
            } else if (r.patient().birthDate() != null
                    && !idCard.substring(6, 14).equals(r.patient().birthDate().toString().replace("-", ""))) {
                problems.add(new ApiException.FieldProblem("patient.idCard", "身份证号中的出生日期与出生日期字段不一致"));
            }
        }
        Long departmentId = departments.get(r.departmentCode());
        if (departmentId == null) {
            problems.add(new ApiException.FieldProblem("departmentCode", "科室编码不存在：" + r.departmentCode()));
        }
        Long attending = null;
        if (r.attendingEmployeeNo() != null && !r.attendingEmployeeNo().isBlank()) {
            attending = staff.get(r.attendingEmployeeNo());
            if (attending == null) {
                problems.add(new ApiException.FieldProblem("attendingEmployeeNo", "工号不存在：" + r.attendingEmployeeNo()));
            }
        }
        List<String> diagnoses = r.diagnoses().stream().map(DischargeImportService::normaliseIcd).distinct().toList();
        List<String> procedures = r.procedures() == null ? List.of()
                : r.procedures().stream().map(DischargeImportService::normaliseProcedure).distinct().toList();
        String finalPhone = phone;
        String finalId = idCard;
        Long finalAttending = attending;
        return unknownCodes("icd10_code", diagnoses).zipWith(unknownCodes("procedure_code", procedures))
                .flatMap(unknown -> {
                    if (!unknown.getT1().isEmpty()) {
                        problems.add(new ApiException.FieldProblem("diagnoses", "未知的 ICD-10 编码：" + String.join("、", unknown.getT1())));
                    }
                    if (!unknown.getT2().isEmpty()) {
                        problems.add(new ApiException.FieldProblem("procedures", "未知的手术操作编码：" + String.join("、", unknown.getT2())));
                    }
                    if (!problems.isEmpty()) {
                        return Mono.error(invalid(1504, problems));
                    }
                    return Mono.just(new Valid(finalPhone, finalId, departmentId, r.departmentCode(), finalAttending,
                            diagnoses, procedures, contentHash(r)));
                });
    }

    /**
     * Codes not in the table. For ICD-10, a 国家临床版 extension code (e.g. {@code I50.900x008}) counts
     * as known when its four-character base code ({@code I50.9}) is known.
     */
    /** {@code diagnoses[1].<list element>} → {@code diagnoses[1]}: the JSON path a client knows. */
    static String fieldPath(ConstraintViolation<?> v) {
        return v.getPropertyPath().toString().replaceAll("\\.<[^>]+>", "");
    }

    private Mono<List<String>> unknownCodes(String table, List<String> codes) {
        if (codes.isEmpty()) {
            return Mono.just(List.of());
        }
        // 国家临床版 extensions: I21.000x001 → I21.0, I10.x00x002 → I10 (category placeholder .x00),
        // E11.900 → E11.9; procedures 36.0700x001 → 36.07
        String extension = "icd10_code".equals(table)
                ? " OR (c ~ '^[A-Z][0-9]{2}\\.x00(x[0-9]{3})?$' AND t.code = substring(c FROM 1 FOR 3))"
                        + " OR (c ~ '^[A-Z][0-9]{2}\\.[0-9]{1,3}(x[0-9]{3})?$' AND t.code = substring(c FROM 1 FOR 5))"
                : " OR (c ~ '^[0-9]{2}\\.[0-9]{2,4}x[0-9]{3}$' AND t.code = substring(c FROM 1 FOR 5))";
        return db.sql("SELECT c FROM unnest(CAST(:codes AS VARCHAR[])) AS c WHERE NOT EXISTS "
                        + "(SELECT 1 FROM " + table + " t WHERE t.code = c" + extension + ")")
                .bind("codes", codes.toArray(String[]::new))
                .map(r -> r.get(0, String.class)).all().collectList();
    }

    private Mono<Outcome> upsert(Principal principal, String source, DischargeRecord r, Valid v,
                                 List<PathwayService.Pathway> active) {
        return db.sql("SELECT id, patient_id, content_hash FROM encounter WHERE source = :s AND source_encounter_id = :e FOR UPDATE")
                .bind("s", source).bind("e", r.encounterId())
                .map(row -> new Object[] {row.get("id", Long.class), row.get("patient_id", Long.class),
                        row.get("content_hash", String.class)})
                .one()
                .flatMap(existing -> v.hash().equals(existing[2]) ? Mono.just(Outcome.UNCHANGED)
                        : updateExisting(principal, r, v, (Long) existing[0], (Long) existing[1]))
                .switchIfEmpty(Mono.defer(() -> createNew(principal, source, r, v, active)));
    }

    private Mono<Outcome> updateExisting(Principal principal, DischargeRecord r, Valid v, long encounterId, long patientId) {
        return careTeamFor(v).flatMap(team -> upsertPatient(principal, r, v, team.orElse(null)))
                .flatMap(p -> {
                    if (p.patientId() != patientId) {
                        return Mono.error(ApiException.conflict(1505, "encounter-patient-mismatch",
                                "该住院号已属于另一位患者（病案号不同），请核对后再导入"));
                    }
                    return db.sql("""
                                    UPDATE encounter SET department_id = :d, attending_staff_id = :a, admission_date = :ad,
                                        discharge_date = :dd, primary_diagnosis = :pd, diagnoses = :dx, procedures = :px,
                                        discharge_summary = :sum, discharge_instructions = :ins, discharge_medications = :med,
                                        content_hash = :hash, changed_at = now(), changed_by = :by
                                    WHERE id = :id""")
                            .bind("id", encounterId)
                            .bind("d", v.departmentId()).bind("a", Rows.param(v.attendingId(), Long.class))
                            .bind("ad", r.admissionDate()).bind("dd", r.dischargeDate())
                            .bind("pd", v.diagnoses().get(0)).bind("dx", v.diagnoses().toArray(String[]::new))
                            .bind("px", v.procedures().toArray(String[]::new))
                            .bind("sum", Rows.param(r.dischargeSummary(), String.class))
                            .bind("ins", Rows.param(r.dischargeInstructions(), String.class))
                            .bind("med", Rows.array(r.medications()))
                            .bind("hash", v.hash()).bind("by", Rows.param(principal.actorId(), Long.class))
                            .then()
                            .then(audit.record(principal, "ENCOUNTER_UPDATE", "encounter", encounterId, List.of(patientId), null))
                            .then(facts.changed(patientId))
                            .thenReturn(Outcome.UPDATED);
                });
    }

    private Mono<Outcome> createNew(Principal principal, String source, DischargeRecord r, Valid v,
                                    List<PathwayService.Pathway> active) {
        LocalDate horizon = LocalDate.now(clock).plusDays(properties.scheduler().horizonDays());
        return careTeamFor(v).flatMap(team -> upsertPatient(principal, r, v, team.orElse(null)))
                .flatMap(p -> db.sql("""
                                INSERT INTO encounter (patient_id, source, source_encounter_id, department_id, attending_staff_id,
                                    admission_date, discharge_date, primary_diagnosis, diagnoses, procedures, discharge_summary,
                                    discharge_instructions, discharge_medications, content_hash, created_by)
                                VALUES (:p, :s, :e, :d, :a, :ad, :dd, :pd, :dx, :px, :sum, :ins, :med, :hash, :by)
                                RETURNING id""")
                        .bind("p", p.patientId()).bind("s", source).bind("e", r.encounterId())
                        .bind("d", v.departmentId()).bind("a", Rows.param(v.attendingId(), Long.class))
                        .bind("ad", r.admissionDate()).bind("dd", r.dischargeDate())
                        .bind("pd", v.diagnoses().get(0)).bind("dx", v.diagnoses().toArray(String[]::new))
                        .bind("px", v.procedures().toArray(String[]::new))
                        .bind("sum", Rows.param(r.dischargeSummary(), String.class))
                        .bind("ins", Rows.param(r.dischargeInstructions(), String.class))
                        .bind("med", Rows.array(r.medications()))
                        .bind("hash", v.hash()).bind("by", Rows.param(principal.actorId(), Long.class))
                        .map(row -> row.get("id", Long.class)).one()
                        .flatMap(encounterId -> startPlan(principal, p.patientId(), encounterId, r, v, active, horizon)
                                .then(audit.record(principal, "DISCHARGE_IMPORT", "encounter", encounterId,
                                        List.of(p.patientId()), p.created() ? "new patient" : null))
                                .then(facts.changed(p.patientId()))))
                .thenReturn(Outcome.CREATED);
    }

    private Mono<Void> startPlan(Principal principal, long patientId, long encounterId, DischargeRecord r, Valid v,
                                 List<PathwayService.Pathway> active, LocalDate horizon) {
        // the patient's live tags take part (a readmitted patient with 失访风险 may get an intensive pathway)
        return db.sql("SELECT tags FROM patient WHERE id = :p").bind("p", patientId)
                .map(row -> Rows.strings(row, "tags")).one().defaultIfEmpty(List.of())
                .flatMap(tags -> startPlan(principal, patientId, encounterId, r, active, horizon,
                        PathwayService.match(active, v.diagnoses(), v.procedures(), v.departmentCode(), tags)));
    }

    private Mono<Void> startPlan(Principal principal, long patientId, long encounterId, DischargeRecord r,
                                 List<PathwayService.Pathway> active, LocalDate horizon,
                                 java.util.Optional<PathwayService.Pathway> pathway) {
        if (pathway.isEmpty()) {
            return Mono.empty();
        }
        return db.sql("""
                        INSERT INTO care_plan (patient_id, encounter_id, pathway_id, start_date, status, created_by)
                        VALUES (:p, :e, :pw, :start, 'ACTIVE', :by)
                        ON CONFLICT (encounter_id) DO NOTHING RETURNING id""")
                .bind("p", patientId).bind("e", encounterId).bind("pw", pathway.get().id())
                .bind("start", r.dischargeDate()).bind("by", Rows.param(principal.actorId(), Long.class))
                .map(row -> row.get("id", Long.class)).one()
                .flatMap(planId -> tasks.materialise(principal, planId, horizon))
                .then();
    }

    /** The patient created or refreshed; a record withdrawing follow-up consent also cancels their open tasks. */
    private Mono<PatientService.Upserted> upsertPatient(Principal principal, DischargeRecord r, Valid v, Long careTeamId) {
        return patients.upsert(principal, principal.hospitalId(), demographics(r, v), v.departmentId(), v.attendingId(),
                        careTeamId)
                .flatMap(p -> p.followUpConsentWithdrawn()
                        ? taskService.cancelForWithdrawnConsent(principal, p.patientId()).thenReturn(p)
                        : Mono.just(p));
    }

    /** The department's care team the attending physician sits in, else the department's first team. */
    private Mono<java.util.Optional<Long>> careTeamFor(Valid v) {
        return db.sql("""
                        SELECT t.id FROM care_team t
                        WHERE t.department_id = :d AND t.active
                        ORDER BY (SELECT count(*) FROM care_team_member m WHERE m.care_team_id = t.id AND m.staff_id = :a) DESC,
                                 t.id
                        LIMIT 1""")
                .bind("d", v.departmentId()).bind("a", v.attendingId() == null ? -1L : v.attendingId())
                .map(row -> java.util.Optional.of(row.get("id", Long.class)))
                .one()
                .defaultIfEmpty(java.util.Optional.empty());
    }

    /** Upper-case, but 国家临床版's lower-case x stays lower-case: I21.000x001, I10.x00x002. */
    static String normaliseIcd(String code) {
        String c = code.trim().toUpperCase(java.util.Locale.ROOT);
        if (c.matches("[A-Z][0-9]{2}\\.X00(X[0-9]{3})?")) {
            c = c.substring(0, 4) + "x" + c.substring(5);
        }
        return c.matches("[A-Z][0-9]{2}\\.[0-9x]{1,3}X[0-9]{3}") ? c.substring(0, c.length() - 4) + "x" + c.substring(c.length() - 3) : c;
    }

    /** Procedure codes keep their lower-case extension marker too: 36.0700x001. */
    static String normaliseProcedure(String code) {
        String c = code.trim();
        return c.matches("[0-9]{2}\\.[0-9]{2,4}X[0-9]{3}") ? c.replace('X', 'x') : c;
    }

    private static PatientService.Demographics demographics(DischargeRecord r, Valid v) {
        var p = r.patient();
        return new PatientService.Demographics(p.mrn().trim(), p.name().trim(), p.gender().name(), p.birthDate(),
                v.phone(), v.idCard(), p.consentFollowUp(), p.consentRecording());
    }

    private String contentHash(DischargeRecord r) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.writeValueAsString(r).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Mono<Map<String, Long>> departments(long hospitalId) {
        return db.sql("SELECT code, id FROM department WHERE hospital_id = :h").bind("h", hospitalId)
                .map(r -> Map.entry(r.get("code", String.class), r.get("id", Long.class))).all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    private Mono<Map<String, Long>> staffByEmployeeNo(long hospitalId) {
        return db.sql("SELECT employee_no, id FROM staff WHERE hospital_id = :h AND active").bind("h", hospitalId)
                .map(r -> Map.entry(r.get("employee_no", String.class), r.get("id", Long.class))).all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    private Mono<Void> progress(long jobId, Counters c, String status) {
        return db.sql("""
                        UPDATE import_job SET status = :st, processed = :p, created = :c, updated = :u, unchanged = :n,
                            failed = :f, errors = CAST(:errors AS JSONB),
                            finished_at = CASE WHEN :st = 'RUNNING' THEN NULL ELSE now() END
                        WHERE id = :id""")
                .bind("id", jobId).bind("st", status).bind("p", c.processed.get()).bind("c", c.created)
                .bind("u", c.updated).bind("n", c.unchanged).bind("f", c.failed)
                .bind("errors", json.writeValueAsString(c.errorsSnapshot()))
                .then();
    }

    private List<RowError> readErrors(String errors) {
        if (errors == null || errors.isBlank()) {
            return List.of();
        }
        return List.of(json.readValue(errors, RowError[].class));
    }

    private static ApiException invalid(int code, List<ApiException.FieldProblem> problems) {
        String detail = problems.stream().map(p -> p.field() + "：" + p.message())
                .collect(java.util.stream.Collectors.joining("；"));
        return new ApiException(org.springframework.http.HttpStatus.BAD_REQUEST, "invalid-input", code, detail, problems);
    }

    /** One entry per wrong field, so a client can mark each field; a row-level problem has no field. */
    private static List<RowError> rowErrors(Row row, ApiException e) {
        if (row.parseError() != null) {
            return List.of(row.parseError());
        }
        if (e.errors().isEmpty()) {
            return List.of(new RowError(row.number(), encounterIdOf(row), null, e.getMessage()));
        }
        return e.errors().stream()
                .map(f -> new RowError(row.number(), encounterIdOf(row), f.field(), f.message()))
                .toList();
    }

    private static String encounterIdOf(Row row) {
        if (row.record() != null) {
            return row.record().encounterId();
        }
        return row.parseError() == null ? null : row.parseError().encounterId();
    }

    /** Mutable tallies of one job; touched by one sequential pipeline only. */
    private static final class Counters {
        final AtomicInteger processed = new AtomicInteger();
        int created;
        int updated;
        int unchanged;
        int failed;
        final List<RowError> errors = Collections.synchronizedList(new ArrayList<>());

        void count(Outcome o) {
            switch (o) {
                case CREATED -> created++;
                case UPDATED -> updated++;
                case UNCHANGED -> unchanged++;
            }
        }

        void fail(List<RowError> rowErrors) {
            failed++;
            for (RowError e : rowErrors) {
                if (errors.size() < MAX_REPORTED_ERRORS) {
                    errors.add(e);
                }
            }
        }

        List<RowError> errorsSnapshot() {
            synchronized (errors) {
                return new ArrayList<>(errors);
            }
        }
    }
}
