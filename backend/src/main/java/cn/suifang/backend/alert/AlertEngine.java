package cn.suifang.backend.alert;

import cn.suifang.backend.alert.AlertCondition.Facts;
import cn.suifang.backend.alert.AlertCondition.Reading;
import cn.suifang.backend.alert.AlertCondition.Trigger;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.notify.PatientReminders;
import cn.suifang.backend.notify.StaffNotifications;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.task.TaskGenerator;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the active rules over what just happened to a patient — new readings, a submitted questionnaire, a note on a
 * task — inside the caller's transaction, so the reading and the alert it raises are stored together or not at all.
 * A rule that holds raises an alert at its level with the owner its level names; if the same rule already has a live
 * alert for the patient, the new evidence is added to it instead (no alert storm), and a repeat while the patient has
 * not confirmed a level-1 advice moves it to the coordinator at once.
 */
@Component
public class AlertEngine {

    /** The ladder: who owns an alert at each level (past level 3: the department head). */
    public static String ownerRole(int level, boolean beyondTop) {
        if (beyondTop) {
            return "DEPARTMENT_HEAD";
        }
        return switch (level) {
            case 1 -> "PATIENT";
            case 2 -> "NURSE_COORDINATOR";
            default -> "PHYSICIAN";
        };
    }

    private final DatabaseClient db;
    private final StaffNotifications notifications;
    private final PatientReminders patients;
    private final SuifangProperties properties;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<Long, AlertCondition> parsed = new ConcurrentHashMap<>();

    AlertEngine(DatabaseClient db, StaffNotifications notifications, PatientReminders patients, SuifangProperties properties,
                Clock clock) {
        this.db = db;
        this.notifications = notifications;
        this.patients = patients;
        this.properties = properties;
        this.clock = clock;
    }

    /** An alert raised or re-triggered by this evaluation. */
    public record Raised(long alertId, String ruleCode, int level, String title, String detail, String patientAdvice,
                         boolean isNew) {
    }

    record Rule(long id, String code, String name, AlertCondition condition, List<String> pathwayCodes,
                List<String> icdPrefixes, int level, Integer slaMinutes, String patientAdvice) {
    }

    /** After readings were stored (ids of the new {@code observation} rows). */
    public Mono<List<Raised>> onReadings(long patientId, List<Long> observationIds) {
        if (observationIds.isEmpty()) {
            return Mono.just(List.of());
        }
        return applicable(patientId, Trigger.READING).flatMap(rules -> {
            if (rules.isEmpty()) {
                return Mono.just(List.<Raised>of());
            }
            // the new readings and, in the same query, every reading of the rules' codes in the longest window before them
            Set<ObservationCode> codes = rules.stream().flatMap(r -> r.condition().codes().stream()).collect(Collectors.toSet());
            int window = rules.stream().mapToInt(r -> r.condition().windowDays()).max().orElse(1);
            Long[] ids = observationIds.toArray(Long[]::new);
            return readings("""
                            (id = ANY(:ids) OR patient_id = :p AND code = ANY(:codes) AND effective_at
                                BETWEEN (SELECT min(effective_at) FROM observation WHERE id = ANY(:ids)) - make_interval(days => :window)
                                    AND (SELECT max(effective_at) FROM observation WHERE id = ANY(:ids)))""",
                    Map.of("ids", ids, "p", patientId, "codes", codes.stream().map(Enum::name).toArray(String[]::new),
                            "window", window))
                    .collectList()
                    .flatMap(history -> {
                        Set<Long> fresh = Set.of(ids);
                        List<Reading> added = history.stream().filter(r -> fresh.contains(r.id())).toList();
                        return added.isEmpty() ? Mono.just(List.<Raised>of())
                                : fire(patientId, rules, Facts.readings(added, history), null);
                    });
        });
    }

    /** After a questionnaire response was stored. */
    public Mono<List<Raised>> onResponse(long patientId, AlertCondition.Response response) {
        return applicable(patientId, Trigger.QUESTIONNAIRE)
                .flatMap(rules -> fire(patientId, rules, Facts.response(response), null));
    }

    /** After a note was written on a task. */
    public Mono<List<Raised>> onTaskNote(long patientId, long taskId) {
        return applicable(patientId, Trigger.TASK).flatMap(rules -> rules.isEmpty() ? Mono.just(List.<Raised>of())
                : db.sql("""
                                SELECT outcome, count(*) AS n,
                                       (SELECT outcome FROM follow_up_note l WHERE l.task_id = :t AND NOT l.voided
                                         ORDER BY l.id DESC LIMIT 1) AS last
                                FROM follow_up_note WHERE task_id = :t AND NOT voided GROUP BY outcome""")
                        .bind("t", taskId)
                        .map(r -> new Object[] {r.get("outcome", String.class), r.get("n", Long.class), r.get("last", String.class)})
                        .all().collectList()
                        .flatMap(rows -> {
                            Map<String, Integer> byOutcome = new HashMap<>();
                            String last = null;
                            for (Object[] row : rows) {
                                byOutcome.put((String) row[0], ((Long) row[1]).intValue());
                                last = (String) row[2];
                            }
                            return fire(patientId, rules, Facts.task(new AlertCondition.TaskAttempts(taskId, last, byOutcome)),
                                    taskId);
                        }));
    }

