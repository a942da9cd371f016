package cn.suifang.backend.task;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.IntegrationTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskAssignmentAndWorkbenchTest extends IntegrationTest {

    private DischargeRecord patient(int i, int daysAgo) {
        var r = pciDischarge("ZY" + i, "P" + i, daysAgo);
        return new DischargeRecord(r.encounterId(), new DischargeRecord.PatientData(r.patient().mrn(), "患者" + i,
                DischargeRecord.Gender.FEMALE, null, null, null, true, true), r.departmentCode(), r.attendingEmployeeNo(),
                r.admissionDate(), r.dischargeDate(), r.diagnoses(), r.procedures(), null, null, null);
    }

    @Test
    void physicianStepsGoToAttendingAndNurseStepsAreBalancedAcrossTheTeam() {
        // Setup: 10 PCI patients discharged 20 days ago, attending D001 (cardDoc)
        List<DischargeRecord> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(patient(i, 20));
        }

        importBatch(records.toArray(DischargeRecord[]::new));

        // Verify: day-3 nurse calls split evenly between the two team nurses; dietitian step to the team dietitian
        Map<Long, Long> nurseLoad = new java.util.HashMap<>();
        db.sql("SELECT assignee_id, count(*) FROM follow_up_task WHERE role = 'NURSE_COORDINATOR' GROUP BY assignee_id")
                .map(r -> Map.entry(r.get(0, Long.class), r.get(1, Long.class))).all()
                .doOnNext(e -> nurseLoad.put(e.getKey(), e.getValue())).blockLast();
        assertThat(nurseLoad.keySet()).containsExactlyInAnyOrder(hospital.staff("cardNurse1"), hospital.staff("cardNurse2"));
        assertThat(nurseLoad.values()).allSatisfy(n -> assertThat(n).isEqualTo(10L));
        assertThat(count("SELECT count(DISTINCT assignee_id) FROM follow_up_task WHERE role = 'DIETITIAN'")).isEqualTo(1);
        assertThat(count("SELECT assignee_id FROM follow_up_task WHERE role = 'DIETITIAN' LIMIT 1")).isEqualTo(hospital.staff("dietitian"));
        assertThat(count("SELECT count(*) FROM patient WHERE responsible_staff_id = " + hospital.staff("cardDoc"))).isEqualTo(10);
    }

    @Test
    void departmentWithoutTeam_assignsToDepartmentStaffWithTheRole() {
        var r = pciDischarge("ZY900", "P900", 2);
        var surgery = new DischargeRecord(r.encounterId(), r.patient(), "GS", null, r.admissionDate(), r.dischargeDate(),
                List.of("K80.1"), List.of("51.23"), null, null, null);

        importBatch(surgery);

        // SURG day-1 and day-7 nurse steps: GS has no nurse, so they stay unassigned rather than going to anyone
        assertThat(count("SELECT count(*) FROM follow_up_task")).isGreaterThan(0);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE role = 'NURSE_COORDINATOR' AND assignee_id IS NOT NULL")).isZero();
    }

    @Test
    void myTasks_separatesTodayOverdueAndUpcoming_andPagesWithoutGapsOrRepeats() {
        // Setup: day-3 steps of patients discharged 3 days ago are due today; 20 days ago → day-3 overdue
        List<DischargeRecord> records = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            records.add(patient(i, 3));
        }
        records.add(patient(100, 20));
        importBatch(records.toArray(DischargeRecord[]::new));
        String nurse = "cardNurse1";

        // Act: page through TODAY with a page size of 2
        Set<Long> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            @SuppressWarnings("unchecked")
            Map<String, Object> page = get(nurse, "/api/workbench/tasks?view=TODAY&limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
            for (Object item : (List<?>) page.get("items")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> card = (Map<String, Object>) item;
                assertThat(seen.add(((Number) card.get("taskId")).longValue())).isTrue();
                assertThat((String) card.get("phoneMasked")).isNull();
                assertThat((String) card.get("patientName")).contains("*");
            }
            cursor = (String) page.get("nextCursor");
            pages++;
        } while (cursor != null && pages < 20);

        // Verify
        long expectedToday = count("""
                SELECT count(*) FROM follow_up_task WHERE assignee_id = %d AND status = 'PENDING'
                  AND due_date <= DATE '%s' AND window_end >= DATE '%s'""".formatted(hospital.staff(nurse), clock.today(), clock.today()));
        assertThat(expectedToday).isGreaterThan(0);
        assertThat(seen).hasSize((int) expectedToday);
        @SuppressWarnings("unchecked")
        Map<String, Object> overdue = get(nurse, "/api/workbench/tasks?view=OVERDUE").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<?>) overdue.get("items")).isNotEmpty().allSatisfy(i -> assertThat(((Map<?, ?>) i).get("overdue")).isEqualTo(true));
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'TASK_LIST'")).isGreaterThanOrEqualTo(pages + 1);
    }

    @Test
    void taskCounts_matchWhatEachListShows() {
        // Setup: due today, overdue and upcoming tasks for the nurse, and one closed as unreachable
        List<DischargeRecord> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(patient(i, 3));
        }
        records.add(patient(100, 20));
        importBatch(records.toArray(DischargeRecord[]::new));
        String nurse = "cardNurse1";
        db.sql("""
                UPDATE follow_up_task SET status = 'UNREACHABLE', completed_at = now()
                WHERE id = (SELECT min(id) FROM follow_up_task WHERE assignee_id = %d AND status = 'PENDING')"""
                .formatted(hospital.staff(nurse))).then().block();

        @SuppressWarnings("unchecked")
        Map<String, Object> counts = get(nurse, "/api/workbench/task-counts").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();

        for (String view : List.of("TODAY", "OVERDUE", "UPCOMING", "UNREACHABLE")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> page = get(nurse, "/api/workbench/tasks?limit=100&view=" + view).exchange()
                    .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
            assertThat(((Number) counts.get(view.toLowerCase())).intValue()).as(view)
                    .isEqualTo(((List<?>) page.get("items")).size());
        }
        assertThat(((Number) counts.get("today")).intValue()).isPositive();
        assertThat(((Number) counts.get("overdue")).intValue()).isPositive();
        assertThat(((Number) counts.get("unreachable")).intValue()).isEqualTo(1);
    }

    @Test
    void taskBrief_showsDiagnosisNamesQuestionsAndMaskedIdentifiers() {
        importBatch(pciDischarge("ZY001", "P001", 3));
        long task = count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = 3");

        @SuppressWarnings("unchecked")
        Map<String, Object> brief = get("cardNurse1", "/api/tasks/{id}", task).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();

        @SuppressWarnings("unchecked")
        Map<String, Object> patient = (Map<String, Object>) brief.get("patient");
        assertThat(patient).containsEntry("phoneMasked", "138****5678").containsEntry("idCardMasked", "1101**********1235");
        assertThat(brief.toString()).doesNotContain("13812345678").doesNotContain("110105196003071235");
        assertThat((List<?>) brief.get("questions")).isNotEmpty();
        @SuppressWarnings("unchecked")
        Map<String, Object> encounter = (Map<String, Object>) brief.get("encounter");
        assertThat((List<?>) encounter.get("diagnoses")).first().extracting("name").isEqualTo("前壁急性透壁性心肌梗死");
        assertThat(brief).containsEntry("daysSinceDischarge", 3);
    }
}
