package cn.suifang.backend.call;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.LogSafe;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.security.Principal;
import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.HangupOutcomes;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reconciles one mod_json_cdr record with the call record the bridge's events built, in one transaction that
 * locks the call record (as {@link CallEventApplier} does):
 * <ul>
 *   <li>a call the events left open is ended by its doctor-leg (A-leg) CDR, with the outcome the shared
 *       {@link HangupOutcomes} mapping gives for what both legs' CDRs say; a patient-leg CDR of an open call
 *       only fills the patient's answer time and waits for the A-leg;</li>
 *   <li>a call the events ended keeps the event-derived values; the CDR only fills what is missing, and each
 *       value it disagrees with is recorded in {@code call_cdr_mismatch} and logged;</li>
 *   <li>a call a CDR ended is refined by the other leg's CDR (its values are CDR-derived anyway).</li>
 * </ul>
 * The channel uuid is the idempotency key: the same CDR again changes nothing.
 */
@Component
class CdrReconciler {

    private static final Logger log = LoggerFactory.getLogger(CdrReconciler.class);
    /** Answer times from events (ESL event dates) and CDRs (channel times) may differ by scheduling jitter. */
    private static final Duration TIME_TOLERANCE = Duration.ofSeconds(1);

    enum Result { APPLIED, DUPLICATE, UNKNOWN_CALL, NOT_OUR_CHANNEL }

    record Mismatch(String field, String recorded, String cdr) {
    }

    record Report(Result result, boolean closed, List<String> filled, List<Mismatch> mismatches) {

        static Report of(Result result) {
            return new Report(result, false, List.of(), List.of());
        }
    }

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final AuditService audit;
    private final Clock clock;

    CdrReconciler(DatabaseClient db, TransactionalOperator tx, AuditService audit, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.audit = audit;
        this.clock = clock;
    }

