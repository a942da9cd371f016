package cn.suifang.backend.handover;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.FakeWecomTransfers;
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
 * After a handover, Dr. Li's WeCom customers who are the patients move to Dr. Zhao: ≤ 100 a call, per-customer
 * errors kept, results polled page by page until done, the 2-in-90-days limit checked before asking WeCom.
 */
class CustomerTransferTest extends IntegrationTest {

    @Autowired
    CustomerTransferService transfers;
    @Autowired
    List<WecomContactListener> listeners;

    private FakeWecomTransfers wecomTransfers;
    private long li;
    private long zhao;

    @BeforeEach
    void drLiWithWecom() {
        wecomTransfers = FakeWecomTransfers.install(wecom);
        li = hospital.staff("cardDoc");
        zhao = hospital.staff("cardDoc2");
        db.sql("UPDATE staff SET wecom_user_id = CASE id WHEN :li THEN 'LiYiSheng' ELSE 'ZhaoYiSheng' END WHERE id IN (:li, :zhao)")
                .bind("li", li).bind("zhao", zhao).then().block();
    }

    private void patientsWithContacts(int n) {
        List<DischargeRecord> records = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            records.add(pciDischarge("ZY" + (1000 + i), "P" + (1000 + i), 10));
        }
        importBatch(records.toArray(DischargeRecord[]::new));
        db.sql("""
                INSERT INTO patient_wecom_contact (patient_id, external_userid, staff_id)
                SELECT id, 'wm' || mrn, :li FROM patient""").bind("li", li).then().block();
    }

    private Map<String, Object> handOver() {
        @SuppressWarnings("unchecked")
        Map<String, Object> h = post("cardHead", "/api/handovers",
                Map.of("fromStaffId", li, "toStaffId", zhao, "requestId", UUID.randomUUID()))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return h;
    }

    private String status(String externalUserId) {
        return db.sql("SELECT status FROM customer_transfer WHERE external_userid = :e ORDER BY id DESC LIMIT 1")
                .bind("e", externalUserId).map(r -> r.get(0, String.class)).one().block();
    }

    @Test
    void contactsMoveAfterTheHandover_perCustomerErrorsKept_resultsPolledUntilDone() {
        patientsWithContacts(6);
        wecomTransfers.refuse("wmP1002", 40096); // WeCom: not Dr. Li's customer (any more)

        Map<String, Object> handover = handOver();

        // started for five, failed for one with WeCom's errcode, in one call (≤ 100)
        assertThat(wecom.requests("/cgi-bin/externalcontact/transfer_customer")).hasSize(1)
                .first().satisfies(r -> assertThat(r.body().get("takeover_userid").asString()).isEqualTo("ZhaoYiSheng"));
        assertThat(status("wmP1001")).isEqualTo("STARTED");
        assertThat(count("SELECT errcode FROM customer_transfer WHERE external_userid = 'wmP1002'")).isEqualTo(40096);
        assertThat(status("wmP1002")).isEqualTo("FAILED");

        // 24 h later WeCom reports: one done, one still waiting, one refused by the customer, one over Dr. Zhao's limit,
        // one WeCom has no record of
        wecomTransfers.result("wmP1001", 1, 1795500000L).result("wmP1003", 2, 0).result("wmP1004", 3, 0).result("wmP1005", 4, 0)
                .result("wmP1006", 5, 0);
        transfers.poll().block();

        assertThat(status("wmP1001")).isEqualTo("COMPLETED");
        assertThat(status("wmP1003")).isEqualTo("WAITING");
        assertThat(status("wmP1004")).isEqualTo("REFUSED");
        assertThat(status("wmP1005")).isEqualTo("LIMIT_REACHED");
        assertThat(status("wmP1006")).isEqualTo("NO_RECORD");
        // five started customers at two a page: the poller followed next_cursor
        assertThat(wecom.requests("/cgi-bin/externalcontact/transfer_result")).hasSizeGreaterThanOrEqualTo(2);
        // the completed customer is now Dr. Zhao's in our records too; the others stay Dr. Li's
        assertThat(count("SELECT staff_id FROM patient_wecom_contact WHERE external_userid = 'wmP1001'")).isEqualTo(zhao);
        assertThat(count("SELECT staff_id FROM patient_wecom_contact WHERE external_userid = 'wmP1004'")).isEqualTo(li);

        // the head sees each patient's transfer on the handover page
        get("cardHead", "/api/handovers/{id}", handover.get("id")).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.wecomTransfers.length()").isEqualTo(6)
                .jsonPath("$.wecomTransfers[?(@.status == 'COMPLETED')].externalUserId").isEqualTo("wmP1001");
    }

    @Test
    void aCustomerMovedTwiceIn90Days_isNotSent_andThePreviewSaysWhy() {
        patientsWithContacts(2);
        // Dr. Li's customer wmP1001 was already moved twice in the last 90 days (by two earlier handovers)
        for (String when : List.of("30 days", "60 days")) {
            long earlier = count("""
                    INSERT INTO handover (hospital_id, request_id, from_staff_id, to_staff_id, reason, patients, tasks, alerts,
                        team_seats) VALUES (%d, gen_random_uuid(), %d, %d, 'MANUAL', 0, 0, 0, 0) RETURNING id"""
                    .formatted(hospital.hospitalId, zhao, li));
            db.sql("""
                    INSERT INTO customer_transfer (handover_id, patient_id, external_userid, handover_userid, takeover_userid,
                        resigned, status, created_at)
                    VALUES (:h, (SELECT id FROM patient WHERE mrn = 'P1001'), 'wmP1001', 'X', 'Y', FALSE, 'COMPLETED',
                            now() - CAST(:w AS INTERVAL))""").bind("h", earlier).bind("w", when).then().block();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> preview = post("cardHead", "/api/handovers/preview", Map.of("fromStaffId", li, "toStaffId", zhao))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(preview).containsEntry("wecomContacts", 2).containsEntry("wecomBlocked", 1);
        assertThat(preview.toString()).contains("LIMIT_90_DAYS", "ELIGIBLE");

        handOver();

        // only the other customer was asked for; the limited one is recorded as not sent
        assertThat(wecomTransfers.started()).containsExactly("wmP1002");
        assertThat(status("wmP1001")).isEqualTo("NOT_SENT_LIMIT");
    }

    @Test
    void moreThan100Customers_goInBatchesOf100() {
        patientsWithContacts(130);

        handOver();

        var calls = wecom.requests("/cgi-bin/externalcontact/transfer_customer");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).body().get("external_userid").size()).isEqualTo(100);
        assertThat(calls.get(1).body().get("external_userid").size()).isEqualTo(30);
        assertThat(count("SELECT count(*) FROM customer_transfer WHERE status = 'STARTED'")).isEqualTo(130);
    }

    @Test
    void wecomBusyWhenStarting_staysQueued_andThePollerSendsItLater_aRefusalCallbackIsRecorded() {
        patientsWithContacts(1);
        wecom.failNext("/cgi-bin/externalcontact/transfer_customer", 45009, "api freq out of limit");

        handOver(); // the handover itself succeeds

        assertThat(count("SELECT count(*) FROM patient WHERE responsible_staff_id = " + zhao)).isEqualTo(1);
        assertThat(status("wmP1001")).isEqualTo("QUEUED");
        transfers.poll().block();
        // sent now, and WeCom's result right after: waiting for the customer (24 h)
        assertThat(wecomTransfers.started()).containsExactly("wmP1001");
        assertThat(status("wmP1001")).isEqualTo("WAITING");

        // WeCom's transfer_fail callback: the customer refused
        for (WecomContactListener l : listeners) {
            l.customerTransferFailed("ZhaoYiSheng", "wmP1001", "customer_refused").block();
        }
        assertThat(status("wmP1001")).isEqualTo("REFUSED");
    }

    @Test
    void leftTheCorp_usesTheResignedTransfer() {
        patientsWithContacts(1);

        for (WecomContactListener l : listeners) {
            l.memberDeleted("LiYiSheng").block();
        }

        // the head takes over; the resigned (离职继承) endpoint was used, with the head's WeCom id
        assertThat(wecom.requests("/cgi-bin/externalcontact/transfer_customer")).isEmpty();
        assertThat(count("SELECT count(*) FROM customer_transfer WHERE resigned")).isEqualTo(0); // head has no WeCom id
        db.sql("UPDATE staff SET wecom_user_id = 'WangZhuRen' WHERE id = :h").bind("h", hospital.staff("cardHead")).then().block();
        db.sql("TRUNCATE handover, handover_item, customer_transfer CASCADE").then().block();
        db.sql("UPDATE patient SET responsible_staff_id = :li").bind("li", li).then().block();
        for (WecomContactListener l : listeners) {
            l.memberDeleted("LiYiSheng").block();
        }
        assertThat(wecom.requests("/cgi-bin/externalcontact/resigned/transfer_customer")).hasSize(1)
                .first().satisfies(r -> assertThat(r.body().get("takeover_userid").asString()).isEqualTo("WangZhuRen"));
        assertThat(status("wmP1001")).isEqualTo("STARTED");
    }
}
