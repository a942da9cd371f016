package cn.suifang.backend.summary;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
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
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@Validated
@Tag(name = "阶段总结", description = "出院后 1、3、6、12 个月自动起草阶段总结（指标前后对比与达标、事件、随访与依从性、干预、风险），医生修改并签署，签署后打印在健康报告上")
class StageSummaryController {

    private final StageSummaries summaries;

    StageSummaryController(StageSummaries summaries) {
        this.summaries = summaries;
    }

    @GetMapping("/api/patients/{patientId}/stage-summaries")
    @Operation(summary = "患者的阶段总结", description = "按阶段倒序")
    Mono<List<StageSummaries.Summary>> ofPatient(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        return summaries.ofPatient(principal, patientId);
    }

    @PostMapping("/api/patients/{patientId}/stage-summaries")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "起草阶段总结", description = "为最近一个随访计划已到达的阶段（未到第一个阶段时为至今）生成草稿；"
            + "已签署（409 SF-3302）或医生已修改（409 SF-3303）时不覆盖")
    Mono<StageSummaries.Summary> draft(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        return summaries.draft(principal, patientId);
    }

    @GetMapping("/api/stage-summaries")
    @Operation(summary = "待审核的阶段总结", description = "我能查看的患者中尚未签署的草稿（最多 50 条）")
    Mono<List<StageSummaries.Summary>> toReview(@AuthenticationPrincipal Principal principal) {
        return summaries.toReview(principal);
    }

    @GetMapping("/api/stage-summaries/{id}")
    @Operation(summary = "阶段总结详情")
    Mono<StageSummaries.Summary> get(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return summaries.get(principal, id);
    }

    record Edit(@NotBlank @Size(max = 8000) String narrative, @NotNull Integer version) {
    }

    @PutMapping("/api/stage-summaries/{id}")
    @Operation(summary = "修改总结内容", description = "version 为读取时的版本；他人已修改或已签署时 409")
    Mono<StageSummaries.Summary> edit(@AuthenticationPrincipal Principal principal, @PathVariable long id,
                                      @Valid @RequestBody Edit body) {
        return summaries.edit(principal, id, body.narrative(), body.version());
    }

    record Sign(@NotNull Integer version) {
    }

    @PostMapping("/api/stage-summaries/{id}/sign")
    @Operation(summary = "审核签署", description = "医师或科室主任；签署后不再修改，最新一份打印在健康报告上")
    Mono<StageSummaries.Summary> sign(@AuthenticationPrincipal Principal principal, @PathVariable long id,
                                      @Valid @RequestBody Sign body) {
        return summaries.sign(principal, id, body.version());
    }
}
