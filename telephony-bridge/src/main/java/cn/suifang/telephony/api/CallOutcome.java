package cn.suifang.telephony.api;

/** How a call-back attempt ended, from the doctor's point of view. */
public enum CallOutcome {
    /** Doctor and patient talked (patient leg answered and bridged). */
    CONNECTED,
    /** The doctor's own phone was not answered (or was declined), so the patient was never dialled. */
    DOCTOR_NO_ANSWER,
    /** The patient's phone rang out. */
    PATIENT_NO_ANSWER,
    /** The patient's line was busy. */
    BUSY,
    /** The patient declined the call. */
    REJECTED,
    /** The patient's number does not exist or is unallocated. */
    INVALID_NUMBER,
    /** The switch or the carrier failed (gateway down, timeout, network error). */
    FAILED,
    /** The doctor hung up before the patient answered, or cancelled from the workbench. */
    CANCELLED
}
