package cn.suifang.backend.notify;

import cn.suifang.backend.common.ClusterLock;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.miniapp.MiniappClient;
import cn.suifang.miniapp.MiniappSettings;
import cn.suifang.miniapp.SubscribeMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Subscribe messages to patients (and their consenting family members) in the mini-program: tomorrow's follow-ups —
 * with the official number that will call, so they pick up — and automatic advice from level-1 alerts. Each message
 * is queued once per event and account (dedup key); sending spends one of the account's consents for that template
 * (or uses its long-term subscription); without one the message is marked NO_CONSENT and nothing is sent. 43101
 * (refused or used up) clears the account's consents for the template. Only patients who consented to follow-up
 * are reminded.
 */
@Service
public class PatientReminders {

    private static final Logger log = LoggerFactory.getLogger(PatientReminders.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final int MAX_ATTEMPTS = 5;
    static final String PLAN_PAGE = "pages/plan/index";
    static final String ADVICE_PAGE = "pages/advice/index";

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final MiniappClient wechat;
    private final MiniappSettings settings;
    private final PiiCipher cipher;
    private final ClusterLock lock;
    private final SuifangProperties properties;
    private final Clock clock;

    PatientReminders(DatabaseClient db, TransactionalOperator tx, MiniappClient wechat, MiniappSettings settings,
                     PiiCipher cipher, ClusterLock lock, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.wechat = wechat;
        this.settings = settings;
        this.cipher = cipher;
        this.lock = lock;
        this.properties = properties;
        this.clock = clock;
    }

    @Scheduled(cron = "${suifang.miniapp.reminder-cron:0 0 18 * * *}", zone = "${suifang.zone:Asia/Shanghai}")
    void evening() {
        if (!properties.scheduler().enabled()) {
            return;
        }
        queueTomorrow().subscribe(n -> log.info("{} follow-up reminders queued for the mini-program", n),
                e -> log.error("queueing mini-program reminders failed", e));
    }

    @Scheduled(initialDelayString = "${suifang.scheduler.initial-delay:30s}", fixedDelayString = "PT1M")
    void scheduled() {
        if (!properties.scheduler().enabled() || !wechat.enabled()) {
            return;
        }
        lock.runExclusive("miniapp-messages", Duration.ofMinutes(5), Mono.defer(this::dispatch), 0L)
                .subscribe(null, e -> log.error("mini-program message dispatch failed", e));
    }

    /**
     * One reminder per open follow-up due tomorrow (phone or questionnaire) and per ACTIVE binding of its patient.
     * Returns how many were queued (those already queued are not counted).
     */
    public Mono<Long> queueTomorrow() {
        if (settings.reminderTemplate() == null || settings.reminderTemplate().isBlank()) {
            return Mono.just(0L);
        }
        LocalDate tomorrow = LocalDate.now(clock.withZone(properties.zone())).plusDays(1);
        return db.sql("""
                        SELECT t.id AS task_id, t.title, t.channel, t.due_date, b.account_id, t.patient_id,
                               COALESCE(d.caller_id, :defaultCaller) AS caller
                        FROM follow_up_task t JOIN patient p ON p.id = t.patient_id
                        JOIN department d ON d.id = p.department_id
                        JOIN patient_binding b ON b.patient_id = t.patient_id AND b.status = 'ACTIVE'
                        WHERE t.status IN ('PENDING', 'IN_PROGRESS') AND t.due_date = :tomorrow
                          AND t.channel IN ('PHONE', 'QUESTIONNAIRE') AND p.consent_follow_up AND NOT p.voided""")
                .bind("tomorrow", tomorrow).bind("defaultCaller", properties.telephony().callerId())
                .map(r -> {
                    boolean phone = "PHONE".equals(r.get("channel", String.class));
                    String caller = r.get("caller", String.class);
                    SubscribeMessage m = new SubscribeMessage()
                            .thing("thing1", r.get("title", String.class))
                            .date("date2", r.get("due_date", LocalDate.class))
                            .thing("thing3", phone ? "将用" + caller + "来电，请接听" : "请在小程序中填写随访问卷");
                    return new Object[] {r.get("account_id", Long.class), r.get("patient_id", Long.class),
                            "reminder:" + r.get("task_id", Long.class) + ":" + r.get("account_id", Long.class), m};
                })
                .all()
                .concatMap(row -> queue((Long) row[0], (Long) row[1], "REMINDER", (String) row[2], PLAN_PAGE,
                        (SubscribeMessage) row[3]))
                .reduce(0L, Long::sum);
    }

    /** The automatic advice of a level-1 alert, to every ACTIVE binding of its patient (within the caller's transaction). */
    public Mono<Long> adviceRaised(long alertId) {
        if (settings.adviceTemplate() == null || settings.adviceTemplate().isBlank()) {
            return Mono.just(0L);
        }
        return db.sql("""
                        SELECT a.title, a.patient_advice, a.patient_id, b.account_id FROM alert a
                        JOIN patient_binding b ON b.patient_id = a.patient_id AND b.status = 'ACTIVE'
                        WHERE a.id = :id AND a.patient_advice IS NOT NULL""")
                .bind("id", alertId)
                .map(r -> new Object[] {r.get("account_id", Long.class), r.get("patient_id", Long.class),
                        new SubscribeMessage().thing("thing1", r.get("title", String.class))
                                .thing("thing2", r.get("patient_advice", String.class))})
                .all()
                .concatMap(row -> queue((Long) row[0], (Long) row[1], "ADVICE", "advice:" + alertId + ":" + row[0],
                        ADVICE_PAGE, (SubscribeMessage) row[2]))
                .reduce(0L, Long::sum);
    }

    /** A health advice (intervention) a clinician sent, to every ACTIVE binding of its patient (within the caller's transaction). */
    public Mono<Long> interventionSent(long interventionId) {
        if (settings.adviceTemplate() == null || settings.adviceTemplate().isBlank()) {
            return Mono.just(0L);
        }
        return db.sql("""
                        SELECT i.title, i.patient_id, b.account_id FROM intervention i
                        JOIN patient_binding b ON b.patient_id = i.patient_id AND b.status = 'ACTIVE'
                        WHERE i.id = :id""")
                .bind("id", interventionId)
                .map(r -> new Object[] {r.get("account_id", Long.class), r.get("patient_id", Long.class),
                        new SubscribeMessage().thing("thing1", "医生给您的健康建议").thing("thing2", r.get("title", String.class))})
                .all()
                .concatMap(row -> queue((Long) row[0], (Long) row[1], "ADVICE", "intervention:" + interventionId + ":" + row[0],
                        ADVICE_PAGE, (SubscribeMessage) row[2]))
                .reduce(0L, Long::sum);
    }

    private Mono<Long> queue(long accountId, long patientId, String template, String dedupKey, String page, SubscribeMessage m) {
        return db.sql("""
                        INSERT INTO miniapp_message (account_id, patient_id, template, dedup_key, page, data, status, next_attempt_at)
                        VALUES (:a, :p, :t, :key, :page, CAST(:data AS JSONB), 'QUEUED', :now)
                        ON CONFLICT (dedup_key) DO NOTHING""")
                .bind("a", accountId).bind("p", patientId).bind("t", template).bind("key", dedupKey).bind("page", page)
                .bind("data", JSON.writeValueAsString(m.fields())).bind("now", OffsetDateTime.now(clock))
                .fetch().rowsUpdated();
    }

    /** Sends what is due; returns how many were sent. */
    public Mono<Long> dispatch() {
        OffsetDateTime now = OffsetDateTime.now(clock);
        return db.sql("""
                        SELECT m.id, m.account_id, m.template, m.page, m.data::text AS data, m.attempts, a.openid_enc
                        FROM miniapp_message m JOIN miniapp_account a ON a.id = m.account_id
                        WHERE m.status = 'QUEUED' AND m.next_attempt_at <= :now ORDER BY m.id LIMIT 200""")
                .bind("now", now)
                .map(r -> new Queued(r.get("id", Long.class), r.get("account_id", Long.class), r.get("template", String.class),
                        r.get("page", String.class), r.get("data", String.class), r.get("attempts", Integer.class),
                        r.get("openid_enc", byte[].class)))
                .all()
                .concatMap(this::send)
                .filter(Boolean::booleanValue)
                .count();
    }

    private record Queued(long id, long accountId, String template, String page, String data, int attempts, byte[] openid) {
    }

    @SuppressWarnings("unchecked")
    private Mono<Boolean> send(Queued q) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        String templateId = "REMINDER".equals(q.template()) ? settings.reminderTemplate() : settings.adviceTemplate();
        // spend one consent (or use the long-term one) before sending; none left: nothing is sent
        Mono<Boolean> spend = tx.transactional(db.sql("""
                        UPDATE miniapp_subscription SET credits = CASE WHEN long_term THEN credits ELSE credits - 1 END,
                            updated_at = :now
                        WHERE account_id = :a AND template = :t AND (long_term OR credits > 0)""")
                .bind("a", q.accountId()).bind("t", q.template()).bind("now", now)
                .fetch().rowsUpdated().map(n -> n > 0));
        return spend.flatMap(consented -> {
            if (!consented) {
                return mark(q.id(), "NO_CONSENT", null).thenReturn(false);
            }
            Map<String, String> data = JSON.readValue(q.data(), Map.class);
            return wechat.sendSubscribe(cipher.decrypt(PiiField.MINIAPP_OPENID, q.openid()), templateId, q.page(), data)
                    .flatMap(result -> switch (result) {
                        case SENT -> db.sql("UPDATE miniapp_message SET status = 'SENT', sent_at = :now, attempts = attempts + 1 WHERE id = :id")
                                .bind("id", q.id()).bind("now", now).then().thenReturn(true);
                        case REFUSED -> db.sql("UPDATE miniapp_subscription SET credits = 0, long_term = FALSE WHERE account_id = :a AND template = :t")
                                .bind("a", q.accountId()).bind("t", q.template()).then()
                                .then(mark(q.id(), "REFUSED", 43101)).thenReturn(false);
                        case FAILED -> mark(q.id(), "FAILED", null).thenReturn(false);
                        case RETRY -> refund(q).then(q.attempts() + 1 >= MAX_ATTEMPTS ? mark(q.id(), "FAILED", null)
                                : db.sql("""
                                                UPDATE miniapp_message SET attempts = attempts + 1, next_attempt_at = :next
                                                WHERE id = :id""")
                                        .bind("id", q.id()).bind("next", now.plusMinutes(5L << q.attempts())).then())
                                .thenReturn(false);
                    });
        });
    }

    /** WeChat did not take the message: the consent spent on it is given back. */
    private Mono<Void> refund(Queued q) {
        return db.sql("""
                        UPDATE miniapp_subscription SET credits = credits + 1
                        WHERE account_id = :a AND template = :t AND NOT long_term""")
                .bind("a", q.accountId()).bind("t", q.template()).then();
    }

    private Mono<Void> mark(long id, String status, Integer errcode) {
        return db.sql("UPDATE miniapp_message SET status = :s, last_errcode = :e, attempts = attempts + 1 WHERE id = :id")
                .bind("id", id).bind("s", status).bind("e", cn.suifang.backend.common.Rows.param(errcode, Integer.class))
                .then();
    }
}
