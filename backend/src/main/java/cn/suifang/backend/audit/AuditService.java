package cn.suifang.backend.audit;

import cn.suifang.backend.common.Rows;
import cn.suifang.backend.security.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HexFormat;
import java.util.stream.Collectors;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The append-only, hash-chained audit trail (协作留痕). Each row's hash covers the previous row's hash
 * and its own content, so changing, removing or reordering any row breaks the chain from there on.
 * <p>
 * Appends take a transaction-scoped advisory lock, which keeps the chain linear across any number
 * of backend instances. Inside a larger write transaction, call {@link #record} as the last step so
 * the lock is held only for the commit.
 */
@Service
public class AuditService {

    static final String GENESIS = "0".repeat(64);
    private static final long CHAIN_LOCK = 0x5375_6966_416EL; // "SuifAn"

    private final DatabaseClient db;
    private final TransactionalOperator tx;

    public AuditService(DatabaseClient db, TransactionalOperator tx) {
        this.db = db;
        this.tx = tx;
    }

    /** Appends one event; joins the caller's transaction when there is one. */
    public Mono<Void> record(Principal actor, String action, String resourceType, Object resourceId,
                             Collection<Long> patientIds, String detail) {
        return RequestContext.clientIp().flatMap(ip -> append(actor, action, resourceType,
                resourceId == null ? null : resourceId.toString(), patientIds, ip, detail));
    }

    private Mono<Void> append(Principal actor, String action, String resourceType, String resourceId,
                              Collection<Long> patientIds, String clientIp, String detail) {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Long[] patients = patientIds.stream().distinct().sorted().toArray(Long[]::new);
        Mono<Void> work = db.sql("SELECT pg_advisory_xact_lock(:k)").bind("k", CHAIN_LOCK).then()
                .then(db.sql("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")
                        .map(r -> r.get(0, String.class)).one().defaultIfEmpty(GENESIS))
                .flatMap(prev -> {
                    AuditEvent e = new AuditEvent(0, at, actor.type().name(), actor.actorId(), action, resourceType,
                            resourceId, patients, clientIp, detail, prev, null);
                    String hash = hash(e);
                    return db.sql("""
                                    INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, resource_type,
                                        resource_id, patient_ids, client_ip, detail, prev_hash, hash)
                                    VALUES (:at, :type, :actor, :action, :rtype, :rid, :patients, :ip, :detail, :prev, :hash)""")
                            .bind("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC))
                            .bind("type", e.actorType())
                            .bind("actor", Rows.param(e.actorId(), Long.class))
                            .bind("action", action)
                            .bind("rtype", resourceType)
                            .bind("rid", Rows.param(resourceId, String.class))
                            .bind("patients", patients)
                            .bind("ip", Rows.param(clientIp, String.class))
                            .bind("detail", Rows.param(detail, String.class))
                            .bind("prev", prev)
                            .bind("hash", hash)
                            .then();
                });
        return tx.transactional(work);
    }

    /** Walks the whole chain in order and reports the first row whose link or content does not match. */
    public Mono<ChainVerification> verify() {
        Flux<AuditEvent> rows = db.sql("""
                        SELECT id, occurred_at, actor_type, actor_id, action, resource_type, resource_id,
                               patient_ids, client_ip, detail, prev_hash, hash
                        FROM audit_event ORDER BY id""")
                .map(r -> new AuditEvent(
                        r.get("id", Long.class),
                        r.get("occurred_at", OffsetDateTime.class).toInstant(),
                        r.get("actor_type", String.class),
                        r.get("actor_id", Long.class),
                        r.get("action", String.class),
                        r.get("resource_type", String.class),
                        r.get("resource_id", String.class),
                        r.get("patient_ids", Long[].class),
                        r.get("client_ip", String.class),
                        r.get("detail", String.class),
                        r.get("prev_hash", String.class),
                        r.get("hash", String.class)))
                .all();
        return rows.reduce(ChainVerification.start(GENESIS), (state, e) -> {
            if (!state.valid()) {
                return state.countOnly();
            }
            if (!e.prevHash().equals(state.lastHash())) {
                return state.broken(e.id(), "prev_hash 与上一条记录不一致（记录被删除、插入或重排）");
            }
            if (!hash(e).equals(e.hash())) {
                return state.broken(e.id(), "记录内容与其哈希不一致（记录被篡改）");
            }
            return state.next(e.hash());
        });
    }

    static String hash(AuditEvent e) {
        String canonical = String.join("\u001f",
                e.prevHash(),
                Long.toString(e.occurredAt().getEpochSecond() * 1_000_000L + e.occurredAt().getNano() / 1000),
                e.actorType(),
                String.valueOf(e.actorId()),
                e.action(),
                e.resourceType(),
                String.valueOf(e.resourceId()),
                java.util.Arrays.stream(e.patientIds()).map(String::valueOf).collect(Collectors.joining(",")),
                String.valueOf(e.clientIp()),
                String.valueOf(e.detail()));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    record AuditEvent(long id, Instant occurredAt, String actorType, Long actorId, String action,
                      String resourceType, String resourceId, Long[] patientIds, String clientIp,
                      String detail, String prevHash, String hash) {
    }

    /** Result of walking the chain: valid, how many rows, and where it first broke. */
    public record ChainVerification(boolean valid, long checked, Long firstBrokenId, String reason, String lastHash) {

        static ChainVerification start(String genesis) {
            return new ChainVerification(true, 0, null, null, genesis);
        }

        ChainVerification next(String hash) {
            return new ChainVerification(true, checked + 1, null, null, hash);
        }

        ChainVerification broken(long id, String why) {
            return new ChainVerification(false, checked + 1, id, why, lastHash);
        }

        ChainVerification countOnly() {
            return new ChainVerification(false, checked + 1, firstBrokenId, reason, lastHash);
        }
    }
}
