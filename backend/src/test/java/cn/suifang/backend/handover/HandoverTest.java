package cn.suifang.backend.handover;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.backend.wecom.WecomContactListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Dr. Li (cardDoc) changes posts: his patients, open tasks, open alerts and care-team seat go to Dr. Zhao (cardDoc2)
 * in one transaction, previewed first, safe to send twice, and nothing moves when anything fails halfway.
 */
class HandoverTest extends IntegrationTest {

    @Autowired
    List<WecomContactListener> listeners;

    private long li;
    private long zhao;

    @BeforeEach
    void threePatientsOfDrLi() {
        li = hospital.staff("cardDoc");
        zhao = hospital.staff("cardDoc2");
        List<DischargeRecord> records = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            var r = pciDischarge("ZY00" + i, "P00" + i, 40);
            records.add(r);
        }
        importBatch(records.toArray(DischargeRecord[]::new));
        // an open physician task for each (the pathway's are nurse and dietitian steps until day 30), one alert, one note
        db.sql("UPDATE follow_up_task SET assignee_id = :li WHERE id IN (SELECT min(id) FROM follow_up_task GROUP BY patient_id)")
                .bind("li", li).then().block();
        long p1 = patient("P001");
        db.sql("INSERT INTO alert (patient_id, level, title, status, owner_id) VALUES (:p, 3, '收缩压≥180', 'OPEN', :li)")
                .bind("p", p1).bind("li", li).then().block();
        db.sql("""
                INSERT INTO follow_up_note (task_id, patient_id, author_id, client_request_id, outcome, contact_channel, advice)
                VALUES ((SELECT min(id) FROM follow_up_task WHERE patient_id = :p), :p, :li, 'note-li-1', 'COMPLETED', 'PHONE',
                        '{继续按时服药}')""").bind("p", p1).bind("li", li).then().block();
    }

    private long patient(String mrn) {
        return count("SELECT id FROM patient WHERE mrn = '" + mrn + "'");
    }

    private Map<String, Object> parties() {
        return Map.of("fromStaffId", li, "toStaffId", zhao);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> execute(UUID requestId) {
        return post("cardHead", "/api/handovers", Map.of("fromStaffId", li, "toStaffId", zhao, "requestId", requestId))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
    }

    @Test
    void preview_showsWhatWouldMove_andChangesNothing() {
        long tasksOfLi = count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + li + " AND status = 'PENDING'");

        @SuppressWarnings("unchecked")
        Map<String, Object> preview = post("cardHead", "/api/handovers/preview", parties()).exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        assertThat(preview).containsEntry("patients", 3).containsEntry("tasks", (int) tasksOfLi).containsEntry("alerts", 1)
                .containsEntry("teamSeats", 1).containsEntry("itemsShown", true).containsEntry("toName", "赵医生");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) preview.get("items");
        assertThat(items).hasSize(3).allSatisfy(i -> assertThat((String) i.get("patientName")).contains("*"));
        assertThat(items.toString()).doesNotContain("张三").contains("收缩压≥180", "继续按时服药");
        // nothing moved, the look was audited with the patients it showed
        assertThat(count("SELECT count(*) FROM patient WHERE responsible_staff_id = " + li)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM handover")).isZero();
        assertThat(count("SELECT cardinality(patient_ids) FROM audit_event WHERE action = 'HANDOVER_PREVIEW'")).isEqualTo(3);
    }

    @Test
    void handover_movesPatientsTasksAlertsAndSeatInOneGo_keepsHistoryReadable_andARetryChangesNothing() {
        long tasksOfLi = count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + li + " AND status = 'PENDING'");
        UUID requestId = UUID.randomUUID();

        Map<String, Object> done = execute(requestId);

        assertThat(done).containsEntry("patients", 3).containsEntry("tasks", (int) tasksOfLi).containsEntry("alerts", 1)
                .containsEntry("teamSeats", 1).containsEntry("reason", "MANUAL");
        assertThat(count("SELECT count(*) FROM patient WHERE responsible_staff_id = " + zhao)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + li + " AND status IN ('PENDING', 'IN_PROGRESS')")).isZero();
        assertThat(count("SELECT count(*) FROM alert WHERE owner_id = " + zhao)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM care_team_member WHERE staff_id = " + li)).isZero();
        assertThat(count("SELECT count(*) FROM care_team_member WHERE staff_id = " + zhao + " AND role = 'PHYSICIAN'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM handover_item")).isEqualTo(3);
        assertThat(count("SELECT cardinality(patient_ids) FROM audit_event WHERE action = 'HANDOVER'")).isEqualTo(3);

        // Dr. Zhao reads Dr. Li's note on the patient's timeline
        web.get().uri("/api/patients/{id}/timeline", patient("P001")).header("Authorization", "Bearer " + token("cardDoc2"))
                .exchange().expectStatus().isOk().expectBody(String.class)
                .value(body -> assertThat(body).contains("继续按时服药"));

        // the same request again (a double tap, a retry after a lost answer): the same handover, nothing more moved
        Map<String, Object> again = execute(requestId);
        assertThat(again.get("id")).isEqualTo(done.get("id"));
        assertThat(count("SELECT count(*) FROM handover")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'HANDOVER'")).isEqualTo(1);
    }

    @Test
    void handoverDetail_isForTheDepartmentsHeadAndTheAdministrator() {
        Object id = execute(UUID.randomUUID()).get("id");

        get("cardHead", "/api/handovers/{id}", id).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.itemsShown").isEqualTo(true).jsonPath("$.items.length()").isEqualTo(3)
                .jsonPath("$.items[0].summary.openTasks").isArray();
        get("admin", "/api/handovers/{id}", id).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.patients").isEqualTo(3).jsonPath("$.items.length()").isEqualTo(0);
        for (String other : List.of("endoHead", "cardDoc", "cardDoc2", "cardNurse1")) {
            get(other, "/api/handovers/{id}", id).exchange().expectStatus().isNotFound()
                    .expectBody().jsonPath("$.code").isEqualTo("SF-2405");
        }
        web.get().uri("/api/handovers/{id}", id).header("Authorization", "Bearer " + patientToken(patient("P001")))
                .exchange().expectStatus().isForbidden();
        web.get().uri("/api/handovers/{id}", id).exchange().expectStatus().isUnauthorized();
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'HANDOVER_READ'")).isEqualTo(2);
    }

    @Test
    void failureHalfway_movesNothing() {
        // Setup: the care-team step (after patients, tasks and alerts have moved) fails, as a lost connection would
        db.sql("""
                CREATE OR REPLACE FUNCTION test_fail_seats() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'simulated failure halfway'; END $$ LANGUAGE plpgsql""").then().block();
        db.sql("CREATE TRIGGER test_fail_seats BEFORE INSERT ON care_team_member FOR EACH ROW EXECUTE FUNCTION test_fail_seats()")
                .then().block();
        try {
            post("cardHead", "/api/handovers", Map.of("fromStaffId", li, "toStaffId", zhao, "requestId", UUID.randomUUID()))
                    .exchange().expectStatus().is5xxServerError();
        } finally {
            db.sql("DROP TRIGGER test_fail_seats ON care_team_member").then().block();
            db.sql("DROP FUNCTION test_fail_seats()").then().block();
        }

        // Verify: everything still Dr. Li's, no handover recorded, nothing audited as done
        assertThat(count("SELECT count(*) FROM patient WHERE responsible_staff_id = " + li)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + zhao)).isZero();
        assertThat(count("SELECT count(*) FROM alert WHERE owner_id = " + li)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM handover")).isZero();
        assertThat(count("SELECT count(*) FROM handover_item")).isZero();
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'HANDOVER'")).isZero();
    }

    @Test
    void onlyHeadsOfTheDepartmentOrTheAdministratorHandOver_andTheSuccessorMustBeAnActiveClinician() {
        post("cardNurse1", "/api/handovers/preview", parties()).exchange().expectStatus().isForbidden()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2401");
        post("endoHead", "/api/handovers/preview", parties()).exchange().expectStatus().isForbidden()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2404");
        post("cardHead", "/api/handovers/preview", Map.of("fromStaffId", li, "toStaffId", li)).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("SF-2402");
        post("cardHead", "/api/handovers/preview", Map.of("fromStaffId", li, "toStaffId", 999_999)).exchange()
                .expectStatus().isNotFound();
        db.sql("UPDATE staff SET active = FALSE WHERE id = :z").bind("z", zhao).then().block();
        post("cardHead", "/api/handovers/preview", parties()).exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.code").isEqualTo("SF-2407");
        db.sql("UPDATE staff SET active = TRUE WHERE id = :z").bind("z", zhao).then().block();

        // the IT administrator may hand over, but sees numbers, not patients
        post("admin", "/api/handovers/preview", parties()).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.patients").isEqualTo(3).jsonPath("$.itemsShown").isEqualTo(false)
                .jsonPath("$.items.length()").isEqualTo(0);
        assertThat(count("SELECT count(*) FROM handover")).isZero();
    }

    @Test
    void memberLeftWecom_everythingGoesToTheHeadOnce_evenWhenWecomSaysItTwice() {
        db.sql("UPDATE staff SET wecom_user_id = 'LiYiSheng' WHERE id = :li").bind("li", li).then().block();

        for (int delivery = 0; delivery < 2; delivery++) {
            for (WecomContactListener listener : listeners) {
                listener.memberDeleted("LiYiSheng").block();
            }
        }

        long head = hospital.staff("cardHead");
        assertThat(count("SELECT count(*) FROM handover")).isEqualTo(1);
        assertThat(count("SELECT to_staff_id FROM handover")).isEqualTo(head);
        assertThat(count("SELECT count(*) FROM handover WHERE reason = 'MEMBER_LEFT' AND requested_by IS NULL")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM patient WHERE responsible_staff_id = " + head)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + li + " AND status = 'PENDING'")).isZero();

        // an unknown member, or one who owned nothing, is not an error (WeCom would retry forever)
        for (WecomContactListener listener : listeners) {
            listener.memberDeleted("NobodyKnown").block();
        }
        assertThat(count("SELECT count(*) FROM handover")).isEqualTo(1);
    }
}
