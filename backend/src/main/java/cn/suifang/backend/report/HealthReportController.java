package cn.suifang.backend.report;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api")
@Tag(name = "健康报告", description = "给患者打印或分享的健康报告（PDF）")
class HealthReportController {

    private final HealthReportService reports;

    HealthReportController(HealthReportService reports) {
        this.reports = reports;
    }

    @GetMapping(value = "/patients/{patientId}/health-report", produces = MediaType.APPLICATION_PDF_VALUE)
    @Operation(summary = "打印健康报告", description = "A4 PDF：身份信息、诊断与治疗、指标趋势图、随访情况、阶段小结、饮食/运动/心理建议。"
            + "含患者全名，仅可查看该患者的医护人员可打印，每次打印写入审计；不缓存")
    Mono<ResponseEntity<byte[]>> report(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        return reports.render(principal, patientId).map(r -> ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_PDF)
                .cacheControl(CacheControl.noStore())
                .header(HttpHeaders.CONTENT_DISPOSITION, "inline; filename*=UTF-8''"
                        + URLEncoder.encode(r.fileName(), StandardCharsets.UTF_8).replace("+", "%20"))
                .body(r.pdf()));
    }
}
