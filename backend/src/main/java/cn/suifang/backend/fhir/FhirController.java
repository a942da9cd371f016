package cn.suifang.backend.fhir;

import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api")
@Tag(name = "FHIR", description = "FHIR R4：导出患者的完整随访档案；接收 HIS/LIS 的出院记录与检验结果")
class FhirController {

    private final FhirIntake intake;
    private final SuifangProperties properties;

    FhirController(FhirIntake intake, SuifangProperties properties) {
        this.intake = intake;
        this.properties = properties;
    }

    @PostMapping(value = "/fhir", consumes = {FhirMedia.FHIR_JSON_VALUE, MediaType.APPLICATION_JSON_VALUE},
            produces = {FhirMedia.FHIR_JSON_VALUE, MediaType.APPLICATION_JSON_VALUE})
    @Operation(summary = "接收 FHIR R4 内容（出院记录、检验结果）",
            description = "Bundle（batch、transaction 或 collection）或单个 Patient、Encounter、Observation、DiagnosticReport。"
                    + "已结束的 Encounter（含 Patient、ICD-10 的 Condition）按出院记录导入并建立随访计划；Observation 按 LOINC 或本院编码"
                    + "（检验项目映射）保存为随访指标，单位自动换算。Bundle 返回 batch-response（逐条状态与 OperationOutcome）；"
                    + "单个资源返回 OperationOutcome（格式错误 400，无法处理 422）。每个请求都记入接口消息记录，被拒的可在修正后重放。"
                    + "transaction 也逐条处理、逐条提交（不保证全部成功或全部失败）。需要系统管理员权限")
    Mono<ResponseEntity<String>> receive(@AuthenticationPrincipal Principal principal, ServerWebExchange exchange) {
        principal.requireRole(Role.ADMIN);
        return DataBufferUtils.join(exchange.getRequest().getBody(), properties.fhir().maxRequestBytes())
                .map(buffer -> {
                    try {
                        return buffer.toString(StandardCharsets.UTF_8);
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty("")
                .flatMap(body -> body.isBlank()
                        ? Mono.just(ResponseEntity.badRequest().contentType(FhirMedia.FHIR_JSON).body(intake.outcome(List.of(
                                new FhirIntake.Issue(IssueSeverity.ERROR, IssueType.REQUIRED, "请求体为空：请发送 FHIR JSON", null, "SF-2936")))))
                        : intake.receive(principal, body.startsWith("\uFEFF") ? body.substring(1) : body, null)
                                .map(r -> ResponseEntity.status(r.status()).contentType(FhirMedia.FHIR_JSON).body(r.body())))
                .onErrorResume(DataBufferLimitException.class, e -> Mono.just(ResponseEntity.status(413)
                        .contentType(FhirMedia.FHIR_JSON).body(intake.outcome(List.of(new FhirIntake.Issue(IssueSeverity.ERROR,
                                IssueType.TOOCOSTLY, "内容过大（上限 " + properties.fhir().maxRequestBytes() / 1024 / 1024
                                + " MB）：请分成多个 Bundle 发送", null, "SF-2937"))))));
    }
}