    private Mono<List<Raised>> fire(long patientId, List<Rule> rules, Facts facts, Long taskId) {
        return Flux.fromIterable(rules)
                .concatMap(rule -> rule.condition().test(facts)
                        .map(detail -> raise(patientId, rule, detail, taskId))
                        .orElse(Mono.empty()))
                .collectList();
    }

    /**
     * Active rules of this trigger whose scope includes the patient — no scope, one of the patient's active pathways,
     * or a diagnosis starting with one of the rule's ICD-10 prefixes — in one round trip.
     */
    private Mono<List<Rule>> applicable(long patientId, Trigger trigger) {
        return db.sql("""
                        SELECT r.* FROM alert_rule r
                        WHERE r.status = 'ACTIVE' AND r.trigger_kind = :k AND (
                            (cardinality(r.pathway_codes) = 0 AND cardinality(r.icd_prefixes) = 0)
                            OR r.pathway_codes && ARRAY(SELECT pw.code FROM care_plan cp JOIN pathway pw ON pw.id = cp.pathway_id
                                                        WHERE cp.patient_id = :p AND cp.status = 'ACTIVE')
                            OR EXISTS (SELECT 1 FROM encounter e, unnest(e.diagnoses) d, unnest(r.icd_prefixes) pre
                                       WHERE e.patient_id = :p AND NOT e.voided AND starts_with(d, pre)))
                        ORDER BY r.id""")
                .bind("k", trigger.name()).bind("p", patientId)
                .map(r -> rule(r))
                .all()
                .collectList();
    }

    private Rule rule(io.r2dbc.spi.Readable r) {
        long id = r.get("id", Long.class);
        AlertCondition condition = parsed.computeIfAbsent(id,
                k -> AlertCondition.parse(json.readTree(r.get("condition", String.class))));
        return new Rule(id, r.get("code", String.class), r.get("name", String.class), condition,
                Rows.strings(r, "pathway_codes"), Rows.strings(r, "icd_prefixes"), r.get("level", Integer.class),
                r.get("sla_minutes", Integer.class), r.get("patient_advice", String.class));
    }

    private Flux<Reading> readings(String where, Map<String, Object> params) {
        DatabaseClient.GenericExecuteSpec spec = db.sql("SELECT id, code, value, effective_at FROM observation WHERE NOT voided AND "
                + where);
        for (var e : params.entrySet()) {
            spec = spec.bind(e.getKey(), e.getValue());
        }
        return spec.map(r -> new Reading(r.get("id", Long.class), ObservationCode.valueOf(r.get("code", String.class)),
                        r.get("value", BigDecimal.class), r.get("effective_at", OffsetDateTime.class)))
                .all();
    }

    // ------------------------------------------------------------------ raising

