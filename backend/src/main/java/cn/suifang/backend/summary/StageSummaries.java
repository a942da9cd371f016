package cn.suifang.backend.summary;

import cn.suifang.backend.advice.Interventions;
import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.ClusterLock;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.patient.PatientAccess;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stage summaries (健康阶段总结). When a care plan reaches a milestone (1, 3, 6 and 12 months after discharge) the daily
 * pass drafts a summary of the phase; a clinician can also draft one on demand. The draft holds the facts (indicators
 * first vs latest in the phase against their targets, alerts and readmissions, follow-up done, adherence,
 * interventions and whether they were done, risk then and now, live tags) and a narrative written from them. A physician
 * or department head edits the narrative and signs it; a signed summary no longer changes, and the latest one is
 * printed on the patient's health report.
 */
@Service
public class StageSummaries {

    private static final Logger log = LoggerFactory.getLogger(StageSummaries.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy年M月d日");
    /** Milestones after the plan's start, with how staff and patients name the phase. */
    static final Map<Integer, String> MILESTONES = new java.util.TreeMap<>(Map.of(30, "出院后1个月", 90, "出院后3个月",
            180, "出院后6个月", 365, "出院后1年"));
    private static final List<ObservationCode> INDICATORS = List.of(ObservationCode.SBP, ObservationCode.DBP,
            ObservationCode.FPG, ObservationCode.HBA1C, ObservationCode.LDL_C, ObservationCode.WEIGHT, ObservationCode.HR);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final PatientAccess access;
    private final AuditService audit;
    private final ClusterLock lock;
    private final SuifangProperties properties;
    private final Clock clock;

    StageSummaries(DatabaseClient db, TransactionalOperator tx, PatientAccess access, AuditService audit, ClusterLock lock,
                   SuifangProperties properties, Clock clock) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.audit = audit;
        this.lock = lock;
        this.properties = properties;
        this.clock = clock;
    }

    // ------------------------------------------------------------------ the content

    /** One indicator: the first and the latest reading in the phase, and its target. */
    public record Indicator(String code, String label, String unit, BigDecimal first, OffsetDateTime firstAt, BigDecimal latest,
                            OffsetDateTime latestAt, String target, Boolean met) {
    }

    public record Event(String kind, String title, OffsetDateTime at, String detail) {
    }

    public record FollowUp(int due, int completed, int unreachable, String adherence) {
    }

    public record InterventionLine(String kindLabel, String title, String outcomeLabel) {
    }

    public record RiskLine(String model, String then, String now) {
    }

    public record Content(List<Indicator> indicators, List<Event> events, FollowUp followUp,
                          List<InterventionLine> interventions, List<RiskLine> risks, List<String> tags, List<String> focus) {
    }

    public record Summary(long id, long patientId, long carePlanId, int milestoneDays, String phaseLabel, LocalDate periodStart,
                          LocalDate periodEnd, Content content, String narrative, String status, OffsetDateTime generatedAt,
                          OffsetDateTime editedAt, String editedBy, OffsetDateTime signedAt, String signedBy, int version) {
    }

    // ------------------------------------------------------------------ reads

    public Mono<List<Summary>> ofPatient(Principal principal, long patientId) {
        principal.requireStaff();
        return access.require(principal, patientId)
                .then(select("s.patient_id = :p ORDER BY s.period_end DESC, s.id DESC").bind("p", patientId)
                        .map(r -> summary(r)).all().collectList())
                .flatMap(l -> audit.record(principal, "STAGE_SUMMARY_LIST", "patient", patientId, List.of(patientId), null)
                        .thenReturn(l));
    }

    public Mono<Summary> get(Principal principal, long id) {
        principal.requireStaff();
        return visible(principal, id).flatMap(s -> audit.record(principal, "STAGE_SUMMARY_READ", "stage_summary", id,
                List.of(s.patientId()), null).thenReturn(s));
    }

    /** Drafts waiting for review, of patients the caller may see (most recent phases first). */
    public Mono<List<Summary>> toReview(Principal principal) {
        principal.requireStaff();
        return PatientAccess.bindViewer(select("s.status = 'DRAFT' AND s.patient_id IN (SELECT p.id FROM patient p WHERE "
                        + PatientAccess.VISIBLE + ") ORDER BY s.period_end DESC, s.id DESC LIMIT 50"), principal)
                .map(r -> summary(r)).all().collectList()
                .flatMap(l -> audit.record(principal, "STAGE_SUMMARY_LIST", "stage_summary", "DRAFT",
                        l.stream().map(Summary::patientId).distinct().toList(), null).thenReturn(l));
    }

