package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The information department edits a pathway in a real browser: a new version from the active one, a refusal shown
 * at the field, the fixed draft saved and activated; the old version retires.
 */
class PathwayBrowserTest extends IntegrationTest {

    @LocalServerPort
    private int port;

    @Test
    void adminMakesANewPciVersion_fixesTheFieldTheServerNamed_andActivatesIt() throws Exception {
        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + hospital.staff("admin") + "]"));
            phone.tap(By.cssSelector("[data-testid=open-pathways]"));
            phone.tap(By.cssSelector("[data-testid=pathway-PCI-v1]"));
            phone.waitText(By.cssSelector("[data-testid=status]"), "已启用");
            phone.tap(By.cssSelector("[data-testid=new-version]"));

            // a step without a title: the server refuses and the page says so under that field
            phone.type(By.cssSelector("[data-testid=title-0] input"), " ");
            phone.tap(By.cssSelector("[data-testid=save]"));
            phone.waitText(By.cssSelector("[data-testid=title-0]"), "不能为空", "必填", "空");
            assertThat(count("SELECT count(*) FROM pathway WHERE code = 'PCI'")).isEqualTo(1);

            phone.type(By.cssSelector("[data-testid=title-0] input"), "PCI术后第2天电话随访");
            phone.type(By.cssSelector("[data-testid=offset-0] input"), "2");
            phone.visible(By.cssSelector("[data-testid=questions-0] textarea")).sendKeys(Keys.END, "\n是否已预约心脏康复？");
            phone.screenshot(Path.of("target/screenshots-admin/17-pathway-edit.png"));
            phone.tap(By.cssSelector("[data-testid=save]"));

            phone.waitText(By.cssSelector("[data-testid=status]"), "草稿");
            phone.waitText(By.cssSelector("[data-testid=step-1]"), "出院第 2 天");
            assertThat(phone.visible(By.cssSelector("[data-testid=step-1]")).getText()).contains("是否已预约心脏康复？");
            phone.tap(By.cssSelector("[data-testid=activate]"));
            phone.tap(By.cssSelector(".van-dialog__confirm"));
            phone.waitText(By.cssSelector("[data-testid=status]"), "已启用");
        }
        assertThat(db.sql("SELECT string_agg(version || ':' || status, ',' ORDER BY version) FROM pathway WHERE code = 'PCI'")
                .map(r -> r.get(0, String.class)).one().block()).isEqualTo("1:RETIRED,2:ACTIVE");
        assertThat(count("""
                SELECT s.offset_days FROM pathway_step s JOIN pathway p ON p.id = s.pathway_id
                WHERE p.code = 'PCI' AND p.version = 2 AND s.seq = 1""")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'PATHWAY_ACTIVATE'")).isEqualTo(1);
    }
}
