-- Risk assessments (疾病风险评估): China-PAR 10-year ASCVD risk and the Chinese Diabetes Risk Score, recomputed from
-- the patient's latest facts whenever they change. A new row only when the result changes (its number and category, or
-- what is missing), so the rows are the history of the patient's risk; each keeps the inputs it used (as shown to
-- staff), what was missing and why no number.
CREATE TABLE risk_assessment (
    id              BIGSERIAL PRIMARY KEY,
    patient_id      BIGINT        NOT NULL REFERENCES patient (id),
    model           VARCHAR(16)   NOT NULL,            -- CHINA_PAR, CDRS
    computed_at     TIMESTAMPTZ   NOT NULL,
    complete        BOOLEAN       NOT NULL,
    value           NUMERIC(6,1),                      -- % (China-PAR) or points (CDRS)
    unit            VARCHAR(4)    NOT NULL,
    category_code   VARCHAR(16),
    category_label  VARCHAR(16),
    advice          TEXT,
    inputs          JSONB         NOT NULL,            -- label → value as shown
    points          JSONB         NOT NULL DEFAULT '{}',
    missing         TEXT[]        NOT NULL DEFAULT '{}',
    reasons         TEXT[]        NOT NULL DEFAULT '{}',
    result_key      VARCHAR(64)   NOT NULL,            -- what makes a new history row: the number and category,
                                                       -- or (not computed) what is missing and why
    fingerprint     VARCHAR(64)   NOT NULL             -- of the whole result; a change of inputs alone updates the row
);
CREATE INDEX risk_assessment_patient_idx ON risk_assessment (patient_id, model, computed_at DESC);

INSERT INTO tag_rule (code, version, label, category, description, condition, pathway_codes, icd_prefixes, status, activated_at) VALUES
('ASCVD_HIGH_RISK', 1, '心血管病高危', 'RISK', 'China-PAR 10 年 ASCVD 风险 ≥ 10%',
 '{"type":"risk","model":"CHINA_PAR","category":"HIGH"}', '{}', '{}', 'ACTIVE', now()),
('DIABETES_RISK', 1, '糖尿病高风险', 'RISK', '中国糖尿病风险评分 ≥ 25 分，建议 OGTT 检查',
 '{"type":"risk","model":"CDRS","category":"HIGH"}', '{}', '{}', 'ACTIVE', now());
