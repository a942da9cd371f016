package cn.suifang.backend.task;

import java.time.OffsetDateTime;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Alerts raised by a task rule (e.g. two unreachable attempts) end when what they asked for happened: the patient was
 * reached, or a colleague re-planned the contact. Closed as an intervention of {@code interventionType}, with the event
 * in the alert's history, inside the caller's transaction. SQL only, so the task and note packages need not depend on
 * the alert package (which depends on them).
 */
public final class TaskAlerts {

    /** The patient was reached (a note other than "unreachable" was written). */
    public static final String CONTACT_REACHED = "CONTACT_REACHED";
    /** The unreachable task was opened again for another try. */
    public static final String FOLLOW_UP_REARRANGED = "FOLLOW_UP_REARRANGED";

    private TaskAlerts() {
    }

    public static Mono<Long> resolveForTask(DatabaseClient db, long taskId, long staffId, String interventionType,
                                            OffsetDateTime now) {
        return db.sql("""
                        WITH closed AS (
                            UPDATE alert SET status = 'RESOLVED', resolution = 'INTERVENED', intervention_type = :type,
                                resolved_at = :now, resolved_by = :by,
                                acknowledged_at = COALESCE(acknowledged_at, :now), acknowledged_by = COALESCE(acknowledged_by, :by),
                                acknowledged_by_type = COALESCE(acknowledged_by_type, 'STAFF'), due_at = NULL, version = version + 1
                            WHERE task_id = :task AND status <> 'RESOLVED'
                            RETURNING id, level)
                        INSERT INTO alert_event (alert_id, kind, level, actor_type, actor_id, note, occurred_at)
                        SELECT id, 'RESOLVED', level, 'STAFF', :by, :type, :now FROM closed""")
                .bind("task", taskId).bind("by", staffId).bind("type", interventionType).bind("now", now)
                .fetch().rowsUpdated();
    }
}
