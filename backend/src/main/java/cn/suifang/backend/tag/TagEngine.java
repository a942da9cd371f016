package cn.suifang.backend.tag;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.security.Principal;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Re-evaluates a patient's auto-tags against the active tag rules, inside the caller's transaction: a rule that holds
 * sets its tag (or refreshes the reason of the live one), a live auto tag whose rule no longer holds — or is no longer
 * active, or no longer covers the patient — is taken off with the reason, and an expired manual tag is taken off too.
 * {@code patient.tags} is then rewritten to the live tag codes. Called after anything that changes the facts (a note,
 * readings, a questionnaire, a discharge) and by the daily pass for what time alone changes.
 */
@Component
@org.springframework.core.annotation.Order(20)
public class TagEngine implements cn.suifang.backend.observation.PatientFacts.Listener {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_WINDOW_DAYS = 730;

    private final DatabaseClient db;
    private final AuditService audit;
    private final SuifangProperties properties;
    private final Clock clock;
    private final Map<Long, TagCondition> parsed = new ConcurrentHashMap<>();

    TagEngine(DatabaseClient db, AuditService audit, SuifangProperties properties, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.properties = properties;
        this.clock = clock;
    }

    /** What one evaluation changed: codes of the tags set and taken off. */
    public record Changes(List<String> set, List<String> cleared) {

        public boolean any() {
            return !set.isEmpty() || !cleared.isEmpty();
        }
    }

    record Rule(long id, String code, String label, String category, String description, TagCondition condition,
                List<String> pathwayCodes, List<String> icdPrefixes) {

        boolean covers(TagCondition.Facts f) {
            if (pathwayCodes.isEmpty() && icdPrefixes.isEmpty()) {
                return true;
            }
            return f.pathways().stream().anyMatch(pathwayCodes::contains)
                    || f.diagnoses().stream().anyMatch(d -> icdPrefixes.stream().anyMatch(d::startsWith));
        }
    }

    private record Live(long id, String code, String source, String reason, OffsetDateTime expiresAt) {
    }

    private record Scope(List<String> diagnoses, List<String> pathways, LocalDate enrolledSince, int overdue) {
    }

    @Override
    public Mono<Void> factsChanged(long patientId) {
        return refresh(patientId).then();
    }

