package cn.suifang.backend.call;

import static cn.suifang.telephony.api.CallEventType.DOCTOR_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.ORIGINATE_ACCEPTED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_ANSWERED;
import static cn.suifang.telephony.api.CallEventType.PATIENT_RINGING;
import static cn.suifang.telephony.api.CallEventType.RECORDING_READY;
import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.telephony.api.CallOutcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A call-back and the note written after it: the suggested outcome, the link, and what the link refuses. */
class CallNoteLinkTest extends CallTestSupport {

    private long task;

    @BeforeEach
    void task() {
        task = dischargeAndTask("P001");
        consumer.pollOnce().block();
    }

    private UUID connectedCall(int billsec) {
        UUID call = callFor("cardDoc", task);
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED), event(call, PATIENT_RINGING),
                event(call, PATIENT_ANSWERED), event(call, RECORDING_READY, null, null, null, "2026/11/23/" + call + ".wav"),
                ended(call, CallOutcome.CONNECTED, "NORMAL_CLEARING", billsec));
        poll();
        return call;
    }

    private UUID unansweredCall(CallOutcome outcome, String cause) {
        UUID call = callFor("cardDoc", task);
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED), event(call, PATIENT_RINGING),
                ended(call, outcome, cause, 0));
        poll();
        return call;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> note(long taskId, String outcome, UUID call, int expectedStatus, String... more) {
        Map<String, Object> body = new HashMap<>(Map.of("clientRequestId", "n-" + UUID.randomUUID(), "outcome", outcome));
        if (call != null) {
            body.put("callId", call.toString());
        }
        for (int i = 0; i < more.length; i += 2) {
            body.put(more[i], more[i + 1]);
        }
        return post("cardDoc", "/api/tasks/{id}/notes", body, taskId).exchange()
                .expectStatus().isEqualTo(expectedStatus)
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    private long notes() {
        return count("SELECT count(*) FROM follow_up_note");
    }

    @Test
    void connectedCall_suggestsCompletedAndTheNoteDocumentsTheCall() {
        UUID call = connectedCall(185);
        assertThat(callView("cardDoc", call)).containsEntry("suggestedNoteOutcome", "COMPLETED").containsEntry("noteId", null);

        Map<String, Object> saved = note(task, "COMPLETED", call, 201);

        @SuppressWarnings("unchecked")
        Map<String, Object> savedNote = (Map<String, Object>) saved.get("note");
        assertThat(savedNote).containsEntry("callId", call.toString()).containsEntry("contactChannel", "PHONE");
        assertThat(saved).containsEntry("taskStatus", "COMPLETED");
        assertThat(((Number) callView("cardDoc", call).get("noteId")).longValue())
                .isEqualTo(((Number) savedNote.get("id")).longValue());
    }

    @Test
    void unansweredCall_suggestsUnreachableAndRefusesACompletedNote() {
        UUID call = unansweredCall(CallOutcome.PATIENT_NO_ANSWER, "NO_ANSWER");
        assertThat(callView("cardDoc", call)).containsEntry("suggestedNoteOutcome", "UNREACHABLE");

        Map<String, Object> refused = note(task, "COMPLETED", call, 409);
        assertThat(refused).containsEntry("code", "SF-1709").containsEntry("type", "/problems/call-not-connected");
        assertThat(notes()).isZero();

        Map<String, Object> saved = note(task, "UNREACHABLE", call, 201);
        assertThat(saved).containsEntry("taskStatus", "PENDING").containsEntry("attempts", 1);
    }

    @Test
    void busyRejectedAndInvalidNumber_areUnreachableAttempts_doctorNoAnswerIsNone() {
        assertThat(callView("cardDoc", unansweredCall(CallOutcome.BUSY, "USER_BUSY")))
                .containsEntry("suggestedNoteOutcome", "UNREACHABLE");
        endAllCalls();
        assertThat(callView("cardDoc", unansweredCall(CallOutcome.INVALID_NUMBER, "UNALLOCATED_NUMBER")))
                .containsEntry("suggestedNoteOutcome", "UNREACHABLE");
        endAllCalls();
        UUID doctorMissed = callFor("cardDoc", task);
        emit(event(doctorMissed, ORIGINATE_ACCEPTED), ended(doctorMissed, CallOutcome.DOCTOR_NO_ANSWER, "NO_ANSWER", 0));
        poll();
        assertThat(callView("cardDoc", doctorMissed)).containsEntry("suggestedNoteOutcome", null);
    }

    @Test
    void liveCall_hasNoSuggestionYet_andAnUnreachableNoteWaitsForTheEnd() {
        UUID call = callFor("cardDoc", task);
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED), event(call, PATIENT_RINGING));
        poll();
        assertThat(callView("cardDoc", call)).containsEntry("suggestedNoteOutcome", null);

        assertThat(note(task, "UNREACHABLE", call, 409)).containsEntry("code", "SF-1710");
        assertThat(note(task, "COMPLETED", call, 409)).containsEntry("code", "SF-1709");
        assertThat(notes()).isZero();
    }

    @Test
    void doctorMayWriteTheNoteWhileStillTalking() {
        UUID call = callFor("cardDoc", task);
        emit(event(call, ORIGINATE_ACCEPTED), event(call, DOCTOR_ANSWERED), event(call, PATIENT_ANSWERED));
        poll();

        assertThat(note(task, "COMPLETED", call, 201)).containsEntry("taskStatus", "COMPLETED");
    }

    @Test
    void oneNotePerCall() {
        UUID call = unansweredCall(CallOutcome.PATIENT_NO_ANSWER, "NO_ANSWER");
        note(task, "UNREACHABLE", call, 201);

        assertThat(note(task, "UNREACHABLE", call, 409)).containsEntry("code", "SF-1708");
        assertThat(notes()).isEqualTo(1);
    }

    @Test
    void callOfAnotherTask_isRefusedNamingTheField() {
        UUID call = connectedCall(60);
        long otherTask = count("SELECT id FROM follow_up_task WHERE id <> " + task + " AND patient_id = " + patientOf(task)
                + " ORDER BY due_date LIMIT 1");

        Map<String, Object> refused = note(otherTask, "COMPLETED", call, 400);

        assertThat(refused).containsEntry("code", "SF-1707");
        assertThat(refused.get("errors").toString()).contains("callId");
        assertThat(note(task, "COMPLETED", UUID.randomUUID(), 400)).containsEntry("code", "SF-1707");
        assertThat(notes()).isZero();
    }

    @Test
    void callWithAnotherContactChannel_isRefused() {
        UUID call = connectedCall(60);

        assertThat(note(task, "COMPLETED", call, 400, "contactChannel", "VISIT")).containsEntry("code", "SF-1706");
        assertThat(notes()).isZero();
    }

    @Test
    void briefAndTimeline_listTheCalls() {
        UUID missed = unansweredCall(CallOutcome.PATIENT_NO_ANSWER, "NO_ANSWER");
        endAllCalls();
        UUID talked = connectedCall(185);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> calls = (List<Map<String, Object>>) get("cardDoc", "/api/tasks/{id}", task).exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody().get("calls");
        assertThat(calls).extracting(c -> c.get("id")).containsExactly(talked.toString(), missed.toString());

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) get("cardDoc", "/api/patients/{id}/timeline",
                patientOf(task)).exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody()
                .get("entries");
        List<Map<String, Object>> callEntries = entries.stream().filter(e -> "CALL".equals(e.get("kind"))).toList();
        assertThat(callEntries).hasSize(2);
        assertThat(callEntries).anySatisfy(e -> assertThat(e).containsEntry("callId", talked.toString())
                .containsEntry("hasRecording", true).containsEntry("detail", "已接通，通话 3 分 05 秒，有录音"));
        assertThat(callEntries).anySatisfy(e -> assertThat(e).containsEntry("callId", missed.toString())
                .containsEntry("hasRecording", false).containsEntry("detail", "患者未接听"));
        assertThat(entries.toString()).doesNotContain("13812345678");
    }
}
