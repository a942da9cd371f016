package cn.suifang.backend.call;

import static cn.suifang.telephony.api.CallEventType.DOCTOR_RINGING;
import static cn.suifang.telephony.api.CallEventType.ORIGINATE_ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.TelephonyStreams;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.StringCodec;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An entry that can be read but never applied (here: a database constraint it cannot satisfy, added for the
 * test) must not be retried forever; one that fails only for a while must still be applied.
 */
class CallEventPoisonTest extends CallTestSupport {

    private static final String POISON_CORE = "poison-core";

    @Autowired
    private MeterRegistry meters;

    private UUID call;

    @BeforeEach
    void requestACallAndAddAConstraintTheEventBreaks() {
        call = callFor("cardDoc", dischargeAndTask("P001"));
        consumer.pollOnce().block();
        db.sql("ALTER TABLE call_event ADD CONSTRAINT test_poison CHECK (core_uuid <> '" + POISON_CORE + "')").then().block();
    }

    @AfterEach
    void dropTheConstraint() {
        db.sql("ALTER TABLE call_event DROP CONSTRAINT IF EXISTS test_poison").then().block();
    }

    private CallEvent poison(CallEvent e) {
        return new CallEvent(e.callId(), POISON_CORE, e.sequence(), e.type(), e.leg(), e.channelUuid(), e.hangupCause(),
                e.outcome(), e.billsec(), e.durationSec(), e.recordingPath(), e.occurredAt());
    }

    @Test
    void entryThatAlwaysFailsToApply_isDeadLetteredAfterMaxDeliveries_andTheNextOneIsApplied() {
        int max = properties.telephony().maxEventDeliveries();
        double before = deadLetteredUnapplied();
        emit(poison(event(call, ORIGINATE_ACCEPTED)));
        poll(); // delivery 1 fails

        for (int delivery = 2; delivery < max; delivery++) {
            assertThat(reclaimAfterIdle()).isEqualTo(1);
            assertThat(pending()).as("still pending after delivery %d", delivery).isEqualTo(1);
            assertThat(deadLetters()).isEmpty();
        }
        assertThat(reclaimAfterIdle()).isEqualTo(1); // delivery max: fails once more, given up

        assertThat(pending()).isZero();
        List<Map<String, String>> dead = deadLetters();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0)).containsEntry("callId", call.toString()).containsEntry("coreUuid", POISON_CORE)
                .containsEntry("deadLetterDeliveries", Integer.toString(max)).containsKey("deadLetterSourceId");
        assertThat(dead.get(0).get("deadLetterReason")).startsWith(CallEventConsumer.REASON_APPLY_FAILED + ": ");
        assertThat(deadLetteredUnapplied()).isEqualTo(before + 1);
        assertThat(count("SELECT count(*) FROM call_event")).isZero();
        assertThat(reclaimAfterIdle()).isZero();

        emit(event(call, ORIGINATE_ACCEPTED));
        assertThat(poll()).isEqualTo(1);
        assertThat(callRow(call)).containsEntry("status", "DIALING_DOCTOR");
    }

    @Test
    void entryThatFailsOnlyForAWhile_isAppliedOnAReclaimAndNotDeadLettered() {
        emit(poison(event(call, DOCTOR_RINGING)));
        poll();
        reclaimAfterIdle();
        assertThat(pending()).isEqualTo(1);

        db.sql("ALTER TABLE call_event DROP CONSTRAINT test_poison").then().block(); // e.g. the database recovered
        assertThat(reclaimAfterIdle()).isEqualTo(1);

        assertThat(pending()).isZero();
        assertThat(deadLetters()).isEmpty();
        assertThat(callRow(call)).containsEntry("status", "DIALING_DOCTOR");
        assertThat(count("SELECT count(*) FROM call_event WHERE core_uuid = '" + POISON_CORE + "'")).isEqualTo(1);
    }

    @Test
    void entryDeliveredMoreOftenThanAllowedWithoutAFailureSeen_isDeadLetteredWithoutApplying() {
        emit(event(call, ORIGINATE_ACCEPTED));
        // an instance that died while applying it, again and again: Redis counted the deliveries, nobody failed
        var taken = events().readGroup(TelephonyStreams.BACKEND_GROUP, "dying",
                org.redisson.api.stream.StreamReadGroupArgs.neverDelivered());
        StreamMessageId id = taken.keySet().iterator().next();
        setDeliveryCount(id, properties.telephony().maxEventDeliveries());

        assertThat(reclaimAfterIdle()).isEqualTo(1);

        assertThat(pending()).isZero();
        assertThat(deadLetters()).hasSize(1);
        assertThat(callRow(call)).containsEntry("status", "REQUESTED");
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Makes every pending entry look idle for longer than the reclaim threshold (XCLAIM … IDLE … JUSTID, which
     * does not count as a delivery) instead of waiting, then runs one reclaim (XAUTOCLAIM, which does).
     */
    private int reclaimAfterIdle() {
        for (var entry : events().listPending(TelephonyStreams.BACKEND_GROUP, StreamMessageId.MIN, StreamMessageId.MAX, 100)) {
            redisson.getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_WRITE,
                    "return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'JUSTID')",
                    RScript.ReturnType.LIST, List.of(events().getName()), TelephonyStreams.BACKEND_GROUP,
                    entry.getConsumerName(), entry.getId().toString(),
                    Long.toString(TelephonyStreams.RECLAIM_IDLE_MILLIS + 1000));
        }
        return consumer.reclaimOnce().block();
    }

    private void setDeliveryCount(StreamMessageId id, long count) {
        redisson.getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_WRITE,
                "return redis.call('XCLAIM', KEYS[1], ARGV[1], 'dying', 0, ARGV[2], 'RETRYCOUNT', ARGV[3], 'JUSTID')",
                RScript.ReturnType.LIST, List.of(events().getName()), TelephonyStreams.BACKEND_GROUP, id.toString(),
                Long.toString(count));
    }

    private List<Map<String, String>> deadLetters() {
        var stream = redisson.<String, String>getStream(CallEventConsumer.deadLetterKey(prefix()), StringCodec.INSTANCE);
        if (!stream.isExists()) {
            return List.of();
        }
        return new ArrayList<>(stream.range(StreamMessageId.MIN, StreamMessageId.MAX).values());
    }

    private double deadLetteredUnapplied() {
        var counter = meters.find(CallEventConsumer.DEAD_LETTERED_METRIC).tag("reason", "apply_failed").counter();
        return counter == null ? 0 : counter.count();
    }
}
