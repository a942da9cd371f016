package cn.suifang.backend.pathway;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PathwayVersioningTest extends IntegrationTest {

    private Map<String, Object> pciV2() {
        return Map.of("code", "PCI", "name", "PCI术后随访（2026版）", "procedureCodes", List.of("36.06", "36.07", "00.66"),
                "priority", 100, "steps", List.of(
                        Map.of("offsetDays", 2, "windowDays", 1, "channel", "PHONE", "role", "NURSE_COORDINATOR",
                                "title", "术后第2天电话随访", "questions", List.of("穿刺部位有无出血？")),
                        Map.of("offsetDays", 30, "windowDays", 7, "channel", "PHONE", "role", "PHYSICIAN",
                                "title", "术后1个月医师随访")));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> createDraft() {
        return post("admin", "/api/admin/pathways", pciV2()).exchange().expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    @Test
    void newVersion_isADraftWithTheNextVersionNumber_andChangesNothingUntilActivated() {
        Map<String, Object> draft = createDraft();

        assertThat(draft).containsEntry("version", 2).containsEntry("status", "DRAFT");
        assertThat((List<?>) draft.get("steps")).hasSize(2);
        importBatch(pciDischarge("ZY001", "P001", 0));
        assertThat(count("SELECT p.version FROM care_plan cp JOIN pathway p ON p.id = cp.pathway_id")).isEqualTo(1);
    }

    @Test
    void activation_retiresThePreviousVersion_plansInFlightKeepTheirVersion() {
        importBatch(pciDischarge("ZY001", "P001", 0));
        long id = ((Number) createDraft().get("id")).longValue();

        post("admin", "/api/admin/pathways/{id}/activate", Map.of(), id).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("ACTIVE");
        var second = pciDischarge("ZY002", "P002", 0);
        importBatch(second);

        assertThat(count("SELECT count(*) FROM pathway WHERE code = 'PCI' AND status = 'ACTIVE'")).isEqualTo(1);
        assertThat(count("SELECT version FROM pathway WHERE code = 'PCI' AND status = 'RETIRED'")).isEqualTo(1);
        List<Integer> versions = db.sql("""
                        SELECT p.version FROM care_plan cp JOIN pathway p ON p.id = cp.pathway_id
                        JOIN encounter e ON e.id = cp.encounter_id ORDER BY e.source_encounter_id""")
                .map(r -> r.get(0, Integer.class)).all().collectList().block();
        assertThat(versions).containsExactly(1, 2);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'PATHWAY_ACTIVATE'")).isEqualTo(1);
    }

    @Test
    void retiredVersion_cannotBeReactivated() {
        long v2 = ((Number) createDraft().get("id")).longValue();
        post("admin", "/api/admin/pathways/{id}/activate", Map.of(), v2).exchange().expectStatus().isOk();
        long v1 = count("SELECT id FROM pathway WHERE code = 'PCI' AND version = 1");

        post("admin", "/api/admin/pathways/{id}/activate", Map.of(), v1).exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.code").isEqualTo("SF-1403");
    }

    @Test
    void questionnaireStepWithoutQuestionnaire_isRefusedNamingTheStep() {
        Map<String, Object> bad = Map.of("code", "X", "name", "测试", "steps", List.of(
                Map.of("offsetDays", 7, "channel", "QUESTIONNAIRE", "role", "NURSE_COORDINATOR", "title", "问卷")));

        post("admin", "/api/admin/pathways", bad).exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("steps[0].questionnaireCode");
        assertThat(count("SELECT count(*) FROM pathway WHERE code = 'X'")).isZero();
    }

    @Test
    void nonAdmin_cannotCreateOrActivate() {
        post("cardHead", "/api/admin/pathways", pciV2()).exchange().expectStatus().isForbidden();
        post("cardDoc", "/api/admin/pathways/{id}/activate", Map.of(), 1).exchange().expectStatus().isForbidden();
        assertThat(count("SELECT count(*) FROM pathway WHERE created_by IS NOT NULL")).isZero();
    }
}
