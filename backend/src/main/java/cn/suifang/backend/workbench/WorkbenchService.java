package cn.suifang.backend.workbench;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.call.CallService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.note.NoteService;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.patient.PatientService;
import cn.suifang.backend.security.Principal;
import io.r2dbc.spi.Readable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/** The doctor's read model: today's list, the pre-call brief, the patient timeline. */
@Service
public class WorkbenchService {

    /**
     * The lists of "my tasks"; UNREACHABLE is the worklist of tasks closed as unreachable in the last 90 days and of
     * open tasks with a live unreachable alert (two failed attempts).
     */
    public enum View { TODAY, OVERDUE, UPCOMING, UNREACHABLE }

    static final int UNREACHABLE_DAYS = 90;

    private final DatabaseClient db;
    private final PiiCipher cipher;
    private final PatientAccess access;
    private final PatientService patients;
    private final NoteService notes;
    private final ObservationService observations;
    private final AuditService audit;
    private final CallService calls;
    private final Clock clock;

    WorkbenchService(DatabaseClient db, PiiCipher cipher, PatientAccess access, PatientService patients,
                     NoteService notes, ObservationService observations, AuditService audit, CallService calls,
                     Clock clock) {
        this.db = db;
        this.cipher = cipher;
        this.access = access;
        this.patients = patients;
        this.notes = notes;
        this.observations = observations;
        this.audit = audit;
        this.calls = calls;
        this.clock = clock;
    }

    public record TaskCard(long taskId, String title, String channel, String status, LocalDate dueDate,
                           LocalDate windowEnd, boolean overdue, int attempts, long patientId, String patientName,
                           String gender, Integer age, String phoneMasked, String diagnosisCode, String diagnosisName,
                           long daysSinceDischarge, String pathwayName, String reason, boolean hasActiveAlert,
                           List<String> tags) {
    }

    public record Page<T>(List<T> items, String nextCursor) {
    }

    public Mono<Page<TaskCard>> myTasks(Principal principal, View view, String cursor, int limit) {
        return myTasks(principal, view, null, cursor, limit);
    }

    /** My tasks in one view; with {@code tag}, only of patients who carry that live tag. */
    public Mono<Page<TaskCard>> myTasks(Principal principal, View view, String tag, String cursor, int limit) {
        principal.requireStaff();
        LocalDate today = LocalDate.now(clock);
        Cursor after = Cursor.decode(cursor);
        DatabaseClient.GenericExecuteSpec spec = view == View.UNREACHABLE
                ? PatientAccess.bindViewer(db.sql(WorkbenchQueries.UNREACHABLE_TASKS), principal)
                        .bind("since", OffsetDateTime.now(clock).minusDays(UNREACHABLE_DAYS))
                : tag == null ? db.sql(WorkbenchQueries.MY_TASKS).bind("view", view.name()).bind("today", today)
                : db.sql(WorkbenchQueries.MY_TASKS_TAGGED).bind("view", view.name()).bind("today", today).bind("tag", tag);
        return spec.bind("me", principal.id())
                .bind("afterDue", after.due()).bind("afterId", after.id()).bind("limit", limit + 1)
                .map(r -> card(r, today))
                .all()
                .collectList()
                .flatMap(cards -> {
                    boolean more = cards.size() > limit;
                    List<TaskCard> page = more ? cards.subList(0, limit) : cards;
                    String next = more ? new Cursor(page.get(limit - 1).dueDate(), page.get(limit - 1).taskId()).encode() : null;
                    return audit.record(principal, "TASK_LIST", "follow_up_task", tag == null ? view.name() : view.name() + ":" + tag,
                                    page.stream().map(TaskCard::patientId).toList(), null)
                            .thenReturn(new Page<>(page, next));
                });
    }

    /** How many tasks each list holds, for the tab badges; the same predicates as the lists themselves. */
    public record TaskCounts(long today, long overdue, long upcoming, long unreachable) {
    }

