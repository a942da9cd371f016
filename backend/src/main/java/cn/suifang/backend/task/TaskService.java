package cn.suifang.backend.task;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What a doctor does with a task besides writing its note: hand it to a colleague, or give an unreachable patient
 * another try. Both lock the task row, check what the caller may do, change it and audit it in one transaction.
 */
@Service
public class TaskService {

    static final int REOPEN_WINDOW_DAYS = 3;
    /** Roles that may take a task: the clinical ones (Role.clinical), as stored in staff.roles. */
    private static final String[] CLINICAL_ROLES =
            Arrays.stream(Role.values()).filter(Role::clinical).map(Role::name).toArray(String[]::new);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final AuditService audit;
    private final Clock clock;

    TaskService(DatabaseClient db, TransactionalOperator tx, PatientAccess access, AuditService audit, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.audit = audit;
        this.clock = clock;
    }

    /** The task after the change. */
    public record TaskState(long taskId, String status, LocalDate dueDate, LocalDate windowEnd, Long assigneeId,
                            String assigneeName) {
    }

    /** Someone a task can be handed to; roles as the workbench shows them (医师, 随访护士 …). */
    public record Colleague(long id, String name, String departmentName, List<String> roles) {
    }

    private record Locked(long id, long patientId, String status, Long assigneeId) {
    }

    /**
     * Hands an open task to another active clinical colleague of the hospital. The current assignee or a department
     * head who may see the patient can do it; the new assignee then sees the patient through the open task.
     */
    public Mono<TaskState> reassign(Principal principal, long taskId, long assigneeId, String reason) {
        principal.requireStaff();
        return tx.transactional(lock(principal, taskId).flatMap(t -> {
            if (!TaskStatus.valueOf(t.status()).open()) {
                return Mono.<TaskState>error(ApiException.conflict(1804, "task-closed", "该随访任务已结束，不能转交"));
            }
            if (!principal.head() && (t.assigneeId() == null || t.assigneeId() != principal.id())) {
                return Mono.<TaskState>error(ApiException.forbidden(1805, "只有任务负责人或科室主任可以转交该任务"));
            }
            if (t.assigneeId() != null && t.assigneeId() == assigneeId) {
                return Mono.<TaskState>error(ApiException.badRequest(1806, "assigneeId", "该任务已由这位同事负责"));
            }
            return colleague(principal, assigneeId)
                    .switchIfEmpty(Mono.error(() -> ApiException.badRequest(1807, "assigneeId",
                            "转交对象不存在、已停用或不是临床人员，请从同事列表中选择")))
                    .then(db.sql("""
                                    UPDATE follow_up_task SET assignee_id = :to, version = version + 1, changed_at = now(),
                                        changed_by = :by WHERE id = :id""")
                            .bind("to", assigneeId).bind("by", principal.id()).bind("id", taskId).then())
                    .then(audit.record(principal, "TASK_REASSIGN", "follow_up_task", taskId, List.of(t.patientId()),
                            "from=" + t.assigneeId() + " to=" + assigneeId + (reason == null ? "" : " reason=" + reason)))
                    .then(state(taskId));
        }));
    }

    /**
     * Gives a task closed as unreachable another try: open again, due today (or the given day) with a short window.
     * Its attempts are kept, so one more unanswered contact closes it again.
     */
    public Mono<TaskState> reopen(Principal principal, long taskId, LocalDate dueDate) {
        principal.requireStaff();
        LocalDate today = LocalDate.now(clock);
        LocalDate due = dueDate == null ? today : dueDate;
        if (due.isBefore(today) || due.isAfter(today.plusDays(90))) {
            throw ApiException.badRequest(1808, "dueDate", "重新随访的日期须在今天到 90 天之内");
        }
        return tx.transactional(lock(principal, taskId).flatMap(t -> {
            if (!"UNREACHABLE".equals(t.status())) {
                return Mono.<TaskState>error(ApiException.conflict(1809, "task-not-unreachable",
                        "只有“未联系上”而关闭的任务可以重新打开；其他任务请新建随访"));
            }
            return db.sql("""
                            UPDATE follow_up_task SET status = 'PENDING', outcome = NULL, completed_at = NULL, overdue = FALSE,
                                due_date = :due, window_end = :end, assignee_id = COALESCE(assignee_id, :by),
                                version = version + 1, changed_at = now(), changed_by = :by
                            WHERE id = :id""")
                    .bind("due", due).bind("end", due.plusDays(REOPEN_WINDOW_DAYS)).bind("by", principal.id())
                    .bind("id", taskId).then()
                    .then(TaskAlerts.resolveForTask(db, taskId, principal.id(), TaskAlerts.FOLLOW_UP_REARRANGED,
                            java.time.OffsetDateTime.now(clock)))
                    .then(audit.record(principal, "TASK_REOPEN", "follow_up_task", taskId, List.of(t.patientId()),
                            "due=" + due))
                    .then(state(taskId));
        }));
    }

