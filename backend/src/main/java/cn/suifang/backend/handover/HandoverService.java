package cn.suifang.backend.handover;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Handover (交接): everything staff member A owns — the patients they are responsible for, their open tasks, the open
 * alerts they own, their care-team seats — moves to B in one transaction, so no patient is ever owned by nobody and a
 * failure halfway moves nothing. Each patient touched gets a summary (open tasks, last note, active alerts) as it
 * stood, and the audit trail lists them. A's notes, calls and recordings stay where they are: B sees them because
 * B is now responsible for the patients. Then A's WeCom contacts among the patients are transferred
 * ({@link CustomerTransferService}, after the commit).
 */
@Service
public class HandoverService {

    private static final Logger log = LoggerFactory.getLogger(HandoverService.class);
    private static final String[] CLINICAL_ROLES =
            Arrays.stream(Role.values()).filter(Role::clinical).map(Role::name).toArray(String[]::new);

    /** Patients A is responsible for, or has open tasks or open alerts of, with what B takes over. */
    static final String AFFECTED = """
            WITH affected AS (
                SELECT p.id FROM patient p WHERE p.responsible_staff_id = :a AND NOT p.voided
                UNION SELECT t.patient_id FROM follow_up_task t WHERE t.assignee_id = :a AND t.status IN ('PENDING', 'IN_PROGRESS')
                UNION SELECT al.patient_id FROM alert al WHERE al.owner_id = :a AND al.status <> 'RESOLVED')
            SELECT p.id AS patient_id, p.name, COALESCE(p.responsible_staff_id = :a, FALSE) AS responsible,
                   (SELECT count(*) FROM follow_up_task t WHERE t.patient_id = p.id AND t.assignee_id = :a
                      AND t.status IN ('PENDING', 'IN_PROGRESS')) AS open_tasks,
                   (SELECT count(*) FROM alert al WHERE al.patient_id = p.id AND al.status <> 'RESOLVED') AS active_alerts,
                   jsonb_build_object(
                     'openTasks', COALESCE((SELECT jsonb_agg(jsonb_build_object('taskId', t.id, 'title', t.title,
                                      'dueDate', t.due_date, 'windowEnd', t.window_end, 'status', t.status) ORDER BY t.due_date, t.id)
                                    FROM follow_up_task t WHERE t.patient_id = p.id AND t.assignee_id = :a
                                      AND t.status IN ('PENDING', 'IN_PROGRESS')), '[]'::jsonb),
                     'lastNote', (SELECT jsonb_build_object('noteId', n.id, 'outcome', n.outcome, 'createdAt', n.created_at,
                                      'authorName', s.name, 'advice', to_jsonb(n.advice), 'nextContactDate', n.next_contact_date)
                                    FROM follow_up_note n JOIN staff s ON s.id = n.author_id
                                    WHERE n.patient_id = p.id AND NOT n.voided ORDER BY n.created_at DESC, n.id DESC LIMIT 1),
                     'activeAlerts', COALESCE((SELECT jsonb_agg(jsonb_build_object('alertId', al.id, 'level', al.level,
                                      'title', al.title, 'status', al.status) ORDER BY al.level DESC, al.id)
                                    FROM alert al WHERE al.patient_id = p.id AND al.status <> 'RESOLVED'), '[]'::jsonb)
                   ) AS summary
            FROM patient p WHERE p.id IN (SELECT id FROM affected)""";

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final AuditService audit;
    private final CustomerTransferService transfers;
    private final JsonMapper json = JsonMapper.builder().build();

    HandoverService(DatabaseClient db, TransactionalOperator tx, AuditService audit, CustomerTransferService transfers) {
        this.db = db;
        this.tx = tx;
        this.audit = audit;
        this.transfers = transfers;
    }

    public enum Reason { MANUAL, MEMBER_LEFT }

    record Staff(long id, long hospitalId, long departmentId, String name, boolean active, List<String> roles,
                 String wecomUserId) {
        boolean clinical() {
            return roles.stream().anyMatch(r -> Arrays.asList(CLINICAL_ROLES).contains(r));
        }
    }

    /** One patient in a preview or a handover; {@code summary} is what B takes over, as JSON. */
    public record Item(long patientId, String patientName, boolean responsible, long openTasks, long activeAlerts,
                       JsonNode summary, String wecomTransfer) {
    }

