package cn.suifang.backend.results;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Pattern;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

@RestController
@Validated
@Tag(name = "检验结果上传", description = "没有接口的 LIS 或科室导出的检验结果（CSV 或 Excel），与 HL7/FHIR 结果走同一映射、换算和预警")
class LabUploadController {

    static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    private static final int MAX_BYTES = 5 * 1024 * 1024;

    private final LabUploads uploads;

    LabUploadController(LabUploads uploads) {
        this.uploads = uploads;
    }

    @PostMapping(path = "/api/admin/lab-results", consumes = {"text/csv", "text/plain", XLSX, "application/octet-stream"})
    @Operation(summary = "上传检验结果（CSV 或 Excel .xlsx）",
            description = "表头：病案号 或 身份证号、项目编码、编码体系（不填用 codingSystem 参数）、结果、单位、检验时间。"
                    + "CSV 默认 UTF-8（可带 BOM），GBK/GB18030 在 Content-Type 中声明 charset；最大 5 MB、10000 行。"
                    + "逐行返回未保存的原因（行号从表头为第 1 行算起）；同一行重复上传不会重复保存。")
    Mono<LabUploads.Report> upload(@AuthenticationPrincipal Principal principal,
                                   @RequestParam(defaultValue = "LN") @Pattern(regexp = "[A-Za-z0-9_-]{1,32}") String codingSystem,
                                   ServerWebExchange exchange) {
        principal.requireRole(cn.suifang.backend.security.Role.ADMIN);
        MediaType type = exchange.getRequest().getHeaders().getContentType();
        String charset = type != null && type.getCharset() != null ? type.getCharset().name() : null;
        return DataBufferUtils.join(exchange.getRequest().getBody(), MAX_BYTES)
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .switchIfEmpty(Mono.error(() -> ApiException.badRequest(3104, "(body)", "文件为空")))
                .flatMap(bytes -> {
                    // an .xlsx is a ZIP archive ("PK"): sent as octet-stream by some clients
                    boolean xlsx = bytes.length > 1 && bytes[0] == 'P' && bytes[1] == 'K';
                    return uploads.upload(principal, codingSystem, xlsx ? LabUploads.Format.XLSX : LabUploads.Format.CSV,
                            bytes, charset);
                });
    }
}
