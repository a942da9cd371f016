package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;

/**
 * Health advice and the stage summary on the phone, in a real browser. The nurse, during the call, sends the advice the
 * patient's tag suggests (a colleague's duplicate refused where it was tapped), writes one of her own and withdraws it,
 * and records that the patient half kept to the advice due for checking; she drafts the stage summary. The cardiologist
 * finds the draft among those to review, edits it, meets a colleague's concurrent edit, signs it and sees it read-only.
 * Screenshots go to target/screenshots-advice/.
 */
class AdviceSummaryBrowserTest extends IntegrationTest {

    private static final Path SCREENSHOTS = Path.of("target/screenshots-advice");
    private static final By OVERLAY = By.cssSelector(".van-overlay");
    private static final By DIALOG_CONFIRM = By.cssSelector(".van-dialog__confirm");
    private static final By TOAST = By.cssSelector(".van-toast");

    @LocalServerPort
    private int port;

    private String text(String sql) {
        return db.sql(sql).map(r -> r.get(0, String.class)).one().block();
    }

    @Test
    void nurseSendsAndChecksAdviceOnTheCall_andTheCardiologistReviewsAndSignsTheStageSummary() throws Exception {
        // Setup: a PCI patient whose first call is due today reports a systolic pressure of 160 mmHg (高血压未达标)
        importBatch(pciDischarge("ZY001", "P001", 3));
        long patientId = count("SELECT id FROM patient");
        long taskId = count("SELECT id FROM follow_up_task ORDER BY due_date, id LIMIT 1");
        long nurse = count("SELECT assignee_id FROM follow_up_task WHERE id = " + taskId);
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses", Map.of("clientRequestId", "bp-1",
                "questionnaireCode", "PCI_SYMPTOM", "answers", Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0,
                        "sbp", 160, "dbp", 95)), patientId).exchange().expectStatus().isCreated();
        long lowSalt = count("SELECT id FROM advice_item WHERE code = 'LOW_SALT'");
        long homeBp = count("SELECT id FROM advice_item WHERE code = 'HOME_BP'");

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            // Act 1: the nurse opens the brief; no advice yet; the suggestions lead with the tag's
            phone.go("/app/#/login");
            phone.tap(By.cssSelector("[data-testid=account-" + nurse + "]"));
            phone.tap(By.cssSelector("[data-testid=task-" + taskId + "]"));
            phone.waitText(By.cssSelector(".brief [data-testid=advice-card]"), "没有进行中的健康建议");
            phone.waitText(By.cssSelector(".brief [data-testid=summary-entry]"), "尚无阶段总结");
            phone.tap(By.cssSelector("[data-testid=send-advice]"));
            phone.settle();
            phone.waitText(By.cssSelector("[data-testid=suggestion-LOW_SALT]"), "减盐");
            assertThat(phone.visible(By.cssSelector("[data-testid=suggestion-LOW_SALT]")).getText())
                    .contains("按标签", "标签“高血压未达标”", "160", "14天后回访");
            assertThat(phone.visible(By.cssSelector("[data-testid=suggestion-CARDIAC_REHAB]")).getText())
                    .as("suggested by pathway or diagnosis, not by a tag").doesNotContain("按标签");
            phone.screenshot(SCREENSHOTS.resolve("30-advice-suggestions.png"));

            // a colleague sends home blood pressure meanwhile: tapping it here says so, under the suggestion
            post("cardDoc", "/api/patients/{id}/interventions", Map.of("adviceItemId", homeBp), patientId).exchange()
                    .expectStatus().isCreated();
            phone.tap(By.cssSelector("[data-testid=send-HOME_BP]"));
            phone.waitText(By.cssSelector("[data-testid=suggestion-HOME_BP] [data-testid=send-error]"), "已发送给患者，尚未回访");

            // Act 2: send the tag's advice
            phone.tap(By.cssSelector("[data-testid=send-LOW_SALT]"));
            phone.gone(OVERLAY);
            long sent = count("SELECT id FROM intervention WHERE advice_item_id = " + lowSalt);
            phone.waitText(By.cssSelector("[data-testid=active-" + sent + "]"), "减盐");
            assertThat(phone.visible(By.cssSelector("[data-testid=active-" + sent + "]")).getText()).contains("发送", "患者未读");
            assertThat(count("SELECT count(*) FROM intervention WHERE id = " + sent + " AND status = 'ACTIVE' AND sent_by = "
                    + nurse + " AND reason LIKE '%高血压未达标%'")).isEqualTo(1);

            // Act 3: advice of her own, then withdrawn (confirmed)
            phone.tap(By.cssSelector("[data-testid=send-advice]"));
            phone.settle();
            phone.tap(By.cssSelector("[data-testid=mode-custom]"));
            phone.tap(By.cssSelector("[data-testid=kind-EXERCISE]"));
            phone.type(By.cssSelector("[data-testid=custom-title] input"), "每天快走30分钟");
            phone.type(By.cssSelector("[data-testid=custom-body] textarea"), "晚饭后在小区快走30分钟，能说话但不能唱歌为宜。");
            phone.tap(By.cssSelector("[data-testid=check-in-7]"));
            phone.screenshot(SCREENSHOTS.resolve("31-advice-custom.png"));
            phone.tap(By.cssSelector("[data-testid=send-custom]"));
            phone.gone(OVERLAY);
            phone.gone(TOAST);
            long custom = count("SELECT id FROM intervention WHERE advice_item_id IS NULL");
            assertThat(count("SELECT count(*) FROM intervention WHERE id = " + custom + " AND kind = 'EXERCISE'"
                    + " AND check_due_on = DATE '" + clock.today().plusDays(7) + "'")).isEqualTo(1);
            phone.tap(By.cssSelector("[data-testid=active-" + custom + "]"));
            phone.settle();
            phone.waitText(By.cssSelector("[data-testid=advice-sheet]"), "晚饭后在小区快走30分钟");
            phone.tap(By.cssSelector("[data-testid=withdraw-advice]"));
            phone.waitText(By.cssSelector(".van-dialog"), "撤回“每天快走30分钟”");
            phone.settle();
            phone.tap(DIALOG_CONFIRM);
            phone.gone(By.cssSelector("[data-testid=active-" + custom + "]"));
            phone.gone(OVERLAY);
            phone.gone(TOAST);
            assertThat(text("SELECT status FROM intervention WHERE id = " + custom)).isEqualTo("CANCELLED");

            // Act 4: two weeks on, the salt advice is due for checking; the patient has read the home-BP one
            db.sql("UPDATE intervention SET check_due_on = :today WHERE id = :id").bind("today", clock.today())
                    .bind("id", sent).then().block();
            db.sql("UPDATE intervention SET read_at = :now WHERE advice_item_id = :item")
                    .bind("now", OffsetDateTime.now(clock)).bind("item", homeBp).then().block();
            phone.tap(By.cssSelector(".van-nav-bar__right .link"));
            By due = By.cssSelector(".timeline [data-testid=due-" + sent + "]");
            phone.waitText(due, "待回访");
            assertThat(phone.visible(due).getText()).contains("减盐：每天不超过5克 — 是否做到？", "做到了", "部分做到", "没做到");
            assertThat(phone.visible(By.cssSelector(".timeline [data-testid=advice-card]")).getText()).contains("患者已读");
            phone.script("document.querySelector('.timeline [data-testid=advice-card]').scrollIntoView({block: 'center'})");
            phone.screenshot(SCREENSHOTS.resolve("32-advice-due.png"));
            phone.tap(By.cssSelector("[data-testid=outcome-" + sent + "-PARTLY]"));
            phone.gone(due);
            phone.gone(TOAST);
            phone.tap(By.cssSelector("[data-testid=advice-history]"));
            phone.waitText(By.cssSelector("[data-testid=past-" + sent + "]"), "部分做到");
            assertThat(phone.visible(By.cssSelector("[data-testid=past-" + custom + "]")).getText()).contains("已撤回");
            assertThat(count("SELECT count(*) FROM intervention WHERE id = " + sent + " AND status = 'COMPLETED'"
                    + " AND outcome = 'PARTLY' AND outcome_by_type = 'STAFF' AND outcome_by_id = " + nurse)).isEqualTo(1);

            // Act 5: she drafts the stage summary; signing is not hers
            phone.tap(By.cssSelector("[data-testid=draft-summary]"));
            phone.waitText(By.cssSelector("[data-testid=summary-state]"), "草稿待审核");
            phone.waitText(By.cssSelector(".stage-summary"), "阶段总结由医师或科室主任审核签署");
            assertThat(phone.script("return document.querySelectorAll('[data-testid=sign-summary]').length")).isEqualTo(0L);
        }
        long summaryId = count("SELECT id FROM stage_summary");
        assertThat(text("SELECT status FROM stage_summary WHERE id = " + summaryId)).isEqualTo("DRAFT");

        try (PhoneBrowser doctor = PhoneBrowser.open(port)) {
            // Act 6: the cardiologist, between patients: drafts to review, one tap from her list
            doctor.go("/app/#/login");
            doctor.tap(By.cssSelector("[data-testid=account-" + hospital.staff("cardDoc") + "]"));
            doctor.tap(By.cssSelector("[data-testid=open-summaries]"));
            By card = By.cssSelector("[data-testid=review-" + summaryId + "]");
            doctor.waitText(card, "张*");
            assertThat(doctor.visible(card).getText()).contains("出院后1个月", "草稿待审核", "收缩压未达标");
            assertThat(doctor.bodyText()).doesNotContain("张三");
            doctor.screenshot(SCREENSHOTS.resolve("33-summaries-to-review.png"));
            doctor.tap(card);

            // Verify: the phase at a glance — then → now against target, follow-up, advice and what to work on
            doctor.waitText(By.cssSelector("[data-testid=indicator-SBP]"), "160");
            assertThat(doctor.visible(By.cssSelector("[data-testid=indicator-SBP]")).getText()).contains("收缩压", "<140", "✗");
            assertThat(doctor.visible(By.cssSelector("[data-testid=summary-interventions]")).getText())
                    .contains("减盐：每天不超过5克", "部分做到", "在家规律测血压", "待回访").doesNotContain("每天快走");
            assertThat(doctor.visible(By.cssSelector("[data-testid=summary-focus]")).getText())
                    .contains("收缩压未达标", "继续督促：减盐：每天不超过5克（部分做到）");
            assertThat(doctor.bodyText()).contains("张三", "出院后1个月");
            doctor.screenshot(SCREENSHOTS.resolve("34-summary-draft.png"));

            // Act 7: she adds her opinion and saves
            By narrative = By.cssSelector("[data-testid=narrative] textarea");
            doctor.append(narrative, "\n医生意见：血压未达标，氨氯地平加至10mg，2周后复查。");
            doctor.tap(By.cssSelector("[data-testid=save-summary]"));
            doctor.waitUntil(() -> text("SELECT narrative FROM stage_summary WHERE id = " + summaryId).contains("氨氯地平"),
                    "the edit saved");
            doctor.gone(TOAST);
            long doc = hospital.staff("cardDoc");
            assertThat(count("SELECT edited_by FROM stage_summary WHERE id = " + summaryId)).isEqualTo(doc);

            // a colleague edits it at the same time; her next change is refused with the server's reason, and reloaded
            int version = (int) count("SELECT version FROM stage_summary WHERE id = " + summaryId);
            web.put().uri("/api/stage-summaries/" + summaryId).header("Authorization", "Bearer " + token("cardDoc2"))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("narrative", text("SELECT narrative FROM stage_summary WHERE id = " + summaryId)
                            + "\n赵医生补充：下次随访核对家庭血压记录。", "version", version))
                    .exchange().expectStatus().isOk();
            doctor.append(narrative, "\n继续减盐。");
            doctor.tap(By.cssSelector("[data-testid=sign-summary]"));
            doctor.waitText(By.cssSelector(".van-dialog"), "将先保存您的修改");
            doctor.settle();
            doctor.tap(DIALOG_CONFIRM);
            doctor.waitText(By.cssSelector(".van-dialog"), "刚被他人修改");
            doctor.settle();
            doctor.screenshot(SCREENSHOTS.resolve("35-summary-conflict.png"));
            doctor.tap(DIALOG_CONFIRM);
            doctor.gone(OVERLAY);
            doctor.waitUntil(() -> String.valueOf(doctor.script("return document.querySelector('[data-testid=narrative] textarea').value"))
                    .contains("赵医生补充"), "the colleague's edit reloaded");
            assertThat(text("SELECT status FROM stage_summary WHERE id = " + summaryId)).isEqualTo("DRAFT");
            assertThat(text("SELECT narrative FROM stage_summary WHERE id = " + summaryId)).doesNotContain("继续减盐");

            // Act 8: sign (confirmed); it is read-only from then on
            doctor.tap(By.cssSelector("[data-testid=sign-summary]"));
            doctor.waitText(By.cssSelector(".van-dialog"), "签署后不能再修改");
            assertThat(doctor.visible(By.cssSelector(".van-dialog")).getText()).doesNotContain("将先保存");
            doctor.settle();
            doctor.tap(DIALOG_CONFIRM);
            doctor.waitText(By.cssSelector("[data-testid=summary-state]"), "已签署");
            doctor.gone(OVERLAY);
            assertThat(doctor.visible(By.cssSelector("[data-testid=signed-line]")).getText()).contains("李医生", "审核签署");
            assertThat(doctor.visible(By.cssSelector("[data-testid=narrative-signed]")).getText())
                    .contains("氨氯地平加至10mg", "赵医生补充");
            assertThat(doctor.script("return document.querySelectorAll('[data-testid=narrative] textarea, "
                    + "[data-testid=save-summary], [data-testid=sign-summary]').length")).isEqualTo(0L);
            assertThat(count("SELECT count(*) FROM stage_summary WHERE id = " + summaryId + " AND status = 'SIGNED'"
                    + " AND signed_by = " + doc)).isEqualTo(1);
            doctor.script("window.scrollTo(0, document.body.scrollHeight)");
            doctor.screenshot(SCREENSHOTS.resolve("36-summary-signed.png"));

            // Verify: the patient screen says who signed it; the review list is empty
            doctor.tap(By.cssSelector("[data-testid=summary-patient]"));
            doctor.waitText(By.cssSelector(".timeline [data-testid=summary-" + summaryId + "]"), "已签署");
            assertThat(doctor.visible(By.cssSelector(".timeline [data-testid=summary-" + summaryId + "]")).getText())
                    .contains("出院后1个月", "李医生");
            doctor.go("/app/#/summaries");
            doctor.waitText(By.cssSelector(".summaries-review"), "没有待审核的阶段总结");
        }
    }
}
