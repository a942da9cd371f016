package cn.suifang.telephony.api;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bridge → backend: one thing that happened on a call. The backend applies events idempotently and in
 * order per call: the key is (callId, coreUuid, sequence), where {@code sequence} is FreeSWITCH's
 * Event-Sequence of the channel event this came from (counters restart with a new Core-UUID when the
 * switch restarts, hence both). Events synthesised by the bridge itself (e.g. after reconciling a call
 * that ended while the link was down) use {@code coreUuid} "bridge" and a sequence the bridge assigns.
 *
 * @param leg            DOCTOR, PATIENT, or CALL for events about the whole call
 * @param outcome        set on CALL_ENDED
 * @param billsec        talk time in seconds (patient leg answered → hang-up), set on CALL_ENDED
 * @param durationSec    total duration of the call in seconds, set on CALL_ENDED
 * @param recordingPath  path of the recording on the switch, set on RECORDING_READY
 */
public record CallEvent(String callId, String coreUuid, long sequence, CallEventType type, String leg,
                        String channelUuid, String hangupCause, CallOutcome outcome, Integer billsec,
                        Integer durationSec, String recordingPath, Instant occurredAt) {

    public Map<String, String> toFields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("callId", callId);
        f.put("coreUuid", coreUuid);
        f.put("sequence", Long.toString(sequence));
        f.put("type", type.name());
        put(f, "leg", leg);
        put(f, "channelUuid", channelUuid);
        put(f, "hangupCause", hangupCause);
        put(f, "outcome", outcome == null ? null : outcome.name());
        put(f, "billsec", billsec == null ? null : billsec.toString());
        put(f, "durationSec", durationSec == null ? null : durationSec.toString());
        put(f, "recordingPath", recordingPath);
        f.put("occurredAt", Long.toString(occurredAt.toEpochMilli()));
        return f;
    }

    public static CallEvent fromFields(Map<String, String> f) {
        return new CallEvent(f.get("callId"), f.get("coreUuid"), Long.parseLong(f.get("sequence")),
                CallEventType.valueOf(f.get("type")), f.get("leg"), f.get("channelUuid"), f.get("hangupCause"),
                f.get("outcome") == null ? null : CallOutcome.valueOf(f.get("outcome")),
                f.get("billsec") == null ? null : Integer.valueOf(f.get("billsec")),
                f.get("durationSec") == null ? null : Integer.valueOf(f.get("durationSec")),
                f.get("recordingPath"), Instant.ofEpochMilli(Long.parseLong(f.get("occurredAt"))));
    }

    private static void put(Map<String, String> f, String key, String value) {
        if (value != null) {
            f.put(key, value);
        }
    }
}
