package cn.suifang.backend.alert;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Alert rules are data: an admin writes a new version as a draft (its condition checked on the spot), then activates
 * it, which retires the previous version in the same transaction. Live alerts keep the version that raised them.
 * Any staff member may read the rules (doctors should know why an alert fires).
 */
@Service
public class AlertRules {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final AuditService audit;
    private final Clock clock;

    AlertRules(DatabaseClient db, TransactionalOperator tx, AuditService audit, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.audit = audit;
        this.clock = clock;
    }

    public record Rule(long id, String code, int version, String name, String description, String triggerKind,
                       JsonNode condition, List<String> pathwayCodes, List<String> icdPrefixes, int level,
                       Integer slaMinutes, String patientAdvice, String status, OffsetDateTime activatedAt) {
    }

    public record NewRule(String code, String name, String description, JsonNode condition, List<String> pathwayCodes,
                          List<String> icdPrefixes, int level, Integer slaMinutes, String patientAdvice) {
    }

    public Mono<List<Rule>> list(Principal principal, boolean activeOnly) {
        principal.requireStaff();
        return db.sql("SELECT *, condition::text AS condition_text FROM alert_rule"
                        + (activeOnly ? " WHERE status = 'ACTIVE'" : "") + " ORDER BY code, version DESC")
                .map(r -> rule(r)).all().collectList();
    }

    /** A new draft version of {@code code} (version 1 when the code is new). */
    public Mono<Rule> create(Principal principal, NewRule n) {
        principal.requireRole(Role.ADMIN);
        AlertCondition condition;
        try {
            condition = AlertCondition.parse(n.condition());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(2511, "condition", "规则条件有误：" + e.getMessage());
        }
        if (n.level() == 1 && (n.patientAdvice() == null || n.patientAdvice().isBlank())) {
            throw ApiException.badRequest(2512, "patientAdvice", "1级预警是给患者的自动建议，须填写建议内容");
        }
        return tx.transactional(db.sql("""
                        INSERT INTO alert_rule (code, version, name, description, trigger_kind, condition, pathway_codes,
                            icd_prefixes, level, sla_minutes, patient_advice, status, created_by)
                        VALUES (:code, (SELECT COALESCE(MAX(version), 0) + 1 FROM alert_rule WHERE code = :code), :name,
                            :description, :trigger, CAST(:condition AS JSONB), :pathways, :icd, :level, :sla, :advice,
                            'DRAFT', :by)
                        RETURNING id""")
                .bind("code", n.code()).bind("name", n.name())
                .bind("description", Rows.param(n.description(), String.class))
                .bind("trigger", condition.trigger().name()).bind("condition", JSON.writeValueAsString(n.condition()))
                .bind("pathways", Rows.array(n.pathwayCodes())).bind("icd", Rows.array(n.icdPrefixes()))
                .bind("level", n.level()).bind("sla", Rows.param(n.slaMinutes(), Integer.class))
                .bind("advice", Rows.param(n.patientAdvice(), String.class)).bind("by", principal.id())
                .map(r -> r.get("id", Long.class)).one()
                .flatMap(id -> audit.record(principal, "ALERT_RULE_CREATE", "alert_rule", id, List.of(), n.code())
                        .then(get(id))));
    }

    /** Activates a draft; the code's active version (if any) is retired in the same transaction. */
    public Mono<Rule> activate(Principal principal, long id) {
        principal.requireRole(Role.ADMIN);
        return tx.transactional(get(id)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2513, "预警规则不存在")))
                .flatMap(rule -> {
                    if (!"DRAFT".equals(rule.status())) {
                        return Mono.error(ApiException.conflict(2514, "rule-not-draft", "只有草稿状态的规则可以启用"));
                    }
                    return db.sql("UPDATE alert_rule SET status = 'RETIRED' WHERE code = :code AND status = 'ACTIVE'")
                            .bind("code", rule.code()).then()
                            .then(db.sql("UPDATE alert_rule SET status = 'ACTIVE', activated_at = :now WHERE id = :id")
                                    .bind("id", id).bind("now", OffsetDateTime.now(clock)).then())
                            .then(audit.record(principal, "ALERT_RULE_ACTIVATE", "alert_rule", id, List.of(),
                                    rule.code() + " v" + rule.version()))
                            .then(get(id));
                }));
    }

    private Mono<Rule> get(long id) {
        return db.sql("SELECT *, condition::text AS condition_text FROM alert_rule WHERE id = :id").bind("id", id)
                .map(r -> rule(r)).one();
    }

    private static Rule rule(io.r2dbc.spi.Readable r) {
        return new Rule(r.get("id", Long.class), r.get("code", String.class), r.get("version", Integer.class),
                r.get("name", String.class), r.get("description", String.class), r.get("trigger_kind", String.class),
                JSON.readTree(r.get("condition_text", String.class)), Rows.strings(r, "pathway_codes"), Rows.strings(r, "icd_prefixes"),
                r.get("level", Integer.class), r.get("sla_minutes", Integer.class), r.get("patient_advice", String.class),
                r.get("status", String.class), r.get("activated_at", OffsetDateTime.class));
    }
}
