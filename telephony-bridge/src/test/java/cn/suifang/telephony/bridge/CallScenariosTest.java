package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.HangupCommand;
import cn.suifang.telephony.sim.CallScript;
import cn.suifang.telephony.sim.CallScript.Leg;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static cn.suifang.telephony.api.CallEventType.BRIDGED;
import static cn.suifang.telephony.api.CallEventType.CALL_ENDED;
import static cn.suifang.telephony.api.CallEventType.DOCTOR_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.DOCTOR_RINGING;
import static cn.suifang.telephony.api.CallEventType.HANGUP;
import static cn.suifang.telephony.api.CallEventType.ORIGINATE_ACCEPTED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_RINGING;
import static cn.suifang.telephony.api.CallEventType.RECORDING_READY;
import static org.assertj.core.api.Assertions.assertThat;

/** Every scenario end to end: command on the stream → bridge → simulator → events on the stream. */
class CallScenariosTest extends BridgeTestSupport {

    private TelephonyBridge bridge;

    @BeforeEach
    void startTheBridge() {
        bridge = startBridge("bridge-a");
        awaitConnected(bridge);
    }

    @Test
    void answeredCallIsRecordedAndEndsConnectedWithTheTalkTime() {
        String id = uuid();
        dial(id, true, CallScript.defaultScript());
        advance(Duration.ofSeconds(10));
        awaitEvent(id, BRIDGED);
        String patientLeg = CallDriver.patientUuid(id);
        assertThat(sim.channelUuids()).containsExactly(id, patientLeg);
        assertThat(sim.channelVariables(id).orElseThrow())
                .containsEntry("suifang_call_id", id).containsEntry("suifang_task_id", "7001")
                .containsEntry("ignore_early_media", "true");
        assertThat(sim.channelVariables(patientLeg).orElseThrow())
                .containsEntry("suifang_call_id", id).containsEntry("suifang_task_id", "7001")
                .containsEntry("RECORD_STEREO", "true")
                .containsEntry("origination_caller_id_number", OFFICIAL);

        advance(Duration.ofSeconds(60));
        CallEvent ended = awaitEnded(id);

        List<CallEvent> events = events(id);
        assertThat(events).extracting(CallEvent::type).containsExactly(ORIGINATE_ACCEPTED, DOCTOR_RINGING,
                DOCTOR_ANSWERED, PATIENT_RINGING, PATIENT_ANSWERED, BRIDGED, HANGUP, HANGUP, RECORDING_READY, CALL_ENDED);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(ended.billsec()).isEqualTo(30);
        assertThat(ended.hangupCause()).isEqualTo("NORMAL_CLEARING");
        assertThat(ended.coreUuid()).isEqualTo(sim.coreUuid());
        CallEvent recording = events.stream().filter(e -> e.type() == RECORDING_READY).findFirst().orElseThrow();
        assertThat(recording.recordingPath()).matches("/var/lib/freeswitch/recordings/\\d{4}/\\d{2}/\\d{2}/" + id + "\\.wav");
        assertThat(events.stream().filter(e -> !e.coreUuid().equals("bridge")).mapToLong(CallEvent::sequence))
                .isSorted();
        assertThat(events.get(1).leg()).isEqualTo("DOCTOR");
        assertThat(events.get(3).leg()).isEqualTo("PATIENT");
        assertThat(sim.channelUuids()).isEmpty();
    }

