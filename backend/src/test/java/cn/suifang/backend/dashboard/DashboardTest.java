package cn.suifang.backend.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.backend.support.TestCalls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/**
 * The head's numbers on a month built by hand (test day 2026-11-23): every metric's numerator and denominator is
 * known, so a wrong join, a wrong period or a leak across departments shows as a wrong count.
 * <p>
 * Cardiology: patients A and B discharged 12 days ago, C discharged without consent to follow-up. A's phone
 * follow-up was done on time, B's is overdue, A's questionnaire went unanswered past its window; five calls by two
 * doctors; three alerts on A. Endocrinology: patient E, follow-up done on time.
 */
class DashboardTest extends IntegrationTest {

    private long taskA;
    private long questionnaireA;
    private long taskB;
    private long taskE;

    @BeforeEach
    void month() {
        DischargeRecord a = pciDischarge("ZY-A", "PA", 12);
        DischargeRecord b = pciDischarge("ZY-B", "PB", 12);
        DischargeRecord c = withConsent(pciDischarge("ZY-C", "PC", 12), false);
        DischargeRecord e = withDiagnoses(pciDischarge("ZY-E", "PE", 12), "ENDO", List.of("E11.9"), List.of());
        importBatch(a, b, c, e);
        // everything next month unless picked below
        db.sql("UPDATE follow_up_task SET due_date = '2026-12-20', window_end = '2026-12-25'").then().block();
        taskA = task("PA", "PHONE");
        questionnaireA = task("PA", "QUESTIONNAIRE");
        taskB = task("PB", "PHONE");
        taskE = task("PE", "PHONE");
        schedule(taskA, "2026-11-14", "2026-11-16", "COMPLETED", "2026-11-15T09:00:00+08:00");
        schedule(questionnaireA, "2026-11-18", "2026-11-21", "PENDING", null);
        schedule(taskB, "2026-11-14", "2026-11-16", "PENDING", null);
        schedule(taskE, "2026-11-14", "2026-11-16", "COMPLETED", "2026-11-16T20:00:00+08:00");

        OffsetDateTime now = OffsetDateTime.now(clock);
        long cardDoc = hospital.staff("cardDoc");
        long cardDoc2 = hospital.staff("cardDoc2");
        TestCalls.insert(db, taskA, cardDoc, "ENDED", "CONNECTED", true, 120, null, now.minusDays(8));
        TestCalls.insert(db, taskA, cardDoc, "ENDED", "CONNECTED", true, 60, null, now.minusDays(8));
        TestCalls.insert(db, taskA, cardDoc, "ENDED", "PATIENT_NO_ANSWER", false, 0, null, now.minusDays(9));
        TestCalls.insert(db, taskA, cardDoc, "ENDED", "DOCTOR_NO_ANSWER", false, null, null, now.minusDays(9));
        TestCalls.insert(db, taskB, cardDoc2, "ENDED", "BUSY", false, 0, null, now.minusDays(7));
        TestCalls.insert(db, taskB, cardDoc2, "ENDED", "CONNECTED", true, 300, null, now.minusMonths(1));

        alert("PA", 3, now.minusHours(3), now.minusHours(2));   // red, handled in 1 h: on time
        alert("PA", 3, now.minusHours(5), null);                // red, 5 h and still open: late
        alert("PA", 1, now.minusHours(1), null);                // yellow, still within 72 h: not yet counted
    }

    private static DischargeRecord withConsent(DischargeRecord r, boolean consent) {
        var p = r.patient();
        return new DischargeRecord(r.encounterId(), new DischargeRecord.PatientData(p.mrn(), p.name(), p.gender(),
                p.birthDate(), p.phone(), p.idCard(), consent, p.consentRecording()), r.departmentCode(),
                r.attendingEmployeeNo(), r.admissionDate(), r.dischargeDate(), r.diagnoses(), r.procedures(),
                r.dischargeSummary(), r.dischargeInstructions(), r.medications());
    }

    private long task(String mrn, String channel) {
        return count("SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id WHERE p.mrn = '" + mrn
                + "' AND t.channel = '" + channel + "' ORDER BY t.id LIMIT 1");
    }

    private void schedule(long task, String due, String windowEnd, String status, String completedAt) {
        db.sql("UPDATE follow_up_task SET due_date = CAST(:due AS DATE), window_end = CAST(:end AS DATE), status = :st, "
                        + "completed_at = CAST(:done AS TIMESTAMPTZ) WHERE id = :id")
                .bind("due", due).bind("end", windowEnd).bind("st", status)
                .bind("done", completedAt == null ? "infinity" : completedAt).bind("id", task)
                .then().block();
        if (completedAt == null) {
            db.sql("UPDATE follow_up_task SET completed_at = NULL WHERE id = :id").bind("id", task).then().block();
        }
    }