    /**
     * What would move. {@code items} is empty for callers who may not see patient data (the IT administrator sees
     * the counts only). {@code wecomContacts} counts A's WeCom contacts among the patients; {@code wecomBlocked} those
     * that cannot move on WeCom now (already transferred twice in 90 days), named per item in {@code wecomTransfer}.
     */
    public record Preview(long fromStaffId, String fromName, long toStaffId, String toName, long patients, long tasks,
                          long alerts, long teamSeats, long wecomContacts, long wecomBlocked, boolean itemsShown,
                          List<Item> items) {
    }

    public record Handover(long id, UUID requestId, long fromStaffId, String fromName, long toStaffId, String toName,
                           String reason, long patients, long tasks, long alerts, long teamSeats, Long requestedBy,
                           OffsetDateTime createdAt, boolean itemsShown, List<Item> items,
                           List<CustomerTransferService.Transfer> wecomTransfers) {
    }

    // ------------------------------------------------------------------ preview

    public Mono<Preview> preview(Principal principal, long fromId, long toId) {
        return authorise(principal, fromId, toId).flatMap(pair -> {
            Staff a = pair[0];
            Staff b = pair[1];
            boolean show = principal.clinical();
            return Mono.zip(items(a.id(), a, b, show).collectList(), counts(a.id()))
                    .flatMap(t -> {
                        List<Item> items = t.getT1();
                        long[] c = t.getT2();
                        long contacts = items.stream().filter(i -> i.wecomTransfer() != null).count();
                        long blocked = items.stream().filter(i -> CustomerTransferService.BLOCKED.equals(i.wecomTransfer())).count();
                        Preview preview = new Preview(a.id(), a.name(), b.id(), b.name(), c[0], c[1], c[2], c[3], contacts,
                                blocked, show, show ? items : List.of());
                        return audit.record(principal, "HANDOVER_PREVIEW", "staff", a.id(),
                                        show ? items.stream().map(Item::patientId).toList() : List.of(), "to staff " + b.id())
                                .thenReturn(preview);
                    });
        });
    }

