package cn.suifang.backend.tag;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.IntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Tags set by what patients report and staff record, explained, shown on the lists and the dashboard, and taken off
 * again — by new facts, by time passing the rule's window (the daily pass), or, for manual ones, by staff or expiry.
 */
class TagLifecycleTest extends IntegrationTest {

    @Autowired
    TagService tagService;

    private long patientId;
    private int requests;

    @BeforeEach
    void patient() {
        importBatch(pciDischarge("ZY001", "P001", 5)); // diagnoses I21.0 and I10: in scope of the hypertension rule
        patientId = count("SELECT id FROM patient");
    }

    private void bloodPressure(int sbp, int dbp) {
        clock.advance(Duration.ofMinutes(10));
        Map<String, Object> answers = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0,
                "sbp", sbp, "dbp", dbp));
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "bp-" + (++requests), "questionnaireCode", "PCI_SYMPTOM", "answers", answers), patientId)
                .exchange().expectStatus().isCreated();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> tags(String staff, boolean history) {
        return get(staff, "/api/patients/{id}/tags?history=" + history, patientId).exchange().expectStatus().isOk()
                .expectBody(List.class).returnResult().getResponseBody();
    }

    private List<String> liveCodes() {
        return tags("cardDoc", false).stream().map(t -> (String) t.get("code")).toList();
    }

    private String patientTagsColumn() {
        return db.sql("SELECT array_to_string(tags, ',') FROM patient WHERE id = :id").bind("id", patientId)
                .map(r -> r.get(0, String.class)).one().block();
    }

    @SuppressWarnings("unchecked")
    private List<Long> taggedPatientsOnMyLists(String staff, String tag) {
        List<Long> ids = new ArrayList<>();
        for (String view : List.of("TODAY", "OVERDUE", "UPCOMING")) {
            Map<String, Object> page = get(staff, "/api/workbench/tasks?view=" + view + "&limit=100&tag=" + tag).exchange()
                    .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
            for (Map<String, Object> card : (List<Map<String, Object>>) page.get("items")) {
                ids.add(((Number) card.get("patientId")).longValue());
                assertThat((List<String>) card.get("tags")).contains("高血压未达标");
            }
        }
        return ids;
    }

    @Test
    void uncontrolledBloodPressureSetsTheTagWithTheReason_andNormalReadingsTakeItOff() {
        bloodPressure(152, 88);
        bloodPressure(146, 86);
        assertThat(liveCodes()).contains("HTN_UNCONTROLLED");
        Map<String, Object> tag = tags("cardDoc", false).stream().filter(t -> t.get("code").equals("HTN_UNCONTROLLED"))
                .findFirst().orElseThrow();
        assertThat(tag).containsEntry("label", "高血压未达标").containsEntry("source", "AUTO").containsEntry("category", "CLINICAL");
        assertThat((String) tag.get("reason")).contains("近30天最近2次收缩压均值 149 mmHg").contains("≥ 140");
        assertThat(patientTagsColumn()).contains("HTN_UNCONTROLLED");
        assertThat(taggedPatientsOnMyLists("cardNurse1", "HTN_UNCONTROLLED")).isNotEmpty().containsOnly(patientId);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'TAG_SET'")).isGreaterThanOrEqualTo(1);

        bloodPressure(128, 80); // mean of 152, 146, 128 = 142: still above
        assertThat(liveCodes()).contains("HTN_UNCONTROLLED");
        assertThat((String) tags("cardDoc", false).stream().filter(t -> t.get("code").equals("HTN_UNCONTROLLED"))
                .findFirst().orElseThrow().get("reason")).as("the reason follows the facts").contains("3次收缩压均值 142");
        bloodPressure(124, 78); // 146, 128, 124 → 132.7
        assertThat(liveCodes()).doesNotContain("HTN_UNCONTROLLED");
        assertThat(patientTagsColumn()).doesNotContain("HTN_UNCONTROLLED");
        assertThat(taggedPatientsOnMyLists("cardNurse1", "HTN_UNCONTROLLED")).isEmpty();
        Map<String, Object> cleared = tags("cardDoc", true).stream().filter(t -> t.get("code").equals("HTN_UNCONTROLLED"))
                .findFirst().orElseThrow();
        assertThat(cleared.get("clearedAt")).isNotNull();
        assertThat((String) cleared.get("clearedReason")).startsWith("不再符合").contains("上次依据");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'TAG_CLEAR'")).isEqualTo(1);
    }

    @Test
    void theDailyPassTakesATagOffOnceItsReadingsLeaveTheWindow() {
        bloodPressure(160, 95);
        assertThat(liveCodes()).contains("HTN_UNCONTROLLED");
        clock.advance(Duration.ofDays(30));
        assertThat(tagService.reevaluateAll().block()).isGreaterThanOrEqualTo(1);
        assertThat(liveCodes()).as("30 days: the reading is on the window's first day").contains("HTN_UNCONTROLLED");
        clock.advance(Duration.ofDays(1));
        tagService.reevaluateAll().block();
        assertThat(liveCodes()).doesNotContain("HTN_UNCONTROLLED");
    }

    @Test
    void lifestyleAnswersTagSmokersAndObesity() {
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "life-1", "questionnaireCode", "LIFESTYLE",
                        "answers", Map.of("smoking", 2, "alcohol", 0, "exercise", 1, "salt", 2, "bpMeds", 0, "familyAscvd", 1,
                                "familyDiabetes", 0, "height", 170, "weight", 82, "waist", 96)), patientId)
                .exchange().expectStatus().isCreated();
        assertThat(liveCodes()).contains("SMOKER", "OBESITY");
        assertThat(count("SELECT count(*) FROM observation WHERE code IN ('HEIGHT', 'WAIST', 'WEIGHT')")).isEqualTo(3);
    }

    @Test
    void staffAddManualTags_thatExpireOrAreRemoved_butCannotRemoveAutomaticOnes() {
        Map<String, Object> added = post("cardNurse1", "/api/patients/{id}/tags",
                Map.of("label", "听力障碍", "reason", "电话沟通请联系女儿", "expiresOn", clock.today().plusDays(2).toString()), patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(added).containsEntry("source", "MANUAL").containsEntry("reason", "电话沟通请联系女儿");
        assertThat(added.get("setBy")).as("who set it").isNotNull();
        assertThat(patientTagsColumn()).contains("听力障碍");
        post("cardNurse1", "/api/patients/{id}/tags", Map.of("label", "听力障碍"), patientId)
                .exchange().expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-3003");
        post("cardNurse1", "/api/patients/{id}/tags", Map.of("label", "x", "expiresOn", clock.today().toString()), patientId)
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-3002");

        clock.advance(Duration.ofDays(2));
        tagService.reevaluateAll().block();
        assertThat(liveCodes()).doesNotContain("听力障碍");
        assertThat(tags("cardDoc", true).stream().filter(t -> "听力障碍".equals(t.get("code"))).findFirst().orElseThrow())
                .containsEntry("clearedReason", "到期自动解除");

        long manual = ((Number) post("cardDoc", "/api/patients/{id}/tags", Map.of("label", "需家属陪同"), patientId)
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody().get("id")).longValue();
        web.delete().uri("/api/patients/{id}/tags/{t}?reason=已核实", patientId, manual)
                .header("Authorization", "Bearer " + token("cardDoc")).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.clearedReason").isEqualTo("已核实");
        assertThat(patientTagsColumn()).isEmpty();

        bloodPressure(170, 100);
        long auto = count("SELECT id FROM patient_tag WHERE tag_code = 'HTN_UNCONTROLLED' AND cleared_at IS NULL");
        web.delete().uri("/api/patients/{id}/tags/{t}", patientId, auto)
                .header("Authorization", "Bearer " + token("cardDoc")).exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.code").isEqualTo("SF-3005");
    }

    @Test
    void onlyStaffWhoMaySeeThePatientSeeTheTags_andEveryReadIsAudited() {
        bloodPressure(160, 95);
        get("endoDoc", "/api/patients/{id}/tags", patientId).exchange().expectStatus().isNotFound();
        tags("cardDoc", false);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'PATIENT_TAGS_READ'")).isEqualTo(1);
        post("endoDoc", "/api/patients/{id}/tags", Map.of("label", "x"), patientId).exchange().expectStatus().isNotFound();
    }

    @Test
    void rulesAreVersionedData_checkedWhenWritten() {
        post("cardDoc", "/api/admin/tag-rules", Map.of("code", "X", "label", "x", "category", "CLINICAL",
                "condition", Map.of("type", "overdue", "atLeast", 1))).exchange().expectStatus().isBadRequest();
        post("admin", "/api/admin/tag-rules", Map.of("code", "SMOKER", "label", "吸烟", "category", "LIFESTYLE",
                "condition", Map.of("type", "answer", "questionnaire", "LIFESTYLE", "item", "smoking", "op", "~", "value", 2,
                        "withinDays", 365))).exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-3011");
        post("cardDoc", "/api/admin/tag-rules", Map.of("code", "ANY_OVERDUE", "label", "有逾期", "category", "BEHAVIOUR",
                "condition", Map.of("type", "overdue", "atLeast", 1))).exchange().expectStatus().isForbidden();

        // a stricter hypertension rule (≥ 130) replaces the seeded one once activated
        Map<String, Object> draft = post("admin", "/api/admin/tag-rules", Map.of("code", "HTN_UNCONTROLLED",
                        "label", "血压未达标", "category", "CLINICAL", "icdPrefixes", List.of("I10"),
                        "condition", Map.of("type", "reading", "code", "SBP", "op", ">=", "value", 130, "withinDays", 30)))
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(draft).containsEntry("version", 2).containsEntry("status", "DRAFT");
        bloodPressure(134, 80);
        assertThat(liveCodes()).doesNotContain("HTN_UNCONTROLLED");
        post("admin", "/api/admin/tag-rules/{id}/activate", Map.of(), draft.get("id")).exchange().expectStatus().isOk();
        tagService.reevaluateAll().block();
        assertThat(tags("cardDoc", false)).anySatisfy(t -> assertThat(t).containsEntry("label", "血压未达标"));
        assertThat(count("SELECT count(*) FROM tag_rule WHERE code = 'HTN_UNCONTROLLED' AND status = 'RETIRED'")).isEqualTo(1);
    }

    @Test
    void theDepartmentHeadSeesHowManyPatientsCarryEachTag() {
        bloodPressure(160, 95);
        get("cardHead", "/api/dashboard/tags").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.inFollowUp").isEqualTo(1)
                .jsonPath("$.tags[?(@.code == 'HTN_UNCONTROLLED')].patients").isEqualTo(List.of(1));
        get("cardDoc", "/api/dashboard/tags").exchange().expectStatus().isForbidden();
    }

    @Test
    @SuppressWarnings("unchecked")
    void atTheNextDischargeATaggedPatientGetsThePathwayForTheirTag() {
        Map<String, Object> step = Map.of("offsetDays", 1, "channel", "PHONE", "role", "NURSE_COORDINATOR",
                "title", "出院次日电话随访（强化）");
        Map<String, Object> draft = post("admin", "/api/admin/pathways", Map.of("code", "PCI_INTENSIVE", "name", "PCI 强化随访",
                        "procedureCodes", List.of("36.07"), "tagCodes", List.of("需强化随访", "LOSS_RISK"), "priority", 500,
                        "steps", List.of(step)))
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<String>) draft.get("tagCodes")).containsExactly("需强化随访", "LOSS_RISK");
        post("admin", "/api/admin/pathways/{id}/activate", Map.of(), draft.get("id")).exchange().expectStatus().isOk();

        post("cardNurse1", "/api/patients/{id}/tags", Map.of("label", "需强化随访"), patientId).exchange().expectStatus().isCreated();
        var again = pciDischarge("ZY002", "P001", 1);
        importBatch(new cn.suifang.backend.discharge.DischargeRecord("ZY002", again.patient(), again.departmentCode(),
                again.attendingEmployeeNo(), again.admissionDate(), again.dischargeDate(), again.diagnoses(), again.procedures(),
                null, null, List.of()));
        assertThat(db.sql("""
                        SELECT pw.code FROM care_plan cp JOIN pathway pw ON pw.id = cp.pathway_id
                        JOIN encounter e ON e.id = cp.encounter_id WHERE e.source_encounter_id = 'ZY002'""")
                .map(r -> r.get(0, String.class)).one().block()).isEqualTo("PCI_INTENSIVE");
        assertThat(db.sql("""
                        SELECT pw.code FROM care_plan cp JOIN pathway pw ON pw.id = cp.pathway_id
                        JOIN encounter e ON e.id = cp.encounter_id WHERE e.source_encounter_id = 'ZY001'""")
                .map(r -> r.get(0, String.class)).one().block()).as("the first discharge, before the tag").isEqualTo("PCI");
    }
}
