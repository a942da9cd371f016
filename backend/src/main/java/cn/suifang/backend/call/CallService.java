package cn.suifang.backend.call;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.organisation.OrganisationService;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.HangupCommand;
import cn.suifang.telephony.api.OriginateCommand;
import cn.suifang.telephony.api.TelephonyStreams;
import io.r2dbc.spi.Readable;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.redisson.api.RateType;
import org.redisson.api.RedissonReactiveClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * One-tap call-out (双向回拨). A request is checked (visibility, open task, consent, numbers on file,
 * calling hours, no other active call, rate limits), recorded as REQUESTED with its audit event in one
 * transaction, and only then put on the command stream for the telephony bridge. The call record moves
 * on as the bridge's events arrive ({@link CallEventApplier}). Numbers never leave this class except inside
 * the command; responses carry the patient's number masked.
 */
@Service
public class CallService {

    private static final Logger log = LoggerFactory.getLogger(CallService.class);
    /** Live-state polls are audited once per staff member and call within this window. */
    private static final Duration READ_AUDIT_WINDOW = Duration.ofHours(1);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final OrganisationService organisation;
    private final PiiCipher cipher;
    private final AuditService audit;
    private final RedissonReactiveClient redis;
    private final SuifangProperties properties;
    private final Clock clock;

