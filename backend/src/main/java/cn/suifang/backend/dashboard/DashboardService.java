package cn.suifang.backend.dashboard;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.crypto.Masking;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.organisation.OrganisationService;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The department head's dashboard: follow-up coverage, on-time completion, connect rate, talk time, alert SLA and
 * questionnaire response per month, with a six-month trend, breakdowns by staff member and pathway, and the list
 * of items behind any number. Heads see their own department; administrators the whole hospital or any department,
 * but only in numbers: the lists behind them name patients and are for the department's head.
 */
@Service
public class DashboardService {

    static final int TREND_MONTHS = 6;
    /** The period and scope parameters a metric's SQL may name, each as it appears in the SQL. */
    private static final Map<String, Pattern> PERIOD_PARAMETERS = Stream.of(
                    "h", "dept", "fromDay", "toDay", "fromAt", "toAt", "tz", "today", "now")
            .collect(Collectors.toMap(k -> k, k -> Pattern.compile(":" + k + "\\b")));
    private static final int MAX_YEARS_BACK = 5;

    private final DatabaseClient db;
    private final OrganisationService organisation;
    private final PiiCipher cipher;
    private final AuditService audit;
    private final SuifangProperties properties;
    private final Clock clock;

    DashboardService(DatabaseClient db, OrganisationService organisation, PiiCipher cipher, AuditService audit,
                     SuifangProperties properties, Clock clock) {
        this.db = db;
        this.organisation = organisation;
        this.cipher = cipher;
        this.audit = audit;
        this.properties = properties;
        this.clock = clock;
    }

    public enum Grouping { STAFF, PATHWAY, MONTH }

    /** Which items of a metric a drill-down lists. */
    public enum Part { ALL, ACHIEVED, MISSED }

    public record Scope(long hospitalId, Long departmentId, String departmentName) {
    }

    /** One number: achieved of counted (a ratio), or talk seconds over connected calls (a mean). */
    public record MetricValue(Metric metric, String label, Metric.Unit unit, long numerator, long denominator,
                              Double value, String definition) {
    }

    public record Row(String key, String label, List<MetricValue> metrics) {
    }

    public record Summary(Scope scope, String month, List<MetricValue> metrics, List<Row> trend) {
    }

    public record Breakdown(Scope scope, String month, Grouping by, List<Row> rows) {
    }

    public record Item(String ref, long patientId, String patientName, String phoneMasked, LocalDate date, String title,
                       String status, String staffName, String pathwayName) {
    }

    public record Drilldown(Scope scope, String month, Metric metric, Part part, long total, List<Item> items,
                            String nextCursor) {
    }

    // ------------------------------------------------------------------ reads

    /** How many patients in follow-up carry each live tag, of how many in follow-up now. */
    public record TagCount(String code, String label, String category, long patients) {
    }

    public record TagCounts(Scope scope, long inFollowUp, List<TagCount> tags) {
    }

    public Mono<TagCounts> tags(Principal principal, Long departmentId) {
        return scope(principal, departmentId, false).flatMap(scope -> {
            String inScope = "p.hospital_id = :h AND NOT p.voided AND (CAST(:dept AS BIGINT) IS NULL OR p.department_id = :dept)";
            Mono<Long> total = db.sql("SELECT count(*) FROM patient p WHERE " + inScope
                            + " AND EXISTS (SELECT 1 FROM care_plan cp WHERE cp.patient_id = p.id AND cp.status = 'ACTIVE')")
                    .bind("h", scope.hospitalId()).bind("dept", Rows.param(scope.departmentId(), Long.class))
                    .map(r -> r.get(0, Long.class)).one();
            Mono<List<TagCount>> counts = db.sql("SELECT pt.tag_code, min(pt.label) AS label, min(pt.category) AS category,"
                            + " count(DISTINCT pt.patient_id) AS n FROM patient_tag pt JOIN patient p ON p.id = pt.patient_id"
                            + " WHERE pt.cleared_at IS NULL AND " + inScope + " GROUP BY pt.tag_code ORDER BY n DESC, pt.tag_code")
                    .bind("h", scope.hospitalId()).bind("dept", Rows.param(scope.departmentId(), Long.class))
                    .map(r -> new TagCount(r.get("tag_code", String.class), r.get("label", String.class),
                            r.get("category", String.class), r.get("n", Long.class)))
                    .all().collectList();
            return Mono.zip(total, counts).map(t -> new TagCounts(scope, t.getT1(), t.getT2()))
                    .flatMap(c -> audit.record(principal, "DASHBOARD_READ", "dashboard",
                            (scope.departmentId() == null ? "hospital" : "department:" + scope.departmentId()) + ":tags",
                            List.of(), null).thenReturn(c));
        });
    }


