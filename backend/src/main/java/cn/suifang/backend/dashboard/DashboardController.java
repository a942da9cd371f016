package cn.suifang.backend.dashboard;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/dashboard")
@Validated
@Tag(name = "看板", description = "科室主任的随访质量看板：覆盖率、按时完成率、接通率、通话时长、预警及时率、问卷回收率")
class DashboardController {

    private static final MediaType CSV = MediaType.parseMediaType("text/csv;charset=UTF-8");

    private final DashboardService dashboard;

    DashboardController(DashboardService dashboard) {
        this.dashboard = dashboard;
    }

    @GetMapping("/summary")
    @Operation(summary = "本月指标与近 6 个月趋势", description = "month=YYYY-MM（默认本月）；科室主任看本科室，"
            + "系统管理员看全院或 departmentId 指定的科室。每个指标给出分子、分母、值与口径说明")
    Mono<DashboardService.Summary> summary(@AuthenticationPrincipal Principal principal,
                                           @RequestParam(required = false) @Size(max = 7) String month,
                                           @RequestParam(required = false) Long departmentId) {
        return dashboard.summary(principal, month, departmentId);
    }

    @GetMapping("/tags")
    @Operation(summary = "标签分布", description = "在随访患者中带各标签（如高血压未达标、失访风险）的人数；范围同 summary")
    Mono<DashboardService.TagCounts> tags(@AuthenticationPrincipal Principal principal,
                                          @RequestParam(required = false) Long departmentId) {
        return dashboard.tags(principal, departmentId);
    }

    @GetMapping("/breakdown")
    @Operation(summary = "按人员 / 路径 / 月份分组", description = "by=STAFF（任务执行人、呼叫人、主治医生、预警负责人）"
            + "| PATHWAY | MONTH（近 12 个月）")
    Mono<DashboardService.Breakdown> breakdown(@AuthenticationPrincipal Principal principal,
                                               @RequestParam(required = false) @Size(max = 7) String month,
                                               @RequestParam(required = false) Long departmentId,
                                               @RequestParam(defaultValue = "STAFF") DashboardService.Grouping by) {
        return dashboard.breakdown(principal, month, departmentId, by);
    }

    @GetMapping("/items")
    @Operation(summary = "数字背后的名单（下钻）", description = "某个指标的计数对象：part=ALL（分母）| ACHIEVED（分子）| MISSED（未达成）；"
            + "可按 staffId（0 为未分配）或 pathway（路径代码，- 为未匹配路径）筛选，与分组数字一致。仅限科室主任看本科室，患者信息脱敏")
    Mono<DashboardService.Drilldown> items(@AuthenticationPrincipal Principal principal,
                                           @RequestParam Metric metric,
                                           @RequestParam(required = false) @Size(max = 7) String month,
                                           @RequestParam(required = false) Long departmentId,
                                           @RequestParam(defaultValue = "ALL") DashboardService.Part part,
                                           @RequestParam(required = false) @Min(0) Long staffId,
                                           @RequestParam(required = false) @Pattern(regexp = "[A-Z0-9_]{1,32}|-",
                                                   message = "应为随访路径代码，如 PCI，未匹配路径为 -") String pathway,
                                           @RequestParam(required = false) @Size(max = 12) String cursor,
                                           @RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit) {
        return dashboard.drilldown(principal, month, departmentId, metric, part, staffId, pathway, cursor, limit);
    }

    @GetMapping(value = "/export", produces = "text/csv")
    @Operation(summary = "导出 CSV", description = "与分组接口相同的数字，UTF-8（带 BOM，Excel 可直接打开）")
    Mono<ResponseEntity<byte[]>> export(@AuthenticationPrincipal Principal principal,
                                        @RequestParam(required = false) @Size(max = 7) String month,
                                        @RequestParam(required = false) Long departmentId,
                                        @RequestParam(defaultValue = "STAFF") DashboardService.Grouping by) {
        return dashboard.breakdown(principal, month, departmentId, by).map(b -> {
            String name = "随访看板-" + b.scope().departmentName() + "-" + b.month() + "-" + switch (by) {
                case STAFF -> "按人员";
                case PATHWAY -> "按路径";
                case MONTH -> "按月";
            } + ".csv";
            return ResponseEntity.ok()
                    .contentType(CSV)
                    .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename*=UTF-8''"
                            + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
                    .body(csv(b));
        });
    }

    /** One line per group; for every metric its value, numerator and denominator. */
    static byte[] csv(DashboardService.Breakdown b) {
        List<String> header = new ArrayList<>(List.of(switch (b.by()) {
            case STAFF -> "人员";
            case PATHWAY -> "随访路径";
            case MONTH -> "月份";
        }));
        for (Metric m : Metric.values()) {
            String value = m.unit() == Metric.Unit.RATIO ? m.label() + "(%)" : m.label() + "(秒)";
            header.addAll(List.of(value, m.label() + "-分子", m.label() + "-分母"));
        }
        StringWriter out = new StringWriter().append('\uFEFF');
        try (CSVPrinter printer = CSVFormat.DEFAULT.builder().setHeader(header.toArray(String[]::new)).get().print(out)) {
            for (DashboardService.Row row : b.rows()) {
                List<Object> cells = new ArrayList<>();
                cells.add(row.label());
                for (DashboardService.MetricValue v : row.metrics()) {
                    cells.add(v.value() == null ? "" : v.unit() == Metric.Unit.RATIO
                            ? String.format("%.1f", v.value() * 100) : String.format("%.1f", v.value()));
                    cells.add(v.numerator());
                    cells.add(v.denominator());
                }
                printer.printRecord(cells);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
