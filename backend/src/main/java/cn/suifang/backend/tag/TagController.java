package cn.suifang.backend.tag;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.LocalDate;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

@RestController
@Validated
@Tag(name = "患者标签", description = "自动标签（规则设置、说明原因、条件不再成立时自动解除）与医护手动标签")
class TagController {

    private final TagService tags;

    TagController(TagService tags) {
        this.tags = tags;
    }

    @GetMapping("/api/patients/{patientId}/tags")
    @Operation(summary = "患者的标签", description = "当前标签及设置原因；history=true 同时返回已解除的标签和解除原因")
    Mono<List<TagService.PatientTag>> list(@AuthenticationPrincipal Principal principal, @PathVariable long patientId,
                                           @RequestParam(defaultValue = "false") boolean history) {
        return tags.list(principal, patientId, history);
    }

    record NewTag(@NotBlank @Size(max = 32) String label, @Size(max = 256) String reason, LocalDate expiresOn) {
    }

    @PostMapping("/api/patients/{patientId}/tags")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "手动添加标签", description = "如“听力障碍”“需家属陪同”；可设到期日，到期后自动解除")
    Mono<TagService.PatientTag> add(@AuthenticationPrincipal Principal principal, @PathVariable long patientId,
                                    @Valid @RequestBody NewTag body) {
        return tags.add(principal, patientId, new TagService.NewTag(body.label(), body.reason(), body.expiresOn()));
    }

    @DeleteMapping("/api/patients/{patientId}/tags/{tagId}")
    @Operation(summary = "解除手动标签", description = "自动标签由规则维护，不能手动删除（409）")
    Mono<TagService.PatientTag> remove(@AuthenticationPrincipal Principal principal, @PathVariable long patientId,
                                       @PathVariable long tagId, @RequestParam(required = false) @Size(max = 256) String reason) {
        return tags.remove(principal, patientId, tagId, reason);
    }

    @GetMapping("/api/tag-rules")
    @Operation(summary = "标签规则", description = "全部版本（activeOnly=true 只看启用中的）；医护人员均可查看标签为何设置")
    Mono<List<TagService.Rule>> rules(@AuthenticationPrincipal Principal principal,
                                      @RequestParam(defaultValue = "false") boolean activeOnly) {
        return tags.rules(principal, activeOnly);
    }

    record NewRule(@NotBlank @Pattern(regexp = "[A-Z][A-Z0-9_]{1,47}", message = "应为大写字母、数字和下划线") String code,
                   @NotBlank @Size(max = 32) String label,
                   @NotBlank @Pattern(regexp = "CLINICAL|BEHAVIOUR|LIFESTYLE|RISK", message = "应为 CLINICAL、BEHAVIOUR、LIFESTYLE 或 RISK")
                   String category,
                   @Size(max = 2000) String description, @NotNull JsonNode condition,
                   @Size(max = 20) List<@Pattern(regexp = "[A-Z0-9_]{1,32}", message = "路径编码格式有误") String> pathwayCodes,
                   @Size(max = 50) List<@Pattern(regexp = "[A-Z][0-9A-Z.]{0,15}", message = "ICD-10 前缀格式有误") String> icdPrefixes) {
    }

    @PostMapping("/api/admin/tag-rules")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "新建标签规则版本（草稿）", description = "条件类型见 docs/health-management.md；条件有误时返回 400 并指出问题")
    Mono<TagService.Rule> create(@AuthenticationPrincipal Principal principal, @Valid @RequestBody NewRule body) {
        return tags.createRule(principal, new TagService.NewRule(body.code(), body.label(), body.category(),
                body.description(), body.condition(), body.pathwayCodes() == null ? List.of() : body.pathwayCodes(),
                body.icdPrefixes() == null ? List.of() : body.icdPrefixes()));
    }

    @PostMapping("/api/admin/tag-rules/{id}/activate")
    @Operation(summary = "启用标签规则版本", description = "同一编码的旧版本同时停用；患者在下次评估（新数据或每日评估）时按新规则更新")
    Mono<TagService.Rule> activate(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return tags.activateRule(principal, id);
    }
}
