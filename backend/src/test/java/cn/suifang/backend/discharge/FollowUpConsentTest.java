package cn.suifang.backend.discharge;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.backend.task.TaskScheduler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** A patient who does not (or no longer) agree to follow-up gets no tasks and no calls; HIS's latest flag wins. */
class FollowUpConsentTest extends IntegrationTest {

    @Autowired
    TaskScheduler scheduler;

    private DischargeRecord withConsent(DischargeRecord r, Boolean followUp) {
        var p = r.patient();
        return new DischargeRecord(r.encounterId(), new DischargeRecord.PatientData(p.mrn(), p.name(), p.gender(),
                p.birthDate(), p.phone(), p.idCard(), followUp, p.consentRecording()), r.departmentCode(),
                r.attendingEmployeeNo(), r.admissionDate(), r.dischargeDate(), r.diagnoses(), r.procedures(),
                r.dischargeSummary(), r.dischargeInstructions(), r.medications());
    }

    @Test
    void dischargedWithoutConsent_getsAPlanButNoTasks_evenAsStepsFallDue() {
        importBatch(withConsent(pciDischarge("ZY001", "P001", 3), false));

        assertThat(count("SELECT count(*) FROM care_plan")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task")).isZero();
        clock.setDay(clock.today().plusDays(100));
        assertThat(scheduler.runOnce().block().created()).isZero();
        assertThat(count("SELECT count(*) FROM follow_up_task")).isZero();
    }

    @Test
    void hisWithdrawsConsent_openTasksAreCancelled_closedOnesKept_andNoNewOnesAppear() {
        // Setup: a consenting patient, discharged 20 days ago; the day-3 contact already completed
        importBatch(pciDischarge("ZY001", "P001", 20));
        long day3 = count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = 3");
        db.sql("UPDATE follow_up_task SET status = 'COMPLETED', outcome = 'COMPLETED' WHERE id = " + day3).then().block();
        long open = count("SELECT count(*) FROM follow_up_task WHERE status = 'PENDING'");
        assertThat(open).isPositive();

        // Act: HIS sends the same encounter again, now with 不同意随访
        Map<String, Object> report = importBatch(withConsent(pciDischarge("ZY001", "P001", 20), false));

        // Verify: consent stored, every open task cancelled with the reason, the completed one untouched, audited
        assertThat(report).containsEntry("updated", 1);
        assertThat(count("SELECT count(*) FROM patient WHERE NOT consent_follow_up")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE status = 'CANCELLED' AND outcome = 'NO_CONSENT'"))
                .isEqualTo(open);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE status IN ('PENDING', 'IN_PROGRESS')")).isZero();
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE id = " + day3 + " AND status = 'COMPLETED'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CONSENT_WITHDRAWN'")).isEqualTo(1);

        // the nurse's lists no longer show the patient, and later steps are not generated
        @SuppressWarnings("unchecked")
        Map<String, Object> overdue = get("cardNurse1", "/api/workbench/tasks?view=OVERDUE").exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<?>) overdue.get("items")).isEmpty();
        clock.setDay(clock.today().plusDays(100));
        assertThat(scheduler.runOnce().block().created()).isZero();
    }

    @Test
    void aRecordWithoutConsentFlags_keepsWhatIsStored() {
        importBatch(withConsent(pciDischarge("ZY001", "P001", 3), false));

        // a later encounter of the same patient whose record carries no consent flag
        importBatch(withConsent(pciDischarge("ZY002", "P001", 1), null));

        assertThat(count("SELECT count(*) FROM patient WHERE NOT consent_follow_up")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task")).isZero();
    }

    @Test
    void consentGivenAgain_thePlanResumes() {
        importBatch(withConsent(pciDischarge("ZY001", "P001", 1), false));
        assertThat(count("SELECT count(*) FROM follow_up_task")).isZero();

        importBatch(withConsent(pciDischarge("ZY001", "P001", 1), true));
        assertThat(scheduler.runOnce().block().created()).isPositive();

        assertThat(count("SELECT count(*) FROM patient WHERE consent_follow_up")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE status = 'PENDING'")).isPositive();
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CONSENT_WITHDRAWN'")).isZero();
    }
}
