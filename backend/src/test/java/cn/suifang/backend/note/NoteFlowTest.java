package cn.suifang.backend.note;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NoteFlowTest extends IntegrationTest {

    private long patientId;

    @BeforeEach
    void discharge() {
        importBatch(pciDischarge("ZY001", "P001", 5));
        patientId = count("SELECT id FROM patient");
    }

    private long taskOnDay(int offset) {
        return count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = " + offset);
    }

    private String status(long taskId) {
        return db.sql("SELECT status FROM follow_up_task WHERE id = :id").bind("id", taskId)
                .map(r -> r.get(0, String.class)).one().block();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> note(String staff, long taskId, Map<String, Object> body, int expectedStatus) {
        return post(staff, "/api/tasks/{id}/notes", body, taskId).exchange()
                .expectStatus().isEqualTo(expectedStatus)
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    @Test
    void completedNote_completesTaskAndStoresReadingsAsObservations() {
        long task = taskOnDay(3);

        Map<String, Object> saved = note("cardNurse1", task, Map.of("clientRequestId", "r1", "outcome", "COMPLETED",
                "readings", List.of(Map.of("code", "SBP", "value", 128, "unit", "mmHg"), Map.of("code", "HR", "value", 66)),
                "adherence", "GOOD", "advice", List.of("按时服药")), 201);

        assertThat(saved).containsEntry("taskStatus", "COMPLETED").containsEntry("replay", false);
        assertThat(status(task)).isEqualTo("COMPLETED");
        assertThat(count("SELECT count(*) FROM observation WHERE source = 'NOTE' AND patient_id = " + patientId)).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE id = " + task + " AND completed_at IS NOT NULL")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'NOTE_CREATE' AND " + patientId + " = ANY (patient_ids)"))
                .isEqualTo(1);
    }

    @Test
    void resubmittingSameClientRequest_replaysWithoutSecondNote() {
        long task = taskOnDay(3);
        Map<String, Object> body = Map.of("clientRequestId", "r1", "outcome", "COMPLETED");
        note("cardNurse1", task, body, 201);

        Map<String, Object> replay = note("cardNurse1", task, body, 200);

        assertThat(replay).containsEntry("replay", true);
        assertThat(count("SELECT count(*) FROM follow_up_note")).isEqualTo(1);
    }

    @Test
    void unreachableThreeTimes_retriesNextDayThenClosesAsUnreachable() {
        long task = taskOnDay(3);

        Map<String, Object> first = note("cardNurse1", task, Map.of("clientRequestId", "u1", "outcome", "UNREACHABLE"), 201);
        assertThat(first).containsEntry("taskStatus", "PENDING").containsEntry("attempts", 1);
        assertThat(db.sql("SELECT due_date FROM follow_up_task WHERE id = :id").bind("id", task)
                .map(r -> r.get(0, java.time.LocalDate.class)).one().block()).isEqualTo(clock.today().plusDays(1));

        note("cardNurse1", task, Map.of("clientRequestId", "u2", "outcome", "UNREACHABLE"), 201);
        Map<String, Object> third = note("cardNurse1", task, Map.of("clientRequestId", "u3", "outcome", "UNREACHABLE"), 201);

        assertThat(third).containsEntry("taskStatus", "UNREACHABLE").containsEntry("attempts", 3);
        assertThat(status(task)).isEqualTo("UNREACHABLE");
    }

    @Test
    void noteOnClosedTask_isRefusedWith409AndWritesNothing() {
        long task = taskOnDay(3);
        note("cardNurse1", task, Map.of("clientRequestId", "r1", "outcome", "REFUSED"), 201);

        Map<String, Object> problem = note("cardNurse1", task, Map.of("clientRequestId", "r2", "outcome", "COMPLETED",
                "readings", List.of(Map.of("code", "SBP", "value", 120))), 409);

        assertThat(problem).containsEntry("code", "SF-1704");
        assertThat(count("SELECT count(*) FROM follow_up_note")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation")).isZero();
    }

    @Test
    void nextContactDate_createsAdHocFollowUpForTheAuthor() {
        long task = taskOnDay(3);
        String next = clock.today().plusDays(10).toString();

        Map<String, Object> saved = note("cardNurse1", task,
                Map.of("clientRequestId", "r1", "outcome", "COMPLETED", "nextContactDate", next), 201);

        Number followUp = (Number) saved.get("followUpTaskId");
        assertThat(followUp).isNotNull();
        Map<String, Object> row = db.sql("SELECT assignee_id, CAST(due_date AS TEXT) AS due, status, step_id FROM follow_up_task WHERE id = :id")
                .bind("id", followUp.longValue()).fetch().one().block();
        assertThat(row).containsEntry("assignee_id", hospital.staff("cardNurse1")).containsEntry("due", next)
                .containsEntry("status", "PENDING").containsEntry("step_id", null);
    }

    @Test
    void implausibleReading_isRefusedAndNothingChanges() {
        long task = taskOnDay(3);

        Map<String, Object> problem = note("cardNurse1", task, Map.of("clientRequestId", "r1", "outcome", "COMPLETED",
                "readings", List.of(Map.of("code", "SBP", "value", 1400))), 400);

        assertThat(problem).containsEntry("code", "SF-1602");
        assertThat((List<?>) problem.get("errors")).extracting("field").containsExactly("readings[0].value");
        assertThat(status(task)).isEqualTo("PENDING");
        assertThat(count("SELECT count(*) FROM follow_up_note")).isZero();
    }

    @Test
    void readingInWrongUnit_isRefusedNamingTheUnit() {
        long task = taskOnDay(3);

        Map<String, Object> problem = note("cardNurse1", task, Map.of("clientRequestId", "r1", "outcome", "COMPLETED",
                "readings", List.of(Map.of("code", "FPG", "value", 120, "unit", "mg/dL"))), 400);

        assertThat((List<?>) problem.get("errors")).extracting("field").containsExactly("readings[0].unit");
    }

    @Test
    void colleagueOutsideTheCareTeamAndDepartment_cannotWriteANote() {
        long task = taskOnDay(3);

        Map<String, Object> problem = note("endoDoc", task, Map.of("clientRequestId", "r1", "outcome", "COMPLETED"), 404);

        assertThat(problem).containsEntry("code", "SF-1705");
        assertThat(status(task)).isEqualTo("PENDING");
    }
}
