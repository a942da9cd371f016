package cn.suifang.backend.call;

import cn.suifang.telephony.api.CallEvent;
import cn.suifang.telephony.api.CallEventType;
import cn.suifang.telephony.api.CallOutcome;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * Applies one call event in its own transaction, idempotently and never backwards: the event row is the
 * idempotency key (call, core, sequence, type); a duplicate changes nothing. The status only moves when the
 * event ranks above everything applied so far; a late, lower-ranked event only fills what is still missing
 * (e.g. the patient's answer time after CALL_ENDED, or the recording after the end).
 */
@Component
class CallEventApplier {

    enum Result { APPLIED, DUPLICATE, UNKNOWN_CALL }

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final Clock clock;

    CallEventApplier(DatabaseClient db, TransactionalOperator tx, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.clock = clock;
    }

    Mono<Result> apply(CallEvent e, String streamId) {
        UUID callId = UUID.fromString(e.callId());
        OffsetDateTime received = OffsetDateTime.now(clock);
        Mono<Result> work = db.sql("SELECT * FROM call_record WHERE id = :id FOR UPDATE")
                .bind("id", callId)
                .map(CallState::of)
                .one()
                .flatMap(state -> insertEvent(callId, e, streamId, received)
                        .flatMap(inserted -> inserted
                                ? write(callId, state.next(e), received).thenReturn(Result.APPLIED)
                                : Mono.just(Result.DUPLICATE)))
                .defaultIfEmpty(Result.UNKNOWN_CALL);
        return tx.transactional(work);
    }

    private Mono<Boolean> insertEvent(UUID callId, CallEvent e, String streamId, OffsetDateTime received) {
        return db.sql("""
                        INSERT INTO call_event (call_id, core_uuid, sequence, type, leg, channel_uuid, hangup_cause, outcome,
                            billsec, duration_sec, occurred_at, received_at, stream_id)
                        VALUES (:call, :core, :seq, :type, :leg, :channel, :cause, :outcome, :billsec, :duration, :at,
                            :received, :stream)
                        ON CONFLICT (call_id, core_uuid, sequence, type) DO NOTHING
                        RETURNING id""")
                .bind("call", callId).bind("core", e.coreUuid()).bind("seq", e.sequence()).bind("type", e.type().name())
                .bind("leg", param(e.leg(), String.class)).bind("channel", param(e.channelUuid(), String.class))
                .bind("cause", param(e.hangupCause(), String.class))
                .bind("outcome", param(e.outcome() == null ? null : e.outcome().name(), String.class))
                .bind("billsec", param(e.billsec(), Integer.class)).bind("duration", param(e.durationSec(), Integer.class))
                .bind("at", at(e)).bind("received", received).bind("stream", param(streamId, String.class))
                .map(r -> true).one().defaultIfEmpty(false);
    }

    private Mono<Void> write(UUID callId, CallState s, OffsetDateTime received) {
        return db.sql("""
                        UPDATE call_record SET status = :status, outcome = :outcome, hangup_cause = :cause,
                            doctor_answered_at = :doctorAt, patient_answered_at = :patientAt, ended_at = :endedAt,
                            billsec = :billsec, duration_sec = :duration, recording_path = :recording,
                            recording_ready_at = :recordingAt, last_event_rank = :rank, last_event_at = :received,
                            changed_at = :received
                        WHERE id = :id""")
                .bind("id", callId).bind("status", s.status().name())
                .bind("outcome", param(s.outcome() == null ? null : s.outcome().name(), String.class))
                .bind("cause", param(s.hangupCause(), String.class))
                .bind("doctorAt", param(s.doctorAnsweredAt(), OffsetDateTime.class))
                .bind("patientAt", param(s.patientAnsweredAt(), OffsetDateTime.class))
                .bind("endedAt", param(s.endedAt(), OffsetDateTime.class))
                .bind("billsec", param(s.billsec(), Integer.class)).bind("duration", param(s.durationSec(), Integer.class))
                .bind("recording", param(s.recordingPath(), String.class))
                .bind("recordingAt", param(s.recordingReadyAt(), OffsetDateTime.class))
                .bind("rank", s.lastEventRank()).bind("received", received)
                .then();
    }

    private static org.springframework.r2dbc.core.Parameter param(Object value, Class<?> type) {
        return cn.suifang.backend.common.Rows.param(value, type);
    }

    static OffsetDateTime at(CallEvent e) {
        return OffsetDateTime.ofInstant(e.occurredAt(), ZoneOffset.UTC);
    }

    /** The mutable part of a call record and the pure rule for applying one event to it. */
    record CallState(CallStatus status, CallOutcome outcome, String hangupCause, OffsetDateTime doctorAnsweredAt,
                     OffsetDateTime patientAnsweredAt, OffsetDateTime endedAt, Integer billsec, Integer durationSec,
                     String recordingPath, OffsetDateTime recordingReadyAt, int lastEventRank) {

        static CallState of(Readable r) {
            String outcome = r.get("outcome", String.class);
            return new CallState(CallStatus.valueOf(r.get("status", String.class)),
                    outcome == null ? null : CallOutcome.valueOf(outcome), r.get("hangup_cause", String.class),
                    r.get("doctor_answered_at", OffsetDateTime.class), r.get("patient_answered_at", OffsetDateTime.class),
                    r.get("ended_at", OffsetDateTime.class), r.get("billsec", Integer.class),
                    r.get("duration_sec", Integer.class), r.get("recording_path", String.class),
                    r.get("recording_ready_at", OffsetDateTime.class), r.get("last_event_rank", Integer.class));
        }

        CallState next(CallEvent e) {
            CallEventType type = e.type();
            OffsetDateTime at = at(e);
            boolean forward = type.rank() > lastEventRank && status != CallStatus.ENDED;
            CallStatus newStatus = forward ? statusAfter(type, status) : status;
            boolean ended = type == CallEventType.CALL_ENDED;
            boolean recording = type == CallEventType.RECORDING_READY && e.recordingPath() != null;
            return new CallState(newStatus,
                    ended ? first(outcome, e.outcome()) : outcome,
                    ended ? first(hangupCause, e.hangupCause()) : hangupCause,
                    type == CallEventType.DOCTOR_ANSWERED ? first(doctorAnsweredAt, at) : doctorAnsweredAt,
                    type == CallEventType.PATIENT_ANSWERED ? first(patientAnsweredAt, at) : patientAnsweredAt,
                    ended ? first(endedAt, at) : endedAt,
                    ended ? first(billsec, e.billsec()) : billsec,
                    ended ? first(durationSec, e.durationSec()) : durationSec,
                    recording ? first(recordingPath, e.recordingPath()) : recordingPath,
                    recording ? first(recordingReadyAt, at) : recordingReadyAt,
                    Math.max(lastEventRank, type.rank()));
        }

        private static CallStatus statusAfter(CallEventType type, CallStatus current) {
            return switch (type) {
                case ORIGINATE_ACCEPTED, DOCTOR_RINGING -> CallStatus.DIALING_DOCTOR;
                case DOCTOR_ANSWERED, PATIENT_RINGING -> CallStatus.RINGING_PATIENT;
                case PATIENT_ANSWERED, BRIDGED -> CallStatus.IN_CALL;
                // a leg hung up or the recording closed: the call is ending, CALL_ENDED will say how
                case HANGUP, RECORDING_READY -> current;
                case CALL_ENDED -> CallStatus.ENDED;
            };
        }

        private static <T> T first(T existing, T incoming) {
            return existing != null ? existing : incoming;
        }
    }
}
