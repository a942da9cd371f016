package cn.suifang.backend.alert;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.ClusterLock;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Masking;
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

/**
 * An alert's life after a rule raised it: the inbox, acknowledging (someone is on it: the ladder stops), resolving
 * with the intervention or dismissing with a reason, the patient confirming a level-1 advice, the escalation pass, and
 * per-rule figures (how many alerts led to an intervention, how fast they were acknowledged, how often dismissed).
 * Staff see and act on the alerts of patients they may see; everything is audited.
 */
@Service
public class AlertService {

    public enum View { MINE, OPEN, RESOLVED }

    public enum Resolution { INTERVENED, DISMISSED }

    public enum InterventionType {
        PHONE_ADVICE("电话指导"), MEDICATION_ADJUSTED("调整用药"), CLINIC_VISIT("安排门诊复诊"),
        EMERGENCY_REFERRAL("转急诊/住院"), HOME_VISIT("上门/社区随访"), PSYCHOLOGICAL_SUPPORT("心理干预/转介"),
        /** Set by the system when a task alert's patient was reached (cn.suifang.backend.task.TaskAlerts). */
        CONTACT_REACHED("已联系上患者"),
        /** Set by the system when an unreachable task was opened again. */
        FOLLOW_UP_REARRANGED("重新安排随访"),
        OTHER("其他");

        private final String label;

