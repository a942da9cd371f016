package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The cardiologist's four minutes on a phone, in a real browser: why a patient carries a tag, what the risk models
 * say or still need, a tag of her own put on and taken off, and today's list narrowed to one tag; then the department
 * head sees how common each tag is. Screenshots go to target/screenshots-tags/.
 */
class TagsBrowserTest extends IntegrationTest {

    private static final Path SCREENSHOTS = Path.of("target/screenshots-tags");
    private static final By OVERLAY = By.cssSelector(".van-overlay");
    private static final By HTN_CHIP = By.cssSelector("[data-testid=tag-HTN_UNCONTROLLED]");
    private static final By HEARING_CHIP = By.cssSelector("[data-testid='tag-听力障碍']");

    @LocalServerPort
    private int port;

    /** A PCI patient discharged 3 days ago, with their own phone (and no ID card), whose first task is due today. */
    private long dischargeAndTask(String mrn, String phone) {
        DischargeRecord r = pciDischarge("ZY-" + mrn, mrn, 3);
        DischargeRecord.PatientData p = r.patient();
        importBatch(new DischargeRecord(r.encounterId(), new DischargeRecord.PatientData(p.mrn(), p.name(), p.gender(),
                p.birthDate(), phone, null, p.consentFollowUp(), p.consentRecording()), r.departmentCode(),
                r.attendingEmployeeNo(), r.admissionDate(), r.dischargeDate(), r.diagnoses(), r.procedures(),
                r.dischargeSummary(), r.dischargeInstructions(), r.medications()));
        return count("SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id WHERE p.mrn = '" + mrn
                + "' ORDER BY t.due_date, t.id LIMIT 1");
    }

    private String text(String sql) {
        return db.sql(sql).map(r -> r.get(0, String.class)).one().block();
    }

