package cn.suifang.backend.note;

import cn.suifang.backend.alert.AlertEngine;
import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.observation.ObservationService;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Structured follow-up notes (随访记录). Saving a note settles its task in the same transaction:
 * completed / readmitted close it, refused closes it as refused, unreachable retries the next day until
 * {@link #MAX_ATTEMPTS} and then closes it as unreachable (it then shows on the unreachable worklist).
 * A next-contact date creates an ad-hoc follow-up task. Submits are idempotent by client request id.
 */
@Service
public class NoteService {

    static final int MAX_ATTEMPTS = 3;
    private static final String NOTE_SELECT =
            "SELECT n.*, s.name AS author_name FROM follow_up_note n JOIN staff s ON s.id = n.author_id ";

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final ObservationService observations;
    private final AuditService audit;
    private final AlertEngine alerts;
    private final cn.suifang.backend.observation.PatientFacts facts;
    private final Clock clock;

    NoteService(DatabaseClient db, TransactionalOperator tx, PatientAccess access, ObservationService observations,
                AuditService audit, AlertEngine alerts, cn.suifang.backend.observation.PatientFacts facts, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.observations = observations;
        this.audit = audit;
        this.alerts = alerts;
        this.facts = facts;
        this.clock = clock;
    }

    public record NewNote(String clientRequestId, NoteOutcome outcome, String contactChannel, List<String> symptoms,
                          List<ObservationService.Reading> readings, String adherence, List<String> adverseReactions,
                          List<String> advice, LocalDate nextContactDate, String freeText, UUID callId) {
    }

    /** A saved note; {@code callId} is the call-back it documents, when it was written after one. */
    public record Note(long id, long taskId, long patientId, long authorId, String authorName, NoteOutcome outcome,
                       String contactChannel, List<String> symptoms, String adherence, List<String> adverseReactions,
                       List<String> advice, LocalDate nextContactDate, String freeText, UUID callId,
                       OffsetDateTime createdAt) {
    }

    /** The saved note, what happened to the task, and the alerts its readings or outcome raised. */
    public record Saved(Note note, String taskStatus, int attempts, Long followUpTaskId, boolean replay,
                        List<AlertEngine.Raised> alerts) {
    }

    public Mono<Saved> submit(Principal principal, long taskId, NewNote n) {
        principal.requireStaff();
        for (int i = 0; i < n.readings().size(); i++) {
            ObservationService.validate("readings[" + i + "]", n.readings().get(i));
        }
        LocalDate today = LocalDate.now(clock);
        if (n.nextContactDate() != null && !n.nextContactDate().isAfter(today)) {
            throw ApiException.badRequest(1701, "nextContactDate", "下次联系日期须晚于今天");
        }
        if (n.nextContactDate() != null && n.nextContactDate().isAfter(today.plusYears(2))) {
            throw ApiException.badRequest(1702, "nextContactDate", "下次联系日期不能超过两年后");
        }
        if (n.callId() != null && !"PHONE".equals(n.contactChannel())) {
            throw ApiException.badRequest(1706, "contactChannel", "关联了通话的随访记录，联系方式应为电话（PHONE）");
        }
        return taskRow(taskId)
                .filterWhen(task -> access.canSee(principal, task.patientId()))
                .switchIfEmpty(Mono.error(NoteService::taskNotFound))
                .flatMap(task -> existing(n.clientRequestId()).flatMap(prev -> {
                    if (prev.taskId() != taskId) {
                        return Mono.<Saved>error(ApiException.conflict(1703, "duplicate-request",
                                "该请求号已用于另一条随访任务的记录"));
                    }
                    return Mono.just(new Saved(prev, task.status(), task.attempts(), null, true, List.of()));
                }).switchIfEmpty(Mono.defer(() -> tx.transactional(save(principal, task, n, today)))));
    }

    private Mono<Saved> save(Principal principal, TaskRow task, NewNote n, LocalDate today) {
        return lockTask(task.id()).flatMap(locked -> {
            if (!locked.open()) {
                return Mono.error(ApiException.conflict(1704, "task-closed",
                        "该随访任务已结束（" + locked.status() + "），不能再记录；如需再次联系请新建随访"));
            }
            int attempts = locked.attempts() + 1;
            String status = switch (n.outcome()) {
                case COMPLETED, READMITTED -> "COMPLETED";
                case REFUSED -> "REFUSED";
                case UNREACHABLE -> attempts >= MAX_ATTEMPTS ? "UNREACHABLE" : "PENDING";
            };
            boolean retry = n.outcome() == NoteOutcome.UNREACHABLE && "PENDING".equals(status);
            OffsetDateTime now = OffsetDateTime.now(clock);
            return checkCall(locked, n).then(insertNote(principal, locked, n))
                    .flatMap(noteId -> Flux.fromIterable(n.readings())
                            .concatMap(r -> observations.record(locked.patientId(), r, now, "NOTE", noteId, principal.id()))
                            .collectList()
                            .flatMap(readingIds -> db.sql("""
                                            UPDATE follow_up_task SET status = :st, attempts = :att, outcome = :outcome,
                                                completed_at = CASE WHEN :st IN ('PENDING', 'IN_PROGRESS') THEN NULL ELSE now() END,
                                                due_date = CASE WHEN :retry THEN CAST(:tomorrow AS DATE) ELSE due_date END,
                                                window_end = CASE WHEN :retry THEN GREATEST(window_end, CAST(:tomorrow AS DATE)) ELSE window_end END,
                                                overdue = CASE WHEN :retry THEN FALSE ELSE overdue END,
                                                version = version + 1, changed_at = now(), changed_by = :by
                                            WHERE id = :id""")
                                    .bind("id", locked.id()).bind("st", status).bind("att", attempts)
                                    .bind("outcome", n.outcome().name()).bind("retry", retry)
                                    .bind("tomorrow", today.plusDays(1)).bind("by", principal.id())
                                    .then()
                                    .then(n.outcome() == NoteOutcome.UNREACHABLE ? Mono.<Long>empty()
                                            : cn.suifang.backend.task.TaskAlerts.resolveForTask(db, locked.id(), principal.id(),
                                                    cn.suifang.backend.task.TaskAlerts.CONTACT_REACHED, now))
                                    .then(alerts.onReadings(locked.patientId(), readingIds))
                                    .flatMap(raised -> (n.outcome() == NoteOutcome.UNREACHABLE
                                            ? alerts.onTaskNote(locked.patientId(), locked.id())
                                            : Mono.just(List.<AlertEngine.Raised>of()))
                                            .map(more -> java.util.stream.Stream.concat(raised.stream(), more.stream()).toList()))
                                    .flatMap(raised -> facts.changed(locked.patientId()).thenReturn(raised)))
                            .flatMap(raised -> followUp(principal, locked, n)
                                    .flatMap(followUpId -> finish(principal, locked, noteId, status, attempts, followUpId, raised))
                                    .switchIfEmpty(Mono.defer(() -> finish(principal, locked, noteId, status, attempts, null, raised)))));
        });
    }

    private Mono<Saved> finish(Principal principal, TaskRow task, long noteId, String status, int attempts, Long followUpId,
                               List<AlertEngine.Raised> raised) {
        return audit.record(principal, "NOTE_CREATE", "follow_up_note", noteId, List.of(task.patientId()),
                        "task=" + task.id() + " status=" + status)
                .then(note(noteId))
                .map(note -> new Saved(note, status, attempts, followUpId, false, raised));
    }

    /** An ad-hoc task on the next-contact date, same plan and role, assigned to the note's author. */
    private Mono<Long> followUp(Principal principal, TaskRow task, NewNote n) {
        if (n.nextContactDate() == null) {
            return Mono.empty();
        }
        return db.sql("""
                        INSERT INTO follow_up_task (patient_id, care_plan_id, step_id, occurrence, title, channel, role,
                            assignee_id, due_date, window_end, status, created_by)
                        SELECT t.patient_id, t.care_plan_id, NULL,
                               (SELECT COALESCE(MAX(occurrence), 0) + 1 FROM follow_up_task x
                                 WHERE x.care_plan_id = t.care_plan_id AND x.step_id IS NULL),
                               '约定随访', t.channel, t.role, :by, :due, CAST(:due AS DATE) + 3, 'PENDING', :by
                        FROM follow_up_task t WHERE t.id = :id
                        RETURNING id""")
                .bind("id", task.id()).bind("by", principal.id()).bind("due", n.nextContactDate())
                .map(r -> r.get("id", Long.class)).one();
    }

    /**
     * A note that documents a call must belong to the call's task, come after the patient's phone was reached
     * when it says the patient was reached, and be the only note of that call: the task's attempts, the connect
     * rate and the notes then tell one story. Runs under the task's row lock.
     */
    private Mono<Void> checkCall(TaskRow task, NewNote n) {
        if (n.callId() == null) {
            return Mono.empty();
        }
        return db.sql("""
                        SELECT c.task_id, c.status, c.patient_answered_at IS NOT NULL AS reached,
                               EXISTS (SELECT 1 FROM follow_up_note x WHERE x.call_id = c.id) AS noted
                        FROM call_record c WHERE c.id = :id""")
                .bind("id", n.callId())
                .map(r -> new CallFacts(r.get("task_id", Long.class), r.get("status", String.class),
                        Boolean.TRUE.equals(r.get("reached", Boolean.class)), Boolean.TRUE.equals(r.get("noted", Boolean.class))))
                .one()
                .filter(c -> c.taskId() == task.id())
                .switchIfEmpty(Mono.error(() -> ApiException.badRequest(1707, "callId",
                        "关联的通话不是这条随访任务发起的，请从本任务的通话记录中选择")))
                .flatMap(c -> {
                    if (c.noted()) {
                        return Mono.error(ApiException.conflict(1708, "call-already-noted",
                                "这通电话已有随访记录；如需补充，请不关联通话另写一条"));
                    }
                    boolean claimsContact = n.outcome() != NoteOutcome.UNREACHABLE;
                    if (claimsContact && !c.reached()) {
                        return Mono.error(ApiException.conflict(1709, "call-not-connected",
                                "这通电话没有接通患者，不能记为已联系上；请选择“未联系上”，或改为不关联这通电话"));
                    }
                    if (!claimsContact && !"ENDED".equals(c.status())) {
                        return Mono.error(ApiException.conflict(1710, "call-in-progress",
                                "这通电话还没有结束，请挂断或等待呼叫结束后再记录“未联系上”"));
                    }
                    return Mono.<Void>empty();
                });
    }

    private record CallFacts(long taskId, String status, boolean reached, boolean noted) {
    }

    private Mono<Long> insertNote(Principal principal, TaskRow task, NewNote n) {
        return db.sql("""
                        INSERT INTO follow_up_note (task_id, patient_id, author_id, client_request_id, outcome,
                            contact_channel, symptoms, adherence, adverse_reactions, advice, next_contact_date, free_text,
                            call_id)
                        VALUES (:task, :patient, :author, :crid, :outcome, :ch, :sym, :adh, :adv, :advice, :next, :text,
                            :call)
                        RETURNING id""")
                .bind("task", task.id()).bind("patient", task.patientId()).bind("author", principal.id())
                .bind("crid", n.clientRequestId()).bind("outcome", n.outcome().name())
                .bind("ch", n.contactChannel())
                .bind("sym", Rows.array(n.symptoms()))
                .bind("adh", Rows.param(n.adherence(), String.class))
                .bind("adv", Rows.array(n.adverseReactions()))
                .bind("advice", Rows.array(n.advice()))
                .bind("next", Rows.param(n.nextContactDate(), LocalDate.class))
                .bind("text", Rows.param(n.freeText(), String.class))
                .bind("call", Rows.param(n.callId(), UUID.class))
                .map(r -> r.get("id", Long.class)).one();
    }

    public Mono<Note> note(long noteId) {
        return db.sql(NOTE_SELECT + "WHERE n.id = :id")
                .bind("id", noteId).map(NoteService::noteOf).one();
    }

    /** Notes of a patient, newest first (caller has checked access). */
    public Flux<Note> ofPatient(long patientId, int limit) {
        return db.sql(NOTE_SELECT
                        + "WHERE n.patient_id = :p AND NOT n.voided ORDER BY n.created_at DESC, n.id DESC LIMIT :limit")
                .bind("p", patientId).bind("limit", limit).map(NoteService::noteOf).all();
    }

    private Mono<Note> existing(String clientRequestId) {
        return db.sql(NOTE_SELECT + "WHERE n.client_request_id = :c")
                .bind("c", clientRequestId).map(NoteService::noteOf).one();
    }

    private static Note noteOf(io.r2dbc.spi.Readable r) {
        return new Note(r.get("id", Long.class), r.get("task_id", Long.class), r.get("patient_id", Long.class),
                r.get("author_id", Long.class), r.get("author_name", String.class),
                NoteOutcome.valueOf(r.get("outcome", String.class)), r.get("contact_channel", String.class),
                Rows.strings(r, "symptoms"), r.get("adherence", String.class), Rows.strings(r, "adverse_reactions"),
                Rows.strings(r, "advice"), r.get("next_contact_date", LocalDate.class), r.get("free_text", String.class),
                r.get("call_id", UUID.class), r.get("created_at", OffsetDateTime.class));
    }

    record TaskRow(long id, long patientId, String status, int attempts) {
        boolean open() {
            return "PENDING".equals(status) || "IN_PROGRESS".equals(status);
        }
    }

    private Mono<TaskRow> taskRow(long taskId) {
        return readTask(taskId, "");
    }

    /** The task row locked until the transaction ends: concurrent notes on one task are serialised. */
    private Mono<TaskRow> lockTask(long taskId) {
        return readTask(taskId, " FOR UPDATE");
    }

    private Mono<TaskRow> readTask(long taskId, String lock) {
        return db.sql("SELECT id, patient_id, status, attempts FROM follow_up_task WHERE id = :id" + lock)
                .bind("id", taskId)
                .map(r -> new TaskRow(r.get("id", Long.class), r.get("patient_id", Long.class),
                        r.get("status", String.class), r.get("attempts", Integer.class)))
                .one();
    }

    /** The same answer whether the task does not exist or the caller may not see it. */
    static ApiException taskNotFound() {
        return ApiException.notFound(1705, "随访任务不存在或无权查看");
    }
}
