-- Auto-tags (自动设置标签): rules over diagnoses, readings, answers and behaviour that put a tag on a patient while
-- their condition holds, with the reason in words, and take it off when it no longer does. Staff may add their own
-- tags (with an optional end date). patient.tags keeps the codes of the live tags for list filters and dashboards.

CREATE TABLE tag_rule (
    id              BIGSERIAL PRIMARY KEY,
    code            VARCHAR(48)  NOT NULL,            -- the tag's code, e.g. HTN_UNCONTROLLED
    version         INT          NOT NULL,
    label           VARCHAR(32)  NOT NULL,            -- what staff see on the patient, e.g. 高血压未达标
    category        VARCHAR(16)  NOT NULL,            -- CLINICAL, BEHAVIOUR, LIFESTYLE, RISK
    description     TEXT,
    condition       JSONB        NOT NULL,            -- parsed and checked by TagCondition
    pathway_codes   VARCHAR(32)[] NOT NULL DEFAULT '{}', -- scope: patients on one of these pathways …
    icd_prefixes    VARCHAR(16)[] NOT NULL DEFAULT '{}', -- … or with one of these diagnoses; both empty: everyone
    status          VARCHAR(16)  NOT NULL,            -- DRAFT, ACTIVE, RETIRED
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_by      BIGINT,
    activated_at    TIMESTAMPTZ,
    UNIQUE (code, version)
);
CREATE UNIQUE INDEX tag_rule_one_active_idx ON tag_rule (code) WHERE status = 'ACTIVE';

CREATE TABLE patient_tag (
    id              BIGSERIAL PRIMARY KEY,
    patient_id      BIGINT       NOT NULL REFERENCES patient (id),
    tag_code        VARCHAR(48)  NOT NULL,
    label           VARCHAR(32)  NOT NULL,
    category        VARCHAR(16)  NOT NULL,
    source          VARCHAR(8)   NOT NULL,            -- AUTO (a rule), MANUAL (a staff member)
    rule_id         BIGINT       REFERENCES tag_rule (id),
    reason          TEXT         NOT NULL,            -- why it was set, in words (kept up to date while it holds)
    set_at          TIMESTAMPTZ  NOT NULL,
    set_by          BIGINT       REFERENCES staff (id),
    confirmed_at    TIMESTAMPTZ  NOT NULL,            -- last time the rule was seen to hold
    expires_at      TIMESTAMPTZ,                      -- manual tags: taken off by the daily pass after this
    cleared_at      TIMESTAMPTZ,
    cleared_reason  TEXT,
    cleared_by      BIGINT       REFERENCES staff (id)
);
CREATE UNIQUE INDEX patient_tag_live_idx ON patient_tag (patient_id, tag_code) WHERE cleared_at IS NULL;
CREATE INDEX patient_tag_patient_idx ON patient_tag (patient_id, set_at DESC);
CREATE INDEX patient_tags_gin_idx ON patient USING GIN (tags);

-- HDL-C, height and waist: inputs of the risk models (China-PAR, Chinese Diabetes Risk Score)
INSERT INTO lab_code_map (coding_system, code, observation_code, note) VALUES
('LN', '2085-9',  'HDL_C',  'Cholesterol in HDL [Mass/volume] in Serum or Plasma'),
('LN', '14646-4', 'HDL_C',  'Cholesterol in HDL [Moles/volume] in Serum or Plasma'),
('LN', '8302-2',  'HEIGHT', 'Body height'),
('LN', '8280-0',  'WAIST',  'Waist Circumference at umbilicus by Tape measure');

-- The seeded rules. Thresholds follow the Chinese guidelines the pathways use (hypertension < 140/90 mmHg; diabetes
-- HbA1c < 7 %, fasting glucose 4.4–7.0 mmol/L; LDL-C < 1.8 mmol/L after an ASCVD event; PHQ-9 ≥ 10 moderate).
INSERT INTO tag_rule (code, version, label, category, description, condition, pathway_codes, icd_prefixes, status, activated_at) VALUES
('HTN_UNCONTROLLED', 1, '高血压未达标', 'CLINICAL', '近 30 天最近 3 次血压的均值未达到 140/90 mmHg 以下',
 '{"type":"any","of":[{"type":"reading","code":"SBP","stat":"mean","last":3,"op":">=","value":140,"withinDays":30},
                      {"type":"reading","code":"DBP","stat":"mean","last":3,"op":">=","value":90,"withinDays":30}]}',
 '{HTN}', '{I10,I11,I12,I13,I15}', 'ACTIVE', now()),
