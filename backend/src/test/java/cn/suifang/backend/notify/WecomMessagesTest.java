package cn.suifang.backend.notify;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.FakeWecomMessages;
import cn.suifang.backend.support.IntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Reminders and alert cards on WeCom: queued once, sent within WeCom's per-member limits, failures handled. */
class WecomMessagesTest extends IntegrationTest {

    @Autowired
    StaffNotifications notifications;
    @Autowired
    WecomMessageDispatcher dispatcher;

    private FakeWecomMessages weCom;

    @Autowired
    org.redisson.api.RedissonReactiveClient redis;
    @Autowired
    cn.suifang.backend.common.SuifangProperties properties;

    @BeforeEach
    void membersOnWecom() {
        // each test starts with the members' rate windows empty (an earlier test's cards must not count here)
        // Redisson keeps a limiter under its name and under "{name}:value" / "{name}:permits"
        redis.getKeys().deleteByPattern("*" + properties.redis().keyPrefix() + ":wecom:msg-rate:*").block();
        // the test profile's member window is 2 s (WeCom's is a minute), 30 messages each
        weCom = FakeWecomMessages.install(wecom, Set.of("LiYiSheng", "ChenHuShi", "ZhouHuShi"), 30, 2000);
        db.sql("""
                UPDATE staff SET wecom_user_id = CASE employee_no WHEN 'D001' THEN 'LiYiSheng' WHEN 'N001' THEN 'ChenHuShi'
                    WHEN 'N002' THEN 'ZhouHuShi' WHEN 'D002' THEN 'ZhaoYiSheng' END
                WHERE employee_no IN ('D001', 'N001', 'N002', 'D002')""").then().block();
    }

    private long alert(long ownerId, String title) {
        long patient = count("SELECT min(id) FROM patient");
        return count("INSERT INTO alert (patient_id, level, title, status, owner_id) VALUES (" + patient + ", 2, '" + title
                + "', 'OPEN', " + ownerId + ") RETURNING id");
    }

