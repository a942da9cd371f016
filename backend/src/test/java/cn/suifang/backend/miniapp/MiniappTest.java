package cn.suifang.backend.miniapp;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.FakeWechat;
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
 * The patient mini-program end to end against the fake WeChat: sign-in, binding (self and proxy with consent), the
 * plan, questionnaires, readings, advice, points, consent and the data copy — and that nobody reaches another
 * patient's data.
 */
class MiniappTest extends IntegrationTest {

    private long patientA;
    private long patientB;

    @BeforeEach
    void patients() {
        var b = withDiagnoses(pciDischarge("ZY002", "P002", 5), "CARD", List.of("I50.9"), List.of());
        b = new cn.suifang.backend.discharge.DischargeRecord(b.encounterId(), new cn.suifang.backend.discharge.DischargeRecord.PatientData(
                "P002", "李梅", cn.suifang.backend.discharge.DischargeRecord.Gender.FEMALE, java.time.LocalDate.of(1955, 1, 2),
                "13987654321", "11010519550102009X", true, true), b.departmentCode(), b.attendingEmployeeNo(), b.admissionDate(),
                b.dischargeDate(), b.diagnoses(), b.procedures(), null, null, List.of());
        importBatch(pciDischarge("ZY001", "P001", 5), b);
        patientA = count("SELECT id FROM patient WHERE mrn = 'P001'");
        patientB = count("SELECT id FROM patient WHERE mrn = 'P002'");
    }

