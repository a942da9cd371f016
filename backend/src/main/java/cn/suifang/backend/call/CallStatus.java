package cn.suifang.backend.call;

/** Where a call-back stands, as the workbench shows it. Moves only forward. */
public enum CallStatus {
    REQUESTED("正在发起呼叫"),
    DIALING_DOCTOR("正在呼叫您的电话"),
    RINGING_PATIENT("正在呼叫患者"),
    IN_CALL("通话中"),
    ENDED("通话已结束");

    private final String label;

    CallStatus(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