    private Mono<Raised> raise(long patientId, Rule rule, String detail, Long taskId) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        String evidence = json.writeValueAsString(List.of(Map.of("at", now.toString(), "detail", detail)));
        Duration sla = rule.slaMinutes() != null ? Duration.ofMinutes(rule.slaMinutes()) : properties.alerts().sla(rule.level());
        return owner(patientId, rule.level(), false).map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(owner -> db.sql("""
                                INSERT INTO alert (patient_id, level, title, status, owner_id, raised_at, rule_id, rule_code,
                                    initial_level, owner_role, detail, evidence, patient_advice, task_id, sla_due_at, due_at,
                                    last_triggered_at)
                                VALUES (:p, :level, :title, 'OPEN', :owner, :now, :rule, :code, :level, :role, :detail,
                                    CAST(:evidence AS JSONB), :advice, :task, :due, :due, :now)
                                ON CONFLICT (patient_id, rule_code) WHERE status <> 'RESOLVED' AND rule_code IS NOT NULL
                                DO NOTHING
                                RETURNING id""")
                        .bind("p", patientId).bind("level", rule.level()).bind("title", rule.name())
                        .bind("owner", Rows.param(owner.orElse(null), Long.class)).bind("now", now)
                        .bind("rule", rule.id()).bind("code", rule.code()).bind("role", ownerRole(rule.level(), false))
                        .bind("detail", detail).bind("evidence", evidence)
                        .bind("advice", Rows.param(rule.patientAdvice(), String.class))
                        .bind("task", Rows.param(taskId, Long.class)).bind("due", now.plus(sla))
                        .map(r -> r.get("id", Long.class)).one()
                        .flatMap(id -> event(id, "RAISED", rule.level(), owner.orElse(null), detail, now)
                                .then(rule.level() >= 2 ? notifications.alertAssigned(id) : patients.adviceRaised(id).thenReturn(true))
                                .thenReturn(new Raised(id, rule.code(), rule.level(), rule.name(), detail, rule.patientAdvice(), true))))
                .switchIfEmpty(Mono.defer(() -> retrigger(patientId, rule, detail, now)));
    }

    /** The rule already has a live alert for the patient: add the evidence; a level-1 alert goes to the coordinator. */
    private Mono<Raised> retrigger(long patientId, Rule rule, String detail, OffsetDateTime now) {
        String evidence = json.writeValueAsString(List.of(Map.of("at", now.toString(), "detail", detail)));
        return db.sql("""
                        UPDATE alert SET trigger_count = trigger_count + 1, last_triggered_at = :now, detail = :detail,
                            evidence = evidence || CAST(:evidence AS JSONB), version = version + 1
                        WHERE patient_id = :p AND rule_code = :code AND status <> 'RESOLVED'
                        RETURNING id, level, status""")
                .bind("p", patientId).bind("code", rule.code()).bind("now", now).bind("detail", detail)
                .bind("evidence", evidence)
                .map(r -> new Object[] {r.get("id", Long.class), r.get("level", Integer.class), r.get("status", String.class)})
                .one()
                .flatMap(row -> {
                    long id = (Long) row[0];
                    int level = (Integer) row[1];
                    Mono<Integer> after = level == 1 && "OPEN".equals(row[2])
                            ? escalate(id, patientId, 1, false, now, "再次触发，患者尚未确认已读建议").map(r -> r.level())
                            : Mono.just(level);
                    return event(id, "RETRIGGERED", level, null, detail, now)
                            .then(after)
                            .map(newLevel -> new Raised(id, rule.code(), newLevel, rule.name(), detail, rule.patientAdvice(), false));
                });
    }

    /** One step up the ladder (within the caller's transaction, the alert row locked by the caller or fresh). */
    public record Step(int level, Long recipient, boolean endOfLadder) {
    }

    Mono<Step> escalate(long alertId, long patientId, int level, boolean headAlreadyOwns, OffsetDateTime now, String why) {
        if (headAlreadyOwns) {
            return db.sql("UPDATE alert SET due_at = NULL, version = version + 1 WHERE id = :id").bind("id", alertId)
                    .then().thenReturn(new Step(level, null, true));
        }
        boolean beyondTop = level >= 3;
        int next = beyondTop ? 3 : level + 1;
        OffsetDateTime due = beyondTop ? null : now.plus(properties.alerts().sla(next));
        return owner(patientId, next, beyondTop).map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(owner -> db.sql("""
                                UPDATE alert SET level = :next, owner_id = COALESCE(:owner, owner_id), owner_role = :role,
                                    due_at = :due, escalations = escalations + 1,
                                    sla_breached = sla_breached OR :breach, version = version + 1
                                WHERE id = :id""")
                        .bind("id", alertId).bind("next", next).bind("owner", Rows.param(owner.orElse(null), Long.class))
                        .bind("role", ownerRole(next, beyondTop)).bind("due", Rows.param(due, OffsetDateTime.class))
                        .bind("breach", level >= 2)
                        .then()
                        .then(event(alertId, "ESCALATED", next, owner.orElse(null), why, now))
                        .then(owner.isPresent() ? notifications.alertEscalated(alertId, next, owner.get()) : Mono.just(false))
                        .thenReturn(new Step(next, owner.orElse(null), beyondTop)));
    }

    /** Who owns an alert of {@code level} for this patient; empty for level 1 (the patient) or nobody found. */
    private Mono<Long> owner(long patientId, int level, boolean beyondTop) {
        if (!beyondTop && level == 1) {
            return Mono.empty();
        }
        Mono<Long> head = db.sql("""
                        SELECT s.id FROM staff s JOIN patient p ON p.department_id = s.department_id
                        WHERE p.id = :p AND s.active AND 'DEPARTMENT_HEAD' = ANY (s.roles) ORDER BY s.id LIMIT 1""")
                .bind("p", patientId).map(r -> r.get("id", Long.class)).one();
        if (beyondTop) {
            return head;
        }
        Mono<Long> physician = byRole(patientId, "PHYSICIAN");
        return level == 2 ? byRole(patientId, "NURSE_COORDINATOR").switchIfEmpty(physician).switchIfEmpty(head)
                : physician.switchIfEmpty(head);
    }

    private Mono<Long> byRole(long patientId, String role) {
        return db.sql(TaskGenerator.ASSIGNEE).bind("patient", patientId).bind("role", role)
                .map(r -> r.get("id", Long.class)).one();
    }

    Mono<Void> event(long alertId, String kind, int level, Long recipient, String note, OffsetDateTime at) {
        return event(alertId, kind, level, "SYSTEM", null, recipient, note, at);
    }

    Mono<Void> event(long alertId, String kind, int level, String actorType, Long actorId, Long recipient, String note,
                     OffsetDateTime at) {
        return db.sql("""
                        INSERT INTO alert_event (alert_id, kind, level, actor_type, actor_id, recipient_id, note, occurred_at)
                        VALUES (:a, :kind, :level, :type, :actor, :recipient, :note, :at)""")
                .bind("a", alertId).bind("kind", kind).bind("level", level).bind("type", actorType)
                .bind("actor", Rows.param(actorId, Long.class)).bind("recipient", Rows.param(recipient, Long.class))
                .bind("note", Rows.param(note == null ? null : truncate(note, 500), String.class)).bind("at", at)
                .then();
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
