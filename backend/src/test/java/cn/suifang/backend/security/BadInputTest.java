package cn.suifang.backend.security;

import static cn.suifang.backend.security.PermissionMatrixTest.assertProblem;
import static cn.suifang.backend.security.PermissionMatrixTest.bodyText;
import static cn.suifang.backend.security.TestPayloads.ABSENT;
import static cn.suifang.backend.security.TestPayloads.JSON;
import static cn.suifang.backend.security.TestPayloads.TODAY;
import static cn.suifang.backend.security.TestPayloads.dischargeBatch;
import static cn.suifang.backend.security.TestPayloads.dischargeRow;
import static cn.suifang.backend.security.TestPayloads.json;
import static cn.suifang.backend.security.TestPayloads.set;
import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * Bad input never reaches the database and never costs a 500: it answers a 4xx
 * {@code application/problem+json} naming the offending field by its JSON path, and writes nothing.
 * One table row per way of getting it wrong; the accepted edge cases (国家临床版 codes, GBK CSV) follow.
 */
class BadInputTest extends IntegrationTest {

    static final String DISCHARGES = "/api/admin/discharges";
    static final String CSV = "/api/admin/discharges/csv?source=HIS";
    static final String NOTES = "/api/tasks/{task}/notes";
    static final String PATHWAYS = "/api/admin/pathways";
    static final String STAFF = "/api/admin/staff";

    /** One malformed request: who sends what where, and the status and {@code errors[].field} it must get. */
    record BadRequest(String name, String caller, String path, Supplier<String> body, int status, String field) {

        @Override
        public String toString() {
            return path + ": " + name;
        }
    }

    // ------------------------------------------------------------------ the table

