package cn.suifang.backend.alert;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/alerts")
@Validated
@Tag(name = "预警", description = "规则触发的预警：三级响应（1级自动建议患者 → 2级随访护士 → 3级医师），超时未确认自动逐级升级")
class AlertController {

    private final AlertService alerts;
    private final SuifangProperties properties;
    private final Clock clock;

    AlertController(AlertService alerts, SuifangProperties properties, Clock clock) {
        this.alerts = alerts;
        this.properties = properties;
        this.clock = clock;
    }

    @GetMapping
    @Operation(summary = "预警列表", description = "MINE：分配给我的未处理预警；OPEN：我可见患者的全部未处理预警；RESOLVED：近30天已处理。"
            + "待处理在前，级别高的在前，快到时限的在前；患者姓名脱敏")
    Mono<List<AlertService.Alert>> list(@AuthenticationPrincipal Principal principal,
                                        @RequestParam(defaultValue = "MINE") AlertService.View view,
                                        @RequestParam(defaultValue = "100") @Min(1) @Max(200) int limit) {
        return alerts.list(principal, view, limit);
    }

    @GetMapping("/counts")
    @Operation(summary = "预警数量", description = "给工作台角标：分配给我的、其中已超时的、我可见的全部未处理预警")
    Mono<AlertService.AlertCounts> counts(@AuthenticationPrincipal Principal principal) {
        return alerts.counts(principal);
    }

    @GetMapping("/{id}")
    @Operation(summary = "预警详情", description = "触发依据、给患者的建议、升级与处理经过")
    Mono<AlertService.AlertDetail> get(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return alerts.get(principal, id);
    }

    record Acknowledge(@Size(max = 500) String note) {
    }

    @PostMapping("/{id}/acknowledge")
    @Operation(summary = "确认预警（我来处理）", description = "预警归确认人，停止升级；重复确认不改变任何内容")
    Mono<AlertService.AlertDetail> acknowledge(@AuthenticationPrincipal Principal principal, @PathVariable long id,
                                               @Valid @RequestBody(required = false) Acknowledge body) {
        return alerts.acknowledge(principal, id, body == null ? null : body.note());
    }

    record Resolve(@NotNull AlertService.Resolution resolution, AlertService.InterventionType interventionType,
                   AlertService.DismissReason dismissReason, @Size(max = 500) String note) {
    }

    @PostMapping("/{id}/resolve")
    @Operation(summary = "处理完毕", description = "INTERVENED 须选干预措施（电话指导、调整用药、门诊复诊、转急诊等）；"
            + "DISMISSED 须选原因（测量错误、已处理、临床判断无需处理）；选“其他”须写说明")
    Mono<AlertService.AlertDetail> resolve(@AuthenticationPrincipal Principal principal, @PathVariable long id,
                                           @Valid @RequestBody Resolve body) {
        return alerts.resolve(principal, id, new AlertService.Resolve(body.resolution(), body.interventionType(),
                body.dismissReason(), body.note()));
    }

    @GetMapping("/rule-stats")
    @Operation(summary = "预警规则效果统计", description = "每条规则：触发数、确认数、干预数、忽略数、升级数、超时数、确认用时中位数（分钟）、"
            + "干预率与忽略率（预警疲劳）。科室主任看本科室，管理员看全院；默认近30天")
    Mono<List<AlertService.RuleStats>> ruleStats(@AuthenticationPrincipal Principal principal,
                                                 @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate from,
                                                 @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate to) {
        LocalDate today = LocalDate.now(clock.withZone(properties.zone()));
        LocalDate end = to == null ? today : to;
        return alerts.ruleStats(principal, from == null ? end.minusDays(29) : from, end, properties.zone());
    }
}
