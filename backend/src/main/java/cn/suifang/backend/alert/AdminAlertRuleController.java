package cn.suifang.backend.alert;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

@RestController
@RequestMapping("/api/admin/alert-rules")
@Validated
@Tag(name = "预警规则", description = "规则即数据：按版本维护，草稿 → 启用（旧版本同时停用）；已触发的预警保留触发时的版本")
class AdminAlertRuleController {

    private final AlertRules rules;

    AdminAlertRuleController(AlertRules rules) {
        this.rules = rules;
    }

    @GetMapping
    @Operation(summary = "规则列表", description = "全部版本（activeOnly=true 只看启用中的）；医护人员均可查看")
    Mono<List<AlertRules.Rule>> list(@AuthenticationPrincipal Principal principal,
                                     @RequestParam(defaultValue = "false") boolean activeOnly) {
        return rules.list(principal, activeOnly);
    }

    record NewRule(@NotBlank @Pattern(regexp = "[A-Z][A-Z0-9_]{1,47}", message = "应为大写字母、数字和下划线") String code,
                   @NotBlank @Size(max = 128) String name, @Size(max = 2000) String description,
                   @NotNull JsonNode condition,
                   @Size(max = 20) List<@Pattern(regexp = "[A-Z0-9_]{1,32}", message = "路径编码格式有误") String> pathwayCodes,
                   @Size(max = 50) List<@Pattern(regexp = "[A-Z][0-9A-Z.]{0,15}", message = "ICD-10 前缀格式有误") String> icdPrefixes,
                   @Min(1) @Max(3) int level, @Min(1) @Max(10080) Integer slaMinutes,
                   @Size(max = 1000) String patientAdvice) {
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "新建规则版本（草稿）", description = "条件类型：reading、rise、score、answer、attempts、any、all（见 docs/alerts.md）；"
            + "条件有误时返回 400 并指出问题")
    Mono<AlertRules.Rule> create(@AuthenticationPrincipal Principal principal, @Valid @RequestBody NewRule body) {
        return rules.create(principal, new AlertRules.NewRule(body.code(), body.name(), body.description(), body.condition(),
                body.pathwayCodes() == null ? List.of() : body.pathwayCodes(),
                body.icdPrefixes() == null ? List.of() : body.icdPrefixes(), body.level(), body.slaMinutes(),
                body.patientAdvice()));
    }

    @PostMapping("/{id}/activate")
    @Operation(summary = "启用规则版本", description = "同一编码的旧版本同时停用")
    Mono<AlertRules.Rule> activate(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return rules.activate(principal, id);
    }
}