    @Test
    void doctorWhoDoesNotAnswerEndsTheCallBeforeThePatientIsDialled() {
        String id = uuid();
        dial(id, true, CallScript.builder().doctor(Leg.noAnswer(Duration.ofSeconds(60))).build());
        advance(Duration.ofSeconds(40));
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.DOCTOR_NO_ANSWER);
        assertThat(ended.billsec()).isZero();
        assertThat(types(id)).containsExactly(ORIGINATE_ACCEPTED, DOCTOR_RINGING, HANGUP, CALL_ENDED);
    }

    @Test
    void doctorWhoDeclinesIsDoctorNoAnswer() {
        String id = uuid();
        dial(id, false, CallScript.builder().doctor(Leg.rejected(Duration.ofSeconds(3))).build());
        advance(Duration.ofSeconds(10));
        assertThat(awaitEnded(id).outcome()).isEqualTo(CallOutcome.DOCTOR_NO_ANSWER);
    }

    @Test
    void patientWhoDoesNotAnswerWithinTheLegTimeout() {
        String id = uuid();
        dial(id, true, CallScript.builder().patient(Leg.noAnswer(Duration.ofSeconds(120))).build());
        advance(Duration.ofSeconds(90));
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.PATIENT_NO_ANSWER);
        assertThat(ended.hangupCause()).isEqualTo("NO_ANSWER");
        assertThat(types(id)).doesNotContain(PATIENT_ANSWERED, RECORDING_READY).containsOnlyOnce(CALL_ENDED);
    }

    @Test
    void busyPatient() {
        assertOutcome(Leg.busy(Duration.ofSeconds(1)), CallOutcome.BUSY, "USER_BUSY");
    }

    @Test
    void rejectingPatient() {
        assertOutcome(Leg.rejected(Duration.ofSeconds(4)), CallOutcome.REJECTED, "CALL_REJECTED");
    }

    @Test
    void invalidPatientNumber() {
        assertOutcome(Leg.fails("UNALLOCATED_NUMBER", Duration.ofSeconds(1)), CallOutcome.INVALID_NUMBER,
                "UNALLOCATED_NUMBER");
    }

    @Test
    void carrierFailureOnThePatientLeg() {
        assertOutcome(Leg.fails("NORMAL_TEMPORARY_FAILURE", Duration.ofSeconds(1)), CallOutcome.FAILED,
                "NORMAL_TEMPORARY_FAILURE");
    }

    @Test
    void gatewayDownOnTheDoctorLegFails() {
        String id = uuid();
        dial(id, false, CallScript.builder().doctor(Leg.fails("GATEWAY_DOWN", Duration.ZERO)).build());
        advance(Duration.ofSeconds(1));
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(ended.hangupCause()).isEqualTo("GATEWAY_DOWN");
    }

    @Test
    void longCallKeepsItsBillsec() {
        String id = uuid();
        dial(id, true, CallScript.builder().talk(Duration.ofHours(2)).hangupBy(CallScript.Party.DOCTOR).build());
        for (int i = 0; i < 13; i++) {
            advance(Duration.ofMinutes(10));
        }
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(ended.billsec()).isEqualTo(7200);
        assertThat(ended.durationSec()).isGreaterThan(7200);
    }

    @Test
    void doctorCancelsWhileThePatientRings() {
        String id = uuid();
        dial(id, true, CallScript.builder().patient(Leg.answersAfter(Duration.ofSeconds(30))).build());
        advance(Duration.ofSeconds(5));
        awaitEvent(id, PATIENT_RINGING);
        send(new HangupCommand(id));
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CANCELLED);
        assertThat(types(id)).doesNotContain(PATIENT_ANSWERED).containsOnlyOnce(CALL_ENDED);
        assertThat(sim.channelUuids()).isEmpty();
    }

    @Test
    void doctorCancelsBeforeAnsweringTheirOwnPhone() {
        String id = uuid();
        dial(id, false, CallScript.builder().doctor(Leg.answersAfter(Duration.ofSeconds(20))).build());
        advance(Duration.ofSeconds(1));
        awaitEvent(id, DOCTOR_RINGING);
        send(new HangupCommand(id));
        assertThat(awaitEnded(id).outcome()).isEqualTo(CallOutcome.CANCELLED);
    }

    @Test
    void hangupOfATalkingCallEndsConnected() {
        String id = uuid();
        dial(id, false, CallScript.builder().talkUntilKilled().build());
        advance(Duration.ofSeconds(20));
        awaitEvent(id, BRIDGED);
        send(new HangupCommand(id));
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.CONNECTED);
        assertThat(ended.billsec()).isGreaterThanOrEqualTo(12);
    }

    @Test
    void invalidCommandIsAcknowledgedAndEndsFailedWithoutDialling() {
        String id = uuid();
        send(new cn.suifang.telephony.api.OriginateCommand(id, 1, "1390000'1111", PATIENT, OFFICIAL, null, false,
                "hospital"));
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(CallOutcome.FAILED);
        assertThat(ended.hangupCause()).isEqualTo("INVALID_COMMAND");
        assertThat(sim.channelUuids()).isEmpty();
        Poll.until("command acknowledged", () -> commandStream().getPendingInfo(
                cn.suifang.telephony.api.TelephonyStreams.BRIDGE_GROUP).getTotal(), n -> n == 0);
    }

    private void assertOutcome(Leg patient, CallOutcome outcome, String cause) {
        String id = uuid();
        dial(id, true, CallScript.builder().patient(patient).build());
        advance(Duration.ofSeconds(60));
        CallEvent ended = awaitEnded(id);
        assertThat(ended.outcome()).isEqualTo(outcome);
        assertThat(ended.hangupCause()).isEqualTo(cause);
        assertThat(ended.billsec()).isZero();
        assertThat(types(id)).containsOnlyOnce(CALL_ENDED).contains(DOCTOR_ANSWERED).doesNotContain(PATIENT_ANSWERED);
    }
}
