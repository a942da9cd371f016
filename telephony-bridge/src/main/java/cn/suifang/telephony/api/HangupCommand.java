package cn.suifang.telephony.api;

import java.util.Map;

/** Backend → bridge: the doctor cancelled from the workbench; hang up every leg of the call. */
public record HangupCommand(String callId) {

    public Map<String, String> toFields() {
        return Map.of("type", "HANGUP", "callId", callId);
    }
}