    /** The latest signed summary of the patient, for the health report (the caller has checked access). */
    public Mono<Optional<Summary>> latestSigned(long patientId) {
        return select("s.patient_id = :p AND s.status = 'SIGNED' ORDER BY s.period_end DESC, s.id DESC LIMIT 1")
                .bind("p", patientId).map(r -> summary(r)).one().map(Optional::of).defaultIfEmpty(Optional.empty());
    }

    // ------------------------------------------------------------------ drafting

    /**
     * Drafts (or re-drafts, while nobody has edited it) the summary of the patient's latest care plan for the most
     * recent milestone reached — or, before the first milestone, for the phase so far (milestone 30).
     */
    public Mono<Summary> draft(Principal principal, long patientId) {
        principal.requireStaff();
        LocalDate today = today();
        return access.require(principal, patientId)
                .then(db.sql("SELECT id, start_date FROM care_plan WHERE patient_id = :p AND status <> 'CANCELLED' "
                                + "ORDER BY start_date DESC, id DESC LIMIT 1")
                        .bind("p", patientId)
                        .map(r -> new Object[] {r.get("id", Long.class), r.get("start_date", LocalDate.class)}).one()
                        .switchIfEmpty(Mono.error(() -> ApiException.conflict(3301, "no-care-plan", "患者没有随访计划，无法生成阶段总结"))))
                .flatMap(plan -> {
                    LocalDate start = (LocalDate) plan[1];
                    int milestone = MILESTONES.keySet().stream().filter(m -> !start.plusDays(m).isAfter(today))
                            .reduce((a, b) -> b).orElse(30);
                    LocalDate end = start.plusDays(milestone).isAfter(today) ? today : start.plusDays(milestone);
                    return tx.transactional(generate(patientId, (Long) plan[0], milestone, start, end, principal));
                });
    }

    @Scheduled(cron = "${suifang.summaries.daily-cron:0 10 3 * * *}", zone = "${suifang.zone:Asia/Shanghai}")
    void scheduled() {
        if (!properties.scheduler().enabled()) {
            return;
        }
        draftDue().subscribe(n -> log.info("stage summaries: {} drafted", n), e -> log.error("stage summary pass failed", e));
    }

    /** Drafts the summary of every active care plan that has reached a milestone without one; returns how many. */
    public Mono<Integer> draftDue() {
        LocalDate today = today();
        return lock.runExclusive("stage-summaries", Duration.ofMinutes(30), db.sql("""
                                SELECT cp.id, cp.patient_id, cp.start_date, m AS milestone
                                FROM care_plan cp CROSS JOIN unnest(CAST(:milestones AS INT[])) m
                                WHERE cp.status = 'ACTIVE' AND cp.start_date + m <= :today
                                  AND cp.start_date + m > CAST(:today AS DATE) - 30
                                  AND NOT EXISTS (SELECT 1 FROM stage_summary s WHERE s.care_plan_id = cp.id AND s.milestone_days = m)
                                ORDER BY cp.id, m""")
                        .bind("milestones", MILESTONES.keySet().toArray(Integer[]::new)).bind("today", today)
                        .map(r -> new Object[] {r.get("id", Long.class), r.get("patient_id", Long.class),
                                r.get("start_date", LocalDate.class), r.get("milestone", Integer.class)})
                        .all()
                        .concatMap(row -> {
                            LocalDate start = (LocalDate) row[2];
                            int milestone = (Integer) row[3];
                            return tx.transactional(generate((Long) row[1], (Long) row[0], milestone, start,
                                    start.plusDays(milestone), Principal.SYSTEM)).thenReturn(1);
                        })
                        .reduce(0, Integer::sum),
                0);
    }

