package cn.suifang.backend.support;

import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.organisation.OrganisationService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.TokenService;
import cn.suifang.backend.wecom.WecomClient;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base for tests that run the whole application against the real PostgreSQL and Redis.
 * Each test starts from an empty hospital (reference data — ICD codes, seeded pathways — stays).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@ActiveProfiles("test")
@Import(TestClockConfig.class)
public abstract class IntegrationTest {

    @Autowired
    protected WebTestClient web;
    @Autowired
    protected DatabaseClient db;
    @Autowired
    protected PiiCipher cipher;
    @Autowired
    protected MutableClock clock;
    @Autowired
    protected TokenService tokens;
    @Autowired
    protected OrganisationService organisation;
    @Autowired
    protected WecomClient wecomClient;
    @Autowired
    protected RecordingWecomListener wecomEvents;
    @Autowired
    protected org.redisson.api.RedissonClient redissonClient;
    @Autowired
    private cn.suifang.backend.common.SuifangProperties suifangProperties;

    /** The WeCom every test talks to (shared/fixtures/wecom): one per JVM, so all test contexts stay cacheable. */
    protected final FakeWecom wecom = FakeWecom.shared();
    /** The WeChat mini-program server API every test talks to. */
    protected final FakeWechat wechat = FakeWechat.shared();

    @DynamicPropertySource
    static void fakeWecom(DynamicPropertyRegistry registry) {
        registry.add("suifang.wecom.base-url", () -> FakeWecom.shared().baseUrl());
        registry.add("suifang.wecom.corp-id", () -> FakeWecom.CORP_ID);
        registry.add("suifang.wecom.secret", () -> FakeWecom.SECRET);
        registry.add("suifang.wecom.agent-id", () -> FakeWecom.AGENT_ID);
        registry.add("suifang.wecom.token", () -> FakeWecom.CALLBACK_TOKEN);
        registry.add("suifang.wecom.aes-key", () -> FakeWecom.AES_KEY);
        registry.add("suifang.wecom.app-url", () -> "https://suifang.example-hospital.cn/app/");
        registry.add("suifang.wecom.retry-sleep-millis", () -> 0);
        registry.add("suifang.miniapp.base-url", () -> FakeWechat.shared().baseUrl());
        registry.add("suifang.miniapp.app-id", () -> FakeWechat.APP_ID);
        registry.add("suifang.miniapp.secret", () -> FakeWechat.SECRET);
        registry.add("suifang.miniapp.reminder-template", () -> FakeWechat.REMINDER_TEMPLATE);
        registry.add("suifang.miniapp.advice-template", () -> FakeWechat.ADVICE_TEMPLATE);
    }

    protected TestHospital hospital;

    @BeforeEach
    void resetDatabase() {
        clock.reset();
        wecom.reset();
        wechat.reset();
        wecomEvents.reset();
        // account ids restart with the tables: their binding-attempt counters must too (by name: no SCAN per test)
        for (int account = 1; account <= 20; account++) {
            redissonClient.getRateLimiter(suifangProperties.redis().keyPrefix() + ":miniapp:bind:" + account).delete();
        }
        // a run killed mid-pass leaves its cluster lock leased for up to 30 minutes: passes under test start unlocked
        for (String lock : java.util.List.of("tag-pass", "stage-summaries", "alert-escalation")) {
            redissonClient.getLock(suifangProperties.redis().keyPrefix() + ":lock:" + lock).forceUnlock();
        }
        var wecomStorage = wecomClient.service().getWxCpConfigStorage();
        wecomStorage.expireAccessToken();
        wecomStorage.expireJsapiTicket();
        wecomStorage.expireAgentJsapiTicket();
        resetData(db);
        hospital = TestHospital.create(db, cipher);
    }