    @Test
    void doctorSeesWhyThePatientIsTagged_andWhatTheRiskNeeds_managesHerOwnTag_andFiltersTheListByTheTag() throws Exception {
        // Setup: two patients due today for one coordinator; the first reports a systolic pressure of 160 mmHg
        long tagged = dischargeAndTask("T001", "13812345678");
        long other = dischargeAndTask("T002", "13912340006");
        long nurse = count("SELECT assignee_id FROM follow_up_task WHERE id = " + tagged);
        db.sql("UPDATE follow_up_task SET assignee_id = :n WHERE id = :t").bind("n", nurse).bind("t", other).then().block();
        long patientId = count("SELECT patient_id FROM follow_up_task WHERE id = " + tagged);
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses", Map.of("clientRequestId", "bp-1",
                "questionnaireCode", "PCI_SYMPTOM", "answers", Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0,
                        "sbp", 160, "dbp", 95)), patientId).exchange().expectStatus().isCreated();
        assertThat(count("SELECT count(*) FROM patient_tag WHERE cleared_at IS NULL AND tag_code = 'HTN_UNCONTROLLED'"
                + " AND patient_id = " + patientId)).isEqualTo(1);
        String nurseName = text("SELECT name FROM staff WHERE id = " + nurse);

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            // Act 1: sign in; the card already names the tag; open the brief
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + nurse + "]"));
            phone.waitText(By.cssSelector("[data-testid=task-" + tagged + "] [data-testid=card-tags]"), "高血压未达标");
            phone.visible(By.cssSelector("[data-testid=task-" + other + "]"));
            phone.tap(By.cssSelector("[data-testid=task-" + tagged + "]"));

            // Verify: the chip, and why it was set
            phone.waitText(HTN_CHIP, "高血压未达标");
            phone.tap(HTN_CHIP);
            phone.settle();
            phone.waitText(By.cssSelector("[data-testid=tag-reason]"), "160");
            assertThat(phone.visible(By.cssSelector("[data-testid=tag-sheet]")).getText())
                    .contains("规则自动设置", "设置", "条件不再成立时会自动解除").doesNotContain("解除标签");
            phone.screenshot(SCREENSHOTS.resolve("25-tag-reason.png"));
            phone.tap(By.cssSelector("[data-testid=tag-sheet-close]"));
            phone.gone(OVERLAY);

            // Verify: the risk card says what each model lacks, as what to collect, and what it used
            phone.waitText(By.cssSelector("[data-testid=risk-CDRS] [data-testid=risk-missing]"), "缺少：");
            assertThat(phone.visible(By.cssSelector("[data-testid=risk-CDRS]")).getText())
                    .contains("中国糖尿病风险评分", "未计算", "腰围", "体重指数").doesNotContain("缺少必需的输入");
            assertThat(phone.visible(By.cssSelector("[data-testid=risk-CHINA_PAR]")).getText())
                    .as("a patient with established ASCVD is not scored by a primary-prevention model").contains("未计算", "已确诊");
            phone.tap(By.cssSelector("[data-testid=basis-CDRS]"));
            phone.waitText(By.cssSelector("[data-testid=basis-list-CDRS]"), "收缩压");
            assertThat(phone.visible(By.cssSelector("[data-testid=basis-list-CDRS]")).getText()).contains("160", "年龄");
            phone.screenshot(SCREENSHOTS.resolve("27-risk-card.png"));

            // Act 2: put a tag on by hand, with a reason and an end date
            phone.tap(By.cssSelector("[data-testid=add-tag]"));
            phone.settle();
            phone.tap(By.cssSelector("[data-testid='suggest-听力障碍']"));
            phone.type(By.cssSelector("[data-testid=new-tag-reason] textarea"), "电话请联系女儿");
            phone.tap(By.cssSelector("[data-testid=expires-30]"));
            assertThat(phone.visible(By.cssSelector("[data-testid=new-tag-expires] input")).getAttribute("value"))
                    .matches("\\d{4}-\\d{2}-\\d{2}");
            phone.screenshot(SCREENSHOTS.resolve("26-tag-add.png"));
            phone.tap(By.cssSelector("[data-testid=save-tag]"));
            phone.waitText(HEARING_CHIP, "听力障碍");
            phone.gone(OVERLAY);
            assertThat(count("SELECT count(*) FROM patient_tag WHERE label = '听力障碍' AND source = 'MANUAL'"
                    + " AND cleared_at IS NULL AND expires_at IS NOT NULL AND reason = '电话请联系女儿' AND set_by = " + nurse))
                    .isEqualTo(1);

            // the same tag twice: the server's reason under the field, nothing stored
            phone.tap(By.cssSelector("[data-testid=add-tag]"));
            phone.settle();
            phone.tap(By.cssSelector("[data-testid='suggest-听力障碍']"));
            phone.tap(By.cssSelector("[data-testid=save-tag]"));
            phone.waitText(By.cssSelector("[data-testid=new-tag-label]"), "患者已有标签“听力障碍”");
            phone.tap(By.cssSelector(".add-tag-popup .van-popup__close-icon"));
            phone.gone(OVERLAY);

            // Act 3: take it off again, confirmed, with a reason
            phone.tap(HEARING_CHIP);
            phone.settle();
            phone.waitText(By.cssSelector("[data-testid=tag-meta]"), nurseName);
            assertThat(phone.visible(By.cssSelector("[data-testid=tag-sheet]")).getText())
                    .contains("电话请联系女儿", "手动添加", "自动解除");
            phone.type(By.cssSelector("[data-testid=remove-reason] input"), "已核实，听力正常");
            phone.tap(By.cssSelector("[data-testid=remove-tag]"));
            phone.waitText(By.cssSelector(".van-dialog"), "解除“听力障碍”");
            phone.settle();
            phone.tap(By.cssSelector(".van-dialog__confirm"));
            phone.gone(HEARING_CHIP);
            phone.gone(OVERLAY);
            assertThat(count("SELECT count(*) FROM patient_tag WHERE label = '听力障碍' AND cleared_at IS NOT NULL"
                    + " AND cleared_reason = '已核实，听力正常'")).isEqualTo(1);

            // Verify: the history shows it, with why it came off; the automatic tag is still on
            phone.tap(By.cssSelector("[data-testid=tag-history]"));
            phone.waitText(By.cssSelector("[data-testid=tag-history-list]"), "已核实，听力正常");
            phone.visible(HTN_CHIP);
            phone.script("window.scrollTo(0, 0)");
            phone.screenshot(SCREENSHOTS.resolve("24-patient-tags.png"));

            // the timeline shows the same patient's tags and risk
            phone.tap(By.cssSelector(".van-nav-bar__right .link"));
            phone.waitText(By.cssSelector(".timeline [data-testid=patient-tags]"), "高血压未达标");
            phone.waitText(By.cssSelector(".timeline [data-testid=risk-CDRS]"), "缺少：");
            phone.tap(By.cssSelector(".van-nav-bar__left"));
            phone.visible(By.cssSelector(".brief [data-testid=patient-tags]"));

            // Act 4: back to the list, filtered by the tag
            phone.tap(By.cssSelector(".van-nav-bar__left"));
            phone.visible(By.cssSelector("[data-testid=task-" + other + "]"));
            phone.tap(By.cssSelector("[data-testid=tag-filter-HTN_UNCONTROLLED]"));
            phone.waitUntil(() -> phone.currentUrl().contains("tag=HTN_UNCONTROLLED"), "the filter in the URL");
            phone.waitText(By.cssSelector("[data-testid=task-" + tagged + "]"), "高血压未达标");
            phone.waitText(By.cssSelector(".van-list__finished-text"), "没有更多了");
            phone.gone(By.cssSelector("[data-testid=task-" + other + "]"));
            phone.screenshot(SCREENSHOTS.resolve("28-tasks-by-tag.png"));

            // Verify: into the brief and back, the list is still filtered
            phone.tap(By.cssSelector("[data-testid=task-" + tagged + "]"));
            phone.visible(HTN_CHIP);
            phone.tap(By.cssSelector(".van-nav-bar__left"));
            phone.waitText(By.cssSelector("[data-testid=task-" + tagged + "]"), "高血压未达标");
            phone.waitText(By.cssSelector(".van-list__finished-text"), "没有更多了");
            assertThat(phone.script("return document.querySelectorAll('[data-testid=task-" + other + "]').length"))
                    .isEqualTo(0L);
            assertThat(phone.visible(By.cssSelector("[data-testid=tag-filter-HTN_UNCONTROLLED]")).getAttribute("class"))
                    .contains("on");
            phone.tap(By.cssSelector("[data-testid=tag-filter-all]"));
            phone.visible(By.cssSelector("[data-testid=task-" + other + "]"));
            assertThat(phone.currentUrl()).doesNotContain("tag=");
        }

        // the department head: how many patients in follow-up carry each tag
        try (PhoneBrowser head = PhoneBrowser.open(port)) {
            head.go("/app/#/login");
            head.tap(By.cssSelector("[data-testid=account-" + hospital.staff("cardHead") + "]"));
            head.tap(By.cssSelector("[data-testid=open-dashboard]"));
            head.waitText(By.cssSelector("[data-testid=tag-count-HTN_UNCONTROLLED]"), "1 人");
            assertThat(head.visible(By.cssSelector("[data-testid=tag-count-HTN_UNCONTROLLED]")).getText())
                    .contains("高血压未达标", "50.0%");
            assertThat(head.bodyText()).contains("标签分布", "随访中 2 人").doesNotContain("听力障碍");
            head.script("document.querySelector('[data-testid=tag-distribution]').scrollIntoView({block: 'center'})");
            head.screenshot(SCREENSHOTS.resolve("29-dashboard-tags.png"));
        }
    }
}
