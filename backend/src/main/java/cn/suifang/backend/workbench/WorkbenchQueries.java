package cn.suifang.backend.workbench;

/**
 * The SQL behind the doctor's lists, kept in one place so the benchmark (docs/benchmarks.md) runs
 * exactly what the API runs, through pgbench and through the application.
 */
public final class WorkbenchQueries {

    private WorkbenchQueries() {
    }

    /**
     * "My tasks": open tasks assigned to {@code :me}, in one of three views selected by {@code :view}
     * (TODAY: due and still inside the window; OVERDUE: window passed; UPCOMING: not yet due), keyset-paged
     * on (due_date, id) after ({@code :afterDue}, {@code :afterId}).
     */
    public static final String MY_TASKS = """
            SELECT t.id, t.title, t.channel, t.status, t.due_date, t.window_end, t.attempts, t.patient_id,
                   p.name, p.gender, p.birth_date, p.phone_enc, e.primary_diagnosis, icd.name AS diagnosis_name,
                   e.discharge_date, pw.name AS pathway_name, st.instructions,
                   EXISTS (SELECT 1 FROM alert a WHERE a.patient_id = t.patient_id AND a.status <> 'RESOLVED') AS has_alert,
                   ARRAY(SELECT pt.label FROM patient_tag pt WHERE pt.patient_id = t.patient_id AND pt.cleared_at IS NULL
                         ORDER BY CASE pt.category WHEN 'RISK' THEN 0 WHEN 'CLINICAL' THEN 1 WHEN 'BEHAVIOUR' THEN 2
                                  WHEN 'LIFESTYLE' THEN 3 ELSE 4 END, pt.label) AS tag_labels
            FROM follow_up_task t
            JOIN patient p ON p.id = t.patient_id
            JOIN care_plan cp ON cp.id = t.care_plan_id
            JOIN encounter e ON e.id = cp.encounter_id
            JOIN pathway pw ON pw.id = cp.pathway_id
            LEFT JOIN pathway_step st ON st.id = t.step_id
            LEFT JOIN icd10_code icd ON icd.code = e.primary_diagnosis
            WHERE t.assignee_id = :me AND t.status IN ('PENDING', 'IN_PROGRESS')
              AND CASE CAST(:view AS VARCHAR)
                    WHEN 'TODAY' THEN t.due_date <= CAST(:today AS DATE) AND t.window_end >= CAST(:today AS DATE)
                    WHEN 'OVERDUE' THEN t.window_end < CAST(:today AS DATE)
                    ELSE t.due_date > CAST(:today AS DATE) END
              AND (t.due_date, t.id) > (CAST(:afterDue AS DATE), CAST(:afterId AS BIGINT))
            ORDER BY t.due_date, t.id
            LIMIT :limit""";

    private static final String MINE = "WHERE t.assignee_id = :me";

    /** {@link #MY_TASKS} of patients carrying tag {@code :tag} (a live tag's code, e.g. HTN_UNCONTROLLED). */
    public static final String MY_TASKS_TAGGED = replaceOnce(MY_TASKS, MINE,
            MINE + " AND p.tags @> ARRAY[CAST(:tag AS VARCHAR)]");

    private static final String OPEN_STATUS = "t.status IN ('PENDING', 'IN_PROGRESS')";
    private static final String VIEW_PREDICATE = between(MY_TASKS, "AND CASE CAST(:view AS VARCHAR)", "END\n");

    /**
     * Which of {@code :me}'s tasks are on the unreachable worklist: closed as unreachable since {@code :since}, or still
     * open with a live alert raised by a task rule (e.g. two unreachable attempts) — and of patients the caller may
     * still see (after closing, the task alone no longer grants it).
     */
    public static final String UNREACHABLE_PREDICATE = "(t.status = 'UNREACHABLE' AND t.completed_at >= CAST(:since AS TIMESTAMPTZ)"
            + " OR t.status IN ('PENDING', 'IN_PROGRESS') AND EXISTS (SELECT 1 FROM alert ua WHERE ua.task_id = t.id"
            + " AND ua.status <> 'RESOLVED')) AND " + cn.suifang.backend.patient.PatientAccess.VISIBLE.strip();

    /**
     * The unreachable worklist: {@link #MY_TASKS} with {@link #UNREACHABLE_PREDICATE}, same columns and paging.
     * Derived from MY_TASKS so both lists show the same card; the replacements are checked.
     */
    public static final String UNREACHABLE_TASKS = replaceOnce(replaceOnce(MY_TASKS, OPEN_STATUS, UNREACHABLE_PREDICATE),
            VIEW_PREDICATE, "");

    private static String between(String text, String from, String to) {
        int start = text.indexOf(from);
        int end = text.indexOf(to, start);
        if (start < 0 || end < 0) {
            throw new IllegalStateException("MY_TASKS changed: '" + from + "' … '" + to.strip() + "' not found");
        }
        return text.substring(start, end + to.length());
    }

    private static String replaceOnce(String text, String target, String replacement) {
        int at = text.indexOf(target);
        if (at < 0 || text.indexOf(target, at + 1) >= 0) {
            throw new IllegalStateException("MY_TASKS changed: '" + target + "' not found exactly once");
        }
        return text.substring(0, at) + replacement + text.substring(at + target.length());
    }
}
