package cn.suifang.backend.dashboard;

/**
 * What a metric counts: discharges, follow-up tasks, call-backs or alerts. Each names the rows of a period in one
 * hospital (and optionally one department), whom an item is attributed to (the attending doctor, the assignee, the
 * caller, the alert's owner), its pathway, its month, and the columns a drill-down list shows.
 * <p>
 * Bound parameters: {@code :h} hospital, {@code :dept} department or null, {@code :fromDay}/{@code :toDay} and
 * {@code :fromAt}/{@code :toAt} the period as dates and instants (end exclusive), {@code :tz} the hospital zone.
 */
public enum Subject {

    ENCOUNTER("""
            FROM encounter e JOIN patient p ON p.id = e.patient_id
            LEFT JOIN care_plan cp ON cp.encounter_id = e.id
            LEFT JOIN pathway pw ON pw.id = cp.pathway_id
            LEFT JOIN staff s ON s.id = e.attending_staff_id
            WHERE p.hospital_id = :h AND (CAST(:dept AS BIGINT) IS NULL OR e.department_id = :dept)
              AND e.discharge_date >= :fromDay AND e.discharge_date < :toDay AND NOT e.voided AND NOT p.voided""",
            "e.discharge_date", "e.id::text", "e.discharge_date", "'出院随访'", "CASE WHEN cp.id IS NULL THEN '未匹配随访路径' ELSE '已建随访计划' END"),

    TASK("""
            FROM follow_up_task t JOIN patient p ON p.id = t.patient_id
            JOIN care_plan cp ON cp.id = t.care_plan_id
            JOIN encounter e ON e.id = cp.encounter_id
            JOIN pathway pw ON pw.id = cp.pathway_id
            LEFT JOIN staff s ON s.id = t.assignee_id
            WHERE p.hospital_id = :h AND (CAST(:dept AS BIGINT) IS NULL OR e.department_id = :dept)
              AND t.due_date >= :fromDay AND t.due_date < :toDay AND NOT p.voided
              AND t.status <> 'CANCELLED' AND (t.status NOT IN ('PENDING', 'IN_PROGRESS') OR t.window_end < :today)""",
            "t.due_date", "t.id::text", "t.due_date", "t.title", "t.status"),

    CALL("""
            FROM call_record c JOIN patient p ON p.id = c.patient_id
            JOIN follow_up_task t ON t.id = c.task_id
            JOIN care_plan cp ON cp.id = t.care_plan_id
            JOIN pathway pw ON pw.id = cp.pathway_id
            JOIN staff s ON s.id = c.staff_id
            WHERE p.hospital_id = :h AND (CAST(:dept AS BIGINT) IS NULL OR c.department_id = :dept)
              AND c.requested_at >= :fromAt AND c.requested_at < :toAt AND c.status = 'ENDED' AND NOT p.voided""",
            "CAST(c.requested_at AT TIME ZONE :tz AS DATE)", "c.id::text", "CAST(c.requested_at AT TIME ZONE :tz AS DATE)",
            "t.title", "COALESCE(c.outcome, c.status)"),

    ALERT("""
            FROM alert a JOIN patient p ON p.id = a.patient_id
            LEFT JOIN care_plan cp ON FALSE
            LEFT JOIN pathway pw ON FALSE
            LEFT JOIN staff s ON s.id = a.owner_id
            WHERE p.hospital_id = :h AND (CAST(:dept AS BIGINT) IS NULL OR p.department_id = :dept)
              AND a.raised_at >= :fromAt AND a.raised_at < :toAt AND NOT p.voided""",
            "CAST(a.raised_at AT TIME ZONE :tz AS DATE)", "a.id::text", "CAST(a.raised_at AT TIME ZONE :tz AS DATE)",
            "a.title", "a.status");

    /**
     * When an alert's first response was due: its own SLA (set by its rule and level when raised); for alerts from
     * before rules existed, by level (3 red 2 h, 2 orange 24 h, 1 yellow 72 h).
     */
    static final String ALERT_DUE = "COALESCE(a.sla_due_at, a.raised_at + "
            + "CASE a.level WHEN 3 THEN INTERVAL '2 hours' WHEN 2 THEN INTERVAL '24 hours' ELSE INTERVAL '72 hours' END)";

    private final String from;
    private final String day;
    private final String ref;
    private final String itemDay;
    private final String itemTitle;
    private final String itemStatus;

    Subject(String from, String day, String ref, String itemDay, String itemTitle, String itemStatus) {
        this.from = from;
        this.day = day;
        this.ref = ref;
        this.itemDay = itemDay;
        this.itemTitle = itemTitle;
        this.itemStatus = itemStatus;
    }

    /** FROM … WHERE of the period's rows; a metric appends {@code AND} its scope. */
    String from() {
        return from;
    }

    /** The local date an item falls on (its month is its trend bucket). */
    String day() {
        return day;
    }

    /** The columns of one drill-down item, in a fixed order. */
    String itemColumns() {
        return ref + " AS ref, p.id AS patient_id, p.name, p.phone_enc, " + itemDay + " AS day, " + itemTitle
                + " AS title, " + itemStatus + " AS status, s.name AS staff_name, pw.name AS pathway_name";
    }
}
