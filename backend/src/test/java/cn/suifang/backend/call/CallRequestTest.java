package cn.suifang.backend.call;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.telephony.api.OriginateCommand;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CallRequestTest extends CallTestSupport {

    private long task;

    @BeforeEach
    void discharge() {
        task = dischargeAndTask("P001");
    }

    private void assertNothingWritten() {
        assertThat(count("SELECT count(*) FROM call_record")).isZero();
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CALL_REQUEST'")).isZero();
        assertThat(commandEntries()).isEmpty();
    }

    @Test
    void requestingACall_recordsItAndPutsExactlyOneOriginateCommandWithTheClearNumbers() {
        Map<String, Object> call = requestCall("cardDoc", task, 202);

        UUID id = UUID.fromString((String) call.get("id"));
        assertThat(call).containsEntry("status", "REQUESTED").containsEntry("patientPhoneMasked", "138****5678")
                .containsEntry("callerIdNumber", "02088880001").containsEntry("hasRecording", false);
        assertThat(call.toString()).doesNotContain("13812345678");
        List<Map<String, String>> entries = commandEntries();
        assertThat(entries).hasSize(1);
        OriginateCommand command = OriginateCommand.fromFields(entries.get(0));
        assertThat(command.callId()).isEqualTo(id.toString());
        assertThat(command.taskId()).isEqualTo(task);
        assertThat(command.doctorNumber()).isEqualTo(organisation.staffPhone(hospital.staff("cardDoc")).block())
                .isEqualTo("13900000002");
        assertThat(command.patientNumber()).isEqualTo("13812345678");
        assertThat(command.callerIdNumber()).isEqualTo("02088880001");
        assertThat(command.record()).isTrue();
        assertThat(command.gateway()).isEqualTo("hospital");
        assertThat(entries.get(0)).containsEntry("type", "ORIGINATE");
        Map<String, Object> row = callRow(id);
        assertThat(row).containsEntry("status", "REQUESTED").containsEntry("task_id", task)
                .containsEntry("staff_id", hospital.staff("cardDoc")).containsEntry("patient_id", patientOf(task))
                .containsEntry("department_id", hospital.departments.get("CARD"));
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'CALL_REQUEST' AND resource_id = '" + id
                + "' AND " + patientOf(task) + " = ANY (patient_ids)")).isEqualTo(1);
    }

    @Test
    void departmentWithoutOwnNumber_showsTheHospitalsOfficialNumber_andNoRecordingWithoutConsent() {
        db.sql("UPDATE department SET caller_id = NULL").then().block();
        db.sql("UPDATE patient SET consent_recording = FALSE").then().block();

        requestCall("cardDoc", task, 202);

        OriginateCommand command = OriginateCommand.fromFields(commandEntries().get(0));
        assertThat(command.callerIdNumber()).isEqualTo("02000000000");
        assertThat(command.record()).isFalse();
    }

    @Test
    void staffWhoMayNotSeeThePatient_getsTheSameNotFoundAsForANonexistentTask() {
        Map<String, Object> hidden = requestCall("endoDoc", task, 404);
        Map<String, Object> missing = requestCall("endoDoc", 999_999, 404);

        assertThat(hidden).containsEntry("code", "SF-2001");
        assertThat(hidden.get("detail")).isEqualTo(missing.get("detail"));
        assertThat(missing).containsEntry("code", "SF-2001");
        assertNothingWritten();
    }

    @Test
    void closedTask_isRefusedWith409() {
        db.sql("UPDATE follow_up_task SET status = 'COMPLETED' WHERE id = :id").bind("id", task).then().block();

        Map<String, Object> problem = requestCall("cardDoc", task, 409);

        assertThat(problem).containsEntry("code", "SF-2002");
        assertNothingWritten();
    }

    @Test
    void patientWhoWithdrewConsent_isNotCalled() {
        db.sql("UPDATE patient SET consent_follow_up = FALSE").then().block();

        Map<String, Object> problem = requestCall("cardDoc", task, 409);

        assertThat(problem).containsEntry("code", "SF-2003");
        assertThat((String) problem.get("detail")).contains("患者已拒绝随访");
        assertNothingWritten();
    }

    @Test
    void callerWithoutPhoneOnFile_isToldToRegisterOne() {
        db.sql("UPDATE staff SET phone_enc = NULL, phone_bidx = NULL WHERE id = :id")
                .bind("id", hospital.staff("cardDoc")).then().block();

        Map<String, Object> problem = requestCall("cardDoc", task, 409);

        assertThat(problem).containsEntry("code", "SF-2004");
        assertThat((String) problem.get("detail")).contains("登记手机号");
        assertNothingWritten();
    }

    @Test
    void patientWithoutPhone_isRefused() {
        db.sql("UPDATE patient SET phone_enc = NULL, phone_bidx = NULL").then().block();

        Map<String, Object> problem = requestCall("cardDoc", task, 409);

        assertThat(problem).containsEntry("code", "SF-2005");
        assertNothingWritten();
    }

    @Test
    void outsideCallingHours_isRefusedNamingTheHours() {
        clock.advance(Duration.ofMinutes(10 * 60 + 30)); // 10:00 → 20:30 local, the first minute no longer allowed

        Map<String, Object> problem = requestCall("cardDoc", task, 409);

        assertThat(problem).containsEntry("code", "SF-2006");
        assertThat((String) problem.get("detail")).contains("08:00–20:30");
        assertNothingWritten();
    }

    @Test
    void earlyMorning_isOutsideCallingHoursToo() {
        clock.advance(Duration.ofHours(-3)); // 07:00 local

        assertThat(requestCall("cardDoc", task, 409)).containsEntry("code", "SF-2006");
        assertNothingWritten();
    }

    @Test
    void secondCallWhileTheFirstIsActive_isRefusedAndWritesNothingMore() {
        requestCall("cardDoc", task, 202);

        Map<String, Object> problem = requestCall("cardDoc2", task, 409);

        assertThat(problem).containsEntry("code", "SF-2007");
        assertThat(count("SELECT count(*) FROM call_record")).isEqualTo(1);
        assertThat(commandEntries()).hasSize(1);
    }

    @Test
    void twoTapsAtTheSameMoment_startExactlyOneCall() throws Exception {
        String token = token("cardDoc");
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Integer>> taps = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                taps.add(pool.submit(() -> {
                    start.await();
                    return web.post().uri("/api/tasks/{id}/calls", task).header("Authorization", "Bearer " + token)
                            .exchange().returnResult(String.class).getStatus().value();
                }));
            }
            start.countDown();
            List<Integer> statuses = new java.util.ArrayList<>();
            for (var tap : taps) {
                statuses.add(tap.get());
            }

            assertThat(statuses).containsExactlyInAnyOrder(202, 409);
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("SELECT count(*) FROM call_record")).isEqualTo(1);
        assertThat(commandEntries()).hasSize(1);
    }

    @Test
    void commandThatCannotBeSent_closesTheCallAsFailedAndSays503() {
        // the command stream's key holds a plain string: XADD fails with WRONGTYPE
        redisson.getBucket(cn.suifang.telephony.api.TelephonyStreams.commands(prefix()),
                org.redisson.client.codec.StringCodec.INSTANCE).set("not a stream");

        Map<String, Object> problem = requestCall("cardDoc", task, 503);

        assertThat(problem).containsEntry("code", "SF-2014");
        assertThat(db.sql("SELECT status, outcome, hangup_cause FROM call_record").fetch().one().block())
                .containsEntry("status", "ENDED").containsEntry("outcome", "FAILED")
                .containsEntry("hangup_cause", "COMMAND_NOT_SENT");
        redisson.getKeys().delete(cn.suifang.telephony.api.TelephonyStreams.commands(prefix()));
        requestCall("cardDoc", task, 202);
    }

    @Test
    void callTheBridgeLostLongAgo_doesNotBlockANewOne() {
        requestCall("cardDoc", task, 202);
        clock.advance(Duration.ofMinutes(11));

        requestCall("cardDoc", task, 202);

        assertThat(count("SELECT count(*) FROM call_record")).isEqualTo(2);
    }

    @Test
    void eleventhCallOfADoctorWithinAMinute_isRateLimitedWithRetryAfter() {
        long[] tasks = {task, dischargeAndTask("P002"), dischargeAndTask("P003"), dischargeAndTask("P004")};
        for (int i = 0; i < 10; i++) {
            requestCall("cardDoc", tasks[i / 3], 202);
            endAllCalls();
        }

        var result = post("cardDoc", "/api/tasks/{id}/calls", Map.of(), tasks[3]).exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals("Retry-After", "60")
                .expectBody(Map.class).returnResult();

        assertThat(result.getResponseBody()).containsEntry("code", "SF-2008");
        assertThat(count("SELECT count(*) FROM call_record")).isEqualTo(10);
        assertThat(commandEntries()).hasSize(10);
    }

    @Test
    void fourthCallToAPatientWithinAnHour_isRateLimitedWhoeverCalls() {
        for (String staff : List.of("cardDoc", "cardDoc2", "cardNurse1")) {
            requestCall(staff, task, 202);
            endAllCalls();
        }

        var result = post("cardHead", "/api/tasks/{id}/calls", Map.of(), task).exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals("Retry-After", "3600")
                .expectBody(Map.class).returnResult();

        assertThat(result.getResponseBody()).containsEntry("code", "SF-2009");
        assertThat(count("SELECT count(*) FROM call_record")).isEqualTo(3);
        assertThat(commandEntries()).hasSize(3);
    }

    @Test
    void patientToken_cannotRequestACall() {
        web.post().uri("/api/tasks/{id}/calls", task).header("Authorization", "Bearer " + patientToken(patientOf(task)))
                .exchange().expectStatus().isForbidden();

        assertNothingWritten();
    }

    @Test
    void taskCallList_showsTheCallsNewestFirstWithMaskedNumbers() {
        UUID first = callFor("cardDoc", task);
        endAllCalls();
        clock.advance(Duration.ofMinutes(1));
        UUID second = callFor("cardDoc", task);

        List<?> list = get("cardNurse1", "/api/tasks/{id}/calls", task).exchange().expectStatus().isOk()
                .expectBody(List.class).returnResult().getResponseBody();

        assertThat(list).extracting("id").containsExactly(second.toString(), first.toString());
        assertThat(list).extracting("patientPhoneMasked").containsOnly("138****5678");
        get("endoDoc", "/api/tasks/{id}/calls", task).exchange().expectStatus().isNotFound();
    }
}