    /** Re-evaluates the patient's tags now. */
    public Mono<Changes> refresh(long patientId) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        LocalDate today = now.atZoneSameInstant(properties.zone()).toLocalDate();
        return rules().flatMap(rules -> {
            int window = Math.min(MAX_WINDOW_DAYS, rules.stream().mapToInt(r -> r.condition().windowDays()).max().orElse(1));
            OffsetDateTime from = today.minusDays(window).atStartOfDay(properties.zone()).toOffsetDateTime();
            return Mono.zip(scope(patientId, today), readings(patientId, from, now), responses(patientId, from, now),
                            notes(patientId, from, now), live(patientId), risks(patientId))
                    .flatMap(t -> {
                        Scope s = t.getT1();
                        TagCondition.Facts facts = new TagCondition.Facts(now, today, s.diagnoses(), s.pathways(),
                                s.enrolledSince(), t.getT2(), t.getT3(), t.getT4(), s.overdue(), t.getT6());
                        return apply(patientId, rules, facts, t.getT5(), now);
                    });
        });
    }

    private Mono<Changes> apply(long patientId, List<Rule> rules, TagCondition.Facts facts, List<Live> live,
                                OffsetDateTime now) {
        Map<String, Live> byCode = new HashMap<>();
        live.forEach(l -> byCode.put(l.code(), l));
        List<Mono<Void>> work = new ArrayList<>();
        List<String> set = new ArrayList<>();
        List<String> cleared = new ArrayList<>();
        Map<String, Rule> active = new HashMap<>();
        for (Rule rule : rules) {
            active.put(rule.code(), rule);
            Optional<String> seen = rule.covers(facts) ? rule.condition().test(facts) : Optional.empty();
            Live current = byCode.get(rule.code());
            if (seen.isPresent() && current == null) {
                set.add(rule.code());
                work.add(insert(patientId, rule, seen.get(), now));
            } else if (seen.isPresent() && "AUTO".equals(current.source())) {
                work.add(db.sql("UPDATE patient_tag SET reason = :reason, confirmed_at = :now, rule_id = :rule, label = :label WHERE id = :id")
                        .bind("reason", seen.get()).bind("now", now).bind("rule", rule.id()).bind("label", rule.label())
                        .bind("id", current.id()).then());
            } else if (seen.isEmpty() && current != null && "AUTO".equals(current.source())) {
                cleared.add(rule.code());
                work.add(clear(patientId, current, "不再符合：" + (rule.description() == null ? rule.label() : rule.description())
                        + "（上次依据：" + current.reason() + "）", now));
            }
        }
        for (Live l : live) {
            if ("AUTO".equals(l.source()) && !active.containsKey(l.code())) {
                cleared.add(l.code());
                work.add(clear(patientId, l, "标签规则已停用", now));
            } else if ("MANUAL".equals(l.source()) && l.expiresAt() != null && !l.expiresAt().isAfter(now)) {
                cleared.add(l.code());
                work.add(clear(patientId, l, "到期自动解除", now));
            }
        }
        Changes changes = new Changes(List.copyOf(set), List.copyOf(cleared));
        return Flux.concat(work).then(changes.any() ? syncPatient(patientId) : Mono.empty())
                .thenReturn(changes);
    }

    private Mono<Void> insert(long patientId, Rule rule, String reason, OffsetDateTime now) {
        return db.sql("""
                        INSERT INTO patient_tag (patient_id, tag_code, label, category, source, rule_id, reason, set_at, confirmed_at)
                        VALUES (:p, :code, :label, :category, 'AUTO', :rule, :reason, :now, :now)
                        ON CONFLICT (patient_id, tag_code) WHERE cleared_at IS NULL DO NOTHING
                        RETURNING id""")
                .bind("p", patientId).bind("code", rule.code()).bind("label", rule.label()).bind("category", rule.category())
                .bind("rule", rule.id()).bind("reason", reason).bind("now", now)
                .map(r -> r.get("id", Long.class)).one()
                .flatMap(id -> audit.record(Principal.SYSTEM, "TAG_SET", "patient_tag", id, List.of(patientId), rule.code()));
    }

    private Mono<Void> clear(long patientId, Live tag, String why, OffsetDateTime now) {
        return db.sql("UPDATE patient_tag SET cleared_at = :now, cleared_reason = :why WHERE id = :id AND cleared_at IS NULL")
                .bind("now", now).bind("why", why).bind("id", tag.id()).then()
                .then(audit.record(Principal.SYSTEM, "TAG_CLEAR", "patient_tag", tag.id(), List.of(patientId), tag.code()));
    }

    /** Rewrites {@code patient.tags} to the live tag codes (for list filters and dashboards). */
    Mono<Void> syncPatient(long patientId) {
        return db.sql("""
                        UPDATE patient SET tags = ARRAY(SELECT tag_code FROM patient_tag
                                                        WHERE patient_id = :p AND cleared_at IS NULL ORDER BY tag_code)
                        WHERE id = :p""")
                .bind("p", patientId).then();
    }

    // ------------------------------------------------------------------ loading

    private Mono<List<Rule>> rules() {
        return db.sql("SELECT id, code, label, category, description, condition::text AS c, pathway_codes, icd_prefixes "
                        + "FROM tag_rule WHERE status = 'ACTIVE' ORDER BY code")
                .map(r -> {
                    long id = r.get("id", Long.class);
                    TagCondition condition = parsed.computeIfAbsent(id, k -> TagCondition.parse(JSON.readTree(r.get("c", String.class))));
                    return new Rule(id, r.get("code", String.class), r.get("label", String.class),
                            r.get("category", String.class), r.get("description", String.class), condition,
                            Rows.strings(r, "pathway_codes"), Rows.strings(r, "icd_prefixes"));
                })
                .all().collectList();
    }

    private Mono<Scope> scope(long patientId, LocalDate today) {
        return db.sql("""
                        SELECT ARRAY(SELECT DISTINCT d FROM encounter e, unnest(e.diagnoses) d
                                     WHERE e.patient_id = :p AND NOT e.voided) AS diagnoses,
                               ARRAY(SELECT DISTINCT pw.code FROM care_plan cp JOIN pathway pw ON pw.id = cp.pathway_id
                                     WHERE cp.patient_id = :p AND cp.status = 'ACTIVE') AS pathways,
                               (SELECT min(start_date) FROM care_plan WHERE patient_id = :p AND status = 'ACTIVE') AS enrolled,
                               (SELECT count(*) FROM follow_up_task WHERE patient_id = :p
                                  AND status IN ('PENDING', 'IN_PROGRESS') AND window_end < :today) AS overdue""")
                .bind("p", patientId).bind("today", today)
                .map(r -> new Scope(Rows.strings(r, "diagnoses"), Rows.strings(r, "pathways"),
                        r.get("enrolled", LocalDate.class), r.get("overdue", Long.class).intValue()))
                .one();
    }

    private Mono<List<TagCondition.Reading>> readings(long patientId, OffsetDateTime from, OffsetDateTime now) {
        return db.sql("""
                        SELECT code, value, effective_at,
                               -- a questionnaire the patient filled in (not staff asking by phone) is self-monitoring
                               CASE WHEN source = 'QUESTIONNAIRE' AND created_by IS NULL THEN 'PATIENT' ELSE source END AS source
                        FROM observation
                        WHERE patient_id = :p AND NOT voided AND effective_at BETWEEN :from AND :now
                        ORDER BY effective_at DESC, id DESC""")
                .bind("p", patientId).bind("from", from).bind("now", now)
                .map(r -> new TagCondition.Reading(ObservationCode.valueOf(r.get("code", String.class)),
                        r.get("value", BigDecimal.class), r.get("effective_at", OffsetDateTime.class), r.get("source", String.class)))
                .all().collectList();
    }

    private Mono<List<TagCondition.Response>> responses(long patientId, OffsetDateTime from, OffsetDateTime now) {
        return db.sql("""
                        SELECT questionnaire_code, score, answers::text AS a, created_at FROM questionnaire_response
                        WHERE patient_id = :p AND created_at BETWEEN :from AND :now""")
                .bind("p", patientId).bind("from", from).bind("now", now)
                .map(r -> new TagCondition.Response(r.get("questionnaire_code", String.class), r.get("score", Integer.class),
                        JSON.readValue(r.get("a", String.class), new TypeReference<Map<String, Object>>() { }),
                        r.get("created_at", OffsetDateTime.class)))
                .all().collectList();
    }

    private Mono<List<TagCondition.Note>> notes(long patientId, OffsetDateTime from, OffsetDateTime now) {
        return db.sql("""
                        SELECT outcome, adherence, created_at FROM follow_up_note
                        WHERE patient_id = :p AND NOT voided AND created_at BETWEEN :from AND :now""")
                .bind("p", patientId).bind("from", from).bind("now", now)
                .map(r -> new TagCondition.Note(r.get("outcome", String.class), r.get("adherence", String.class),
                        r.get("created_at", OffsetDateTime.class)))
                .all().collectList();
    }

    private Mono<Map<String, TagCondition.Risk>> risks(long patientId) {
        return db.sql("""
                        SELECT DISTINCT ON (model) model, complete, category_code, category_label, value, unit, computed_at
                        FROM risk_assessment WHERE patient_id = :p ORDER BY model, computed_at DESC, id DESC""")
                .bind("p", patientId)
                .map(r -> Map.entry(r.get("model", String.class), new TagCondition.Risk(
                        Boolean.TRUE.equals(r.get("complete", Boolean.class)) ? r.get("category_code", String.class) : null,
                        r.get("category_label", String.class), r.get("value", BigDecimal.class), r.get("unit", String.class),
                        r.get("computed_at", OffsetDateTime.class))))
                .all()
                .filter(e -> e.getValue().categoryCode() != null)
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    private Mono<List<Live>> live(long patientId) {
        return db.sql("""
                        SELECT id, tag_code, source, reason, expires_at FROM patient_tag
                        WHERE patient_id = :p AND cleared_at IS NULL FOR UPDATE""")
                .bind("p", patientId)
                .map(r -> new Live(r.get("id", Long.class), r.get("tag_code", String.class), r.get("source", String.class),
                        r.get("reason", String.class), r.get("expires_at", OffsetDateTime.class)))
                .all().collectList();
    }
}
