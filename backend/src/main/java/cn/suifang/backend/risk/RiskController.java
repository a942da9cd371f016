package cn.suifang.backend.risk;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@Tag(name = "风险评估", description = "China-PAR 10 年心血管病风险与中国糖尿病风险评分：随新数据自动重算，给出所用数据、缺少的数据和风险分层")
class RiskController {

    private final RiskService risks;

    RiskController(RiskService risks) {
        this.risks = risks;
    }

    @GetMapping("/api/patients/{patientId}/risk")
    @Operation(summary = "患者的风险评估", description = "latest：各模型最新结果（数值、分层、建议、所用数据、缺少的数据、未计算的原因）；"
            + "history：此前各次结果（结果变化时才记录）")
    Mono<RiskService.Risk> get(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        return risks.get(principal, patientId);
    }
}