    public Mono<Summary> summary(Principal principal, String month, Long departmentId) {
        YearMonth ym = month(month);
        YearMonth first = ym.minusMonths(TREND_MONTHS - 1L);
        return scope(principal, departmentId, false)
                .flatMap(scope -> grouped(scope, first, ym, Grouping.MONTH)
                        .map(rows -> {
                            List<Row> trend = new ArrayList<>();
                            for (YearMonth m = first; !m.isAfter(ym); m = m.plusMonths(1)) {
                                String key = m.toString();
                                trend.add(rows.stream().filter(r -> r.key().equals(key)).findFirst()
                                        .orElseGet(() -> emptyRow(key, key)));
                            }
                            return new Summary(scope, ym.toString(), trend.get(trend.size() - 1).metrics(), trend);
                        })
                        .flatMap(s -> audit.record(principal, "DASHBOARD_READ", "dashboard", scopeId(scope, ym), List.of(), null)
                                .thenReturn(s)));
    }

    public Mono<Breakdown> breakdown(Principal principal, String month, Long departmentId, Grouping by) {
        YearMonth ym = month(month);
        YearMonth first = by == Grouping.MONTH ? ym.minusMonths(11) : ym;
        return scope(principal, departmentId, false)
                .flatMap(scope -> grouped(scope, first, ym, by)
                        .map(rows -> new Breakdown(scope, ym.toString(), by, rows))
                        .flatMap(b -> audit.record(principal, "DASHBOARD_READ", "dashboard", scopeId(scope, ym), List.of(),
                                "by=" + by).thenReturn(b)));
    }

    /**
     * The items behind a number, with the same filters the number was computed with. Offset-paged (a month of one
     * department is small); every page is audited with the patients it shows.
     */
    public Mono<Drilldown> drilldown(Principal principal, String month, Long departmentId, Metric metric, Part part,
                                     Long staffId, String pathwayCode, String cursor, int limit) {
        YearMonth ym = month(month);
        if (part != Part.ALL && !metric.splits()) {
            throw ApiException.badRequest(2105, "part", metric.label() + "没有“达成/未达成”之分，请使用 part=ALL");
        }
        int offset = offset(cursor);
        return scope(principal, departmentId, true).flatMap(scope -> {
            StringBuilder where = new StringBuilder(metric.subject().from()).append(" AND ").append(metric.scope());
            if (part == Part.ACHIEVED) {
                where.append(" AND (").append(metric.achieved()).append(")");
            } else if (part == Part.MISSED) {
                where.append(" AND NOT (").append(metric.achieved()).append(")");
            }
            if (staffId != null) {
                where.append(staffId == 0 ? " AND s.id IS NULL" : " AND s.id = :staff");
            }
            if (pathwayCode != null) {
                where.append("-".equals(pathwayCode) ? " AND pw.code IS NULL" : " AND pw.code = :pathway");
            }
            String sql = "SELECT " + metric.subject().itemColumns() + ", count(*) OVER () AS total " + where
                    + " ORDER BY day, ref LIMIT :limit OFFSET :offset";
            DatabaseClient.GenericExecuteSpec spec = bindPeriod(sql, scope, ym, ym)
                    .bind("limit", limit).bind("offset", offset);
            if (staffId != null && staffId != 0) {
                spec = spec.bind("staff", staffId);
            }
            if (pathwayCode != null && !"-".equals(pathwayCode)) {
                spec = spec.bind("pathway", pathwayCode);
            }
            long[] total = {0};
            return spec.map(r -> {
                        total[0] = r.get("total", Long.class);
                        return new Item(r.get("ref", String.class), r.get("patient_id", Long.class),
                                Masking.name(r.get("name", String.class)),
                                Masking.phone(cipher.decrypt(PiiField.PATIENT_PHONE, r.get("phone_enc", byte[].class))),
                                r.get("day", LocalDate.class), r.get("title", String.class), r.get("status", String.class),
                                r.get("staff_name", String.class), r.get("pathway_name", String.class));
                    })
                    .all().collectList()
                    .flatMap(items -> {
                        String next = offset + items.size() < total[0] ? Integer.toString(offset + items.size()) : null;
                        Drilldown d = new Drilldown(scope, ym.toString(), metric, part, items.isEmpty() ? 0 : total[0],
                                items, next);
                        return audit.record(principal, "DASHBOARD_DRILLDOWN", "dashboard", scopeId(scope, ym),
                                        items.stream().map(Item::patientId).distinct().toList(),
                                        "metric=" + metric + " part=" + part)
                                .thenReturn(d);
                    });
        });
    }

