package cn.suifang.telephony.api;

/**
 * What happened on a call, in the order it normally happens. {@link #rank()} lets the backend ignore an
 * event that arrives after a later one (never move a call backwards).
 */
public enum CallEventType {
    /** The switch accepted the originate (bgapi reply); the doctor's phone is about to ring. */
    ORIGINATE_ACCEPTED(1),
    DOCTOR_RINGING(2),
    DOCTOR_ANSWERED(3),
    PATIENT_RINGING(4),
    PATIENT_ANSWERED(5),
    BRIDGED(6),
    /** A leg hung up; the call may still be ending. */
    HANGUP(7),
    /** The recording file is complete and can be fetched at {@code recordingPath}. */
    RECORDING_READY(8),
    /** Final: outcome, hang-up cause, billsec and duration are set. Exactly one per call. */
    CALL_ENDED(9);

    private final int rank;

    CallEventType(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }
}