    private void alert(String mrn, int level, OffsetDateTime raised, OffsetDateTime resolved) {
        db.sql("""
                        INSERT INTO alert (patient_id, level, title, status, raised_at, resolved_at)
                        SELECT id, :level, '血压偏高', CASE WHEN :resolved THEN 'RESOLVED' ELSE 'OPEN' END, :raised,
                               CASE WHEN :resolved THEN :at END
                        FROM patient WHERE mrn = :mrn""")
                .bind("level", level).bind("raised", raised).bind("resolved", resolved != null)
                .bind("at", resolved == null ? raised : resolved).bind("mrn", mrn)
                .then().block();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> json(String staff, String uri, Object... vars) {
        return get(staff, uri, vars).exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metric(List<?> metrics, String name) {
        return (Map<String, Object>) metrics.stream().filter(m -> name.equals(((Map<String, Object>) m).get("metric")))
                .findFirst().orElseThrow();
    }

    private static void assertMetric(List<?> metrics, String name, long numerator, long denominator, Double value) {
        assertThat(metric(metrics, name)).as(name).containsEntry("numerator", (int) numerator)
                .containsEntry("denominator", (int) denominator).containsEntry("value", value);
    }

    @Test
    @SuppressWarnings("unchecked")
    void cardiologyHead_seesTheDepartmentsMonthWithEveryNumeratorAndDenominator() {
        Map<String, Object> summary = json("cardHead", "/api/dashboard/summary?month=2026-11");

        assertThat(summary).containsEntry("month", "2026-11");
        assertThat((Map<String, Object>) summary.get("scope")).containsEntry("departmentName", "心血管内科");
        List<?> m = (List<?>) summary.get("metrics");
        assertMetric(m, "COVERAGE", 1, 2, 0.5);
        assertMetric(m, "ON_TIME", 1, 2, 0.5);
        assertMetric(m, "CONNECT_RATE", 2, 4, 0.5);
        assertMetric(m, "AVG_TALK_SECONDS", 180, 2, 90.0);
        assertMetric(m, "ALERT_SLA", 1, 2, 0.5);
        assertMetric(m, "QUESTIONNAIRE_RESPONSE", 0, 1, 0.0);
        assertThat(metric(m, "CONNECT_RATE")).containsEntry("label", "接通率").containsEntry("unit", "RATIO");
    }

    @Test
    void trend_coversSixMonthsEndingWithTheChosenOne() {
        List<?> trend = (List<?>) json("cardHead", "/api/dashboard/summary?month=2026-11").get("trend");

        assertThat(trend.stream().map(r -> (String) ((Map<?, ?>) r).get("key")).toList())
                .containsExactly("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11");
        List<?> october = (List<?>) ((Map<?, ?>) trend.get(4)).get("metrics");
        assertMetric(october, "CONNECT_RATE", 1, 1, 1.0);
        assertMetric(october, "ON_TIME", 0, 0, null);
    }

    @Test
    void endocrinologyHead_seesOnlyTheirDepartment_adminSeesTheHospital() {
        List<?> endo = (List<?>) json("endoHead", "/api/dashboard/summary?month=2026-11").get("metrics");
        assertMetric(endo, "COVERAGE", 1, 1, 1.0);
        assertMetric(endo, "ON_TIME", 1, 1, 1.0);
        assertMetric(endo, "CONNECT_RATE", 0, 0, null);

        List<?> hospitalWide = (List<?>) json("admin", "/api/dashboard/summary?month=2026-11").get("metrics");
        assertMetric(hospitalWide, "ON_TIME", 2, 3, 0.6667);
        assertMetric(hospitalWide, "COVERAGE", 2, 3, 0.6667);

        long endoId = count("SELECT id FROM department WHERE code = 'ENDO'");
        List<?> adminOnEndo = (List<?>) json("admin", "/api/dashboard/summary?month=2026-11&departmentId=" + endoId)
                .get("metrics");
        assertMetric(adminOnEndo, "ON_TIME", 1, 1, 1.0);
    }

    @Test
    void headAskingForAnotherDepartment_isRefused() {
        long endoId = count("SELECT id FROM department WHERE code = 'ENDO'");
        get("cardHead", "/api/dashboard/summary?departmentId=" + endoId).exchange()
                .expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-2103");
    }

    @Test
    @SuppressWarnings("unchecked")
    void breakdownByStaff_attributesCallsToTheCallerAndAddsUpToTheTotal() {
        Map<String, Object> breakdown = json("cardHead", "/api/dashboard/breakdown?month=2026-11&by=STAFF");

        List<Map<String, Object>> rows = (List<Map<String, Object>>) breakdown.get("rows");
        Map<String, Object> doc = rows.stream().filter(r -> r.get("key").equals(Long.toString(hospital.staff("cardDoc"))))
                .findFirst().orElseThrow();
        Map<String, Object> doc2 = rows.stream().filter(r -> r.get("key").equals(Long.toString(hospital.staff("cardDoc2"))))
                .findFirst().orElseThrow();
        assertMetric((List<?>) doc.get("metrics"), "CONNECT_RATE", 2, 3, 0.6667);
        assertMetric((List<?>) doc2.get("metrics"), "CONNECT_RATE", 0, 1, 0.0);
        long onTimeDenominators = rows.stream()
                .mapToLong(r -> ((Number) metric((List<?>) r.get("metrics"), "ON_TIME").get("denominator")).longValue()).sum();
        assertThat(onTimeDenominators).isEqualTo(2);
    }

    @Test
    @SuppressWarnings("unchecked")
    void breakdownByPathway_namesThePathway() {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) json("cardHead",
                "/api/dashboard/breakdown?month=2026-11&by=PATHWAY").get("rows");

        assertThat(rows).extracting(r -> r.get("key")).contains("PCI");
        Map<String, Object> pci = rows.stream().filter(r -> "PCI".equals(r.get("key"))).findFirst().orElseThrow();
        assertThat(pci.get("label")).isEqualTo("经皮冠状动脉介入术后随访");
        assertMetric((List<?>) pci.get("metrics"), "ON_TIME", 1, 2, 0.5);
    }

    @Test
    @SuppressWarnings("unchecked")
    void drilldown_listsTheMissedItemsBehindTheNumber_maskedAndAudited() {
        Map<String, Object> missed = json("cardHead", "/api/dashboard/items?month=2026-11&metric=ON_TIME&part=MISSED");

        List<Map<String, Object>> items = (List<Map<String, Object>>) missed.get("items");
        assertThat(items).extracting(i -> i.get("ref")).containsExactly(Long.toString(taskB));
        assertThat(items.get(0)).containsEntry("patientName", "张*").containsEntry("phoneMasked", "138****5678")
                .containsEntry("status", "PENDING");
        assertThat(missed).containsEntry("total", 1).containsEntry("nextCursor", null);
        assertThat(missed.toString()).doesNotContain("13812345678").doesNotContain("张三");
        long patientB = count("SELECT id FROM patient WHERE mrn = 'PB'");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'DASHBOARD_DRILLDOWN' AND " + patientB
                + " = ANY (patient_ids) AND actor_id = " + hospital.staff("cardHead"))).isEqualTo(1);
    }

    @Test
    void drilldown_byStaffMatchesTheBreakdownRow_andPagesWithTheCursor() {
        String staff = Long.toString(hospital.staff("cardDoc"));
        Map<String, Object> first = json("cardHead",
                "/api/dashboard/items?month=2026-11&metric=CONNECT_RATE&staffId=" + staff + "&limit=2");
        assertThat(first).containsEntry("total", 3).containsEntry("nextCursor", "2");
        assertThat((List<?>) first.get("items")).hasSize(2);

        Map<String, Object> second = json("cardHead",
                "/api/dashboard/items?month=2026-11&metric=CONNECT_RATE&staffId=" + staff + "&limit=2&cursor=2");
        assertThat((List<?>) second.get("items")).hasSize(1);
        assertThat(second).containsEntry("nextCursor", null);
    }

    @Test
    void adminGetsNumbersButNotThePatientLists() {
        get("admin", "/api/dashboard/items?metric=ON_TIME").exchange()
                .expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("SF-2102");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'DASHBOARD_DRILLDOWN'")).isZero();
    }

    @Test
    void csvExport_opensInExcelWithChineseHeadersAndTheSameNumbers() {
        var result = get("cardHead", "/api/dashboard/export?month=2026-11&by=PATHWAY").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith("text/csv")
                .expectBody(byte[].class).returnResult();

        String csv = new String(result.getResponseBody(), StandardCharsets.UTF_8);
        assertThat(csv).startsWith("\uFEFF随访路径,随访覆盖率(%),随访覆盖率-分子,随访覆盖率-分母,按时完成率(%)");
        assertThat(csv).contains("经皮冠状动脉介入术后随访,50.0,1,2,50.0,1,2,50.0,2,4,90.0,180,2");
        assertThat(result.getResponseHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION))
                .startsWith("attachment; filename*=UTF-8''").contains("2026-11");
    }

    @Test
    void badMonthOrPart_isRefusedNamingTheField() {
        get("cardHead", "/api/dashboard/summary?month=2026-13").exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2106").jsonPath("$.errors[0].field").isEqualTo("month");
        get("cardHead", "/api/dashboard/summary?month=2026-12").exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2107");
        get("cardHead", "/api/dashboard/items?metric=AVG_TALK_SECONDS&part=MISSED").exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2105");
        get("cardHead", "/api/dashboard/items?metric=SPEED").exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("metric");
        get("cardHead", "/api/dashboard/items?metric=ON_TIME&cursor=-3").exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2108");
    }

    @Test
    void currentMonth_countsAnOpenTaskOnlyOnceItsWindowHasPassed() {
        LocalDate today = clock.today();
        schedule(taskB, today.minusDays(1).toString(), today.plusDays(1).toString(), "PENDING", null);

        List<?> m = (List<?>) json("cardHead", "/api/dashboard/summary").get("metrics");

        assertMetric(m, "ON_TIME", 1, 1, 1.0);
        clock.advance(Duration.ofDays(2));
        assertMetric((List<?>) json("cardHead", "/api/dashboard/summary").get("metrics"), "ON_TIME", 1, 2, 0.5);
    }
}
