package cn.suifang.backend.risk;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.hl7.Hl7Intake;
import cn.suifang.backend.support.IntegrationTest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Risk assessments kept current from the facts as they arrive — the lifestyle questionnaire, blood pressure, lipids
 * from the LIS — showing what was used and what is missing, stored as history, and turned into tags.
 */
@TestPropertySource(properties = {"suifang.risk.region=NORTH", "suifang.risk.residence=URBAN"})
class RiskAssessmentTest extends IntegrationTest {

    @Autowired
    Hl7Intake hl7;

    private int requests;

    /** A man born 1960 with hypertension only (no ASCVD, no diabetes). */
    private long hypertensionPatient() {
        importBatch(withDiagnoses(pciDischarge("ZY100", "P100", 5), "CARD", List.of("I10"), List.of()));
        return count("SELECT id FROM patient WHERE mrn = 'P100'");
    }

    private void lifestyle(long patientId, int smoking, int bpMeds) {
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "life-" + (++requests), "questionnaireCode", "LIFESTYLE",
                        "answers", Map.of("smoking", smoking, "alcohol", 0, "exercise", 1, "salt", 1, "bpMeds", bpMeds,
                                "familyAscvd", 0, "familyDiabetes", 1, "height", 170, "weight", 75, "waist", 92)), patientId)
                .exchange().expectStatus().isCreated();
    }

    private void systolic(long patientId, int sbp) {
        clock.advance(Duration.ofMinutes(5));
        Map<String, Object> answers = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0, "sbp", sbp));
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "bp-" + (++requests), "questionnaireCode", "PCI_SYMPTOM", "answers", answers), patientId)
                .exchange().expectStatus().isCreated();
    }

    private void lipidsFromTheLab(String mrn) {
        String oru = String.join("\r",
                "MSH|^~\\&|LIS|HOSP|SUIFANG|HOSP|20261123083000||ORU^R01^ORU_R01|RISK" + (++requests) + "|P|2.4|||AL|NE||UNICODE UTF-8",
                "PID|1||" + mrn + "^^^HOSP^MR||张三||19600307|M",
                "OBR|1||L123|LIPID^血脂四项^L",
                "OBX|1|NM|2093-3^总胆固醇^LN||212|mg/dL|<200||||F",
                "OBX|2|NM|2085-9^高密度脂蛋白胆固醇^LN||1.05|mmol/L|>1.0||||F") + "\r";
        assertThat(hl7.handle(oru, null).block().status()).isEqualTo("PROCESSED");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> latest(long patientId, String model) {
        Map<String, Object> risk = get("cardDoc", "/api/patients/{id}/risk", patientId).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return ((List<Map<String, Object>>) risk.get("latest")).stream().filter(a -> model.equals(a.get("model")))
                .findFirst().orElseThrow();
    }

    private List<String> liveTags(long patientId) {
        return db.sql("SELECT tag_code FROM patient_tag WHERE patient_id = :p AND cleared_at IS NULL").bind("p", patientId)
                .map(r -> r.get(0, String.class)).all().collectList().block();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theAssessmentsFillInAsFactsArrive_andSayWhatIsMissingUntilThen() {
        long patient = hypertensionPatient();
        Map<String, Object> par = latest(patient, "CHINA_PAR");
        assertThat(par).containsEntry("complete", false);
        assertThat((List<String>) par.get("missing")).contains("收缩压", "总胆固醇", "高密度脂蛋白胆固醇", "腰围");
        assertThat((Map<String, String>) par.get("inputs")).containsEntry("居住地区（长江以北/以南）", "北方");

        lifestyle(patient, 2, 0);
        systolic(patient, 150);
        lipidsFromTheLab("P100");

        par = latest(patient, "CHINA_PAR");
        assertThat(par).containsEntry("complete", true).containsEntry("unit", "%");
        Map<String, String> used = (Map<String, String>) par.get("inputs");
        assertThat(used).containsEntry("收缩压", "150 mmHg").containsEntry("服用降压药", "否").containsEntry("现在吸烟", "是")
                .containsEntry("腰围", "92 cm").containsEntry("年龄", "66 岁");
        assertThat(used.get("总胆固醇")).startsWith("5.48"); // 212 mg/dL from the LIS, stored in mmol/L
        RiskResult expected = ChinaParModel.evaluate(RiskInputs.builder().sex(Sex.MALE).ageYears(66).systolicBp(150.0)
                .onAntihypertensiveTreatment(false).totalCholesterolMmol(5.48).hdlCholesterolMmol(1.05).waistCm(92.0)
                .currentSmoker(true).diabetes(false).region(Region.NORTH).residence(Residence.URBAN)
                .familyHistoryAscvd(false).build());
        assertThat(new BigDecimal(par.get("value").toString())).isEqualByComparingTo(expected.value());
        assertThat(par.get("categoryCode")).isEqualTo(expected.categoryCode());

        // CDRS: age 66 → 18, BMI 26.0 → 3, waist 92 (man) → 8, SBP 150 → 8, family history → 6, male → 2 = 45
        Map<String, Object> cdrs = latest(patient, "CDRS");
        assertThat(cdrs).containsEntry("complete", true).containsEntry("categoryCode", "HIGH");
        assertThat(new BigDecimal(cdrs.get("value").toString())).isEqualByComparingTo("45");
        assertThat(liveTags(patient)).contains("DIABETES_RISK");
        if ("HIGH".equals(expected.categoryCode())) {
            assertThat(liveTags(patient)).contains("ASCVD_HIGH_RISK");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aChangedResultIsStoredAsHistory_anUnchangedOneIsNot() {
        long patient = hypertensionPatient();
        lifestyle(patient, 0, 0);
        systolic(patient, 150);
        lipidsFromTheLab("P100");
        long rows = count("SELECT count(*) FROM risk_assessment WHERE patient_id = " + patient);
        lifestyle(patient, 0, 0); // the same answers again
        assertThat(count("SELECT count(*) FROM risk_assessment WHERE patient_id = " + patient)).isEqualTo(rows);

        systolic(patient, 110);
        systolic(patient, 112); // mean of the latest three: 150, 110, 112 → 124
        Map<String, Object> risk = get("cardDoc", "/api/patients/{id}/risk", patient).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<Map<String, Object>>) risk.get("history")).anySatisfy(h -> assertThat(h).containsEntry("model", "CHINA_PAR"));
        assertThat(((Map<String, String>) latest(patient, "CHINA_PAR").get("inputs")).get("收缩压")).isEqualTo("124 mmHg");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'RISK_READ'")).isGreaterThanOrEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void whileStillIncompleteANewReadingUpdatesTheInputsShownWithoutAddingHistory() {
        long patient = hypertensionPatient();
        systolic(patient, 150);
        long rows = count("SELECT count(*) FROM risk_assessment WHERE model = 'CHINA_PAR' AND patient_id = " + patient);
        systolic(patient, 130); // mean 140: the result is still "not computed, lipids missing"
        assertThat(count("SELECT count(*) FROM risk_assessment WHERE model = 'CHINA_PAR' AND patient_id = " + patient))
                .isEqualTo(rows);
        Map<String, Object> par = latest(patient, "CHINA_PAR");
        assertThat(par).containsEntry("complete", false);
        assertThat(((Map<String, String>) par.get("inputs")).get("收缩压")).isEqualTo("140 mmHg");
    }

    @Test
    @SuppressWarnings("unchecked")
    void onAntihypertensivesOrWithEstablishedAscvdChinaParGivesNoNumber_andSaysWhy() {
        long patient = hypertensionPatient();
        lifestyle(patient, 0, 1);
        systolic(patient, 150);
        lipidsFromTheLab("P100");
        Map<String, Object> par = latest(patient, "CHINA_PAR");
        assertThat(par).containsEntry("complete", false).containsEntry("value", null);
        assertThat((List<String>) par.get("reasons")).anySatisfy(r -> assertThat(r).contains("降压药"));

        importBatch(pciDischarge("ZY200", "P200", 5)); // I21.0: myocardial infarction
        long pci = count("SELECT id FROM patient WHERE mrn = 'P200'");
        assertThat((List<String>) latest(pci, "CHINA_PAR").get("reasons")).anySatisfy(r -> assertThat(r).contains("极高危"));
    }

    @Test
    void onlyStaffWhoMaySeeThePatientSeeTheirRisk() {
        long patient = hypertensionPatient();
        get("endoDoc", "/api/patients/{id}/risk", patient).exchange().expectStatus().isNotFound();
        web.get().uri("/api/patients/{id}/risk", patient).header("Authorization", "Bearer " + patientToken(patient))
                .exchange().expectStatus().isForbidden();
    }
}
