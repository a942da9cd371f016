package cn.suifang.backend.report;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/** The printed health report, read back with PDFBox: what a patient takes home, and what it must not show. */
class HealthReportTest extends IntegrationTest {

    private long patientId;

    @BeforeEach
    void patientWithReadings() {
        importBatch(pciDischarge("ZY001", "P001", 40));
        patientId = count("SELECT id FROM patient WHERE mrn = 'P001'");
        long task = count("SELECT id FROM follow_up_task WHERE patient_id = " + patientId + " ORDER BY due_date LIMIT 1");
        post("cardNurse1", "/api/tasks/{id}/notes", Map.of("clientRequestId", "r1", "outcome", "COMPLETED",
                "readings", List.of(Map.of("code", "SBP", "value", 138, "unit", "mmHg"), Map.of("code", "DBP", "value", 86),
                        Map.of("code", "LDL_C", "value", 2.1)),
                "advice", List.of("按时服药")), task).exchange().expectStatus().isCreated();
        db.sql("""
                        INSERT INTO observation (patient_id, code, value, unit, effective_at, source)
                        VALUES (:p, 'SBP', 152, 'mmHg', now() - interval '200 days', 'LAB'),
                               (:p, 'DBP', 95, 'mmHg', now() - interval '200 days', 'LAB'),
                               (:p, 'LDL_C', 3.4, 'mmol/L', now() - interval '400 days', 'LAB')""")
                .bind("p", patientId).then().block();
    }

    private byte[] report(String staff, int status) {
        return get(staff, "/api/patients/{id}/health-report", patientId).exchange()
                .expectStatus().isEqualTo(status)
                .expectBody(byte[].class).returnResult().getResponseBody();
    }

    @Test
    void report_namesThePatientShowsDiagnosisTrendsFollowUpAndAdvice() throws IOException {
        var result = get("cardDoc", "/api/patients/{id}/health-report", patientId).exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_PDF)
                .expectBody(byte[].class).returnResult();
        assertThat(result.getResponseHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION)).startsWith("inline; filename*=UTF-8''");

        java.nio.file.Files.write(java.nio.file.Path.of("target/health-report-sample.pdf"), result.getResponseBody());
        try (PDDocument pdf = Loader.loadPDF(result.getResponseBody())) {
            String text = new PDFTextStripper().getText(pdf);
            assertThat(text).contains("健康报告", "张三", "前壁急性透壁性心肌梗死", "经皮冠状动脉介入术后随访", "出院第 40 天",
                    "收缩压", "舒张压", "低密度脂蛋白胆固醇", "饮食", "运动", "心理", "低盐低脂饮食", "按时服药", "已完成随访");
            assertThat(text).doesNotContain("13812345678").doesNotContain("110105196003071235");
            assertThat(charts(pdf)).as("blood pressure and LDL-C charts").isEqualTo(2);
            assertThat(fonts(pdf)).allSatisfy(f -> assertThat(f.isEmbedded()).as(f.getName()).isTrue());
        }
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'REPORT_PRINT' AND " + patientId
                + " = ANY (patient_ids) AND actor_id = " + hospital.staff("cardDoc"))).isEqualTo(1);
    }

    @Test
    void patientWithoutReadingsOrNotes_stillGetsAReport() throws IOException {
        importBatch(pciDischarge("ZY002", "P002", 3));
        long fresh = count("SELECT id FROM patient WHERE mrn = 'P002'");

        byte[] body = get("cardDoc", "/api/patients/{id}/health-report", fresh).exchange()
                .expectStatus().isOk().expectBody(byte[].class).returnResult().getResponseBody();

        try (PDDocument pdf = Loader.loadPDF(body)) {
            assertThat(new PDFTextStripper().getText(pdf)).contains("暂无指标记录", "暂无随访记录", "出院早期");
            assertThat(charts(pdf)).isZero();
        }
    }

    @Test
    void someoneWhoMayNotSeeThePatient_getsTheUsual404AndNothingIsAudited() {
        get("endoDoc", "/api/patients/{id}/health-report", patientId).exchange()
                .expectStatus().isNotFound().expectBody().jsonPath("$.code").isEqualTo("SF-1301");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'REPORT_PRINT'")).isZero();
    }

    @Test
    void askingForJson_isAnsweredWithAChineseProblemNamingThePdf() {
        get("cardDoc", "/api/patients/{id}/health-report", patientId)
                .header(HttpHeaders.ACCEPT, "application/json, application/problem+json").exchange()
                .expectStatus().isEqualTo(406)
                .expectBody().jsonPath("$.code").isEqualTo("SF-1012")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("application/pdf", "Accept"));
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'REPORT_PRINT'")).isZero();
    }

    /** Charts are drawn as form XObjects on the pages. */
    private static int charts(PDDocument pdf) throws IOException {
        int forms = 0;
        for (PDPage page : pdf.getPages()) {
            for (COSName name : page.getResources().getXObjectNames()) {
                if (page.getResources().getXObject(name) instanceof PDFormXObject) {
                    forms++;
                }
            }
        }
        return forms;
    }

    private static List<PDFont> fonts(PDDocument pdf) throws IOException {
        List<PDFont> fonts = new ArrayList<>();
        for (PDPage page : pdf.getPages()) {
            for (COSName name : page.getResources().getFontNames()) {
                fonts.add(page.getResources().getFont(name));
            }
        }
        return fonts;
    }
}
