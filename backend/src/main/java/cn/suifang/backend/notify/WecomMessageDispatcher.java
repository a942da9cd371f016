package cn.suifang.backend.notify;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.wecom.WecomMessenger;
import cn.suifang.backend.wecom.WecomException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.redisson.api.RateType;
import org.redisson.api.RedissonReactiveClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sends queued WeCom app messages. A batch is claimed with {@code FOR UPDATE SKIP LOCKED} (rows → SENDING), so two
 * instances never send the same message; a claim left behind by a crashed instance is released after five minutes
 * (WeCom's own duplicate check then drops a repeat). Per member, WeCom takes at most 30 messages a minute and 1000 an
 * hour and drops the rest <em>silently</em>: two Redisson rate limiters per member (shared by all instances) hold a
 * message back until its window allows it — it waits, it is not lost. Transient errors (-1, 45009, no answer) are
 * retried with back-off up to {@code max-attempts}; a member WeCom does not know ({@code invaliduser}, 81013) is not.
 */
@Component
public class WecomMessageDispatcher {

    private static final Logger log = LoggerFactory.getLogger(WecomMessageDispatcher.class);
    static final int BATCH = 50;
    static final Duration STALE_CLAIM = Duration.ofMinutes(5);

    private final DatabaseClient db;
    private final WecomMessenger wecom;
    private final RedissonReactiveClient redis;
    private final SuifangProperties properties;
    private final Clock clock;

    WecomMessageDispatcher(DatabaseClient db, WecomMessenger wecom, RedissonReactiveClient redis, SuifangProperties properties,
                           Clock clock) {
        this.db = db;
        this.wecom = wecom;
        this.redis = redis;
        this.properties = properties;
        this.clock = clock;
    }

    /** Outcome of one pass. */
    public record Pass(int sent, int deferred, int failed) {
    }

    private record Claimed(long id, String userId, String title, String description, String url, int attempts) {
    }

    @Scheduled(initialDelayString = "${suifang.scheduler.initial-delay:30s}",
            fixedDelayString = "${suifang.wecom.messages.dispatch-interval:5s}")
    void scheduled() {
        if (!properties.scheduler().enabled() || !wecom.enabled()) {
            return;
        }
        dispatch().subscribe(p -> {
            if (p.failed() > 0) {
                log.warn("WeCom messages: {} sent, {} waiting for the member's rate window, {} failed", p.sent(), p.deferred(),
                        p.failed());
            }
        }, e -> log.error("WeCom message dispatch failed", e));
    }

    /** Sends what is due now; messages over a member's limit wait for the next window. */
    public Mono<Pass> dispatch() {
        if (!wecom.enabled()) {
            return Mono.just(new Pass(0, 0, 0));
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        Mono<Void> releaseStale = db.sql("""
                        UPDATE wecom_message SET status = 'QUEUED', claimed_at = NULL
                        WHERE status = 'SENDING' AND claimed_at < :stale""")
                .bind("stale", now.minus(STALE_CLAIM)).then();
        Flux<Claimed> claimed = db.sql("""
                        UPDATE wecom_message SET status = 'SENDING', claimed_at = :now
                        WHERE id IN (SELECT id FROM wecom_message WHERE status = 'QUEUED' AND next_attempt_at <= :now
                                     ORDER BY next_attempt_at, id LIMIT :batch FOR UPDATE SKIP LOCKED)
                        RETURNING id, recipient_user_id, title, description, url, attempts""")
                .bind("now", now).bind("batch", BATCH)
                .map(r -> new Claimed(r.get("id", Long.class), r.get("recipient_user_id", String.class),
                        r.get("title", String.class), r.get("description", String.class), r.get("url", String.class),
                        r.get("attempts", Integer.class)))
                .all();
        return releaseStale.thenMany(claimed.sort(java.util.Comparator.comparingLong(Claimed::id)))
                .concatMap(m -> send(m, now))
                .collectList()
                .map(outcomes -> new Pass((int) outcomes.stream().filter("SENT"::equals).count(),
                        (int) outcomes.stream().filter("DEFERRED"::equals).count(),
                        (int) outcomes.stream().filter(o -> o.equals("FAILED") || o.equals("INVALID_USER")).count()));
    }

    private Mono<String> send(Claimed m, OffsetDateTime now) {
        var messages = properties.wecom().messages();
        return permit("min", m.userId(), messages.perMinute(), messages.minuteWindow())
                .flatMap(minuteOk -> minuteOk ? permit("hour", m.userId(), messages.perHour(), messages.hourWindow())
                        : Mono.just(false))
                .flatMap(ok -> {
                    if (!ok) {
                        // over the member's limit: back in the queue for a little later, attempts unchanged
                        Duration wait = messages.minuteWindow().dividedBy(6);
                        return update(m.id(), "QUEUED", m.attempts(), now.plus(wait), null, null).thenReturn("DEFERRED");
                    }
                    return wecom.sendCard(m.userId(), m.title(), m.description(), m.url())
                            .flatMap(result -> result.invalidUsers().contains(m.userId())
                                    ? update(m.id(), "INVALID_USER", m.attempts() + 1, now, null, 0).thenReturn("INVALID_USER")
                                    : update(m.id(), "SENT", m.attempts() + 1, now, result.msgId(), 0).thenReturn("SENT"))
                            .onErrorResume(WecomException.class, e -> failed(m, now, e));
                });
    }

    private Mono<String> failed(Claimed m, OffsetDateTime now, WecomException e) {
        int attempts = m.attempts() + 1;
        if (e.errcode() == 81013) { // user & party & tag all invalid: WeCom does not know the member
            return update(m.id(), "INVALID_USER", attempts, now, null, e.errcode()).thenReturn("INVALID_USER");
        }
        if (e.isTransient() && attempts < properties.wecom().messages().maxAttempts()) {
            Duration backOff = Duration.ofSeconds(Math.min(3600, 10L << Math.min(attempts, 10)));
            return update(m.id(), "QUEUED", attempts, now.plus(backOff), null, e.errcode()).thenReturn("RETRY");
        }
        return update(m.id(), "FAILED", attempts, now, null, e.errcode()).thenReturn("FAILED");
    }

    private Mono<Boolean> permit(String window, String userId, int permits, Duration interval) {
        var limiter = redis.getRateLimiter(properties.redis().keyPrefix() + ":wecom:msg-rate:" + window + ":" + userId);
        return limiter.trySetRate(RateType.OVERALL, permits, interval, interval.multipliedBy(2))
                .then(limiter.tryAcquire());
    }

    private Mono<Void> update(long id, String status, int attempts, OffsetDateTime next, String msgid, Integer errcode) {
        return db.sql("""
                        UPDATE wecom_message SET status = :st, attempts = :a, next_attempt_at = :next, claimed_at = NULL,
                            msgid = COALESCE(:msgid, msgid), errcode = :err,
                            sent_at = CASE WHEN :st = 'SENT' THEN :next ELSE sent_at END
                        WHERE id = :id""")
                .bind("id", id).bind("st", status).bind("a", attempts).bind("next", next)
                .bind("msgid", cn.suifang.backend.common.Rows.param(msgid, String.class))
                .bind("err", cn.suifang.backend.common.Rows.param(errcode, Integer.class))
                .then();
    }
}
