package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The nurse coordinator, on the phone: a blood-pressure alert is hers; she takes it and records what she did. */
class AlertsBrowserTest extends IntegrationTest {

    @LocalServerPort
    private int port;

    @Test
    void nurseOpensHerAlert_takesIt_andRecordsTheIntervention() throws Exception {
        importBatch(pciDischarge("ZY001", "P001", 5));
        long patientId = count("SELECT id FROM patient");
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses", Map.of("clientRequestId", "bp",
                "questionnaireCode", "PCI_SYMPTOM", "answers", Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0,
                        "sbp", 188, "dbp", 102)), patientId).exchange().expectStatus().isCreated();
        long alertId = count("SELECT id FROM alert");
        long owner = count("SELECT owner_id FROM alert");
        long nurse1 = hospital.staff("cardNurse1");

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + owner + "]"));
            phone.waitText(By.cssSelector("[data-testid=alert-badge]"), "1");
            phone.tap(By.cssSelector("[data-testid=open-alerts]"));

            phone.waitText(By.cssSelector("[data-testid=alert-" + alertId + "]"), "血压 ≥180/110 mmHg");
            assertThat(phone.bodyText()).contains("张*", "收缩压 188 mmHg").doesNotContain("张三");
            phone.screenshot(Path.of("target/screenshots-alerts/22-alert-inbox.png"));
            phone.tap(By.cssSelector("[data-testid=alert-" + alertId + "]"));

            phone.waitText(By.cssSelector("[data-testid=alert-detail]"), "188");
            assertThat(phone.bodyText()).contains("已自动发给患者的建议", "120");
            phone.tap(By.cssSelector("[data-testid=acknowledge]"));
            phone.waitText(By.cssSelector(".alert-detail"), "处理中");
            phone.tap(By.cssSelector("[data-testid=outcome-MEDICATION_ADJUSTED]"));
            phone.type(By.cssSelector("[data-testid=resolve-note] textarea"), "氨氯地平加至10mg，3天后复测");
            phone.screenshot(Path.of("target/screenshots-alerts/23-alert-resolve.png"));
            phone.tap(By.cssSelector("[data-testid=resolve]"));
            phone.waitText(By.cssSelector("[data-testid=resolution]"), "调整用药");
        }
        assertThat(count("SELECT count(*) FROM alert WHERE status = 'RESOLVED' AND intervention_type = 'MEDICATION_ADJUSTED' "
                + "AND resolved_by = " + owner)).isEqualTo(1);
        assertThat(owner == nurse1 || owner == hospital.staff("cardNurse2")).isTrue();
    }
}
