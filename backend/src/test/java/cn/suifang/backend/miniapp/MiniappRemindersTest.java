package cn.suifang.backend.miniapp;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.notify.PatientReminders;
import cn.suifang.backend.support.FakeWechat;
import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/** Subscribe-message reminders: consent per message, long-term consent, 43101, field limits, follow-up consent. */
class MiniappRemindersTest extends IntegrationTest {

    @Autowired
    PatientReminders reminders;

    private long patientId;
    private String token;

    @BeforeEach
    void boundPatientWithAPhoneFollowUpTomorrow() {
        // discharged 2 days ago: the PCI pathway's day-3 phone follow-up is due tomorrow
        importBatch(pciDischarge("ZY001", "P001", 2));
        patientId = count("SELECT id FROM patient");
        wechat.loginCode("login", "openid-patient");
        token = (String) web.post().uri("/api/mp/session").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("code", "login")).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody().get("token");
        wechat.phoneCode("pc", "13812345678");
        mp("/api/mp/bindings", Map.of("phoneCode", "pc", "name", "张三")).expectStatus().isCreated();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec mp(String uri, Object body) {
        return web.post().uri(uri).header("Authorization", "Bearer " + token).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange();
    }

    private void subscribe(String result, boolean longTerm) {
        mp("/api/mp/subscriptions", Map.of("results", Map.of(FakeWechat.REMINDER_TEMPLATE, result), "longTerm", longTerm))
                .expectStatus().isOk();
    }

    @Test
    void aOneTimeConsentPaysForOneReminder_sayingWhichNumberWillCall() {
        subscribe("accept", false);
        assertThat(reminders.queueTomorrow().block()).isEqualTo(1);
        assertThat(reminders.queueTomorrow().block()).as("queued once").isZero();
        assertThat(reminders.dispatch().block()).isEqualTo(1);

        JsonNode sent = wechat.sent().get(0);
        assertThat(sent.path("touser").asString()).isEqualTo("openid-patient");
        assertThat(sent.path("template_id").asString()).isEqualTo(FakeWechat.REMINDER_TEMPLATE);
        assertThat(sent.path("data").path("thing3").path("value").asString()).contains("02088880001");
        assertThat(sent.path("data").path("thing1").path("value").asString().codePointCount(0, 1)).isPositive();
        assertThat(count("SELECT credits FROM miniapp_subscription")).isZero();

        // the next day's reminder finds no consent left: nothing is sent
        db.sql("UPDATE follow_up_task SET due_date = due_date + 1 WHERE id IN (SELECT id FROM follow_up_task ORDER BY due_date LIMIT 1)")
                .then().block();
        db.sql("DELETE FROM miniapp_message").then().block();
        clock.advance(java.time.Duration.ofDays(1));
        reminders.queueTomorrow().block();
        assertThat(reminders.dispatch().block()).isZero();
        assertThat(count("SELECT count(*) FROM miniapp_message WHERE status = 'NO_CONSENT'")).isEqualTo(1);
        assertThat(wechat.sent()).hasSize(1);
    }

    @Test
    void aRefusalAnswered43101ClearsTheConsent() {
        subscribe("accept", true);
        wechat.refuse("openid-patient");
        reminders.queueTomorrow().block();
        assertThat(reminders.dispatch().block()).isZero();
        assertThat(count("SELECT count(*) FROM miniapp_message WHERE status = 'REFUSED' AND last_errcode = 43101")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM miniapp_subscription WHERE credits = 0 AND NOT long_term")).isEqualTo(1);
    }

    @Test
    void longTextsAreShortenedToWechatsLimit() {
        subscribe("accept", false);
        db.sql("UPDATE follow_up_task SET title = 'PCI术后第3天电话随访：胸痛、穿刺部位、双联抗血小板药物与血压心率' WHERE channel = 'PHONE'")
                .then().block();
        reminders.queueTomorrow().block();
        assertThat(reminders.dispatch().block()).isEqualTo(1);
        String thing1 = wechat.sent().get(0).path("data").path("thing1").path("value").asString();
        assertThat(thing1.codePointCount(0, thing1.length())).isEqualTo(20);
        assertThat(thing1).endsWith("…");
    }

    @Test
    void noConsentToFollowUp_noReminder_andUnknownTemplatesAreRefused() {
        subscribe("accept", true);
        web.put().uri("/api/mp/consent").header("Authorization", "Bearer " + token).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("followUp", false)).exchange().expectStatus().isOk();
        assertThat(reminders.queueTomorrow().block()).isZero();
        mp("/api/mp/subscriptions", Map.of("results", Map.of("tmplSomebodyElses", "accept"))).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2721");
    }

    @Test
    void level1AdviceIsPushedToThePatient() {
        mp("/api/mp/subscriptions", Map.of("results", Map.of(FakeWechat.ADVICE_TEMPLATE, "accept"))).expectStatus().isOk();
        mp("/api/mp/readings", Map.of("clientRequestId", "low", "readings", List.of(Map.of("code", "FPG", "value", 3.1))))
                .expectStatus().isCreated();
        assertThat(reminders.dispatch().block()).isEqualTo(1);
        JsonNode sent = wechat.sent().get(0);
        assertThat(sent.path("template_id").asString()).isEqualTo(FakeWechat.ADVICE_TEMPLATE);
        assertThat(sent.path("page").asString()).isEqualTo("pages/advice/index");
        assertThat(sent.path("data").path("thing2").path("value").asString()).startsWith("您的血糖低于3.9");
    }
}
