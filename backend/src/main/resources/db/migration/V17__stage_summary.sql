-- Stage summaries (健康阶段总结): at the end of a phase of a care plan (1, 3, 6, 12 months after discharge) the system
-- drafts a summary — indicators then vs now against their targets, events, follow-up and adherence, interventions and
-- their outcome, risk — which a physician reviews, edits and signs; the latest signed one is printed on the PDF report.
CREATE TABLE stage_summary (
    id              BIGSERIAL PRIMARY KEY,
    patient_id      BIGINT       NOT NULL REFERENCES patient (id),
    care_plan_id    BIGINT       NOT NULL REFERENCES care_plan (id),
    milestone_days  INT          NOT NULL,           -- 30, 90, 180, 365 after the plan's start
    phase_label     VARCHAR(32)  NOT NULL,           -- 出院后3个月
    period_start    DATE         NOT NULL,
    period_end      DATE         NOT NULL,
    content         JSONB        NOT NULL,           -- the generated facts (indicators, events, follow-up, interventions, risk)
    narrative       TEXT         NOT NULL,           -- generated, then edited by the physician
    status          VARCHAR(16)  NOT NULL,           -- DRAFT, SIGNED
    generated_at    TIMESTAMPTZ  NOT NULL,
    edited_at       TIMESTAMPTZ,
    edited_by       BIGINT,
    signed_at       TIMESTAMPTZ,
    signed_by       BIGINT,
    version         INT          NOT NULL DEFAULT 0,
    UNIQUE (care_plan_id, milestone_days)
);
CREATE INDEX stage_summary_patient_idx ON stage_summary (patient_id, period_end DESC);
CREATE INDEX stage_summary_draft_idx ON stage_summary (status) WHERE status = 'DRAFT';