        InterventionType(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public enum DismissReason {
        FALSE_READING("测量或录入错误"), ALREADY_HANDLED("已在其他渠道处理"), NOT_RELEVANT("临床判断无需处理"), OTHER("其他");

        private final String label;

        DismissReason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(AlertService.class);

    private static final String ALERT_SELECT = """
            SELECT a.*, p.name AS patient_name, p.gender, p.birth_date, p.department_id, s.name AS owner_name,
                   r.version AS rule_version
            FROM alert a JOIN patient p ON p.id = a.patient_id
            LEFT JOIN staff s ON s.id = a.owner_id
            LEFT JOIN alert_rule r ON r.id = a.rule_id
            """;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final AlertEngine engine;
    private final AuditService audit;
    private final ClusterLock lock;
    private final SuifangProperties properties;
    private final Clock clock;

    AlertService(DatabaseClient db, TransactionalOperator tx, PatientAccess access, AlertEngine engine, AuditService audit,
                 ClusterLock lock, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.engine = engine;
        this.audit = audit;
        this.lock = lock;
        this.properties = properties;
        this.clock = clock;
    }

    /** An alert as staff see it: the patient masked, the ladder's state, what triggered it. */
    public record Alert(long id, long patientId, String patientName, String gender, Integer age, int level,
                        int initialLevel, String title, String ruleCode, Integer ruleVersion, String detail,
                        String status, String statusLabel, String ownerRole, Long ownerId, String ownerName,
                        OffsetDateTime raisedAt, OffsetDateTime slaDueAt, OffsetDateTime dueAt, boolean overdue,
                        int escalations, boolean slaBreached, int triggerCount, OffsetDateTime lastTriggeredAt,
                        Long taskId, String patientAdvice, OffsetDateTime acknowledgedAt, String resolution,
                        String interventionType, String dismissReason, String resolutionNote, OffsetDateTime resolvedAt) {
    }

    public record Event(String kind, int level, String actorType, Long actorId, Long recipientId, String recipientName,
                        String note, OffsetDateTime at) {
    }

    public record AlertDetail(Alert alert, List<Event> events) {
    }

    public record AlertCounts(long mine, long mineOverdue, long open) {
    }

    // ------------------------------------------------------------------ reading

    public Mono<List<Alert>> list(Principal principal, View view, int limit) {
        requireClinical(principal);
        OffsetDateTime now = OffsetDateTime.now(clock);
        String where = switch (view) {
            case MINE -> "a.owner_id = :viewerStaff AND a.status <> 'RESOLVED'";
            case OPEN -> "a.status <> 'RESOLVED'";
            case RESOLVED -> "a.status = 'RESOLVED' AND a.resolved_at >= :since";
        };
        String order = view == View.RESOLVED ? "a.resolved_at DESC, a.id DESC"
                : "(a.status = 'OPEN') DESC, a.level DESC, a.due_at NULLS LAST, a.id DESC";
        DatabaseClient.GenericExecuteSpec spec = PatientAccess.bindViewer(db.sql(ALERT_SELECT + " WHERE "
                + PatientAccess.VISIBLE + " AND " + where + " ORDER BY " + order + " LIMIT :limit"), principal);
        if (view == View.RESOLVED) {
            spec = spec.bind("since", now.minusDays(30));
        }
        return spec.bind("limit", limit)
                .map(r -> alert(r, now))
                .all().collectList()
                .flatMap(alerts -> audit.record(principal, "ALERT_LIST", "alert", view.name(),
                        alerts.stream().map(Alert::patientId).toList(), null).thenReturn(alerts));
    }

    public Mono<AlertCounts> counts(Principal principal) {
        requireClinical(principal);
        return PatientAccess.bindViewer(db.sql("""
                                SELECT count(*) FILTER (WHERE a.owner_id = :viewerStaff) AS mine,
                                       count(*) FILTER (WHERE a.owner_id = :viewerStaff AND a.status = 'OPEN' AND a.sla_due_at < :now) AS mine_overdue,
                                       count(*) AS open
                                FROM alert a JOIN patient p ON p.id = a.patient_id
                                WHERE a.status <> 'RESOLVED' AND """ + PatientAccess.VISIBLE), principal)
                .bind("now", OffsetDateTime.now(clock))
                .map(r -> new AlertCounts(r.get("mine", Long.class), r.get("mine_overdue", Long.class), r.get("open", Long.class)))
                .one();
    }

    public Mono<AlertDetail> get(Principal principal, long alertId) {
        principal.requireStaff();
        OffsetDateTime now = OffsetDateTime.now(clock);
        return visible(principal, alertId, now)
                .flatMap(a -> db.sql("""
                                SELECT e.*, s.name AS recipient_name FROM alert_event e LEFT JOIN staff s ON s.id = e.recipient_id
                                WHERE e.alert_id = :id ORDER BY e.id""")
                        .bind("id", alertId)
                        .map(r -> new Event(r.get("kind", String.class), r.get("level", Integer.class),
                                r.get("actor_type", String.class), r.get("actor_id", Long.class),
                                r.get("recipient_id", Long.class), r.get("recipient_name", String.class),
                                r.get("note", String.class), r.get("occurred_at", OffsetDateTime.class)))
                        .all().collectList()
                        .flatMap(events -> audit.record(principal, "ALERT_READ", "alert", alertId, List.of(a.patientId()), null)
                                .thenReturn(new AlertDetail(a, events))));
    }

    /** The alert if the caller may see its patient; "not found" otherwise (existence is not revealed). */
    private Mono<Alert> visible(Principal principal, long alertId, OffsetDateTime now) {
        if (!principal.clinical()) {
            return Mono.error(hidden());
        }
        return PatientAccess.bindViewer(db.sql(ALERT_SELECT + " WHERE a.id = :id AND " + PatientAccess.VISIBLE), principal)
                .bind("id", alertId)
                .map(r -> alert(r, now))
                .one()
                .switchIfEmpty(Mono.error(() -> hidden()));
    }

    // ------------------------------------------------------------------ acting

    /** Someone is on it: the alert stops climbing the ladder and is theirs. Repeating it changes nothing. */
    public Mono<AlertDetail> acknowledge(Principal principal, long alertId, String note) {
        principal.requireStaff();
        OffsetDateTime now = OffsetDateTime.now(clock);
        return visible(principal, alertId, now)
                .flatMap(a -> tx.transactional(locked(alertId).flatMap(row -> {
                    if ("RESOLVED".equals(row.status())) {
                        return Mono.error(resolvedAlready());
                    }
                    if ("ACKNOWLEDGED".equals(row.status())) {
                        return Mono.<Void>empty();
                    }
                    return db.sql("""
                                    UPDATE alert SET status = 'ACKNOWLEDGED', acknowledged_at = :now, acknowledged_by = :me,
                                        acknowledged_by_type = 'STAFF', owner_id = :me, due_at = NULL, version = version + 1
                                    WHERE id = :id""")
                            .bind("id", alertId).bind("now", now).bind("me", principal.id())
                            .then()
                            .then(engine.event(alertId, "ACKNOWLEDGED", row.level(), "STAFF", principal.id(), principal.id(),
                                    note, now))
                            .then(audit.record(principal, "ALERT_ACKNOWLEDGE", "alert", alertId, List.of(a.patientId()), null));
                })))
                .then(Mono.defer(() -> get(principal, alertId)));
    }

    public record Resolve(Resolution resolution, InterventionType interventionType, DismissReason dismissReason,
                          String note) {
    }

    /** Closes the alert with what was done (or why nothing needed doing); acknowledges it on the way if still open. */
    public Mono<AlertDetail> resolve(Principal principal, long alertId, Resolve r) {
        principal.requireStaff();
        if (r.resolution() == Resolution.INTERVENED && r.interventionType() == null) {
            throw ApiException.badRequest(2504, "interventionType", "请选择采取的干预措施");
        }
        if (r.resolution() == Resolution.DISMISSED && r.dismissReason() == null) {
            throw ApiException.badRequest(2505, "dismissReason", "请选择不需处理的原因");
        }
        boolean other = r.interventionType() == InterventionType.OTHER || r.dismissReason() == DismissReason.OTHER;
        if (other && (r.note() == null || r.note().isBlank())) {
            throw ApiException.badRequest(2506, "note", "选择“其他”时请写明具体情况");
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        return visible(principal, alertId, now)
                .flatMap(a -> tx.transactional(locked(alertId).flatMap(row -> {
                    if ("RESOLVED".equals(row.status())) {
                        return Mono.error(resolvedAlready());
                    }
                    String kind = r.resolution() == Resolution.DISMISSED ? "DISMISSED" : "RESOLVED";
                    return db.sql("""
                                    UPDATE alert SET status = 'RESOLVED', resolved_at = :now, resolved_by = :me,
                                        resolution = :res, intervention_type = :it, dismiss_reason = :dr, resolution_note = :note,
                                        acknowledged_at = COALESCE(acknowledged_at, :now),
                                        acknowledged_by = COALESCE(acknowledged_by, :me),
                                        acknowledged_by_type = COALESCE(acknowledged_by_type, 'STAFF'),
                                        owner_id = COALESCE(owner_id, :me), due_at = NULL, version = version + 1
                                    WHERE id = :id""")
                            .bind("id", alertId).bind("now", now).bind("me", principal.id())
                            .bind("res", r.resolution().name())
                            .bind("it", Rows.param(r.resolution() == Resolution.INTERVENED ? r.interventionType().name() : null, String.class))
                            .bind("dr", Rows.param(r.resolution() == Resolution.DISMISSED ? r.dismissReason().name() : null, String.class))
                            .bind("note", Rows.param(blankToNull(r.note()), String.class))
                            .then()
                            .then(engine.event(alertId, kind, row.level(), "STAFF", principal.id(), null, r.note(), now))
                            .then(audit.record(principal, "ALERT_RESOLVE", "alert", alertId, List.of(a.patientId()),
                                    r.resolution().name()));
                })))
                .then(Mono.defer(() -> get(principal, alertId)));
    }

    /**
     * The patient (or their proxy) confirms having read a level-1 advice: the alert is closed as ADVICE_READ. Alerts
     * above level 1 are staff's to close; for them this only records that the advice was read.
     */
    public Mono<Void> adviceRead(Principal patient, long patientId, long alertId) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        return tx.transactional(locked(alertId)
                .filter(row -> row.patientId() == patientId && row.patientAdvice())
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2507, "该建议不存在")))
                .flatMap(row -> {
                    Mono<Void> close = row.level() == 1 && "OPEN".equals(row.status())
                            ? db.sql("""
                                            UPDATE alert SET status = 'RESOLVED', resolution = 'ADVICE_READ', resolved_at = :now,
                                                acknowledged_at = :now, acknowledged_by_type = 'PATIENT', due_at = NULL,
                                                version = version + 1
                                            WHERE id = :id""").bind("id", alertId).bind("now", now).then()
                            : Mono.empty();
                    return close.then(engine.event(alertId, "ADVICE_READ", row.level(), patient.type().name(), patient.id(),
                                    null, null, now))
                            .then(audit.record(patient, "ALERT_ADVICE_READ", "alert", alertId, List.of(row.patientId()), null));
                }));
    }

