package cn.suifang.backend.results;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Lab results uploaded as a GBK CSV or an Excel workbook: mapped, converted, checked, reported row by row, never twice. */
class LabUploadTest extends IntegrationTest {

    private long patientId;

    @BeforeEach
    void patient() {
        importBatch(pciDischarge("ZY001", "P001", 5)); // ID card 110105196003071235
        patientId = count("SELECT id FROM patient");
    }

    private WebTestClient.ResponseSpec upload(String staff, MediaType type, byte[] body) {
        return web.post().uri("/api/admin/lab-results").header("Authorization", "Bearer " + token(staff))
                .contentType(type).bodyValue(body).exchange();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> report(MediaType type, byte[] body) {
        return upload("admin", type, body).expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
    }

    private static final String CSV = String.join("\n",
            "病案号,身份证号,项目编码,项目名称,结果,单位,检验时间",
            "P001,,1558-6,空腹血糖,126,mg/dL,2026-11-20 07:30",        // 2: 6.99 mmol/L
            ",110105196003071235,2093-3,总胆固醇,5.6,mmol/L,2026-11-20", // 3: by ID card
            "P001,,GLU-X,本院项目,7.1,mmol/L,2026-11-20",                // 4: not mapped
            "P001,,2571-8,甘油三酯,900,mmol/L,2026-11-20",               // 5: implausible
            "P999,,2093-3,总胆固醇,5.1,mmol/L,2026-11-20",               // 6: not in follow-up
            "P001,,2093-3,总胆固醇,见报告,mmol/L,2026-11-20",            // 7: not a number
            "P001,,2093-3,总胆固醇,5.0,mmol/L,20/11/2026");              // 8: bad time

    @Test
    @SuppressWarnings("unchecked")
    void aGbkCsvIsStoredRowByRow_withTheReasonForEveryRowThatIsNot() {
        MediaType gbk = new MediaType("text", "csv", Charset.forName("GBK"));
        Map<String, Object> r = report(gbk, CSV.getBytes(Charset.forName("GBK")));
        assertThat(r).containsEntry("rows", 7).containsEntry("saved", 2).containsEntry("unmapped", 1)
                .containsEntry("refused", 1).containsEntry("skipped", 1).containsEntry("invalid", 2);
        List<Map<String, Object>> problems = (List<Map<String, Object>>) r.get("problems");
        assertThat(problems).extracting(p -> p.get("line")).containsExactly(4, 5, 6, 7, 8);
        assertThat(problems.get(1).get("message").toString()).contains("甘油三酯");
        assertThat(problems.get(4).get("message").toString()).contains("检验时间");
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'FPG' AND value = 6.99 AND source = 'LAB'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'TC' AND patient_id = " + patientId)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'LAB_UPLOAD'")).isEqualTo(1);

        // the corrected file again: only the fixed row is new
        Map<String, Object> again = report(gbk, CSV.replace("20/11/2026", "2026-11-21").getBytes(Charset.forName("GBK")));
        assertThat(again).containsEntry("saved", 1).containsEntry("repeated", 2);
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'TC' AND patient_id = " + patientId)).isEqualTo(2);
    }

    @Test
    void anExcelWorkbookWithDateCellsIsReadToo() throws Exception {
        byte[] xlsx;
        try (XSSFWorkbook book = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            Sheet sheet = book.createSheet("检验结果");
            Row head = sheet.createRow(0);
            String[] names = {"病案号", "项目编码", "结果", "单位", "检验时间"};
            for (int i = 0; i < names.length; i++) {
                head.createCell(i).setCellValue(names[i]);
            }
            CellStyle date = book.createCellStyle();
            date.setDataFormat(book.getCreationHelper().createDataFormat().getFormat("yyyy-mm-dd hh:mm"));
            Row row = sheet.createRow(1);
            row.createCell(0).setCellValue("P001");
            row.createCell(1).setCellValue("4548-4");
            row.createCell(2).setCellValue(7.8);
            row.createCell(3).setCellValue("%");
            row.createCell(4).setCellValue(LocalDateTime.of(2026, 11, 19, 8, 0));
            row.getCell(4).setCellStyle(date);
            book.write(out);
            xlsx = out.toByteArray();
        }
        Map<String, Object> r = report(MediaType.parseMediaType(LabUploadController.XLSX), xlsx);
        assertThat(r).containsEntry("rows", 1).containsEntry("saved", 1);
        assertThat(count("SELECT count(*) FROM observation WHERE code = 'HBA1C' AND value = 7.8 "
                + "AND effective_at = '2026-11-19 08:00+08'")).isEqualTo(1);
    }

    @Test
    void onlyItUploads_andAFileWithoutTheColumnsIsRefusedWhole() {
        upload("cardDoc", new MediaType("text", "csv"), CSV.getBytes()).expectStatus().isForbidden();
        upload("admin", new MediaType("text", "csv"), "姓名,结果\n张三,5\n".getBytes()).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-3101").jsonPath("$.detail").value(d -> assertThat(d.toString()).contains("病案号"));
        upload("admin", new MediaType("text", "csv"), "病案号,项目编码,结果\n".getBytes()).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-3102");
        assertThat(count("SELECT count(*) FROM observation")).isZero();
    }
}
