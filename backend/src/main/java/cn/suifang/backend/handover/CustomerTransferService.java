package cn.suifang.backend.handover;

import cn.suifang.backend.common.ClusterLock;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.wecom.WecomCustomers;
import cn.suifang.backend.wecom.WecomException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Moves A's WeCom external contacts (客户) who are the handed-over patients to B: 在职继承
 * ({@code externalcontact/transfer_customer}) while A is employed, 离职继承 ({@code resigned/transfer_customer}) after
 * A left. At most 100 customers a call; a per-customer errcode 0 only means WeCom started it — the customer takes
 * over after 24 h unless they refuse — so {@link #poll()} asks {@code transfer_result} until each is done (1),
 * refused (3), over B's customer limit (4) or unknown (5). WeCom lets a customer be transferred twice in 90 days:
 * that is checked from our own records before asking, so the head sees in the preview who cannot move.
 */
@Service
public class CustomerTransferService {

    /** Eligibility of one patient's contact, as a preview shows it. */
    public static final String ELIGIBLE = "ELIGIBLE";
    public static final String BLOCKED = "LIMIT_90_DAYS";
    public static final String NO_WECOM_ACCOUNT = "NO_WECOM_ACCOUNT";

    static final int BATCH = WecomCustomers.MAX_PER_CALL;
    static final int TRANSFERS_PER_90_DAYS = 2;
    private static final String COUNTED = "('STARTED', 'WAITING', 'COMPLETED')";
    private static final Logger log = LoggerFactory.getLogger(CustomerTransferService.class);

    private final DatabaseClient db;
    private final WecomCustomers wecom;
    private final ClusterLock lock;
    private final SuifangProperties properties;
    private final Clock clock;

    CustomerTransferService(DatabaseClient db, WecomCustomers wecom, ClusterLock lock, SuifangProperties properties,
                            Clock clock) {
        this.db = db;
        this.wecom = wecom;
        this.lock = lock;
        this.properties = properties;
        this.clock = clock;
    }

    /** One customer's transfer as the handover page shows it; patient and customer ids only for clinical readers. */
    public record Transfer(Long patientId, String patientName, String externalUserId, boolean resigned, String status,
                           Integer errcode, OffsetDateTime takeoverAt) {
    }

    private OffsetDateTime since90Days() {
        return OffsetDateTime.now(clock).minusDays(90);
    }

    /** Whether the patient's WeCom contact of A could move to B now; empty when the patient is not A's contact. */
    Mono<String> eligibility(long patientId, long fromStaffId, String fromUserId, String toUserId) {
        return db.sql("""
                        SELECT (SELECT count(*) FROM customer_transfer x WHERE x.external_userid = c.external_userid
                                  AND x.status IN %s AND x.created_at > :since) AS moved
                        FROM patient_wecom_contact c WHERE c.patient_id = :p AND c.staff_id = :a
                        ORDER BY moved DESC LIMIT 1""".formatted(COUNTED))
                .bind("p", patientId).bind("a", fromStaffId).bind("since", since90Days())
                .map(r -> r.get("moved", Long.class))
                .one()
                .map(moved -> fromUserId == null || toUserId == null ? NO_WECOM_ACCOUNT
                        : moved >= TRANSFERS_PER_90_DAYS ? BLOCKED : ELIGIBLE);
    }

    /** Inside the handover's transaction: one row per contact of A among the handed-over patients. */
    Mono<Void> queue(long handoverId, long fromStaffId, String fromUserId, String toUserId, boolean resigned) {
        if (fromUserId == null || toUserId == null) {
            return Mono.empty(); // nothing can be asked of WeCom; the preview said so (NO_WECOM_ACCOUNT)
        }
        return db.sql("""
                        INSERT INTO customer_transfer (handover_id, patient_id, external_userid, handover_userid, takeover_userid,
                            resigned, status, created_at)
                        SELECT :h, c.patient_id, c.external_userid, :au, :bu, :resigned,
                               CASE WHEN (SELECT count(*) FROM customer_transfer x WHERE x.external_userid = c.external_userid
                                            AND x.status IN %s AND x.created_at > :since) >= :limit
                                    THEN 'NOT_SENT_LIMIT' ELSE 'QUEUED' END,
                               :now
                        FROM patient_wecom_contact c
                        WHERE c.staff_id = :a AND c.patient_id IN (SELECT patient_id FROM handover_item WHERE handover_id = :h)
                        ON CONFLICT (handover_id, external_userid) DO NOTHING""".formatted(COUNTED))
                .bind("h", handoverId).bind("a", fromStaffId).bind("au", fromUserId).bind("bu", toUserId)
                .bind("resigned", resigned).bind("since", since90Days()).bind("limit", TRANSFERS_PER_90_DAYS)
                .bind("now", OffsetDateTime.now(clock))
                .then();
    }

    private record Pair(String from, String to, boolean resigned) {
    }

    /** Asks WeCom to start the queued transfers of one handover, ≤ 100 customers a call. */
    public Mono<Void> send(long handoverId) {
        if (!wecom.enabled()) {
            return Mono.empty();
        }
        return db.sql("""
                        SELECT external_userid, handover_userid, takeover_userid, resigned FROM customer_transfer
                        WHERE handover_id = :h AND status = 'QUEUED' ORDER BY id""")
                .bind("h", handoverId)
                .map(r -> Map.entry(new Pair(r.get("handover_userid", String.class), r.get("takeover_userid", String.class),
                        Boolean.TRUE.equals(r.get("resigned", Boolean.class))), r.get("external_userid", String.class)))
                .all()
                .collectMultimap(Map.Entry::getKey, Map.Entry::getValue)
                .flatMapMany(byPair -> Flux.fromIterable(byPair.entrySet()))
                .concatMap(e -> Flux.fromIterable(e.getValue()).buffer(BATCH)
                        .concatMap(batch -> start(handoverId, e.getKey(), batch)))
                .then();
    }

    private Mono<Void> start(long handoverId, Pair pair, List<String> customers) {
        return wecom.transfer(pair.from(), pair.to(), pair.resigned(), customers,
                        "您好，您的随访医生已调整，后续将由新的医生继续为您提供随访服务。")
                .flatMapMany(Flux::fromIterable)
                .concatMap(c -> mark(handoverId, c.externalUserId(), c.errcode() == 0 ? "STARTED" : "FAILED",
                        c.errcode() == 0 ? null : c.errcode()))
                .then()
                .onErrorResume(WecomException.class, e -> e.isTransient()
                        ? Mono.error(e) // stays QUEUED: the poller asks again
                        : Flux.fromIterable(customers).concatMap(c -> mark(handoverId, c, "FAILED", e.errcode())).then());
    }

    private Mono<Void> mark(long handoverId, String externalUserId, String status, Integer errcode) {
        return db.sql("""
                        UPDATE customer_transfer SET status = :st, errcode = :err, changed_at = now()
                        WHERE handover_id = :h AND external_userid = :e AND status = 'QUEUED'""")
                .bind("h", handoverId).bind("e", externalUserId).bind("st", status)
                .bind("err", cn.suifang.backend.common.Rows.param(errcode, Integer.class))
                .then();
    }

    // ------------------------------------------------------------------ results

    @Scheduled(initialDelayString = "${suifang.scheduler.initial-delay:30s}", fixedDelayString = "10m")
    void scheduled() {
        if (!properties.scheduler().enabled() || !wecom.enabled()) {
            return;
        }
        lock.runExclusive("customer-transfer", java.time.Duration.ofMinutes(10), Mono.defer(this::poll).thenReturn(true), false)
                .subscribe(null, e -> log.warn("customer transfer poll failed: {}", e.getClass().getSimpleName()));
    }

    /**
     * Sends what is still queued, then asks WeCom how the started transfers went, per (handover member, takeover
     * member) pair, following {@code next_cursor}. A customer taken over now belongs to B in our records too.
     */
    public Mono<Void> poll() {
        Mono<Void> resend = db.sql("SELECT DISTINCT handover_id FROM customer_transfer WHERE status = 'QUEUED'")
                .map(r -> r.get(0, Long.class)).all()
                .concatMap(h -> send(h).onErrorResume(WecomException.class, e -> Mono.empty()))
                .then();
        Mono<Void> results = db.sql("""
                        SELECT DISTINCT handover_userid, takeover_userid, resigned FROM customer_transfer
                        WHERE status IN ('STARTED', 'WAITING')""")
                .map(r -> new Pair(r.get("handover_userid", String.class), r.get("takeover_userid", String.class),
                        Boolean.TRUE.equals(r.get("resigned", Boolean.class))))
                .all()
                .concatMap(pair -> results(pair, null))
                .then();
        return resend.then(results);
    }

    private Mono<Void> results(Pair pair, String cursor) {
        return wecom.results(pair.from(), pair.to(), pair.resigned(), cursor)
                .flatMap(page -> Flux.fromIterable(page.results())
                        .concatMap(c -> result(pair, c))
                        .then(page.nextCursor() == null || page.nextCursor().isBlank() || page.nextCursor().equals(cursor)
                                ? Mono.<Void>empty() : results(pair, page.nextCursor())));
    }

    private Mono<Void> result(Pair pair, WecomCustomers.Result c) {
        String status = c.status().name();
        OffsetDateTime at = c.takeoverAt() == null ? null : OffsetDateTime.ofInstant(c.takeoverAt(), ZoneOffset.UTC);
        return db.sql("""
                        UPDATE customer_transfer SET status = :st, takeover_at = :at, polls = polls + 1, changed_at = now()
                        WHERE handover_userid = :au AND takeover_userid = :bu AND resigned = :r AND external_userid = :e
                          AND status IN ('STARTED', 'WAITING')
                        RETURNING handover_id""")
                .bind("st", status).bind("at", cn.suifang.backend.common.Rows.param(at, OffsetDateTime.class))
                .bind("au", pair.from()).bind("bu", pair.to()).bind("r", pair.resigned()).bind("e", c.externalUserId())
                .map(r -> r.get(0, Long.class)).all()
                .concatMap(h -> c.status() == WecomCustomers.Status.COMPLETED ? db.sql("""
                                UPDATE patient_wecom_contact c SET staff_id = h.to_staff_id
                                FROM handover h
                                WHERE h.id = :h AND c.external_userid = :e AND c.staff_id = h.from_staff_id
                                  AND NOT EXISTS (SELECT 1 FROM patient_wecom_contact y
                                                  WHERE y.external_userid = :e AND y.staff_id = h.to_staff_id)""")
                        .bind("h", h).bind("e", c.externalUserId()).then() : Mono.empty())
                .then();
    }

    /** WeCom's {@code transfer_fail} callback: the customer refused, or B reached the customer limit. */
    public Mono<Void> failed(String takeoverUserId, String externalUserId, String failReason) {
        String status = "customer_refused".equals(failReason) ? "REFUSED"
                : "customer_limit_exceed".equals(failReason) ? "LIMIT_REACHED" : "FAILED";
        return db.sql("""
                        UPDATE customer_transfer SET status = :st, changed_at = now()
                        WHERE takeover_userid = :bu AND external_userid = :e AND status IN ('STARTED', 'WAITING')""")
                .bind("st", status).bind("bu", takeoverUserId).bind("e", externalUserId)
                .then();
    }

    Flux<Transfer> ofHandover(long handoverId, boolean withPatients) {
        return db.sql("""
                        SELECT t.*, p.name FROM customer_transfer t JOIN patient p ON p.id = t.patient_id
                        WHERE t.handover_id = :h ORDER BY t.id""")
                .bind("h", handoverId)
                .map(r -> new Transfer(withPatients ? r.get("patient_id", Long.class) : null,
                        withPatients ? Masking.name(r.get("name", String.class)) : null,
                        withPatients ? r.get("external_userid", String.class) : null,
                        Boolean.TRUE.equals(r.get("resigned", Boolean.class)), r.get("status", String.class),
                        r.get("errcode", Integer.class), r.get("takeover_at", OffsetDateTime.class)))
                .all();
    }
}