    private record Locked(long patientId, int level, String status, String ownerRole, boolean patientAdvice) {
    }

    private Mono<Locked> locked(long alertId) {
        return db.sql("SELECT patient_id, level, status, owner_role, patient_advice IS NOT NULL AS advised FROM alert "
                        + "WHERE id = :id FOR UPDATE")
                .bind("id", alertId)
                .map(r -> new Locked(r.get("patient_id", Long.class), r.get("level", Integer.class),
                        r.get("status", String.class), r.get("owner_role", String.class),
                        Boolean.TRUE.equals(r.get("advised", Boolean.class))))
                .one();
    }

    // ------------------------------------------------------------------ escalation

    @Scheduled(initialDelayString = "${suifang.scheduler.initial-delay:30s}",
            fixedDelayString = "${suifang.alerts.escalation-interval:1m}")
    void scheduled() {
        if (!properties.scheduler().enabled()) {
            return;
        }
        escalateDue().subscribe(run -> {
            if (run.escalated() > 0) {
                log.info("alert escalation: {} alerts moved up the ladder", run.escalated());
            }
        }, e -> log.error("alert escalation pass failed", e));
    }

    /** Result of one escalation pass; {@code ran} is false when another instance held the lock. */
    public record EscalationRun(boolean ran, int escalated) {
    }

