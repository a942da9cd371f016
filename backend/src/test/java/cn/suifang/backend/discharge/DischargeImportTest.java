package cn.suifang.backend.discharge;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DischargeImportTest extends IntegrationTest {

    @Test
    void pciDischarge_createsPatientEncounterPlanAndTasksWithinHorizon() {
        // Setup: discharged 5 days ago; horizon is 14 days, so steps on day 3, 7 and 14 are due within it
        var record = pciDischarge("ZY001", "P001", 5);

        // Act
        Map<String, Object> report = importBatch(record);

        // Verify
        assertThat(report).containsEntry("created", 1).containsEntry("failed", 0);
        assertThat(count("SELECT count(*) FROM patient")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM care_plan cp JOIN pathway p ON p.id = cp.pathway_id WHERE p.code = 'PCI'")).isEqualTo(1);
        List<Integer> offsets = db.sql("""
                        SELECT s.offset_days FROM follow_up_task t JOIN pathway_step s ON s.id = t.step_id ORDER BY s.seq""")
                .map(r -> r.get(0, Integer.class)).all().collectList().block();
        assertThat(offsets).containsExactly(3, 7, 14);
    }

    @Test
    void importingSameDischargeTwice_createsNoNewTasksAndWritesNothing() {
        var record = pciDischarge("ZY001", "P001", 5);
        importBatch(record);
        long tasks = count("SELECT count(*) FROM follow_up_task");
        long audit = count("SELECT count(*) FROM audit_event WHERE action = 'DISCHARGE_IMPORT'");
        String changedAt = db.sql("SELECT CAST(changed_at AS TEXT) FROM encounter").map(r -> String.valueOf(r.get(0))).one().block();

        Map<String, Object> second = importBatch(record);

        assertThat(second).containsEntry("created", 0).containsEntry("unchanged", 1).containsEntry("updated", 0);
        assertThat(count("SELECT count(*) FROM follow_up_task")).isEqualTo(tasks);
        assertThat(count("SELECT count(*) FROM encounter")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'DISCHARGE_IMPORT'")).isEqualTo(audit);
        assertThat(db.sql("SELECT CAST(changed_at AS TEXT) FROM encounter").map(r -> String.valueOf(r.get(0))).one().block())
                .isEqualTo(changedAt);
    }

    @Test
    void reimportWithCorrectedSummary_updatesEncounterButKeepsPlanAndTasks() {
        var record = pciDischarge("ZY001", "P001", 5);
        importBatch(record);
        long tasks = count("SELECT count(*) FROM follow_up_task");
        var corrected = new DischargeRecord(record.encounterId(), record.patient(), record.departmentCode(),
                record.attendingEmployeeNo(), record.admissionDate(), record.dischargeDate(), record.diagnoses(),
                record.procedures(), "更正后的出院小结", record.dischargeInstructions(), record.medications());

        Map<String, Object> report = importBatch(corrected);

        assertThat(report).containsEntry("updated", 1);
        assertThat(db.sql("SELECT discharge_summary FROM encounter").map(r -> r.get(0, String.class)).one().block())
                .isEqualTo("更正后的出院小结");
        assertThat(count("SELECT count(*) FROM follow_up_task")).isEqualTo(tasks);
        assertThat(count("SELECT count(*) FROM care_plan")).isEqualTo(1);
    }

    @Test
    void sameEncounterIdFromAnotherSource_isAnotherEncounter() {
        importBatch(pciDischarge("ZY001", "P001", 5));

        Map<String, Object> report = post("admin", "/api/admin/discharges",
                Map.of("source", "EMR", "discharges", List.of(pciDischarge("ZY001", "P001", 5))))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        assertThat(report).containsEntry("created", 1);
        assertThat(count("SELECT count(*) FROM encounter")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM patient")).isEqualTo(1);
    }

    @Test
    void mixedBatch_keepsValidRowsAndReportsInvalidOnesByRowAndField() {
        var good = pciDischarge("ZY001", "P001", 5);
        var bad = pciDischarge("ZY002", "P002", 5);
        var badDates = new DischargeRecord(bad.encounterId(), bad.patient(), "CARD", null, bad.dischargeDate().plusDays(1),
                bad.dischargeDate(), bad.diagnoses(), bad.procedures(), null, null, null);

        @SuppressWarnings("unchecked")
        Map<String, Object> report = importBatch(good, badDates);

        assertThat(report).containsEntry("created", 1).containsEntry("failed", 1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> errors = (List<Map<String, Object>>) report.get("errors");
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e).containsEntry("row", 2).containsEntry("encounterId", "ZY002").containsEntry("field", "dischargeDate");
            assertThat((String) e.get("message")).contains("出院日期早于入院日期");
        });
        assertThat(count("SELECT count(*) FROM encounter WHERE source_encounter_id = 'ZY002'")).isZero();
        assertThat(count("SELECT count(*) FROM patient WHERE mrn = 'P002'")).isZero();
    }

    @Test
    void identifiersAreEncryptedAtRestAndFoundByBlindIndex() {
        importBatch(pciDischarge("ZY001", "P001", 5));

        byte[] phoneEnc = db.sql("SELECT phone_enc FROM patient").map(r -> r.get(0, byte[].class)).one().block();
        assertThat(new String(phoneEnc, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("13812345678");
        assertThat(cipher.decrypt(cn.suifang.backend.crypto.PiiCipher.PiiField.PATIENT_PHONE, phoneEnc)).isEqualTo("13812345678");
        long found = db.sql("SELECT count(*) FROM patient WHERE phone_bidx = :b")
                .bind("b", cipher.blindIndex(cn.suifang.backend.crypto.PiiCipher.PiiField.PATIENT_PHONE, "13812345678"))
                .map(r -> r.get(0, Long.class)).one().block();
        assertThat(found).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM patient WHERE CAST(id_card_enc AS TEXT) LIKE '%110105%'")).isZero();
    }
}
