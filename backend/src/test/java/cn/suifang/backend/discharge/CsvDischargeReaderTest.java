package cn.suifang.backend.discharge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.suifang.backend.common.ApiException;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvDischargeReaderTest {

    @Test
    void chineseHeadersWithBomAndMultiValuedCells_areRead() {
        String csv = "\uFEFF住院号,病案号,姓名,性别,出生日期,联系电话,身份证号,科室编码,入院日期,出院日期,出院诊断编码,手术操作编码,出院带药\n"
                + "ZY1,P1,张三,男,1960/3/7,13812345678,110105196003071235,CARD,2026-11-10,2026-11-18,I21.0；I10,36.07|00.45,阿司匹林 100mg qd;氯吡格雷 75mg qd\n";

        List<DischargeImportService.Row> rows = CsvDischargeReader.read(csv);

        assertThat(rows).singleElement().satisfies(row -> {
            assertThat(row.number()).isEqualTo(2);
            assertThat(row.parseError()).isNull();
            DischargeRecord r = row.record();
            assertThat(r.patient().gender()).isEqualTo(DischargeRecord.Gender.MALE);
            assertThat(r.patient().birthDate()).isEqualTo(LocalDate.of(1960, 3, 7));
            assertThat(r.diagnoses()).containsExactly("I21.0", "I10");
            assertThat(r.procedures()).containsExactly("36.07", "00.45");
            assertThat(r.medications()).hasSize(2);
        });
    }

    @Test
    void badCell_becomesARowErrorWithLineNumber_otherRowsStillRead() {
        String csv = "encounter_id,mrn,name,gender,department_code,admission_date,discharge_date,diagnoses\n"
                + "ZY1,P1,张三,男,CARD,2026-11-10,2026-11-18,I10\n"
                + "ZY2,P2,李四,男,CARD,2026-02-30,2026-11-18,I10\n"
                + "ZY3,P3,王五,X,CARD,2026-11-10,2026-11-18,I10\n";

        List<DischargeImportService.Row> rows = CsvDischargeReader.read(csv);

        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).parseError()).isNull();
        assertThat(rows.get(1).parseError()).satisfies(e -> {
            assertThat(e.row()).isEqualTo(3);
            assertThat(e.field()).isEqualTo("admission_date");
            assertThat(e.encounterId()).isEqualTo("ZY2");
        });
        assertThat(rows.get(2).parseError().field()).isEqualTo("gender");
    }

    @Test
    void missingRequiredColumns_refuseTheWholeFile() {
        assertThatThrownBy(() -> CsvDischargeReader.read("encounter_id,name\nZY1,张三\n"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status().value()).isEqualTo(400);
                    assertThat(e.errors()).extracting(ApiException.FieldProblem::field).contains("mrn", "discharge_date", "diagnoses");
                });
    }
}
