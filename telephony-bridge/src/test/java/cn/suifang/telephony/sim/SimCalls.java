package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;

import java.time.Instant;

/** Shared set-up: the callback originate the bridge is expected to send (doctor first, then the patient). */
final class SimCalls {

    static final Instant START = Instant.parse("2025-03-03T01:59:58Z");
    static final String DOCTOR_UUID = "8f1c2d3e-0000-4000-8000-00000000000a";
    static final String PATIENT_UUID = "8f1c2d3e-0000-4000-8000-00000000000b";
    static final String CALL_ID = "42";
    static final String OFFICIAL_NUMBER = "057188880000";
    static final String DOCTOR_NUMBER = "13900001111";
    static final String PATIENT_NUMBER = "13800138000";
    static final String RECORDING = "/var/lib/suifang/recordings/42-" + PATIENT_UUID + ".wav";
    static final String ALL_CALL_EVENTS = "CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_ANSWER CHANNEL_BRIDGE "
            + "CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE RECORD_START RECORD_STOP BACKGROUND_JOB";

    private SimCalls() {
    }

    static EslSimulator manualSimulator() {
        return EslSimulator.builder().manualTime(START).password("s3cret").hostname("fs-test")
                .coreUuid("c0de0000-0000-4000-8000-000000000001").build().start();
    }

    static String originateArgs(String doctorUuid, String patientUuid, String callId) {
        return "{origination_uuid=" + doctorUuid + ",suifang_call_id=" + callId
                + ",origination_caller_id_number=" + OFFICIAL_NUMBER + ",origination_caller_id_name='Suifang Hospital'"
                + ",ignore_early_media=true}sofia/gateway/hospital/" + DOCTOR_NUMBER
                + " &bridge({origination_uuid=" + patientUuid + ",suifang_call_id=" + callId
                + ",origination_caller_id_number=" + OFFICIAL_NUMBER
                + ",execute_on_answer='record_session /var/lib/suifang/recordings/${suifang_call_id}-${uuid}.wav'}"
                + "sofia/gateway/hospital/" + PATIENT_NUMBER + ")";
    }

    static EslCommand subscribeAll() {
        return EslCommand.of("event plain " + ALL_CALL_EVENTS);
    }

    static String originateArgs() {
        return originateArgs(DOCTOR_UUID, PATIENT_UUID, CALL_ID);
    }
}
