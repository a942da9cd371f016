package cn.suifang.backend.questionnaire;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Submitting through the API: settling the questionnaire task, idempotency, nothing stored on a bad submission. */
class QuestionnaireSubmitTest extends IntegrationTest {

    private long patientId;

    @BeforeEach
    void patient() {
        importBatch(pciDischarge("ZY001", "P001", 5));
        patientId = count("SELECT id FROM patient");
    }

    private Map<String, Object> pci(Object sbp) {
        Map<String, Object> a = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0));
        a.put("sbp", sbp);
        return a;
    }

    @Test
    void aResponseSettlesThePatientsQuestionnaireTask_andItsReadingsAreObservations() {
        long task = count("SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id "
                + "WHERE s.questionnaire_code = 'PCI_SYMPTOM'");
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "q1", "questionnaireCode", "PCI_SYMPTOM", "answers", pci(132)), patientId)
                .exchange().expectStatus().isCreated()
                .expectBody().jsonPath("$.taskId").isEqualTo((int) task).jsonPath("$.replay").isEqualTo(false);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE id = " + task + " AND status = 'COMPLETED'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation WHERE source = 'QUESTIONNAIRE' AND code = 'SBP' AND value = 132"))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'QUESTIONNAIRE_SUBMIT'")).isEqualTo(1);
    }

    @Test
    void resubmittingTheSameRequestReturnsTheSameResponse_storesNothingTwice() {
        Map<String, Object> body = Map.of("clientRequestId", "same", "questionnaireCode", "PCI_SYMPTOM", "answers", pci(190));
        Object first = post("cardNurse1", "/api/patients/{id}/questionnaire-responses", body, patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("responseId");
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses", body, patientId)
                .exchange().expectStatus().isCreated()
                .expectBody().jsonPath("$.responseId").isEqualTo(first).jsonPath("$.replay").isEqualTo(true);
        assertThat(count("SELECT count(*) FROM questionnaire_response")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM alert")).isEqualTo(1);
        assertThat(count("SELECT trigger_count FROM alert")).isEqualTo(1);

        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "same", "questionnaireCode", "PHQ2", "answers", Map.of("q1", 0, "q2", 0)), patientId)
                .exchange().expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-2610");
    }

    @Test
    void anImplausibleReadingIsRefusedWithAHelpfulMessage_andNothingIsStored() {
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "typo", "questionnaireCode", "PCI_SYMPTOM", "answers", pci(1400)), patientId)
                .exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-1602")
                .jsonPath("$.errors[0].field").isEqualTo("answers.sbp")
                .jsonPath("$.detail").value(d -> assertThat(d.toString()).contains("1400", "录入错误"));
        assertThat(count("SELECT count(*) FROM questionnaire_response")).isZero();
        assertThat(count("SELECT count(*) FROM observation")).isZero();
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE status = 'COMPLETED'")).isZero();
    }

    @Test
    void staffReadTheAnswersAsWritten_patientsOfOtherDepartmentsAreHidden() {
        Object id = post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "r", "questionnaireCode", "PHQ2", "answers", Map.of("q1", 2, "q2", 1)), patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("responseId");
        get("cardDoc", "/api/questionnaire-responses/{id}", id).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.summary.score").isEqualTo(3)
                .jsonPath("$.summary.bandLabel").isEqualTo("筛查阳性，建议完成PHQ-9")
                .jsonPath("$.items[0].answerText").isEqualTo("一半以上的天数");
        get("endoDoc", "/api/questionnaire-responses/{id}", id).exchange().expectStatus().isNotFound();
        post("endoDoc", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "x", "questionnaireCode", "PHQ2", "answers", Map.of("q1", 0, "q2", 0)), patientId)
                .exchange().expectStatus().isNotFound();
        get("cardDoc", "/api/patients/{id}/questionnaire-responses", patientId).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[0].submittedBy").isEqualTo("STAFF");
    }

    @Test
    void unknownQuestionnaireIsNotFound_licensedScalesAreNotOffered() {
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "m", "questionnaireCode", "MMAS8", "answers", Map.of()), patientId)
                .exchange().expectStatus().isNotFound().expectBody().jsonPath("$.code").isEqualTo("SF-2609");
        get("cardNurse1", "/api/questionnaires").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[*].code").value(codes -> assertThat(codes.toString())
                        .contains("PHQ9", "GAD7", "PHQ2", "GAD2", "PCI_SYMPTOM", "HF_SELFCHECK", "DM_SELFCHECK")
                        .doesNotContain("MMAS", "KCCQ", "SAQ", "EQ5D"));
    }
}