    CallService(DatabaseClient db, TransactionalOperator tx, PatientAccess access, OrganisationService organisation,
                PiiCipher cipher, AuditService audit, RedissonReactiveClient redis, SuifangProperties properties,
                Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.organisation = organisation;
        this.cipher = cipher;
        this.audit = audit;
        this.redis = redis;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * What the workbench shows about a call. The patient's number appears only masked. {@code suggestedNoteOutcome}
     * is what the note form preselects once the call is over ({@code COMPLETED} when the patient was reached,
     * {@code UNREACHABLE} when the patient's phone did not answer, was busy, rejected or invalid, {@code null}
     * when the call never reached the patient's phone); {@code noteId} is the note written for this call, if any.
     */
    public record CallView(UUID id, long taskId, long patientId, String patientPhoneMasked, long staffId,
                           String staffName, String callerIdNumber, CallStatus status, String statusLabel,
                           CallOutcome outcome, String outcomeLabel, String hangupCause, String hangupCauseLabel,
                           OffsetDateTime requestedAt,
                           OffsetDateTime doctorAnsweredAt, OffsetDateTime patientAnsweredAt, OffsetDateTime endedAt,
                           Integer billsec, Integer durationSec, boolean hasRecording,
                           @Schema(allowableValues = {"COMPLETED", "UNREACHABLE"}, nullable = true)
                           String suggestedNoteOutcome, Long noteId) {
    }

    // ------------------------------------------------------------------ request

    public Mono<CallView> request(Principal principal, long taskId) {
        principal.requireStaff();
        return target(taskId)
                .filterWhen(t -> access.canSee(principal, t.patientId()))
                .switchIfEmpty(Mono.error(CallService::taskNotFound))
                .flatMap(t -> checkTarget(t)
                        .then(doctorNumber(principal))
                        .flatMap(doctorNumber -> {
                            String patientNumber = patientNumber(t);
                            checkCallingHours();
                            return requireNoActiveCall(taskId)
                                    .then(acquire(staffLimiter(principal.id()), properties.telephony().doctorCallsPerMinute(),
                                            Duration.ofMinutes(1), CallService::doctorRateLimited))
                                    .then(acquire(patientLimiter(t.patientId()), properties.telephony().patientCallsPerHour(),
                                            Duration.ofHours(1), CallService::patientRateLimited))
                                    .then(Mono.defer(() -> tx.transactional(record(principal, t))))
                                    .flatMap(call -> send(call, t, doctorNumber, patientNumber).thenReturn(call.id()));
                        }))
                .flatMap(this::view);
    }

    /** The task with what the checks need, whoever asks; visibility is checked by the caller. */
    private Mono<Target> target(long taskId) {
        return db.sql("""
                        SELECT t.id, t.status, t.patient_id, p.consent_follow_up, p.consent_recording, p.phone_enc,
                               p.department_id, d.caller_id
                        FROM follow_up_task t JOIN patient p ON p.id = t.patient_id
                        JOIN department d ON d.id = p.department_id
                        WHERE t.id = :id""")
                .bind("id", taskId)
                .map(r -> new Target(r.get("id", Long.class), r.get("status", String.class), r.get("patient_id", Long.class),
                        Boolean.TRUE.equals(r.get("consent_follow_up", Boolean.class)),
                        Boolean.TRUE.equals(r.get("consent_recording", Boolean.class)),
                        Optional.ofNullable(r.get("phone_enc", byte[].class)), r.get("department_id", Long.class),
                        r.get("caller_id", String.class)))
                .one();
    }

    private record Target(long taskId, String taskStatus, long patientId, boolean consentFollowUp,
                          boolean consentRecording, Optional<byte[]> phoneEnc, long departmentId,
                          String departmentCallerId) {
    }

    private Mono<Void> checkTarget(Target t) {
        requireOpen(t.taskStatus());
        if (!t.consentFollowUp()) {
            return Mono.error(ApiException.conflict(2003, "consent-withdrawn",
                    "患者已拒绝随访，不能发起呼叫；如患者重新同意，请先在患者信息中更新随访同意"));
        }
        return Mono.empty();
    }

    private static void requireOpen(String taskStatus) {
        if (!"PENDING".equals(taskStatus) && !"IN_PROGRESS".equals(taskStatus)) {
            throw ApiException.conflict(2002, "task-closed", "该随访任务已结束，不能再发起呼叫；如需再次联系请新建随访");
        }
    }

    private Mono<String> doctorNumber(Principal principal) {
        return organisation.staffPhone(principal.id())
                .switchIfEmpty(Mono.error(() -> ApiException.conflict(2004, "caller-phone-missing",
                        "您的手机号码未登记，系统无法先回拨您的电话；请联系科室管理员或信息科在人员信息中登记手机号")));
    }

    private String patientNumber(Target t) {
        return t.phoneEnc().map(b -> cipher.decrypt(PiiField.PATIENT_PHONE, b))
                .orElseThrow(() -> ApiException.conflict(2005, "patient-phone-missing",
                        "患者没有登记电话号码，无法呼叫；请改用其他随访方式或在出院数据中补充电话"));
    }

    private void checkCallingHours() {
        SuifangProperties.Telephony t = properties.telephony();
        LocalTime now = clock.instant().atZone(properties.zone()).toLocalTime();
        if (now.isBefore(t.callingHoursStart()) || !now.isBefore(t.callingHoursEnd())) {
            throw ApiException.conflict(2006, "outside-calling-hours",
                    "当前不在允许呼叫患者的时段（每天 " + t.callingHoursStart() + "–" + t.callingHoursEnd() + "），请在该时段内再呼叫");
        }
    }

    /**
     * A call that has not ended blocks another on the same task, unless the bridge has been silent about it
     * for longer than it could plausibly still be setting up or talking (a lost call must not block forever).
     */
    private Mono<Void> requireNoActiveCall(long taskId) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        return db.sql("""
                        SELECT EXISTS (SELECT 1 FROM call_record WHERE task_id = :t AND status <> 'ENDED'
                            AND COALESCE(last_event_at, requested_at) >
                                CASE WHEN status = 'IN_CALL' THEN :callCut ELSE :setupCut END)""")
                .bind("t", taskId)
                .bind("callCut", now.minus(properties.telephony().maxCallDuration()))
                .bind("setupCut", now.minus(properties.telephony().setupTimeout()))
                .map(r -> Boolean.TRUE.equals(r.get(0, Boolean.class)))
                .one()
                .flatMap(active -> active ? Mono.error(ApiException.conflict(2007, "call-in-progress",
                        "该随访任务已有一通正在进行的呼叫，请等它结束或先取消")) : Mono.empty());
    }

    private String staffLimiter(long staffId) {
        return properties.redis().keyPrefix() + ":call:rate:staff:" + staffId;
    }

    private String patientLimiter(long patientId) {
        return properties.redis().keyPrefix() + ":call:rate:patient:" + patientId;
    }

    /**
     * Takes one permit. The rate is fixed when the limiter is first created and kept while it is used
     * (changed settings apply once an idle limiter has expired).
     */
    private Mono<Void> acquire(String key, int permits, Duration interval,
                               Function<Duration, ApiException> refusal) {
        var limiter = redis.getRateLimiter(key);
        return limiter.trySetRate(RateType.OVERALL, permits, interval, interval.multipliedBy(2))
                .then(limiter.tryAcquire())
                .flatMap(ok -> ok ? Mono.<Void>empty() : Mono.error(refusal.apply(interval)));
    }

    private static ApiException doctorRateLimited(Duration interval) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", 2008,
                "您在 1 分钟内发起的呼叫过多，请稍后再试").withRetryAfter(interval);
    }

    private static ApiException patientRateLimited(Duration interval) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", 2009,
                "该患者 1 小时内已被呼叫多次，为避免打扰请稍后再试或改用其他随访方式").withRetryAfter(interval);
    }

    private record NewCall(UUID id, String callerIdNumber, boolean record) {
    }

    /** Inside the transaction: re-checks under the task's row lock (two taps at once), inserts, audits. */
    private Mono<NewCall> record(Principal principal, Target t) {
        UUID id = UUID.randomUUID();
        String callerId = t.departmentCallerId() == null || t.departmentCallerId().isBlank()
                ? properties.telephony().callerId() : t.departmentCallerId();
        NewCall call = new NewCall(id, callerId, t.consentRecording());
        return db.sql("SELECT status FROM follow_up_task WHERE id = :id FOR UPDATE")
                .bind("id", t.taskId()).map(r -> r.get(0, String.class)).one()
                .doOnNext(CallService::requireOpen)
                .then(requireNoActiveCall(t.taskId()))
                .then(db.sql("""
                                INSERT INTO call_record (id, task_id, patient_id, staff_id, staff_department_id, department_id,
                                    caller_id_number, recording_requested, status, requested_at)
                                VALUES (:id, :task, :patient, :staff, :staffDept, :dept, :callerId, :record, 'REQUESTED', :at)""")
                        .bind("id", id).bind("task", t.taskId()).bind("patient", t.patientId())
                        .bind("staff", principal.id()).bind("staffDept", principal.departmentId())
                        .bind("dept", t.departmentId()).bind("callerId", callerId).bind("record", t.consentRecording())
                        .bind("at", OffsetDateTime.now(clock))
                        .then())
                .then(audit.record(principal, "CALL_REQUEST", "call_record", id, List.of(t.patientId()),
                        "task=" + t.taskId()))
                .thenReturn(call);
    }

    /**
     * Puts the originate command on the stream after the commit. When that fails the call is closed as FAILED
     * at once, so it does not block the task until it times out.
     */
    private Mono<Void> send(NewCall call, Target t, String doctorNumber, String patientNumber) {
        OriginateCommand command = new OriginateCommand(call.id().toString(), t.taskId(), doctorNumber, patientNumber,
                call.callerIdNumber(), null, call.record(), properties.telephony().gateway());
        return xadd(command.toFields())
                .onErrorResume(e -> {
                    log.error("originate command for call {} not sent: {}", call.id(), e.getClass().getSimpleName());
                    return db.sql("""
                                    UPDATE call_record SET status = 'ENDED', outcome = 'FAILED', hangup_cause = 'COMMAND_NOT_SENT',
                                        ended_at = :at, changed_at = :at WHERE id = :id""")
                            .bind("id", call.id()).bind("at", OffsetDateTime.now(clock)).then()
                            .then(Mono.error(telephonyUnavailable()));
                });
    }

    private static ApiException telephonyUnavailable() {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "telephony-unavailable", 2014,
                "呼叫服务暂时不可用，请稍后重试；如持续出现请联系信息科");
    }

    private Mono<Void> xadd(Map<String, String> fields) {
        return redis.<String, String>getStream(TelephonyStreams.commands(properties.redis().keyPrefix()), StringCodec.INSTANCE)
                .add(StreamAddArgs.entries(fields).trimNonStrict().maxLen(TelephonyStreams.MAX_LENGTH).noLimit())
                .then();
    }

    // ------------------------------------------------------------------ cancel

    public Mono<CallView> cancel(Principal principal, UUID callId) {
        principal.requireStaff();
        return visibleCall(principal, callId)
                .flatMap(row -> {
                    if (row.status() == CallStatus.ENDED) {
                        return Mono.<UUID>error(ApiException.conflict(2011, "call-ended", "该通话已结束，无需取消"));
                    }
                    return tx.transactional(db.sql("UPDATE call_record SET cancel_requested_at = COALESCE(cancel_requested_at, :at), "
                                            + "changed_at = :at WHERE id = :id")
                                    .bind("id", callId).bind("at", OffsetDateTime.now(clock)).then()
                                    .then(audit.record(principal, "CALL_CANCEL", "call_record", callId,
                                            List.of(row.patientId()), null)))
                            .then(xadd(new HangupCommand(callId.toString()).toFields())
                                    .onErrorMap(e -> !(e instanceof ApiException), e -> {
                                        log.error("hang-up command for call {} not sent: {}", callId,
                                                e.getClass().getSimpleName());
                                        return telephonyUnavailable();
                                    }))
                            .thenReturn(callId);
                })
                .flatMap(this::view);
    }

    // ------------------------------------------------------------------ reads

    public Mono<CallView> get(Principal principal, UUID callId) {
        principal.requireStaff();
        return visibleCall(principal, callId)
                .flatMap(row -> auditReadOnce(principal, row))
                .then(view(callId));
    }

    public Mono<List<CallView>> ofTask(Principal principal, long taskId) {
        principal.requireStaff();
        return db.sql("SELECT patient_id FROM follow_up_task WHERE id = :id").bind("id", taskId)
                .map(r -> r.get(0, Long.class)).one()
                .filterWhen(patientId -> access.canSee(principal, patientId))
                .switchIfEmpty(Mono.error(CallService::taskNotFound))
                .flatMap(patientId -> historyOfTask(taskId)
                        .flatMap(list -> audit.record(principal, "CALL_LIST", "follow_up_task", taskId, List.of(patientId), null)
                                .thenReturn(list)));
    }

    /** A task's calls, newest first, for a reader who has checked access and audits the read. */
    public Mono<List<CallView>> historyOfTask(long taskId) {
        return db.sql(VIEW_SQL + " WHERE c.task_id = :t ORDER BY c.requested_at DESC, c.created_at DESC")
                .bind("t", taskId).map(this::viewOf).all().collectList();
    }

    /** A patient's calls, newest first, for a reader who has checked access and audits the read. */
    public Mono<List<CallView>> historyOfPatient(long patientId, int limit) {
        return db.sql(VIEW_SQL + " WHERE c.patient_id = :p ORDER BY c.requested_at DESC, c.created_at DESC LIMIT :limit")
                .bind("p", patientId).bind("limit", limit).map(this::viewOf).all().collectList();
    }

    /** The live state is polled; one audit event per staff member and call per hour is enough to show who looked. */
    private Mono<Void> auditReadOnce(Principal principal, CallRow row) {
        String key = properties.redis().keyPrefix() + ":call:read-audit:" + principal.id() + ":" + row.id();
        return redis.<String>getBucket(key, StringCodec.INSTANCE).setIfAbsent("1", READ_AUDIT_WINDOW)
                .flatMap(first -> first ? audit.record(principal, "CALL_READ", "call_record", row.id(),
                        List.of(row.patientId()), null) : Mono.empty());
    }

    record CallRow(UUID id, long patientId, CallStatus status, String recordingPath) {
    }

    /** The call when the caller may see its patient; otherwise the same 404 as for an unknown call. */
    Mono<CallRow> visibleCall(Principal principal, UUID callId) {
        return db.sql("SELECT id, patient_id, status, recording_path FROM call_record WHERE id = :id")
                .bind("id", callId)
                .map(r -> new CallRow(r.get("id", UUID.class), r.get("patient_id", Long.class),
                        CallStatus.valueOf(r.get("status", String.class)), r.get("recording_path", String.class)))
                .one()
                .filterWhen(row -> access.canSee(principal, row.patientId()))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2010, "通话记录不存在或无权查看")));
    }

    private static final String VIEW_SQL = """
            SELECT c.*, s.name AS staff_name, p.phone_enc,
                   (SELECT n.id FROM follow_up_note n WHERE n.call_id = c.id) AS note_id
            FROM call_record c JOIN staff s ON s.id = c.staff_id JOIN patient p ON p.id = c.patient_id""";

    private Mono<CallView> view(UUID callId) {
        return db.sql(VIEW_SQL + " WHERE c.id = :id").bind("id", callId).map(this::viewOf).one();
    }

    private CallView viewOf(Readable r) {
        CallStatus status = CallStatus.valueOf(r.get("status", String.class));
        String outcomeName = r.get("outcome", String.class);
        CallOutcome outcome = outcomeName == null ? null : CallOutcome.valueOf(outcomeName);
        return new CallView(r.get("id", UUID.class), r.get("task_id", Long.class), r.get("patient_id", Long.class),
                Masking.phone(cipher.decrypt(PiiField.PATIENT_PHONE, r.get("phone_enc", byte[].class))),
                r.get("staff_id", Long.class), r.get("staff_name", String.class), r.get("caller_id_number", String.class),
                status, status.label(), outcome, outcome == null ? null : outcomeLabel(outcome),
                r.get("hangup_cause", String.class), hangupCauseLabel(r.get("hangup_cause", String.class)),
                utc(r, "requested_at"), utc(r, "doctor_answered_at"),
                utc(r, "patient_answered_at"), utc(r, "ended_at"), r.get("billsec", Integer.class),
                r.get("duration_sec", Integer.class), r.get("recording_path", String.class) != null,
                status == CallStatus.ENDED ? suggestedNoteOutcome(outcome, r.get("patient_answered_at") != null) : null,
                r.get("note_id", Long.class));
    }

    /**
     * The note outcome a finished call points to: reached means a conversation took place; a patient phone that
     * rang out, was busy, rejected or unknown is an unreachable attempt; a call that never got to the patient
     * (the doctor did not answer, the line failed, the doctor cancelled) is no attempt at all.
     */
    static String suggestedNoteOutcome(CallOutcome outcome, boolean patientReached) {
        if (patientReached) {
            return "COMPLETED";
        }
        if (outcome == null) {
            return null;
        }
        return switch (outcome) {
            case PATIENT_NO_ANSWER, BUSY, REJECTED, INVALID_NUMBER -> "UNREACHABLE";
            case CONNECTED -> "COMPLETED";
            case DOCTOR_NO_ANSWER, FAILED, CANCELLED -> null;
        };
    }

    private static OffsetDateTime utc(Readable r, String column) {
        OffsetDateTime t = r.get(column, OffsetDateTime.class);
        return t == null ? null : t.withOffsetSameInstant(ZoneOffset.UTC);
    }

    /** How the result of a call reads to the doctor. */
    static String outcomeLabel(CallOutcome outcome) {
        return switch (outcome) {
            case CONNECTED -> "已接通";
            case DOCTOR_NO_ANSWER -> "医生未接听";
            case PATIENT_NO_ANSWER -> "患者未接听";
            case BUSY -> "忙线";
            case REJECTED -> "拒接";
            case INVALID_NUMBER -> "空号";
            case FAILED -> "线路故障";
            case CANCELLED -> "已取消";
        };
    }

    /** The switch's hang-up cause (Q.850 names as FreeSWITCH reports them) in words a doctor understands. */
    static String hangupCauseLabel(String cause) {
        if (cause == null) {
            return null;
        }
        return switch (cause) {
            case "NORMAL_CLEARING" -> "正常挂断";
            case "NO_ANSWER", "NO_USER_RESPONSE" -> "无人接听";
            case "USER_BUSY" -> "忙线";
            case "CALL_REJECTED" -> "拒接";
            case "UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT", "NUMBER_CHANGED" -> "空号或号码错误";
            case "SUBSCRIBER_ABSENT" -> "关机或不在服务区";
            case "ORIGINATOR_CANCEL", "LOSE_RACE" -> "已取消";
            case "ALLOTTED_TIMEOUT", "RECOVERY_ON_TIMER_EXPIRE", "PROGRESS_TIMEOUT" -> "呼叫超时";
            case "NO_ROUTE_DESTINATION", "NETWORK_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE", "DESTINATION_OUT_OF_ORDER",
                 "GATEWAY_DOWN", "SWITCH_CONGESTION", "COMMAND_NOT_SENT" -> "线路故障";
            default -> "其他原因";
        };
    }

    /** The same answer whether the task does not exist or the caller may not see it. */
    private static ApiException taskNotFound() {
        return ApiException.notFound(2001, "随访任务不存在或无权查看");
    }
}
