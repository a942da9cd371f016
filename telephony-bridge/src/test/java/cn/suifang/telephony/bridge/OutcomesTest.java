package cn.suifang.telephony.bridge;

import cn.suifang.telephony.api.CallOutcome;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutcomesTest {

    private static CallState state() {
        return new CallState("c1", 1, "c1", CallDriver.patientUuid("c1"), false, null);
    }

    @ParameterizedTest
    @CsvSource({"NO_ANSWER,DOCTOR_NO_ANSWER", "NO_USER_RESPONSE,DOCTOR_NO_ANSWER", "USER_BUSY,DOCTOR_NO_ANSWER",
            "CALL_REJECTED,DOCTOR_NO_ANSWER", "ORIGINATOR_CANCEL,DOCTOR_NO_ANSWER", "GATEWAY_DOWN,FAILED",
            "NETWORK_OUT_OF_ORDER,FAILED", "RECOVERY_ON_TIMER_EXPIRE,FAILED"})
    void doctorLegCauses(String cause, CallOutcome outcome) {
        CallState s = state();
        s.doctorCreated = true;
        s.doctorHangupCause = cause;
        assertThat(Outcomes.decide(s).outcome()).isEqualTo(outcome);
    }

    @ParameterizedTest
    @CsvSource({"NO_ANSWER,PATIENT_NO_ANSWER", "NO_USER_RESPONSE,PATIENT_NO_ANSWER", "ALLOTTED_TIMEOUT,PATIENT_NO_ANSWER",
            "USER_BUSY,BUSY", "CALL_REJECTED,REJECTED", "UNALLOCATED_NUMBER,INVALID_NUMBER",
            "INVALID_NUMBER_FORMAT,INVALID_NUMBER", "NO_ROUTE_DESTINATION,INVALID_NUMBER", "NETWORK_OUT_OF_ORDER,FAILED",
            "DESTINATION_OUT_OF_ORDER,FAILED", "RECOVERY_ON_TIMER_EXPIRE,FAILED", "NORMAL_TEMPORARY_FAILURE,FAILED",
            "ORIGINATOR_CANCEL,CANCELLED"})
    void patientLegCauses(String cause, CallOutcome outcome) {
        CallState s = state();
        s.doctorAnswered = true;
        s.patientCreated = true;
        s.patientHangupCause = cause;
        s.doctorHangupCause = cause;
        assertThat(Outcomes.decide(s).outcome()).isEqualTo(outcome);
    }

    @Test
    void patientFailureBeforeItsLegExistedIsReadFromTheOriginateDisposition() {
        CallState s = state();
        s.doctorAnswered = true;
        s.doctorHangupCause = "USER_BUSY";
        s.originateDisposition = "USER_BUSY";
        s.doctorHungUpFirst = true;
        assertThat(Outcomes.decide(s).outcome()).isEqualTo(CallOutcome.BUSY);
    }

    @Test
    void doctorHangingUpWhileThePatientRingsIsCancelled() {
        CallState s = state();
        s.doctorAnswered = true;
        s.patientCreated = true;
        s.doctorHangupCause = "NORMAL_CLEARING";
        s.doctorHungUpFirst = true;
        s.patientHangupCause = "ORIGINATOR_CANCEL";
        assertThat(Outcomes.decide(s).outcome()).isEqualTo(CallOutcome.CANCELLED);
    }

    @Test
    void answeredPatientIsConnectedWhateverHappensNext() {
        CallState s = state();
        s.doctorAnswered = true;
        s.patientAnswered = true;
        s.cancelRequested = true;
        s.patientHangupCause = "NORMAL_CLEARING";
        assertThat(Outcomes.decide(s).outcome()).isEqualTo(CallOutcome.CONNECTED);
    }

    @Test
    void bgapiErrorWithoutAnyChannelFails() {
        CallState s = state();
        s.jobError = "DESTINATION_OUT_OF_ORDER";
        assertThat(Outcomes.decide(s)).isEqualTo(new Outcomes.Decision(CallOutcome.FAILED, "DESTINATION_OUT_OF_ORDER"));
    }
}
