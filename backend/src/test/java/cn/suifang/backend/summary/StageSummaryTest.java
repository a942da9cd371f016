package cn.suifang.backend.summary;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.hl7.Hl7Intake;
import cn.suifang.backend.support.IntegrationTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;

/**
 * Three months of a PCI patient's follow-up played through the real paths on a moving clock — blood pressure reported,
 * LDL-C from the LIS, a dietary intervention half followed — then the daily pass drafts the 3-month summary, a doctor
 * edits and signs it, and the health report prints it.
 */
class StageSummaryTest extends IntegrationTest {

    @Autowired
    StageSummaries summaries;
    @Autowired
    Hl7Intake hl7;

    private long patientId;
    private int requests;

    private void bloodPressure(int sbp) {
        Map<String, Object> answers = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0, "sbp", sbp));
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "bp-" + (++requests), "questionnaireCode", "PCI_SYMPTOM", "answers", answers), patientId)
                .exchange().expectStatus().isCreated();
    }

    private void ldl(String mmol) {
        String oru = String.join("\r",
                "MSH|^~\\&|LIS|HOSP|SUIFANG|HOSP|20261123083000||ORU^R01^ORU_R01|SUM" + (++requests) + "|P|2.4|||AL|NE||UNICODE UTF-8",
                "PID|1||P001^^^HOSP^MR||张三||19600307|M",
                "OBR|1||L" + requests + "|LIPID^血脂^L",
                "OBX|1|NM|22748-8^低密度脂蛋白胆固醇^LN||" + mmol + "|mmol/L|<1.8||||F") + "\r";
        assertThat(hl7.handle(oru, null).block().status()).isEqualTo("PROCESSED");
    }

    @BeforeEach
    void threeMonthsOfHistory() {
        importBatch(pciDischarge("ZY001", "P001", 0)); // I21.0 + I10, discharged today: the plan starts today
        patientId = count("SELECT id FROM patient");
        clock.advance(Duration.ofDays(3));
        bloodPressure(152);
        clock.advance(Duration.ofDays(2));
        ldl("2.6");
        clock.advance(Duration.ofDays(15));
        long item = count("SELECT id FROM advice_item WHERE code = 'LIPID_DIET'");
        long sent = ((Number) post("cardDoc", "/api/patients/{id}/interventions", Map.of("adviceItemId", item), patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("id")).longValue();
        clock.advance(Duration.ofDays(30));
        post("cardNurse1", "/api/interventions/{id}/outcome", Map.of("outcome", "PARTLY"), sent).exchange().expectStatus().isOk();
        clock.advance(Duration.ofDays(30)); // day 80
        bloodPressure(128);
        clock.advance(Duration.ofDays(5));
        ldl("1.6");
        clock.advance(Duration.ofDays(10)); // day 95
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> onlySummary() {
        List<Map<String, Object>> list = get("cardDoc", "/api/patients/{id}/stage-summaries", patientId).exchange()
                .expectStatus().isOk().expectBody(List.class).returnResult().getResponseBody();
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theDailyPassDraftsTheThreeMonthSummaryFromTheHistory() {
        assertThat(summaries.draftDue().block()).as("the 1-month milestone is too far back; the 3-month one is due").isEqualTo(1);
        assertThat(summaries.draftDue().block()).as("once").isZero();

        Map<String, Object> s = onlySummary();
        assertThat(s).containsEntry("phaseLabel", "出院后3个月").containsEntry("milestoneDays", 90).containsEntry("status", "DRAFT")
                .containsEntry("periodStart", clock.today().minusDays(95).toString())
                .containsEntry("periodEnd", clock.today().minusDays(5).toString());
        Map<String, Object> content = (Map<String, Object>) s.get("content");
        List<Map<String, Object>> indicators = (List<Map<String, Object>>) content.get("indicators");
        assertThat(indicators).anySatisfy(i -> assertThat(i).containsEntry("code", "SBP").containsEntry("target", "<140 mmHg")
                .containsEntry("met", true).satisfies(x -> {
                    assertThat(((Number) x.get("first")).intValue()).isEqualTo(152);
                    assertThat(((Number) x.get("latest")).intValue()).isEqualTo(128);
                }));
        assertThat(indicators).anySatisfy(i -> assertThat(i).containsEntry("code", "LDL_C").containsEntry("target", "<1.8 mmol/L")
                .containsEntry("met", true));
        assertThat((List<Map<String, Object>>) content.get("interventions"))
                .singleElement().satisfies(i -> assertThat(i).containsEntry("outcomeLabel", "部分做到"));
        String narrative = (String) s.get("narrative");
        assertThat(narrative).startsWith("出院后3个月阶段总结")
                .contains("收缩压由 152 变为 128 mmHg，已达标（<140 mmHg）")
                .contains("低密度脂蛋白胆固醇由 2.6 变为 1.6 mmol/L，已达标（<1.8 mmol/L）")
                .contains("少吃肥肉和油炸食品（部分做到）")
                .contains("下一阶段重点：继续督促：少吃肥肉和油炸食品（部分做到）");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPhysicianEditsAndSignsIt_thenItIsFixedAndPrintedOnTheReport() throws Exception {
        Map<String, Object> draft = post("cardDoc", "/api/patients/{id}/stage-summaries", Map.of(), patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        long id = ((Number) draft.get("id")).longValue();
        int version = ((Number) draft.get("version")).intValue();
        String edited = draft.get("narrative") + "\n医生意见：血压血脂均已达标，继续双抗至12个月。";

        put("cardNurse1", "/api/stage-summaries/" + id, Map.of("narrative", edited, "version", version)).expectStatus().isOk();
        post("cardNurse1", "/api/stage-summaries/{id}/sign", Map.of("version", version + 1), id).exchange()
                .expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-3305");
        post("cardDoc", "/api/stage-summaries/{id}/sign", Map.of("version", version), id).exchange()
                .expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-3307");
        post("cardDoc", "/api/patients/{id}/stage-summaries", Map.of(), patientId).exchange()
                .expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-3303");
        post("cardDoc", "/api/stage-summaries/{id}/sign", Map.of("version", version + 1), id).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("SIGNED").jsonPath("$.signedBy").isNotEmpty();
        put("cardDoc", "/api/stage-summaries/" + id, Map.of("narrative", "x", "version", version + 2)).expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.code").isEqualTo("SF-3306");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action IN ('STAGE_SUMMARY_EDIT', 'STAGE_SUMMARY_SIGN')")).isEqualTo(2);

        byte[] pdf = get("cardDoc", "/api/patients/{id}/health-report", patientId).exchange().expectStatus().isOk()
                .expectBody(byte[].class).returnResult().getResponseBody();
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            String text = new PDFTextStripper().getText(doc).replaceAll("\\s+", "");
            assertThat(text).contains("出院后3个月阶段总结").contains("继续双抗至12个月").contains("审核签署")
                    .contains("医生给您的建议").contains("少吃肥肉和油炸食品");
        }
    }

    @Test
    void onlyStaffWhoSeeThePatientSeeItsSummaries() {
        long id = ((Number) post("cardDoc", "/api/patients/{id}/stage-summaries", Map.of(), patientId).exchange()
                .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("id")).longValue();
        get("endoDoc", "/api/stage-summaries/{id}", id).exchange().expectStatus().isNotFound();
        get("endoDoc", "/api/stage-summaries").exchange().expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(0);
        get("cardDoc", "/api/stage-summaries").exchange().expectStatus().isOk().expectBody().jsonPath("$[0].id").isEqualTo((int) id);
        post("admin", "/api/patients/{id}/stage-summaries", Map.of(), patientId).exchange().expectStatus().isNotFound();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec put(String staff, String uri, Object body) {
        return web.put().uri(uri).header("Authorization", "Bearer " + token(staff))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }
}
