package cn.suifang.backend.task;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Handing a task to a colleague, and the unreachable worklist with its second try. */
class TaskActionsTest extends IntegrationTest {

    private long task;

    @BeforeEach
    void discharge() {
        importBatch(pciDischarge("ZY001", "P001", 5));
        task = count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = 3");
    }

    private long assignee() {
        return count("SELECT assignee_id FROM follow_up_task WHERE id = " + task);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> reassign(String staff, long to, int expectedStatus) {
        return post(staff, "/api/tasks/{id}/reassign", Map.of("assigneeId", to, "reason", "休假"), task).exchange()
                .expectStatus().isEqualTo(expectedStatus).expectBody(Map.class).returnResult().getResponseBody();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> list(String staff, String view) {
        return (List<Map<String, Object>>) get(staff, "/api/workbench/tasks?view=" + view).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("items");
    }

    @Test
    void assignee_handsTheTaskToAColleague_whoThenHasItOnTheirList() {
        assertThat(assignee()).isEqualTo(hospital.staff("cardNurse1"));

        Map<String, Object> state = reassign("cardNurse1", hospital.staff("cardNurse2"), 200);

        assertThat(state).containsEntry("assigneeName", "周护士").containsEntry("status", "PENDING");
        assertThat(assignee()).isEqualTo(hospital.staff("cardNurse2"));
        assertThat(list("cardNurse2", "TODAY")).extracting(t -> ((Number) t.get("taskId")).longValue()).contains(task);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'TASK_REASSIGN' AND resource_id = '" + task
                + "' AND detail LIKE '%reason=休假'")).isEqualTo(1);
    }

    @Test
    void departmentHead_mayReassign_aColleagueWhoIsNotTheAssigneeMayNot() {
        assertThat(reassign("cardDoc2", hospital.staff("cardNurse2"), 403)).containsEntry("code", "SF-1805");
        assertThat(assignee()).isEqualTo(hospital.staff("cardNurse1"));

        reassign("cardHead", hospital.staff("cardNurse2"), 200);
        assertThat(assignee()).isEqualTo(hospital.staff("cardNurse2"));
    }

    @Test
    void reassignment_refusesOutsidersNonClinicalStaffTheSamePersonAndClosedTasks() {
        assertThat(reassign("endoDoc", hospital.staff("endoNurse"), 404)).containsEntry("code", "SF-1803");
        assertThat(reassign("cardNurse1", hospital.staff("admin"), 400)).containsEntry("code", "SF-1807");
        assertThat(reassign("cardNurse1", hospital.staff("cardNurse1"), 400)).containsEntry("code", "SF-1806");
        assertThat(reassign("cardNurse1", 999_999, 400)).containsEntry("code", "SF-1807");
        db.sql("UPDATE follow_up_task SET status = 'COMPLETED', completed_at = now() WHERE id = :id").bind("id", task)
                .then().block();
        assertThat(reassign("cardNurse1", hospital.staff("cardNurse2"), 409)).containsEntry("code", "SF-1804");
        assertThat(assignee()).isEqualTo(hospital.staff("cardNurse1"));
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'TASK_REASSIGN'")).isZero();
    }

    @Test
    void threeUnansweredContacts_putTheTaskOnTheUnreachableWorklist_andASecondTryReopensIt() {
        for (int i = 1; i <= 3; i++) {
            post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "u" + i, "outcome", "UNREACHABLE"), task)
                    .exchange().expectStatus().isCreated();
        }
        List<Map<String, Object>> worklist = list("cardNurse1", "UNREACHABLE");
        assertThat(worklist).extracting(t -> ((Number) t.get("taskId")).longValue()).containsExactly(task);
        assertThat(worklist.get(0)).containsEntry("status", "UNREACHABLE").containsEntry("attempts", 3)
                .containsEntry("phoneMasked", "138****5678");
        assertThat(list("cardNurse2", "UNREACHABLE")).isEmpty();

        @SuppressWarnings("unchecked")
        Map<String, Object> reopened = post("cardNurse1", "/api/tasks/{id}/reopen", Map.of(), task).exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        assertThat(reopened).containsEntry("status", "PENDING").containsEntry("dueDate", clock.today().toString())
                .containsEntry("windowEnd", clock.today().plusDays(3).toString());
        assertThat(list("cardNurse1", "UNREACHABLE")).isEmpty();
        assertThat(list("cardNurse1", "TODAY")).extracting(t -> ((Number) t.get("taskId")).longValue()).contains(task);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'TASK_REOPEN'")).isEqualTo(1);
    }

    @Test
    void reopen_refusesATaskThatIsNotUnreachableAndADateInThePast() {
        post("cardNurse1", "/api/tasks/{id}/reopen", Map.of(), task).exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.code").isEqualTo("SF-1809");
        post("cardNurse1", "/api/tasks/{id}/reopen", Map.of("dueDate", clock.today().minusDays(1).toString()), task)
                .exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-1808").jsonPath("$.errors[0].field").isEqualTo("dueDate");
    }

    @Test
    void colleagues_areTheClinicalStaffOfMyDepartmentAndCareTeams() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> colleagues = get("cardNurse1", "/api/workbench/colleagues").exchange()
                .expectStatus().isOk().expectBodyList(Map.class).returnResult().getResponseBody()
                .stream().map(m -> (Map<String, Object>) m).toList();

        List<Object> ids = colleagues.stream().map(c -> (Object) ((Number) c.get("id")).longValue()).toList();
        assertThat(ids).contains(hospital.staff("cardNurse2"), hospital.staff("cardDoc"), hospital.staff("dietitian"))
                .doesNotContain(hospital.staff("cardNurse1"), hospital.staff("admin"), hospital.staff("endoDoc"));
        assertThat(colleagues.stream().filter(c -> ((Number) c.get("id")).longValue() == hospital.staff("cardNurse2"))
                .findFirst().orElseThrow().get("roles")).isEqualTo(List.of("随访护士"));
    }
}
