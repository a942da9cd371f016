package cn.suifang.backend.dashboard;

/**
 * The department head's numbers. Each metric is a set of countable items (its denominator, in {@link Subject}'s
 * FROM clause narrowed by {@link #scope}) and a predicate saying which of them count as achieved ({@link #achieved}).
 * A ratio metric is achieved / all; {@link #AVG_TALK_SECONDS} is the mean talk time of connected calls. The same
 * SQL pieces serve the totals, the breakdowns and the drill-down lists, so a number and the list behind it never
 * disagree.
 * <p>
 * Bound parameters every piece may use: {@code :tz} (hospital zone), {@code :today}, {@code :now}.
 */
public enum Metric {

    COVERAGE(Subject.ENCOUNTER, "随访覆盖率", Unit.RATIO,
            "当月出院、同意随访的患者中，已完成至少一次随访的比例（当月出院者的首次随访可能尚未到期，本月数字会继续上升）",
            "p.consent_follow_up",
            "EXISTS (SELECT 1 FROM follow_up_task x WHERE x.care_plan_id = cp.id AND x.status = 'COMPLETED')"),

    ON_TIME(Subject.TASK, "按时完成率", Unit.RATIO,
            "当月到期的电话/门诊随访任务中，在随访窗口结束前完成的比例；仍在窗口内未完成的任务暂不计入",
            "t.channel <> 'QUESTIONNAIRE'",
            "t.status = 'COMPLETED' AND CAST(t.completed_at AT TIME ZONE :tz AS DATE) <= t.window_end"),

    CONNECT_RATE(Subject.CALL, "接通率", Unit.RATIO,
            "当月拨到患者的一键回拨中，患者接听的比例；医生本人未接、线路故障、医生取消的呼叫没有拨到患者，不计入",
            "(c.patient_answered_at IS NOT NULL OR c.outcome IN ('PATIENT_NO_ANSWER', 'BUSY', 'REJECTED', 'INVALID_NUMBER'))",
            "c.patient_answered_at IS NOT NULL"),

    AVG_TALK_SECONDS(Subject.CALL, "平均通话时长", Unit.SECONDS,
            "当月接通的一键回拨与患者的平均通话时长（秒）",
            "c.patient_answered_at IS NOT NULL AND c.billsec IS NOT NULL",
            null),

    ALERT_SLA(Subject.ALERT, "预警处理及时率", Unit.RATIO,
            "当月产生的预警中，在首次响应时限内有人确认或处理的比例（时限按规则与级别，见 docs/alerts.md）；尚在时限内未响应的不计入",
            "(COALESCE(a.acknowledged_at, a.resolved_at) IS NOT NULL OR " + Subject.ALERT_DUE + " < :now)",
            "COALESCE(a.acknowledged_at, a.resolved_at) IS NOT NULL AND COALESCE(a.acknowledged_at, a.resolved_at) <= "
                    + Subject.ALERT_DUE),

    QUESTIONNAIRE_RESPONSE(Subject.TASK, "问卷回收率", Unit.RATIO,
            "当月到期的问卷随访中，患者已提交问卷的比例；仍在窗口内未提交的不计入",
            "t.channel = 'QUESTIONNAIRE'",
            "t.status = 'COMPLETED'");

    /** How a metric's value reads. */
    public enum Unit { RATIO, SECONDS }

    private final Subject subject;
    private final String label;
    private final Unit unit;
    private final String definition;
    private final String scope;
    private final String achieved;

    Metric(Subject subject, String label, Unit unit, String definition, String scope, String achieved) {
        this.subject = subject;
        this.label = label;
        this.unit = unit;
        this.definition = definition;
        this.scope = scope;
        this.achieved = achieved;
    }

    public Subject subject() {
        return subject;
    }

    public String label() {
        return label;
    }

    public Unit unit() {
        return unit;
    }

    public String definition() {
        return definition;
    }

    /** Narrows the subject's rows of the period to this metric's denominator. */
    String scope() {
        return scope;
    }

    /** The numerator's predicate; null for the mean talk time. */
    String achieved() {
        return achieved;
    }

    /** The aggregate numerator: achieved items, or the talk seconds summed. */
    String numeratorSql() {
        return achieved == null ? "COALESCE(sum(c.billsec), 0)" : "count(*) FILTER (WHERE " + achieved + ")";
    }

    /** Whether the drill-down can split this metric's items into achieved and missed. */
    boolean splits() {
        return achieved != null;
    }
}
