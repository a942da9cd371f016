package cn.suifang.backend.handover;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import java.util.UUID;
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
@RequestMapping("/api/handovers")
@Validated
@Tag(name = "交接", description = "医生调岗或离职时，把其负责的患者、未完成任务、预警与随访团队席位一次性交给同事")
class HandoverController {

    private final HandoverService handovers;

    HandoverController(HandoverService handovers) {
        this.handovers = handovers;
    }

    record Parties(@NotNull Long fromStaffId, @NotNull Long toStaffId) {
    }

    record Request(@NotNull Long fromStaffId, @NotNull Long toStaffId, @NotNull UUID requestId) {
    }

    @PostMapping("/preview")
    @Operation(summary = "交接预览", description = "将移交的患者（姓名脱敏）、任务、预警、团队席位数量，以及哪些患者的企业微信客户关系暂不能转接及原因；不做任何改动")
    Mono<HandoverService.Preview> preview(@AuthenticationPrincipal Principal principal, @Valid @RequestBody Parties body) {
        return handovers.preview(principal, body.fromStaffId(), body.toStaffId());
    }

    @PostMapping
    @Operation(summary = "确认交接", description = "在一个事务中全部移交；requestId 由客户端生成，重发返回同一次交接、不会重复移交。"
            + "之后向企业微信发起客户转接（在职/离职继承），结果在交接详情中查看")
    Mono<HandoverService.Handover> execute(@AuthenticationPrincipal Principal principal, @Valid @RequestBody Request body) {
        return handovers.execute(principal, body.fromStaffId(), body.toStaffId(), body.requestId());
    }

    @GetMapping
    @Operation(summary = "交接记录", description = "科室主任看本科室，信息科管理员看全院，新的在前")
    Mono<List<HandoverService.Handover>> list(@AuthenticationPrincipal Principal principal,
                                              @RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit) {
        return handovers.list(principal, limit);
    }

    @GetMapping("/{id}")
    @Operation(summary = "交接详情", description = "每位患者的交接摘要（未完成任务、最近一次随访记录、活动预警）与企业微信客户转接状态")
    Mono<HandoverService.Handover> get(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        return handovers.get(principal, id);
    }
}
