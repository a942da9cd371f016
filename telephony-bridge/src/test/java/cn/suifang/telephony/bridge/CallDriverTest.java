package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.OriginateCommand;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class CallDriverTest {

    @Test
    void originateStringRingsTheDoctorFirstThenBridgesToThePatientWithTheOfficialNumberAndRecording() {
        CallDriver driver = new CallDriver(BridgeProperties.defaults(), null, null,
                Clock.fixed(Instant.parse("2026-01-31T17:00:00Z"), ZoneOffset.UTC));
        String id = "3f1c2d3e-0000-4000-8000-000000000001";
        OriginateCommand cmd = new OriginateCommand(id, 77, "13900001111", "13800138000", "057188880000",
                "浙江省人民医院", true, "hospital");
        CallState state = new CallState(id, 77, id, CallDriver.patientUuid(id), true,
                "/var/lib/freeswitch/recordings/2026/02/01/" + id + ".wav");

        String line = driver.originateCommand(cmd, state);

        String common = "suifang_call_id=" + id + ",suifang_task_id=77,ignore_early_media=true,"
                + "origination_caller_id_number=057188880000,origination_caller_id_name='浙江省人民医院'";
        assertThat(line).isEqualTo("originate {origination_uuid=" + id + "," + common
                + ",originate_timeout=30,hangup_after_bridge=true}sofia/gateway/hospital/13900001111"
                + " &bridge({origination_uuid=" + CallDriver.patientUuid(id) + "," + common + ",leg_timeout=45"
                + ",RECORD_STEREO=true,execute_on_answer='record_session /var/lib/freeswitch/recordings/2026/02/01/"
                + id + ".wav'}sofia/gateway/hospital/13800138000)");
    }

    @Test
    void patientLegUuidIsDeterministicAndDistinct() {
        assertThat(CallDriver.patientUuid("42")).isEqualTo(CallDriver.patientUuid("42"))
                .isNotEqualTo(CallDriver.patientUuid("43")).hasSize(36);
    }

    @Test
    void stateSurvivesTheStoreRoundTrip() {
        CallState s = new CallState("c9", 5, "c9", CallDriver.patientUuid("c9"), true, "/r/c9.wav");
        s.doctorAnswered = true;
        s.patientHangupCause = "USER_BUSY";
        s.billsec = 12;
        CallState back = CallState.fromMap(RedisCallStore.parse(cn.suifang.telephony.esl.EslJson.write(s.toMap())));
        assertThat(back.toMap()).isEqualTo(s.toMap());
    }

    @Test
    void propertiesReadDurationsAndOverrides() {
        BridgeProperties p = BridgeProperties.load(key -> switch (key) {
            case "suifang.esl.port" -> "18021";
            case "suifang.telephony.doctor-timeout" -> "25s";
            case "suifang.telephony.reclaim-idle" -> "1500ms";
            default -> null;
        });
        assertThat(p.eslPort()).isEqualTo(18021);
        assertThat(p.doctorTimeout().toSeconds()).isEqualTo(25);
        assertThat(p.reclaimIdle().toMillis()).isEqualTo(1500);
        assertThat(p.toString()).doesNotContain(p.eslPassword());
    }
}