('DM_UNCONTROLLED', 1, '血糖未达标', 'CLINICAL', '近 180 天最近一次糖化血红蛋白 ≥ 7%，或近 30 天最近 3 次空腹血糖均值 ≥ 7.0 mmol/L',
 '{"type":"any","of":[{"type":"reading","code":"HBA1C","stat":"latest","op":">=","value":7,"withinDays":180},
                      {"type":"reading","code":"FPG","stat":"mean","last":3,"op":">=","value":7.0,"withinDays":30}]}',
 '{T2DM}', '{E10,E11,E13,E14}', 'ACTIVE', now()),
('LDL_UNCONTROLLED', 1, '血脂未达标', 'CLINICAL', '冠心病/缺血性卒中患者近一年最近一次 LDL-C ≥ 1.8 mmol/L',
 '{"type":"reading","code":"LDL_C","stat":"latest","op":">=","value":1.8,"withinDays":365}',
 '{PCI}', '{I20,I21,I22,I23,I24,I25,I63}', 'ACTIVE', now()),
('POOR_ADHERENCE', 1, '依从性差', 'BEHAVIOUR', '近 90 天随访记录服药依从性差或停药，或患者自评漏服、停药',
 '{"type":"any","of":[{"type":"adherence","values":["POOR","STOPPED"],"withinDays":90},
                      {"type":"answer","questionnaire":"PCI_SYMPTOM","item":"antiplatelet","op":">=","value":1,"withinDays":90},
                      {"type":"answer","questionnaire":"DM_SELFCHECK","item":"medication","op":">=","value":1,"withinDays":90},
                      {"type":"answer","questionnaire":"HF_SELFCHECK","item":"medication","op":">=","value":1,"withinDays":90}]}',
 '{}', '{}', 'ACTIVE', now()),
('LOSS_RISK', 1, '失访风险', 'BEHAVIOUR', '最近连续 2 次以上未联系上（60 天内），或有 2 个以上随访任务已过时间窗仍未完成',
 '{"type":"any","of":[{"type":"unreachable","atLeast":2,"withinDays":60},{"type":"overdue","atLeast":2}]}',
 '{}', '{}', 'ACTIVE', now()),
('NOT_SELF_MONITORING', 1, '未按时自测', 'BEHAVIOUR', '入组满 14 天，近 14 天没有自己上报血压、血糖或体重',
 '{"type":"noReading","codes":["SBP","FPG","WEIGHT"],"days":14}',
 '{HTN,T2DM,HF}', '{}', 'ACTIVE', now()),
('SMOKER', 1, '吸烟', 'LIFESTYLE', '一年内的生活方式问卷回答“目前吸烟”',
 '{"type":"answer","questionnaire":"LIFESTYLE","item":"smoking","op":"=","value":2,"withinDays":365}',
 '{}', '{}', 'ACTIVE', now()),
('LOW_MOOD', 1, '情绪低落', 'CLINICAL', '近 90 天 PHQ-9 ≥ 10 分或 PHQ-2 ≥ 3 分',
 '{"type":"any","of":[{"type":"score","questionnaire":"PHQ9","op":">=","value":10,"withinDays":90},
                      {"type":"score","questionnaire":"PHQ2","op":">=","value":3,"withinDays":90}]}',
 '{}', '{}', 'ACTIVE', now()),
('OBESITY', 1, '肥胖', 'LIFESTYLE', '最近一次体重与身高计算的 BMI ≥ 28 kg/m²（中国成人标准）',
 '{"type":"bmi","op":">=","value":28,"withinDays":365}',
 '{}', '{}', 'ACTIVE', now());
