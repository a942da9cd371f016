package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallEvent;

/** Where call events go (the events stream); must not block and must keep each call's events in order. */
public interface CallEventSink {
    void publish(CallEvent event);
}