    // ------------------------------------------------------------------ the numbers

    /** All metrics over [first, last] months grouped one way, rows in a stable order. */
    private Mono<List<Row>> grouped(Scope scope, YearMonth first, YearMonth last, Grouping by) {
        return Flux.fromArray(Metric.values())
                .concatMap(metric -> aggregate(scope, first, last, by, metric))
                .collectList()
                .map(all -> {
                    Map<String, String> labels = new LinkedHashMap<>();
                    Map<String, Map<Metric, long[]>> values = new LinkedHashMap<>();
                    for (Agg a : all) {
                        labels.putIfAbsent(a.key(), a.label());
                        values.computeIfAbsent(a.key(), k -> new LinkedHashMap<>()).put(a.metric(), new long[] {a.num(), a.den()});
                    }
                    return labels.entrySet().stream()
                            .map(e -> new Row(e.getKey(), e.getValue(), Arrays.stream(Metric.values())
                                    .map(m -> value(m, values.get(e.getKey()).getOrDefault(m, new long[2])))
                                    .toList()))
                            .sorted(by == Grouping.MONTH ? Comparator.comparing(Row::key)
                                    : Comparator.comparing(Row::label))
                            .toList();
                });
    }

    private record Agg(Metric metric, String key, String label, long num, long den) {
    }

    private Flux<Agg> aggregate(Scope scope, YearMonth first, YearMonth last, Grouping by, Metric metric) {
        String key = switch (by) {
            case MONTH -> "to_char(" + metric.subject().day() + ", 'YYYY-MM')";
            case STAFF -> "COALESCE(s.id, 0)::text";
            case PATHWAY -> "COALESCE(pw.code, '-')";
        };
        String label = switch (by) {
            case MONTH -> "min(to_char(" + metric.subject().day() + ", 'YYYY-MM'))";
            case STAFF -> "min(COALESCE(s.name, '未分配'))";
            case PATHWAY -> "min(COALESCE(pw.name, '未匹配随访路径'))";
        };
        String sql = "SELECT " + key + " AS k, " + label + " AS l, " + metric.numeratorSql() + " AS num, count(*) AS den "
                + metric.subject().from() + " AND " + metric.scope() + " GROUP BY 1";
        return bindPeriod(sql, scope, first, last)
                .map(r -> new Agg(metric, r.get("k", String.class), r.get("l", String.class),
                        r.get("num", Long.class), r.get("den", Long.class)))
                .all();
    }

