package cn.suifang.backend.task;

import cn.suifang.backend.security.Principal;
import java.time.LocalDate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Turns pathway steps into tasks. A plan's steps are materialised once they fall due within the
 * horizon, only for patients who agree to follow-up (a plan waits while consent is withdrawn); the unique key (care_plan_id, step_id, occurrence) makes this idempotent, so two instances
 * (or a retry) can never create a task twice — the scheduler's Redisson lock only avoids wasted work.
 */
@Component
public class TaskGenerator {

    /**
     * Picks the assignee for a task of {@code :role} for patient {@code :patient}: the patient's responsible
     * staff member when they hold that role; otherwise the least-loaded member of the patient's care team
     * seated in that role; otherwise the least-loaded holder of that role in the patient's department.
     */
    public static final String ASSIGNEE = """
            WITH pt AS (SELECT responsible_staff_id, care_team_id, department_id FROM patient WHERE id = :patient),
            cand AS (
                SELECT s.id, 0 AS tier FROM staff s, pt
                 WHERE s.id = pt.responsible_staff_id AND s.active AND CAST(:role AS VARCHAR) = ANY (s.roles)
                UNION ALL
                SELECT s.id, 1 FROM care_team_member m JOIN staff s ON s.id = m.staff_id, pt
                 WHERE m.care_team_id = pt.care_team_id AND m.role = :role AND s.active
                UNION ALL
                SELECT s.id, 2 FROM staff s, pt
                 WHERE s.department_id = pt.department_id AND s.active AND CAST(:role AS VARCHAR) = ANY (s.roles))
            SELECT c.id FROM cand c
            ORDER BY c.tier,
                     (SELECT count(*) FROM follow_up_task t
                       WHERE t.assignee_id = c.id AND t.status IN ('PENDING', 'IN_PROGRESS')),
                     c.id
            LIMIT 1""";

    private final DatabaseClient db;

    TaskGenerator(DatabaseClient db) {
        this.db = db;
    }

    /** Materialises the plan's steps due on or before {@code horizon}; returns how many tasks were created. */
    public Mono<Integer> materialise(Principal actor, long planId, LocalDate horizon) {
        return db.sql("""
                        SELECT cp.patient_id, s.id AS step_id, s.seq, s.title, s.channel, s.role,
                               cp.start_date + s.offset_days AS due, cp.start_date + s.offset_days + s.window_days AS window_end
                        FROM care_plan cp JOIN pathway_step s ON s.pathway_id = cp.pathway_id AND s.seq >= cp.next_step_seq
                        JOIN patient p ON p.id = cp.patient_id
                        WHERE cp.id = :plan AND cp.status = 'ACTIVE' AND cp.start_date + s.offset_days <= :horizon
                          AND p.consent_follow_up AND NOT p.voided
                        ORDER BY s.seq""")
                .bind("plan", planId).bind("horizon", horizon)
                .map(r -> new DueStep(r.get("patient_id", Long.class), r.get("step_id", Long.class),
                        r.get("seq", Integer.class), r.get("title", String.class), r.get("channel", String.class),
                        r.get("role", String.class), r.get("due", LocalDate.class), r.get("window_end", LocalDate.class)))
                .all()
                .collectList()
                .flatMap(steps -> {
                    if (steps.isEmpty()) {
                        return Mono.just(0);
                    }
                    int lastSeq = steps.get(steps.size() - 1).seq();
                    return Flux.fromIterable(steps)
                            .concatMap(step -> insert(actor, planId, step))
                            .reduce(0, Integer::sum)
                            .flatMap(created -> db.sql("""
                                            UPDATE care_plan SET next_step_seq = GREATEST(next_step_seq, :next), changed_at = now()
                                            WHERE id = :plan""")
                                    .bind("next", lastSeq + 1).bind("plan", planId)
                                    .then().thenReturn(created));
                });
    }

    private Mono<Integer> insert(Principal actor, long planId, DueStep s) {
        return db.sql("""
                        INSERT INTO follow_up_task (patient_id, care_plan_id, step_id, occurrence, title, channel, role,
                            assignee_id, due_date, window_end, status, created_by)
                        VALUES (:patient, :plan, :step, 0, :title, :channel, :role,
                            (%s), :due, :windowEnd, 'PENDING', :by)
                        ON CONFLICT (care_plan_id, step_id, occurrence) DO NOTHING""".formatted(ASSIGNEE))
                .bind("patient", s.patientId()).bind("plan", planId).bind("step", s.stepId())
                .bind("title", s.title()).bind("channel", s.channel()).bind("role", s.role())
                .bind("due", s.due()).bind("windowEnd", s.windowEnd())
                .bind("by", cn.suifang.backend.common.Rows.param(actor.actorId(), Long.class))
                .fetch().rowsUpdated()
                .map(Long::intValue);
    }

    /** Plans that have a step due within the horizon not yet materialised, oldest first. */
    public Flux<Long> plansWithDueSteps(LocalDate horizon, int limit) {
        return db.sql("""
                        SELECT cp.id FROM care_plan cp
                        JOIN patient p ON p.id = cp.patient_id AND p.consent_follow_up AND NOT p.voided
                        WHERE cp.status = 'ACTIVE' AND EXISTS (
                            SELECT 1 FROM pathway_step s
                            WHERE s.pathway_id = cp.pathway_id AND s.seq >= cp.next_step_seq
                              AND cp.start_date + s.offset_days <= :horizon)
                        ORDER BY cp.id LIMIT :limit""")
                .bind("horizon", horizon).bind("limit", limit)
                .map(r -> r.get(0, Long.class))
                .all();
    }

    record DueStep(long patientId, long stepId, int seq, String title, String channel, String role, LocalDate due,
                   LocalDate windowEnd) {
    }
}
