package cn.suifang.telephony.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Backend → bridge: ring the doctor's own phone, then bridge to the patient showing the hospital's
 * official number. {@code callId} is the backend's id for the call and becomes the FreeSWITCH
 * {@code origination_uuid} of the doctor leg, so a retried command can never dial twice.
 * <p>
 * The numbers are sensitive personal information: never log a command; the stream is trimmed.
 */
public record OriginateCommand(String callId, long taskId, String doctorNumber, String patientNumber,
                               String callerIdNumber, String callerIdName, boolean record, String gateway) {

    public OriginateCommand {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(doctorNumber, "doctorNumber");
        Objects.requireNonNull(patientNumber, "patientNumber");
        Objects.requireNonNull(callerIdNumber, "callerIdNumber");
        Objects.requireNonNull(gateway, "gateway");
    }

    public Map<String, String> toFields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("type", "ORIGINATE");
        f.put("callId", callId);
        f.put("taskId", Long.toString(taskId));
        f.put("doctorNumber", doctorNumber);
        f.put("patientNumber", patientNumber);
        f.put("callerIdNumber", callerIdNumber);
        f.put("callerIdName", callerIdName == null ? "" : callerIdName);
        f.put("record", Boolean.toString(record));
        f.put("gateway", gateway);
        return f;
    }

    public static OriginateCommand fromFields(Map<String, String> f) {
        return new OriginateCommand(f.get("callId"), Long.parseLong(f.getOrDefault("taskId", "0")), f.get("doctorNumber"),
                f.get("patientNumber"), f.get("callerIdNumber"), emptyToNull(f.get("callerIdName")),
                Boolean.parseBoolean(f.get("record")), f.get("gateway"));
    }

    @Override
    public String toString() {
        return "OriginateCommand[callId=" + callId + ", taskId=" + taskId + "]";
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
