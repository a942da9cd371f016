package cn.suifang.backend.fhir;

import cn.suifang.backend.security.Principal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api")
@Tag(name = "FHIR", description = "FHIR R4：导出患者的完整随访档案；接收 HIS/LIS 的出院记录与检验结果")
class FhirExportController {

    private final FhirExport export;

    FhirExportController(FhirExport export) {
        this.export = export;
    }

    @GetMapping(value = "/patients/{patientId}/fhir", produces = {FhirMedia.FHIR_JSON_VALUE, "application/json"})
    @Operation(summary = "导出患者档案（FHIR R4 Bundle）",
            description = "collection 类型的 Bundle：Patient（病案号、姓名、性别、出生日期；不含身份证号与电话）、Encounter、Condition、"
                    + "Procedure、DocumentReference（出院小结/医嘱）、MedicationStatement（出院带药）、CarePlan、Task、"
                    + "QuestionnaireResponse、Observation（LOINC + UCUM）、Communication（随访记录与通话，不含录音）。"
                    + "仅可查看该患者的医护人员可导出，每次导出写入审计；不缓存")
    Mono<ResponseEntity<String>> export(@AuthenticationPrincipal Principal principal, @PathVariable long patientId) {
        return export.export(principal, patientId).map(json -> ResponseEntity.ok()
                .contentType(FhirMedia.FHIR_JSON)
                .cacheControl(CacheControl.noStore())
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"patient-" + patientId + "-fhir.json\"")
                .body(json));
    }
}
