package cn.suifang.backend.call;

import static cn.suifang.telephony.api.CallEventType.RECORDING_READY;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

class CallRecordingTest extends CallTestSupport {

    private UUID call;
    private byte[] wav;

    @BeforeEach
    void callWithRecording() throws IOException {
        long task = dischargeAndTask("P001");
        call = callFor("cardDoc", task);
        wav = new byte[4000];
        for (int i = 0; i < wav.length; i++) {
            wav[i] = (byte) (i * 31);
        }
        System.arraycopy("RIFF".getBytes(), 0, wav, 0, 4);
        Path file = Path.of("target/test-recordings/2026/11/23/" + call + ".wav");
        Files.createDirectories(file.getParent());
        Files.write(file, wav);
    }

    private void recordingReadyAt(String path) {
        emit(event(call, RECORDING_READY, null, null, null, path));
        poll();
    }

    private long plays() {
        return count("SELECT count(*) FROM audit_event WHERE action = 'RECORDING_PLAY'");
    }

    @Test
    void rangeRequest_returnsPartialContentWithTheRightBytes() {
        recordingReadyAt("2026/11/23/" + call + ".wav");

        byte[] body = get("cardNurse1", "/api/calls/{id}/recording", call).header(HttpHeaders.RANGE, "bytes=100-199")
                .exchange()
                .expectStatus().isEqualTo(206)
                .expectHeader().valueEquals(HttpHeaders.CONTENT_RANGE, "bytes 100-199/4000")
                .expectHeader().valueEquals(HttpHeaders.ACCEPT_RANGES, "bytes")
                .expectBody(byte[].class).returnResult().getResponseBody();

        assertThat(body).isEqualTo(Arrays.copyOfRange(wav, 100, 200));
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'RECORDING_PLAY' AND resource_id = '" + call + "'"))
                .isEqualTo(1);
    }

    @Test
    void wholeRecording_isServedAsWavFromAnAbsolutePathUnderTheRoot() {
        recordingReadyAt(Path.of("target/test-recordings/2026/11/23/" + call + ".wav").toAbsolutePath().toString());

        byte[] body = get("cardDoc", "/api/calls/{id}/recording", call).exchange()
                .expectStatus().isOk()
                .expectHeader().contentType("audio/wav")
                .expectHeader().valueEquals(HttpHeaders.ACCEPT_RANGES, "bytes")
                .expectBody(byte[].class).returnResult().getResponseBody();

        assertThat(body).isEqualTo(wav);
    }

    @Test
    void recordingOfAPatientTheCallerMayNotSee_isNotFoundAndNotAudited() {
        recordingReadyAt("2026/11/23/" + call + ".wav");

        get("endoDoc", "/api/calls/{id}/recording", call).header(HttpHeaders.RANGE, "bytes=0-99").exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2010");

        assertThat(plays()).isZero();
    }

    @Test
    void recordingPathEscapingTheRoot_isRefused() throws IOException {
        Path outside = Path.of("target/outside-recordings.wav").toAbsolutePath();
        Files.write(outside, wav);
        recordingReadyAt("../outside-recordings.wav");

        get("cardDoc", "/api/calls/{id}/recording", call).exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2013");

        assertThat(plays()).isZero();
    }

    @Test
    void absolutePathOutsideTheRoot_isRefused() {
        recordingReadyAt("/etc/hostname");

        get("cardDoc", "/api/calls/{id}/recording", call).exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2013");
    }

    @Test
    void callWithoutRecording_saysSo() {
        get("cardDoc", "/api/calls/{id}/recording", call).exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("SF-2012");
    }
}