    private Mono<Summary> generate(long patientId, long carePlanId, int milestone, LocalDate start, LocalDate end,
                                   Principal actor) {
        ZoneId zone = properties.zone();
        OffsetDateTime from = start.atStartOfDay(zone).toOffsetDateTime();
        OffsetDateTime to = end.plusDays(1).atStartOfDay(zone).toOffsetDateTime();
        String label = MILESTONES.getOrDefault(milestone, "出院后" + milestone + "天");
        return db.sql("SELECT status, edited_at FROM stage_summary WHERE care_plan_id = :c AND milestone_days = :m FOR UPDATE")
                .bind("c", carePlanId).bind("m", milestone)
                .map(r -> r.get("status", String.class) + "|" + (r.get("edited_at", OffsetDateTime.class) != null))
                .one().defaultIfEmpty("NONE|false")
                .flatMap(existing -> {
                    if (existing.startsWith("SIGNED")) {
                        return Mono.error(ApiException.conflict(3302, "summary-signed", label + "的阶段总结已签署，不能重新生成"));
                    }
                    if (existing.endsWith("true")) {
                        return Mono.error(ApiException.conflict(3303, "summary-edited", label + "的阶段总结已有医生修改，请在原稿上继续编辑"));
                    }
                    return facts(patientId, carePlanId, from, to)
                            .flatMap(content -> {
                                String narrative = narrative(label, start, end, content);
                                return db.sql("""
                                                INSERT INTO stage_summary (patient_id, care_plan_id, milestone_days, phase_label, period_start,
                                                    period_end, content, narrative, status, generated_at)
                                                VALUES (:p, :c, :m, :label, :start, :end, CAST(:content AS JSONB), :narrative, 'DRAFT', :now)
                                                ON CONFLICT (care_plan_id, milestone_days) DO UPDATE SET content = EXCLUDED.content,
                                                    narrative = EXCLUDED.narrative, period_end = EXCLUDED.period_end,
                                                    generated_at = EXCLUDED.generated_at, version = stage_summary.version + 1
                                                RETURNING id""")
                                        .bind("p", patientId).bind("c", carePlanId).bind("m", milestone).bind("label", label)
                                        .bind("start", start).bind("end", end).bind("content", JSON.writeValueAsString(content))
                                        .bind("narrative", narrative).bind("now", OffsetDateTime.now(clock))
                                        .map(r -> r.get("id", Long.class)).one();
                            })
                            .flatMap(id -> audit.record(actor, "STAGE_SUMMARY_DRAFT", "stage_summary", id, List.of(patientId), label)
                                    .then(one(id)));
                });
    }

    // ------------------------------------------------------------------ review

    public Mono<Summary> edit(Principal principal, long id, String narrative, int version) {
        principal.requireStaff();
        if (narrative == null || narrative.isBlank()) {
            throw ApiException.badRequest(3304, "narrative", "总结内容不能为空");
        }
        return visible(principal, id).flatMap(s -> tx.transactional(db.sql("""
                        UPDATE stage_summary SET narrative = :n, edited_at = :now, edited_by = :by, version = version + 1
                        WHERE id = :id AND status = 'DRAFT' AND version = :v""")
                .bind("n", narrative.strip()).bind("now", OffsetDateTime.now(clock)).bind("by", principal.id())
                .bind("id", id).bind("v", version)
                .fetch().rowsUpdated()
                .flatMap(n -> n == 0 ? Mono.error(stale(s))
                        : audit.record(principal, "STAGE_SUMMARY_EDIT", "stage_summary", id, List.of(s.patientId()), null)
                                .then(one(id)))));
    }

    public Mono<Summary> sign(Principal principal, long id, int version) {
        principal.requireStaff();
        return visible(principal, id).flatMap(s -> !principal.has(Role.PHYSICIAN) && !principal.has(Role.DEPARTMENT_HEAD)
                ? Mono.error(ApiException.forbidden(3305, "阶段总结由医师或科室主任审核签署")) : tx.transactional(db.sql("""
                        UPDATE stage_summary SET status = 'SIGNED', signed_at = :now, signed_by = :by, version = version + 1
                        WHERE id = :id AND status = 'DRAFT' AND version = :v""")
                .bind("now", OffsetDateTime.now(clock)).bind("by", principal.id()).bind("id", id).bind("v", version)
                .fetch().rowsUpdated()
                .flatMap(n -> n == 0 ? Mono.error(stale(s))
                        : audit.record(principal, "STAGE_SUMMARY_SIGN", "stage_summary", id, List.of(s.patientId()), null)
                                .then(one(id)))));
    }

    private static ApiException stale(Summary s) {
        return "SIGNED".equals(s.status()) ? ApiException.conflict(3306, "summary-signed", "该阶段总结已签署，不能再修改")
                : ApiException.conflict(3307, "summary-changed", "该阶段总结刚被他人修改或重新生成，请刷新后再试");
    }

