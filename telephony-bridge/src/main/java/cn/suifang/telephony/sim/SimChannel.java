package cn.suifang.telephony.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/** One simulated channel (call leg) and the caller-profile data FreeSWITCH reports for it. */
final class SimChannel {

    final String uuid;
    final String name;
    final String destination;
    final String callerIdName;
    final String callerIdNumber;
    final long createdMicros;
    final Map<String, String> variables = new LinkedHashMap<>();
    final SimCall call;

    String callUuid;
    String state = "CS_INIT";
    int stateNumber = 2;
    String callState = "DOWN";
    String answerState = "ringing";
    boolean mediaUp;
    long progressMicros;
    long answeredMicros;
    long bridgedMicros;
    long hangupMicros;
    String hangupCause;
    SimChannel otherLeg;
    String otherType;
    String application = "";
    String applicationData = "";
    String recordPath;
    long recordStartMicros;

    SimChannel(SimCall call, String uuid, String name, String destination, String callerIdName,
               String callerIdNumber, long createdMicros) {
        this.call = call;
        this.uuid = uuid;
        this.name = name;
        this.destination = destination;
        this.callerIdName = callerIdName;
        this.callerIdNumber = callerIdNumber;
        this.createdMicros = createdMicros;
        this.callUuid = uuid;
    }

    void state(String state, int number) {
        this.state = state;
        this.stateNumber = number;
    }

    boolean isUp() {
        return hangupCause == null;
    }

    boolean isAnswered() {
        return answeredMicros != 0;
    }

    /** Like switch_channel_set_variable: a new value moves the variable to the end. */
    void set(String name, String value) {
        variables.remove(name);
        variables.put(name, value);
    }
}
