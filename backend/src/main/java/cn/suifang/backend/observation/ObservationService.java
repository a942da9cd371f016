package cn.suifang.backend.observation;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Coded indicators over time, from labs, notes, the patient or devices. */
@Service
public class ObservationService {

    private final DatabaseClient db;

    ObservationService(DatabaseClient db) {
        this.db = db;
    }

    public record Reading(ObservationCode code, BigDecimal value, String unit) {
    }

    public record Observation(long id, ObservationCode code, String label, BigDecimal value, String unit,
                              OffsetDateTime effectiveAt, String source) {
    }

    /**
     * Checks unit and plausibility; {@code field} prefixes the problem's field path.
     * Units must be the canonical one: conversions belong to the importer that knows the source.
     */
    public static void validate(String field, Reading r) {
        check(field + ".unit", field + ".value", r);
    }

    /** As {@link #validate}, naming the problem's fields exactly (e.g. a questionnaire item that is a reading). */
    public static void check(String unitField, String valueField, Reading r) {
        if (r.unit() != null && !r.unit().equals(r.code().unit())) {
            throw ApiException.badRequest(1601, unitField,
                    r.code().label() + "的单位应为 " + r.code().unit() + "，收到 " + r.unit());
        }
        if (!r.code().plausible(r.value())) {
            throw ApiException.badRequest(1602, valueField,
                    r.code().label() + " " + r.value().toPlainString() + " 超出可能范围（" + r.code().rangeText()
                            + "），请检查是否录入错误");
        }
    }

    /** Inserts within the caller's transaction; the new row's id. */
    public Mono<Long> record(long patientId, Reading r, OffsetDateTime at, String source, Long noteId, Long actorId) {
        return db.sql("""
                        INSERT INTO observation (patient_id, code, value, unit, effective_at, source, note_id, created_by)
                        VALUES (:p, :c, :v, :u, :at, :src, :note, :by)
                        RETURNING id""")
                .bind("p", patientId).bind("c", r.code().name()).bind("v", r.value()).bind("u", r.code().unit())
                .bind("at", at).bind("src", source)
                .bind("note", Rows.param(noteId, Long.class)).bind("by", Rows.param(actorId, Long.class))
                .map(row -> row.get("id", Long.class)).one();
    }

    /**
     * A reading reported by the patient or a proxy (through their mini-program {@code bindingId}) or from a
     * questionnaire; {@code clientRequestId} makes a report idempotent (one row per request and code).
     */
    public Mono<Long> reported(long patientId, Reading r, OffsetDateTime at, String source, Long actorId, Long bindingId,
                               String clientRequestId) {
        return db.sql("""
                        INSERT INTO observation (patient_id, code, value, unit, effective_at, source, created_by, binding_id,
                            client_request_id)
                        VALUES (:p, :c, :v, :u, :at, :src, :by, :binding, :crid)
                        RETURNING id""")
                .bind("p", patientId).bind("c", r.code().name()).bind("v", r.value()).bind("u", r.code().unit())
                .bind("at", at).bind("src", source).bind("by", Rows.param(actorId, Long.class))
                .bind("binding", Rows.param(bindingId, Long.class)).bind("crid", Rows.param(clientRequestId, String.class))
                .map(row -> row.get("id", Long.class)).one();
    }

    /** The latest {@code perCode} values of each code (newest first), for briefs. */
    public Flux<Observation> latest(long patientId, int perCode) {
        return db.sql("""
                        SELECT * FROM (
                            SELECT o.*, row_number() OVER (PARTITION BY code ORDER BY effective_at DESC, id DESC) AS rn
                            FROM observation o WHERE o.patient_id = :p AND NOT o.voided) x
                        WHERE rn <= :n ORDER BY code, effective_at DESC""")
                .bind("p", patientId).bind("n", perCode)
                .map(r -> of(r))
                .all();
    }

    /** All values of the given codes in time order, for trend charts. */
    public Flux<Observation> series(long patientId, List<ObservationCode> codes) {
        return db.sql("""
                        SELECT * FROM observation
                        WHERE patient_id = :p AND NOT voided AND code = ANY(:codes)
                        ORDER BY code, effective_at""")
                .bind("p", patientId).bind("codes", codes.stream().map(Enum::name).toArray(String[]::new))
                .map(r -> of(r))
                .all();
    }

    private static Observation of(io.r2dbc.spi.Readable r) {
        ObservationCode code = ObservationCode.valueOf(r.get("code", String.class));
        return new Observation(r.get("id", Long.class), code, code.label(), r.get("value", BigDecimal.class),
                r.get("unit", String.class), r.get("effective_at", OffsetDateTime.class), r.get("source", String.class));
    }
}