    /** Binds the period and scope parameters the statement uses (R2DBC refuses a binding the SQL does not name). */
    private DatabaseClient.GenericExecuteSpec bindPeriod(String sql, Scope scope, YearMonth first, YearMonth last) {
        ZoneId zone = properties.zone();
        LocalDate fromDay = first.atDay(1);
        LocalDate toDay = last.plusMonths(1).atDay(1);
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("h", scope.hospitalId());
        values.put("dept", Rows.param(scope.departmentId(), Long.class));
        values.put("fromDay", fromDay);
        values.put("toDay", toDay);
        values.put("fromAt", fromDay.atStartOfDay(zone).toOffsetDateTime());
        values.put("toAt", toDay.atStartOfDay(zone).toOffsetDateTime());
        values.put("tz", zone.getId());
        values.put("today", LocalDate.now(clock.withZone(zone)));
        values.put("now", OffsetDateTime.now(clock));
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql);
        for (Map.Entry<String, Object> v : values.entrySet()) {
            if (PERIOD_PARAMETERS.get(v.getKey()).matcher(sql).find()) {
                spec = spec.bind(v.getKey(), v.getValue());
            }
        }
        return spec;
    }

    static MetricValue value(Metric m, long[] numDen) {
        long num = numDen[0];
        long den = numDen[1];
        Double value = den == 0 ? null
                : m.unit() == Metric.Unit.RATIO ? Math.round(10000.0 * num / den) / 10000.0
                : Math.round(10.0 * num / den) / 10.0;
        return new MetricValue(m, m.label(), m.unit(), num, den, value, m.definition());
    }

    private static Row emptyRow(String key, String label) {
        return new Row(key, label, Arrays.stream(Metric.values()).map(m -> value(m, new long[2])).toList());
    }

    // ------------------------------------------------------------------ who sees what

    /**
     * Heads see their department; administrators the hospital or the department they name. The item lists name
     * patients, so they are for heads (of the department listed) only.
     */
    Mono<Scope> scope(Principal principal, Long departmentId, boolean patientLevel) {
        principal.requireStaff();
        boolean admin = principal.has(Role.ADMIN);
        boolean head = principal.head();
        if (!admin && !head) {
            throw ApiException.forbidden(2101, "看板仅限科室主任和系统管理员查看");
        }
        if (patientLevel && !head) {
            throw ApiException.forbidden(2102, "明细名单含患者信息，仅限科室主任查看本科室的名单");
        }
        if (head && (patientLevel || !admin)) {
            if (departmentId != null && departmentId != principal.departmentId()) {
                throw ApiException.forbidden(2103, "只能查看本科室的看板");
            }
            return department(principal, principal.departmentId());
        }
        return departmentId == null ? Mono.just(new Scope(principal.hospitalId(), null, "全院"))
                : department(principal, departmentId);
    }

    private Mono<Scope> department(Principal principal, long departmentId) {
        return organisation.departments(principal.hospitalId())
                .filter(d -> d.id() == departmentId)
                .next()
                .map(d -> new Scope(principal.hospitalId(), d.id(), d.name()))
                .switchIfEmpty(Mono.error(() -> ApiException.badRequest(2104, "departmentId", "科室不存在")));
    }

    private YearMonth month(String month) {
        YearMonth current = YearMonth.now(clock.withZone(properties.zone()));
        if (month == null || month.isBlank()) {
            return current;
        }
        YearMonth ym;
        try {
            ym = YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(2106, "month", "月份格式应为 YYYY-MM，例如 " + current);
        }
        if (ym.isAfter(current) || ym.isBefore(current.minusYears(MAX_YEARS_BACK))) {
            throw ApiException.badRequest(2107, "month", "只能查看近 " + MAX_YEARS_BACK + " 年内、不晚于本月（" + current + "）的月份");
        }
        return ym;
    }

    private static int offset(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return 0;
        }
        try {
            int offset = Integer.parseInt(cursor);
            if (offset >= 0) {
                return offset;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the problem below
        }
        throw ApiException.badRequest(2108, "cursor", "分页游标无效，请从第一页重新加载");
    }

    private static String scopeId(Scope scope, YearMonth ym) {
        return (scope.departmentId() == null ? "hospital" : "department:" + scope.departmentId()) + ":" + ym;
    }
}
