package cn.suifang.telephony.api;

import java.util.Set;

/**
 * Hang-up causes (Q.850 names as FreeSWITCH prints them) and what is known about the two legs → the outcome
 * the doctor sees. The one mapping for the bridge (from channel events) and the backend (from CDRs).
 */
public final class HangupOutcomes {

    /**
     * What is known about a finished call.
     *
     * @param originateDisposition the doctor leg's {@code originate_disposition}: why the patient leg failed
     *                             when it never existed as a channel of its own
     * @param jobError             the originate job's error when no channel was ever created
     */
    public record Facts(boolean doctorAnswered, boolean patientAnswered, String doctorHangupCause,
                        String patientHangupCause, boolean doctorHungUpFirst, String originateDisposition,
                        boolean cancelRequested, String jobError) {
    }

    public record Decision(CallOutcome outcome, String cause) {
    }

    public static final Set<String> DOCTOR_NOT_ANSWERED = Set.of("NO_ANSWER", "NO_USER_RESPONSE", "USER_BUSY",
            "CALL_REJECTED", "ORIGINATOR_CANCEL", "ALLOTTED_TIMEOUT");
    /** Causes that mean "the doctor's side ended it" when seen on the doctor leg before the patient answered. */
    private static final Set<String> DOCTOR_CLEARED = Set.of("NORMAL_CLEARING", "ORIGINATOR_CANCEL", "MANAGER_REQUEST");

    private HangupOutcomes() {
    }

    public static Decision decide(Facts s) {
        if (s.patientAnswered()) {
            return new Decision(CallOutcome.CONNECTED, first(s.patientHangupCause(), s.doctorHangupCause(), "NORMAL_CLEARING"));
        }
        if (!s.doctorAnswered()) {
            String cause = first(s.doctorHangupCause(), s.jobError(), "UNKNOWN");
            if (s.cancelRequested()) {
                return new Decision(CallOutcome.CANCELLED, cause);
            }
            return new Decision(DOCTOR_NOT_ANSWERED.contains(cause) ? CallOutcome.DOCTOR_NO_ANSWER : CallOutcome.FAILED,
                    cause);
        }
        if (s.cancelRequested()) {
            return new Decision(CallOutcome.CANCELLED, first(s.doctorHangupCause(), s.patientHangupCause(), "NORMAL_CLEARING"));
        }
        if (s.patientHangupCause() != null && !s.doctorHungUpFirst()) {
            return new Decision(patient(s.patientHangupCause()), s.patientHangupCause());
        }
        // the doctor leg ended first, or the patient leg was never created: a failed B-leg hangs up the A-leg
        // with the same cause and leaves it in originate_disposition
        String disposition = s.originateDisposition() == null || s.originateDisposition().equalsIgnoreCase("SUCCESS")
                ? null : s.originateDisposition();
        String cause = first(disposition, s.doctorHangupCause(), "NORMAL_CLEARING");
        if (DOCTOR_CLEARED.contains(cause)) {
            return new Decision(CallOutcome.CANCELLED, cause);
        }
        return new Decision(patient(cause), cause);
    }

    public static CallOutcome patient(String cause) {
        return switch (cause) {
            case "NO_ANSWER", "NO_USER_RESPONSE", "ALLOTTED_TIMEOUT", "SUBSCRIBER_ABSENT" -> CallOutcome.PATIENT_NO_ANSWER;
            case "USER_BUSY" -> CallOutcome.BUSY;
            case "CALL_REJECTED" -> CallOutcome.REJECTED;
            case "UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT", "NO_ROUTE_DESTINATION", "NUMBER_CHANGED" ->
                    CallOutcome.INVALID_NUMBER;
            case "ORIGINATOR_CANCEL" -> CallOutcome.CANCELLED;
            default -> CallOutcome.FAILED;
        };
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }
}
