package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The information department's upload, in a real browser: a GBK file as Excel saves it, with one good row and one
 * bad one, imported in the background with progress, the bad row reported by its line number.
 */
class ImportBrowserTest extends IntegrationTest {

    @LocalServerPort
    private int port;

    @Test
    void adminUploadsAGbkCsv_seesProgressCountsAndTheBadRowByLineNumber() throws Exception {
        Path csv = Path.of("target/h5-import/出院数据.csv").toAbsolutePath();
        Files.createDirectories(csv.getParent());
        Files.writeString(csv, """
                住院号,病案号,姓名,性别,科室编码,入院日期,出院日期,出院诊断编码,手术操作编码
                ZY901,P901,李四,男,CARD,2026-11-13,2026-11-18,I21.0,36.07
                ZY902,P902,王五,女,CARD,2026-11-13,2026-11-18,X99.999,
                """, Charset.forName("GBK"));

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + hospital.staff("admin") + "]"));
            phone.tap(By.cssSelector("[data-testid=open-import]"));
            phone.tap(By.cssSelector("[data-testid=charset-gbk]"));
            phone.visible(By.cssSelector("[data-testid=file]")).sendKeys(csv.toString());
            phone.tap(By.cssSelector("[data-testid=upload]"));

            phone.waitText(By.cssSelector("[data-testid=job]"), "导入完成");
            assertThat(phone.visible(By.cssSelector("[data-testid=job]")).getText()).contains("2 / 2 行", "新增 1", "有误 1");
            assertThat(phone.visible(By.cssSelector("[data-testid=row-error-3]")).getText()).contains("第 3 行", "ZY902");
            phone.screenshot(Path.of("target/screenshots-admin/16-import.png"));
        }
        assertThat(db.sql("SELECT name FROM patient WHERE mrn = 'P901'").map(r -> r.get(0, String.class)).one().block())
                .isEqualTo("李四");
        assertThat(count("SELECT count(*) FROM patient WHERE mrn = 'P902'")).isZero();
    }
}