    /**
     * Moves every open alert whose time at its level has run out one step up the ladder and tells the new owner.
     * One instance at a time (cluster lock); each alert in its own transaction under {@code FOR UPDATE SKIP LOCKED},
     * so an alert being acknowledged right now is left to that acknowledgement.
     */
    public Mono<EscalationRun> escalateDue() {
        return lock.runExclusive("alert-escalation", Duration.ofMinutes(5), Mono.defer(() -> {
            OffsetDateTime now = OffsetDateTime.now(clock);
            return db.sql("SELECT id FROM alert WHERE status = 'OPEN' AND due_at <= :now ORDER BY due_at LIMIT 500")
                    .bind("now", now).map(r -> r.get("id", Long.class)).all()
                    .concatMap(id -> tx.transactional(db.sql("""
                                    SELECT id, patient_id, level, owner_role FROM alert
                                    WHERE id = :id AND status = 'OPEN' AND due_at <= :now FOR UPDATE SKIP LOCKED""")
                            .bind("id", id).bind("now", now)
                            .map(r -> new Object[] {r.get("patient_id", Long.class), r.get("level", Integer.class),
                                    r.get("owner_role", String.class)})
                            .one()
                            .flatMap(row -> {
                                int level = (Integer) row[1];
                                boolean headOwns = "DEPARTMENT_HEAD".equals(row[2]);
                                String why = level == 1 ? "患者未在规定时间内确认已读建议" : level + "级预警超时未确认";
                                return engine.escalate(id, (Long) row[0], level, headOwns, now, why)
                                        .flatMap(step -> audit.record(Principal.SYSTEM, "ALERT_ESCALATE", "alert", id,
                                                List.of((Long) row[0]), "level=" + step.level()).thenReturn(1));
                            })))
                    .reduce(0, Integer::sum)
                    .map(n -> new EscalationRun(true, n));
        }), new EscalationRun(false, 0));
    }

    // ------------------------------------------------------------------ figures per rule

    public record RuleStats(String ruleCode, String ruleName, long raised, long acknowledged, long intervened,
                            long dismissed, long adviceRead, long open, long escalated, long slaBreached,
                            Double medianMinutesToAcknowledge, Double interventionRate, Double dismissalRate) {
    }

