package cn.suifang.backend.support;

import cn.suifang.backend.common.Rows;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;

/** Call records as the bridge's events would have left them, for tests about what is done with calls afterwards. */
public final class TestCalls {

    private TestCalls() {
    }

    /**
     * A call by {@code staffId} on a task. {@code outcome} null leaves it in {@code status} (e.g. IN_CALL); a patient
     * who answered gets an answer time; {@code billsec} and {@code recording} may be null.
     */
    public static UUID insert(DatabaseClient db, long taskId, long staffId, String status, String outcome,
                              boolean patientAnswered, Integer billsec, String recording, OffsetDateTime at) {
        UUID id = UUID.randomUUID();
        db.sql("""
                        INSERT INTO call_record (id, task_id, patient_id, staff_id, staff_department_id, department_id,
                            caller_id_number, recording_requested, status, outcome, requested_at, doctor_answered_at,
                            patient_answered_at, ended_at, billsec, recording_path, last_event_at)
                        SELECT :id, t.id, t.patient_id, s.id, s.department_id, p.department_id, '02088886666', TRUE, :status,
                               :outcome, :at, :at, CASE WHEN :answered THEN :at END,
                               CASE WHEN :status = 'ENDED' THEN :at END, :billsec, :recording, :at
                        FROM follow_up_task t JOIN patient p ON p.id = t.patient_id, staff s
                        WHERE t.id = :task AND s.id = :staff""")
                .bind("id", id).bind("status", status).bind("outcome", Rows.param(outcome, String.class))
                .bind("answered", patientAnswered).bind("at", at)
                .bind("billsec", Rows.param(billsec, Integer.class)).bind("recording", Rows.param(recording, String.class))
                .bind("task", taskId).bind("staff", staffId)
                .fetch().rowsUpdated()
                .doOnNext(n -> {
                    if (n != 1) {
                        throw new IllegalStateException("no call inserted for task " + taskId + " and staff " + staffId);
                    }
                })
                .block();
        return id;
    }
}
