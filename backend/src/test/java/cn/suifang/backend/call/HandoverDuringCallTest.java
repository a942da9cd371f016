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

import cn.suifang.telephony.api.CallOutcome;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A handover while the nurse is on the phone with the patient: the call finishes as it would have, stays the
 * nurse's call (she made it), and the task it belongs to — with its note — is her successor's from then on.
 */
class HandoverDuringCallTest extends CallTestSupport {

    @Test
    void callInProgressDuringTheHandover_endsWithTheRightOwners_andTheSuccessorWritesTheNote() {
        // Setup: nurse Chen (cardNurse1) is in a call with the patient of her task
        long task = dischargeAndTask("P001");
        long chen = hospital.staff("cardNurse1");
        long zhou = hospital.staff("cardNurse2");
        db.sql("UPDATE follow_up_task SET assignee_id = :c WHERE id = :t").bind("c", chen).bind("t", task).then().block();
        consumer.pollOnce().block();
        UUID call = callFor("cardNurse1", task);
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_RINGING), event(call, DOCTOR_ANSWERED),
                event(call, PATIENT_RINGING), event(call, PATIENT_ANSWERED), event(call, BRIDGED));
        poll();
        assertThat(callRow(call)).containsEntry("status", "IN_CALL");

        // Act: the head hands Chen's work to nurse Zhou mid-call, then the call ends
        post("cardHead", "/api/handovers", Map.of("fromStaffId", chen, "toStaffId", zhou, "requestId", UUID.randomUUID()))
                .exchange().expectStatus().isOk();
        emit(event(call, HANGUP), event(call, RECORDING_READY, null, null, null, "2026/11/23/" + call + ".wav"),
                ended(call, CallOutcome.CONNECTED, "NORMAL_CLEARING", 240));
        poll();

        // Verify: the call ended normally and is still Chen's; the task is Zhou's and stays Zhou's
        assertThat(callRow(call)).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED")
                .containsEntry("staff_id", chen);
        assertThat(count("SELECT assignee_id FROM follow_up_task WHERE id = " + task)).isEqualTo(zhou);

        // Zhou sees the call (and its recording) and writes the note of that call; the task is completed by her note
        assertThat(callView("cardNurse2", call)).containsEntry("suggestedNoteOutcome", "COMPLETED").containsEntry("hasRecording", true);
        post("cardNurse2", "/api/tasks/{id}/notes", Map.of("clientRequestId", "n-" + UUID.randomUUID(), "outcome", "COMPLETED",
                "callId", call.toString()), task).exchange().expectStatus().isCreated();
        assertThat(count("SELECT author_id FROM follow_up_note WHERE call_id = '" + call + "'")).isEqualTo(zhou);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE id = " + task + " AND status = 'COMPLETED' AND assignee_id = "
                + zhou)).isEqualTo(1);
    }
}