    @SuppressWarnings("unchecked")
    static Stream<BadRequest> badRequests() {
        List<BadRequest> cases = new ArrayList<>();

        // POST /api/admin/discharges — a batch of one row that is wrong in exactly one way
        cases.add(raw("malformed JSON (missing comma)", "admin", DISCHARGES, "{\"source\":\"HIS\" \"discharges\":[]}", 400,
                "(body)"));
        cases.add(raw("malformed JSON (truncated inside a row)", "admin", DISCHARGES,
                "{\"source\":\"HIS\",\"discharges\":[{\"encounterId\":", 400, "discharges[0]"));
        cases.add(raw("not JSON at all", "admin", DISCHARGES, "source=HIS&discharges=ZY100", 400, "(body)"));
        cases.add(discharge("discharges is a string, not a list", b -> set(b, "discharges", "ZY100"), 400, "discharges"));
        cases.add(discharge("admission date is a word", b -> set(b, "discharges[0].admissionDate", "昨天"), 400,
                "discharges[0].admissionDate"));
        cases.add(discharge("admission date 30 February", b -> set(b, "discharges[0].admissionDate", "2026-02-30"), 400,
                "discharges[0].admissionDate"));
        cases.add(discharge("birth date is a boolean", b -> set(b, "discharges[0].patient.birthDate", true), 400,
                "discharges[0].patient.birthDate"));
        cases.add(discharge("diagnoses is a string, not a list", b -> set(b, "discharges[0].diagnoses", "I21.0"), 400,
                "discharges[0].diagnoses"));
        cases.add(discharge("unknown gender", b -> set(b, "discharges[0].patient.gender", "MAN"), 400,
                "discharges[0].patient.gender"));
        cases.add(discharge("unknown top-level field", b -> set(b, "priority", 1), 400, "priority"));
        cases.add(discharge("unknown patient field", b -> set(b, "discharges[0].patient.nickname", "老张"), 400,
                "discharges[0].patient.nickname"));
        cases.add(discharge("9 MB discharge summary", b -> set(b, "discharges[0].dischargeSummary", TestPayloads.nineMegabytes()),
                413, null));
        cases.add(discharge("discharge before admission",
                b -> set(b, "discharges[0].dischargeDate", TODAY.minusDays(11).toString()), 400, "discharges[0].dischargeDate"));
        cases.add(discharge("discharge tomorrow",
                b -> set(b, "discharges[0].dischargeDate", TODAY.plusDays(1).toString()), 400, "discharges[0].dischargeDate"));
        cases.add(discharge("admission before birth",
                b -> set(set(b, "discharges[0].patient.birthDate", TODAY.minusDays(9).toString()),
                        "discharges[0].patient.idCard", ABSENT), 400, "discharges[0].admissionDate"));
        cases.add(discharge("phone 12345", b -> set(b, "discharges[0].patient.phone", "12345"), 400,
                "discharges[0].patient.phone"));
        cases.add(discharge("ID card with wrong check character",
                b -> set(b, "discharges[0].patient.idCard", withWrongCheckCharacter(TestPayloads.idCard("11010519600307123"))),
                400, "discharges[0].patient.idCard"));
        cases.add(discharge("ID card born 30 February 1960",
                b -> set(b, "discharges[0].patient.idCard", TestPayloads.idCard("11010519600230123")), 400,
                "discharges[0].patient.idCard"));
        cases.add(discharge("ID card birth date differs from birth date",
                b -> set(b, "discharges[0].patient.idCard", TestPayloads.idCard("11010519610307123")), 400,
                "discharges[0].patient.idCard"));
        cases.add(discharge("unknown ICD-10 code Q99.99",
                b -> set(b, "discharges[0].diagnoses", new ArrayList<>(List.of("Q99.99"))), 400, "discharges[0].diagnoses"));
        cases.add(discharge("blank diagnosis code",
                b -> set(b, "discharges[0].diagnoses", new ArrayList<>(List.of("I21.0", " "))), 400, "discharges[0].diagnoses[1]"));
        cases.add(discharge("unknown procedure code",
                b -> set(b, "discharges[0].procedures", new ArrayList<>(List.of("99.999"))), 400, "discharges[0].procedures"));
        cases.add(discharge("unknown department", b -> set(b, "discharges[0].departmentCode", "XYZ"), 400,
                "discharges[0].departmentCode"));
        cases.add(discharge("unknown attending employee number", b -> set(b, "discharges[0].attendingEmployeeNo", "Z999"), 400,
                "discharges[0].attendingEmployeeNo"));
        cases.add(discharge("missing MRN", b -> set(b, "discharges[0].patient.mrn", ABSENT), 400, "discharges[0].patient.mrn"));
        cases.add(discharge("name with markup", b -> set(b, "discharges[0].patient.name", "<script>"), 400,
                "discharges[0].patient.name"));
        cases.add(discharge("null row", b -> set(b, "discharges[0]", null), 400, "discharges[0]"));
        cases.add(discharge("empty batch", b -> set(b, "discharges", new ArrayList<>()), 400, "discharges"));
        cases.add(discharge("source with a space", b -> set(b, "source", "HIS A"), 400, "source"));

        // POST /api/tasks/{id}/notes — as the nurse the task belongs to
        cases.add(raw("malformed JSON", "cardNurse1", NOTES, "{\"clientRequestId\":\"n1\" \"outcome\":\"COMPLETED\"}", 400, "(body)"));
        cases.add(note("unknown outcome", b -> set(b, "outcome", "DONE"), 400, "outcome"));
        cases.add(note("missing outcome", b -> set(b, "outcome", ABSENT), 400, "outcome"));
        cases.add(note("unknown reading code", b -> set(b, "readings[0].code", "BMI"), 400, "readings[0].code"));
        cases.add(note("reading value is a word", b -> set(b, "readings[0].value", "偏高"), 400, "readings[0].value"));
        cases.add(note("symptoms is a string, not a list", b -> set(b, "symptoms", "胸痛"), 400, "symptoms"));
        cases.add(note("unknown field", b -> set(b, "mood", "好"), 400, "mood"));
        cases.add(note("9 MB free text", b -> set(b, "freeText", TestPayloads.nineMegabytes()), 413, null));
        cases.add(note("free text over 4000 characters", b -> set(b, "freeText", "好".repeat(4001)), 400, "freeText"));
        cases.add(note("next contact today", b -> set(b, "nextContactDate", TODAY.toString()), 400, "nextContactDate"));
        cases.add(note("next contact last week", b -> set(b, "nextContactDate", TODAY.minusDays(7).toString()), 400,
                "nextContactDate"));
        cases.add(note("next contact 30 February", b -> set(b, "nextContactDate", "2027-02-30"), 400, "nextContactDate"));
        cases.add(note("next contact in three years", b -> set(b, "nextContactDate", TODAY.plusYears(3).toString()), 400,
                "nextContactDate"));
        cases.add(note("systolic pressure 1400", b -> set(b, "readings[0].value", 1400), 400, "readings[0].value"));
        cases.add(note("systolic pressure in kPa", b -> set(b, "readings[0].unit", "kPa"), 400, "readings[0].unit"));
        cases.add(note("request id with a space", b -> set(b, "clientRequestId", "n 1"), 400, "clientRequestId"));
        cases.add(note("unknown adherence", b -> set(b, "adherence", "OK"), 400, "adherence"));
        cases.add(note("unknown contact channel", b -> set(b, "contactChannel", "SMS"), 400, "contactChannel"));
        cases.add(note("call id that is not a UUID", b -> set(b, "callId", "call-1"), 400, "callId"));
        cases.add(note("call id of no call", b -> set(b, "callId", "6f1c1c52-3a57-4d8e-9d5c-1a4bb1f5a0e1"), 400, "callId"));

        // POST /api/admin/pathways
        cases.add(raw("malformed JSON", "admin", PATHWAYS, "{\"code\":\"BAD\" \"steps\":[]}", 400, "(body)"));
        cases.add(pathway("offset days is a word", b -> set(b, "steps[0].offsetDays", "三"), 400, "steps[0].offsetDays"));
        cases.add(pathway("steps is an object", b -> set(b, "steps", Map.of("offsetDays", 3)), 400, "steps"));
        cases.add(pathway("unknown channel", b -> set(b, "steps[0].channel", "SMS"), 400, "steps[0].channel"));
        cases.add(pathway("unknown role", b -> set(b, "steps[0].role", "SURGEON"), 400, "steps[0].role"));
        cases.add(pathway("unknown field", b -> set(b, "color", "red"), 400, "color"));
        cases.add(pathway("9 MB description", b -> set(b, "description", TestPayloads.nineMegabytes()), 413, null));
        cases.add(pathway("lower-case code", b -> set(b, "code", "pci_v2"), 400, "code"));
        cases.add(pathway("ICD prefix that is not ICD", b -> set(b, "icdPrefixes", new ArrayList<>(List.of("heart"))), 400,
                "icdPrefixes[0]"));
        cases.add(pathway("questionnaire step without questionnaire", b -> set(b, "steps[0].channel", "QUESTIONNAIRE"), 400,
                "steps[0].questionnaireCode"));
        cases.add(pathway("step for the admin role", b -> set(b, "steps[0].role", "ADMIN"), 400, "steps[0].role"));
        cases.add(pathway("negative offset", b -> set(b, "steps[0].offsetDays", -1), 400, "steps[0].offsetDays"));
        cases.add(pathway("no steps", b -> set(b, "steps", new ArrayList<>()), 400, "steps"));
        cases.add(pathway("the same step twice", b -> ((List<Object>) b.get("steps")).add(new LinkedHashMap<>(
                (Map<String, Object>) ((List<Object>) b.get("steps")).get(0))), 400, "steps[1]"));
        cases.add(pathway("priority 5000", b -> set(b, "priority", 5000), 400, "priority"));

        // POST /api/admin/staff
        cases.add(raw("malformed JSON", "admin", STAFF, "{\"employeeNo\":\"X100\" \"name\":\"新同事\"}", 400, "(body)"));
        cases.add(staff("roles is a string, not a list", b -> set(b, "roles", "PHYSICIAN"), 400, "roles"));
        cases.add(staff("unknown role", b -> set(b, "roles", new ArrayList<>(List.of("SURGEON"))), 400, "roles[0]"));
        cases.add(staff("name is an object", b -> set(b, "name", Map.of("zh", "新同事")), 400, "name"));
        cases.add(staff("unknown field", b -> set(b, "title", "主任"), 400, "title"));
        cases.add(staff("9 MB name", b -> set(b, "name", TestPayloads.nineMegabytes()), 413, null));
        cases.add(staff("phone 12345", b -> set(b, "phone", "12345"), 400, "phone"));
        cases.add(staff("unknown department", b -> set(b, "departmentCode", "XYZ"), 400, "departmentCode"));
        cases.add(staff("employee number with a space", b -> set(b, "employeeNo", "A 01"), 400, "employeeNo"));
        cases.add(staff("no roles", b -> set(b, "roles", new ArrayList<>()), 400, "roles"));
        cases.add(staff("employee number already taken", b -> set(b, "employeeNo", "D001"), 409, null));
        return cases.stream();
    }