    public Mono<TaskCounts> taskCounts(Principal principal) {
        principal.requireStaff();
        LocalDate today = LocalDate.now(clock);
        return PatientAccess.bindViewer(db.sql("""
                        SELECT count(*) FILTER (WHERE t.status IN ('PENDING', 'IN_PROGRESS')
                                                  AND t.due_date <= :today AND t.window_end >= :today) AS today,
                               count(*) FILTER (WHERE t.status IN ('PENDING', 'IN_PROGRESS') AND t.window_end < :today) AS overdue,
                               count(*) FILTER (WHERE t.status IN ('PENDING', 'IN_PROGRESS') AND t.due_date > :today) AS upcoming,
                               count(*) FILTER (WHERE %s) AS unreachable
                        FROM follow_up_task t JOIN patient p ON p.id = t.patient_id
                        WHERE t.assignee_id = :me""".formatted(WorkbenchQueries.UNREACHABLE_PREDICATE)), principal)
                .bind("me", principal.id()).bind("today", today)
                .bind("since", OffsetDateTime.now(clock).minusDays(UNREACHABLE_DAYS))
                .map(r -> new TaskCounts(r.get("today", Long.class), r.get("overdue", Long.class),
                        r.get("upcoming", Long.class), r.get("unreachable", Long.class)))
                .one();
    }

    private TaskCard card(Readable r, LocalDate today) {
        LocalDate birth = r.get("birth_date", LocalDate.class);
        LocalDate windowEnd = r.get("window_end", LocalDate.class);
        return new TaskCard(r.get("id", Long.class), r.get("title", String.class), r.get("channel", String.class),
                r.get("status", String.class), r.get("due_date", LocalDate.class), windowEnd, windowEnd.isBefore(today),
                r.get("attempts", Integer.class), r.get("patient_id", Long.class),
                Masking.name(r.get("name", String.class)), r.get("gender", String.class),
                birth == null ? null : Period.between(birth, today).getYears(),
                Masking.phone(cipher.decrypt(PiiField.PATIENT_PHONE, r.get("phone_enc", byte[].class))),
                r.get("primary_diagnosis", String.class), r.get("diagnosis_name", String.class),
                ChronoUnit.DAYS.between(r.get("discharge_date", LocalDate.class), today),
                r.get("pathway_name", String.class), r.get("instructions", String.class),
                Boolean.TRUE.equals(r.get("has_alert", Boolean.class)), Rows.strings(r, "tag_labels"));
    }

    // ------------------------------------------------------------------ task brief

    public record Code(String code, String name) {
    }

    public record EncounterSummary(long id, String source, String encounterId, String departmentName,
                                   LocalDate admissionDate, LocalDate dischargeDate, List<Code> diagnoses,
                                   List<Code> procedures, List<String> medications, String dischargeSummary,
                                   String dischargeInstructions, String attendingName) {
    }

    public record AlertSummary(long id, int level, String title, String status, OffsetDateTime raisedAt) {
    }

    public record TaskDetail(long taskId, String title, String channel, String role, String status, LocalDate dueDate,
                             LocalDate windowEnd, boolean overdue, int attempts, Long assigneeId, String assigneeName,
                             String pathwayName, String instructions, List<String> questions, long daysSinceDischarge,
                             PatientService.PatientView patient, EncounterSummary encounter, NoteService.Note lastNote,
                             List<AlertSummary> activeAlerts, List<ObservationService.Observation> recentReadings,
                             List<CallService.CallView> calls) {
    }

