package cn.suifang.backend.wecom;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.support.FakeWecomDirectory;
import cn.suifang.backend.support.IntegrationTest;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonReactiveClient;
import org.springframework.beans.factory.annotation.Autowired;

/** Staff from WeCom's directory: created, updated by role rules, never deleted — handed over and deactivated. */
class WecomDirectorySyncTest extends IntegrationTest {

    @Autowired
    WecomDirectorySync sync;
    @Autowired
    RedissonReactiveClient redis;
    @Autowired
    cn.suifang.backend.common.SuifangProperties properties;

    private FakeWecomDirectory directory;

    @BeforeEach
    void cardiologyOnWecom() {
        directory = FakeWecomDirectory.install(wecom)
                .department(1, "测试医院").department(2, "心血管内科").department(3, "行政办公室")
                .member("D001", "李医生", 2, "主治医师", false)          // already Suifang's cardDoc (employee no. D001)
                .member("xinyisheng", "辛医生", 2, "住院医师", false)
                .member("xinhushi", "辛护士", 2, "护师", false)
                .member("xinzhuren", "辛主任", 2, "", true)              // 部门负责人, no position text
                .member("wenyuan", "文员甲", 2, "文员", false)            // no rule matches
                .member("xingzheng", "行政乙", 3, "干事", false);         // a department Suifang does not follow
        put("admin", "/api/admin/departments/CARD/wecom-department", Map.of("wecomDepartmentId", 2)).expectStatus().isOk();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec put(String who, String uri, Object body) {
        return web.put().uri(uri).header("Authorization", "Bearer " + token(who))
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private String roles(String userId) {
        return db.sql("SELECT array_to_string(roles, ',') FROM staff WHERE wecom_user_id = :u").bind("u", userId)
                .map(r -> r.get(0, String.class)).one().block();
    }

    @Test
    void membersBecomeStaffWithRolesByRule_existingStaffAreLinked_andASecondRunChangesNothing() {
        long staffBefore = count("SELECT count(*) FROM staff");

        @SuppressWarnings("unchecked")
        Map<String, Object> report = web.post().uri("/api/admin/wecom/sync").header("Authorization", "Bearer " + token("admin"))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();

        assertThat(report).containsEntry("status", "COMPLETED").containsEntry("created", 4).containsEntry("deactivated", 0);
        assertThat(count("SELECT count(*) FROM staff")).isEqualTo(staffBefore + 4);
        assertThat(count("SELECT id FROM staff WHERE wecom_user_id = 'D001'")).isEqualTo(hospital.staff("cardDoc"));
        assertThat(roles("xinyisheng")).isEqualTo("PHYSICIAN");
        assertThat(roles("xinhushi")).isEqualTo("NURSE_COORDINATOR");
        assertThat(roles("xinzhuren")).contains("DEPARTMENT_HEAD", "PHYSICIAN");
        assertThat(roles("wenyuan")).isEmpty();
        assertThat(report.get("ruleMisses").toString()).contains("wenyuan");
        assertThat(report.get("unmappedDepartments").toString()).contains("3 行政办公室");
        assertThat(count("SELECT count(*) FROM staff WHERE wecom_user_id = 'xingzheng'")).isZero();
        assertThat(count("SELECT count(*) FROM staff s JOIN department d ON d.id = s.department_id "
                + "WHERE s.wecom_user_id = 'xinhushi' AND d.code = 'CARD'")).isEqualTo(1);

        WecomDirectorySync.Report again = sync.syncNow("ADMIN").block();
        assertThat(again.created()).isZero();
        assertThat(again.updated()).isZero();
        assertThat(again.unchanged()).isEqualTo(5);
    }

    @Test
    void aNewPosition_changesTheRoles_butAnAdministratorStaysOne() {
        sync.syncNow("ADMIN").block();
        db.sql("UPDATE staff SET roles = roles || CAST('{ADMIN}' AS VARCHAR[]) WHERE wecom_user_id = 'xinyisheng'").then().block();

        directory.member("xinyisheng", "辛医生", 2, "科主任", false);
        WecomDirectorySync.Report report = sync.syncNow("ADMIN").block();

        assertThat(report.updated()).isEqualTo(1);
        assertThat(roles("xinyisheng")).contains("DEPARTMENT_HEAD", "PHYSICIAN", "ADMIN");
    }

    @Test
    void aMemberGoneFromWecom_isHandedOverThenDeactivated_tokensRevoked_historyKept() {
        sync.syncNow("ADMIN").block();
        long gone = count("SELECT id FROM staff WHERE wecom_user_id = 'xinyisheng'");
        importBatch(pciDischarge("ZY001", "P001", 3));
        db.sql("UPDATE follow_up_task SET assignee_id = :s WHERE id = (SELECT min(id) FROM follow_up_task)").bind("s", gone)
                .then().block();
        String token = tokens.issue(organisation.principalOf(gone).block()).block();

        directory.remove("xinyisheng");
        WecomDirectorySync.Report report = sync.syncNow("ADMIN").block();

        assertThat(report.deactivated()).isEqualTo(1);
        assertThat(wecomEvents.calls()).contains("memberDeleted xinyisheng");
        assertThat(count("SELECT count(*) FROM staff WHERE id = " + gone + " AND NOT active")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task WHERE assignee_id = " + gone + " AND status = 'PENDING'")).isZero();
        assertThat(count("SELECT count(*) FROM handover WHERE from_staff_id = " + gone + " AND reason = 'MEMBER_LEFT'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM follow_up_task")).isPositive(); // nothing deleted
        web.get().uri("/api/me").header("Authorization", "Bearer " + token).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void aDepartmentWecomWouldNotList_makesTheRunPartial_andNobodyIsDeactivatedOnThatEvidence() {
        sync.syncNow("ADMIN").block();
        wecom.failNext("/cgi-bin/user/list", 45009, "api freq out of limit"); // the first department read fails

        WecomDirectorySync.Report report = sync.syncNow("ADMIN").block();

        assertThat(report.status()).isEqualTo("PARTIAL");
        assertThat(report.errors()).anySatisfy(e -> assertThat(e).contains("errcode 45009"));
        assertThat(report.deactivated()).isZero();
        assertThat(count("SELECT count(*) FROM staff WHERE wecom_user_id IS NOT NULL AND NOT active")).isZero();
    }

    @Test
    void anotherInstanceSyncing_refusesASecondRun_andCallbacksUpdateOneMember() {
        var lock = redis.getLock(properties.redis().keyPrefix() + ":lock:wecom-sync");
        assertThat(lock.tryLock(0, 60_000, TimeUnit.MILLISECONDS, 7L).block()).isTrue();
        try {
            web.post().uri("/api/admin/wecom/sync").header("Authorization", "Bearer " + token("admin")).exchange()
                    .expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("SF-2220");
        } finally {
            lock.unlock(7L).block();
        }
        assertThat(count("SELECT count(*) FROM staff WHERE wecom_user_id = 'xinhushi'")).isZero();

        // WeCom's create_user callback for one member: that member only
        sync.memberChanged("xinhushi").block();
        assertThat(roles("xinhushi")).isEqualTo("NURSE_COORDINATOR");
        assertThat(count("SELECT count(*) FROM staff WHERE wecom_user_id = 'xinyisheng'")).isZero();
    }
}
