package cn.suifang.backend.telephony;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.call.CallEventConsumer;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.support.IntegrationTest;
import cn.suifang.telephony.sim.EslSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole chain in one JVM: REST request → commands stream → embedded {@code TelephonyBridge} → ESL →
 * {@link EslSimulator} (virtual time, started by the test) → events stream → {@link CallEventConsumer#pollOnce()}
 * → call_record / call_event in PostgreSQL → recording played back with a Range request.
 * <p>
 * A key prefix of its own keeps the bridge's consumer group away from the commands other call tests put
 * in their streams (and the other tests' Redis clean-up away from this bridge).
 */
@TestPropertySource(properties = {
        "suifang.redis.key-prefix=${SUIFANG_TEST_DB:suifang_test}-e2e",
        "suifang.telephony.embedded-bridge=true",
        "suifang.telephony.simulator=false",
        "suifang.telephony.consume-events=false",
        "suifang.telephony.recordings-dir=target/e2e-recordings"})
class EmbeddedBridgeEndToEndTest extends IntegrationTest {

    private static final Path RECORDINGS = Path.of("target/e2e-recordings").toAbsolutePath().normalize();
    private static final EslSimulator SIMULATOR = EslSimulator.builder()
            .manualTime(Instant.parse("2026-11-23T02:00:00Z"))
            .scriptResolver(DemoScenarios::forOriginate)
            .onRecordingStopped(DemoRecordings.writer(RECORDINGS))
            .build()
            .start();

    @Autowired
    private RedissonClient redisson;
    @Autowired
    private SuifangProperties properties;
    @Autowired
    private CallEventConsumer consumer;

    @DynamicPropertySource
    static void esl(DynamicPropertyRegistry registry) {
        registry.add("suifang.esl.host", () -> "127.0.0.1");
        registry.add("suifang.esl.port", SIMULATOR::port);
        registry.add("suifang.esl.password", SIMULATOR::password);
    }

    @AfterAll
    static void stopSimulator() {
        SIMULATOR.close();
    }

    @BeforeEach
    void clearRateLimits() {
        String prefix = properties.redis().keyPrefix();
        for (String pattern : List.of(prefix + ":call:*", "{" + prefix + ":call:*")) {
            redisson.getKeys().deleteByPattern(pattern);
        }
    }

    @Test
    void connectedCall_endsConnectedWithTalkTimeEventsAndAPlayableRecording() throws Exception {
        long task = dischargeAndTask("E2E001");

        UUID call = requestCall(task);
        Map<String, Object> row = driveUntilEnded(call);

        assertThat(row).containsEntry("status", "ENDED").containsEntry("outcome", "CONNECTED");
        assertThat(((Number) row.get("billsec")).intValue()).isPositive();
        assertThat(row.get("doctor_answered_at")).isNotNull();
        assertThat(row.get("patient_answered_at")).isNotNull();
        assertThat(count("SELECT count(*) FROM call_event WHERE call_id = '" + call + "' AND core_uuid = '"
                + SIMULATOR.coreUuid() + "'")).isGreaterThanOrEqualTo(4);
        for (String type : List.of("DOCTOR_ANSWERED", "PATIENT_ANSWERED", "RECORDING_READY", "CALL_ENDED")) {
            assertThat(count("SELECT count(*) FROM call_event WHERE call_id = '" + call + "' AND type = '" + type + "'"))
                    .as(type).isEqualTo(1);
        }
        String recording = (String) row.get("recording_path");
        assertThat(recording).endsWith(call + ".wav");
        Path file = RECORDINGS.resolve(recording);
        for (int i = 0; i < 200 && !Files.isRegularFile(file); i++) {
            Thread.sleep(25);
        }
        byte[] head = get("cardDoc", "/api/calls/{id}/recording", call).header(HttpHeaders.RANGE, "bytes=0-11")
                .exchange()
                .expectStatus().isEqualTo(206)
                .expectBody(byte[].class).returnResult().getResponseBody();
        assertThat(new String(head, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("RIFF");
        assertThat(new String(head, 8, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("WAVE");
    }

    @Test
    void busyPatient_endsBusyWithoutTalkTime() throws Exception {
        long task = dischargeAndTask("E2E002");
        SIMULATOR.enqueueScript(DemoScenarios.forPatientNumber("13800000002"));

        UUID call = requestCall(task);
        Map<String, Object> row = driveUntilEnded(call);

        assertThat(row).containsEntry("status", "ENDED").containsEntry("outcome", "BUSY")
                .containsEntry("hangup_cause", "USER_BUSY");
        assertThat(row.get("billsec") == null || ((Number) row.get("billsec")).intValue() == 0).isTrue();
        assertThat(row.get("patient_answered_at")).isNull();
        assertThat(count("SELECT count(*) FROM call_event WHERE call_id = '" + call + "' AND type = 'CALL_ENDED'"))
                .isEqualTo(1);
    }

    // ------------------------------------------------------------------ helpers

    private long dischargeAndTask(String mrn) {
        importBatch(pciDischarge("ZY-" + mrn, mrn, 3));
        return count("SELECT t.id FROM follow_up_task t JOIN patient p ON p.id = t.patient_id WHERE p.mrn = '" + mrn
                + "' ORDER BY t.due_date, t.id LIMIT 1");
    }

    @SuppressWarnings("unchecked")
    private UUID requestCall(long task) throws InterruptedException {
        Map<String, Object> call = post("cardDoc", "/api/tasks/{id}/calls", Map.of(), task).exchange()
                .expectStatus().isEqualTo(202)
                .expectBody(Map.class).returnResult().getResponseBody();
        UUID id = UUID.fromString((String) call.get("id"));
        // the bridge picks the command up in real time; the simulator's clock stands still meanwhile
        for (int i = 0; i < 400 && !SIMULATOR.channelUuids().contains(id.toString()); i++) {
            Thread.sleep(25);
        }
        assertThat(SIMULATOR.channelUuids()).as("doctor leg originated").contains(id.toString());
        return id;
    }

    /** Moves virtual time a second at a time, applying whatever events arrived, until the call ended. */
    private Map<String, Object> driveUntilEnded(UUID call) throws InterruptedException {
        Map<String, Object> row = callRow(call);
        for (int i = 0; i < 600 && !"ENDED".equals(row.get("status")); i++) {
            if (i < 120) {
                SIMULATOR.advance(Duration.ofSeconds(1));
            }
            Thread.sleep(20);
            consumer.pollOnce().block();
            row = callRow(call);
        }
        assertThat(row.get("status")).as("call status").isEqualTo("ENDED");
        return row;
    }

    private Map<String, Object> callRow(UUID callId) {
        return db.sql("SELECT * FROM call_record WHERE id = :id").bind("id", callId).fetch().one().block();
    }
}
