package cn.suifang.backend.advice;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@Validated
@Tag(name = "健康建议与干预", description = "建议库（按病种、风险和标签维护）、为患者推荐、发送到小程序，并回访是否做到")
class InterventionController {

    private final Interventions interventions;

    InterventionController(Interventions interventions) {
        this.interventions = interventions;
    }

    @GetMapping("/api/advice-items")
    @Operation(summary = "建议库", description = "activeOnly=false 时包含已停用的条目")
    Mono<List<Interventions.Item>> items(@AuthenticationPrincipal Principal principal,
                                         @RequestParam(defaultValue = "true") boolean activeOnly) {
        return interventions.items(principal, activeOnly);
    }

    record ItemIn(@NotBlank @Pattern(regexp = "[A-Z][A-Z0-9_]{1,47}", message = "应为大写字母、数字和下划线") String code,
                  @NotBlank @Pattern(regexp = "DIET|EXERCISE|MENTAL|MEDICATION|LIFESTYLE",
                          message = "应为 DIET、EXERCISE、MENTAL、MEDICATION 或 LIFESTYLE") String kind,
                  @NotBlank @Size(max = 64) String title, @NotBlank @Size(max = 2000) String body,
                  @Size(max = 20) List<@Pattern(regexp = "[A-Z][A-Z0-9_]{1,47}", message = "标签编码格式有误") String> tagCodes,
                  @Size(max = 20) List<@Pattern(regexp = "[A-Z0-9_]{1,32}", message = "路径编码格式有误") String> pathwayCodes,
                  @Size(max = 50) List<@Pattern(regexp = "[A-Z][0-9A-Z.]{0,15}", message = "ICD-10 前缀格式有误") String> icdPrefixes,
                  @Min(1) @Max(180) Integer checkInDays) {

        Interventions.ItemInput input() {
            return new Interventions.ItemInput(code, kind, title, body, tagCodes, pathwayCodes, icdPrefixes, checkInDays);
        }
    }

    @PostMapping("/api/advice-items")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "新增建议条目", description = "医师、营养师、心理咨询师、康复治疗师、科室主任和管理员可维护；"
            + "tagCodes / pathwayCodes / icdPrefixes 决定推荐给哪些患者")
    Mono<Interventions.Item> create(@AuthenticationPrincipal Principal principal, @Valid @RequestBody ItemIn body) {
        return interventions.createItem(principal, body.input());
    }

    @PutMapping("/api/advice-items/{id}")
    @Operation(summary = "修改建议条目", description = "已发送的建议保留发送时的内容；code 不可修改（以路径中的条目为准）")
    Mono<Interventions.Item> update(@AuthenticationPrincipal Principal principal, @PathVariable long id,
                                    @Valid @RequestBody ItemIn body) {
        return interventions.updateItem(principal, id, body.input());
    }

    @PostMapping("/api/advice-items/{id}/retire")
    @Operation(summary = "停用建议条目")
    Mono<Interventions.Item> retire(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return interventions.setItemStatus(principal, id, false);
    }

    @GetMapping("/api/patients/{patientId}/advice-suggestions")
    @Operation(summary = "为患者推荐的建议", description = "按患者当前标签（附标签原因）优先，其次按随访路径和诊断；已发送未回访的不再推荐")
    Mono<List<Interventions.Suggestion>> suggestions(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        return interventions.suggestions(principal, patientId);
    }

    record SendIn(Long adviceItemId,
                  @Pattern(regexp = "DIET|EXERCISE|MENTAL|MEDICATION|LIFESTYLE", message = "类别有误") String kind,
                  @Size(max = 64) String title, @Size(max = 2000) String body, @Size(max = 1000) String reason,
                  @Min(1) @Max(180) Integer checkInDays) {
    }

    @PostMapping("/api/patients/{patientId}/interventions")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "发送健康建议", description = "从建议库选一条（adviceItemId），或填写类别、标题、内容；"
            + "患者在小程序收到并可回答是否做到，到 checkInDays 天后列为待回访")
    Mono<Interventions.Intervention> send(@AuthenticationPrincipal Principal principal, @PathVariable long patientId,
                                          @Valid @RequestBody SendIn body) {
        return interventions.send(principal, patientId, new Interventions.Send(body.adviceItemId(), body.kind(), body.title(),
                body.body(), body.reason(), body.checkInDays()));
    }

    @GetMapping("/api/patients/{patientId}/interventions")
    @Operation(summary = "患者的健康干预记录", description = "checkDue=true 表示已到回访日、尚未记录是否做到")
    Mono<List<Interventions.Intervention>> list(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        return interventions.list(principal, patientId);
    }

    record OutcomeIn(@NotBlank @Pattern(regexp = "DONE|PARTLY|NOT_DONE", message = "应为 DONE、PARTLY 或 NOT_DONE") String outcome,
                     @Size(max = 256) String note) {
    }

    @PostMapping("/api/interventions/{id}/outcome")
    @Operation(summary = "记录是否做到", description = "随访电话中询问后由医护记录")
    Mono<Interventions.Intervention> outcome(@AuthenticationPrincipal Principal principal, @PathVariable long id,
                                             @Valid @RequestBody OutcomeIn body) {
        return interventions.recordOutcome(principal, id, body.outcome(), body.note());
    }

    @PostMapping("/api/interventions/{id}/cancel")
    @Operation(summary = "撤回建议")
    Mono<Interventions.Intervention> cancel(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return interventions.cancel(principal, id);
    }
}
