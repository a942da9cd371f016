package cn.suifang.backend.risk;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.observation.PatientFacts;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.Period;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps each patient's risk assessments current: whenever their facts change (readings, lab results, the lifestyle
 * questionnaire, a discharge) both models are evaluated on the latest facts, inside the caller's transaction, and a
 * new row is stored when a result differs from the last one — so the rows are the risk's history. Facts come from:
 * sex and age (the record); SBP (mean of the latest three readings within 90 days); TC, HDL-C, waist, height and
 * weight (latest within a year); smoking, blood-pressure drugs and family history (the latest LIFESTYLE answers);
 * diabetes (an E10–E14 diagnosis); region and urban/rural (the hospital's catchment, {@code suifang.risk.*}).
 * China-PAR is a primary-prevention model: for a patient with established ASCVD it is not applied, and the reason
 * says so (they are very high risk by definition).
 */
@Service
@Order(10)
public class RiskService implements PatientFacts.Listener {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DatabaseClient db;
    private final PatientAccess access;
    private final AuditService audit;
    private final SuifangProperties properties;
    private final Clock clock;
    private final Region region;
    private final Residence residence;

    RiskService(DatabaseClient db, PatientAccess access, AuditService audit, SuifangProperties properties, Clock clock) {
        String region = properties.risk().region();
        String residence = properties.risk().residence();
        this.db = db;
        this.access = access;
        this.audit = audit;
        this.properties = properties;
        this.clock = clock;
        this.region = region.isBlank() ? null : Region.valueOf(region.strip().toUpperCase(java.util.Locale.ROOT));
        this.residence = residence.isBlank() ? null : Residence.valueOf(residence.strip().toUpperCase(java.util.Locale.ROOT));
    }

    /** One stored assessment as staff see it. */
    public record Assessment(long id, String model, String modelLabel, OffsetDateTime computedAt, boolean complete,
                             BigDecimal value, String unit, String categoryCode, String categoryLabel, String advice,
                             Map<String, String> inputs, Map<String, Integer> points, List<String> missing,
                             List<String> reasons) {
    }

    /** The latest assessment of each model, and every earlier one (newest first). */
    public record Risk(List<Assessment> latest, List<Assessment> history) {
    }

    @Override
    public Mono<Void> factsChanged(long patientId) {
        return recompute(patientId).then();
    }

    /** Evaluates both models on the latest facts and stores the results that changed; returns those stored. */
    public Mono<List<RiskResult>> recompute(long patientId) {
        return inputs(patientId).flatMap(in -> {
            List<RiskResult> results = List.of(in.ascvd() == null ? ChinaParModel.evaluate(in.inputs())
                    : RiskResult.notComputed(RiskModel.CHINA_PAR, "%", Map.of("已确诊ASCVD", in.ascvd()), List.of(),
                            List.of("已确诊动脉粥样硬化性心血管病（" + in.ascvd() + "），属极高危，按二级预防管理；"
                                    + "China-PAR 用于尚未发病者的一级预防评估，不适用。")),
                    ChineseDiabetesRiskScore.evaluate(in.inputs()));
            return Flux.fromIterable(results).concatMap(r -> storeIfChanged(patientId, r)).collectList();
        });
    }

    public Mono<Risk> get(Principal principal, long patientId) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(db.sql("SELECT *, inputs::text AS inputs_text, points::text AS points_text FROM risk_assessment WHERE patient_id = :p ORDER BY computed_at DESC, id DESC")
                        .bind("p", patientId)
                        .map(r -> new Assessment(r.get("id", Long.class), r.get("model", String.class),
                                RiskModel.valueOf(r.get("model", String.class)).label(),
                                r.get("computed_at", OffsetDateTime.class), Boolean.TRUE.equals(r.get("complete", Boolean.class)),
                                r.get("value", BigDecimal.class), r.get("unit", String.class), r.get("category_code", String.class),
                                r.get("category_label", String.class), r.get("advice", String.class),
                                JSON.readValue(r.get("inputs_text", String.class), new TypeReference<LinkedHashMap<String, String>>() { }),
                                JSON.readValue(r.get("points_text", String.class), new TypeReference<LinkedHashMap<String, Integer>>() { }),
                                List.of(r.get("missing", String[].class)), List.of(r.get("reasons", String[].class))))
                        .all().collectList())
                .map(all -> {
                    List<Assessment> latest = new ArrayList<>();
                    List<Assessment> history = new ArrayList<>();
                    for (Assessment a : all) {
                        (latest.stream().anyMatch(l -> l.model().equals(a.model())) ? history : latest).add(a);
                    }
                    return new Risk(latest, history);
                })
                .flatMap(risk -> audit.record(principal, "RISK_READ", "patient", patientId, List.of(patientId), null)
                        .thenReturn(risk));
    }

    // ------------------------------------------------------------------ facts

    private record Gathered(RiskInputs inputs, String ascvd) {
    }

    private Mono<Gathered> inputs(long patientId) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        LocalDate today = now.atZoneSameInstant(properties.zone()).toLocalDate();
        return db.sql("""
                        SELECT p.gender, p.birth_date,
                               (SELECT avg(value) FROM (SELECT value FROM observation WHERE patient_id = p.id AND code = 'SBP'
                                    AND NOT voided AND effective_at BETWEEN :quarter AND :now
                                    ORDER BY effective_at DESC, id DESC LIMIT 3) s) AS sbp,
                               (SELECT value FROM observation WHERE patient_id = p.id AND code = 'TC' AND NOT voided
                                    AND effective_at BETWEEN :year AND :now ORDER BY effective_at DESC, id DESC LIMIT 1) AS tc,
                               (SELECT value FROM observation WHERE patient_id = p.id AND code = 'HDL_C' AND NOT voided
                                    AND effective_at BETWEEN :year AND :now ORDER BY effective_at DESC, id DESC LIMIT 1) AS hdl,
                               (SELECT value FROM observation WHERE patient_id = p.id AND code = 'WAIST' AND NOT voided
                                    AND effective_at BETWEEN :year AND :now ORDER BY effective_at DESC, id DESC LIMIT 1) AS waist,
                               (SELECT value FROM observation WHERE patient_id = p.id AND code = 'HEIGHT' AND NOT voided
                                    AND effective_at <= :now ORDER BY effective_at DESC, id DESC LIMIT 1) AS height,
                               (SELECT value FROM observation WHERE patient_id = p.id AND code = 'WEIGHT' AND NOT voided
                                    AND effective_at BETWEEN :year AND :now ORDER BY effective_at DESC, id DESC LIMIT 1) AS weight,
                               ARRAY(SELECT DISTINCT d FROM encounter e, unnest(e.diagnoses) d
                                     WHERE e.patient_id = p.id AND NOT e.voided ORDER BY d) AS diagnoses,
                               (SELECT answers::text FROM questionnaire_response WHERE patient_id = p.id
                                    AND questionnaire_code = 'LIFESTYLE' AND created_at <= :now
                                    ORDER BY created_at DESC, id DESC LIMIT 1) AS lifestyle
                        FROM patient p WHERE p.id = :p""")
                .bind("p", patientId).bind("now", now).bind("quarter", now.minusDays(90)).bind("year", now.minusDays(365))
                .map(r -> {
                    LocalDate birth = r.get("birth_date", LocalDate.class);
                    String gender = r.get("gender", String.class);
                    List<String> diagnoses = List.of(r.get("diagnoses", String[].class));
                    Map<String, Object> life = r.get("lifestyle", String.class) == null ? Map.of()
                            : JSON.readValue(r.get("lifestyle", String.class), new TypeReference<Map<String, Object>>() { });
                    String ascvd = Diagnoses.establishedAscvd(diagnoses).orElse(null);
                    RiskInputs in = RiskInputs.builder()
                            .sex("MALE".equals(gender) ? Sex.MALE : "FEMALE".equals(gender) ? Sex.FEMALE : null)
                            .ageYears(birth == null ? null : Period.between(birth, today).getYears())
                            .systolicBp(number(r.get("sbp", BigDecimal.class)))
                            .onAntihypertensiveTreatment(answer(life, "bpMeds", 1, 0))
                            .totalCholesterolMmol(number(r.get("tc", BigDecimal.class)))
                            .hdlCholesterolMmol(number(r.get("hdl", BigDecimal.class)))
                            .waistCm(number(r.get("waist", BigDecimal.class)))
                            .heightCm(number(r.get("height", BigDecimal.class)))
                            .weightKg(number(r.get("weight", BigDecimal.class)))
                            .currentSmoker(answer(life, "smoking", 2, 0, 1))
                            .diabetes(Diagnoses.diabetes(diagnoses))
                            .region(region).residence(residence)
                            .familyHistoryAscvd(answer(life, "familyAscvd", 1, 0))
                            .familyHistoryDiabetes(answer(life, "familyDiabetes", 1, 0))
                            .build();
                    return new Gathered(in, ascvd);
                })
                .one();
    }

    private static Double number(BigDecimal v) {
        return v == null ? null : v.doubleValue();
    }

    /** True when the answer is {@code yes}, false when it is one of {@code no}, unknown otherwise (e.g. 不清楚). */
    private static Boolean answer(Map<String, Object> answers, String item, int yes, int... no) {
        if (!(answers.get(item) instanceof Number n)) {
            return null;
        }
        if (n.intValue() == yes) {
            return true;
        }
        for (int v : no) {
            if (n.intValue() == v) {
                return false;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ storing

    /**
     * A new row when the result's number and category (or, not computed, what is missing and why) changed; when only
     * the inputs shown changed (a new reading that leaves the result as it was) the latest row is brought up to date.
     */
    private Mono<RiskResult> storeIfChanged(long patientId, RiskResult r) {
        String fingerprint = fingerprint(r);
        String key = fingerprint(r.complete() ? List.of(r.value().toPlainString(), r.categoryCode())
                : List.of(r.missingInputs(), r.reasons()));
        return db.sql("SELECT id, result_key, fingerprint FROM risk_assessment WHERE patient_id = :p AND model = :m "
                        + "ORDER BY computed_at DESC, id DESC LIMIT 1")
                .bind("p", patientId).bind("m", r.model().name())
                .map(row -> new String[] {Long.toString(row.get("id", Long.class)), row.get("result_key", String.class),
                        row.get("fingerprint", String.class)}).one()
                .defaultIfEmpty(new String[] {"0", "", ""})
                .flatMap(last -> last[2].equals(fingerprint) ? Mono.<RiskResult>empty()
                        : last[1].equals(key) ? db.sql("""
                                        UPDATE risk_assessment SET inputs = CAST(:inputs AS JSONB), points = CAST(:points AS JSONB),
                                            advice = :advice, fingerprint = :fp, computed_at = :at WHERE id = :id""")
                                .bind("inputs", JSON.writeValueAsString(r.inputsUsed())).bind("points", JSON.writeValueAsString(r.points()))
                                .bind("advice", cn.suifang.backend.common.Rows.param(r.advice(), String.class))
                                .bind("fp", fingerprint).bind("at", OffsetDateTime.now(clock)).bind("id", Long.parseLong(last[0]))
                                .then().thenReturn(r)
                        : db.sql("""
                                INSERT INTO risk_assessment (patient_id, model, computed_at, complete, value, unit, category_code,
                                    category_label, advice, inputs, points, missing, reasons, result_key, fingerprint)
                                VALUES (:p, :m, :at, :complete, :value, :unit, :cc, :cl, :advice, CAST(:inputs AS JSONB),
                                    CAST(:points AS JSONB), :missing, :reasons, :key, :fp)""")
                        .bind("p", patientId).bind("m", r.model().name()).bind("at", OffsetDateTime.now(clock))
                        .bind("complete", r.complete())
                        .bind("value", cn.suifang.backend.common.Rows.param(r.value(), BigDecimal.class))
                        .bind("unit", r.unit())
                        .bind("cc", cn.suifang.backend.common.Rows.param(r.categoryCode(), String.class))
                        .bind("cl", cn.suifang.backend.common.Rows.param(r.categoryLabel(), String.class))
                        .bind("advice", cn.suifang.backend.common.Rows.param(r.advice(), String.class))
                        .bind("inputs", JSON.writeValueAsString(r.inputsUsed()))
                        .bind("points", JSON.writeValueAsString(r.points()))
                        .bind("missing", r.missingInputs().toArray(String[]::new))
                        .bind("reasons", r.reasons().toArray(String[]::new))
                        .bind("key", key).bind("fp", fingerprint)
                        .then().thenReturn(r));
    }

    private static String fingerprint(Object o) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