    private Mono<Summary> visible(Principal principal, long id) {
        return one(id).flatMap(s -> access.canSee(principal, s.patientId()).flatMap(ok -> ok ? Mono.just(s) : Mono.<Summary>empty()))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(3309, "阶段总结不存在")));
    }

    private Mono<Summary> one(long id) {
        return select("s.id = :id").bind("id", id).map(r -> summary(r)).one();
    }

    private DatabaseClient.GenericExecuteSpec select(String where) {
        return db.sql("SELECT s.*, s.content::text AS content_text, e.name AS edited_by_name, g.name AS signed_by_name "
                + "FROM stage_summary s LEFT JOIN staff e ON e.id = s.edited_by LEFT JOIN staff g ON g.id = s.signed_by WHERE " + where);
    }

    private static Summary summary(io.r2dbc.spi.Readable r) {
        return new Summary(r.get("id", Long.class), r.get("patient_id", Long.class), r.get("care_plan_id", Long.class),
                r.get("milestone_days", Integer.class), r.get("phase_label", String.class), r.get("period_start", LocalDate.class),
                r.get("period_end", LocalDate.class), JSON.readValue(r.get("content_text", String.class), Content.class),
                r.get("narrative", String.class), r.get("status", String.class), r.get("generated_at", OffsetDateTime.class),
                r.get("edited_at", OffsetDateTime.class), r.get("edited_by_name", String.class),
                r.get("signed_at", OffsetDateTime.class), r.get("signed_by_name", String.class), r.get("version", Integer.class));
    }

    private LocalDate today() {
        return LocalDate.now(clock.withZone(properties.zone()));
    }

    // ------------------------------------------------------------------ facts of the phase

    private record Reading(ObservationCode code, BigDecimal value, OffsetDateTime at) {
    }

    private Mono<Content> facts(long patientId, long carePlanId, OffsetDateTime from, OffsetDateTime to) {
        Mono<List<String>> diagnoses = db.sql("SELECT DISTINCT d FROM encounter e, unnest(e.diagnoses) d WHERE e.patient_id = :p AND NOT e.voided")
                .bind("p", patientId).map(r -> r.get(0, String.class)).all().collectList();
        Mono<List<Reading>> readings = db.sql("""
                        SELECT code, value, effective_at FROM observation
                        WHERE patient_id = :p AND NOT voided AND code = ANY(:codes) AND effective_at >= :from AND effective_at < :to
                        ORDER BY effective_at, id""")
                .bind("p", patientId).bind("codes", INDICATORS.stream().map(Enum::name).toArray(String[]::new))
                .bind("from", from).bind("to", to)
                .map(r -> new Reading(ObservationCode.valueOf(r.get("code", String.class)), r.get("value", BigDecimal.class),
                        r.get("effective_at", OffsetDateTime.class)))
                .all().collectList();
        Mono<List<Event>> events = db.sql("""
                        SELECT 'ALERT' AS kind, title, raised_at AS at,
                               CASE status WHEN 'RESOLVED' THEN '已处理' WHEN 'ACKNOWLEDGED' THEN '处理中' ELSE '未处理' END
                                   || '，' || level || '级' AS detail
                        FROM alert WHERE patient_id = :p AND raised_at >= :from AND raised_at < :to
                        UNION ALL
                        SELECT 'READMISSION', '再次住院', created_at, COALESCE(free_text, '')
                        FROM follow_up_note WHERE patient_id = :p AND NOT voided AND outcome = 'READMITTED'
                          AND created_at >= :from AND created_at < :to
                        ORDER BY at""")
                .bind("p", patientId).bind("from", from).bind("to", to)
                .map(r -> new Event(r.get("kind", String.class), r.get("title", String.class), r.get("at", OffsetDateTime.class),
                        r.get("detail", String.class)))
                .all().collectList();
        Mono<FollowUp> followUp = db.sql("""
                        SELECT count(*) FILTER (WHERE status <> 'CANCELLED') AS due,
                               count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
                               count(*) FILTER (WHERE status = 'UNREACHABLE') AS unreachable,
                               (SELECT adherence FROM follow_up_note WHERE patient_id = :p AND NOT voided AND adherence IS NOT NULL
                                  AND created_at >= :from AND created_at < :to ORDER BY created_at DESC LIMIT 1) AS adherence
                        FROM follow_up_task WHERE care_plan_id = :c AND due_date >= CAST(:fromDay AS DATE)
                          AND due_date < CAST(:toDay AS DATE)""")
                .bind("p", patientId).bind("c", carePlanId).bind("from", from).bind("to", to)
                .bind("fromDay", from.atZoneSameInstant(properties.zone()).toLocalDate())
                .bind("toDay", to.atZoneSameInstant(properties.zone()).toLocalDate())
                .map(r -> new FollowUp(r.get("due", Long.class).intValue(), r.get("completed", Long.class).intValue(),
                        r.get("unreachable", Long.class).intValue(), adherenceLabel(r.get("adherence", String.class))))
                .one();
        Mono<List<InterventionLine>> interventions = db.sql("""
                        SELECT kind, title, outcome FROM intervention
                        WHERE patient_id = :p AND status <> 'CANCELLED' AND sent_at >= :from AND sent_at < :to ORDER BY sent_at""")
                .bind("p", patientId).bind("from", from).bind("to", to)
                .map(r -> new InterventionLine(Interventions.kindLabel(r.get("kind", String.class)), r.get("title", String.class),
                        r.get("outcome", String.class) == null ? "待回访" : Interventions.outcomeLabel(r.get("outcome", String.class))))
                .all().collectList();
        Mono<List<RiskLine>> risks = db.sql("""
                        SELECT m.model,
                               (SELECT value || unit || ' ' || category_label FROM risk_assessment a WHERE a.patient_id = :p
                                  AND a.model = m.model AND a.complete AND a.computed_at < :from ORDER BY computed_at DESC LIMIT 1) AS then_text,
                               (SELECT value || unit || ' ' || category_label FROM risk_assessment a WHERE a.patient_id = :p
                                  AND a.model = m.model AND a.complete AND a.computed_at < :to ORDER BY computed_at DESC LIMIT 1) AS now_text
                        FROM (VALUES ('CHINA_PAR'), ('CDRS')) AS m(model)""")
                .bind("p", patientId).bind("from", from).bind("to", to)
                .map(r -> new RiskLine(r.get("model", String.class), r.get("then_text", String.class), r.get("now_text", String.class)))
                .all().filter(l -> l.now() != null).collectList();
        Mono<List<String>> tags = db.sql("SELECT label FROM patient_tag WHERE patient_id = :p AND cleared_at IS NULL ORDER BY category, label")
                .bind("p", patientId).map(r -> r.get(0, String.class)).all().collectList();
        return Mono.zip(diagnoses, readings, events, followUp, interventions, risks, tags).map(t -> {
            boolean diabetes = cn.suifang.backend.risk.Diagnoses.diabetes(t.getT1());
            boolean ascvd = cn.suifang.backend.risk.Diagnoses.establishedAscvd(t.getT1()).isPresent();
            List<Indicator> indicators = new ArrayList<>();
            for (ObservationCode code : INDICATORS) {
                List<Reading> of = t.getT2().stream().filter(r -> r.code() == code).toList();
                if (of.isEmpty()) {
                    continue;
                }
                Reading first = of.get(0);
                Reading latest = of.get(of.size() - 1);
                Target target = target(code, diabetes, ascvd);
                indicators.add(new Indicator(code.name(), code.label(), code.unit(), first.value(), first.at(), latest.value(),
                        latest.at(), target == null ? null : target.text(), target == null ? null : target.met(latest.value())));
            }
            Content draft = new Content(indicators, t.getT3(), t.getT4(), t.getT5(), t.getT6(), t.getT7(), List.of());
            return new Content(indicators, t.getT3(), t.getT4(), t.getT5(), t.getT6(), t.getT7(), focus(draft));
        });
    }

    /** A control target as the Chinese guidelines the pathways follow set it. */
    record Target(String text, BigDecimal below, BigDecimal atLeast) {

        boolean met(BigDecimal v) {
            return (below == null || v.compareTo(below) < 0) && (atLeast == null || v.compareTo(atLeast) >= 0);
        }
    }

    static Target target(ObservationCode code, boolean diabetes, boolean ascvd) {
        return switch (code) {
            case SBP -> diabetes ? new Target("<130 mmHg", new BigDecimal("130"), null) : new Target("<140 mmHg", new BigDecimal("140"), null);
            case DBP -> diabetes ? new Target("<80 mmHg", new BigDecimal("80"), null) : new Target("<90 mmHg", new BigDecimal("90"), null);
            case FPG -> new Target("4.4–7.0 mmol/L", new BigDecimal("7.05"), new BigDecimal("4.4"));
            case HBA1C -> new Target("<7.0 %", new BigDecimal("7.0"), null);
            case LDL_C -> ascvd ? new Target("<1.8 mmol/L", new BigDecimal("1.8"), null) : new Target("<2.6 mmol/L", new BigDecimal("2.6"), null);
            default -> null;
        };
    }

    private static String adherenceLabel(String code) {
        return code == null ? null : switch (code) {
            case "GOOD" -> "好";
            case "PARTIAL" -> "一般";
            case "POOR" -> "差";
            default -> "已停药";
        };
    }

    /** What the next phase should work on: targets not met, advice not followed, follow-up missed. */
    static List<String> focus(Content c) {
        List<String> focus = new ArrayList<>();
        for (Indicator i : c.indicators()) {
            if (Boolean.FALSE.equals(i.met())) {
                focus.add(i.label() + "未达标（最近 " + plain(i.latest()) + " " + i.unit() + "，目标 " + i.target() + "）");
            }
        }
        for (InterventionLine l : c.interventions()) {
            if ("没做到".equals(l.outcomeLabel()) || "部分做到".equals(l.outcomeLabel())) {
                focus.add("继续督促：" + l.title() + "（" + l.outcomeLabel() + "）");
            }
        }
        if (c.followUp().unreachable() > 0) {
            focus.add("本阶段 " + c.followUp().unreachable() + " 次未联系上，核实联系方式或改约");
        }
        if ("差".equals(c.followUp().adherence()) || "已停药".equals(c.followUp().adherence())) {
            focus.add("服药依从性" + c.followUp().adherence() + "，需加强用药指导");
        }
        return focus;
    }

    static String narrative(String label, LocalDate start, LocalDate end, Content c) {
        StringBuilder s = new StringBuilder();
        s.append(label).append("阶段总结（").append(DAY.format(start)).append("—").append(DAY.format(end)).append("）\n");
        if (c.indicators().isEmpty()) {
            s.append("指标：本阶段没有测量记录。\n");
        } else {
            s.append("指标：");
            List<String> parts = new ArrayList<>();
            for (Indicator i : c.indicators()) {
                String change = i.firstAt().equals(i.latestAt()) ? plain(i.latest()) + " " + i.unit()
                        : "由 " + plain(i.first()) + " 变为 " + plain(i.latest()) + " " + i.unit();
                parts.add(i.label() + change + (i.met() == null ? "" : i.met() ? "，已达标（" + i.target() + "）"
                        : "，未达标（目标 " + i.target() + "）"));
            }
            s.append(String.join("；", parts)).append("。\n");
        }
        FollowUp f = c.followUp();
        s.append("随访：本阶段计划 ").append(f.due()).append(" 次，完成 ").append(f.completed()).append(" 次");
        if (f.unreachable() > 0) {
            s.append("，未联系上 ").append(f.unreachable()).append(" 次");
        }
        s.append(f.adherence() == null ? "。" : "；服药依从性" + f.adherence() + "。").append("\n");
        long alerts = c.events().stream().filter(e -> "ALERT".equals(e.kind())).count();
        long readmissions = c.events().stream().filter(e -> "READMISSION".equals(e.kind())).count();
        s.append("事件：").append(alerts == 0 ? "无预警" : "预警 " + alerts + " 次（" + String.join("、", c.events().stream()
                        .filter(e -> "ALERT".equals(e.kind())).map(Event::title).distinct().toList()) + "）")
                .append(readmissions == 0 ? "，无再住院。" : "，再次住院 " + readmissions + " 次。").append("\n");
        if (!c.interventions().isEmpty()) {
            s.append("健康干预：").append(String.join("；", c.interventions().stream()
                    .map(l -> l.title() + "（" + l.outcomeLabel() + "）").toList())).append("。\n");
        }
        for (RiskLine r : c.risks()) {
            s.append("CHINA_PAR".equals(r.model()) ? "心血管病10年风险：" : "糖尿病风险评分：")
                    .append(r.then() == null || r.then().equals(r.now()) ? r.now() : r.then() + " → " + r.now()).append("。\n");
        }
        s.append("下一阶段重点：").append(c.focus().isEmpty() ? "维持现有治疗和生活方式，按计划随访。" : String.join("；", c.focus()) + "。");
        return s.toString();
    }

    private static String plain(BigDecimal v) {
        return v.setScale(Math.min(Math.max(v.stripTrailingZeros().scale(), 0), 1), RoundingMode.HALF_UP).toPlainString();
    }
}
