package cn.suifang.backend.advice;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The advice library chosen by the patient's tags, sent as an intervention to the mini-program, answered there (or
 * recorded by staff), and edited by clinicians only.
 */
class InterventionTest extends IntegrationTest {

    private long patientId;
    private int requests;

    @BeforeEach
    void patient() {
        importBatch(pciDischarge("ZY001", "P001", 5)); // I21.0 + I10, PCI pathway
        patientId = count("SELECT id FROM patient");
    }

    private void bloodPressure(int sbp) {
        clock.advance(Duration.ofMinutes(10));
        Map<String, Object> answers = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0, "sbp", sbp));
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "bp-" + (++requests), "questionnaireCode", "PCI_SYMPTOM", "answers", answers), patientId)
                .exchange().expectStatus().isCreated();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> suggestions() {
        return get("cardDoc", "/api/patients/{id}/advice-suggestions", patientId).exchange().expectStatus().isOk()
                .expectBody(List.class).returnResult().getResponseBody();
    }

    private static String code(Map<String, Object> suggestion) {
        return (String) ((Map<?, ?>) suggestion.get("item")).get("code");
    }

    private String boundPatientToken() {
        String code = "code-" + System.nanoTime();
        wechat.loginCode(code, "openid-zhangsan");
        String token = (String) web.post().uri("/api/mp/session").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("code", code)).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("token");
        wechat.phoneCode("pc-a", "13812345678");
        mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc-a", "name", "张三")).expectStatus().isCreated();
        return token;
    }

    private WebTestClient.ResponseSpec mp(String token, String method, String uri, Object body) {
        var spec = web.method(org.springframework.http.HttpMethod.valueOf(method)).uri(uri).header("Authorization", "Bearer " + token);
        return body == null ? spec.exchange() : spec.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    @Test
    void suggestionsFollowTheTags_withTheReason_thenThePathway() {
        List<Map<String, Object>> before = suggestions();
        assertThat(before).extracting(InterventionTest::code).contains("CARDIAC_REHAB", "LIPID_DIET", "LOW_SALT")
                .doesNotContain("MED_ADHERENCE", "QUIT_SMOKING");
        assertThat(before).allSatisfy(s -> assertThat(s).containsEntry("byTag", false));

        bloodPressure(162);
        bloodPressure(158);
        List<Map<String, Object>> after = suggestions();
        assertThat(code(after.get(0))).isIn("LOW_SALT", "HOME_BP");
        assertThat(after.get(0)).containsEntry("byTag", true);
        assertThat((String) after.get(0).get("reason")).startsWith("标签“高血压未达标”：").contains("收缩压");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'ADVICE_SUGGEST'")).isEqualTo(2);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSentAdviceReachesThePatient_whoSaysWhetherItWasDone() {
        String patient = boundPatientToken();
        post("cardDoc", "/api/advice-items", Map.of("code", "MY_SALT", "kind", "DIET", "title", "减盐：每天不超过5克",
                "body", "每天食盐不超过5克，少吃咸菜。", "pathwayCodes", List.of("PCI"))).exchange().expectStatus().isCreated();
        assertThat(suggestions()).extracting(InterventionTest::code).contains("MY_SALT");
        long item = count("SELECT id FROM advice_item WHERE code = 'MY_SALT'");
        Map<String, Object> sent = post("cardDoc", "/api/patients/{id}/interventions",
                Map.of("adviceItemId", item, "reason", "血压未达标"), patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(sent).containsEntry("status", "ACTIVE").containsEntry("title", "减盐：每天不超过5克")
                .containsEntry("kindLabel", "饮食").containsEntry("checkDue", false);
        assertThat(sent.get("checkDueOn")).isEqualTo(clock.today().plusDays(14).toString());
        post("cardDoc2", "/api/patients/{id}/interventions", Map.of("adviceItemId", item), patientId)
                .exchange().expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-3207");
        assertThat(suggestions()).extracting(InterventionTest::code).doesNotContain("MY_SALT");
        assertThat(count("SELECT count(*) FROM miniapp_message WHERE template = 'ADVICE' AND dedup_key LIKE 'intervention:%'"))
                .as("a subscribe message is queued").isEqualTo(1);

        // the library text changes later: what was sent stays as sent
        put("cardDoc", "/api/advice-items/" + item, Map.of("code", "MY_SALT", "kind", "DIET", "title", "减盐（新版）",
                "body", "新的内容")).expectStatus().isOk();

        List<Map<String, Object>> advice = mp(patient, "GET", "/api/mp/advice", null).expectStatus().isOk()
                .expectBody(List.class).returnResult().getResponseBody();
        Map<String, Object> shown = advice.get(0);
        assertThat(shown).containsEntry("source", "INTERVENTION").containsEntry("title", "减盐：每天不超过5克")
                .containsEntry("needsConfirmation", true);
        assertThat((String) shown.get("text")).contains("每天食盐不超过5克");
        assertThat(count("SELECT count(*) FROM intervention WHERE read_at IS NOT NULL")).isEqualTo(1);

        long id = ((Number) sent.get("id")).longValue();
        mp(patient, "POST", "/api/mp/interventions/" + id + "/outcome", Map.of("outcome", "MAYBE")).expectStatus().isBadRequest();
        mp(patient, "POST", "/api/mp/interventions/" + id + "/outcome", Map.of("outcome", "PARTLY")).expectStatus().isNoContent();
        Map<String, Object> recorded = ((List<Map<String, Object>>) get("cardDoc", "/api/patients/{id}/interventions", patientId)
                .exchange().expectStatus().isOk().expectBody(List.class).returnResult().getResponseBody()).get(0);
        assertThat(recorded).containsEntry("status", "COMPLETED").containsEntry("outcome", "PARTLY")
                .containsEntry("outcomeLabel", "部分做到").containsEntry("outcomeByType", "PATIENT");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'INTERVENTION_OUTCOME' AND actor_type = 'PATIENT'"))
                .isEqualTo(1);
        // answered: it can be sent again
        post("cardDoc", "/api/patients/{id}/interventions", Map.of("adviceItemId", item), patientId).exchange().expectStatus().isCreated();
    }

    @Test
    void staffRecordTheOutcomeAfterACall_andTheCheckComesDueOnItsDay() {
        Map<?, ?> sent = post("cardNurse1", "/api/patients/{id}/interventions", Map.of("kind", "EXERCISE", "title", "每天散步",
                "body", "每天下午散步 20 分钟", "checkInDays", 7), patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        long id = ((Number) sent.get("id")).longValue();
        clock.advance(Duration.ofDays(7));
        get("cardNurse1", "/api/patients/{id}/interventions", patientId).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[0].checkDue").isEqualTo(true);
        post("endoDoc", "/api/interventions/{id}/outcome", Map.of("outcome", "DONE"), id).exchange().expectStatus().isNotFound();
        post("cardNurse1", "/api/interventions/{id}/outcome", Map.of("outcome", "DONE", "note", "电话确认每天都走"), id)
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.outcomeByType").isEqualTo("STAFF").jsonPath("$.outcomeNote").isEqualTo("电话确认每天都走")
                .jsonPath("$.checkDue").isEqualTo(false);
        post("cardNurse1", "/api/patients/{id}/interventions", Map.of("kind", "EXERCISE", "title", "x"), patientId)
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-3206");
    }

    @Test
    void onlyAdvisingCliniciansEditTheLibrary() {
        Map<String, Object> item = Map.of("code", "SLEEP", "kind", "MENTAL", "title", "睡个好觉", "body", "每天固定时间上床",
                "tagCodes", List.of("LOW_MOOD"));
        post("cardNurse1", "/api/advice-items", item).exchange().expectStatus().isForbidden()
                .expectBody().jsonPath("$.code").isEqualTo("SF-3203");
        post("dietitian", "/api/advice-items", item).exchange().expectStatus().isCreated();
        post("cardDoc", "/api/advice-items", item).exchange().expectStatus().isEqualTo(409);
        post("cardDoc", "/api/advice-items", Map.of("code", "X1", "kind", "FOOD", "title", "t", "body", "b"))
                .exchange().expectStatus().isBadRequest();
        long id = count("SELECT id FROM advice_item WHERE code = 'SLEEP'");
        post("cardDoc", "/api/advice-items/{id}/retire", Map.of(), id).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("RETIRED");
        post("cardDoc", "/api/patients/{id}/interventions", Map.of("adviceItemId", id), patientId)
                .exchange().expectStatus().isNotFound().expectBody().jsonPath("$.code").isEqualTo("SF-3202");
    }

    private WebTestClient.ResponseSpec put(String staff, String uri, Object body) {
        return web.put().uri(uri).header("Authorization", "Bearer " + token(staff))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }
}
