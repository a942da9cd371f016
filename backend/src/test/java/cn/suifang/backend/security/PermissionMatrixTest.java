package cn.suifang.backend.security;

import static cn.suifang.backend.security.TestPayloads.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.backend.support.TestCalls;
import cn.suifang.backend.support.TelephonyTestState;
import cn.suifang.telephony.api.TelephonyStreams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Who may call what. Every endpoint under /api is one row of {@link #ENDPOINTS} with its access rule;
 * the matrix runs each row for every fixture caller, and every protected row without valid credentials.
 * Adding an endpoint means adding a row; {@link #NOT_ROWS} names the few that are tested elsewhere (machine callers
 * such as FreeSWITCH's CDR post and WeCom's callback, and endpoints whose access depends on more than the caller),
 * and {@code everyDocumentedEndpoint_isARowOrANamedException} fails for any documented endpoint in neither.
 * <p>
 * Fixture: patient A — a PCI discharge in cardiology (CARD), attending and responsible cardDoc, in the
 * cardiology care team (which the NUTR dietitian sits in), with open nurse and dietitian tasks;
 * patient B — a type 2 diabetes discharge in endocrinology (ENDO), attending endoDoc, in the ENDO team.
 */
@TestPropertySource(properties = {TelephonyTestState.CONSUME_BY_HAND, TelephonyTestState.RECORDINGS_DIR,
        TelephonyTestState.CDR_USERNAME, TelephonyTestState.CDR_PASSWORD})
class PermissionMatrixTest extends IntegrationTest {

    @Autowired
    private RedissonClient redisson;
    @Autowired
    private SuifangProperties properties;

    /** The mini-program token of patient A. */
    static final String PATIENT = "patientA";
    static final List<String> CALLERS = List.of("cardHead", "cardDoc", "cardDoc2", "cardNurse1", "cardNurse2",
            "endoHead", "endoDoc", "endoNurse", "gsDoc", "dietitian", "admin", PATIENT);
    /** Department CARD, or the cardiology care team (the dietitian). */
    static final Set<String> SEE_PATIENT_A = Set.of("cardHead", "cardDoc", "cardDoc2", "cardNurse1", "cardNurse2", "dietitian");
    static final Set<String> SEE_PATIENT_B = Set.of("endoHead", "endoDoc", "endoNurse");

    static final String UNAUTHORIZED = "SF-1100";
    static final String NEEDS_ROLE = "SF-1101";
    static final String STAFF_ONLY = "SF-1102";
    static final String STAFF_LIST_DENIED = "SF-1201";
    static final String TEAM_MANAGER_ONLY = "SF-1211";
    static final String PATIENT_NOT_FOUND = "SF-1301";
    static final String NOTE_TASK_NOT_FOUND = "SF-1705";
    static final String TASK_NOT_FOUND = "SF-1801";
    static final String CALL_TASK_NOT_FOUND = "SF-2001";
    static final String CALL_NOT_FOUND = "SF-2010";
    static final String DASHBOARD_DENIED = "SF-2101";
    static final String DASHBOARD_ITEMS_DENIED = "SF-2102";
    static final String HANDOVER_DENIED = "SF-2401";
    static final String HANDOVER_OTHER_DEPARTMENT = "SF-2404";
    static final String HANDOVER_LIST_DENIED = "SF-2410";
    static final String ALERT_NOT_FOUND = "SF-2501";
    static final String ALERT_STATS_DENIED = "SF-2508";
    static final String ALERTS_CLINICAL_ONLY = "SF-2510";
    static final String RESPONSE_NOT_FOUND = "SF-2614";
    static final String MINIAPP_ONLY = "SF-2711";
    static final String ADVICE_EDITORS_ONLY = "SF-3203";
    static final String INTERVENTION_NOT_FOUND = "SF-3208";
    static final String SIGN_PHYSICIANS_ONLY = "SF-3305";
    static final String SUMMARY_NOT_FOUND = "SF-3309";

    enum Access {
        /** Sign-in: answers without credentials. */
        PUBLIC,
        /** Any valid token, staff or patient. */
        AUTHENTICATED,
        /** Any staff member; a patient token is refused. */
        STAFF,
        SEES_PATIENT_A,
        SEES_PATIENT_B,
        ADMIN,
        /** The staff list: admins (whole hospital) and department heads (their department). */
        ADMIN_OR_HEAD,
        /** Managing the cardiology care team: admins and the cardiology head. */
        ADMIN_OR_CARD_HEAD,
        /** Dashboard numbers: department heads (their department) and admins (the hospital). */
        DASHBOARD,
        /** The patient lists behind dashboard numbers: department heads only. */
        DASHBOARD_ITEMS,
        /** Handing cardiology staff over: the cardiology head and admins; another department's head is refused. */
        CARD_HANDOVER,
        /** The handover list: heads (their department) and admins. */
        HANDOVER_LIST,
        /** Alert lists: clinical staff (each sees the alerts of patients they may see). */
        CLINICAL,
        /** Per-rule alert figures: heads (their department) and admins. */
        ALERT_STATS,
        /** The patient mini-program: only a mini-program session (tested in MiniappTest); every caller here is refused. */
        MINIAPP,
        /** The advice library: clinicians who advise (physicians, heads, dietitians …) and admins; not nurses. */
        ADVICE_EDITORS,
        /** Signing patient A's stage summary: physicians and heads who see patient A; other staff who see them are refused. */
        SIGNS_PATIENT_A;

        Expected expectedFor(String caller, Endpoint e) {
            boolean patient = PATIENT.equals(caller);
            Expected ok = new Expected(e.okStatus(), null);
            Expected staffOnly = new Expected(403, STAFF_ONLY);
            return switch (this) {
                case PUBLIC, AUTHENTICATED -> ok;
                case STAFF -> patient ? staffOnly : ok;
                case SEES_PATIENT_A -> patient ? staffOnly : SEE_PATIENT_A.contains(caller) ? ok : new Expected(404, e.hiddenCode());
                case SEES_PATIENT_B -> patient ? staffOnly : SEE_PATIENT_B.contains(caller) ? ok : new Expected(404, e.hiddenCode());
                case ADMIN -> "admin".equals(caller) ? ok : new Expected(403, NEEDS_ROLE);
                case ADMIN_OR_HEAD -> patient ? staffOnly
                        : Set.of("admin", "cardHead", "endoHead").contains(caller) ? ok : new Expected(403, STAFF_LIST_DENIED);
                case ADMIN_OR_CARD_HEAD -> patient ? staffOnly
                        : Set.of("admin", "cardHead").contains(caller) ? ok : new Expected(403, TEAM_MANAGER_ONLY);
                case DASHBOARD -> patient ? staffOnly
                        : Set.of("admin", "cardHead", "endoHead").contains(caller) ? ok : new Expected(403, DASHBOARD_DENIED);
                case DASHBOARD_ITEMS -> patient ? staffOnly
                        : Set.of("cardHead", "endoHead").contains(caller) ? ok
                        : new Expected(403, "admin".equals(caller) ? DASHBOARD_ITEMS_DENIED : DASHBOARD_DENIED);
                case CARD_HANDOVER -> patient ? staffOnly
                        : Set.of("admin", "cardHead").contains(caller) ? ok
                        : new Expected(403, "endoHead".equals(caller) ? HANDOVER_OTHER_DEPARTMENT : HANDOVER_DENIED);
                case HANDOVER_LIST -> patient ? staffOnly
                        : Set.of("admin", "cardHead", "endoHead").contains(caller) ? ok : new Expected(403, HANDOVER_LIST_DENIED);
                case CLINICAL -> patient ? staffOnly : "admin".equals(caller) ? new Expected(403, ALERTS_CLINICAL_ONLY) : ok;
                case MINIAPP -> new Expected(403, MINIAPP_ONLY);
                case SIGNS_PATIENT_A -> patient ? staffOnly
                        : Set.of("cardHead", "cardDoc", "cardDoc2").contains(caller) ? ok
                        : SEE_PATIENT_A.contains(caller) ? new Expected(403, SIGN_PHYSICIANS_ONLY) : new Expected(404, SUMMARY_NOT_FOUND);
                case ADVICE_EDITORS -> patient ? staffOnly
                        : Set.of("cardNurse1", "cardNurse2", "endoNurse").contains(caller) ? new Expected(403, ADVICE_EDITORS_ONLY) : ok;
                case ALERT_STATS -> patient ? staffOnly
                        : Set.of("admin", "cardHead", "endoHead").contains(caller) ? ok : new Expected(403, ALERT_STATS_DENIED);
            };
        }
    }

    record Expected(int status, String code) {
    }

    /**
     * Ids the rows refer to by placeholder, e.g. {@code /api/tasks/{taskA}}. Patient A has an ended call with a
     * recording ({@code endedCallA}) and a call in progress on another of their tasks ({@code liveCallA}).
     */
    record Fixture(long patientA, long taskA, long patientB, long taskB, long draftPathway, long importJob,
                   long cardTeam, long cardHead, long cardDoc, UUID endedCallA, UUID liveCallA, long alertA,
                   long responseA, long draftRule, long proxyA, long hl7Message, long manualTagA, long draftTagRule, long adviceItem, long interventionA, long summaryA) {

        String resolve(String path) {
            return path.replace("{patientA}", Long.toString(patientA)).replace("{taskA}", Long.toString(taskA))
                    .replace("{patientB}", Long.toString(patientB)).replace("{taskB}", Long.toString(taskB))
                    .replace("{draftPathway}", Long.toString(draftPathway)).replace("{importJob}", Long.toString(importJob))
                    .replace("{cardTeam}", Long.toString(cardTeam)).replace("{cardCode}", "CARD").replace("{questionnaire}", "PHQ9")
                    .replace("{labSystem}", "LIS").replace("{labCode}", "GLU01")
                    .replace("{endedCallA}", endedCallA.toString()).replace("{liveCallA}", liveCallA.toString())
                    .replace("{alertA}", Long.toString(alertA)).replace("{responseA}", Long.toString(responseA))
                    .replace("{draftRule}", Long.toString(draftRule)).replace("{proxyA}", Long.toString(proxyA))
                    .replace("{hl7Message}", Long.toString(hl7Message))
                    .replace("{manualTagA}", Long.toString(manualTagA)).replace("{draftTagRule}", Long.toString(draftTagRule))
                    .replace("{adviceItem}", Long.toString(adviceItem)).replace("{interventionA}", Long.toString(interventionA))
                    .replace("{summaryA}", Long.toString(summaryA));
        }

        /** The same fixture with the patient, task and call ids pointing at rows that do not exist. */
        Fixture withNonexistentPatientsAndTasks() {
            return new Fixture(999_991, 999_992, 999_993, 999_994, draftPathway, importJob, cardTeam, cardHead, cardDoc,
                    UUID.fromString("00000000-0000-4000-8000-000000000991"),
                    UUID.fromString("00000000-0000-4000-8000-000000000992"), 999_995, 999_996, draftRule, 999_997, hl7Message,
                    999_998, draftTagRule, adviceItem, 999_999, 999_989);
        }
    }

    record Endpoint(HttpMethod method, String path, Access access, int okStatus, String hiddenCode,
                    MediaType contentType, Function<Fixture, Object> body) {

        @Override
        public String toString() {
            return method.name() + " " + path;
        }
    }

    static final String CSV = """
            encounter_id,mrn,name,gender,department_code,admission_date,discharge_date,diagnoses,procedures
            ZY901,P901,李四,男,CARD,2026-11-13,2026-11-18,I21.0,36.07
            """;

    static final List<Endpoint> ENDPOINTS = List.of(
            // sign-in (permitted without a token)
            post("/api/auth/demo-login", Access.PUBLIC, 200, f -> Map.of("staffId", f.cardDoc())),
            get("/api/auth/demo-accounts", Access.PUBLIC),
            post("/api/auth/logout", Access.PUBLIC, 200, null),
            get("/api/auth/wecom", Access.PUBLIC),
            get("/api/auth/wecom/authorize-url?state=perm0state1", Access.PUBLIC),
            // WeCom JS-SDK
            post("/api/wecom/js-signature", Access.STAFF, 200,
                    f -> Map.of("url", "https://suifang.example-hospital.cn/app/")),
            // who am I
            get("/api/me", Access.AUTHENTICATED),
            // workbench
            get("/api/workbench/tasks", Access.STAFF),
            get("/api/workbench/tasks?view=UNREACHABLE", Access.STAFF),
            get("/api/workbench/colleagues", Access.STAFF),
            get("/api/workbench/task-counts", Access.STAFF),
            read("/api/tasks/{taskA}", Access.SEES_PATIENT_A, TASK_NOT_FOUND),
            read("/api/tasks/{taskB}", Access.SEES_PATIENT_B, TASK_NOT_FOUND),
            read("/api/patients/{patientA}", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            read("/api/patients/{patientB}", Access.SEES_PATIENT_B, PATIENT_NOT_FOUND),
            read("/api/patients/{patientA}/timeline", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            read("/api/patients/{patientA}/health-report", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            read("/api/patients/{patientA}/fhir", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            new Endpoint(HttpMethod.POST, "/api/tasks/{taskA}/notes", Access.SEES_PATIENT_A, 201, NOTE_TASK_NOT_FOUND,
                    MediaType.APPLICATION_JSON, f -> TestPayloads.note("perm-note-1")),
            // calls
            new Endpoint(HttpMethod.POST, "/api/tasks/{taskA}/calls", Access.SEES_PATIENT_A, 202, CALL_TASK_NOT_FOUND,
                    null, null),
            read("/api/tasks/{taskA}/calls", Access.SEES_PATIENT_A, CALL_TASK_NOT_FOUND),
            read("/api/calls/{endedCallA}", Access.SEES_PATIENT_A, CALL_NOT_FOUND),
            read("/api/calls/{endedCallA}/recording", Access.SEES_PATIENT_A, CALL_NOT_FOUND),
            new Endpoint(HttpMethod.DELETE, "/api/calls/{liveCallA}", Access.SEES_PATIENT_A, 202, CALL_NOT_FOUND, null, null),
            new Endpoint(HttpMethod.POST, "/api/calls/{liveCallA}/cancel", Access.SEES_PATIENT_A, 202, CALL_NOT_FOUND,
                    null, null),
            // dashboard
            get("/api/dashboard/summary", Access.DASHBOARD),
            get("/api/dashboard/breakdown?by=PATHWAY", Access.DASHBOARD),
            get("/api/dashboard/export?by=STAFF", Access.DASHBOARD),
            get("/api/dashboard/items?metric=ON_TIME&part=MISSED", Access.DASHBOARD_ITEMS),
            // pathways
            get("/api/admin/pathways", Access.STAFF),
            get("/api/admin/pathways/{draftPathway}", Access.STAFF),
            post("/api/admin/pathways", Access.ADMIN, 201, f -> TestPayloads.pathway("PERM_NEW")),
            post("/api/admin/pathways/{draftPathway}/activate", Access.ADMIN, 200, null),
            // organisation
            get("/api/admin/departments", Access.STAFF),
            get("/api/admin/staff", Access.ADMIN_OR_HEAD),
            post("/api/admin/staff", Access.ADMIN, 201, f -> TestPayloads.staff("X900")),
            get("/api/admin/care-teams", Access.STAFF),
            post("/api/admin/care-teams", Access.ADMIN_OR_CARD_HEAD, 201,
                    f -> Map.of("departmentCode", "CARD", "name", "心内第二随访团队")),
            post("/api/admin/care-teams/{cardTeam}/members", Access.ADMIN_OR_CARD_HEAD, 204,
                    f -> Map.of("staffId", f.cardHead(), "role", "PHYSICIAN")),
            // discharge import
            post("/api/admin/discharges", Access.ADMIN, 200,
                    f -> TestPayloads.dischargeBatch(TestPayloads.dischargeRow("ZY900", "P900"))),
            new Endpoint(HttpMethod.POST, "/api/admin/discharges/csv?source=HIS", Access.ADMIN, 202, null,
                    MediaType.parseMediaType("text/csv;charset=UTF-8"), f -> CSV),
            get("/api/admin/import-jobs/{importJob}", Access.ADMIN),
            // handover
            post("/api/handovers/preview", Access.CARD_HANDOVER, 200,
                    f -> Map.of("fromStaffId", f.cardDoc(), "toStaffId", f.cardHead())),
            post("/api/handovers", Access.CARD_HANDOVER, 200,
                    f -> Map.of("fromStaffId", f.cardDoc(), "toStaffId", f.cardHead(), "requestId", UUID.randomUUID().toString())),
            get("/api/handovers", Access.HANDOVER_LIST),
            new Endpoint(HttpMethod.PUT, "/api/patients/{patientA}/wecom-contact", Access.SEES_PATIENT_A, 200,
                    PATIENT_NOT_FOUND, MediaType.APPLICATION_JSON, f -> Map.of("externalUserId", "wmPermissionA")),
            // WeCom messages sent to staff, the directory sync
            get("/api/admin/wecom/messages", Access.ADMIN),
            get("/api/admin/wecom/sync-runs", Access.ADMIN),
            post("/api/admin/wecom/sync", Access.ADMIN, 200, null),
            new Endpoint(HttpMethod.PUT, "/api/admin/departments/{cardCode}/wecom-department", Access.ADMIN, 200, null,
                    MediaType.APPLICATION_JSON, f -> Map.of("wecomDepartmentId", 2)),
            // questionnaires
            get("/api/questionnaires", Access.STAFF),
            get("/api/questionnaires/{questionnaire}", Access.STAFF),
            new Endpoint(HttpMethod.POST, "/api/patients/{patientA}/questionnaire-responses", Access.SEES_PATIENT_A, 201,
                    PATIENT_NOT_FOUND, MediaType.APPLICATION_JSON, f -> Map.of("clientRequestId", "perm-q-1",
                    "questionnaireCode", "PHQ2", "answers", Map.of("q1", 1, "q2", 0))),
            read("/api/patients/{patientA}/questionnaire-responses", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            read("/api/questionnaire-responses/{responseA}", Access.SEES_PATIENT_A, RESPONSE_NOT_FOUND),
            // alerts
            get("/api/alerts", Access.CLINICAL),
            get("/api/alerts?view=OPEN", Access.CLINICAL),
            get("/api/alerts/counts", Access.CLINICAL),
            get("/api/alerts/rule-stats", Access.ALERT_STATS),
            read("/api/alerts/{alertA}", Access.SEES_PATIENT_A, ALERT_NOT_FOUND),
            new Endpoint(HttpMethod.POST, "/api/alerts/{alertA}/acknowledge", Access.SEES_PATIENT_A, 200, ALERT_NOT_FOUND,
                    MediaType.APPLICATION_JSON, f -> Map.of("note", "已联系")),
            new Endpoint(HttpMethod.POST, "/api/alerts/{alertA}/resolve", Access.SEES_PATIENT_A, 200, ALERT_NOT_FOUND,
                    MediaType.APPLICATION_JSON, f -> Map.of("resolution", "INTERVENED", "interventionType", "PHONE_ADVICE")),
            get("/api/admin/alert-rules", Access.STAFF),
            post("/api/admin/alert-rules", Access.ADMIN, 201, f -> Map.of("code", "PERM_RULE", "name", "权限测试规则",
                    "level", 2, "condition", Map.of("type", "reading", "code", "HR", "op", ">", "value", 130))),
            post("/api/admin/alert-rules/{draftRule}/activate", Access.ADMIN, 200, null),
            // family members acting for a patient (mini-program proxies), seen from the workbench
            read("/api/patients/{patientA}/proxies", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            new Endpoint(HttpMethod.POST, "/api/patients/{patientA}/proxies/{proxyA}/approve", Access.SEES_PATIENT_A, 200,
                    PATIENT_NOT_FOUND, MediaType.APPLICATION_JSON, f -> Map.of("note", "电话确认患者本人同意")),
            // the patient mini-program: a mini-program session only, never a staff or demo-patient token
            get("/api/mp/bindings", Access.MINIAPP),
            post("/api/mp/bindings", Access.MINIAPP, 201, f -> Map.of("phoneCode", "pc", "name", "张三")),
            post("/api/mp/proxy-bindings", Access.MINIAPP, 202, f -> Map.of("patientPhone", "13812345678", "name", "张三",
                    "idCardLast4", "1235", "relation", "CHILD")),
            post("/api/mp/proxy-bindings/{proxyA}/approve", Access.MINIAPP, 200, null),
            new Endpoint(HttpMethod.DELETE, "/api/mp/bindings/{proxyA}", Access.MINIAPP, 204, null, null, null),
            get("/api/mp/plan", Access.MINIAPP),
            get("/api/mp/advice", Access.MINIAPP),
            post("/api/mp/advice/{alertA}/read", Access.MINIAPP, 204, null),
            get("/api/mp/questionnaires", Access.MINIAPP),
            get("/api/mp/questionnaires/{questionnaire}", Access.MINIAPP),
            post("/api/mp/questionnaire-responses", Access.MINIAPP, 201, f -> Map.of("clientRequestId", "mp-1",
                    "questionnaireCode", "PHQ2", "answers", Map.of("q1", 0, "q2", 0))),
            post("/api/mp/readings", Access.MINIAPP, 201, f -> Map.of("clientRequestId", "mp-2",
                    "readings", List.of(Map.of("code", "SBP", "value", 130)))),
            get("/api/mp/readings?code=SBP", Access.MINIAPP),
            get("/api/mp/points", Access.MINIAPP),
            post("/api/mp/subscriptions", Access.MINIAPP, 200, f -> Map.of("results",
                    Map.of(cn.suifang.backend.support.FakeWechat.REMINDER_TEMPLATE, "accept"))),
            new Endpoint(HttpMethod.PUT, "/api/mp/consent", Access.MINIAPP, 200, null, MediaType.APPLICATION_JSON,
                    f -> Map.of("recording", false)),
            get("/api/mp/my-data", Access.MINIAPP),
            // HL7 interface log (dead letters) and replay
            get("/api/admin/hl7/messages", Access.ADMIN),
            get("/api/admin/hl7/messages/{hl7Message}", Access.ADMIN),
            post("/api/admin/hl7/messages/{hl7Message}/replay", Access.ADMIN, 200, null),
            get("/api/admin/lab-codes", Access.ADMIN),
            // FHIR R4 from the HIS/LIS (the export is a patient read above)
            new Endpoint(HttpMethod.POST, "/api/fhir", Access.ADMIN, 200, null, MediaType.parseMediaType("application/fhir+json"),
                    f -> TestPayloads.fhirResults()),
            new Endpoint(HttpMethod.PUT, "/api/admin/lab-codes/{labSystem}/{labCode}", Access.ADMIN, 200, null, MediaType.APPLICATION_JSON,
                    f -> Map.of("observationCode", "FPG")),
            // tags
            read("/api/patients/{patientA}/tags", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            new Endpoint(HttpMethod.POST, "/api/patients/{patientA}/tags", Access.SEES_PATIENT_A, 201, PATIENT_NOT_FOUND,
                    MediaType.APPLICATION_JSON, f -> Map.of("label", "需家属陪同")),
            new Endpoint(HttpMethod.DELETE, "/api/patients/{patientA}/tags/{manualTagA}", Access.SEES_PATIENT_A, 200,
                    PATIENT_NOT_FOUND, null, null),
            get("/api/tag-rules", Access.STAFF),
            post("/api/admin/tag-rules", Access.ADMIN, 201, f -> Map.of("code", "PERM_TAG2", "label", "权限测试",
                    "category", "BEHAVIOUR", "condition", Map.of("type", "overdue", "atLeast", 2))),
            post("/api/admin/tag-rules/{draftTagRule}/activate", Access.ADMIN, 200, null),
            get("/api/dashboard/tags", Access.DASHBOARD),
            // advice library and interventions
            get("/api/advice-items", Access.STAFF),
            post("/api/advice-items", Access.ADVICE_EDITORS, 201, f -> Map.of("code", "PERM_ITEM", "kind", "DIET",
                    "title", "权限测试", "body", "内容")),
            new Endpoint(HttpMethod.PUT, "/api/advice-items/{adviceItem}", Access.ADVICE_EDITORS, 200, null,
                    MediaType.APPLICATION_JSON, f -> Map.of("code", "PERM_ITEM_A", "kind", "DIET", "title", "减盐", "body", "内容")),
            post("/api/advice-items/{adviceItem}/retire", Access.ADVICE_EDITORS, 200, null),
            read("/api/patients/{patientA}/advice-suggestions", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            new Endpoint(HttpMethod.POST, "/api/patients/{patientA}/interventions", Access.SEES_PATIENT_A, 201, PATIENT_NOT_FOUND,
                    MediaType.APPLICATION_JSON, f -> Map.of("adviceItemId", f.adviceItem())),
            read("/api/patients/{patientA}/interventions", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            new Endpoint(HttpMethod.POST, "/api/interventions/{interventionA}/outcome", Access.SEES_PATIENT_A, 200,
                    INTERVENTION_NOT_FOUND, MediaType.APPLICATION_JSON, f -> Map.of("outcome", "DONE")),
            new Endpoint(HttpMethod.POST, "/api/interventions/{interventionA}/cancel", Access.SEES_PATIENT_A, 200,
                    INTERVENTION_NOT_FOUND, null, null),
            post("/api/mp/interventions/{interventionA}/outcome", Access.MINIAPP, 204, f -> Map.of("outcome", "DONE")),
            // lab results uploaded as a sheet
            new Endpoint(HttpMethod.POST, "/api/admin/lab-results", Access.ADMIN, 200, null,
                    MediaType.parseMediaType("text/csv;charset=UTF-8"), f -> "病案号,项目编码,结果,单位\nP001,2093-3,5.2,mmol/L\n"),
            // stage summaries
            read("/api/patients/{patientA}/stage-summaries", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            new Endpoint(HttpMethod.POST, "/api/patients/{patientA}/stage-summaries", Access.SEES_PATIENT_A, 201, PATIENT_NOT_FOUND,
                    null, null),
            get("/api/stage-summaries", Access.STAFF),
            read("/api/stage-summaries/{summaryA}", Access.SEES_PATIENT_A, SUMMARY_NOT_FOUND),
            new Endpoint(HttpMethod.PUT, "/api/stage-summaries/{summaryA}", Access.SEES_PATIENT_A, 200, SUMMARY_NOT_FOUND,
                    MediaType.APPLICATION_JSON, f -> Map.of("narrative", "医生修改后的总结", "version", 0)),
            new Endpoint(HttpMethod.POST, "/api/stage-summaries/{summaryA}/sign", Access.SIGNS_PATIENT_A, 200, SUMMARY_NOT_FOUND,
                    MediaType.APPLICATION_JSON, f -> Map.of("version", 0)),
            // risk assessment
            read("/api/patients/{patientA}/risk", Access.SEES_PATIENT_A, PATIENT_NOT_FOUND),
            // audit
            get("/api/admin/audit/verify", Access.ADMIN));

    private static Endpoint get(String path, Access access) {
        return new Endpoint(HttpMethod.GET, path, access, 200, null, null, null);
    }

    private static Endpoint read(String path, Access access, String hiddenCode) {
        return new Endpoint(HttpMethod.GET, path, access, 200, hiddenCode, null, null);
    }

    private static Endpoint post(String path, Access access, int okStatus, Function<Fixture, Object> body) {
        return new Endpoint(HttpMethod.POST, path, access, okStatus, null, MediaType.APPLICATION_JSON, body);
    }

    static Stream<Arguments> matrix() {
        return ENDPOINTS.stream().flatMap(e -> CALLERS.stream().map(caller -> Arguments.of(e, caller)));
    }

    static Stream<Endpoint> protectedEndpoints() {
        return ENDPOINTS.stream().filter(e -> e.access() != Access.PUBLIC);
    }

    static Stream<Endpoint> publicEndpoints() {
        return ENDPOINTS.stream().filter(e -> e.access() == Access.PUBLIC);
    }

    /** Reads of one patient's data, each with a clinical outsider and the admin (no clinical role). */
    static Stream<Arguments> hiddenReads() {
        return ENDPOINTS.stream().filter(e -> e.hiddenCode() != null).flatMap(e -> Stream.of(
                Arguments.of(e, e.access() == Access.SEES_PATIENT_A || e.access() == Access.SIGNS_PATIENT_A ? "endoDoc" : "cardDoc"),
                Arguments.of(e, "gsDoc"),
                Arguments.of(e, "admin")));
    }

    private Fixture fixture;

    @BeforeEach
    void dischargeTwoPatients() throws IOException {
        var a = pciDischarge("ZY001", "P001", 5);
        var b = new cn.suifang.backend.discharge.DischargeRecord("ZY002",
                new cn.suifang.backend.discharge.DischargeRecord.PatientData("P002", "孙七",
                        cn.suifang.backend.discharge.DischargeRecord.Gender.FEMALE, java.time.LocalDate.of(1958, 7, 21),
                        "13912345678", null, true, true),
                "ENDO", "D003", a.admissionDate(), a.dischargeDate(), List.of("E11.9"), List.of(), null, null, null);
        importBatch(a, b);
        long draft = ((Number) post("admin", "/api/admin/pathways", TestPayloads.pathway("PERM_DRAFT")).exchange()
                .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("id")).longValue();
        TelephonyTestState.clear(redisson, properties.redis().keyPrefix());
        cn.suifang.backend.support.FakeWecomSignIn.install(wecom);
        // every staff member has a WeCom account (linking a patient's WeCom contact needs one)
        db.sql("UPDATE staff SET wecom_user_id = 'wx' || employee_no").then().block();
        long taskA = firstTask("P001");
        fixture = new Fixture(patient("P001"), taskA, patient("P002"), firstTask("P002"), draft,
                count("SELECT max(id) FROM import_job"), hospital.cardTeam, hospital.staff("cardHead"),
                hospital.staff("cardDoc"), call(taskA, "ENDED"),
                call(count("SELECT id FROM follow_up_task WHERE patient_id = " + patient("P001") + " AND id <> " + taskA
                        + " ORDER BY id LIMIT 1"), "IN_CALL"),
                alert(patient("P001")), response(patient("P001")), draftRule(), proxyRequest(patient("P001")),
                hl7Message(), manualTag(patient("P001")), draftTagRule(), adviceItem(),
                intervention(patient("P001")), stageSummary(patient("P001")));
    }

    /** A drafted stage summary of patient A's care plan. */
    private long stageSummary(long patientId) {
        return count("INSERT INTO stage_summary (patient_id, care_plan_id, milestone_days, phase_label, period_start, period_end, "
                + "content, narrative, status, generated_at) SELECT " + patientId + ", id, 30, '出院后1个月', start_date, "
                + "start_date + 30, '{\"indicators\": [], \"events\": [], \"followUp\": {\"due\": 0, \"completed\": 0, "
                + "\"unreachable\": 0}, \"interventions\": [], \"risks\": [], \"tags\": [], \"focus\": []}', '总结', 'DRAFT', now() "
                + "FROM care_plan WHERE patient_id = " + patientId + " LIMIT 1 RETURNING id");
    }

    /**
     * An advice item of the hospital's own (rows a test creates are removed by the reset; the seeded library must not
     * be edited by a test: the reset cannot put its text and scope back).
     */
    private long adviceItem() {
        return count("INSERT INTO advice_item (code, kind, title, body, status, created_by) VALUES ('PERM_ITEM_A', 'DIET', "
                + "'权限测试', '内容', 'ACTIVE', " + hospital.staff("admin") + ") RETURNING id");
    }

    /** Health advice a doctor sent patient A. */
    private long intervention(long patientId) {
        return count("INSERT INTO intervention (patient_id, kind, title, body, status, sent_at, sent_by, check_due_on) VALUES ("
                + patientId + ", 'DIET', '减盐', '每天食盐不超过5克', 'ACTIVE', now(), " + hospital.staff("cardDoc")
                + ", current_date + 14) RETURNING id");
    }

    /** A tag a nurse put on patient A by hand. */
    private long manualTag(long patientId) {
        return count("INSERT INTO patient_tag (patient_id, tag_code, label, category, source, reason, set_at, set_by, confirmed_at) "
                + "VALUES (" + patientId + ", '听力障碍', '听力障碍', 'MANUAL', 'MANUAL', '手动', now(), "
                + hospital.staff("cardNurse1") + ", now()) RETURNING id");
    }

    private long draftTagRule() {
        return count("INSERT INTO tag_rule (code, version, label, category, condition, status, created_by) VALUES ('PERM_TAG', 1, "
                + "'权限测试', 'BEHAVIOUR', '{\"type\": \"overdue\", \"atLeast\": 3}', 'DRAFT', " + hospital.staff("admin")
                + ") RETURNING id");
    }

    /** An open level-2 alert on the patient, as the blood-pressure rule raises it. */
    private long alert(long patientId) {
        return count("INSERT INTO alert (patient_id, level, title, status, owner_id, rule_id, rule_code, initial_level, owner_role, "
                + "detail, sla_due_at, due_at) SELECT " + patientId + ", 2, name, 'OPEN', " + hospital.staff("cardNurse1")
                + ", id, code, 2, 'NURSE_COORDINATOR', '收缩压 186 mmHg', now() + interval '4 hours', now() + interval '4 hours' "
                + "FROM alert_rule WHERE code = 'BP_SEVERE' AND status = 'ACTIVE' RETURNING id");
    }

    /** A PHQ-2 answered by the patient. */
    private long response(long patientId) {
        return count("INSERT INTO questionnaire_response (patient_id, questionnaire_id, questionnaire_code, client_request_id, "
                + "answers, score, band, band_label, submitted_by_type) SELECT " + patientId + ", id, code, 'perm-resp', "
                + "'{\"q1\": 1, \"q2\": 1}', 2, 'NEGATIVE', '筛查阴性', 'PATIENT' FROM questionnaire "
                + "WHERE code = 'PHQ2' AND status = 'ACTIVE' RETURNING id");
    }

    /** An admission message from the HIS, as the HL7 interface logs it. */
    private long hl7Message() {
        String raw = "MSH|^~\\&|HIS|HOSP|SUIFANG|HOSP|20261122103000||ADT^A01^ADT_A01|PERM01|P|2.4\rPID|1||P001^^^HOSP^MR||张三\r";
        return db.sql("INSERT INTO hl7_message (control_id, sending_app, message_type, raw_enc, status, ack_code, detail) "
                        + "VALUES ('PERM01', 'HIS', 'ADT^A01', :raw, 'IGNORED', 'AA', '入院登记') RETURNING id")
                .bind("raw", cipher.encrypt(cn.suifang.backend.crypto.PiiCipher.PiiField.HL7_MESSAGE, raw))
                .map(r -> r.get(0, Long.class)).one().block();
    }

    /** A family member's pending request to act for the patient in the mini-program. */
    private long proxyRequest(long patientId) {
        long account = count("INSERT INTO miniapp_account (openid_enc, openid_bidx) VALUES ('\\x01', '\\x02') RETURNING id");
        return count("INSERT INTO patient_binding (account_id, patient_id, kind, relation, status) VALUES (" + account + ", "
                + patientId + ", 'PROXY', 'CHILD', 'PENDING') RETURNING id");
    }

    private long draftRule() {
        return count("INSERT INTO alert_rule (code, version, name, trigger_kind, condition, level, status, created_by) "
                + "VALUES ('PERM_DRAFT', 1, '权限测试草稿', 'READING', '{\"type\": \"reading\", \"code\": \"HR\", "
                + "\"op\": \"<\", \"value\": 40}', 2, 'DRAFT', " + hospital.staff("admin") + ") RETURNING id");
    }

    /** A call by cardDoc on this task, as the bridge's events would have left it; an ended one has a recording. */
    private UUID call(long taskId, String status) throws IOException {
        boolean ended = "ENDED".equals(status);
        String recording = ended ? "perm/" + UUID.randomUUID() + ".wav" : null;
        if (ended) {
            Path file = Path.of("target/test-recordings", recording);
            Files.createDirectories(file.getParent());
            Files.write(file, "RIFF-permission-matrix".getBytes(StandardCharsets.US_ASCII));
        }
        return TestCalls.insert(db, taskId, hospital.staff("cardDoc"), status, ended ? "CONNECTED" : null, true,
                ended ? 60 : null, recording, java.time.OffsetDateTime.now(clock));
    }

    /** A CSV import runs in the background; let it finish before the next test empties the tables under it. */
    @AfterEach
    void waitForBackgroundImports() throws InterruptedException {
        for (int i = 0; i < 100 && count("SELECT count(*) FROM import_job WHERE status = 'RUNNING'") > 0; i++) {
            Thread.sleep(100);
        }
    }

    // ------------------------------------------------------------------ the matrix

    /**
     * Endpoints that are not rows, each with where its access is tested instead. Everything else in the OpenAPI
     * document must be a row, so a new endpoint cannot be forgotten here.
     */
    static final Map<String, String> NOT_ROWS = Map.of(
            "POST /api/telephony/cdr", "FreeSWITCH, HTTP Basic: CallCdrTest",
            "GET /api/wecom/callback", "WeCom, signed and encrypted: WecomCallbackTest",
            "POST /api/wecom/callback", "WeCom, signed and encrypted: WecomCallbackTest",
            "POST /api/auth/wecom/login", "needs a one-time WeCom code: WecomSignInTest",
            "POST /api/mp/session", "needs a one-time wx.login code: MiniappTest",
            "GET /api/handovers/{}", "needs a handover: HandoverTest.handoverDetail_isForTheDepartmentsHeadAndTheAdministrator",
            "POST /api/tasks/{}/reassign", "depends on the task's assignee too: TaskActionsTest",
            "POST /api/tasks/{}/reopen", "depends on the task's assignee too: TaskActionsTest");

    @Test
    @SuppressWarnings("unchecked")
    void everyDocumentedEndpoint_isARowOrANamedException() {
        Map<String, Object> doc = web.get().uri("/v3/api-docs").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        java.util.Set<String> documented = new java.util.TreeSet<>();
        ((Map<String, Map<String, Object>>) doc.get("paths")).forEach((path, operations) -> operations.keySet()
                .forEach(method -> documented.add(method.toUpperCase() + " " + path.replaceAll("\\{[^}]+}", "{}"))));
        java.util.Set<String> covered = new java.util.TreeSet<>(NOT_ROWS.keySet());
        ENDPOINTS.forEach(e -> covered.add(e.method().name() + " " + e.path().replaceAll("\\?.*", "").replaceAll("\\{[^}]+}", "{}")));

        assertThat(documented).as("endpoints without a row in ENDPOINTS (or an entry in NOT_ROWS)")
                .isSubsetOf(covered);
    }


    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("matrix")
    void everyEndpoint_answersEachRoleAsTheAccessRuleSays(Endpoint endpoint, String caller) {
        // Setup
        Expected expected = endpoint.access().expectedFor(caller, endpoint);
        Map<String, String> before = persistentState();
        long auditBefore = auditRowsBy(caller);

        // Act
        EntityExchangeResult<byte[]> result = call(endpoint, fixture, "Bearer " + tokenOf(caller));

        // Verify
        assertThat(result.getStatus().value()).as("%s as %s: %s", endpoint, caller, bodyText(result))
                .isEqualTo(expected.status());
        if (expected.status() >= 300) {
            assertProblem(result, expected.status(), expected.code());
            assertThat(persistentState()).as("a refused request changes nothing").isEqualTo(before);
            assertThat(auditRowsBy(caller)).as("a refused request leaves no audit row claiming it happened")
                    .isEqualTo(auditBefore);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("protectedEndpoints")
    void missingGarbageMalformedOrRevokedCredentials_answer401WithOneIdenticalProblem(Endpoint endpoint) {
        // Setup
        String revoked = token("cardDoc");
        tokens.revoke(revoked).block();
        List<String> authorizations = Arrays.asList(
                null,                                              // no header at all
                "Bearer not-a-token-we-ever-issued-0123456789",   // well-formed but unknown
                "Bearer abc",                                      // too short to be a token
                "Bearer ",                                         // empty token
                "Basic Y2FyZERvYzpwYXNzd29yZA==",                  // another scheme
                "Bearer" + token("cardDoc"),                       // valid token without the space
                "Bearer " + revoked);                              // signed out
        Map<String, String> before = persistentState();

        // Act
        List<EntityExchangeResult<byte[]>> results = authorizations.stream()
                .map(authorization -> call(endpoint, fixture, authorization)).toList();

        // Verify
        for (int i = 0; i < results.size(); i++) {
            var r = results.get(i);
            assertThat(r.getStatus().value()).as("%s with Authorization %s: %s", endpoint, authorizations.get(i), bodyText(r))
                    .isEqualTo(401);
            assertProblem(r, 401, UNAUTHORIZED);
            assertThat(r.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
            assertThat(bodyText(r)).as("401 body must not depend on why").isEqualTo(bodyText(results.get(0)));
        }
        assertThat(persistentState()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("publicEndpoints")
    void signInEndpoints_answerWithoutCredentials(Endpoint endpoint) {
        // Act
        EntityExchangeResult<byte[]> result = call(endpoint, fixture, null);

        // Verify
        assertThat(result.getStatus().value()).as(bodyText(result)).isEqualTo(endpoint.okStatus());
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("hiddenReads")
    void hiddenPatientOrTask_answers404IdenticalToNonexistent(Endpoint endpoint, String caller) {
        // Setup
        String bearer = "Bearer " + tokenOf(caller);
        Fixture missing = fixture.withNonexistentPatientsAndTasks();
        assertThat(count("SELECT count(*) FROM patient WHERE id IN (999991, 999993)")
                + count("SELECT count(*) FROM follow_up_task WHERE id IN (999992, 999994)")).isZero();

        // Act
        EntityExchangeResult<byte[]> hidden = call(endpoint, fixture, bearer);
        EntityExchangeResult<byte[]> absent = call(endpoint, missing, bearer);

        // Verify
        Map<String, Object> hiddenProblem = assertProblem(hidden, 404, endpoint.hiddenCode());
        Map<String, Object> absentProblem = assertProblem(absent, 404, endpoint.hiddenCode());
        assertThat(hiddenProblem.get("detail")).isEqualTo(absentProblem.get("detail"));
        hiddenProblem.remove("instance");
        absentProblem.remove("instance");
        assertThat(hiddenProblem).isEqualTo(absentProblem);
    }

    // ------------------------------------------------------------------ the visibility rule, case by case

    @Test
    void openTaskAssignedToOutsider_showsThePatientOnlyWhileTheTaskIsOpen() {
        // Setup: a general surgeon is handed patient B's first (endocrinology) task
        db.sql("UPDATE follow_up_task SET assignee_id = :s WHERE id = :t")
                .bind("s", hospital.staff("gsDoc")).bind("t", fixture.taskB()).then().block();

        // Act
        int whileOpen = status("gsDoc", "/api/patients/{id}", fixture.patientB());
        db.sql("UPDATE follow_up_task SET status = 'COMPLETED', completed_at = now() WHERE id = :t")
                .bind("t", fixture.taskB()).then().block();
        int afterClosed = status("gsDoc", "/api/patients/{id}", fixture.patientB());

        // Verify
        assertThat(whileOpen).isEqualTo(200);
        assertThat(afterClosed).isEqualTo(404);
    }

    @Test
    void responsibleStaffMember_seesThePatientOutsideTheirDepartmentAndTeams() {
        // Setup
        int before = status("gsDoc", "/api/patients/{id}", fixture.patientB());
        db.sql("UPDATE patient SET responsible_staff_id = :s WHERE id = :p")
                .bind("s", hospital.staff("gsDoc")).bind("p", fixture.patientB()).then().block();

        // Act
        int after = status("gsDoc", "/api/patients/{id}", fixture.patientB());

        // Verify
        assertThat(before).isEqualTo(404);
        assertThat(after).isEqualTo(200);
    }

    @Test
    void voidedPatient_isHiddenFromTheirOwnDepartment() {
        // Setup
        db.sql("UPDATE patient SET voided = TRUE, void_reason = '重复建档' WHERE id = :p")
                .bind("p", fixture.patientA()).then().block();

        // Act
        int status = status("cardHead", "/api/patients/{id}", fixture.patientA());

        // Verify
        assertThat(status).isEqualTo(404);
    }

    @Test
    void patientOfAnotherHospital_isHiddenEvenFromTheStaffMemberResponsibleForThem() {
        // Setup: another hospital's patient whose row (wrongly or not) names our cardDoc as responsible
        long otherHospital = db.sql("INSERT INTO hospital (code, name) VALUES ('OTHER', '另一家医院') RETURNING id")
                .map(r -> r.get(0, Long.class)).one().block();
        long otherDept = db.sql("INSERT INTO department (hospital_id, code, name) VALUES (:h, 'CARD', '心内科') RETURNING id")
                .bind("h", otherHospital).map(r -> r.get(0, Long.class)).one().block();
        long stranger = db.sql("""
                        INSERT INTO patient (hospital_id, mrn, name, gender, department_id, responsible_staff_id)
                        VALUES (:h, 'X001', '外院患者', 'MALE', :d, :s) RETURNING id""")
                .bind("h", otherHospital).bind("d", otherDept).bind("s", hospital.staff("cardDoc"))
                .map(r -> r.get(0, Long.class)).one().block();

        // Act
        int status = status("cardDoc", "/api/patients/{id}", stranger);

        // Verify
        assertThat(status).isEqualTo(404);
    }

    // ------------------------------------------------------------------ audit of patient reads

    static Stream<Arguments> auditedReads() {
        return Stream.of(
                Arguments.of("/api/patients/{patientA}", "PATIENT_READ"),
                Arguments.of("/api/patients/{patientA}/timeline", "TIMELINE_READ"),
                Arguments.of("/api/tasks/{taskA}", "TASK_READ"),
                Arguments.of("/api/patients/{patientA}/health-report", "REPORT_PRINT"),
                Arguments.of("/api/patients/{patientA}/fhir", "FHIR_EXPORT"),
                Arguments.of("/api/tasks/{taskA}/calls", "CALL_LIST"),
                Arguments.of("/api/calls/{endedCallA}", "CALL_READ"),
                Arguments.of("/api/calls/{endedCallA}/recording", "RECORDING_PLAY"),
                Arguments.of("/api/alerts/{alertA}", "ALERT_READ"),
                Arguments.of("/api/patients/{patientA}/questionnaire-responses", "QUESTIONNAIRE_LIST"),
                Arguments.of("/api/questionnaire-responses/{responseA}", "QUESTIONNAIRE_READ"),
                Arguments.of("/api/patients/{patientA}/proxies", "PROXY_LIST"));
    }

    @ParameterizedTest(name = "GET {0} → {1}")
    @MethodSource("auditedReads")
    void readOfPatientData_isAuditedWithReaderAndPatient(String path, String action) {
        // Setup
        long staffId = hospital.staff("cardDoc2");
        long before = auditRows(action, staffId, fixture.patientA());

        // Act
        get("cardDoc2", fixture.resolve(path)).exchange().expectStatus().isOk();

        // Verify
        assertThat(auditRows(action, staffId, fixture.patientA())).isEqualTo(before + 1);
        assertThat(db.sql("""
                        SELECT actor_type FROM audit_event WHERE action = :a AND actor_id = :s ORDER BY id DESC LIMIT 1""")
                .bind("a", action).bind("s", staffId).map(r -> r.get(0, String.class)).one().block())
                .isEqualTo("STAFF");
    }

    @Test
    void patientRead_recordsPatientIdAsResourceAndInPatientIds() {
        // Act
        get("cardNurse1", "/api/patients/{id}", fixture.patientA()).exchange().expectStatus().isOk();

        // Verify
        var row = db.sql("""
                        SELECT resource_type, resource_id, patient_ids FROM audit_event
                        WHERE action = 'PATIENT_READ' AND actor_type = 'STAFF' AND actor_id = :s""")
                .bind("s", hospital.staff("cardNurse1"))
                .map(r -> new Object[] {r.get("resource_type", String.class), r.get("resource_id", String.class),
                        r.get("patient_ids", Long[].class)})
                .one().block();
        assertThat(row).isNotNull();
        assertThat(row[0]).isEqualTo("patient");
        assertThat(row[1]).isEqualTo(Long.toString(fixture.patientA()));
        assertThat((Long[]) row[2]).containsExactly(fixture.patientA());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("auditedReads")
    void deniedReadOfPatientData_writesNoReadAuditRow(String path, String action) {
        // Setup
        long patientRowsBefore = count("SELECT count(*) FROM audit_event WHERE " + fixture.patientA()
                + " = ANY (patient_ids) AND action NOT LIKE '%DENIED%'");

        // Act
        get("endoDoc", fixture.resolve(path)).exchange().expectStatus().isNotFound();
        get("admin", fixture.resolve(path)).exchange().expectStatus().isNotFound();

        // Verify
        for (String reader : List.of("endoDoc", "admin")) {
            assertThat(count("SELECT count(*) FROM audit_event WHERE action LIKE '%READ' AND actor_id = "
                    + hospital.staff(reader))).as(reader).isZero();
        }
        assertThat(count("SELECT count(*) FROM audit_event WHERE " + fixture.patientA()
                + " = ANY (patient_ids) AND action NOT LIKE '%DENIED%'")).isEqualTo(patientRowsBefore);
    }

    @Test
    void auditChain_staysValidAfterReadsAndRefusals() {
        // Setup
        get("cardDoc", "/api/patients/{id}", fixture.patientA()).exchange().expectStatus().isOk();
        get("endoDoc", "/api/patients/{id}", fixture.patientA()).exchange().expectStatus().isNotFound();
        get("dietitian", "/api/tasks/{id}", fixture.taskA()).exchange().expectStatus().isOk();

        // Act
        @SuppressWarnings("unchecked")
        Map<String, Object> verification = get("admin", "/api/admin/audit/verify").exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        // Verify
        assertThat(verification).containsEntry("valid", true);
        assertThat(((Number) verification.get("checked")).longValue()).isEqualTo(count("SELECT count(*) FROM audit_event") - 1);
    }

    // ------------------------------------------------------------------ helpers

    private long patient(String mrn) {
        return db.sql("SELECT id FROM patient WHERE mrn = :m").bind("m", mrn).map(r -> r.get(0, Long.class)).one().block();
    }

    private long firstTask(String mrn) {
        return db.sql("""
                        SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id
                        JOIN pathway_step s ON s.id = t.step_id WHERE p.mrn = :m ORDER BY s.seq LIMIT 1""")
                .bind("m", mrn).map(r -> r.get(0, Long.class)).one().block();
    }

    private String tokenOf(String caller) {
        return PATIENT.equals(caller) ? patientToken(fixture.patientA()) : token(caller);
    }

    private int status(String staffKey, String uri, Object... vars) {
        return get(staffKey, uri, vars).exchange().expectBody().returnResult().getStatus().value();
    }

    private EntityExchangeResult<byte[]> call(Endpoint e, Fixture f, String authorization) {
        WebTestClient.RequestBodySpec spec = web.method(e.method()).uri(f.resolve(e.path()));
        if (authorization != null) {
            spec.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        WebTestClient.RequestHeadersSpec<?> request = e.body() == null ? spec
                : spec.contentType(e.contentType()).bodyValue(e.body().apply(f));
        return request.exchange().expectBody().returnResult();
    }

    /** Asserts an RFC 7807 problem with this status and code; returns its fields. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> assertProblem(EntityExchangeResult<byte[]> r, int status, String code) {
        assertThat(r.getStatus().value()).as(bodyText(r)).isEqualTo(status);
        MediaType type = r.getResponseHeaders().getContentType();
        assertThat(type).as("content type of %s", bodyText(r)).isNotNull();
        assertThat(type.isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).as("content type %s", type).isTrue();
        Map<String, Object> body = new LinkedHashMap<>(JSON.readValue(r.getResponseBody(), Map.class));
        assertThat(body).containsEntry("status", status).containsEntry("code", code).containsKeys("type", "title", "detail");
        return body;
    }

    static String bodyText(EntityExchangeResult<byte[]> r) {
        byte[] body = r.getResponseBody();
        return body == null ? "" : new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Row counts of everything a request could create, plus the state of tasks and pathways it could change. */
    private Map<String, String> persistentState() {
        Map<String, String> state = new LinkedHashMap<>();
        for (String table : List.of("patient", "encounter", "care_plan", "follow_up_task", "follow_up_note", "observation",
                "staff", "care_team", "care_team_member", "pathway", "pathway_step", "import_job", "call_record", "call_event",
                "handover", "patient_wecom_contact")) {
            state.put(table, Long.toString(count("SELECT count(*) FROM " + table)));
        }
        state.put("tasks", db.sql("SELECT COALESCE(string_agg(id || ':' || status || ':' || attempts, ',' ORDER BY id), '') "
                + "FROM follow_up_task").map(r -> r.get(0, String.class)).one().block());
        state.put("calls", db.sql("SELECT COALESCE(string_agg(id || ':' || status || ':' || (cancel_requested_at IS NOT NULL), "
                + "',' ORDER BY id), '') FROM call_record").map(r -> r.get(0, String.class)).one().block());
        state.put("telephony commands", Long.toString(redisson.getStream(
                TelephonyStreams.commands(properties.redis().keyPrefix()), StringCodec.INSTANCE).size()));
        state.put("pathways", db.sql("SELECT COALESCE(string_agg(id || ':' || status, ',' ORDER BY id), '') FROM pathway")
                .map(r -> r.get(0, String.class)).one().block());
        return state;
    }

    private long auditRowsBy(String caller) {
        boolean patient = PATIENT.equals(caller);
        return count("SELECT count(*) FROM audit_event WHERE action NOT LIKE '%DENIED%' AND actor_type = '"
                + (patient ? "PATIENT" : "STAFF") + "' AND actor_id = "
                + (patient ? fixture.patientA() : hospital.staff(caller)));
    }

    private long auditRows(String action, long staffId, long patientId) {
        return count("SELECT count(*) FROM audit_event WHERE action = '" + action + "' AND actor_id = " + staffId
                + " AND " + patientId + " = ANY (patient_ids)");
    }
}
