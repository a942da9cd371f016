package cn.suifang.backend.discharge;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/admin")
@Tag(name = "管理：出院数据导入", description = "JSON 批量或 HIS 导出的 CSV；按 (来源, 住院号) 幂等")
class AdminDischargeController {

    private static final int MAX_CSV_BYTES = 50 * 1024 * 1024;

    private final DischargeImportService imports;

    AdminDischargeController(DischargeImportService imports) {
        this.imports = imports;
    }

    record DischargeBatch(
            @NotBlank @Size(max = 32) @Pattern(regexp = "[A-Za-z0-9_-]+", message = "只能包含字母、数字、-、_") String source,
            @NotNull @Size(min = 1, max = DischargeImportService.MAX_SYNC_ROWS,
                    message = "每批 1–1000 条；更大的批量请用 CSV 导入（后台任务）") List<DischargeRecord> discharges) {
    }

    @PostMapping(path = "/discharges", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "批量导入出院记录（JSON，同步）",
            description = "每行单独校验与保存：有效行保留，无效行在 errors 中按行号与字段列出。全部无效时返回 400。")
    Mono<ResponseEntity<ImportReport>> importJson(@AuthenticationPrincipal Principal principal,
                                                  @Valid @RequestBody DischargeBatch batch) {
        principal.requireRole(Role.ADMIN);
        List<DischargeImportService.Row> rows = IntStream.range(0, batch.discharges().size())
                .mapToObj(i -> new DischargeImportService.Row(i + 1, batch.discharges().get(i), nullRowError(i, batch)))
                .toList();
        return imports.importNow(principal, batch.source(), "JSON", rows).map(report -> {
            if (report.failed() > 0 && report.failed() == report.total()) {
                throw new ApiException(HttpStatus.BAD_REQUEST, "invalid-input", 1513,
                        "全部 " + report.total() + " 行均未通过校验，未保存任何数据",
                        report.errors().stream().map(e -> new ApiException.FieldProblem(
                                "discharges[" + (e.row() - 1) + "]" + (e.field() == null || e.field().isEmpty() ? "" : "." + e.field()),
                                e.message())).toList());
            }
            return ResponseEntity.ok(report);
        });
    }

    private static ImportReport.RowError nullRowError(int i, DischargeBatch batch) {
        return batch.discharges().get(i) == null ? new ImportReport.RowError(i + 1, null, null, "空行") : null;
    }

    @PostMapping(path = "/discharges/csv", consumes = {"text/csv", "text/plain", "application/octet-stream"})
    @Operation(summary = "导入 HIS 导出的出院 CSV（后台任务）",
            description = "返回 202 与任务号；用 GET /api/admin/import-jobs/{id} 查看进度与逐行错误。"
                    + "编码默认 UTF-8（可带 BOM），GBK/GB18030 文件请在 Content-Type 中声明 charset。")
    Mono<ResponseEntity<ImportReport>> importCsv(@AuthenticationPrincipal Principal principal,
                                                 @RequestParam(defaultValue = "HIS") @Pattern(regexp = "[A-Za-z0-9_-]{1,32}") String source,
                                                 ServerWebExchange exchange) {
        principal.requireRole(Role.ADMIN);
        Charset charset = exchange.getRequest().getHeaders().getContentType() != null
                && exchange.getRequest().getHeaders().getContentType().getCharset() != null
                ? exchange.getRequest().getHeaders().getContentType().getCharset() : StandardCharsets.UTF_8;
        Flux<DataBuffer> body = exchange.getRequest().getBody();
        return DataBufferUtils.join(body, MAX_CSV_BYTES)
                .map(buffer -> {
                    try {
                        return buffer.toString(charset);
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .switchIfEmpty(Mono.error(() -> ApiException.badRequest(1514, "(body)", "CSV 文件为空")))
                .map(CsvDischargeReader::read)
                .flatMap(rows -> rows.isEmpty()
                        ? Mono.error(ApiException.badRequest(1515, "(body)", "CSV 只有表头，没有数据行"))
                        : imports.importInBackground(principal, source, "CSV", rows))
                .flatMap(jobId -> imports.report(principal, jobId))
                .map(report -> ResponseEntity.status(HttpStatus.ACCEPTED)
                        .header("Location", "/api/admin/import-jobs/" + report.jobId()).body(report));
    }

    @GetMapping("/import-jobs/{id}")
    @Operation(summary = "导入任务进度与逐行错误")
    Mono<ImportReport> job(@AuthenticationPrincipal Principal principal, @PathVariable long id) {
        principal.requireRole(Role.ADMIN);
        return imports.report(principal, id);
    }
}