    Mono<Report> reconcile(JsonCdr cdr) {
        JsonCdr.Leg leg = cdr.leg();
        if (leg == null) {
            return Mono.just(Report.of(Result.NOT_OUR_CHANNEL));
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        Mono<Report> work = db.sql("SELECT * FROM call_record WHERE id = :id FOR UPDATE")
                .bind("id", cdr.callId())
                .map(Recorded::of)
                .one()
                .flatMap(recorded -> earlierCdrs(cdr.callId())
                        .flatMap(earlier -> {
                            Plan plan = Plan.of(recorded, leg, cdr, earlier);
                            return insertCdr(cdr, leg, plan.closed(), now)
                                    .flatMap(cdrId -> write(recorded, plan, cdrId, leg, now))
                                    .defaultIfEmpty(Report.of(Result.DUPLICATE));
                        }))
                .defaultIfEmpty(Report.of(Result.UNKNOWN_CALL));
        return tx.transactional(work);
    }

    private Mono<List<StoredCdr>> earlierCdrs(UUID callId) {
        return db.sql("SELECT * FROM call_cdr WHERE call_id = :id ORDER BY id").bind("id", callId)
                .map(StoredCdr::of).all().collectList();
    }

    /** Emits the new row's id, or nothing when this channel's CDR was stored before. */
    private Mono<Long> insertCdr(JsonCdr c, JsonCdr.Leg leg, boolean closed, OffsetDateTime now) {
        return db.sql("""
                        INSERT INTO call_cdr (call_id, leg, channel_uuid, core_uuid, hangup_cause, originate_disposition,
                            started_at, answered_at, bridged_at, ended_at, billsec, duration_sec, closed_call, received_at)
                        VALUES (:call, :leg, :channel, :core, :cause, :disposition, :started, :answered, :bridged, :ended,
                            :billsec, :duration, :closed, :now)
                        ON CONFLICT (channel_uuid) DO NOTHING
                        RETURNING id""")
                .bind("call", c.callId()).bind("leg", leg.name()).bind("channel", c.channelUuid().toLowerCase())
                .bind("core", Rows.param(c.coreUuid(), String.class))
                .bind("cause", Rows.param(c.hangupCause(), String.class))
                .bind("disposition", Rows.param(c.originateDisposition(), String.class))
                .bind("started", Rows.param(c.startedAt(), OffsetDateTime.class))
                .bind("answered", Rows.param(c.answeredAt(), OffsetDateTime.class))
                .bind("bridged", Rows.param(c.bridgedAt(), OffsetDateTime.class))
                .bind("ended", Rows.param(c.endedAt(), OffsetDateTime.class))
                .bind("billsec", Rows.param(c.billsec(), Integer.class))
                .bind("duration", Rows.param(c.durationSec(), Integer.class))
                .bind("closed", closed).bind("now", now)
                .map(r -> r.get("id", Long.class)).one();
    }

    private Mono<Report> write(Recorded before, Plan plan, long cdrId, JsonCdr.Leg leg, OffsetDateTime now) {
        Recorded after = plan.after();
        Mono<Void> update = after.equals(before) ? Mono.empty() : db.sql("""
                        UPDATE call_record SET status = :status, outcome = :outcome, hangup_cause = :cause,
                            doctor_answered_at = :doctorAt, patient_answered_at = :patientAt, ended_at = :endedAt,
                            billsec = :billsec, duration_sec = :duration, changed_at = :now
                        WHERE id = :id""")
                .bind("id", after.id()).bind("status", after.status())
                .bind("outcome", Rows.param(after.outcome(), String.class))
                .bind("cause", Rows.param(after.hangupCause(), String.class))
                .bind("doctorAt", Rows.param(after.doctorAnsweredAt(), OffsetDateTime.class))
                .bind("patientAt", Rows.param(after.patientAnsweredAt(), OffsetDateTime.class))
                .bind("endedAt", Rows.param(after.endedAt(), OffsetDateTime.class))
                .bind("billsec", Rows.param(after.billsec(), Integer.class))
                .bind("duration", Rows.param(after.durationSec(), Integer.class))
                .bind("now", now)
                .then();
        Mono<Void> mismatches = Flux.fromIterable(plan.mismatches())
                .concatMap(m -> db.sql("""
                                INSERT INTO call_cdr_mismatch (call_id, cdr_id, field, recorded_value, cdr_value, detected_at)
                                VALUES (:call, :cdr, :field, :recorded, :value, :now)""")
                        .bind("call", before.id()).bind("cdr", cdrId).bind("field", m.field())
                        .bind("recorded", Rows.param(m.recorded(), String.class))
                        .bind("value", Rows.param(m.cdr(), String.class)).bind("now", now)
                        .then())
                .then();
        Report report = new Report(Result.APPLIED, plan.closed(), plan.filled(), plan.mismatches());
        return update.then(mismatches)
                .then(audit.record(Principal.SYSTEM, "CALL_CDR", "call_record", before.id(), List.of(before.patientId()),
                        auditDetail(leg, report, after)))
                .then(Mono.fromRunnable(() -> logOutcome(before.id(), leg, report, after)))
                .thenReturn(report);
    }

    private static String auditDetail(JsonCdr.Leg leg, Report r, Recorded after) {
        StringBuilder sb = new StringBuilder("leg=").append(leg);
        if (r.closed()) {
            sb.append("; closed=").append(after.outcome());
        }
        if (!r.filled().isEmpty()) {
            sb.append("; filled=").append(String.join(",", r.filled()));
        }
        if (!r.mismatches().isEmpty()) {
            sb.append("; mismatches=").append(String.join(",", r.mismatches().stream().map(Mismatch::field).toList()));
        }
        return sb.toString();
    }

    private static void logOutcome(UUID callId, JsonCdr.Leg leg, Report r, Recorded after) {
        // ids, causes, counts and times only: the CDR's numbers and names never reach this point
        if (r.closed()) {
            log.warn("call {} was still open; its {} leg CDR ended it as {} ({})", callId, leg, after.outcome(),
                    LogSafe.of(after.hangupCause()));
        }
        for (Mismatch m : r.mismatches()) {
            log.warn("call {} {} leg CDR disagrees on {}: recorded {}, CDR {}; the recorded value is kept", callId, leg,
                    m.field(), LogSafe.of(m.recorded()), LogSafe.of(m.cdr()));
        }
    }

    // ------------------------------------------------------------------ the pure part

    /** The call record's columns the reconciliation reads and writes. */
    record Recorded(UUID id, long patientId, String status, String outcome, String hangupCause,
                    OffsetDateTime doctorAnsweredAt, OffsetDateTime patientAnsweredAt, OffsetDateTime endedAt,
                    Integer billsec, Integer durationSec, boolean cancelRequested) {

        static Recorded of(Readable r) {
            return new Recorded(r.get("id", UUID.class), r.get("patient_id", Long.class), r.get("status", String.class),
                    r.get("outcome", String.class), r.get("hangup_cause", String.class),
                    r.get("doctor_answered_at", OffsetDateTime.class), r.get("patient_answered_at", OffsetDateTime.class),
                    r.get("ended_at", OffsetDateTime.class), r.get("billsec", Integer.class),
                    r.get("duration_sec", Integer.class), r.get("cancel_requested_at", OffsetDateTime.class) != null);
        }

        boolean ended() {
            return CallStatus.ENDED.name().equals(status);
        }
    }

    /** A CDR stored earlier for the same call. */
    record StoredCdr(JsonCdr.Leg leg, JsonCdr cdr, boolean closedCall) {

        static StoredCdr of(Readable r) {
            return new StoredCdr(JsonCdr.Leg.valueOf(r.get("leg", String.class)),
                    new JsonCdr(r.get("call_id", UUID.class), r.get("channel_uuid", String.class),
                            r.get("core_uuid", String.class), r.get("hangup_cause", String.class),
                            r.get("originate_disposition", String.class), null,
                            r.get("started_at", OffsetDateTime.class), r.get("answered_at", OffsetDateTime.class),
                            r.get("bridged_at", OffsetDateTime.class), r.get("ended_at", OffsetDateTime.class),
                            r.get("billsec", Integer.class), r.get("duration_sec", Integer.class)),
                    Boolean.TRUE.equals(r.get("closed_call", Boolean.class)));
        }
    }

    /** What one CDR does to a call record: the record after it, whether it ended the call, what it filled or disputes. */
    record Plan(Recorded after, boolean closed, List<String> filled, List<Mismatch> mismatches) {

        static Plan of(Recorded rec, JsonCdr.Leg leg, JsonCdr cdr, List<StoredCdr> earlier) {
            JsonCdr doctor = leg == JsonCdr.Leg.DOCTOR ? cdr : other(earlier, JsonCdr.Leg.DOCTOR);
            JsonCdr patient = leg == JsonCdr.Leg.PATIENT ? cdr : other(earlier, JsonCdr.Leg.PATIENT);
            boolean closedByCdr = earlier.stream().anyMatch(StoredCdr::closedCall);
            Builder b = new Builder(rec);
            if (!rec.ended() || closedByCdr) {
                if (doctor == null) {
                    // only the patient leg so far: the A-leg's CDR (the switch destroys it last) will end the call
                    b.fill("patient_answered_at", patient.answeredAt());
                    return b.plan(false);
                }
                HangupOutcomes.Decision d = decide(doctor, patient, rec.cancelRequested());
                b.end(d, billsec(d, doctor, patient), doctor.durationSec(), endedAt(doctor, patient));
                b.fill("doctor_answered_at", doctor.answeredAt());
                b.fill("patient_answered_at", patient == null ? null : patient.answeredAt());
                return b.plan(!rec.ended());
            }
            if (leg == JsonCdr.Leg.DOCTOR) {
                HangupOutcomes.Decision d = decide(doctor, patient, rec.cancelRequested());
                b.compare("outcome", rec.outcome(), d.outcome().name());
                b.compare("hangup_cause", rec.hangupCause(), d.cause());
                b.compare("duration_sec", rec.durationSec(), doctor.durationSec());
                b.compareTime("doctor_answered_at", rec.doctorAnsweredAt(), doctor.answeredAt());
                b.fill("ended_at", endedAt(doctor, patient));
            } else {
                if (patient.answeredAt() != null) {
                    b.compare("outcome", rec.outcome(), CallOutcome.CONNECTED.name());
                }
                b.compare("billsec", rec.billsec(), patient.billsec());
                b.compareTime("patient_answered_at", rec.patientAnsweredAt(), patient.answeredAt());
            }
            return b.plan(false);
        }

        private static JsonCdr other(List<StoredCdr> earlier, JsonCdr.Leg leg) {
            return earlier.stream().filter(s -> s.leg() == leg).map(StoredCdr::cdr).findFirst().orElse(null);
        }

        /** The bridge's rule, fed from the CDRs (the A-leg's, and the B-leg's when it came first). */
        static HangupOutcomes.Decision decide(JsonCdr doctor, JsonCdr patient, boolean cancelRequested) {
            boolean patientAnswered = doctor.bridgedAt() != null || (patient != null && patient.answeredAt() != null);
            String patientCause = patient != null ? patient.hangupCause() : doctor.lastBridgeHangupCause();
            boolean doctorFirst = patient != null && doctor.endedAt() != null && patient.endedAt() != null
                    && doctor.endedAt().isBefore(patient.endedAt());
            return HangupOutcomes.decide(new HangupOutcomes.Facts(doctor.answeredAt() != null, patientAnswered,
                    doctor.hangupCause(), patientCause, doctorFirst, doctor.originateDisposition(), cancelRequested, null));
        }

        /** As the bridge reports it: the patient leg's billsec when connected, else 0. */
        private static Integer billsec(HangupOutcomes.Decision d, JsonCdr doctor, JsonCdr patient) {
            if (d.outcome() != CallOutcome.CONNECTED) {
                return 0;
            }
            if (patient != null && patient.billsec() != null) {
                return patient.billsec();
            }
            // no B-leg CDR (log-b-leg=false): the A-leg was bridged to the patient from answer to hang-up
            if (doctor.bridgedAt() != null && doctor.endedAt() != null) {
                return (int) Math.max(0, Duration.between(doctor.bridgedAt(), doctor.endedAt()).toSeconds());
            }
            return null;
        }

        private static OffsetDateTime endedAt(JsonCdr doctor, JsonCdr patient) {
            if (patient == null || patient.endedAt() == null) {
                return doctor.endedAt();
            }
            return doctor.endedAt() == null || patient.endedAt().isAfter(doctor.endedAt()) ? patient.endedAt() : doctor.endedAt();
        }
    }

    private static final class Builder {

        private final Recorded rec;
        private String status;
        private String outcome;
        private String cause;
        private OffsetDateTime doctorAt;
        private OffsetDateTime patientAt;
        private OffsetDateTime endedAt;
        private Integer billsec;
        private Integer duration;
        private final List<String> filled = new ArrayList<>();
        private final List<Mismatch> mismatches = new ArrayList<>();

        Builder(Recorded rec) {
            this.rec = rec;
            status = rec.status();
            outcome = rec.outcome();
            cause = rec.hangupCause();
            doctorAt = rec.doctorAnsweredAt();
            patientAt = rec.patientAnsweredAt();
            endedAt = rec.endedAt();
            billsec = rec.billsec();
            duration = rec.durationSec();
        }

        /** Ends the call (or re-derives an end an earlier CDR made) with what the CDRs say. */
        void end(HangupOutcomes.Decision d, Integer billsec, Integer duration, OffsetDateTime endedAt) {
            status = CallStatus.ENDED.name();
            this.outcome = note("outcome", this.outcome, d.outcome().name());
            this.cause = note("hangup_cause", this.cause, d.cause());
            this.billsec = note("billsec", this.billsec, billsec);
            this.duration = note("duration_sec", this.duration, duration);
            this.endedAt = note("ended_at", this.endedAt, endedAt);
        }

        private <T> T note(String field, T current, T value) {
            if (value != null && !value.equals(current)) {
                filled.add(field);
                return value;
            }
            return current;
        }

        void fill(String field, Object value) {
            if (value == null) {
                return;
            }
            switch (field) {
                case "doctor_answered_at" -> doctorAt = fillIfMissing(field, doctorAt, (OffsetDateTime) value);
                case "patient_answered_at" -> patientAt = fillIfMissing(field, patientAt, (OffsetDateTime) value);
                case "ended_at" -> endedAt = fillIfMissing(field, endedAt, (OffsetDateTime) value);
                default -> throw new IllegalArgumentException(field);
            }
        }

        private <T> T fillIfMissing(String field, T current, T value) {
            if (current == null && value != null) {
                filled.add(field);
                return value;
            }
            return current;
        }

        /** Fills a missing value; a present one that differs is kept and recorded as a mismatch. */
        void compare(String field, Object recorded, Object cdr) {
            if (cdr == null) {
                return;
            }
            if (recorded == null) {
                switch (field) {
                    case "outcome" -> outcome = fillIfMissing(field, outcome, (String) cdr);
                    case "hangup_cause" -> cause = fillIfMissing(field, cause, (String) cdr);
                    case "duration_sec" -> duration = fillIfMissing(field, duration, (Integer) cdr);
                    case "billsec" -> billsec = fillIfMissing(field, billsec, (Integer) cdr);
                    default -> throw new IllegalArgumentException(field);
                }
            } else if (!Objects.equals(recorded, cdr)) {
                mismatches.add(new Mismatch(field, recorded.toString(), cdr.toString()));
            }
        }

        void compareTime(String field, OffsetDateTime recorded, OffsetDateTime cdr) {
            if (recorded == null) {
                fill(field, cdr);
            } else if (cdr == null) {
                mismatches.add(new Mismatch(field, recorded.toInstant().toString(), null));
            } else if (Duration.between(recorded, cdr).abs().compareTo(TIME_TOLERANCE) > 0) {
                mismatches.add(new Mismatch(field, recorded.toInstant().toString(), cdr.toInstant().toString()));
            }
        }

        Plan plan(boolean closed) {
            Recorded after = new Recorded(rec.id(), rec.patientId(), status, outcome, cause, doctorAt, patientAt, endedAt,
                    billsec, duration, rec.cancelRequested());
            return new Plan(after, closed, List.copyOf(filled), List.copyOf(mismatches));
        }
    }
}