    public static void resetData(DatabaseClient db) {
        db.sql("""
                TRUNCATE hospital, department, staff, care_team, care_team_member, patient, encounter, care_plan,
                         follow_up_task, follow_up_note, observation, alert, import_job, audit_event, call_event,
                         call_cdr_mismatch, call_cdr, call_record, handover, handover_item, patient_wecom_contact,
                         customer_transfer, wecom_message, wecom_sync_run, alert_event, questionnaire_response,
                         miniapp_account, patient_binding, points_entry, miniapp_subscription, miniapp_message, hl7_message,
                         patient_tag, risk_assessment, intervention, stage_summary
                RESTART IDENTITY CASCADE""").then().block();
        db.sql("DELETE FROM pathway_step WHERE pathway_id IN (SELECT id FROM pathway WHERE created_by IS NOT NULL)").then().block();
        db.sql("DELETE FROM pathway WHERE created_by IS NOT NULL").then().block();
        db.sql("UPDATE pathway SET status = 'ACTIVE' WHERE created_by IS NULL").then().block();
        db.sql("DELETE FROM alert_rule WHERE created_by IS NOT NULL").then().block();
        db.sql("DELETE FROM lab_code_map WHERE coding_system <> 'LN'").then().block(); // the seeded rows are LOINC
        db.sql("UPDATE alert_rule SET status = 'ACTIVE' WHERE created_by IS NULL").then().block();
        db.sql("DELETE FROM tag_rule WHERE created_by IS NOT NULL").then().block();
        db.sql("DELETE FROM advice_item WHERE created_by IS NOT NULL").then().block();
        // the seeded advice library is shared by every test and cannot be put back: a test that edits it breaks later ones
        long edited = db.sql("SELECT count(*) FROM advice_item WHERE created_by IS NULL AND changed_at IS NOT NULL")
                .map(r -> r.get(0, Long.class)).one().block();
        if (edited > 0) {
            throw new IllegalStateException(edited + " seeded advice items were edited by a test: edit an item the test creates"
                    + " (drop the test database to reseed)");
        }
        db.sql("UPDATE tag_rule SET status = 'ACTIVE' WHERE created_by IS NULL").then().block();
    }

    /** A bearer token for a test staff member, issued exactly as sign-in issues it. */
    protected String token(String staffKey) {
        Principal p = organisation.principalOf(hospital.staff(staffKey)).block();
        return tokens.issue(p).block();
    }

    protected String patientToken(long patientId) {
        Principal p = new Principal(Principal.ActorType.PATIENT, patientId, hospital.hospitalId,
                hospital.departments.get("CARD"), java.util.Set.of());
        return tokens.issue(p).block();
    }

    protected WebTestClient.RequestHeadersSpec<?> get(String staffKey, String uri, Object... vars) {
        return web.get().uri(uri, vars).header("Authorization", "Bearer " + token(staffKey));
    }

    protected WebTestClient.RequestHeadersSpec<?> post(String staffKey, String uri, Object body, Object... vars) {
        return web.post().uri(uri, vars).header("Authorization", "Bearer " + token(staffKey))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    // ------------------------------------------------------------------ discharges

    /** A valid PCI discharge in cardiology, discharged {@code daysAgo} days before the test day. */
    protected DischargeRecord pciDischarge(String encounterId, String mrn, int daysAgo) {
        LocalDate discharge = clock.today().minusDays(daysAgo);
        return new DischargeRecord(encounterId,
                new DischargeRecord.PatientData(mrn, "张三", DischargeRecord.Gender.MALE, LocalDate.of(1960, 3, 7),
                        "13812345678", "110105196003071235", true, true),
                "CARD", "D001", discharge.minusDays(5), discharge, List.of("I21.0", "I10"), List.of("36.07"),
                "冠脉造影示前降支狭窄90%，植入药物洗脱支架1枚。", "双联抗血小板12个月。", List.of("阿司匹林肠溶片 100mg qd"));
    }

    protected DischargeRecord withDiagnoses(DischargeRecord r, String department, List<String> diagnoses, List<String> procedures) {
        return new DischargeRecord(r.encounterId(), r.patient(), department, null, r.admissionDate(), r.dischargeDate(),
                diagnoses, procedures, r.dischargeSummary(), r.dischargeInstructions(), r.medications());
    }

    protected Map<String, Object> batch(DischargeRecord... records) {
        return Map.of("source", "HIS", "discharges", List.of(records));
    }

    /** Imports through the API as the admin and returns the report's JSON as a map. */
    @SuppressWarnings("unchecked")
    protected Map<String, Object> importBatch(DischargeRecord... records) {
        return post("admin", "/api/admin/discharges", batch(records))
                .exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    protected long count(String sql) {
        return db.sql(sql).map(r -> ((Number) r.get(0)).longValue()).one().block();
    }
}