    private static BadRequest raw(String name, String caller, String path, String body, int status, String field) {
        return new BadRequest(name, caller, path, () -> body, status, field);
    }

    private static BadRequest discharge(String name, Consumer<Map<String, Object>> breakIt, int status, String field) {
        return new BadRequest(name, "admin", DISCHARGES, () -> broken(dischargeBatch(dischargeRow("ZY100", "P100")), breakIt),
                status, field);
    }

    private static BadRequest note(String name, Consumer<Map<String, Object>> breakIt, int status, String field) {
        return new BadRequest(name, "cardNurse1", NOTES, () -> broken(TestPayloads.note("bad-note-1"), breakIt), status, field);
    }

    private static BadRequest pathway(String name, Consumer<Map<String, Object>> breakIt, int status, String field) {
        return new BadRequest(name, "admin", PATHWAYS, () -> broken(TestPayloads.pathway("BAD_PW"), breakIt), status, field);
    }

    private static BadRequest staff(String name, Consumer<Map<String, Object>> breakIt, int status, String field) {
        return new BadRequest(name, "admin", STAFF, () -> broken(TestPayloads.staff("X100"), breakIt), status, field);
    }

    private static String broken(Map<String, Object> body, Consumer<Map<String, Object>> breakIt) {
        breakIt.accept(body);
        return json(body);
    }

