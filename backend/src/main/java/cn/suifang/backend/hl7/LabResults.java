package cn.suifang.backend.hl7;

import cn.suifang.backend.alert.AlertEngine;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Results from the hospital's systems (HL7 ORU^R01, FHIR Observation) becoming our observations: the code is looked up
 * in {@code lab_code_map} (LOINC, or the sending system's own codes), the value converted to our unit
 * ({@link LabUnits}) and checked for plausibility, stored once per request id and code (a resent or replayed message
 * stores nothing twice), and the alert rules run over the new readings.
 */
@Service
public class LabResults {

    /** What became of one result. */
    public enum Kind {
        /** stored as a new observation */
        SAVED,
        /** stored before under the same request id: nothing written */
        REPEATED,
        /** its code is not in lab_code_map: nothing written */
        UNMAPPED,
        /** wrong unit or implausible value: nothing written, {@code message} says why */
        REFUSED
    }

    /**
     * One result as received.
     *
     * @param system     the coding system as lab_code_map names it ({@code LN} for LOINC, else the sending system's)
     * @param source     our observation source (LAB, DEVICE …)
     * @param requestId  idempotency key, unique per message and result (with the code: one row per request and code)
     * @param unitField  where the unit was, for the message of a refusal
     * @param valueField where the value was
     */
    public record Result(String system, String code, BigDecimal value, String unit, OffsetDateTime at, String source,
                         String requestId, String unitField, String valueField) {
    }

    public record Stored(Kind kind, ObservationCode code, Long observationId, String message) {
    }

    public static final String LOINC = "LN";
    /** Our own indicator codes (FPG, SBP …): known without a lab_code_map row. */
    public static final String OWN = "SUIFANG";

    private final DatabaseClient db;
    private final AlertEngine alerts;
    private final cn.suifang.backend.observation.PatientFacts facts;
    private final Clock clock;

    LabResults(DatabaseClient db, AlertEngine alerts, cn.suifang.backend.observation.PatientFacts facts, Clock clock) {
        this.db = db;
        this.alerts = alerts;
        this.facts = facts;
        this.clock = clock;
    }

    /** Stores the results in order within the caller's transaction, then runs the alert rules over the new rows. */
    public Mono<List<Stored>> store(long patientId, List<Result> results) {
        return Flux.fromIterable(results)
                .concatMap(r -> indicator(r.system(), r.code())
                        .map(code -> storeOne(patientId, code, r))
                        .defaultIfEmpty(Mono.just(new Stored(Kind.UNMAPPED, null, null,
                                "检验项目编码未映射：" + r.system() + " " + r.code())))
                        .flatMap(stored -> stored))
                .collectList()
                .flatMap(stored -> alerts.onReadings(patientId, stored.stream()
                                .filter(s -> s.kind() == Kind.SAVED).map(Stored::observationId).toList())
                        .then(facts.changed(patientId))
                        .thenReturn(stored));
    }

    /** Our indicator for a code, when lab_code_map knows it (or it is one of ours). */
    public Mono<ObservationCode> indicator(String system, String code) {
        if (code == null) {
            return Mono.empty();
        }
        if (OWN.equals(system)) {
            return Mono.justOrEmpty(java.util.Arrays.stream(ObservationCode.values())
                    .filter(c -> c.name().equals(code)).findFirst());
        }
        return db.sql("SELECT observation_code FROM lab_code_map WHERE coding_system = :s AND code = :c")
                .bind("s", system == null ? "" : system).bind("c", code)
                .map(r -> ObservationCode.valueOf(r.get(0, String.class))).one();
    }

    private Mono<Stored> storeOne(long patientId, ObservationCode code, Result r) {
        ObservationService.Reading reading;
        try {
            reading = new ObservationService.Reading(code, LabUnits.toCanonical(code, r.value(), r.unit()), null);
            ObservationService.check(r.unitField(), r.valueField(), reading);
        } catch (IllegalArgumentException | ApiException e) {
            return Mono.just(new Stored(Kind.REFUSED, code, null, e.getMessage()));
        }
        OffsetDateTime at = r.at() != null ? r.at() : OffsetDateTime.now(clock);
        return insert(patientId, reading, at, r.source(), r.requestId())
                .map(id -> new Stored(Kind.SAVED, code, id, null))
                .defaultIfEmpty(new Stored(Kind.REPEATED, code, null, "已保存过，未重复保存"));
    }

    /** Idempotent: a replayed or repeated message finds its results stored already (request id and code). */
    private Mono<Long> insert(long patientId, ObservationService.Reading r, OffsetDateTime at, String source, String requestId) {
        return db.sql("""
                        INSERT INTO observation (patient_id, code, value, unit, effective_at, source, client_request_id)
                        VALUES (:p, :c, :v, :u, :at, :src, :crid)
                        ON CONFLICT (client_request_id, code) WHERE client_request_id IS NOT NULL DO NOTHING
                        RETURNING id""")
                .bind("p", patientId).bind("c", r.code().name()).bind("v", r.value()).bind("u", r.code().unit())
                .bind("at", at).bind("src", source).bind("crid", requestId)
                .map(row -> row.get("id", Long.class)).one();
    }
}
