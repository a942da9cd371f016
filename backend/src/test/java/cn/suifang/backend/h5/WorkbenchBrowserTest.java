package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.telephony.sim.CallScript;
import cn.suifang.telephony.sim.CallScript.Leg;
import cn.suifang.telephony.sim.EslSimulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The doctor's morning on a phone, in a real browser: Debian's chromium (headless, 390×844, touch) driven
 * through its chromedriver against the whole backend on a random port, calls going through the embedded
 * telephony bridge to a FreeSWITCH simulator in real time. It counts what issue 4 promises — taps from
 * opening the app to a ringing phone, required inputs of a routine note — into
 * {@code target/h5-ux-metrics.properties}, and saves a screenshot of each main screen under
 * {@code target/screenshots/}.
 */
@TestPropertySource(properties = {
        "suifang.redis.key-prefix=${SUIFANG_TEST_DB:suifang_test}-h5",
        "suifang.telephony.embedded-bridge=true",
        "suifang.telephony.simulator=false",
        "suifang.telephony.consume-events=true",
        "suifang.telephony.recordings-dir=target/h5-recordings"})
class WorkbenchBrowserTest extends IntegrationTest {

    private static final Path SCREENSHOTS = Path.of("target/screenshots");
    private static final Duration UI_WAIT = Duration.ofSeconds(40);
    /**
     * A call's end can take longer than a screen change: an event the backend read but did not get to apply
     * is picked up again by the consumer's reclaim, which waits until the entry has been idle for 30 s.
     */
    private static final Duration CALL_WAIT = Duration.ofSeconds(100);

    /** Doctor answers after 2 s, the patient after 3 s of ringing, then they talk for 6 s. */
    private static final CallScript CONNECTED = CallScript.builder()
            .doctor(Leg.answersAfter(Duration.ofSeconds(2)))
            .patient(Leg.answersAfter(Duration.ofSeconds(3)))
            .talk(Duration.ofSeconds(6))
            .build();
    /** The patient's line is busy: the note's outcome should come preselected as unreachable. */
    private static final String BUSY_NUMBER = "13800000002";
    private static final CallScript BUSY = CallScript.builder()
            .doctor(Leg.answersAfter(Duration.ofSeconds(2)))
            .patient(Leg.busy(Duration.ofSeconds(1)))
            .build();
    private static final EslSimulator SIMULATOR = EslSimulator.builder()
            .scriptResolver(originate -> originate != null && originate.contains(BUSY_NUMBER) ? BUSY : CONNECTED)
            .onRecordingStopped((path, length) -> reactor.core.scheduler.Schedulers.boundedElastic()
                    .schedule(() -> writeSilence(Path.of(path))))
            .build()
            .start();

    @LocalServerPort
    private int port;
    @Autowired
    private RedissonClient redisson;
    @Autowired
    private SuifangProperties properties;

    private WebDriver browser;
    private Path profile;
    private WebDriverWait waitFor;
    private int taps;

