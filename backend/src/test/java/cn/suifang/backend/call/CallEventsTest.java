package cn.suifang.backend.call;

import static cn.suifang.telephony.api.CallEventType.BRIDGED;
import static cn.suifang.telephony.api.CallEventType.DOCTOR_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.DOCTOR_RINGING;
import static cn.suifang.telephony.api.CallEventType.HANGUP;
import static cn.suifang.telephony.api.CallEventType.ORIGINATE_ACCEPTED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_RINGING;
import static cn.suifang.telephony.api.CallEventType.RECORDING_READY;
import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.TelephonyStreams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.codec.StringCodec;

class CallEventsTest extends CallTestSupport {

    private long task;
    private UUID call;

    @BeforeEach
    void requestACall() {
        task = dischargeAndTask("P001");
        call = callFor("cardDoc", task);
        consumer.pollOnce().block(); // creates the group before the bridge writes anything
    }

    private List<CallEvent> connectedCall() {
        return List.of(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_RINGING), event(call, DOCTOR_ANSWERED),
                event(call, PATIENT_RINGING), event(call, PATIENT_ANSWERED), event(call, BRIDGED), event(call, HANGUP),
                event(call, RECORDING_READY, null, null, null, "2026/11/23/" + call + ".wav"),
                ended(call, CallOutcome.CONNECTED, "NORMAL_CLEARING", 95));
    }

    @Test
    void connectedCallSequence_endsTheRecordConnectedWithTalkTime() {
        List<CallEvent> events = connectedCall();
        emit(events.toArray(CallEvent[]::new));

        assertThat(poll()).isEqualTo(9);

        Map<String, Object> view = callView("cardDoc", call);
        assertThat(view).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED")
                .containsEntry("outcomeLabel", "已接通").containsEntry("billsec", 95).containsEntry("durationSec", 115)
                .containsEntry("hangupCause", "NORMAL_CLEARING").containsEntry("hasRecording", true)
                .containsEntry("patientPhoneMasked", "138****5678");
        assertThat(view.toString()).doesNotContain("13812345678");
        Map<String, Object> row = callRow(call);
        assertThat(instantOf(row.get("doctor_answered_at"))).isEqualTo(events.get(2).occurredAt());
        assertThat(instantOf(row.get("patient_answered_at"))).isEqualTo(events.get(4).occurredAt());
        assertThat(instantOf(row.get("ended_at"))).isEqualTo(events.get(8).occurredAt());
        assertThat(row).containsEntry("last_event_rank", 9);
        assertThat(count("SELECT count(*) FROM call_event WHERE call_id = '" + call + "'")).isEqualTo(9);
        assertThat(pending()).isZero();
    }

    @Test
    void eventsOfSeveralCallsInOneBatch_areAppliedInStreamOrderPerCall() {
        // Setup: three calls whose events lie interleaved on the stream, as a bridge driving them together writes them
        List<UUID> calls = List.of(call, callFor("cardDoc", dischargeAndTask("P002")),
                callFor("cardDoc", dischargeAndTask("P003")));
        List<List<CallEvent>> perCall = calls.stream().map(c -> List.of(event(c, ORIGINATE_ACCEPTED),
                event(c, DOCTOR_RINGING), event(c, DOCTOR_ANSWERED), event(c, PATIENT_RINGING), event(c, PATIENT_ANSWERED),
                event(c, BRIDGED), event(c, HANGUP), ended(c, CallOutcome.CONNECTED, "NORMAL_CLEARING", 60))).toList();
        List<CallEvent> interleaved = new ArrayList<>();
        for (int i = 0; i < perCall.get(0).size(); i++) {
            for (List<CallEvent> events : perCall) {
                interleaved.add(events.get(i));
            }
        }
        emit(interleaved.toArray(CallEvent[]::new));

        // Act: one batch
        assertThat(poll()).isEqualTo(24);

        // Verify: every call ended, and its events were stored in the order the bridge sent them
        for (int k = 0; k < calls.size(); k++) {
            UUID c = calls.get(k);
            assertThat(callRow(c)).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED")
                    .containsEntry("billsec", 60).containsEntry("last_event_rank", 9);
            List<Long> stored = db.sql("SELECT sequence FROM call_event WHERE call_id = :id ORDER BY id").bind("id", c)
                    .map(r -> r.get(0, Long.class)).all().collectList().block();
            assertThat(stored).containsExactlyElementsOf(perCall.get(k).stream().map(CallEvent::sequence).toList());
        }
        assertThat(pending()).isZero();
    }

    @Test
    void liveState_followsTheCallAsItProgresses() {
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_RINGING));
        poll();
        assertThat(callView("cardDoc", call)).containsEntry("status", "DIALING_DOCTOR")
                .containsEntry("statusLabel", "正在呼叫您的电话");

        emit(event(call, DOCTOR_ANSWERED), event(call, PATIENT_RINGING));
        poll();
        assertThat(callView("cardDoc", call)).containsEntry("status", "RINGING_PATIENT")
                .containsEntry("statusLabel", "正在呼叫患者");

        emit(event(call, PATIENT_ANSWERED));
        poll();
        assertThat(callView("cardDoc", call)).containsEntry("status", "IN_CALL").containsEntry("outcome", null);
    }

    @Test
    void patientNoAnswer_endsWithTheReasonInChinese() {
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED), event(call, PATIENT_RINGING),
                ended(call, CallOutcome.PATIENT_NO_ANSWER, "NO_ANSWER", 0));
        poll();

        assertThat(callView("cardDoc", call)).containsEntry("status", "ENDED").containsEntry("outcome", "PATIENT_NO_ANSWER")
                .containsEntry("outcomeLabel", "患者未接听").containsEntry("hangupCauseLabel", "无人接听")
                .containsEntry("patientAnsweredAt", null)
                .containsEntry("hasRecording", false);
    }

    @Test
    void duplicateDelivery_changesNothing() {
        List<CallEvent> events = connectedCall();
        emit(events.toArray(CallEvent[]::new));
        poll();
        Map<String, Object> before = callRow(call);

        emit(events.toArray(CallEvent[]::new));
        assertThat(poll()).isEqualTo(9);

        assertThat(callRow(call)).isEqualTo(before);
        assertThat(count("SELECT count(*) FROM call_event")).isEqualTo(9);
        assertThat(pending()).isZero();
    }

    @Test
    void endedBeforePatientAnswered_staysEndedAndFillsTheAnswerTime() {
        CallEvent answered = event(call, PATIENT_ANSWERED);
        CallEvent bridged = event(call, BRIDGED);
        emit(event(call, DOCTOR_ANSWERED), ended(call, CallOutcome.CONNECTED, "NORMAL_CLEARING", 42));
        poll();

        emit(bridged, answered);
        poll();

        Map<String, Object> row = callRow(call);
        assertThat(row).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED").containsEntry("billsec", 42)
                .containsEntry("last_event_rank", 9);
        assertThat(instantOf(row.get("patient_answered_at"))).isEqualTo(answered.occurredAt());
    }

    @Test
    void recordingReadyAfterTheEnd_stillAttachesTheRecording() {
        emit(ended(call, CallOutcome.CONNECTED, "NORMAL_CLEARING", 30),
                event(call, RECORDING_READY, null, null, null, "late.wav"));
        poll();

        assertThat(callRow(call)).containsEntry("status", "ENDED").containsEntry("recording_path", "late.wav");
    }

    @Test
    void eventForUnknownCall_isAcknowledgedAndIgnored() {
        emit(event(UUID.randomUUID(), ORIGINATE_ACCEPTED));

        assertThat(poll()).isEqualTo(1);

        assertThat(count("SELECT count(*) FROM call_event")).isZero();
        assertThat(callRow(call)).containsEntry("status", "REQUESTED");
        assertThat(pending()).isZero();
    }

    @Test
    void malformedEntry_goesToTheDeadLetterStreamAndDoesNotBlockTheNextOne() {
        Map<String, String> broken = new LinkedHashMap<>();
        broken.put("callId", call.toString());
        broken.put("type", "NOT_A_TYPE");
        broken.put("sequence", "x");
        emitRaw(broken);
        emitRaw(Map.of("callId", "not-a-uuid", "coreUuid", "core-1", "sequence", "1", "type", "HANGUP",
                "occurredAt", "1"));
        CallEvent overlong = event(call, HANGUP);
        emit(new CallEvent(call.toString(), "core-1", 1, HANGUP, "L".repeat(17), null, null, null, null, null, null,
                overlong.occurredAt()));
        emit(event(call, ORIGINATE_ACCEPTED));

        assertThat(poll()).isEqualTo(4);

        var dead = redisson.<String, String>getStream(CallEventConsumer.deadLetterKey(prefix()), StringCodec.INSTANCE)
                .range(StreamMessageId.MIN, StreamMessageId.MAX);
        assertThat(dead).hasSize(3);
        // entries of different calls are applied concurrently, so their dead letters may come in either order
        assertThat(dead.values()).allSatisfy(d -> assertThat(d).containsKeys("deadLetterSourceId", "deadLetterReason"))
                .anySatisfy(d -> assertThat(d).containsEntry("type", "NOT_A_TYPE"))
                .anySatisfy(d -> assertThat(d).containsEntry("callId", "not-a-uuid"));
        assertThat(callRow(call)).containsEntry("status", "DIALING_DOCTOR");
        assertThat(count("SELECT count(*) FROM call_event")).isEqualTo(1);
        assertThat(pending()).isZero();
    }

    @Test
    void entryLeftPendingByACrashedInstance_isReclaimedAndApplied() {
        emit(event(call, ORIGINATE_ACCEPTED));
        // another instance reads the entry and dies before acknowledging it
        Map<StreamMessageId, Map<String, String>> taken = events().readGroup(TelephonyStreams.BACKEND_GROUP, "crashed",
                StreamReadGroupArgs.neverDelivered());
        StreamMessageId id = taken.keySet().iterator().next();
        // make it look idle for longer than the reclaim threshold (XCLAIM … IDLE), instead of waiting
        redisson.getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_WRITE,
                "return redis.call('XCLAIM', KEYS[1], ARGV[1], 'crashed', 0, ARGV[2], 'IDLE', ARGV[3])",
                RScript.ReturnType.LIST, List.of(events().getName()), TelephonyStreams.BACKEND_GROUP, id.toString(),
                Long.toString(TelephonyStreams.RECLAIM_IDLE_MILLIS + 1000));
        assertThat(poll()).isZero();

        assertThat(consumer.reclaimOnce().block()).isEqualTo(1);

        assertThat(callRow(call)).containsEntry("status", "DIALING_DOCTOR");
        assertThat(pending()).isZero();
    }

    @Test
    void consumersOfEarlierInstances_areForgottenOnlyWhenIdleWithNothingPending() {
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_RINGING));
        events().readGroup(TelephonyStreams.BACKEND_GROUP, "old-with-pending", StreamReadGroupArgs.neverDelivered().count(1));
        events().createConsumer(TelephonyStreams.BACKEND_GROUP, "old-idle");
        poll(); // this instance reads and acknowledges the other entry: nothing pending, just active
        assertThat(consumer.forgetIdleConsumers(Duration.ofDays(1)).block()).isZero();

        int forgotten = consumer.forgetIdleConsumers(Duration.ZERO).block();

        assertThat(forgotten).isEqualTo(1);
        assertThat(events().listConsumers(TelephonyStreams.BACKEND_GROUP)).extracting("name")
                .contains("old-with-pending", consumer.consumerName()).doesNotContain("old-idle");
    }

    @Test
    void cancelling_putsAHangupCommandOnTheStream_andAnEndedCallCannotBeCancelled() {
        web.delete().uri("/api/calls/{id}", call).header("Authorization", "Bearer " + token("cardDoc"))
                .exchange().expectStatus().isAccepted();

        assertThat(commandEntries()).hasSize(2);
        assertThat(commandEntries().get(1)).containsEntry("type", "HANGUP").containsEntry("callId", call.toString());
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CALL_CANCEL'")).isEqualTo(1);

        emit(ended(call, CallOutcome.CANCELLED, "ORIGINATOR_CANCEL", 0));
        poll();
        assertThat(callView("cardDoc", call)).containsEntry("outcomeLabel", "已取消");
        web.post().uri("/api/calls/{id}/cancel", call).header("Authorization", "Bearer " + token("cardDoc"))
                .exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.code").isEqualTo("SF-2011");
        assertThat(commandEntries()).hasSize(2);
    }

    @Test
    void callOfAPatientTheCallerMayNotSee_isNotFoundForReadAndCancel() {
        get("endoDoc", "/api/calls/{id}", call).exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2010");
        get("endoDoc", "/api/calls/{id}", UUID.randomUUID()).exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2010");
        web.delete().uri("/api/calls/{id}", call).header("Authorization", "Bearer " + token("endoDoc"))
                .exchange().expectStatus().isNotFound();

        assertThat(commandEntries()).hasSize(1);
    }

    @Test
    void pollingTheLiveState_isAuditedOncePerStaffAndCall() {
        callView("cardDoc", call);
        callView("cardDoc", call);
        callView("cardNurse1", call);

        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CALL_READ'")).isEqualTo(2);
    }
}