    public Mono<TaskDetail> task(Principal principal, long taskId) {
        principal.requireStaff();
        LocalDate today = LocalDate.now(clock);
        return db.sql("""
                        SELECT t.*, s.name AS assignee_name, pw.name AS pathway_name, st.instructions, st.questions,
                               cp.encounter_id
                        FROM follow_up_task t
                        JOIN care_plan cp ON cp.id = t.care_plan_id
                        JOIN pathway pw ON pw.id = cp.pathway_id
                        LEFT JOIN pathway_step st ON st.id = t.step_id
                        LEFT JOIN staff s ON s.id = t.assignee_id
                        WHERE t.id = :id""")
                .bind("id", taskId)
                .map(r -> new Object[] {r.get("patient_id", Long.class), r.get("encounter_id", Long.class),
                        partialDetail(r, today)})
                .one()
                .filterWhen(row -> access.canSee(principal, (Long) row[0]))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(1801, "随访任务不存在或无权查看")))
                .flatMap(row -> {
                    long patientId = (Long) row[0];
                    TaskDetail d = (TaskDetail) row[2];
                    return Mono.zip(patients.get(principal, patientId), encounter((Long) row[1]),
                                    notes.ofPatient(patientId, 1).next().map(java.util.Optional::of)
                                            .defaultIfEmpty(java.util.Optional.empty()),
                                    activeAlerts(patientId), observations.latest(patientId, 3).collectList(),
                                    calls.historyOfTask(taskId))
                            .map(t -> new TaskDetail(d.taskId(), d.title(), d.channel(), d.role(), d.status(), d.dueDate(),
                                    d.windowEnd(), d.overdue(), d.attempts(), d.assigneeId(), d.assigneeName(),
                                    d.pathwayName(), d.instructions(), d.questions(),
                                    ChronoUnit.DAYS.between(t.getT2().dischargeDate(), today), t.getT1(), t.getT2(),
                                    t.getT3().orElse(null), t.getT4(), t.getT5(), t.getT6()))
                            .flatMap(detail -> audit.record(principal, "TASK_READ", "follow_up_task", taskId,
                                    List.of(patientId), null).thenReturn(detail));
                });
    }

    private static TaskDetail partialDetail(Readable r, LocalDate today) {
        LocalDate windowEnd = r.get("window_end", LocalDate.class);
        return new TaskDetail(r.get("id", Long.class), r.get("title", String.class), r.get("channel", String.class),
                r.get("role", String.class), r.get("status", String.class), r.get("due_date", LocalDate.class),
                windowEnd, windowEnd.isBefore(today) && List.of("PENDING", "IN_PROGRESS").contains(r.get("status", String.class)),
                r.get("attempts", Integer.class), r.get("assignee_id", Long.class), r.get("assignee_name", String.class),
                r.get("pathway_name", String.class), r.get("instructions", String.class), Rows.strings(r, "questions"),
                0, null, null, null, List.of(), List.of(), List.of());
    }

    /** An encounter with its diagnosis and procedure names (caller has checked access). */
    public Mono<EncounterSummary> encounter(long encounterId) {
        return db.sql("""
                        SELECT e.*, d.name AS department_name, s.name AS attending_name,
                          (SELECT array_agg(COALESCE(i.name, '') ORDER BY x.n) FROM unnest(e.diagnoses) WITH ORDINALITY AS x(c, n)
                             LEFT JOIN icd10_code i ON i.code = x.c) AS diagnosis_names,
                          (SELECT array_agg(COALESCE(pc.name, '') ORDER BY y.n) FROM unnest(e.procedures) WITH ORDINALITY AS y(c, n)
                             LEFT JOIN procedure_code pc ON pc.code = y.c) AS procedure_names
                        FROM encounter e JOIN department d ON d.id = e.department_id
                        LEFT JOIN staff s ON s.id = e.attending_staff_id
                        WHERE e.id = :id""")
                .bind("id", encounterId)
                .map(r -> new EncounterSummary(r.get("id", Long.class), r.get("source", String.class),
                        r.get("source_encounter_id", String.class), r.get("department_name", String.class),
                        r.get("admission_date", LocalDate.class), r.get("discharge_date", LocalDate.class),
                        codes(Rows.strings(r, "diagnoses"), Rows.strings(r, "diagnosis_names")),
                        codes(Rows.strings(r, "procedures"), Rows.strings(r, "procedure_names")),
                        Rows.strings(r, "discharge_medications"), r.get("discharge_summary", String.class),
                        r.get("discharge_instructions", String.class), r.get("attending_name", String.class)))
                .one();
    }

    private static List<Code> codes(List<String> codes, List<String> names) {
        return java.util.stream.IntStream.range(0, codes.size())
                .mapToObj(i -> new Code(codes.get(i), i < names.size() && !names.get(i).isEmpty() ? names.get(i) : null))
                .toList();
    }

    private Mono<List<AlertSummary>> activeAlerts(long patientId) {
        return db.sql("SELECT * FROM alert WHERE patient_id = :p AND status <> 'RESOLVED' ORDER BY level DESC, raised_at DESC")
                .bind("p", patientId)
                .map(r -> new AlertSummary(r.get("id", Long.class), r.get("level", Integer.class), r.get("title", String.class),
                        r.get("status", String.class), r.get("raised_at", OffsetDateTime.class)))
                .all().collectList();
    }

    // ------------------------------------------------------------------ timeline

    /**
     * One line of the timeline: ENCOUNTER, TASK, NOTE, CALL, QUESTIONNAIRE (answers) or ALERT. {@code refId} is the
     * encounter, task, note, questionnaire response or alert id (for a
     * call: its task); {@code callId} and {@code hasRecording} are set on CALL entries.
     */
    public record TimelineEntry(String kind, OffsetDateTime at, LocalDate date, long refId, String title, String detail,
                                UUID callId, boolean hasRecording) {
        TimelineEntry(String kind, OffsetDateTime at, LocalDate date, long refId, String title, String detail) {
            this(kind, at, date, refId, title, detail, null, false);
        }
    }

    public record Timeline(PatientService.PatientView patient, List<TimelineEntry> entries,
                           List<ObservationService.Observation> trends) {
    }

    public Mono<Timeline> timeline(Principal principal, long patientId) {
        Mono<List<TimelineEntry>> encounters = db.sql("""
                        SELECT e.id, e.admission_date, e.discharge_date, e.primary_diagnosis, i.name, d.name AS dept
                        FROM encounter e JOIN department d ON d.id = e.department_id
                        LEFT JOIN icd10_code i ON i.code = e.primary_diagnosis
                        WHERE e.patient_id = :p AND NOT e.voided""")
                .bind("p", patientId)
                .map(r -> new TimelineEntry("ENCOUNTER", null, r.get("discharge_date", LocalDate.class), r.get("id", Long.class),
                        r.get("dept", String.class) + " 出院",
                        r.get("admission_date", LocalDate.class) + " 入院；诊断 " + r.get("primary_diagnosis", String.class)
                                + (r.get("name", String.class) == null ? "" : " " + r.get("name", String.class))))
                .all().collectList();
        Mono<List<TimelineEntry>> tasks = db.sql("""
                        SELECT id, title, due_date, status, completed_at, attempts FROM follow_up_task WHERE patient_id = :p""")
                .bind("p", patientId)
                .map(r -> new TimelineEntry("TASK", r.get("completed_at", OffsetDateTime.class), r.get("due_date", LocalDate.class),
                        r.get("id", Long.class), r.get("title", String.class),
                        statusLabel(r.get("status", String.class)) + (r.get("attempts", Integer.class) > 0
                                ? "，已尝试 " + r.get("attempts", Integer.class) + " 次" : "")))
                .all().collectList();
        Mono<List<TimelineEntry>> noteEntries = notes.ofPatient(patientId, 200)
                .map(n -> new TimelineEntry("NOTE", n.createdAt(), n.createdAt().atZoneSameInstant(clock.getZone()).toLocalDate(),
                        n.id(), "随访记录（" + n.authorName() + "）", outcomeLabel(n.outcome().name())
                        + (n.advice().isEmpty() ? "" : "；建议：" + String.join("、", n.advice()))))
                .collectList();
        Mono<List<TimelineEntry>> callEntries = calls.historyOfPatient(patientId, 200)
                .map(list -> list.stream().map(this::callEntry).toList());
        Mono<List<TimelineEntry>> answers = db.sql("""
                        SELECT r.id, r.created_at, r.score, r.band_label, r.submitted_by_type, q.title
                        FROM questionnaire_response r JOIN questionnaire q ON q.id = r.questionnaire_id
                        WHERE r.patient_id = :p ORDER BY r.created_at DESC LIMIT 200""")
                .bind("p", patientId)
                .map(r -> {
                    OffsetDateTime at = r.get("created_at", OffsetDateTime.class);
                    Integer score = r.get("score", Integer.class);
                    return new TimelineEntry("QUESTIONNAIRE", at, at.atZoneSameInstant(clock.getZone()).toLocalDate(),
                            r.get("id", Long.class), "问卷：" + r.get("title", String.class),
                            (score == null ? "已提交" : score + " 分，" + r.get("band_label", String.class))
                                    + "（" + submittedBy(r.get("submitted_by_type", String.class)) + "）");
                })
                .all().collectList();
        Mono<List<TimelineEntry>> alertEntries = db.sql("""
                        SELECT id, raised_at, level, title, detail, status FROM alert
                        WHERE patient_id = :p ORDER BY raised_at DESC LIMIT 200""")
                .bind("p", patientId)
                .map(r -> {
                    OffsetDateTime at = r.get("raised_at", OffsetDateTime.class);
                    String detail = r.get("detail", String.class);
                    return new TimelineEntry("ALERT", at, at.atZoneSameInstant(clock.getZone()).toLocalDate(),
                            r.get("id", Long.class), "预警（" + r.get("level", Integer.class) + "级）：" + r.get("title", String.class),
                            (detail == null ? "" : detail + "；") + alertStatus(r.get("status", String.class)));
                })
                .all().collectList();
        Mono<List<ObservationService.Observation>> trends = observations.series(patientId, List.of(ObservationCode.values()))
                .collectList();
        return access.require(principal, patientId)
                .then(Mono.zip(patients.get(principal, patientId), encounters, tasks, noteEntries, callEntries, trends))
                .zipWith(Mono.zip(answers, alertEntries))
                .map(all -> {
                    var t = all.getT1();
                    return new Timeline(t.getT1(),
                        Stream.of(t.getT2(), t.getT3(), t.getT4(), t.getT5(), all.getT2().getT1(), all.getT2().getT2())
                                .flatMap(List::stream)
                                .sorted(Comparator.comparing(WorkbenchService::sortKey).reversed())
                                .toList(),
                        t.getT6());
                })
                .flatMap(tl -> audit.record(principal, "TIMELINE_READ", "patient", patientId, List.of(patientId), null)
                        .thenReturn(tl));
    }

    private TimelineEntry callEntry(CallService.CallView c) {
        String result = c.outcomeLabel() != null ? c.outcomeLabel() : c.statusLabel();
        String talk = c.billsec() != null && c.billsec() > 0 ? "，通话 " + talkTime(c.billsec()) : "";
        return new TimelineEntry("CALL", c.requestedAt(), c.requestedAt().atZoneSameInstant(clock.getZone()).toLocalDate(),
                c.taskId(), "电话随访（" + c.staffName() + "）", result + talk + (c.hasRecording() ? "，有录音" : ""),
                c.id(), c.hasRecording());
    }

    static String submittedBy(String type) {
        return switch (type) {
            case "PATIENT" -> "患者填写";
            case "PROXY" -> "家属代填";
            default -> "医护代录";
        };
    }

    static String alertStatus(String status) {
        return switch (status) {
            case "OPEN" -> "待处理";
            case "ACKNOWLEDGED" -> "处理中";
            default -> "已处理";
        };
    }

    /** Talk time as a doctor reads it: 45 秒, 3 分 05 秒. */
    static String talkTime(int seconds) {
        return seconds < 60 ? seconds + " 秒" : String.format("%d 分 %02d 秒", seconds / 60, seconds % 60);
    }

    private static LocalDate sortKey(TimelineEntry e) {
        return e.date() != null ? e.date() : e.at().toLocalDate();
    }

    static String statusLabel(String status) {
        return switch (status) {
            case "PENDING" -> "待随访";
            case "IN_PROGRESS" -> "随访中";
            case "COMPLETED" -> "已完成";
            case "UNREACHABLE" -> "未联系上";
            case "REFUSED" -> "患者拒绝";
            case "CANCELLED" -> "已取消";
            default -> status;
        };
    }

    static String outcomeLabel(String outcome) {
        return switch (outcome) {
            case "COMPLETED" -> "已完成随访";
            case "UNREACHABLE" -> "未联系上";
            case "REFUSED" -> "患者拒绝随访";
            case "READMITTED" -> "患者已再入院";
            default -> outcome;
        };
    }

    /** Opaque keyset cursor: base64url of "due|id". */
    record Cursor(LocalDate due, long id) {
        static Cursor decode(String cursor) {
            if (cursor == null || cursor.isBlank()) {
                return new Cursor(LocalDate.of(1900, 1, 1), 0);
            }
            try {
                String[] f = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|");
                return new Cursor(LocalDate.parse(f[0]), Long.parseLong(f[1]));
            } catch (RuntimeException e) {
                throw ApiException.badRequest(1802, "cursor", "分页游标无效，请从第一页重新加载");
            }
        }

        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((due + "|" + id).getBytes(StandardCharsets.UTF_8));
        }
    }
}