    /** Signs in the WeChat user {@code openid} and returns the session token. */
    private String signIn(String openid) {
        String code = "code-" + openid + "-" + System.nanoTime();
        wechat.loginCode(code, openid);
        return (String) web.post().uri("/api/mp/session").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("code", code)).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("token");
    }

    private WebTestClient.ResponseSpec mp(String token, String method, String uri, Object body) {
        var spec = web.method(org.springframework.http.HttpMethod.valueOf(method)).uri(uri)
                .header("Authorization", "Bearer " + token);
        return body == null ? spec.exchange() : spec.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    /** The patient of P001 (张三, phone 13812345678) bound to their own account. */
    private String boundA() {
        String token = signIn("openid-zhangsan");
        wechat.phoneCode("pc-a", "13812345678");
        mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc-a", "name", "张三")).expectStatus().isCreated();
        return token;
    }

    // ------------------------------------------------------------------ sign-in

    @Test
    void signIn_validCodeGivesASession_invalidAndReusedCodesAreRefused() {
        wechat.loginCode("good", "openid-1");
        web.post().uri("/api/mp/session").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", "good"))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.token").isNotEmpty().jsonPath("$.activeBindings").isEqualTo(0);
        web.post().uri("/api/mp/session").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", "good"))
                .exchange().expectStatus().isUnauthorized().expectBody().jsonPath("$.code").isEqualTo("SF-2702");
        web.post().uri("/api/mp/session").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", "never-issued"))
                .exchange().expectStatus().isUnauthorized().expectBody().jsonPath("$.code").isEqualTo("SF-2701");
        assertThat(count("SELECT count(*) FROM miniapp_account")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM miniapp_account WHERE position('openid-1' in encode(openid_enc, 'escape')) > 0"))
                .as("the openid is stored encrypted").isZero();
    }

    @Test
    @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
    void wechatErrorsAreLoggedWithoutTheSecretTheCodeOrThePhone(org.springframework.boot.test.system.CapturedOutput output) {
        web.post().uri("/api/mp/session").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("code", "leaky-code-4711"))
                .exchange().expectStatus().isUnauthorized();
        String token = signIn("openid-log");
        wechat.phoneCode("pc-other", "13812345678", "wxanotherapp0000");
        mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc-other", "name", "张三")).expectStatus().isBadRequest();
        assertThat(output.getAll()).contains("jscode2session failed: errcode 40029")
                .doesNotContain(FakeWechat.SECRET, "leaky-code-4711", "13812345678", "openid-log");
    }

    @Test
    void sessionsAreForTheMiniProgramOnly_andStaffTokensCannotUseIt() {
        String token = boundA();
        mp(token, "GET", "/api/workbench/tasks", null).expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-1102");
        mp(token, "GET", "/api/patients/" + patientA, null).expectStatus().isForbidden();
        get("cardNurse1", "/api/mp/plan").exchange().expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-2711");
        web.get().uri("/api/mp/plan").exchange().expectStatus().isUnauthorized();
    }

    // ------------------------------------------------------------------ binding

    @Test
    void bindSelf_phoneFromWechatPlusNameOrIdTail() {
        String token = signIn("openid-a");
        wechat.phoneCode("pc1", "13812345678");
        mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc1", "idCardLast4", "1235")).expectStatus().isCreated()
                .expectBody().jsonPath("$.kind").isEqualTo("SELF").jsonPath("$.status").isEqualTo("ACTIVE")
                .jsonPath("$.patientName").isEqualTo("张*");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'MINIAPP_BIND' AND " + patientA + " = ANY (patient_ids)"))
                .isEqualTo(1);
    }

    @Test
    void bindSelf_wrongSecondFactOrUnknownPhone_sameRefusal_nothingStored() {
        String token = signIn("openid-x");
        wechat.phoneCode("pc1", "13812345678").phoneCode("pc2", "13700000000").phoneCode("pc3", "13812345678");
        String wrongName = mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc1", "name", "张四"))
                .expectStatus().isForbidden().expectBody(String.class).returnResult().getResponseBody();
        String unknownPhone = mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc2", "name", "张三"))
                .expectStatus().isForbidden().expectBody(String.class).returnResult().getResponseBody();
        mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc3", "idCardLast4", "0000"))
                .expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-2712");
        assertThat(wrongName).isEqualTo(unknownPhone).contains("SF-2712");
        assertThat(count("SELECT count(*) FROM patient_binding")).isZero();
    }

    @Test
    void bindSelf_aPhoneCodeIssuedToAnotherAppIsRefused() {
        String token = signIn("openid-x");
        wechat.phoneCode("other", "13812345678", "wxsomeoneelse000");
        mp(token, "POST", "/api/mp/bindings", Map.of("phoneCode", "other", "name", "张三"))
                .expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2703");
        assertThat(count("SELECT count(*) FROM patient_binding")).isZero();
    }

    @Test
    void enumerationIsRateLimited_perAccount() {
        String token = signIn("openid-prober");
        for (int i = 0; i < 5; i++) {
            mp(token, "POST", "/api/mp/proxy-bindings", Map.of("patientPhone", "1390000" + String.format("%04d", 1000 + i),
                    "name", "王五", "idCardLast4", "1234", "relation", "CHILD")).expectStatus().isForbidden();
        }
        mp(token, "POST", "/api/mp/proxy-bindings", Map.of("patientPhone", "13812345678", "name", "张三",
                "idCardLast4", "1235", "relation", "CHILD"))
                .expectStatus().isEqualTo(429).expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.code").isEqualTo("SF-2706");
        assertThat(count("SELECT count(*) FROM patient_binding")).as("even the right facts wait").isZero();
    }

    // ------------------------------------------------------------------ proxy

    @Test
    void proxy_actsOnlyAfterThePatientConsents_andIsMarkedInEveryRecord() {
        String daughter = signIn("openid-daughter");
        Map<?, ?> request = mp(daughter, "POST", "/api/mp/proxy-bindings", Map.of("patientPhone", "13812345678",
                "name", "张三", "idCardLast4", "1235", "relation", "CHILD")).expectStatus().isAccepted()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(request.get("status")).isEqualTo("PENDING");
        mp(daughter, "GET", "/api/mp/plan", null).expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-2715");

        String patient = boundA();
        mp(patient, "GET", "/api/mp/bindings", null).expectStatus().isOk()
                .expectBody().jsonPath("$.awaitingMyConsent[0].id").isEqualTo(request.get("id"))
                .jsonPath("$.awaitingMyConsent[0].relationLabel").isEqualTo("子女");
        mp(patient, "POST", "/api/mp/proxy-bindings/" + request.get("id") + "/approve", null).expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("ACTIVE");

        mp(daughter, "POST", "/api/mp/readings", Map.of("clientRequestId", "r1",
                "readings", List.of(Map.of("code", "SBP", "value", 132), Map.of("code", "DBP", "value", 84))))
                .expectStatus().isCreated();
        mp(daughter, "POST", "/api/mp/questionnaire-responses", Map.of("clientRequestId", "q1", "questionnaireCode", "PHQ2",
                "answers", Map.of("q1", 0, "q2", 1))).expectStatus().isCreated();
        assertThat(count("SELECT count(*) FROM observation WHERE source = 'PROXY' AND binding_id = " + request.get("id"))).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM questionnaire_response WHERE submitted_by_type = 'PROXY' AND binding_id = "
                + request.get("id"))).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE actor_type = 'PROXY' AND actor_id = " + request.get("id")
                + " AND action IN ('READINGS_REPORT', 'QUESTIONNAIRE_SUBMIT')")).isEqualTo(2);
        get("cardDoc", "/api/patients/{id}/questionnaire-responses", patientA).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[0].submittedBy").isEqualTo("PROXY");
        // a proxy cannot decide consent for the patient
        mp(daughter, "PUT", "/api/mp/consent", Map.of("followUp", false)).expectStatus().isForbidden()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2719");
    }

    @Test
    void proxy_staffRecordTheConsentTheyObtainedByPhone() {
        String son = signIn("openid-son");
        Number id = (Number) mp(son, "POST", "/api/mp/proxy-bindings", Map.of("patientPhone", "13987654321", "name", "李梅",
                "idCardLast4", "009x", "relation", "CHILD")).expectStatus().isAccepted()
                .expectBody(Map.class).returnResult().getResponseBody().get("id");
        post("endoDoc", "/api/patients/{p}/proxies/{b}/approve", Map.of("note", "电话确认"), patientB, id)
                .exchange().expectStatus().isNotFound();
        post("cardNurse1", "/api/patients/{p}/proxies/{b}/approve", Map.of("note", "12月5日电话，患者本人同意儿子代办"), patientB, id)
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.consentBy").isEqualTo("STAFF");
        mp(son, "GET", "/api/mp/plan", null).expectStatus().isOk().expectBody().jsonPath("$.patientName").isEqualTo("李*");
    }

    // ------------------------------------------------------------------ isolation

    @Test
    void aPatientNeverReachesAnotherPatientsData() {
        String a = boundA();
        String b = signIn("openid-limei");
        wechat.phoneCode("pc-b", "13987654321");
        Number bindingB = (Number) mp(b, "POST", "/api/mp/bindings", Map.of("phoneCode", "pc-b", "name", "李梅"))
                .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("id");
        mp(b, "POST", "/api/mp/readings", Map.of("clientRequestId", "rb", "readings", List.of(Map.of("code", "WEIGHT", "value", 61))))
                .expectStatus().isCreated();

        // A names B's binding: not found, on every route that takes one
        for (String uri : List.of("/api/mp/plan", "/api/mp/advice", "/api/mp/questionnaires", "/api/mp/readings?code=WEIGHT",
                "/api/mp/points", "/api/mp/my-data")) {
            web.get().uri(uri).header("Authorization", "Bearer " + a).header("X-Suifang-Binding", bindingB.toString())
                    .exchange().expectStatus().isNotFound().expectBody().jsonPath("$.code").isEqualTo("SF-2717");
        }
        web.post().uri("/api/mp/readings").header("Authorization", "Bearer " + a).header("X-Suifang-Binding", bindingB.toString())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("clientRequestId", "ra", "readings", List.of(Map.of("code", "WEIGHT", "value", 99))))
                .exchange().expectStatus().isNotFound();
        mp(a, "DELETE", "/api/mp/bindings/" + bindingB, null).expectStatus().isNotFound();
        // B's advice cannot be confirmed by A
        mp(b, "POST", "/api/mp/readings", Map.of("clientRequestId", "rb-low", "readings", List.of(Map.of("code", "FPG", "value", 3.2))))
                .expectStatus().isCreated();
        long alertOfB = count("SELECT id FROM alert WHERE patient_id = " + patientB);
        mp(a, "POST", "/api/mp/advice/" + alertOfB + "/read", null).expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2507");
        assertThat(count("SELECT count(*) FROM alert WHERE status = 'OPEN' AND id = " + alertOfB)).isEqualTo(1);
        // A's own readings do not include B's
        mp(a, "GET", "/api/mp/readings?code=WEIGHT", null).expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(0);
        assertThat(count("SELECT count(*) FROM observation WHERE patient_id = " + patientB)).isEqualTo(2);
    }

    // ------------------------------------------------------------------ plan, readings, questionnaires

    @Test
    void plan_showsTheOfficialNumberThatWillCall() {
        String token = boundA();
        mp(token, "GET", "/api/mp/plan", null).expectStatus().isOk()
                .expectBody()
                .jsonPath("$.upcoming[?(@.channel == 'PHONE')].callerNumber").value(v -> assertThat(v.toString()).contains("02088880001"))
                .jsonPath("$.upcoming[?(@.channel == 'QUESTIONNAIRE')].questionnaireCode").value(v -> assertThat(v.toString()).contains("PCI_SYMPTOM"));
    }

    @Test
    void readings_implausibleRefusedWithNothingStored_idempotent_andRaiseAdvice() {
        String token = boundA();
        mp(token, "POST", "/api/mp/readings", Map.of("clientRequestId", "typo",
                "readings", List.of(Map.of("code", "DBP", "value", 90), Map.of("code", "SBP", "value", 1400))))
                .expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-1602")
                .jsonPath("$.errors[0].field").isEqualTo("readings[1].value");
        assertThat(count("SELECT count(*) FROM observation")).isZero();
        mp(token, "POST", "/api/mp/readings", Map.of("clientRequestId", "old",
                "readings", List.of(Map.of("code", "SBP", "value", 140, "measuredAt", clock.instant().minus(Duration.ofDays(31)).toString()))))
                .expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2718");

        Map<String, Object> high = Map.of("clientRequestId", "bp1",
                "readings", List.of(Map.of("code", "SBP", "value", 186, "unit", "mmHg"), Map.of("code", "DBP", "value", 96)));
        mp(token, "POST", "/api/mp/readings", high).expectStatus().isCreated()
                .expectBody().jsonPath("$.stored").isEqualTo(2).jsonPath("$.advice[0]").value(a -> assertThat(a.toString()).contains("120"));
        mp(token, "POST", "/api/mp/readings", high).expectStatus().isCreated().expectBody().jsonPath("$.replay").isEqualTo(true);
        assertThat(count("SELECT count(*) FROM observation WHERE source = 'PATIENT'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM alert WHERE rule_code = 'BP_SEVERE'")).isEqualTo(1);
        mp(token, "GET", "/api/mp/points", null).expectStatus().isOk().expectBody().jsonPath("$.balance").isEqualTo(2);
    }

    @Test
    void questionnaire_textPassesContentSecurity_settlesTheTask_andEarnsPointsOnce() {
        String token = boundA();
        Number taskId = (Number) mp(token, "GET", "/api/mp/questionnaires", null).expectStatus().isOk()
                .expectBody(List.class).returnResult().getResponseBody().stream().map(p -> ((Map<?, ?>) p).get("taskId")).findFirst().orElseThrow();
        Map<String, Object> answers = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0,
                "other", "最近睡得不好" + FakeWechat.RISKY));
        mp(token, "POST", "/api/mp/questionnaire-responses", Map.of("clientRequestId", "q-risky",
                "questionnaireCode", "PCI_SYMPTOM", "answers", answers))
                .expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2708")
                .jsonPath("$.errors[0].field").isEqualTo("answers.other");
        assertThat(count("SELECT count(*) FROM questionnaire_response")).isZero();

        answers.put("other", "最近睡得不好");
        Map<String, Object> body = Map.of("clientRequestId", "q-ok", "questionnaireCode", "PCI_SYMPTOM", "answers", answers);
        mp(token, "POST", "/api/mp/questionnaire-responses", body).expectStatus().isCreated()
                .expectBody().jsonPath("$.pointsEarned").isEqualTo(10);
        mp(token, "POST", "/api/mp/questionnaire-responses", body).expectStatus().isCreated()
                .expectBody().jsonPath("$.replay").isEqualTo(true).jsonPath("$.pointsEarned").isEqualTo(0);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE id = " + taskId + " AND status = 'COMPLETED'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM questionnaire_response WHERE submitted_by_type = 'PATIENT'")).isEqualTo(1);
        mp(token, "GET", "/api/mp/points", null).expectStatus().isOk().expectBody().jsonPath("$.balance").isEqualTo(10);
    }

    @Test
    void advice_level1IsConfirmedByThePatient() {
        String token = boundA();
        mp(token, "POST", "/api/mp/readings", Map.of("clientRequestId", "low",
                "readings", List.of(Map.of("code", "FPG", "value", 3.4)))).expectStatus().isCreated();
        Number alertId = (Number) ((Map<?, ?>) mp(token, "GET", "/api/mp/advice", null).expectStatus().isOk()
                .expectBody(List.class).returnResult().getResponseBody().get(0)).get("alertId");
        mp(token, "POST", "/api/mp/advice/" + alertId + "/read", null).expectStatus().isNoContent();
        assertThat(count("SELECT count(*) FROM alert WHERE resolution = 'ADVICE_READ'")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ PIPL rights

    @Test
    void withdrawingConsentCancelsOpenFollowUps_andTheDataCopyIsMasked() {
        String token = boundA();
        long open = count("SELECT count(*) FROM follow_up_task WHERE status IN ('PENDING', 'IN_PROGRESS') AND patient_id = " + patientA);
        assertThat(open).isPositive();
        mp(token, "PUT", "/api/mp/consent", Map.of("followUp", false)).expectStatus().isOk()
                .expectBody().jsonPath("$.followUp").isEqualTo(false).jsonPath("$.cancelledTasks").isEqualTo((int) open);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE status IN ('PENDING', 'IN_PROGRESS') AND patient_id = " + patientA))
                .isZero();

        String data = mp(token, "GET", "/api/mp/my-data", null).expectStatus().isOk().expectBody(String.class)
                .returnResult().getResponseBody();
        assertThat(data).contains("138****5678", "张三").doesNotContain("13812345678", "110105196003071235");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'DATA_EXPORT' AND actor_type = 'PATIENT'")).isEqualTo(1);
    }
}
