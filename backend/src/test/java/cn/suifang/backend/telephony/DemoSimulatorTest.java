package cn.suifang.backend.telephony;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoSimulatorTest {

    @Test
    void patientNumber_isTheLastDialledDestination() {
        String args = "{origination_uuid=a,suifang_call_id=a}sofia/gateway/hospital/13900000002"
                + "&bridge({origination_uuid=b,leg_timeout=45}sofia/gateway/hospital/13812345673)";

        assertThat(DemoScenarios.lastDestination(args)).isEqualTo("13812345673");
        assertThat(DemoScenarios.lastDestination("no destination")).isNull();
    }

    @Test
    void scenario_followsTheLastDigit_andConnectsOtherwise() {
        assertThat(DemoScenarios.forPatientNumber("13812345678")).isSameAs(DemoScenarios.CONNECTED);
        assertThat(DemoScenarios.forPatientNumber(null)).isSameAs(DemoScenarios.CONNECTED);
        for (String n : new String[] {"1", "2", "3", "4"}) {
            assertThat(DemoScenarios.forPatientNumber("1381234567" + n)).isNotSameAs(DemoScenarios.CONNECTED);
        }
    }

    @Test
    void recording_isAValidPcmWav(@TempDir Path dir) throws Exception {
        Path root = dir.toAbsolutePath().normalize();
        DemoRecordings.write(root, root.resolve("2026/11/23/call.wav").toString());
        DemoRecordings.write(root, dir.resolve("../outside.wav").toString());

        byte[] wav = Files.readAllBytes(root.resolve("2026/11/23/call.wav"));
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(wav, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
        assertThat(b.getInt(4)).isEqualTo(wav.length - 8);
        assertThat(new String(wav, 8, 8, StandardCharsets.US_ASCII)).isEqualTo("WAVEfmt ");
        assertThat(b.getShort(20)).isEqualTo((short) 1);   // PCM
        assertThat(b.getShort(22)).isEqualTo((short) 1);   // mono
        assertThat(b.getInt(24)).isEqualTo(8000);
        assertThat(b.getShort(34)).isEqualTo((short) 16);
        assertThat(b.getInt(40)).isEqualTo(wav.length - 44).isEqualTo(16000);
        assertThat(Files.exists(dir.resolve("../outside.wav"))).isFalse();
        assertThat(DemoRecordings.tone(Duration.ofMillis(500))).hasSize(44 + 8000);
    }
}
