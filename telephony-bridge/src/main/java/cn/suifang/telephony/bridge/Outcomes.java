package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallOutcome;
import cn.suifang.telephony.api.HangupOutcomes;

/** The bridge's view of a call → the outcome the doctor sees, by the shared {@link HangupOutcomes} mapping. */
final class Outcomes {

    record Decision(CallOutcome outcome, String cause) {
    }

    private Outcomes() {
    }

    static Decision decide(CallState s) {
        HangupOutcomes.Decision d = HangupOutcomes.decide(new HangupOutcomes.Facts(s.doctorAnswered, s.patientAnswered,
                s.doctorHangupCause, s.patientHangupCause, s.doctorHungUpFirst, s.originateDisposition,
                s.cancelRequested, s.jobError));
        return new Decision(d.outcome(), d.cause());
    }
}
