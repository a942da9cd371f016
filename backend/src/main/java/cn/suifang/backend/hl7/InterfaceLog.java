package cn.suifang.backend.hl7;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.security.Principal;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The log of everything the hospital's systems sent us (table {@code hl7_message}): HL7 v2 over MLLP and FHIR over HTTP.
 * The text is kept encrypted (it names patients) with what became of it; a rejected one is the dead letter IT reads and
 * replays ({@link Hl7AdminController}) once the cause is fixed. Each entry is in the audit trail.
 */
@Component
public class InterfaceLog {

    public enum Channel { HL7V2, FHIR }

    /**
     * One received message and its outcome.
     *
     * @param status     PROCESSED, PARTIAL (some of it refused), IGNORED (nothing for us), REJECTED (dead letter)
     * @param ackCode    AA accepted, AE refused for its content, AR refused unread (malformed, unsupported)
     * @param replayOf   the entry this one replays, marked replayed
     * @param receivedBy the account that posted it; {@link Principal#SYSTEM} for MLLP
     */
    public record Entry(Channel channel, String controlId, String sendingApp, String messageType, String charset,
                        String raw, String status, String ackCode, String detail, Long replayOf, Principal receivedBy) {
    }

    /** Implemented by each channel's intake: handles a logged message again, logging the outcome as a new entry. */
    public interface Replayer {
        Channel channel();

        /** The id of the new log entry. */
        Mono<Long> replay(Principal by, String raw, long replayOf);
    }

    private final DatabaseClient db;
    private final PiiCipher cipher;
    private final AuditService audit;
    private final Clock clock;

    InterfaceLog(DatabaseClient db, PiiCipher cipher, AuditService audit, Clock clock) {
        this.db = db;
        this.cipher = cipher;
        this.audit = audit;
        this.clock = clock;
    }

    /** Appends the entry (and marks the one it replays); its id. */
    public Mono<Long> append(Entry e) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        Mono<Void> marked = e.replayOf() == null ? Mono.empty()
                : db.sql("UPDATE hl7_message SET replayed_at = :now WHERE id = :id").bind("id", e.replayOf()).bind("now", now).then();
        Long staff = e.receivedBy().isStaff() ? e.receivedBy().id() : null;
        return marked.then(db.sql("""
                        INSERT INTO hl7_message (channel, received_at, control_id, sending_app, message_type, charset, raw_enc,
                            status, ack_code, detail, replay_of, received_by)
                        VALUES (:channel, :now, :cid, :app, :type, :cs, :raw, :status, :ack, :detail, :replay, :by)
                        RETURNING id""")
                .bind("channel", e.channel().name())
                .bind("now", now)
                .bind("cid", Rows.param(truncate(e.controlId(), 64), String.class))
                .bind("app", Rows.param(truncate(e.sendingApp(), 64), String.class))
                .bind("type", Rows.param(truncate(e.messageType(), 32), String.class))
                .bind("cs", Rows.param(truncate(e.charset(), 32), String.class))
                .bind("raw", cipher.encrypt(PiiField.HL7_MESSAGE, e.raw()))
                .bind("status", e.status()).bind("ack", e.ackCode()).bind("detail", truncate(e.detail(), 4000))
                .bind("replay", Rows.param(e.replayOf(), Long.class))
                .bind("by", Rows.param(staff, Long.class))
                .map(r -> r.get("id", Long.class)).one())
                .flatMap(id -> audit.record(e.receivedBy(), e.channel() == Channel.HL7V2 ? "HL7_RECEIVE" : "FHIR_RECEIVE",
                                "hl7_message", id, List.of(), (e.messageType() == null ? "?" : e.messageType()) + " " + e.status())
                        .thenReturn(id));
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
