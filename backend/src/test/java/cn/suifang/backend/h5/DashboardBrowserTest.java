package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The department head's month on a phone, in a real browser: the numbers, the list behind one of them, and the
 * number moving once a doctor has written the missing note. Screenshots go to target/screenshots-dashboard/.
 */
class DashboardBrowserTest extends IntegrationTest {

    private static final Path SCREENSHOTS = Path.of("target/screenshots-dashboard");

    @LocalServerPort
    private int port;

    private long phoneTask(String mrn) {
        return count("SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id WHERE p.mrn = '" + mrn
                + "' AND t.channel = 'PHONE' ORDER BY t.id LIMIT 1");
    }

    @Test
    void headSeesTheMonth_drillsIntoTheMissedFollowUp_andSeesTheNumberMoveAfterTheNote() throws Exception {
        // Setup: two cardiology discharges this month; A's first follow-up was done on time, B's is overdue
        importBatch(pciDischarge("ZY-A", "PA", 10), pciDischarge("ZY-B", "PB", 10));
        db.sql("UPDATE follow_up_task SET due_date = CAST(:later AS DATE), window_end = CAST(:later AS DATE) + 5")
                .bind("later", clock.today().plusMonths(1).withDayOfMonth(20)).then().block();
        long a = phoneTask("PA");
        long b = phoneTask("PB");
        db.sql("""
                        UPDATE follow_up_task SET due_date = CAST(:due AS DATE), window_end = CAST(:end AS DATE),
                            status = CASE WHEN id = :a THEN 'COMPLETED' ELSE 'PENDING' END,
                            completed_at = CASE WHEN id = :a THEN CAST(:done AS TIMESTAMPTZ) END
                        WHERE id IN (:a, :b)""")
                .bind("due", clock.today().minusDays(7)).bind("end", clock.today().minusDays(5))
                .bind("done", clock.today().minusDays(6) + "T10:00:00+08:00").bind("a", a).bind("b", b)
                .then().block();

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            // Act: the head signs in and opens the dashboard from the list
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + hospital.staff("cardHead") + "]"));
            phone.tap(By.cssSelector("[data-testid=open-dashboard]"));

            // Verify: the month's numbers, each with its fraction
            phone.waitText(By.cssSelector("[data-testid=metric-ON_TIME]"), "50.0%");
            assertThat(phone.visible(By.cssSelector("[data-testid=metric-ON_TIME]")).getText()).contains("1 / 2");
            phone.waitText(By.cssSelector("[data-testid=metric-COVERAGE]"), "50.0%");
            assertThat(phone.bodyText()).contains("随访质量 · 心血管内科", "按时完成率", "接通率", "预警处理及时率");
            phone.screenshot(SCREENSHOTS.resolve("11-dashboard.png"));

            // the same numbers as a spreadsheet: the export is served (and audited) without leaving the page
            long readsBefore = count("SELECT count(*) FROM audit_event WHERE action = 'DASHBOARD_READ'");
            phone.tap(By.cssSelector("[data-testid=export]"));
            phone.waitUntil(() -> count("SELECT count(*) FROM audit_event WHERE action = 'DASHBOARD_READ'") > readsBefore,
                    "the CSV export to be served");

            // the list behind the missed on-time follow-ups: B, masked
            phone.tap(By.cssSelector("[data-testid=drill-ON_TIME]"));
            phone.waitText(By.cssSelector("[data-testid=item-" + b + "]"), "张*");
            assertThat(phone.bodyText()).contains("按时完成率名单", "共 1 条").doesNotContain("13812345678");
            phone.screenshot(SCREENSHOTS.resolve("12-dashboard-items.png"));

            // a nurse reaches B and writes the note: coverage reaches 100 % for the month
            post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "late-b", "outcome", "COMPLETED"), b)
                    .exchange().expectStatus().isCreated();
            phone.go("/app/#/dashboard");
            phone.waitText(By.cssSelector("[data-testid=metric-COVERAGE]"), "100.0%");
            assertThat(phone.visible(By.cssSelector("[data-testid=metric-COVERAGE]")).getText()).contains("2 / 2");
        }
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'DASHBOARD_DRILLDOWN'")).isEqualTo(1);
    }
}