    /** Per rule over alerts raised in [from, to]: heads see their department, admins the hospital. */
    public Mono<List<RuleStats>> ruleStats(Principal principal, LocalDate from, LocalDate to, java.time.ZoneId zone) {
        principal.requireStaff();
        if (!principal.head() && !principal.has(Role.ADMIN)) {
            throw ApiException.forbidden(2508, "预警规则统计仅限科室主任和管理员查看");
        }
        if (to.isBefore(from) || from.plusYears(2).isBefore(to)) {
            throw ApiException.badRequest(2509, "to", "统计区间应在两年以内，且结束日期不早于开始日期");
        }
        Long dept = principal.has(Role.ADMIN) ? null : principal.departmentId();
        return db.sql("""
                        SELECT a.rule_code, max(r.name) AS rule_name, count(*) AS raised,
                               count(*) FILTER (WHERE a.acknowledged_by_type = 'STAFF') AS acknowledged,
                               count(*) FILTER (WHERE a.resolution = 'INTERVENED') AS intervened,
                               count(*) FILTER (WHERE a.resolution = 'DISMISSED') AS dismissed,
                               count(*) FILTER (WHERE a.resolution = 'ADVICE_READ') AS advice_read,
                               count(*) FILTER (WHERE a.status <> 'RESOLVED') AS open,
                               count(*) FILTER (WHERE a.escalations > 0) AS escalated,
                               count(*) FILTER (WHERE a.sla_breached) AS breached,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.acknowledged_at - a.raised_at) / 60)
                                   FILTER (WHERE a.acknowledged_by_type = 'STAFF') AS median_ack
                        FROM alert a JOIN patient p ON p.id = a.patient_id JOIN alert_rule r ON r.id = a.rule_id
                        WHERE p.hospital_id = :h AND (CAST(:dept AS BIGINT) IS NULL OR p.department_id = :dept) AND NOT p.voided
                          AND a.raised_at >= :fromAt AND a.raised_at < :toAt
                        GROUP BY a.rule_code ORDER BY raised DESC, a.rule_code""")
                .bind("h", principal.hospitalId()).bind("dept", Rows.param(dept, Long.class))
                .bind("fromAt", from.atStartOfDay(zone).toOffsetDateTime())
                .bind("toAt", to.plusDays(1).atStartOfDay(zone).toOffsetDateTime())
                .map(r -> {
                    long raised = r.get("raised", Long.class);
                    long intervened = r.get("intervened", Long.class);
                    long dismissed = r.get("dismissed", Long.class);
                    long closed = intervened + dismissed;
                    return new RuleStats(r.get("rule_code", String.class), r.get("rule_name", String.class), raised,
                            r.get("acknowledged", Long.class), intervened, dismissed, r.get("advice_read", Long.class),
                            r.get("open", Long.class), r.get("escalated", Long.class), r.get("breached", Long.class),
                            r.get("median_ack", Double.class),
                            closed == 0 ? null : (double) intervened / closed, closed == 0 ? null : (double) dismissed / closed);
                })
                .all().collectList();
    }

    // ------------------------------------------------------------------ helpers

    private static void requireClinical(Principal principal) {
        principal.requireStaff();
        if (!principal.clinical()) {
            throw ApiException.forbidden(2510, "预警仅限临床人员查看和处理");
        }
    }

    private static ApiException hidden() {
        return ApiException.notFound(2501, "预警不存在或无权查看");
    }

    private static ApiException resolvedAlready() {
        return ApiException.conflict(2502, "alert-resolved", "该预警已处理完毕，无需重复操作");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    static String statusLabel(String status) {
        return switch (status) {
            case "OPEN" -> "待处理";
            case "ACKNOWLEDGED" -> "处理中";
            default -> "已处理";
        };
    }

    private Alert alert(io.r2dbc.spi.Readable r, OffsetDateTime now) {
        LocalDate birth = r.get("birth_date", LocalDate.class);
        OffsetDateTime slaDue = r.get("sla_due_at", OffsetDateTime.class);
        String status = r.get("status", String.class);
        Integer initial = r.get("initial_level", Integer.class);
        return new Alert(r.get("id", Long.class), r.get("patient_id", Long.class), Masking.name(r.get("patient_name", String.class)),
                r.get("gender", String.class),
                birth == null ? null : java.time.Period.between(birth, now.toLocalDate()).getYears(),
                r.get("level", Integer.class), initial == null ? r.get("level", Integer.class) : initial,
                r.get("title", String.class), r.get("rule_code", String.class), r.get("rule_version", Integer.class),
                r.get("detail", String.class), status, statusLabel(status), r.get("owner_role", String.class),
                r.get("owner_id", Long.class), r.get("owner_name", String.class), r.get("raised_at", OffsetDateTime.class),
                slaDue, r.get("due_at", OffsetDateTime.class),
                "OPEN".equals(status) && slaDue != null && slaDue.isBefore(now),
                r.get("escalations", Integer.class), Boolean.TRUE.equals(r.get("sla_breached", Boolean.class)),
                r.get("trigger_count", Integer.class), r.get("last_triggered_at", OffsetDateTime.class),
                r.get("task_id", Long.class), r.get("patient_advice", String.class),
                r.get("acknowledged_at", OffsetDateTime.class), r.get("resolution", String.class),
                r.get("intervention_type", String.class), r.get("dismiss_reason", String.class),
                r.get("resolution_note", String.class), r.get("resolved_at", OffsetDateTime.class));
    }
}
