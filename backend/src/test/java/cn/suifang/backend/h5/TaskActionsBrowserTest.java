package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A coordinator's other taps, in a real browser: giving an unreachable patient another try from the worklist,
 * printing the health report from the brief, and handing a task to a colleague.
 */
class TaskActionsBrowserTest extends IntegrationTest {

    private static final Path SCREENSHOTS = Path.of("target/screenshots-actions");

    @LocalServerPort
    private int port;

    private static By tab(String title) {
        return By.xpath("//*[@role='tab' and normalize-space()='" + title + "']");
    }

    @Test
    void unreachablePatientGetsASecondTry_reportIsPrinted_taskIsHandedOver() throws Exception {
        // Setup: two cardiology patients for the coordinator; A's phone follow-up closed as unreachable yesterday
        importBatch(pciDischarge("ZY-A", "PA", 4), pciDischarge("ZY-B", "PB", 4));
        long a = count("SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id WHERE p.mrn = 'PA' "
                + "AND t.channel = 'PHONE' ORDER BY t.id LIMIT 1");
        long b = count("SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id WHERE p.mrn = 'PB' "
                + "AND t.channel = 'PHONE' ORDER BY t.id LIMIT 1");
        db.sql("UPDATE follow_up_task SET assignee_id = :n WHERE id IN (:a, :b)").bind("n", hospital.staff("cardNurse1"))
                .bind("a", a).bind("b", b).then().block();
        db.sql("UPDATE follow_up_task SET status = 'UNREACHABLE', attempts = 3, outcome = 'UNREACHABLE', "
                + "completed_at = now() - interval '1 day' WHERE id = :a").bind("a", a).then().block();

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + hospital.staff("cardNurse1") + "]"));

            // the unreachable worklist: one tap gives A another try today
            phone.tap(tab("未联系上"));
            phone.waitText(By.cssSelector("[data-testid=task-" + a + "]"), "张*");
            phone.screenshot(SCREENSHOTS.resolve("13-unreachable-worklist.png"));
            phone.tap(By.cssSelector("[data-testid=reopen-" + a + "]"));
            phone.waitToast("已重新加入今日随访");
            phone.tap(tab("今日"));
            phone.waitText(By.cssSelector("[data-testid=task-" + a + "]"), "张*");
            assertThat(count("SELECT count(*) FROM follow_up_task WHERE id = " + a + " AND status = 'PENDING'")).isEqualTo(1);

            // B's brief: print the health report, then hand the task to the other coordinator
            phone.tap(By.cssSelector("[data-testid=task-" + b + "]"));
            phone.tap(By.cssSelector("[data-testid=print-report]"));
            phone.waitToast("健康报告已生成");
            assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'REPORT_PRINT'")).isEqualTo(1);

            phone.tap(By.cssSelector("[data-testid=reassign]"));
            phone.tap(By.cssSelector(".colleague-" + hospital.staff("cardNurse2")));
            phone.tap(By.cssSelector(".van-dialog__confirm"));
            phone.waitText(By.cssSelector(".van-nav-bar__title"), "我的随访");
            assertThat(count("SELECT assignee_id FROM follow_up_task WHERE id = " + b)).isEqualTo(hospital.staff("cardNurse2"));
            phone.waitGone(By.cssSelector("[data-testid=task-" + b + "]"));
        }
    }
}
