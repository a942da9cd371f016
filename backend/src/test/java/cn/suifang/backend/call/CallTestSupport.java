package cn.suifang.backend.call;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.backend.support.TelephonyTestState;
import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallEventType;
import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.TelephonyStreams;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.StringCodec;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Calls under test: the event consumer does not run by itself (tests poll it), recordings live under
 * target/, the CDR endpoint takes Basic {@value #CDR_USER}:{@value #CDR_PASSWORD}. Redis keys of calls and
 * telephony streams are cleared before each test.
 */
@TestPropertySource(properties = {TelephonyTestState.CONSUME_BY_HAND, TelephonyTestState.RECORDINGS_DIR,
        TelephonyTestState.CDR_USERNAME, TelephonyTestState.CDR_PASSWORD})
abstract class CallTestSupport extends IntegrationTest {

    static final String CDR_USER = TelephonyTestState.CDR_USER;
    static final String CDR_PASSWORD = TelephonyTestState.CDR_SECRET;

    @Autowired
    protected RedissonClient redisson;
    @Autowired
    protected SuifangProperties properties;
    @Autowired
    protected CallEventConsumer consumer;

    private final AtomicLong sequence = new AtomicLong(1000);

    @BeforeEach
    void clearRedis() {
        TelephonyTestState.clear(redisson, properties.redis().keyPrefix());
    }

    protected String prefix() {
        return properties.redis().keyPrefix();
    }

    protected RStream<String, String> commands() {
        return redisson.getStream(TelephonyStreams.commands(prefix()), StringCodec.INSTANCE);
    }

    protected RStream<String, String> events() {
        return redisson.getStream(TelephonyStreams.events(prefix()), StringCodec.INSTANCE);
    }

    protected List<Map<String, String>> commandEntries() {
        if (!commands().isExists()) {
            return List.of();
        }
        return List.copyOf(commands().range(StreamMessageId.MIN, StreamMessageId.MAX).values());
    }

    /** Imports a PCI discharge for a new patient and returns the id of its first open task. */
    protected long dischargeAndTask(String mrn) {
        importBatch(pciDischarge("ZY-" + mrn, mrn, 3));
        return count("SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id WHERE p.mrn = '" + mrn
                + "' ORDER BY t.due_date, t.id LIMIT 1");
    }

    protected long patientOf(long taskId) {
        return count("SELECT patient_id FROM follow_up_task WHERE id = " + taskId);
    }

    @SuppressWarnings("unchecked")
    protected Map<String, Object> requestCall(String staff, long taskId, int expectedStatus) {
        return post(staff, "/api/tasks/{id}/calls", Map.of(), taskId).exchange()
                .expectStatus().isEqualTo(expectedStatus)
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    protected UUID callFor(String staff, long taskId) {
        return UUID.fromString((String) requestCall(staff, taskId, 202).get("id"));
    }

    @SuppressWarnings("unchecked")
    protected Map<String, Object> callView(String staff, UUID callId) {
        return get(staff, "/api/calls/{id}", callId).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    /** Ends every call so the next request on the same task is not refused as concurrent. */
    protected void endAllCalls() {
        db.sql("UPDATE call_record SET status = 'ENDED'").then().block();
    }

    // ------------------------------------------------------------------ events as the bridge sends them

    protected CallEvent event(UUID callId, CallEventType type) {
        return event(callId, type, null, null, null, null);
    }

    protected CallEvent event(UUID callId, CallEventType type, CallOutcome outcome, String hangupCause, Integer billsec,
                              String recordingPath) {
        String leg = switch (type) {
            case DOCTOR_RINGING, DOCTOR_ANSWERED -> "DOCTOR";
            case PATIENT_RINGING, PATIENT_ANSWERED -> "PATIENT";
            default -> "CALL";
        };
        return new CallEvent(callId.toString(), "core-1", sequence.incrementAndGet(), type, leg, UUID.randomUUID().toString(),
                hangupCause, outcome, billsec, billsec == null ? null : billsec + 20, recordingPath,
                clock.instant().plusSeconds(sequence.get() - 1000));
    }

    protected CallEvent ended(UUID callId, CallOutcome outcome, String cause, int billsec) {
        return event(callId, CallEventType.CALL_ENDED, outcome, cause, billsec, null);
    }

    protected void emit(CallEvent... events) {
        for (CallEvent e : events) {
            emitRaw(e.toFields());
        }
    }

    protected void emitRaw(Map<String, String> fields) {
        events().add(StreamAddArgs.entries(fields));
    }

    protected int poll() {
        return consumer.pollOnce().block();
    }

    /** Entries read by the backend group but not acknowledged. */
    protected long pending() {
        return events().getPendingInfo(TelephonyStreams.BACKEND_GROUP).getTotal();
    }

    protected Map<String, Object> callRow(UUID callId) {
        return db.sql("SELECT * FROM call_record WHERE id = :id").bind("id", callId).fetch().one().block();
    }

    protected static Instant instantOf(Object timestamp) {
        return ((java.time.OffsetDateTime) timestamp).toInstant();
    }
}
