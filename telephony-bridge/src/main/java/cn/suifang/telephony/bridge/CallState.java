package cn.suifang.telephony.bridge;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the bridge knows about one call. Confined to the ESL client's event-loop thread; persisted as a flat
 * string map so another bridge instance can take the call over after a crash.
 */
final class CallState {

    final String callId;
    final long taskId;
    final String doctorUuid;
    final String patientUuid;
    final boolean record;
    final String recordingPath;
    String jobUuid;

    boolean doctorCreated;
    boolean doctorRinging;
    boolean doctorAnswered;
    boolean patientCreated;
    boolean patientRinging;
    boolean patientAnswered;
    long patientAnsweredWallMillis;
    boolean bridged;
    String doctorHangupCause;
    String patientHangupCause;
    boolean doctorHungUpFirst;
    String originateDisposition;
    boolean doctorComplete;
    boolean patientComplete;
    boolean recordingReady;
    boolean cancelRequested;
    String jobError;
    Integer billsec;
    Integer doctorDuration;
    Integer patientDuration;
    boolean ended;

    CallState(String callId, long taskId, String doctorUuid, String patientUuid, boolean record, String recordingPath) {
        this.callId = callId;
        this.taskId = taskId;
        this.doctorUuid = doctorUuid;
        this.patientUuid = patientUuid;
        this.record = record;
        this.recordingPath = recordingPath;
    }

    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("callId", callId);
        m.put("taskId", Long.toString(taskId));
        m.put("doctorUuid", doctorUuid);
        m.put("patientUuid", patientUuid);
        m.put("record", Boolean.toString(record));
        put(m, "recordingPath", recordingPath);
        put(m, "jobUuid", jobUuid);
        flag(m, "doctorCreated", doctorCreated);
        flag(m, "doctorRinging", doctorRinging);
        flag(m, "doctorAnswered", doctorAnswered);
        flag(m, "patientCreated", patientCreated);
        flag(m, "patientRinging", patientRinging);
        flag(m, "patientAnswered", patientAnswered);
        m.put("patientAnsweredWallMillis", Long.toString(patientAnsweredWallMillis));
        flag(m, "bridged", bridged);
        put(m, "doctorHangupCause", doctorHangupCause);
        put(m, "patientHangupCause", patientHangupCause);
        flag(m, "doctorHungUpFirst", doctorHungUpFirst);
        put(m, "originateDisposition", originateDisposition);
        flag(m, "doctorComplete", doctorComplete);
        flag(m, "patientComplete", patientComplete);
        flag(m, "recordingReady", recordingReady);
        flag(m, "cancelRequested", cancelRequested);
        put(m, "jobError", jobError);
        put(m, "billsec", billsec == null ? null : billsec.toString());
        put(m, "doctorDuration", doctorDuration == null ? null : doctorDuration.toString());
        put(m, "patientDuration", patientDuration == null ? null : patientDuration.toString());
        flag(m, "ended", ended);
        return m;
    }

    static CallState fromMap(Map<String, String> m) {
        CallState s = new CallState(m.get("callId"), Long.parseLong(m.getOrDefault("taskId", "0")),
                m.get("doctorUuid"), m.get("patientUuid"), Boolean.parseBoolean(m.get("record")),
                m.get("recordingPath"));
        s.jobUuid = m.get("jobUuid");
        s.doctorCreated = flag(m, "doctorCreated");
        s.doctorRinging = flag(m, "doctorRinging");
        s.doctorAnswered = flag(m, "doctorAnswered");
        s.patientCreated = flag(m, "patientCreated");
        s.patientRinging = flag(m, "patientRinging");
        s.patientAnswered = flag(m, "patientAnswered");
        s.patientAnsweredWallMillis = Long.parseLong(m.getOrDefault("patientAnsweredWallMillis", "0"));
        s.bridged = flag(m, "bridged");
        s.doctorHangupCause = m.get("doctorHangupCause");
        s.patientHangupCause = m.get("patientHangupCause");
        s.doctorHungUpFirst = flag(m, "doctorHungUpFirst");
        s.originateDisposition = m.get("originateDisposition");
        s.doctorComplete = flag(m, "doctorComplete");
        s.patientComplete = flag(m, "patientComplete");
        s.recordingReady = flag(m, "recordingReady");
        s.cancelRequested = flag(m, "cancelRequested");
        s.jobError = m.get("jobError");
        s.billsec = integer(m.get("billsec"));
        s.doctorDuration = integer(m.get("doctorDuration"));
        s.patientDuration = integer(m.get("patientDuration"));
        s.ended = flag(m, "ended");
        return s;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static void flag(Map<String, String> m, String key, boolean value) {
        if (value) {
            m.put(key, "true");
        }
    }

    private static boolean flag(Map<String, String> m, String key) {
        return Boolean.parseBoolean(m.get(key));
    }

    private static Integer integer(String s) {
        return s == null ? null : Integer.valueOf(s);
    }
}