    /** What the switch would leave behind: a short, valid WAV file (8 kHz, 16-bit, mono, silent). */
    private static void writeSilence(Path file) {
        int dataBytes = 1600;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes).put("WAVE".getBytes(StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(8000).putInt(16000).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, b.array());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void esl(DynamicPropertyRegistry registry) {
        registry.add("suifang.esl.host", () -> "127.0.0.1");
        registry.add("suifang.esl.port", SIMULATOR::port);
        registry.add("suifang.esl.password", SIMULATOR::password);
    }

    @BeforeAll
    static void freshScreenshots() throws Exception {
        if (Files.isDirectory(SCREENSHOTS)) {
            try (var old = Files.list(SCREENSHOTS)) {
                for (Path png : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                    Files.delete(png);
                }
            }
        }
    }

    @AfterAll
    static void stopSimulator() {
        SIMULATOR.close();
    }

    @BeforeEach
    void startBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PhoneBrowser.CHROMIUM),
                "浏览器测试已跳过：未找到 /usr/bin/chromium（scripts/test.sh 会用 apt 安装 chromium 与 chromium-driver）");
        assertThat(PhoneBrowser.CHROMEDRIVER).as("chromium-driver (apt-get install chromium-driver)").isExecutable();
        // rate limits and read markers only: the streams carry the running bridge's consumer groups
        String prefix = properties.redis().keyPrefix();
        for (String pattern : List.of(prefix + ":call:*", "{" + prefix + ":call:*")) {
            redisson.getKeys().deleteByPattern(pattern);
        }
        Files.createDirectories(SCREENSHOTS);
        browser = phoneBrowser();
        waitFor = new WebDriverWait(browser, UI_WAIT, Duration.ofMillis(100));
    }

    @AfterEach
    void quitBrowser() throws Exception {
        if (browser != null) {
            // what the screen showed last: the first thing to look at when a step above timed out
            Files.createDirectories(Path.of("target/screenshots-last"));
            Files.write(Path.of("target/screenshots-last/" + System.nanoTime() + ".png"),
                    ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            browser.quit();
        }
        if (profile != null) {
            org.springframework.util.FileSystemUtils.deleteRecursively(profile);
        }
    }

    private static final By TODAY_BADGE = By.cssSelector(".van-tabs__nav .van-tab:nth-child(1) .van-badge");

    @Test
    void doctorCallsFromTheList_writesTheNote_andTheTaskLeavesTheList() throws Exception {
        // Setup: two PCI patients due today for the same coordinator; the first one's phone connects
        long first = dischargeAndTask("H5001", "13812345678");
        long second = dischargeAndTask("H5002", "13912340006");
        long nurse = count("SELECT assignee_id FROM follow_up_task WHERE id = " + first);
        db.sql("UPDATE follow_up_task SET assignee_id = :n WHERE id = :t").bind("n", nurse).bind("t", second).then().block();
        long secondPatient = count("SELECT patient_id FROM follow_up_task WHERE id = " + second);
        seedHistory(secondPatient);

        // Act 1: open the app, sign in (demo), tap call on the first card
        browser.get(url("/app/"));
        visible(By.cssSelector("[data-testid=account-" + nurse + "]"));
        screenshot("01-sign-in");
        tap(By.cssSelector("[data-testid=account-" + nurse + "]"), "sign-in");
        WebElement card = visible(By.cssSelector("[data-testid=task-" + first + "]"));
        visible(By.cssSelector("[data-testid=task-" + second + "]"));
        assertThat(card.getText()).contains("张*", "出院第 3 天", "前壁急性透壁性心肌梗死", "PCI术后第3天电话随访", "138****5678");
        assertThat(browser.findElement(By.cssSelector("[data-testid=task-" + second + "]")).getText()).contains("预警");
        // the 今日 tab's badge counts the nurse's tasks due today
        long dueToday = count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + nurse
                + " AND status = 'PENDING' AND due_date <= DATE '" + clock.today() + "' AND window_end >= DATE '" + clock.today() + "'");
        waitText(TODAY_BADGE, String.valueOf(dueToday));
        screenshot("02-today-list");
        int tapsAtList = taps;

        tap(By.cssSelector("[data-testid=call-" + first + "]"), "call");
        waitCallState("正在呼叫您的手机", "正在呼叫患者");
        int tapsToRinging = taps;
        int tapsFromListToRinging = taps - tapsAtList;
        screenshot("03-call-dialing");

        // Verify: the live call goes through to the conversation and its end, as the doctor sees it
        waitCallState("通话中");
        assertThat(visible(By.cssSelector("[data-testid=call-timer]")).getText()).matches("\\d\\d:\\d\\d");
        screenshot("04-call-in-progress");
        waitCallState("已结束");
        assertThat(visible(By.cssSelector("[data-testid=call-result]")).getText()).contains("已接通", "通话时长");
        screenshot("05-call-ended");

        // Act 2: the note form opens by itself with the outcome preselected from the call
        waitFor.until(ExpectedConditions.urlContains("/task/" + first + "/note"));
        WebElement completed = visible(By.cssSelector("section[data-field=outcome] [data-value=COMPLETED]"));
        waitFor.until(d -> completed.getAttribute("aria-pressed").equals("true"));
        List<WebElement> required = browser.findElements(By.cssSelector("section[data-required=true]"));
        int requiredInputs = required.size();
        int requiredPreselected = (int) required.stream().filter(s -> "true".equals(s.getAttribute("data-filled"))).count();
        screenshot("06-note-form");

        int before = taps;
        tap(By.cssSelector("section[data-field=symptoms] [data-value=无不适]"), "symptoms");
        tap(By.cssSelector("section[data-field=adherence] [data-value=GOOD]"), "adherence");
        tap(By.cssSelector("section[data-field=adverseReactions] [data-value=无]"), "adverse reactions");
        tap(By.cssSelector("section[data-field=advice] [data-value=继续按时服药]"), "advice");
        int requiredTaps = taps - before;
        type(By.cssSelector("[data-code=SBP] input"), "128");
        type(By.cssSelector("[data-code=DBP] input"), "78");

        // the draft survives a reload (a lost connection, WeCom closing the page)
        browser.navigate().refresh();
        visible(By.cssSelector("[data-testid=draft-restored]"));
        waitFor.until(d -> d.findElement(By.cssSelector("section[data-field=advice] [data-value=继续按时服药]"))
                .getAttribute("aria-pressed").equals("true"));
        assertThat(browser.findElement(By.cssSelector("[data-code=SBP] input")).getAttribute("value")).isEqualTo("128");
        assertThat(browser.findElements(By.cssSelector("section[data-required=true][data-filled=false]"))).isEmpty();
        screenshot("07-note-filled");

        // the connection drops as the doctor saves: told so, the draft stays, saving again later works once
        ((ChromeDriver) browser).setNetworkConditions(offline(true));
        tap(By.cssSelector("[data-testid=submit-note]"), "submit (offline)");
        waitText(By.cssSelector(".van-dialog"), "网络异常", "草稿");
        confirmDialog();
        ((ChromeDriver) browser).setNetworkConditions(offline(false));
        tap(By.cssSelector("[data-testid=submit-note]"), "submit");

        // Verify: back on the list, the first task is gone, the second still there; the note is stored once
        waitFor.until(ExpectedConditions.urlContains("/tasks"));
        visible(By.cssSelector("[data-testid=task-" + second + "]"));
        assertThat(browser.findElements(By.cssSelector("[data-testid=task-" + first + "]"))).isEmpty();
        waitText(TODAY_BADGE, String.valueOf(dueToday - 1));
        screenshot("08-list-after-note");
        assertThat(count("SELECT count(*) FROM follow_up_note WHERE task_id = " + first)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_note n JOIN call_record c ON c.id = n.call_id"
                + " WHERE n.task_id = " + first)).as("the note documents the call").isEqualTo(1);
        assertThat(db.sql("SELECT status FROM follow_up_task WHERE id = :t").bind("t", first)
                .map(r -> r.get(0, String.class)).one().block()).isEqualTo("COMPLETED");
        assertThat(count("SELECT count(*) FROM observation o JOIN follow_up_note n ON n.id = o.note_id"
                + " WHERE n.task_id = " + first + " AND o.code IN ('SBP', 'DBP')")).isEqualTo(2);

        // the call's recording plays from the finished task's brief (a deep link)
        browser.get(url("/app/#/task/" + first));
        waitText(By.cssSelector(".brief"), "本任务的通话");
        tap(By.xpath("//button[.//span[text()='录音']]"), "play recording");
        var page = (org.openqa.selenium.JavascriptExecutor) browser;
        waitFor.until(d -> String.valueOf(page.executeScript("return document.querySelector('audio')?.src || ''")).startsWith("blob:"));
        assertThat(page.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " fetch(document.querySelector('audio').src).then(r => r.blob()).then(b => done(b.type))"))
                .asString().startsWith("audio/");
        browser.get(url("/app/#/tasks"));
        visible(By.cssSelector("[data-testid=task-" + second + "]"));

        // the pre-call brief and the timeline with trends for the next patient
        tap(By.cssSelector("[data-testid=task-" + second + "] .diagnosis"), "open brief");
        waitText(By.cssSelector(".brief"), "本次需询问");
        assertThat(browser.findElement(By.cssSelector(".brief")).getText())
                .contains("阿司匹林肠溶片", "是否有胸痛", "1级预警", "近期指标", "收缩压");
        screenshot("09-pre-call-brief");
        tap(By.xpath("//span[text()='时间线']"), "timeline");
        visible(By.cssSelector("[data-chart=bp] canvas"));
        visible(By.cssSelector("[data-chart=hba1c] canvas"));
        screenshot("10-patient-timeline");

        // nobody's full number ever reached the page
        assertThat(browser.getPageSource()).doesNotContain("13912340006").doesNotContain("13812345678");

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("tapsFromOpeningToRinging", tapsToRinging);
        metrics.put("tapsFromListToRinging", tapsFromListToRinging);
        metrics.put("routineNoteRequiredInputs", requiredInputs);
        metrics.put("routineNoteRequiredInputsPreselected", requiredPreselected);
        metrics.put("routineNoteTapsForRequiredInputs", requiredTaps);
        writeMetrics(metrics);
        assertThat(tapsToRinging).as("taps from opening the app (signed out) to ringing").isEqualTo(2);
        assertThat(tapsFromListToRinging).as("one tap from the list to ringing").isEqualTo(1);
        assertThat(requiredInputs).as("required inputs of a routine completed note").isLessThanOrEqualTo(5);
        assertThat(requiredPreselected).as("outcome preselected from the call").isEqualTo(1);
    }

    @Test
    void busyPatient_preselectsUnreachable_andARefusedCallSaysWhyInChinese() throws Exception {
        long busy = dischargeAndTask("H5201", BUSY_NUMBER);
        long declined = dischargeAndTask("H5202", "13812345678");
        long nurse = count("SELECT assignee_id FROM follow_up_task WHERE id = " + busy);
        db.sql("UPDATE follow_up_task SET assignee_id = :n WHERE id = :t").bind("n", nurse).bind("t", declined).then().block();
        db.sql("UPDATE patient SET consent_follow_up = FALSE WHERE id = (SELECT patient_id FROM follow_up_task WHERE id = :t)")
                .bind("t", declined).then().block();
        browser.get(url("/app/"));
        tap(By.cssSelector("[data-testid=account-" + nurse + "]"), "sign-in");

        // a call the server refuses: the doctor reads why, in Chinese, and stays on the list
        tap(By.cssSelector("[data-testid=call-" + declined + "]"), "call");
        waitText(By.cssSelector(".van-dialog"), "暂时无法呼叫");
        waitText(By.cssSelector(".van-dialog"), "患者已拒绝随访");
        screenshot("11-call-refused");
        confirmDialog();
        assertThat(browser.getCurrentUrl()).contains("#/tasks");

        // a busy line: ended with the reason, the note opens with 未联系上 preselected and nothing else required
        tap(By.cssSelector("[data-testid=call-" + busy + "]"), "call");
        waitCallState("已结束");
        assertThat(visible(By.cssSelector("[data-testid=call-result]")).getText()).contains("忙线");
        waitFor.until(ExpectedConditions.urlContains("/task/" + busy + "/note"));
        WebElement unreachable = visible(By.cssSelector("section[data-field=outcome] [data-value=UNREACHABLE]"));
        waitFor.until(d -> unreachable.getAttribute("aria-pressed").equals("true"));
        assertThat(browser.findElements(By.cssSelector("section[data-required=true]"))).hasSize(1);
        screenshot("12-note-unreachable");
        tap(By.cssSelector("[data-testid=submit-note]"), "submit");

        // retried tomorrow: off today's list, one attempt counted, the note documents the busy call
        waitFor.until(ExpectedConditions.urlContains("/tasks"));
        visible(By.cssSelector("[data-testid=task-" + declined + "]"));
        assertThat(browser.findElements(By.cssSelector("[data-testid=task-" + busy + "]"))).isEmpty();
        assertThat(db.sql("SELECT status || '/' || attempts FROM follow_up_task WHERE id = :t").bind("t", busy)
                .map(r -> r.get(0, String.class)).one().block()).isEqualTo("PENDING/1");
        assertThat(count("SELECT count(*) FROM follow_up_note WHERE outcome = 'UNREACHABLE' AND call_id IS NOT NULL"
                + " AND task_id = " + busy)).isEqualTo(1);
    }

    @Test
    void longList_loadsTheNextPageWithTheCursorWhenScrolledToTheEnd() throws Exception {
        DischargeRecord[] discharges = new DischargeRecord[23];
        for (int i = 0; i < discharges.length; i++) {
            discharges[i] = pciDischarge("ZY-H53" + i, "H53" + i, 3);
        }
        importBatch(discharges);
        long nurse = count("SELECT id FROM staff WHERE employee_no = 'N001'");
        db.sql("UPDATE follow_up_task SET assignee_id = :n WHERE due_date <= :today").bind("n", nurse)
                .bind("today", clock.today()).then().block();
        long today = count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + nurse + " AND due_date <= '"
                + clock.today() + "' AND window_end >= '" + clock.today() + "'");
        assertThat(today).as("more than one page (20) due today").isGreaterThan(20);

        browser.get(url("/app/"));
        tap(By.cssSelector("[data-testid=account-" + nurse + "]"), "sign-in");
        waitFor.until(d -> d.findElements(By.cssSelector("[data-testid^=task-]")).size() >= 20);
        waitFor.until(d -> {
            ((org.openqa.selenium.JavascriptExecutor) d).executeScript("window.scrollTo(0, document.body.scrollHeight)");
            return d.findElements(By.cssSelector("[data-testid^=task-]")).size() == today
                    && d.findElement(By.cssSelector(".van-list")).getText().contains("没有更多了");
        });
    }

    @Test
    void unreachableTaskIsReopened_anotherIsHandedToAColleague_andTheHealthReportOpens() throws Exception {
        long unreachable = dischargeAndTask("H5401", "13812345678");
        long handOver = dischargeAndTask("H5402", "13912340006");
        long nurse = count("SELECT assignee_id FROM follow_up_task WHERE id = " + unreachable);
        long colleague = hospital.staff(hospital.staff("cardNurse1") == nurse ? "cardNurse2" : "cardNurse1");
        db.sql("UPDATE follow_up_task SET assignee_id = :n WHERE id = :t").bind("n", nurse).bind("t", handOver).then().block();
        db.sql("UPDATE follow_up_task SET status = 'UNREACHABLE', attempts = 3, outcome = 'UNREACHABLE', completed_at = :at"
                        + " WHERE id = :t")
                .bind("at", OffsetDateTime.now(clock)).bind("t", unreachable).then().block();
        browser.get(url("/app/"));
        tap(By.cssSelector("[data-testid=account-" + nurse + "]"), "sign-in");
        visible(By.cssSelector("[data-testid=task-" + handOver + "]"));
        assertThat(browser.findElements(By.cssSelector("[data-testid=task-" + unreachable + "]"))).isEmpty();

        // the unreachable worklist: one more try puts the task back on today's list
        tap(By.xpath("//div[@role='tab'][.//span[text()='未联系上']]"), "unreachable tab");
        visible(By.cssSelector("[data-testid=reopen-" + unreachable + "]"));
        screenshot("13-unreachable-worklist");
        tap(By.cssSelector("[data-testid=reopen-" + unreachable + "]"), "reopen");
        waitFor.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-testid=task-" + unreachable + "]")));
        tap(By.xpath("//div[@role='tab'][.//span[text()='今日']]"), "today tab");
        visible(By.cssSelector("[data-testid=task-" + unreachable + "]"));
        assertThat(db.sql("SELECT status FROM follow_up_task WHERE id = :t").bind("t", unreachable)
                .map(r -> r.get(0, String.class)).one().block()).isEqualTo("PENDING");

        // hand a task to a colleague from its brief: it leaves my list and is theirs
        tap(By.cssSelector("[data-testid=task-" + handOver + "] .diagnosis"), "open brief");
        tap(By.cssSelector("[data-testid=reassign]"), "reassign");
        String colleagueName = db.sql("SELECT name FROM staff WHERE id = :s").bind("s", colleague)
                .map(r -> r.get(0, String.class)).one().block();
        tap(By.xpath("//button[contains(@class,'van-action-sheet__item')][.//span[text()='" + colleagueName + "']]"),
                "pick colleague");
        waitText(By.cssSelector(".van-dialog"), colleagueName);
        confirmDialog();
        waitFor.until(ExpectedConditions.urlContains("/tasks"));
        visible(By.cssSelector("[data-testid=task-" + unreachable + "]"));
        assertThat(browser.findElements(By.cssSelector("[data-testid=task-" + handOver + "]"))).isEmpty();
        assertThat(count("SELECT assignee_id FROM follow_up_task WHERE id = " + handOver)).isEqualTo(colleague);

        // the printable health report opens as a PDF from the patient's timeline
        tap(By.cssSelector("[data-testid=task-" + unreachable + "] .diagnosis"), "open brief");
        tap(By.xpath("//span[text()='时间线']"), "timeline");
        // headless chromium keeps popups out of reach: stand in for window.open and read what the page puts in it
        var js = (org.openqa.selenium.JavascriptExecutor) browser;
        js.executeScript("window.__opened = []; window.open = () => ({ location: { set href(u) { window.__opened.push(u) } },"
                + " close() {} })");
        tap(By.cssSelector("[data-testid=health-report]"), "health report");
        waitFor.withMessage(() -> "the report opens in a second window; requests: " + js.executeScript(
                        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/')).slice(-4)"
                        + ".join(' ') + ' | toast: ' + (document.querySelector('.van-toast')?.innerText || '-') + ' | ' + location.href"))
                .until(d -> ((Number) js.executeScript("return window.__opened.length")).intValue() == 1);
        assertThat((String) js.executeScript("return window.__opened[0]")).startsWith("blob:");
        assertThat(js.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " fetch(window.__opened[0]).then(r => r.blob()).then(b => done(b.type + ' ' + b.size))"))
                .asString().startsWith("application/pdf");
    }

    @Test
    void expiredSession_sendsTheDoctorBackToSignIn() throws Exception {
        long task = dischargeAndTask("H5101", "13812345678");
        long nurse = count("SELECT assignee_id FROM follow_up_task WHERE id = " + task);
        browser.get(url("/"));
        waitText(By.cssSelector("#accounts"), "李医生");
        screenshot("00-landing");
        tap(By.linkText("打开随访工作台（企业微信 H5）"), "open the workbench from the landing page");
        tap(By.cssSelector("[data-testid=account-" + nurse + "]"), "sign-in");
        visible(By.cssSelector("[data-testid=task-" + task + "]"));

        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.setItem('suifang.token', 'expired')");
        browser.get(url("/app/#/task/" + task));
        visible(By.cssSelector("[data-testid=account-" + nurse + "]"));
        assertThat(browser.getCurrentUrl()).contains("#/login");
    }

    // ------------------------------------------------------------------ helpers

    private WebDriver phoneBrowser() throws Exception {
        profile = Files.createTempDirectory("suifang-h5-chromium");
        return PhoneBrowser.phoneDriver(profile);
    }

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

    /** Three years of quarterly readings and one open alert, so the brief and the trends have something to show. */
    private void seedHistory(long patientId) {
        OffsetDateTime start = OffsetDateTime.now(clock).minusYears(3);
        for (int q = 0; q < 12; q++) {
            OffsetDateTime at = start.plusMonths(3L * q);
            Map<String, Object[]> values = Map.of(
                    "SBP", new Object[] {150 - q * 2, "mmHg"}, "DBP", new Object[] {95 - q, "mmHg"},
                    "FPG", new Object[] {7.8 - q * 0.1, "mmol/L"}, "HBA1C", new Object[] {7.9 - q * 0.08, "%"},
                    "LDL_C", new Object[] {3.4 - q * 0.1, "mmol/L"}, "WEIGHT", new Object[] {78 - q * 0.5, "kg"});
            values.forEach((code, v) -> db.sql("""
                            INSERT INTO observation (patient_id, code, value, unit, effective_at, source)
                            VALUES (:p, :c, :v, :u, :at, 'LAB')""")
                    .bind("p", patientId).bind("c", code).bind("v", new java.math.BigDecimal(String.valueOf(v[0])))
                    .bind("u", v[1]).bind("at", at).then().block());
        }
        db.sql("INSERT INTO alert (patient_id, level, title, status) VALUES (:p, 1, '收缩压连续两次≥160 mmHg', 'OPEN')")
                .bind("p", patientId).then().block();
    }

    private static org.openqa.selenium.chromium.ChromiumNetworkConditions offline(boolean offline) {
        var conditions = new org.openqa.selenium.chromium.ChromiumNetworkConditions();
        conditions.setOffline(offline);
        return conditions;
    }

    private String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    private WebElement visible(By by) {
        return waitFor.until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** A tap the doctor makes; counted. */
    private void tap(By by, String what) {
        // a toast sits on top of the page for a moment; the doctor reads it, then taps
        waitFor.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".van-toast")));
        WebElement element = waitFor.until(ExpectedConditions.elementToBeClickable(by));
        // as a thumb would: scroll it clear of the fixed action bar first (scrolling is not a tap)
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "arguments[0].scrollIntoView({block: 'center'})", element);
        // and not while a sheet or dialog is still sliding in (finite transitions only: the ringing pulse loops)
        waitFor.until(d -> (Boolean) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "return document.getAnimations().every(a => a.playState !== 'running'"
                        + " || a.effect.getTiming().iterations === Infinity)"));
        element.click();
        taps++;
    }

    /** Taps the dialog's button and waits until the dialog and its overlay are gone (they would catch the next tap). */
    private void confirmDialog() {
        tap(By.cssSelector(".van-dialog__confirm"), "ok");
        waitFor.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".van-dialog")));
        waitFor.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".van-overlay")));
    }

    private void type(By by, String text) {
        WebElement element = visible(by);
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "arguments[0].scrollIntoView({block: 'center'})", element);
        element.clear();
        element.sendKeys(text);
    }

    /** Waits for the live call screen to show one of the states; on timeout says what the database holds. */
    private void waitCallState(String... anyOf) {
        By status = By.cssSelector("[data-testid=call-status]");
        new WebDriverWait(browser, CALL_WAIT, Duration.ofMillis(100))
                .withMessage(() -> "waiting for " + List.of(anyOf) + " on the call screen; calls in the database: "
                        + db.sql("SELECT status || '/' || coalesce(outcome, '-') FROM call_record ORDER BY requested_at")
                                .map(r -> r.get(0, String.class)).all().collectList().block())
                .until(d -> {
                    List<WebElement> found = d.findElements(status);
                    return !found.isEmpty() && List.of(anyOf).stream().anyMatch(found.get(0).getText()::contains);
                });
    }

    private void waitText(By by, String... anyOf) {
        new WebDriverWait(browser, UI_WAIT, Duration.ofMillis(100))
                .withMessage("waiting for " + List.of(anyOf) + " in " + by).until(d -> {
            List<WebElement> found = d.findElements(by);
            if (found.isEmpty()) {
                return false;
            }
            String text = found.get(0).getText();
            for (String s : anyOf) {
                if (text.contains(s)) {
                    return true;
                }
            }
            return false;
        });
    }

    private void screenshot(String name) throws java.io.IOException {
        // let toasts and page transitions settle so the picture shows the screen itself
        waitFor.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".van-toast")));
        byte[] png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }

    private void writeMetrics(Map<String, Object> metrics) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# counted by WorkbenchBrowserTest (issue 4: taps to ringing, required inputs of a routine note)");
        metrics.forEach((k, v) -> lines.add(k + "=" + v));
        Files.write(Path.of("target/h5-ux-metrics.properties"), lines, StandardCharsets.UTF_8);
    }
}
