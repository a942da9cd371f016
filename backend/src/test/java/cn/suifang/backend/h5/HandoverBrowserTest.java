package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The cardiology head, on the phone: Dr. Li changes posts, his patients go to Dr. Zhao after a preview. */
class HandoverBrowserTest extends IntegrationTest {

    @LocalServerPort
    private int port;

    @Test
    void headPreviewsAndConfirmsAHandover_onThePhone() throws Exception {
        importBatch(pciDischarge("ZY001", "P001", 5), pciDischarge("ZY002", "P002", 5));
        long li = hospital.staff("cardDoc");
        long zhao = hospital.staff("cardDoc2");

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + hospital.staff("cardHead") + "]"));
            phone.tap(By.cssSelector("[data-testid=open-handover]"));
            phone.tap(By.cssSelector("[data-testid=from-" + li + "]"));
            phone.tap(By.cssSelector("[data-testid=to-" + zhao + "]"));

            phone.waitText(By.cssSelector("[data-testid=preview-counts]"), "2 位患者");
            assertThat(phone.bodyText()).contains("将移交给 赵医生").doesNotContain("张三");
            phone.screenshot(Path.of("target/screenshots-wecom/20-handover-preview.png"));
            phone.tap(By.cssSelector("[data-testid=confirm-handover]"));
            phone.tap(By.cssSelector(".van-dialog__confirm"));

            phone.waitText(By.cssSelector("[data-testid=handover-done]"), "已交接给 赵医生");
            phone.screenshot(Path.of("target/screenshots-wecom/21-handover-done.png"));
        }
        assertThat(count("SELECT count(*) FROM patient WHERE responsible_staff_id = " + zhao)).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM handover WHERE from_staff_id = " + li + " AND requested_by = "
                + hospital.staff("cardHead"))).isEqualTo(1);
    }
}
