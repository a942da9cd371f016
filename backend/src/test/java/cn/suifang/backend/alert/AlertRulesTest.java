package cn.suifang.backend.alert;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each seeded rule fires at its boundary and not just below it, through the real paths: questionnaire submissions
 * (answers and the readings they carry) and notes on tasks.
 */
class AlertRulesTest extends IntegrationTest {

    private final AtomicInteger requests = new AtomicInteger();
    private long pci;
    private long hf;

    @BeforeEach
    void patients() {
        importBatch(pciDischarge("ZY001", "P001", 5),
                withDiagnoses(pciDischarge("ZY002", "P002", 5), "CARD", List.of("I50.9"), List.of()));
        pci = count("SELECT id FROM patient WHERE mrn = 'P001'");
        hf = count("SELECT id FROM patient WHERE mrn = 'P002'");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> submit(long patientId, String code, Map<String, Object> answers) {
        return post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "req-" + requests.incrementAndGet(), "questionnaireCode", code, "answers", answers),
                patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
    }

    private Map<String, Object> glucose(Object fpg) {
        Map<String, Object> a = new HashMap<>(Map.of("hypo", 0, "medication", 0, "feet", 0));
        if (fpg != null) {
            a.put("fpg", fpg);
        }
        return a;
    }

    private Map<String, Object> pciCheck(Integer sbp, Integer dbp) {
        Map<String, Object> a = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0));
        if (sbp != null) {
            a.put("sbp", sbp);
        }
        if (dbp != null) {
            a.put("dbp", dbp);
        }
        return a;
    }

    private Map<String, Object> weight(Object kg) {
        return new HashMap<>(Map.of("weight", kg, "breathless", 0, "orthopnea", 0, "oedema", 0, "fluid", 0, "medication", 0));
    }

    private List<String> live(long patientId) {
        return db.sql("SELECT rule_code FROM alert WHERE patient_id = :p AND status <> 'RESOLVED' ORDER BY id")
                .bind("p", patientId).map(r -> r.get(0, String.class)).all().collectList().block();
    }

    private Map<String, Object> alertRow(long patientId, String rule) {
        return db.sql("SELECT level, owner_id, owner_role, detail, patient_advice, task_id, trigger_count, sla_due_at - raised_at AS sla "
                        + "FROM alert WHERE patient_id = :p AND rule_code = :r")
                .bind("p", patientId).bind("r", rule).fetch().one().block();
    }

    // ------------------------------------------------------------------ readings

    @Test
    void fastingGlucose_twiceAbove10Within14Days_notAt10_notOnce_notAfter14Days() {
        submit(pci, "DM_SELFCHECK", glucose(10.0));
        clock.advance(Duration.ofDays(1));
        submit(pci, "DM_SELFCHECK", glucose(10.0));
        clock.advance(Duration.ofDays(1));
        submit(pci, "DM_SELFCHECK", glucose(10.1));
        assertThat(live(pci)).as("10.0 is not > 10; one reading above is not two").isEmpty();

        clock.advance(Duration.ofDays(15));
        submit(pci, "DM_SELFCHECK", glucose(10.2));
        assertThat(live(pci)).as("the earlier 10.1 is 15 days old").isEmpty();

        clock.advance(Duration.ofDays(13));
        Map<String, Object> result = submit(pci, "DM_SELFCHECK", glucose(11.6));
        assertThat(live(pci)).containsExactly("FPG_HIGH_REPEAT");
        assertThat(alertRow(pci, "FPG_HIGH_REPEAT")).containsEntry("level", 2).containsEntry("owner_role", "NURSE_COORDINATOR");
        assertThat((String) alertRow(pci, "FPG_HIGH_REPEAT").get("detail")).contains("10.2", "11.6", "14天内2次");
        assertThat((List<?>) result.get("alerts")).hasSize(1);
        assertThat((List<?>) result.get("advice")).singleElement().asString().contains("空腹血糖");
    }

    @Test
    void lowGlucose_level1AdviceToThePatient_below3_9Only() {
        submit(pci, "DM_SELFCHECK", glucose(3.9));
        assertThat(live(pci)).isEmpty();

        submit(pci, "DM_SELFCHECK", glucose(3.8));
        Map<String, Object> a = alertRow(pci, "GLUCOSE_LOW");
        assertThat(a).containsEntry("level", 1).containsEntry("owner_role", "PATIENT");
        assertThat(a.get("owner_id")).isNull();
        assertThat((String) a.get("patient_advice")).contains("15–20克");
        assertThat(count("SELECT count(*) FROM wecom_message")).as("level 1 tells no staff member").isZero();
    }

    @Test
    void bloodPressure_sbp180OrDbp110_notBelow() {
        submit(pci, "PCI_SYMPTOM", pciCheck(179, 109));
        assertThat(live(pci)).isEmpty();

        submit(pci, "PCI_SYMPTOM", pciCheck(150, 110));
        assertThat(live(pci)).containsExactly("BP_SEVERE");
        Map<String, Object> a = alertRow(pci, "BP_SEVERE");
        assertThat(a).containsEntry("level", 2).containsEntry("owner_role", "NURSE_COORDINATOR");
        assertThat(a.get("owner_id")).isIn(hospital.staff("cardNurse1"), hospital.staff("cardNurse2"));
        assertThat(a.get("sla").toString()).as("the rule's own SLA: 4 h").contains("4 hours");
        assertThat(count("SELECT count(*) FROM wecom_message WHERE kind = 'ALERT_ASSIGNED' AND recipient_staff_id = "
                + a.get("owner_id"))).isEqualTo(1);
    }

    @Test
    void bloodPressure_repeatAddsEvidenceToTheLiveAlertInsteadOfASecondOne() {
        submit(pci, "PCI_SYMPTOM", pciCheck(180, 90));
        submit(pci, "PCI_SYMPTOM", pciCheck(192, 100));

        assertThat(live(pci)).containsExactly("BP_SEVERE");
        assertThat(alertRow(pci, "BP_SEVERE")).containsEntry("trigger_count", 2);
        assertThat(count("SELECT count(*) FROM alert_event WHERE kind = 'RETRIGGERED'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM wecom_message")).as("one card, not two").isEqualTo(1);
    }

    @Test
    void heartFailureWeightGain_moreThan2kgIn3Days_onlyForHeartFailurePatients() {
        submit(hf, "HF_SELFCHECK", weight(70.0));
        clock.advance(Duration.ofDays(2));
        submit(hf, "HF_SELFCHECK", weight(72.0));
        assertThat(live(hf)).as("+2.0 kg is not more than 2").isEmpty();

        clock.advance(Duration.ofHours(12));
        submit(hf, "HF_SELFCHECK", weight(72.1));
        assertThat(live(hf)).containsExactly("HF_WEIGHT_GAIN");
        assertThat((String) alertRow(hf, "HF_WEIGHT_GAIN").get("detail")).contains("70", "72.1", "+2.1");

        // the same gain in a patient without heart failure raises nothing (the rule's scope)
        db.sql("INSERT INTO observation (patient_id, code, value, unit, effective_at, source) VALUES (:p, 'WEIGHT', 60, 'kg', :at, 'LAB')")
                .bind("p", pci).bind("at", java.time.OffsetDateTime.now(clock).minusDays(1)).then().block();
        post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "n-pci", "outcome", "COMPLETED",
                        "readings", List.of(Map.of("code", "WEIGHT", "value", 66))),
                count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = 3 AND t.patient_id = " + pci))
                .exchange().expectStatus().isCreated();
        assertThat(live(pci)).isEmpty();
    }

    @Test
    void weightGainOlderThanTheWindowDoesNotCount() {
        submit(hf, "HF_SELFCHECK", weight(70.0));
        clock.advance(Duration.ofDays(3).plusHours(1));
        submit(hf, "HF_SELFCHECK", weight(73.0));
        assertThat(live(hf)).isEmpty();
    }

    // ------------------------------------------------------------------ answers and scores

    private Map<String, Object> phq9(int total, int item9) {
        Map<String, Object> a = new HashMap<>();
        int left = total - item9;
        for (int i = 1; i <= 8; i++) {
            int v = Math.min(3, left);
            a.put("q" + i, v);
            left -= v;
        }
        a.put("q9", item9);
        if (total > 0) {
            a.put("difficulty", 1);
        }
        return a;
    }

    @Test
    void phq9_14DoesNotFire_15FiresAtTheTopLevelForThePhysicianWithin1Hour() {
        submit(pci, "PHQ9", phq9(14, 0));
        assertThat(live(pci)).isEmpty();

        Map<String, Object> result = submit(pci, "PHQ9", phq9(15, 0));
        assertThat(result).containsEntry("score", 15).containsEntry("band", "MODERATELY_SEVERE");
        Map<String, Object> a = alertRow(pci, "PHQ9_SEVERE_OR_SELF_HARM");
        assertThat(a).containsEntry("level", 3).containsEntry("owner_role", "PHYSICIAN");
        assertThat(a.get("owner_id")).isIn(hospital.staff("cardDoc"), hospital.staff("cardDoc2"), hospital.staff("cardHead"));
        assertThat(a.get("sla").toString()).contains("1 hours");
    }

    @Test
    void phq9_anyAnswerOnItem9FiresWhateverTheTotal() {
        submit(pci, "PHQ9", phq9(3, 0));
        assertThat(live(pci)).isEmpty();

        Map<String, Object> result = submit(pci, "PHQ9", phq9(1, 1));
        assertThat(live(pci)).containsExactly("PHQ9_SEVERE_OR_SELF_HARM");
        assertThat((String) alertRow(pci, "PHQ9_SEVERE_OR_SELF_HARM").get("detail")).contains("q9");
        assertThat((List<?>) result.get("advice")).singleElement().asString().contains("12356");
    }

    @Test
    void gad7_15Fires_14DoesNot() {
        Map<String, Object> fourteen = new HashMap<>(Map.of("q1", 3, "q2", 3, "q3", 3, "q4", 3, "q5", 2, "q6", 0, "q7", 0,
                "difficulty", 2));
        submit(pci, "GAD7", fourteen);
        assertThat(live(pci)).isEmpty();
        fourteen.put("q7", 1);
        submit(pci, "GAD7", fourteen);
        assertThat(live(pci)).containsExactly("GAD7_SEVERE");
    }

    @Test
    void pciChestPain_over15MinutesOrAtRest_levelThree_only_forPciPatients() {
        Map<String, Object> mild = pciCheck(null, null);
        mild.putAll(Map.of("chestPain", 1, "painDuration", 1, "painAtRest", 0));
        submit(pci, "PCI_SYMPTOM", mild);
        assertThat(live(pci)).isEmpty();

        Map<String, Object> atRest = new HashMap<>(mild);
        atRest.put("painAtRest", 1);
        submit(pci, "PCI_SYMPTOM", atRest);
        assertThat(live(pci)).containsExactly("PCI_CHEST_PAIN");
        assertThat(alertRow(pci, "PCI_CHEST_PAIN")).containsEntry("level", 3);

        Map<String, Object> long15 = new HashMap<>(mild);
        long15.put("painDuration", 2);
        submit(hf, "PCI_SYMPTOM", long15);
        assertThat(live(hf)).as("the heart-failure patient is not on the PCI pathway").isEmpty();
    }

    @Test
    void pciAntiplateletStopped_levelThree_occasionalMissIsNot() {
        Map<String, Object> missed = pciCheck(null, null);
        missed.put("antiplatelet", 1);
        submit(pci, "PCI_SYMPTOM", missed);
        assertThat(live(pci)).isEmpty();
        missed.put("antiplatelet", 2);
        submit(pci, "PCI_SYMPTOM", missed);
        assertThat(live(pci)).containsExactly("PCI_ANTIPLATELET_STOPPED");
        assertThat(alertRow(pci, "PCI_ANTIPLATELET_STOPPED")).containsEntry("level", 3);
    }

    @Test
    void heartFailureSymptomsWorse_anyOfTheThree_onlyInHeartFailure() {
        Map<String, Object> mildOedema = weight(70.0);
        mildOedema.put("oedema", 1);
        submit(hf, "HF_SELFCHECK", mildOedema);
        assertThat(live(hf)).isEmpty();
        Map<String, Object> orthopnea = weight(70.0);
        orthopnea.put("orthopnea", 1);
        submit(hf, "HF_SELFCHECK", orthopnea);
        assertThat(live(hf)).containsExactly("HF_SYMPTOMS_WORSE");
        submit(pci, "HF_SELFCHECK", orthopnea);
        assertThat(live(pci)).as("not a heart-failure patient").isEmpty();
    }

    @Test
    void severeOrRepeatedHypoglycaemia_inDiabetesOnly() {
        importBatch(withDiagnoses(pciDischarge("ZY003", "P003", 5), "ENDO", List.of("E11.9"), List.of()));
        long dm = count("SELECT id FROM patient WHERE mrn = 'P003'");
        Map<String, Object> once = glucose(null);
        once.putAll(Map.of("hypo", 1, "hypoHelp", 0));
        post("endoNurse", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "dm1", "questionnaireCode", "DM_SELFCHECK", "answers", once), dm)
                .exchange().expectStatus().isCreated();
        assertThat(live(dm)).isEmpty();
        once.put("hypoHelp", 1);
        post("endoNurse", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "dm2", "questionnaireCode", "DM_SELFCHECK", "answers", once), dm)
                .exchange().expectStatus().isCreated();
        assertThat(live(dm)).containsExactly("DM_SEVERE_HYPO");
        Map<String, Object> twice = glucose(null);
        twice.putAll(Map.of("hypo", 2, "hypoHelp", 0));
        submit(pci, "DM_SELFCHECK", twice);
        assertThat(live(pci)).as("not a diabetes patient").isEmpty();
    }

    // ------------------------------------------------------------------ task outcomes

    @Test
    void twoUnreachableNotesOnATask_raiseTheUnreachableAlertWithTheTask() {
        long task = count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = 3 AND t.patient_id = " + pci);
        post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "u1", "outcome", "UNREACHABLE"), task)
                .exchange().expectStatus().isCreated();
        assertThat(live(pci)).isEmpty();

        @SuppressWarnings("unchecked")
        Map<String, Object> second = post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "u2", "outcome", "UNREACHABLE"), task)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(live(pci)).containsExactly("UNREACHABLE_TWICE");
        assertThat(alertRow(pci, "UNREACHABLE_TWICE")).containsEntry("task_id", task).containsEntry("level", 2);
        assertThat((List<?>) second.get("alerts")).hasSize(1);
        // the worklist: the task shows on the unreachable list while the alert is live
        assertThat(get("cardNurse1", "/api/workbench/tasks?view=UNREACHABLE").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody()).contains("\"taskId\":" + task);

        // reaching the patient ends the alert and takes the task off the worklist
        post("cardNurse2", "/api/tasks/{id}/notes", Map.of("clientRequestId", "c3", "outcome", "COMPLETED"), task)
                .exchange().expectStatus().isCreated();
        assertThat(live(pci)).isEmpty();
        assertThat(count("SELECT count(*) FROM alert WHERE intervention_type = 'CONTACT_REACHED' AND resolved_by = "
                + hospital.staff("cardNurse2"))).isEqualTo(1);
        assertThat(get("cardNurse1", "/api/workbench/tasks?view=UNREACHABLE").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody()).doesNotContain("\"taskId\":" + task + ",");
    }

    @Test
    void aCompletedNoteDoesNotCountAsAnAttemptFailure() {
        long task = count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id WHERE s.offset_days = 3 AND t.patient_id = " + pci);
        post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "u1", "outcome", "UNREACHABLE"), task)
                .exchange().expectStatus().isCreated();
        post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "c1", "outcome", "COMPLETED"), task)
                .exchange().expectStatus().isCreated();
        assertThat(live(pci)).isEmpty();
    }
}
