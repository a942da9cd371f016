package cn.suifang.backend.hl7;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.Rows;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.security.Principal;
import cn.suifang.backend.security.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** Which laboratory codes (LOINC, or the LIS's own) are which of our indicators: the table HL7 results are read by. */
@RestController
@RequestMapping("/api/admin/lab-codes")
@Validated
@Tag(name = "HL7 接口", description = "HIS/LIS 经 MLLP 发来的 HL7 v2 消息：处理结果、被拒消息（死信）的原因与重放")
class LabCodeController {

    private final DatabaseClient db;
    private final AuditService audit;

    LabCodeController(DatabaseClient db, AuditService audit) {
        this.db = db;
        this.audit = audit;
    }

    record LabCode(String codingSystem, String code, String observationCode, String label, String unit, String note) {
    }

    @GetMapping
    @Operation(summary = "检验项目映射", description = "编码体系（OBX-3.3：LN 为 LOINC，本院代码为 LIS 名称）+ 编码 → 随访指标")
    Mono<List<LabCode>> list(@AuthenticationPrincipal Principal principal) {
        principal.requireRole(Role.ADMIN);
        return db.sql("SELECT * FROM lab_code_map ORDER BY coding_system, code").map(LabCodeController::labCode).all().collectList();
    }

    record Mapping(@NotBlank @Pattern(regexp = "SBP|DBP|HR|FPG|PPG|HBA1C|LDL_C|HDL_C|TC|TG|WEIGHT|HEIGHT|WAIST|SPO2|NT_PROBNP|CREATININE",
            message = "应为随访指标编码，如 FPG、HBA1C、LDL_C") String observationCode,
                   @Size(max = 128) String note) {
    }

    @PutMapping("/{codingSystem}/{code}")
    @Operation(summary = "设置映射", description = "新增或修改一项映射；之后收到（或重放）的结果按新映射保存，单位自动换算")
    Mono<LabCode> put(@AuthenticationPrincipal Principal principal,
                      @PathVariable @Pattern(regexp = "[A-Za-z0-9_.-]{1,32}", message = "编码体系格式有误") String codingSystem,
                      @PathVariable @Pattern(regexp = "[A-Za-z0-9_.-]{1,32}", message = "编码格式有误") String code,
                      @Valid @RequestBody Mapping body) {
        principal.requireRole(Role.ADMIN);
        return db.sql("""
                        INSERT INTO lab_code_map (coding_system, code, observation_code, note) VALUES (:s, :c, :o, :n)
                        ON CONFLICT (coding_system, code) DO UPDATE SET observation_code = :o, note = :n
                        RETURNING *""")
                .bind("s", codingSystem).bind("c", code).bind("o", body.observationCode())
                .bind("n", Rows.param(body.note(), String.class))
                .map(LabCodeController::labCode).one()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(2803, "映射未保存")))
                .flatMap(m -> audit.record(principal, "LAB_CODE_MAP_SET", "lab_code_map", codingSystem + "|" + code, List.of(),
                        body.observationCode()).thenReturn(m));
    }

    private static LabCode labCode(io.r2dbc.spi.Readable r) {
        ObservationCode oc = ObservationCode.valueOf(r.get("observation_code", String.class));
        return new LabCode(r.get("coding_system", String.class), r.get("code", String.class), oc.name(), oc.label(), oc.unit(),
                r.get("note", String.class));
    }
}