    private static String withWrongCheckCharacter(String idCard) {
        char last = idCard.charAt(17);
        return idCard.substring(0, 17) + (last == '0' ? '1' : '0');
    }

    // ------------------------------------------------------------------ fixture

    @Value("${local.server.port}")
    private int port;
    private long taskId;

    @BeforeEach
    void dischargeOnePatient() {
        importBatch(pciDischarge("ZY001", "P001", 5));
        taskId = count("""
                SELECT t.id FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id
                WHERE s.offset_days = 3 AND t.assignee_id = %d""".formatted(hospital.staff("cardNurse1")));
    }

    @AfterEach
    void waitForBackgroundImports() throws InterruptedException {
        for (int i = 0; i < 100 && count("SELECT count(*) FROM import_job WHERE status = 'RUNNING'") > 0; i++) {
            Thread.sleep(100);
        }
    }

    // ------------------------------------------------------------------ JSON endpoints

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badInput_answers4xxProblemNamingTheFieldAndWritesNothing(BadRequest bad) {
        // Setup
        Map<String, String> before = clinicalState();
        String body = bad.body().get();

        // Act
        EntityExchangeResult<byte[]> result = web.post().uri(bad.path().replace("{task}", Long.toString(taskId)))
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token(bad.caller()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectBody().returnResult();

        // Verify
        assertThat(result.getStatus().value()).as("%s → %s", bad, abbreviated(result)).isEqualTo(bad.status());
        Map<String, Object> problem = assertStableProblem(result);
        if (bad.field() != null) {
            assertThat(fields(problem)).as("errors[].field of %s", abbreviated(result)).contains(bad.field());
        }
        assertThat(clinicalState()).as("nothing written").isEqualTo(before);
    }

    /** The control for the table: each body is accepted as it is, so every bad case fails for its one break only. */
    static Stream<Arguments> unbrokenBodies() {
        return Stream.of(
                Arguments.of(DISCHARGES, "admin", json(dischargeBatch(dischargeRow("ZY100", "P100"))), 200),
                Arguments.of(NOTES, "cardNurse1", json(TestPayloads.note("bad-note-1")), 201),
                Arguments.of(PATHWAYS, "admin", json(TestPayloads.pathway("BAD_PW")), 201),
                Arguments.of(STAFF, "admin", json(TestPayloads.staff("X100")), 201));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unbrokenBodies")
    void unbrokenBody_isAccepted(String path, String caller, String body, int status) {
        // Act
        EntityExchangeResult<byte[]> result = web.post().uri(path.replace("{task}", Long.toString(taskId)))
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token(caller))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectBody().returnResult();

        // Verify
        assertThat(result.getStatus().value()).as(bodyText(result)).isEqualTo(status);
    }

    /** Query parameters out of their declared range are a 400 problem naming the parameter, not a 500. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({
            "/api/workbench/tasks?limit=0, limit",
            "/api/workbench/tasks?limit=1000, limit",
            "/api/workbench/tasks?view=NOPE, view",
            "/api/auth/wecom/authorize-url?state=x, state",
            "/api/auth/wecom/authorize-url?state=abcdefgh!x, state"})
    void queryParameterOutOfRange_answers400NamingIt(String uri, String field) {
        @SuppressWarnings("unchecked")
        Map<String, Object> problem = web.get().uri(uri)
                .header("Authorization", "Bearer " + token("cardNurse1")).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat((String) problem.get("code")).matches("SF-\\d{4}");
        assertThat((List<Map<String, Object>>) problem.get("errors")).extracting(e -> e.get("field")).contains(field);
    }

    @Test
    void allInvalidBatch_answers400ListingEachBadFieldOfEachRowSeparately() {
        // Setup: row 1 has a bad phone; row 2 has its dates the wrong way round AND a bad ID-card number
        var badPhone = set(dischargeRow("ZY100", "P100"), "patient.phone", "12345");
        var twoProblems = set(set(dischargeRow("ZY101", "P101"), "dischargeDate", TODAY.minusDays(11).toString()),
                "patient.idCard", withWrongCheckCharacter(TestPayloads.idCard("11010519600307123")));
        Map<String, String> before = clinicalState();

        // Act
        EntityExchangeResult<byte[]> result = post("admin", DISCHARGES, dischargeBatch(badPhone, twoProblems))
                .exchange().expectBody().returnResult();

        // Verify
        assertThat(result.getStatus().value()).as(bodyText(result)).isEqualTo(400);
        assertThat(fields(assertStableProblem(result))).containsExactlyInAnyOrder(
                "discharges[0].patient.phone", "discharges[1].dischargeDate", "discharges[1].patient.idCard");
        assertThat(clinicalState()).isEqualTo(before);
    }

    @Test
    @SuppressWarnings("unchecked")
    void mixedBatch_answers200KeepingTheValidRowAndReportingTheInvalidOneByRowAndField() {
        // Setup
        var good = dischargeRow("ZY100", "P100");
        var bad = set(dischargeRow("ZY101", "P101"), "patient.phone", "12345");
        long patients = count("SELECT count(*) FROM patient");

        // Act
        Map<String, Object> report = post("admin", DISCHARGES, dischargeBatch(good, bad))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        // Verify
        assertThat(report).containsEntry("created", 1).containsEntry("failed", 1);
        assertThat((List<Map<String, Object>>) report.get("errors")).singleElement().satisfies(e -> assertThat(e)
                .containsEntry("row", 2).containsEntry("encounterId", "ZY101").containsEntry("field", "patient.phone"));
        assertThat(count("SELECT count(*) FROM patient")).isEqualTo(patients + 1);
        assertThat(count("SELECT count(*) FROM patient WHERE mrn = 'P101'")).isZero();
        assertThat(count("SELECT count(*) FROM encounter WHERE source_encounter_id = 'ZY101'")).isZero();
    }

    // ------------------------------------------------------------------ codes that must be accepted

    static Stream<Arguments> clinicalVersionDiagnosisCodes() {
        return Stream.of(
                Arguments.of("I21.000x001", "I21.000x001"),   // 国家临床版 2.0 extension of I21.0
                Arguments.of("I21.000X001", "I21.000x001"),   // same, extension marker typed upper-case
                Arguments.of("E11.900", "E11.900"),           // 6-character subcategory of E11.9
                Arguments.of("I10.x00x002", "I10.x00x002"));  // 3-character category I10 with the .x00 placeholder
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clinicalVersionDiagnosisCodes")
    void clinicalVersionDiagnosisCodeWhoseBaseExists_isAccepted(String sent, String stored) {
        // Setup
        var row = set(dischargeRow("ZY100", "P100"), "diagnoses", new ArrayList<>(List.of("I21.0", sent)));

        // Act
        EntityExchangeResult<byte[]> result = post("admin", DISCHARGES, dischargeBatch(row)).exchange().expectBody().returnResult();

        // Verify
        assertThat(result.getStatus().value()).as(bodyText(result)).isEqualTo(200);
        assertThat(JSON.readValue(result.getResponseBody(), Map.class)).containsEntry("created", 1).containsEntry("failed", 0);
        assertThat(db.sql("SELECT diagnoses FROM encounter WHERE source_encounter_id = 'ZY100'")
                .map(r -> r.get(0, String[].class)).one().block()).containsExactly("I21.0", stored);
    }

    @Test
    void clinicalVersionProcedureCode_isAcceptedAndStartsThePathwayOfItsBaseCode() {
        // Setup: 36.0700x001 is a 手术操作分类代码国家临床版 3.0 extension of 36.07 (drug-eluting stent), see V2 migration
        var row = set(dischargeRow("ZY100", "P100"), "procedures", new ArrayList<>(List.of("36.0700x001")));
        set(row, "diagnoses", new ArrayList<>(List.of("I25.1")));

        // Act
        EntityExchangeResult<byte[]> result = post("admin", DISCHARGES, dischargeBatch(row)).exchange().expectBody().returnResult();

        // Verify
        assertThat(result.getStatus().value()).as(bodyText(result)).isEqualTo(200);
        assertThat(JSON.readValue(result.getResponseBody(), Map.class)).containsEntry("created", 1);
        assertThat(db.sql("""
                        SELECT p.code FROM care_plan cp JOIN pathway p ON p.id = cp.pathway_id
                        JOIN encounter e ON e.id = cp.encounter_id WHERE e.source_encounter_id = 'ZY100'""")
                .map(r -> r.get(0, String.class)).one().block()).isEqualTo("PCI");
    }

    // ------------------------------------------------------------------ CSV

    static final String CSV_HEADER = "encounter_id,mrn,name,gender,birth_date,phone,department_code,admission_date,"
            + "discharge_date,diagnoses,procedures\n";
    static final String CSV_GOOD = "ZY100,P100,李四,男,1960-03-07,13812345678,CARD,2026-11-13,2026-11-18,I21.0,36.07\n";

    static Stream<Arguments> csvRefusedWhole() {
        return Stream.of(
                Arguments.of("no discharge_date column", "text/csv",
                        ("encounter_id,mrn,name,gender,department_code,admission_date,diagnoses\n"
                                + "ZY100,P100,李四,男,CARD,2026-11-13,I21.0\n").getBytes(StandardCharsets.UTF_8),
                        400, "SF-1511", "discharge_date"),
                Arguments.of("no header row", "text/csv", CSV_GOOD.getBytes(StandardCharsets.UTF_8), 400, "SF-1511", "encounter_id"),
                Arguments.of("empty file", "text/csv", new byte[0], 400, "SF-1514", null),
                Arguments.of("header only", "text/csv", CSV_HEADER.getBytes(StandardCharsets.UTF_8), 400, "SF-1515", null),
                Arguments.of("unterminated quote", "text/csv",
                        (CSV_HEADER + "ZY100,P100,\"李四,男,1960-03-07,13812345678,CARD,2026-11-13,2026-11-18,I21.0,36.07\n")
                                .getBytes(StandardCharsets.UTF_8), 400, "SF-1512", null),
                Arguments.of("JSON sent to the CSV endpoint", "application/json",
                        "{\"discharges\":[]}".getBytes(StandardCharsets.UTF_8), 415, "SF-1006", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("csvRefusedWhole")
    void csvThatCannotBeRead_isRefusedWholeWith4xxProblemAndStartsNoJob(String name, String contentType, byte[] body,
                                                                        int status, String code, String field) {
        // Setup
        Map<String, String> before = clinicalState();
        long jobs = count("SELECT count(*) FROM import_job");

        // Act
        EntityExchangeResult<byte[]> result = csv(contentType, body);

        // Verify
        assertThat(result.getStatus().value()).as(bodyText(result)).isEqualTo(status);
        Map<String, Object> problem = assertStableProblem(result);
        if (code != null) {
            assertThat(problem).containsEntry("code", code);
        }
        if (field != null) {
            assertThat(fields(problem)).contains(field);
        }
        assertThat(clinicalState()).isEqualTo(before);
        assertThat(count("SELECT count(*) FROM import_job")).isEqualTo(jobs);
    }

    @Test
    @SuppressWarnings("unchecked")
    void csvDeclaringACharsetNobodyKnows_answers415ProblemAndStartsNoJob() throws Exception {
        // Setup: sent with a plain HTTP client, because WebTestClient itself refuses to build this content type
        long jobs = count("SELECT count(*) FROM import_job");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + CSV))
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token("admin"))
                .header(HttpHeaders.CONTENT_TYPE, "text/csv;charset=X-NO-SUCH-CHARSET")
                .POST(HttpRequest.BodyPublishers.ofString(CSV_HEADER + CSV_GOOD)).build();

        // Act
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        // Verify
        assertThat(response.statusCode()).as(response.body()).isEqualTo(415);
        assertThat(response.headers().firstValue(HttpHeaders.CONTENT_TYPE)).hasValueSatisfying(
                type -> assertThat(MediaType.parseMediaType(type).isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue());
        assertThat((String) JSON.readValue(response.body(), Map.class).get("code")).matches("SF-\\d{4}");
        assertThat(count("SELECT count(*) FROM import_job")).isEqualTo(jobs);
    }

    @Test
    @SuppressWarnings("unchecked")
    void csvWithBadRow_importsGoodRowsAndReportsTheBadOneByLineNumber() {
        // Setup: line 1 header, line 2 good, line 3 has 30 February as its admission date
        String file = CSV_HEADER + CSV_GOOD
                + "ZY101,P101,王五,女,1958-07-21,13912345678,CARD,2026-02-30,2026-11-18,I21.0,36.07\n";

        // Act
        Map<String, Object> accepted = accepted(csv("text/csv", file.getBytes(StandardCharsets.UTF_8)));
        Map<String, Object> report = awaitJob(((Number) accepted.get("jobId")).longValue());

        // Verify
        assertThat(report).containsEntry("status", "COMPLETED").containsEntry("total", 2)
                .containsEntry("created", 1).containsEntry("failed", 1);
        assertThat((List<Map<String, Object>>) report.get("errors")).singleElement().satisfies(e -> assertThat(e)
                .containsEntry("row", 3).containsEntry("encounterId", "ZY101").containsEntry("field", "admission_date"));
        assertThat(count("SELECT count(*) FROM encounter WHERE source_encounter_id = 'ZY100'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM patient WHERE mrn = 'P101'")).isZero();
    }

    @Test
    @SuppressWarnings("unchecked")
    void csvBadRowAfterABlankLine_isReportedByItsLineInTheFile() {
        // Setup: line 1 header, line 2 good, line 3 blank, line 4 has an invalid phone
        String file = CSV_HEADER + CSV_GOOD + "\n"
                + "ZY101,P101,王五,女,1958-07-21,12345,CARD,2026-11-13,2026-11-18,I21.0,36.07\n";

        // Act
        Map<String, Object> report = awaitJob(((Number) accepted(csv("text/csv", file.getBytes(StandardCharsets.UTF_8)))
                .get("jobId")).longValue());

        // Verify
        assertThat((List<Map<String, Object>>) report.get("errors")).singleElement().satisfies(e -> assertThat(e)
                .containsEntry("encounterId", "ZY101").containsEntry("row", 4));
    }

    @Test
    void csvWhereEveryRowIsInvalid_completesWithAllRowsFailedAndWritesNothing() {
        // Setup
        String file = CSV_HEADER
                + "ZY100,P100,李四,男,1960-03-07,12345,CARD,2026-11-13,2026-11-18,I21.0,36.07\n"
                + "ZY101,P101,王五,女,1958-07-21,13912345678,CARD,2026-11-13,2026-11-18,Q99.99,\n";
        Map<String, String> before = clinicalState();

        // Act
        Map<String, Object> report = awaitJob(((Number) accepted(csv("text/csv", file.getBytes(StandardCharsets.UTF_8)))
                .get("jobId")).longValue());

        // Verify
        assertThat(report).containsEntry("status", "COMPLETED").containsEntry("failed", 2).containsEntry("created", 0);
        assertThat(clinicalState()).isEqualTo(before);
    }

    @Test
    void gbkCsvWithChineseHeaders_importsWithNamesIntact() {
        // Setup: how a HIS on Windows exports it — GBK, Chinese column names, 男/女, slashes in dates
        String file = "住院号,病案号,姓名,性别,出生日期,联系电话,身份证号,科室编码,入院日期,出院日期,出院诊断编码,手术操作编码\r\n"
                + "ZY200,P200,欧阳建国,男,1960/3/7,13812345678," + TestPayloads.idCard("11010519600307123")
                + ",CARD,2026/11/13,2026/11/18,I21.000x001;I10,36.07\r\n";
        byte[] gbk = file.getBytes(Charset.forName("GBK"));
        assertThat(new String(gbk, StandardCharsets.UTF_8)).doesNotContain("欧阳建国");

        // Act
        Map<String, Object> accepted = accepted(csv("text/csv;charset=GBK", gbk));
        Map<String, Object> report = awaitJob(((Number) accepted.get("jobId")).longValue());

        // Verify
        assertThat(report).as(report.toString()).containsEntry("status", "COMPLETED").containsEntry("created", 1)
                .containsEntry("failed", 0);
        var patient = db.sql("SELECT name, gender, birth_date FROM patient WHERE mrn = 'P200'")
                .map(r -> r.get("name", String.class) + "|" + r.get("gender", String.class) + "|" + r.get("birth_date"))
                .one().block();
        assertThat(patient).isEqualTo("欧阳建国|MALE|1960-03-07");
        assertThat(db.sql("SELECT diagnoses FROM encounter WHERE source_encounter_id = 'ZY200'")
                .map(r -> r.get(0, String[].class)).one().block()).containsExactly("I21.000x001", "I10");
    }

    // ------------------------------------------------------------------ helpers

    private EntityExchangeResult<byte[]> csv(String contentType, byte[] body) {
        return web.post().uri(CSV).header(HttpHeaders.AUTHORIZATION, "Bearer " + token("admin"))
                .contentType(MediaType.parseMediaType(contentType)).bodyValue(body)
                .exchange().expectBody().returnResult();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> accepted(EntityExchangeResult<byte[]> result) {
        assertThat(result.getStatus().value()).as(bodyText(result)).isEqualTo(202);
        Map<String, Object> report = JSON.readValue(result.getResponseBody(), Map.class);
        assertThat(result.getResponseHeaders().getLocation()).hasToString("/api/admin/import-jobs/" + report.get("jobId"));
        return report;
    }

    /** Polls the job (at most about 10 s) until it is no longer RUNNING and returns its report. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> awaitJob(long jobId) {
        Map<String, Object> report = Map.of();
        for (int i = 0; i < 100; i++) {
            report = get("admin", "/api/admin/import-jobs/{id}", jobId).exchange().expectStatus().isOk()
                    .expectBody(Map.class).returnResult().getResponseBody();
            if (!"RUNNING".equals(report.get("status"))) {
                return report;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("import job " + jobId + " still RUNNING after 10 s: " + report);
    }

    /** A 4xx (never 5xx) problem+json with a stable SF- code. */
    private static Map<String, Object> assertStableProblem(EntityExchangeResult<byte[]> result) {
        int status = result.getStatus().value();
        assertThat(status).as(abbreviated(result)).isBetween(400, 499);
        Map<String, Object> problem = assertProblem(result, status, codeOf(result));
        assertThat((String) problem.get("code")).matches("SF-\\d{4}");
        assertThat(bodyText(result)).doesNotContain("Exception", "at cn.suifang", "SQL");
        return problem;
    }

    @SuppressWarnings("unchecked")
    private static String codeOf(EntityExchangeResult<byte[]> result) {
        try {
            return String.valueOf(JSON.readValue(result.getResponseBody(), Map.class).get("code"));
        } catch (RuntimeException e) {
            return "(body is not JSON)";
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> fields(Map<String, Object> problem) {
        Object errors = problem.get("errors");
        return errors == null ? List.of()
                : ((List<Map<String, Object>>) errors).stream().map(e -> String.valueOf(e.get("field"))).toList();
    }

    private static String abbreviated(EntityExchangeResult<byte[]> result) {
        String body = bodyText(result);
        return result.getStatus() + " " + (body.length() > 600 ? body.substring(0, 600) + "…" : body);
    }

    /** Row counts of the clinical and configuration tables, plus every task's state. */
    private Map<String, String> clinicalState() {
        Map<String, String> state = new LinkedHashMap<>();
        for (String table : List.of("patient", "encounter", "care_plan", "follow_up_task", "follow_up_note", "observation",
                "staff", "pathway", "pathway_step")) {
            state.put(table, Long.toString(count("SELECT count(*) FROM " + table)));
        }
        state.put("tasks", db.sql("""
                        SELECT COALESCE(string_agg(id || ':' || status || ':' || attempts || ':' || due_date, ',' ORDER BY id), '')
                        FROM follow_up_task""").map(r -> r.get(0, String.class)).one().block());
        state.put("notes audited", Long.toString(count("SELECT count(*) FROM audit_event WHERE action = 'NOTE_CREATE'")));
        return state;
    }
}
