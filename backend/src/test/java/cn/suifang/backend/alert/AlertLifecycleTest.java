package cn.suifang.backend.alert;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.security.Principal;
import cn.suifang.backend.support.IntegrationTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The ladder on a controllable clock, acknowledging and resolving, permissions, and the per-rule figures. */
class AlertLifecycleTest extends IntegrationTest {

    @Autowired
    AlertService alertService;

    private long patientId;
    private int requests;

    @BeforeEach
    void patient() {
        importBatch(pciDischarge("ZY001", "P001", 5));
        patientId = count("SELECT id FROM patient");
    }

    /** A reading of SBP 186 through a staff-entered questionnaire: BP_SEVERE, level 2, SLA 4 h. */
    private long severeBloodPressure() {
        Map<String, Object> answers = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0, "sbp", 186));
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "bp-" + (++requests), "questionnaireCode", "PCI_SYMPTOM", "answers", answers), patientId)
                .exchange().expectStatus().isCreated();
        return count("SELECT max(id) FROM alert WHERE rule_code = 'BP_SEVERE'");
    }

    private long lowGlucose() {
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "glu-" + (++requests), "questionnaireCode", "DM_SELFCHECK",
                        "answers", Map.of("fpg", 3.2, "hypo", 1, "hypoHelp", 0, "medication", 0, "feet", 0)), patientId)
                .exchange().expectStatus().isCreated();
        return count("SELECT max(id) FROM alert WHERE rule_code = 'GLUCOSE_LOW'");
    }

    private Map<String, Object> row(long alertId) {
        return db.sql("SELECT level, status, owner_id, owner_role, due_at, escalations, sla_breached FROM alert WHERE id = :id")
                .bind("id", alertId).fetch().one().block();
    }

    private long owner(long alertId) {
        return ((Number) row(alertId).get("owner_id")).longValue();
    }

    @Test
    void unacknowledgedAlertClimbsTheLadderOnTime_nurseThenPhysicianThenHead() {
        long alert = severeBloodPressure();
        long nurse = owner(alert);

        clock.advance(Duration.ofMinutes(239));
        assertThat(alertService.escalateDue().block().escalated()).isZero();
        assertThat(row(alert)).containsEntry("level", 2);

        clock.advance(Duration.ofMinutes(2));
        assertThat(alertService.escalateDue().block().escalated()).isEqualTo(1);
        assertThat(row(alert)).containsEntry("level", 3).containsEntry("owner_role", "PHYSICIAN").containsEntry("sla_breached", true);
        long physician = owner(alert);
        assertThat(physician).isNotEqualTo(nurse).isIn(hospital.staff("cardDoc"), hospital.staff("cardDoc2"), hospital.staff("cardHead"));
        assertThat(count("SELECT count(*) FROM wecom_message WHERE kind = 'ALERT_ESCALATED' AND recipient_staff_id = " + physician))
                .isEqualTo(1);

        clock.advance(Duration.ofHours(47));
        assertThat(alertService.escalateDue().block().escalated()).as("the physician has 48 h").isZero();
        clock.advance(Duration.ofHours(1).plusMinutes(1));
        assertThat(alertService.escalateDue().block().escalated()).isEqualTo(1);
        assertThat(row(alert)).containsEntry("owner_role", "DEPARTMENT_HEAD").containsEntry("level", 3);
        assertThat(owner(alert)).isEqualTo(hospital.staff("cardHead"));
        assertThat(row(alert).get("due_at")).as("end of the ladder").isNull();

        clock.advance(Duration.ofDays(10));
        assertThat(alertService.escalateDue().block().escalated()).isZero();
        assertThat(count("SELECT count(*) FROM alert_event WHERE kind = 'ESCALATED'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'ALERT_ESCALATE'")).isEqualTo(2);
    }

    @Test
    void theTimelineShowsTheAlertAndTheAnswersThatRaisedIt() {
        long alert = severeBloodPressure();
        get("cardDoc", "/api/patients/{id}/timeline", patientId).exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.entries[?(@.kind == 'ALERT')].refId").value(ids -> assertThat(ids.toString()).contains(Long.toString(alert)))
                .jsonPath("$.entries[?(@.kind == 'QUESTIONNAIRE')].title").value(t -> assertThat(t.toString()).contains("PCI术后症状自评"))
                .jsonPath("$.entries[?(@.kind == 'QUESTIONNAIRE')].detail").value(d -> assertThat(d.toString()).contains("医护代录"));
    }

    @Test
    void acknowledgedAlertStopsClimbing_andBelongsToWhoeverAcknowledgedIt() {
        long alert = severeBloodPressure();
        post("cardNurse2", "/api/alerts/{id}/acknowledge", Map.of("note", "已电话联系，患者在家复测"), alert)
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.alert.status").isEqualTo("ACKNOWLEDGED")
                .jsonPath("$.alert.ownerId").isEqualTo((int) hospital.staff("cardNurse2"))
                .jsonPath("$.events[1].kind").isEqualTo("ACKNOWLEDGED");
        // repeating it changes nothing
        post("cardNurse2", "/api/alerts/{id}/acknowledge", Map.of(), alert).exchange().expectStatus().isOk();
        assertThat(count("SELECT count(*) FROM alert_event WHERE kind = 'ACKNOWLEDGED'")).isEqualTo(1);

        clock.advance(Duration.ofDays(5));
        assertThat(alertService.escalateDue().block().escalated()).isZero();
        assertThat(row(alert)).containsEntry("level", 2);
    }

    @Test
    void level1_patientReadingTheAdviceClosesIt_otherwiseTheCoordinatorIsToldAfter72h() {
        long read = lowGlucose();
        Principal patient = new Principal(Principal.ActorType.PATIENT, patientId, hospital.hospitalId, 0, Set.of());
        alertService.adviceRead(patient, patientId, read).block();
        assertThat(row(read)).containsEntry("status", "RESOLVED");
        assertThat(count("SELECT count(*) FROM alert WHERE id = " + read + " AND resolution = 'ADVICE_READ'")).isEqualTo(1);

        long unread = lowGlucose();
        assertThat(unread).isNotEqualTo(read);
        clock.advance(Duration.ofHours(71));
        assertThat(alertService.escalateDue().block().escalated()).isZero();
        clock.advance(Duration.ofHours(1).plusMinutes(1));
        assertThat(alertService.escalateDue().block().escalated()).isEqualTo(1);
        assertThat(row(unread)).containsEntry("level", 2).containsEntry("owner_role", "NURSE_COORDINATOR")
                .containsEntry("sla_breached", false);
    }

    @Test
    void level1_happeningAgainBeforeTheAdviceWasReadGoesToTheCoordinatorAtOnce() {
        long alert = lowGlucose();
        assertThat(row(alert)).containsEntry("level", 1);
        lowGlucose();
        assertThat(row(alert)).containsEntry("level", 2).containsEntry("owner_role", "NURSE_COORDINATOR");
        assertThat(count("SELECT count(*) FROM alert")).isEqualTo(1);
    }

    @Test
    void resolve_needsTheInterventionOrTheReason_andHappensOnce() {
        long alert = severeBloodPressure();
        post("cardNurse1", "/api/alerts/{id}/resolve", Map.of("resolution", "INTERVENED"), alert)
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2504");
        post("cardNurse1", "/api/alerts/{id}/resolve", Map.of("resolution", "DISMISSED"), alert)
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2505");
        post("cardNurse1", "/api/alerts/{id}/resolve", Map.of("resolution", "INTERVENED", "interventionType", "OTHER"), alert)
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2506");
        assertThat(row(alert)).containsEntry("status", "OPEN");

        post("cardNurse1", "/api/alerts/{id}/resolve", Map.of("resolution", "INTERVENED",
                "interventionType", "MEDICATION_ADJUSTED", "note", "氨氯地平加量至10mg"), alert)
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.alert.status").isEqualTo("RESOLVED")
                .jsonPath("$.alert.interventionType").isEqualTo("MEDICATION_ADJUSTED");
        post("cardNurse1", "/api/alerts/{id}/resolve", Map.of("resolution", "DISMISSED", "dismissReason", "FALSE_READING"), alert)
                .exchange().expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-2502");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'ALERT_RESOLVE'")).isEqualTo(1);
    }

    @Test
    void alertsOfPatientsOneMayNotSeeAreNotFound_andNonClinicalStaffAreRefused() {
        long alert = severeBloodPressure();
        get("endoDoc", "/api/alerts/{id}", alert).exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2501");
        post("endoDoc", "/api/alerts/{id}/acknowledge", Map.of(), alert).exchange().expectStatus().isNotFound();
        get("admin", "/api/alerts").exchange().expectStatus().isForbidden();
        get("admin", "/api/alerts/{id}", alert).exchange().expectStatus().isNotFound();
        web.get().uri("/api/alerts").header("Authorization", "Bearer " + patientToken(patientId)).exchange()
                .expectStatus().isForbidden();
        get("endoDoc", "/api/alerts?view=OPEN").exchange().expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(0);
        assertThat(row(alert)).containsEntry("status", "OPEN");
    }

    @Test
    void inbox_mineFirstLevelsFirst_namesMasked_andCounted() {
        long bp = severeBloodPressure();
        long nurse = owner(bp);
        String nurseKey = nurse == hospital.staff("cardNurse1") ? "cardNurse1" : "cardNurse2";
        get(nurseKey, "/api/alerts?view=MINE").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[0].id").isEqualTo((int) bp)
                .jsonPath("$[0].patientName").isEqualTo("张*")
                .jsonPath("$[0].statusLabel").isEqualTo("待处理");
        get(nurseKey, "/api/alerts/counts").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.mine").isEqualTo(1).jsonPath("$.open").isEqualTo(1).jsonPath("$.mineOverdue").isEqualTo(0);
        clock.advance(Duration.ofHours(5));
        get(nurseKey, "/api/alerts/counts").exchange().expectBody().jsonPath("$.mineOverdue").isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'ALERT_LIST'")).isEqualTo(1);
    }

    @Test
    void ruleStats_interventionAndDismissalRates_andTimeToAcknowledge() {
        long first = severeBloodPressure();
        clock.advance(Duration.ofMinutes(30));
        post("cardNurse1", "/api/alerts/{id}/resolve", Map.of("resolution", "INTERVENED", "interventionType", "PHONE_ADVICE"), first)
                .exchange().expectStatus().isOk();
        long second = severeBloodPressure();
        assertThat(second).isNotEqualTo(first);
        clock.advance(Duration.ofMinutes(90));
        post("cardNurse1", "/api/alerts/{id}/resolve", Map.of("resolution", "DISMISSED", "dismissReason", "FALSE_READING"), second)
                .exchange().expectStatus().isOk();

        get("cardHead", "/api/alerts/rule-stats").exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$[0].ruleCode").isEqualTo("BP_SEVERE")
                .jsonPath("$[0].raised").isEqualTo(2)
                .jsonPath("$[0].intervened").isEqualTo(1)
                .jsonPath("$[0].dismissed").isEqualTo(1)
                .jsonPath("$[0].interventionRate").isEqualTo(0.5)
                .jsonPath("$[0].medianMinutesToAcknowledge").isEqualTo(60.0);
        get("cardNurse1", "/api/alerts/rule-stats").exchange().expectStatus().isForbidden();
        get("endoHead", "/api/alerts/rule-stats").exchange().expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(0);
    }

    @Test
    void rulesAreVersionedData_aBadConditionIsRefused_activationRetiresTheOldVersion() {
        Map<String, Object> bad = Map.of("code", "BP_SEVERE", "name", "血压很高", "level", 2,
                "condition", Map.of("type", "reading", "code", "SBP", "op", "=>", "value", 170));
        post("admin", "/api/admin/alert-rules", bad).exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2511").jsonPath("$.detail").value(d -> assertThat(d.toString()).contains("=>"));
        Map<String, Object> good = Map.of("code", "BP_SEVERE", "name", "血压 ≥170/105 mmHg", "level", 2, "slaMinutes", 240,
                "condition", Map.of("type", "any", "of", List.of(
                        Map.of("type", "reading", "code", "SBP", "op", ">=", "value", 170),
                        Map.of("type", "reading", "code", "DBP", "op", ">=", "value", 105))));
        post("cardDoc", "/api/admin/alert-rules", good).exchange().expectStatus().isForbidden();
        @SuppressWarnings("unchecked")
        Map<String, Object> draft = post("admin", "/api/admin/alert-rules", good).exchange().expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(draft).containsEntry("version", 2).containsEntry("status", "DRAFT").containsEntry("triggerKind", "READING");

        post("admin", "/api/admin/alert-rules/{id}/activate", Map.of(), draft.get("id")).exchange().expectStatus().isOk();
        assertThat(count("SELECT count(*) FROM alert_rule WHERE code = 'BP_SEVERE' AND status = 'ACTIVE' AND version = 2")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM alert_rule WHERE code = 'BP_SEVERE' AND status = 'RETIRED' AND version = 1")).isEqualTo(1);

        Map<String, Object> answers = new HashMap<>(Map.of("chestPain", 0, "punctureSite", 0, "antiplatelet", 0, "sbp", 172));
        post("cardNurse1", "/api/patients/{id}/questionnaire-responses",
                Map.of("clientRequestId", "v2", "questionnaireCode", "PCI_SYMPTOM", "answers", answers), patientId)
                .exchange().expectStatus().isCreated();
        assertThat(count("SELECT count(*) FROM alert a JOIN alert_rule r ON r.id = a.rule_id WHERE r.version = 2")).isEqualTo(1);
    }
}
