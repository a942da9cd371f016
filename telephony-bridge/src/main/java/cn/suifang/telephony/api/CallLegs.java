package cn.suifang.telephony.api;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * How a call's two FreeSWITCH channels are named, so anything that sees a channel (an ESL event, a
 * mod_json_cdr record) can tell which call and which leg it belongs to. The doctor leg's
 * {@code origination_uuid} is the call id; the patient leg's is a name-based (v3) UUID of
 * {@code "suifang-patient-leg:" + callId}. Both legs carry the channel variables below.
 */
public final class CallLegs {

    /** Channel variable holding the call id, on both legs. */
    public static final String CALL_ID_VARIABLE = "suifang_call_id";
    /** Channel variable holding the follow-up task id, on both legs. */
    public static final String TASK_ID_VARIABLE = "suifang_task_id";

    private CallLegs() {
    }

    public static String doctorLegUuid(String callId) {
        return callId;
    }

    public static String patientLegUuid(String callId) {
        return UUID.nameUUIDFromBytes(("suifang-patient-leg:" + callId).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