    /** Active clinical staff of the caller's department and care teams, the usual people to hand a task to. */
    public Flux<Colleague> colleagues(Principal principal) {
        principal.requireStaff();
        return db.sql("""
                        SELECT s.id, s.name, d.name AS department_name, s.roles
                        FROM staff s JOIN department d ON d.id = s.department_id
                        WHERE s.hospital_id = :h AND s.active AND s.id <> :me
                          AND (s.department_id = :dept OR s.id IN (
                                SELECT m2.staff_id FROM care_team_member m1
                                JOIN care_team_member m2 ON m2.care_team_id = m1.care_team_id WHERE m1.staff_id = :me))
                          AND s.roles && CAST(:clinical AS VARCHAR[])
                        ORDER BY d.name, s.name""")
                .bind("clinical", CLINICAL_ROLES).bind("h", principal.hospitalId()).bind("me", principal.id()).bind("dept", principal.departmentId())
                .map(r -> new Colleague(r.get("id", Long.class), r.get("name", String.class),
                        r.get("department_name", String.class),
                        Arrays.stream(r.get("roles", String[].class)).map(x -> Role.valueOf(x).label()).toList()))
                .all();
    }

    /**
     * The patient no longer agrees to follow-up: their open tasks are cancelled (outcome NO_CONSENT), so nobody
     * calls them, and no further steps are generated while consent stays withdrawn (TaskGenerator). Runs inside the
     * caller's transaction and audits the change; returns how many tasks were cancelled.
     */
    public Mono<Long> cancelForWithdrawnConsent(Principal actor, long patientId) {
        return db.sql("""
                        UPDATE follow_up_task SET status = 'CANCELLED', outcome = 'NO_CONSENT', completed_at = now(),
                            version = version + 1, changed_at = now(), changed_by = :by
                        WHERE patient_id = :p AND status IN ('PENDING', 'IN_PROGRESS')""")
                .bind("p", patientId).bind("by", cn.suifang.backend.common.Rows.param(actor.actorId(), Long.class))
                .fetch().rowsUpdated()
                .flatMap(n -> audit.record(actor, "CONSENT_WITHDRAWN", "patient", patientId, List.of(patientId),
                        "follow-up consent withdrawn; open tasks cancelled: " + n).thenReturn(n));
    }

    /** The task locked for the change, if the caller may see its patient; otherwise the usual 404. */
    private Mono<Locked> lock(Principal principal, long taskId) {
        return db.sql("SELECT id, patient_id, status, assignee_id FROM follow_up_task WHERE id = :id FOR UPDATE")
                .bind("id", taskId)
                .map(r -> new Locked(r.get("id", Long.class), r.get("patient_id", Long.class), r.get("status", String.class),
                        r.get("assignee_id", Long.class)))
                .one()
                .filterWhen(t -> access.canSee(principal, t.patientId()))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(1803, "随访任务不存在或无权查看")));
    }

    private Mono<Long> colleague(Principal principal, long staffId) {
        return db.sql("""
                        SELECT id FROM staff
                        WHERE id = :id AND hospital_id = :h AND active AND roles && CAST(:clinical AS VARCHAR[])""")
                .bind("clinical", CLINICAL_ROLES).bind("id", staffId).bind("h", principal.hospitalId())
                .map(r -> r.get("id", Long.class)).one();
    }

    private Mono<TaskState> state(long taskId) {
        return db.sql("""
                        SELECT t.id, t.status, t.due_date, t.window_end, t.assignee_id, s.name AS assignee_name
                        FROM follow_up_task t LEFT JOIN staff s ON s.id = t.assignee_id WHERE t.id = :id""")
                .bind("id", taskId)
                .map(r -> new TaskState(r.get("id", Long.class), r.get("status", String.class),
                        r.get("due_date", LocalDate.class), r.get("window_end", LocalDate.class),
                        r.get("assignee_id", Long.class), r.get("assignee_name", String.class)))
                .one();
    }
}