    @Test
    void morningDigest_oneCardPerNurseWithWork_onceADay_openingTheirList() {
        // Setup: day-3 calls due today for two patients, one patient's day-3 call overdue
        List<DischargeRecord> records = new ArrayList<>(List.of(pciDischarge("ZY001", "P001", 3), pciDischarge("ZY002", "P002", 3),
                pciDischarge("ZY003", "P003", 20)));
        importBatch(records.toArray(DischargeRecord[]::new));

        long queued = notifications.queueDailyDigests().block();
        long again = notifications.queueDailyDigests().block(); // a second instance, or a restart at 07:30
        dispatcher.dispatch().block();

        assertThat(again).isZero();
        assertThat(queued).isEqualTo(count("""
                SELECT count(DISTINCT t.assignee_id) FROM follow_up_task t JOIN staff s ON s.id = t.assignee_id
                WHERE t.status = 'PENDING' AND t.due_date <= DATE '2026-11-23' AND s.wecom_user_id IS NOT NULL"""));
        assertThat(weCom.delivered()).hasSize((int) queued).allSatisfy(card -> {
            assertThat(card.title()).matches("今日随访：到期 \\d+ 例，逾期 \\d+ 例");
            assertThat(card.url()).isEqualTo("https://suifang.example-hospital.cn/app/#/tasks");
            assertThat(card.duplicateCheck()).isTrue();
        });
        long nurse = hospital.staff("cardNurse1");
        long dueToday = count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + nurse
                + " AND status = 'PENDING' AND due_date <= DATE '2026-11-23' AND window_end >= DATE '2026-11-23'");
        assertThat(weCom.delivered()).filteredOn(c -> c.toUser().equals("ChenHuShi")).singleElement()
                .satisfies(c -> assertThat(c.title()).startsWith("今日随访：到期 " + dueToday + " 例"));
        assertThat(count("SELECT count(*) FROM wecom_message WHERE status = 'SENT' AND msgid IS NOT NULL")).isEqualTo(queued);
    }

    @Test
    void fortyFiveAlertCardsForOneDoctor_neverMoreThanWecomAllows_noneLost() throws InterruptedException {
        importBatch(pciDischarge("ZY001", "P001", 3));
        long li = hospital.staff("cardDoc");
        for (int i = 0; i < 45; i++) {
            assertThat(notifications.alertAssigned(alert(li, "收缩压≥180 #" + i)).block()).isTrue();
        }

        // Act 1: one pass sends the first window's 30; the rest wait for the member's window to move on
        WecomMessageDispatcher.Pass first = dispatcher.dispatch().block();
        assertThat(first.sent()).isEqualTo(30);
        assertThat(first.deferred()).isEqualTo(15);

        // Act 2: later passes, as the scheduler would run them (the test clock moves, Redis's window moves by itself)
        for (int i = 0; i < 40 && weCom.delivered().size() < 45; i++) {
            Thread.sleep(250);
            clock.advance(Duration.ofSeconds(1));
            dispatcher.dispatch().block();
        }

        // Verify: all 45 delivered, and WeCom never had to drop one for the limit
        assertThat(weCom.delivered()).hasSize(45);
        assertThat(weCom.dropped()).isZero();
        assertThat(count("SELECT count(*) FROM wecom_message WHERE status = 'SENT'")).isEqualTo(45);
        assertThat(weCom.delivered().get(0).title()).contains("新预警", "张*").doesNotContain("张三");
        assertThat(weCom.delivered().get(0).url()).matches("https://suifang\\.example-hospital\\.cn/app/#/alert/\\d+");
    }

    @Test
    void aCardIsQueuedOnce_andTwoDispatchersNeverSendItTwice() {
        importBatch(pciDischarge("ZY001", "P001", 3));
        long li = hospital.staff("cardDoc");
        List<Long> alerts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            alerts.add(alert(li, "空腹血糖>10 #" + i));
        }
        for (long a : alerts) {
            notifications.alertAssigned(a).block();
            assertThat(notifications.alertAssigned(a).block()).as("the same event again").isFalse();
        }

        Flux.merge(dispatcher.dispatch().subscribeOn(Schedulers.parallel()), dispatcher.dispatch().subscribeOn(Schedulers.parallel()))
                .collectList().block();

        assertThat(weCom.delivered()).hasSize(10);
        assertThat(count("SELECT count(*) FROM wecom_message")).isEqualTo(10);
    }

    @Test
    void unknownMembersAreNotRetried_transientErrorsAre_escalationsGoToTheirRecipient() {
        importBatch(pciDischarge("ZY001", "P001", 3));
        long zhao = hospital.staff("cardDoc2");   // WeCom id not known to WeCom
        long li = hospital.staff("cardDoc");
        long noWecom = hospital.staff("gsDoc");   // no WeCom account at all
        notifications.alertAssigned(alert(zhao, "A")).block();
        notifications.alertAssigned(alert(noWecom, "B")).block();
        long escalated = alert(hospital.staff("cardNurse1"), "C");
        notifications.alertEscalated(escalated, 3, li).block();
        wecom.failNext("/cgi-bin/message/send", 81013, "user & party & tag all invalid");
        wecom.failNext("/cgi-bin/message/send", 45009, "api freq out of limit");

        dispatcher.dispatch().block();

        assertThat(count("SELECT count(*) FROM wecom_message WHERE status = 'INVALID_USER'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM wecom_message WHERE status = 'NO_WECOM_ID'")).isEqualTo(1);
        assertThat(count("SELECT attempts FROM wecom_message WHERE kind = 'ALERT_ESCALATED' AND status = 'QUEUED'")).isEqualTo(1);

        // the rate-limited one goes out on a later pass, once its back-off has passed
        dispatcher.dispatch().block();
        assertThat(weCom.delivered()).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        dispatcher.dispatch().block();
        assertThat(weCom.delivered()).singleElement().satisfies(c -> {
            assertThat(c.toUser()).isEqualTo("LiYiSheng");
            assertThat(c.title()).contains("预警升级至3级");
        });
        dispatcher.dispatch().block();
        assertThat(count("SELECT count(*) FROM wecom_message WHERE status = 'INVALID_USER'")).isEqualTo(1);
        assertThat(weCom.delivered()).hasSize(1);

        // the information department sees what was sent and what was not
        get("admin", "/api/admin/wecom/messages?status=INVALID_USER").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.length()").isEqualTo(1).jsonPath("$[0].recipientName").isEqualTo("赵医生");
    }
}
