package cn.suifang.backend.pathway;

import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/admin/pathways")
@Tag(name = "管理：随访路径", description = "路径模板的版本管理：新建版本、启用")
class AdminPathwayController {

    private final PathwayService pathways;

    AdminPathwayController(PathwayService pathways) {
        this.pathways = pathways;
    }

    record StepRequest(
            @NotNull @Min(0) @Max(3650) Integer offsetDays,
            @Min(0) @Max(90) Integer windowDays,
            @NotNull Channel channel,
            @NotNull Role role,
            @NotBlank @Size(max = 128) String title,
            @Size(max = 32) String questionnaireCode,
            @Size(max = 2000) String instructions,
            @Size(max = 20) List<@NotBlank @Size(max = 256) String> questions) {
    }

    record PathwayRequest(
            @NotBlank @Size(max = 32) @Pattern(regexp = "[A-Z0-9_]+", message = "只能包含大写字母、数字和下划线") String code,
            @NotBlank @Size(max = 128) String name,
            @Size(max = 2000) String description,
            List<@Pattern(regexp = "[A-Z][0-9]{2}(\\.[0-9A-Z]{1,4})?", message = "不是 ICD-10 编码前缀") String> icdPrefixes,
            List<@NotBlank @Size(max = 16) String> procedureCodes,
            List<@NotBlank @Size(max = 32) String> departmentCodes,
            @Size(max = 20) List<@NotBlank @Size(max = 48) String> tagCodes,
            @Min(0) @Max(1000) Integer priority,
            @NotEmpty @Size(max = 50) List<@Valid @NotNull StepRequest> steps) {
    }

    @GetMapping
    @Operation(summary = "路径列表（含步骤）")
    Flux<PathwayService.Pathway> list(@AuthenticationPrincipal Principal principal,
                                      @RequestParam(defaultValue = "false") boolean includeRetired) {
        return pathways.list(principal, includeRetired);
    }

    @GetMapping("/{id}")
    @Operation(summary = "路径详情")
    Mono<PathwayService.Pathway> get(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return pathways.get(principal, id);
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "新建路径版本（草稿）", description = "同一编码的新版本号自动递增；启用后才用于新出院患者。"
            + "tagCodes：只用于出院时带有其中某个标签的患者（如 LOSS_RISK 失访风险），优先级更高时胜过仅按诊断匹配的路径")
    Mono<PathwayService.Pathway> create(@AuthenticationPrincipal Principal principal,
                                        @Valid @RequestBody PathwayRequest r) {
        principal.requireRole(Role.ADMIN);
        List<PathwayService.StepDraft> steps = r.steps().stream()
                .map(s -> new PathwayService.StepDraft(s.offsetDays(), s.windowDays() == null ? 3 : s.windowDays(),
                        s.channel(), s.role(), s.title(), s.questionnaireCode(), s.instructions(),
                        s.questions() == null ? List.of() : s.questions()))
                .toList();
        return pathways.createVersion(principal, new PathwayService.PathwayDraft(r.code(), r.name(), r.description(),
                r.icdPrefixes() == null ? List.of() : r.icdPrefixes(),
                r.procedureCodes() == null ? List.of() : r.procedureCodes(),
                r.departmentCodes() == null ? List.of() : r.departmentCodes(),
                r.tagCodes() == null ? List.of() : r.tagCodes(),
                r.priority() == null ? 0 : r.priority(), steps));
    }

    @PostMapping("/{id}/activate")
    @Operation(summary = "启用路径版本", description = "同一编码的原启用版本自动停用；已生成的随访计划不受影响")
    Mono<PathwayService.Pathway> activate(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return pathways.activate(principal, id);
    }
}