    private reactor.core.publisher.Flux<Item> items(long fromId, Staff a, Staff b, boolean withNames) {
        return db.sql(AFFECTED + " ORDER BY p.id")
                .bind("a", fromId)
                .map(r -> new Object[] {r.get("patient_id", Long.class), r.get("name", String.class),
                        Boolean.TRUE.equals(r.get("responsible", Boolean.class)), r.get("open_tasks", Long.class),
                        r.get("active_alerts", Long.class), r.get("summary", String.class)})
                .all()
                .concatMap(row -> transfers.eligibility((Long) row[0], a.id(), a.wecomUserId(), b.wecomUserId())
                        .map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty())
                        .map(w -> new Item((Long) row[0], withNames ? Masking.name((String) row[1]) : null, (Boolean) row[2],
                                (Long) row[3], (Long) row[4], json.readTree((String) row[5]), w.orElse(null))));
    }

    /** patients, tasks, alerts, care-team seats that would move from A. */
    private Mono<long[]> counts(long fromId) {
        return db.sql("""
                        SELECT (SELECT count(*) FROM patient WHERE responsible_staff_id = :a AND NOT voided) AS patients,
                               (SELECT count(*) FROM follow_up_task WHERE assignee_id = :a AND status IN ('PENDING', 'IN_PROGRESS')) AS tasks,
                               (SELECT count(*) FROM alert WHERE owner_id = :a AND status <> 'RESOLVED') AS alerts,
                               (SELECT count(*) FROM care_team_member WHERE staff_id = :a) AS seats""")
                .bind("a", fromId)
                .map(r -> new long[] {r.get("patients", Long.class), r.get("tasks", Long.class), r.get("alerts", Long.class),
                        r.get("seats", Long.class)})
                .one();
    }

    // ------------------------------------------------------------------ execute

    /** Hands over, as a head or administrator asked. The same request id returns the same handover. */
    public Mono<Handover> execute(Principal principal, long fromId, long toId, UUID requestId) {
        return authorise(principal, fromId, toId)
                .flatMap(pair -> tx.transactional(move(principal, pair[0], pair[1], requestId, Reason.MANUAL)))
                .flatMap(id -> afterCommit(id).then(load(principal, id, false)));
    }

    /**
     * A left the corp (WeCom's delete_user, or the contact sync found them gone): everything goes to the head of A's
     * department, or — when the department has no other active head — to the physician of A's care teams with the
     * fewest open tasks. Idempotent per staff member: WeCom delivers callbacks more than once. Empty when A owns
     * nothing or is unknown; an error (so WeCom retries) when nobody can take over.
     */
    public Mono<Long> handOverDeparted(long fromId) {
        UUID requestId = UUID.nameUUIDFromBytes(("member-left:" + fromId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return db.sql("SELECT id FROM handover WHERE request_id = :r").bind("r", requestId).map(r -> r.get(0, Long.class)).one()
                .switchIfEmpty(Mono.defer(() -> staff(fromId).filterWhen(a -> counts(a.id())
                                .map(c -> c[0] + c[1] + c[2] + c[3] > 0)) // owned nothing: nothing to hand over
                        .flatMap(a -> successorOf(a)
                        .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                                "no active head or physician can take over from staff " + fromId)))
                        .flatMap(bId -> staff(bId).flatMap(b -> tx.transactional(
                                move(Principal.SYSTEM, a, b, requestId, Reason.MEMBER_LEFT))))
                        .flatMap(id -> afterCommit(id).thenReturn(id)))));
    }

    private Mono<Long> successorOf(Staff a) {
        return db.sql("""
                        SELECT s.id FROM staff s
                        WHERE s.id <> :a AND s.active AND (
                            (s.department_id = :d AND 'DEPARTMENT_HEAD' = ANY (s.roles))
                            OR (s.id IN (SELECT m.staff_id FROM care_team_member m WHERE m.care_team_id IN
                                           (SELECT care_team_id FROM care_team_member WHERE staff_id = :a))
                                AND 'PHYSICIAN' = ANY (s.roles)))
                        ORDER BY ('DEPARTMENT_HEAD' = ANY (s.roles) AND s.department_id = :d) DESC,
                                 (SELECT count(*) FROM follow_up_task t WHERE t.assignee_id = s.id
                                    AND t.status IN ('PENDING', 'IN_PROGRESS')),
                                 s.id
                        LIMIT 1""")
                .bind("a", a.id()).bind("d", a.departmentId())
                .map(r -> r.get(0, Long.class)).one();
    }

    /** The whole move, inside the caller's transaction; returns the handover id (an existing one on a retry). */
    private Mono<Long> move(Principal principal, Staff a, Staff b, UUID requestId, Reason reason) {
        Mono<Void> lockBoth = db.sql("SELECT id FROM staff WHERE id IN (:a, :b) ORDER BY id FOR UPDATE")
                .bind("a", a.id()).bind("b", b.id()).then();
        return lockBoth.then(db.sql("SELECT id, from_staff_id, to_staff_id FROM handover WHERE request_id = :r")
                        .bind("r", requestId)
                        .map(r -> new long[] {r.get("id", Long.class), r.get("from_staff_id", Long.class), r.get("to_staff_id", Long.class)})
                        .one())
                .flatMap(existing -> existing[1] == a.id() && existing[2] == b.id() ? Mono.just(existing[0])
                        : Mono.error(ApiException.conflict(2406, "duplicate-request",
                                "该请求编号已用于另一次交接，请刷新后重新发起")))
                .switchIfEmpty(Mono.defer(() -> db.sql("""
                                INSERT INTO handover (hospital_id, request_id, from_staff_id, to_staff_id, reason, patients, tasks,
                                    alerts, team_seats, requested_by)
                                VALUES (:h, :r, :a, :b, :reason, 0, 0, 0, 0, :by) RETURNING id""")
                        .bind("h", a.hospitalId()).bind("r", requestId).bind("a", a.id()).bind("b", b.id())
                        .bind("reason", reason.name()).bind("by", Rows.param(principal.actorId(), Long.class))
                        .map(r -> r.get(0, Long.class)).one()
                        .flatMap(id -> moveEverything(principal, id, a, b, reason))));
    }

    private Mono<Long> moveEverything(Principal principal, long id, Staff a, Staff b, Reason reason) {
        Mono<Void> items = db.sql("INSERT INTO handover_item (handover_id, patient_id, responsible, open_tasks, active_alerts, summary) "
                        + "SELECT :h, x.patient_id, x.responsible, x.open_tasks, x.active_alerts, x.summary FROM ("
                        + AFFECTED + ") x")
                .bind("h", id).bind("a", a.id()).then();
        Mono<Long> patients = db.sql("""
                        UPDATE patient SET responsible_staff_id = :b, changed_at = now(), changed_by = :by
                        WHERE responsible_staff_id = :a AND NOT voided""")
                .bind("a", a.id()).bind("b", b.id()).bind("by", Rows.param(principal.actorId(), Long.class))
                .fetch().rowsUpdated();
        Mono<Long> tasks = db.sql("""
                        UPDATE follow_up_task SET assignee_id = :b, version = version + 1, changed_at = now(), changed_by = :by
                        WHERE assignee_id = :a AND status IN ('PENDING', 'IN_PROGRESS')""")
                .bind("a", a.id()).bind("b", b.id()).bind("by", Rows.param(principal.actorId(), Long.class))
                .fetch().rowsUpdated();
        Mono<Long> alerts = db.sql("UPDATE alert SET owner_id = :b WHERE owner_id = :a AND status <> 'RESOLVED'")
                .bind("a", a.id()).bind("b", b.id()).fetch().rowsUpdated();
        // B takes each of A's seats (same team, same role); A's seats go
        Mono<Long> seats = db.sql("""
                        INSERT INTO care_team_member (care_team_id, staff_id, role)
                        SELECT care_team_id, :b, role FROM care_team_member WHERE staff_id = :a
                        ON CONFLICT DO NOTHING""")
                .bind("a", a.id()).bind("b", b.id()).fetch().rowsUpdated()
                .then(db.sql("DELETE FROM care_team_member WHERE staff_id = :a").bind("a", a.id()).fetch().rowsUpdated());
        // one statement after the other on the transaction's connection
        return items.then(patients).flatMap(p -> tasks.flatMap(t -> alerts.flatMap(al -> seats.flatMap(s -> db.sql("""
                                UPDATE handover SET patients = :p, tasks = :t, alerts = :al, team_seats = :s WHERE id = :id""")
                        .bind("p", p.intValue()).bind("t", t.intValue()).bind("al", al.intValue())
                        .bind("s", s.intValue()).bind("id", id).then()))))
                .then(transfers.queue(id, a.id(), a.wecomUserId(), b.wecomUserId(), reason == Reason.MEMBER_LEFT || !a.active()))
                .then(db.sql("SELECT patient_id FROM handover_item WHERE handover_id = :h").bind("h", id)
                        .map(r -> r.get(0, Long.class)).all().collectList())
                .flatMap(patientIds -> audit.record(principal, "HANDOVER", "handover", id, patientIds,
                        "staff " + a.id() + " -> " + b.id()))
                .thenReturn(id);
    }

    /** After the commit: ask WeCom to start the customer transfers; a failure there never undoes the handover. */
    private Mono<Void> afterCommit(long handoverId) {
        return transfers.send(handoverId)
                .onErrorResume(e -> {
                    log.warn("handover {}: WeCom customer transfer not started yet ({}); the poller retries", handoverId,
                            e.getClass().getSimpleName());
                    return Mono.empty();
                });
    }

    // ------------------------------------------------------------------ read

    public Mono<Handover> get(Principal principal, long id) {
        return load(principal, id, true);
    }

    /** The handover with its items; {@code auditRead} false when the caller just did it (the HANDOVER row says it all). */
    private Mono<Handover> load(Principal principal, long id, boolean auditRead) {
        principal.requireStaff();
        return db.sql("""
                        SELECT h.*, a.name AS from_name, a.department_id AS from_dept, b.name AS to_name
                        FROM handover h JOIN staff a ON a.id = h.from_staff_id JOIN staff b ON b.id = h.to_staff_id
                        WHERE h.id = :id AND h.hospital_id = :hospital""")
                .bind("id", id).bind("hospital", principal.hospitalId())
                .map(r -> new Object[] {null, handoverOf(r, List.of(), List.of(), false), r.get("from_dept", Long.class)})
                .one()
                .filter(row -> principal.has(Role.ADMIN) || (principal.head() && principal.departmentId() == (Long) row[2]))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2405, "交接记录不存在或无权查看")))
                .flatMap(row -> {
                    Handover h = (Handover) row[1];
                    boolean show = principal.clinical();
                    Mono<List<Item>> items = show ? db.sql("""
                                    SELECT i.*, p.name FROM handover_item i JOIN patient p ON p.id = i.patient_id
                                    WHERE i.handover_id = :h ORDER BY i.patient_id""")
                            .bind("h", id)
                            .map(r -> new Item(r.get("patient_id", Long.class), Masking.name(r.get("name", String.class)),
                                    Boolean.TRUE.equals(r.get("responsible", Boolean.class)),
                                    r.get("open_tasks", Integer.class), r.get("active_alerts", Integer.class),
                                    json.readTree(r.get("summary", String.class)), null))
                            .all().collectList() : Mono.just(List.of());
                    return Mono.zip(items, transfers.ofHandover(id, show).collectList())
                            .flatMap(t -> (auditRead ? audit.record(principal, "HANDOVER_READ", "handover", id,
                                            t.getT1().stream().map(Item::patientId).toList(), null) : Mono.<Void>empty())
                                    .thenReturn(new Handover(h.id(), h.requestId(), h.fromStaffId(), h.fromName(), h.toStaffId(),
                                            h.toName(), h.reason(), h.patients(), h.tasks(), h.alerts(), h.teamSeats(),
                                            h.requestedBy(), h.createdAt(), show, t.getT1(), t.getT2())));
                });
    }

    /** Handovers a head's department (or, for the administrator, the hospital) had, newest first. */
    public Mono<List<Handover>> list(Principal principal, int limit) {
        principal.requireStaff();
        if (!principal.has(Role.ADMIN) && !principal.head()) {
            return Mono.error(ApiException.forbidden(2410, "交接记录仅限科室主任或信息科管理员查看"));
        }
        return db.sql("""
                        SELECT h.*, a.name AS from_name, b.name AS to_name
                        FROM handover h JOIN staff a ON a.id = h.from_staff_id JOIN staff b ON b.id = h.to_staff_id
                        WHERE h.hospital_id = :hospital AND (:admin OR a.department_id = :dept)
                        ORDER BY h.created_at DESC, h.id DESC LIMIT :limit""")
                .bind("hospital", principal.hospitalId()).bind("admin", principal.has(Role.ADMIN))
                .bind("dept", principal.departmentId()).bind("limit", limit)
                .map(r -> handoverOf(r, List.of(), List.of(), false))
                .all().collectList();
    }

    private static Handover handoverOf(Readable r, List<Item> items, List<CustomerTransferService.Transfer> transfers,
                                       boolean shown) {
        return new Handover(r.get("id", Long.class), r.get("request_id", UUID.class), r.get("from_staff_id", Long.class),
                r.get("from_name", String.class), r.get("to_staff_id", Long.class), r.get("to_name", String.class),
                r.get("reason", String.class), r.get("patients", Integer.class), r.get("tasks", Integer.class),
                r.get("alerts", Integer.class), r.get("team_seats", Integer.class), r.get("requested_by", Long.class),
                r.get("created_at", OffsetDateTime.class), shown, items, transfers);
    }

    // ------------------------------------------------------------------ rules

    private Mono<Staff> staff(long id) {
        return db.sql("SELECT id, hospital_id, department_id, name, active, roles, wecom_user_id FROM staff WHERE id = :id")
                .bind("id", id)
                .map(r -> new Staff(r.get("id", Long.class), r.get("hospital_id", Long.class), r.get("department_id", Long.class),
                        r.get("name", String.class), Boolean.TRUE.equals(r.get("active", Boolean.class)),
                        Arrays.asList(r.get("roles", String[].class)), r.get("wecom_user_id", String.class)))
                .one();
    }

    /**
     * Heads hand over within their own department (A and B both in it); the administrator within the hospital.
     * B must be an active clinician other than A.
     */
    private Mono<Staff[]> authorise(Principal principal, long fromId, long toId) {
        principal.requireStaff();
        boolean admin = principal.has(Role.ADMIN);
        if (!admin && !principal.head()) {
            return Mono.error(ApiException.forbidden(2401, "交接仅限科室主任或信息科管理员办理和查看"));
        }
        if (fromId == toId) {
            return Mono.error(ApiException.badRequest(2402, "toStaffId", "交出人与接收人不能是同一人"));
        }
        Mono<Staff> notFound = Mono.error(() -> ApiException.notFound(2403, "人员不存在或不在本院"));
        return Mono.zip(staff(fromId).switchIfEmpty(notFound), staff(toId).switchIfEmpty(notFound))
                .flatMap(t -> {
                    Staff a = t.getT1();
                    Staff b = t.getT2();
                    if (a.hospitalId() != principal.hospitalId() || b.hospitalId() != principal.hospitalId()) {
                        return Mono.error(ApiException.notFound(2411, "人员不存在或不在本院"));
                    }
                    if (!admin && (a.departmentId() != principal.departmentId() || b.departmentId() != principal.departmentId())) {
                        return Mono.error(ApiException.forbidden(2404, "科室主任只能在本科室人员之间办理交接"));
                    }
                    if (!b.active() || !b.clinical()) {
                        return Mono.error(new ApiException(HttpStatus.CONFLICT, "invalid-successor", 2407,
                                "接收人须为在职的临床人员（医师、随访护士等）"));
                    }
                    return Mono.just(new Staff[] {a, b});
                });
    }
}
