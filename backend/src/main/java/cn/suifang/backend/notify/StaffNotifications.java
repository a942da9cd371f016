package cn.suifang.backend.notify;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.wecom.WecomClient;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * What staff are told on WeCom, queued in {@code wecom_message} and sent by {@link WecomMessageDispatcher}: the morning
 * digest of today's follow-ups, a card when an alert is assigned, escalation notices. Each message has a dedup key, so
 * producing it twice (two instances, a restart, a retried event) queues it once. A card names the patient masked at
 * most (WeCom messages leave the hospital's systems) and opens the exact place in the workbench. With WeCom off
 * nothing is queued.
 */
@Service
public class StaffNotifications {

    private static final Logger log = LoggerFactory.getLogger(StaffNotifications.class);

    private final DatabaseClient db;
    private final WecomClient wecom;
    private final SuifangProperties properties;
    private final Clock clock;

    StaffNotifications(DatabaseClient db, WecomClient wecom, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.wecom = wecom;
        this.properties = properties;
        this.clock = clock;
    }

    @Scheduled(cron = "${suifang.wecom.messages.digest-cron:0 30 7 * * *}", zone = "${suifang.zone:Asia/Shanghai}")
    void morning() {
        if (!properties.scheduler().enabled()) {
            return;
        }
        queueDailyDigests().subscribe(n -> log.info("morning digest queued for {} staff", n),
                e -> log.error("morning digest failed", e));
    }

    /**
     * One card per active staff member with a WeCom account and follow-ups due today or overdue:
     * "今日随访：到期 N 例，逾期 M 例", opening their list. Returns how many were queued (0 for those already queued today).
     */
    public Mono<Long> queueDailyDigests() {
        if (!wecom.enabled()) {
            return Mono.just(0L);
        }
        LocalDate today = LocalDate.now(clock);
        return db.sql("""
                        INSERT INTO wecom_message (recipient_staff_id, recipient_user_id, kind, dedup_key, title, description,
                            url, status, next_attempt_at)
                        SELECT s.id, s.wecom_user_id, 'DAILY_DIGEST', 'digest:' || s.id || ':' || CAST(:today AS VARCHAR),
                               '今日随访：到期 ' || c.due || ' 例，逾期 ' || c.overdue || ' 例',
                               CASE WHEN c.overdue > 0 THEN '有逾期未完成的随访，请优先处理。点击进入随访工作台。'
                                    ELSE '点击进入随访工作台，一键拨打患者电话。' END,
                               :url, 'QUEUED', :now
                        FROM staff s JOIN (
                            SELECT t.assignee_id,
                                   count(*) FILTER (WHERE t.due_date <= :today AND t.window_end >= :today) AS due,
                                   count(*) FILTER (WHERE t.window_end < :today) AS overdue
                            FROM follow_up_task t
                            WHERE t.status IN ('PENDING', 'IN_PROGRESS') AND t.due_date <= :today
                            GROUP BY t.assignee_id) c ON c.assignee_id = s.id
                        WHERE s.active AND s.wecom_user_id IS NOT NULL AND (c.due > 0 OR c.overdue > 0)
                        ON CONFLICT (dedup_key) DO NOTHING""")
                .bind("today", today).bind("now", OffsetDateTime.now(clock))
                .bind("url", link("/tasks"))
                .fetch().rowsUpdated();
    }

    /** A card to the alert's owner: the patient (masked), the alert, and a link to the patient in the workbench. */
    public Mono<Boolean> alertAssigned(long alertId) {
        return alertCard(alertId, null, "ALERT_ASSIGNED", "alert:" + alertId + ":assigned:", "新预警");
    }

    /** An escalation notice to {@code recipientStaffId}: the alert was not acknowledged in time and is now at {@code level}. */
    public Mono<Boolean> alertEscalated(long alertId, int level, long recipientStaffId) {
        return alertCard(alertId, recipientStaffId, "ALERT_ESCALATED", "alert:" + alertId + ":escalated:" + level + ":",
                "预警升级至" + level + "级");
    }

    private Mono<Boolean> alertCard(long alertId, Long recipient, String kind, String keyPrefix, String heading) {
        if (!wecom.enabled()) {
            return Mono.just(false);
        }
        return db.sql("""
                        SELECT a.id, a.level, a.title, a.patient_id, p.name, COALESCE(:recipient, a.owner_id) AS recipient,
                               s.wecom_user_id, s.active
                        FROM alert a JOIN patient p ON p.id = a.patient_id
                        LEFT JOIN staff s ON s.id = COALESCE(:recipient, a.owner_id)
                        WHERE a.id = :id""")
                .bind("id", alertId).bind("recipient", cn.suifang.backend.common.Rows.param(recipient, Long.class))
                .map(r -> new Object[] {r.get("recipient", Long.class), r.get("wecom_user_id", String.class),
                        r.get("level", Integer.class), r.get("title", String.class), r.get("patient_id", Long.class),
                        Masking.name(r.get("name", String.class))})
                .one()
                .filter(row -> row[0] != null)
                .flatMap(row -> db.sql("""
                                INSERT INTO wecom_message (recipient_staff_id, recipient_user_id, kind, dedup_key, title,
                                    description, url, status, next_attempt_at)
                                VALUES (:staff, :user, :kind, :key, :title, :description, :url, :status, :now)
                                ON CONFLICT (dedup_key) DO NOTHING""")
                        .bind("staff", row[0]).bind("user", cn.suifang.backend.common.Rows.param((String) row[1], String.class))
                        .bind("kind", kind).bind("key", keyPrefix + row[0])
                        .bind("title", truncate(heading + "（" + row[2] + "级）：" + row[5], 128))
                        .bind("description", truncate((String) row[3] + "。请尽快查看并处理。", 512))
                        .bind("url", link("/alert/" + alertId))
                        .bind("status", row[1] == null ? "NO_WECOM_ID" : "QUEUED")
                        .bind("now", OffsetDateTime.now(clock))
                        .fetch().rowsUpdated().map(n -> n > 0))
                .defaultIfEmpty(false);
    }

    /** The workbench page behind a card: the app URL with the H5's hash route. */
    private String link(String route) {
        String app = properties.wecom().appUrl();
        return (app.isBlank() ? "/app/" : app) + "#" + route;
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
