package cn.suifang.miniapp.port;

import cn.suifang.miniapp.Caller;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * What a patient (or their proxy) does in the mini-program, implemented by the host's domain. Every call acts on
 * {@link Caller#patientId()} only, is audited with who acted (patient or proxy), and marks proxy input as such.
 */
public interface PatientCare {

    /** Upcoming contacts (with the number that will call), past follow-ups, consent state. */
    Mono<Plan> plan(Caller caller);

    record Plan(String patientName, String hospitalName, List<Contact> upcoming, List<Contact> past,
                boolean followUpConsent, boolean recordingConsent) {
    }

    record Contact(long taskId, LocalDate date, LocalDate windowEnd, String title, String channel, String channelLabel,
                   String callerNumber, String status, String statusLabel, String questionnaireCode) {
    }

    /**
     * Advice written for the patient: health advice a clinician sent (INTERVENTION, asking whether it was done), from
     * follow-up notes (NOTE) and alerts' automatic advice (ALERT).
     */
    Mono<List<Advice>> advice(Caller caller);

    record Advice(String source, Long alertId, String text, OffsetDateTime at, boolean needsConfirmation,
                  Long interventionId, String title, String kindLabel, String outcome, String outcomeLabel) {
    }

    /** The patient says whether they followed a clinician's health advice: DONE, PARTLY or NOT_DONE. */
    Mono<Void> interventionOutcome(Caller caller, long interventionId, String outcome);

    /** The patient confirms having read an alert's advice. */
    Mono<Void> adviceRead(Caller caller, long alertId);

    /** Questionnaires the pathway has assigned and are open now. */
    Mono<List<Pending>> pendingQuestionnaires(Caller caller);

    record Pending(long taskId, String questionnaireCode, String title, LocalDate dueDate, LocalDate windowEnd) {
    }

    /** A questionnaire's definition (items, options, branching), as JSON. */
    Mono<Object> questionnaire(Caller caller, String code);

    Mono<Submitted> submitQuestionnaire(Caller caller, String clientRequestId, String code, Long taskId,
                                        Map<String, Object> answers);

    record Submitted(long responseId, String questionnaireCode, Integer score, String bandLabel, List<String> advice,
                     int pointsEarned, boolean replay) {
    }

    Mono<Reported> reportReadings(Caller caller, String clientRequestId, List<Reading> readings);

    record Reading(String code, BigDecimal value, String unit, OffsetDateTime measuredAt) {
    }

    record Reported(int stored, List<String> advice, boolean replay) {
    }

    /** The patient's own readings of one code over the last {@code days} days, oldest first. */
    Mono<List<ReadingView>> readings(Caller caller, String code, int days);

    record ReadingView(String code, String label, BigDecimal value, String unit, OffsetDateTime at, String reportedBy) {
    }

    /** Points earned for completed follow-ups, newest first, with the balance. */
    Mono<Points> points(Caller caller);

    record Points(int balance, List<PointsEntry> entries) {
    }

    record PointsEntry(int points, String reason, OffsetDateTime at) {
    }

    /** Gives or withdraws consent to follow-up and to recording (PIPL); only the patient themself, not a proxy. */
    Mono<Consent> consent(Caller caller, Boolean followUp, Boolean recording);

    record Consent(boolean followUp, boolean recording, int cancelledTasks) {
    }

    /** A copy of the patient's own data (PIPL right of access), identifiers masked. */
    Mono<Map<String, Object>> myData(Caller caller);
}
