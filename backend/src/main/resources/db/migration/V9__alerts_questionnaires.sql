-- Questionnaires (validated free scales and hospital-authored forms), their responses, alert rules as versioned data,
-- and alerts with a level, an owner role, an SLA, a state and the intervention that closed them.

-- ---------------------------------------------------------------- questionnaires
-- A definition is JSON (items, options, branching, scoring); bundled ones are loaded at start-up by
-- QuestionnaireCatalog, hospital-authored ones by the admin API. Responses keep the version they answered.
CREATE TABLE questionnaire (
    id          BIGSERIAL PRIMARY KEY,
    code        VARCHAR(32)  NOT NULL,
    version     INT          NOT NULL,
    title       VARCHAR(128) NOT NULL,
    definition  JSONB        NOT NULL,
    licence     VARCHAR(256) NOT NULL,               -- why we may use it (free scale, or authored by the hospital)
    status      VARCHAR(16)  NOT NULL,               -- ACTIVE, RETIRED
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (code, version)
);
CREATE UNIQUE INDEX questionnaire_one_active_idx ON questionnaire (code) WHERE status = 'ACTIVE';

CREATE TABLE questionnaire_response (
    id                 BIGSERIAL PRIMARY KEY,
    patient_id         BIGINT       NOT NULL REFERENCES patient (id),
    questionnaire_id   BIGINT       NOT NULL REFERENCES questionnaire (id),
    questionnaire_code VARCHAR(32)  NOT NULL,
    task_id            BIGINT       REFERENCES follow_up_task (id),
    client_request_id  VARCHAR(64)  NOT NULL UNIQUE,   -- idempotent submit
    answers            JSONB        NOT NULL,
    score              INT,                            -- null for forms without a total
    band               VARCHAR(32),
    band_label         VARCHAR(64),
    submitted_by_type  VARCHAR(16)  NOT NULL,          -- PATIENT, PROXY (family member), STAFF (asked by phone)
    submitted_by_id    BIGINT,
    created_at         TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX questionnaire_response_patient_idx ON questionnaire_response (patient_id, created_at DESC);

-- ---------------------------------------------------------------- alert rules
-- A rule is data: a condition tree (JSON, parsed and checked by AlertCondition), a scope, a starting level and SLA.
-- A new version is a new row; at most one version of a code is active; alerts keep the version that raised them.
CREATE TABLE alert_rule (
    id              BIGSERIAL PRIMARY KEY,
    code            VARCHAR(48)  NOT NULL,
    version         INT          NOT NULL,
    name            VARCHAR(128) NOT NULL,            -- the alert's title for staff
    description     TEXT,
    trigger_kind    VARCHAR(16)  NOT NULL,            -- READING, QUESTIONNAIRE, TASK
    condition       JSONB        NOT NULL,
    pathway_codes   VARCHAR(32)[] NOT NULL DEFAULT '{}', -- scope: patients on one of these pathways …
    icd_prefixes    VARCHAR(16)[] NOT NULL DEFAULT '{}', -- … or with one of these diagnoses; both empty: everyone
    level           INT          NOT NULL CHECK (level BETWEEN 1 AND 3),
    sla_minutes     INT          CHECK (sla_minutes > 0), -- first response due; null: the level's default
    patient_advice  TEXT,                             -- what the patient is told automatically
    status          VARCHAR(16)  NOT NULL,            -- DRAFT, ACTIVE, RETIRED
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_by      BIGINT,
    activated_at    TIMESTAMPTZ,
    UNIQUE (code, version)
);
CREATE UNIQUE INDEX alert_rule_one_active_idx ON alert_rule (code) WHERE status = 'ACTIVE';

-- ---------------------------------------------------------------- alerts
ALTER TABLE alert
    ADD COLUMN rule_id           BIGINT REFERENCES alert_rule (id),
    ADD COLUMN rule_code         VARCHAR(48),
    ADD COLUMN initial_level     INT,
    ADD COLUMN owner_role        VARCHAR(32),          -- PATIENT (level 1), NURSE_COORDINATOR, PHYSICIAN, DEPARTMENT_HEAD
    ADD COLUMN detail            TEXT,                 -- what triggered it, for staff
    ADD COLUMN evidence          JSONB NOT NULL DEFAULT '[]',
    ADD COLUMN patient_advice    TEXT,
    ADD COLUMN task_id           BIGINT REFERENCES follow_up_task (id),
    ADD COLUMN sla_due_at        TIMESTAMPTZ,          -- first response due (the SLA the dashboard measures)
    ADD COLUMN due_at            TIMESTAMPTZ,          -- when an open alert escalates next; null: end of the ladder
    ADD COLUMN escalations       INT NOT NULL DEFAULT 0,
    ADD COLUMN sla_breached      BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN trigger_count     INT NOT NULL DEFAULT 1,
    ADD COLUMN last_triggered_at TIMESTAMPTZ,
    ADD COLUMN acknowledged_at   TIMESTAMPTZ,
    ADD COLUMN acknowledged_by   BIGINT REFERENCES staff (id),
    ADD COLUMN acknowledged_by_type VARCHAR(16),       -- STAFF, PATIENT (level-1 advice read)
    ADD COLUMN resolved_by       BIGINT REFERENCES staff (id),
    ADD COLUMN resolution        VARCHAR(16),          -- INTERVENED, DISMISSED, ADVICE_READ
    ADD COLUMN intervention_type VARCHAR(32),          -- PHONE_ADVICE, MEDICATION_ADJUSTED, CLINIC_VISIT, ...
    ADD COLUMN dismiss_reason    VARCHAR(32),          -- FALSE_READING, ALREADY_HANDLED, NOT_RELEVANT, OTHER
    ADD COLUMN resolution_note   VARCHAR(500),
    ADD COLUMN version           INT NOT NULL DEFAULT 0;
-- one live alert per rule and patient: a repeat trigger adds evidence to it instead of a second alert
CREATE UNIQUE INDEX alert_one_live_per_rule_idx ON alert (patient_id, rule_code)
    WHERE status <> 'RESOLVED' AND rule_code IS NOT NULL;
CREATE INDEX alert_escalation_due_idx ON alert (due_at) WHERE status = 'OPEN' AND due_at IS NOT NULL;
CREATE INDEX alert_owner_live_idx ON alert (owner_id) WHERE status <> 'RESOLVED';
CREATE INDEX alert_rule_raised_idx ON alert (rule_code, raised_at);

-- every step of an alert's life, for the ladder's timing and the alert-fatigue figures
CREATE TABLE alert_event (
    id            BIGSERIAL PRIMARY KEY,
    alert_id      BIGINT       NOT NULL REFERENCES alert (id),
    kind          VARCHAR(16)  NOT NULL,   -- RAISED, RETRIGGERED, ESCALATED, ACKNOWLEDGED, RESOLVED, DISMISSED, ADVICE_READ
    level         INT          NOT NULL,
    actor_type    VARCHAR(16)  NOT NULL,   -- STAFF, PATIENT, SYSTEM
    actor_id      BIGINT,
    recipient_id  BIGINT REFERENCES staff (id),   -- who was told (owner at that step)
    note          VARCHAR(500),
    occurred_at   TIMESTAMPTZ  NOT NULL
);
CREATE INDEX alert_event_alert_idx ON alert_event (alert_id, id);

-- ---------------------------------------------------------------- the rules a clinician expects (version 1)
-- Condition types: reading (count of a code's readings meeting op/value within a window, one of them new),
-- rise (a new reading above the lowest of the window by more than `by`), score / answer (the questionnaire just
-- submitted), attempts (unreachable notes on the task), any / all. SLA null: the level's default (suifang.alerts.sla).
INSERT INTO alert_rule (code, version, name, description, trigger_kind, condition, pathway_codes, icd_prefixes, level,
                        sla_minutes, patient_advice, status, activated_at)
VALUES
('FPG_HIGH_REPEAT', 1, '空腹血糖两周内两次 >10 mmol/L',
 '14天内至少两次空腹血糖高于10 mmol/L：降糖方案可能需要调整，由随访护士联系核实用药与饮食，必要时转医师。',
 'READING', '{"type":"reading","code":"FPG","op":">","value":10,"atLeast":2,"withinDays":14}', '{}', '{}', 2, NULL,
 '您近两周空腹血糖多次偏高（高于10 mmol/L）。请按时用药、控制饮食，继续每天监测空腹血糖；随访护士会尽快与您联系。如出现口渴多尿明显、乏力、恶心呕吐或意识改变，请立即就医。',
 'ACTIVE', now()),
('GLUCOSE_LOW', 1, '低血糖（血糖 <3.9 mmol/L）',
 '空腹或餐后血糖低于3.9 mmol/L：先向患者自动推送低血糖处理建议；患者未确认已读或再次发生时升级给随访护士。',
 'READING', '{"type":"any","of":[{"type":"reading","code":"FPG","op":"<","value":3.9},{"type":"reading","code":"PPG","op":"<","value":3.9}]}',
 '{}', '{}', 1, NULL,
 '您的血糖低于3.9 mmol/L，属于低血糖。请立即吃15–20克含糖食物（如半杯果汁、3–5块方糖或2–3勺蜂蜜），15分钟后复测；仍低于3.9请再吃一次。如出现意识不清，家人请立即拨打120。',
 'ACTIVE', now()),
('BP_SEVERE', 1, '血压 ≥180/110 mmHg',
 '收缩压≥180或舒张压≥110 mmHg（3级高血压水平）：当天由随访护士联系，询问有无胸痛、头痛、肢体无力等，必要时转医师或急诊。',
 'READING', '{"type":"any","of":[{"type":"reading","code":"SBP","op":">=","value":180},{"type":"reading","code":"DBP","op":">=","value":110}]}',
 '{}', '{}', 2, 240,
 '您的血压明显偏高（≥180/110 mmHg）。请静坐休息5分钟后再测一次；如仍很高，或伴有胸痛、剧烈头痛、一侧肢体无力、说话不清、视物模糊，请立即拨打120或到急诊就诊。随访护士会尽快联系您。',
 'ACTIVE', now()),
('PHQ9_SEVERE_OR_SELF_HARM', 1, 'PHQ-9 ≥15 或有自伤念头（第9题）',
 'PHQ-9总分≥15（中重度及以上抑郁），或第9题（不如死掉或伤害自己的念头）任何非0回答：最高级别，立即由医师处理并评估自伤风险。',
 'QUESTIONNAIRE', '{"type":"any","of":[{"type":"score","questionnaire":"PHQ9","op":">=","value":15},{"type":"answer","questionnaire":"PHQ9","item":"q9","op":">","value":0}]}',
 '{}', '{}', 3, 60,
 '感谢您如实填写。医生会尽快与您联系。如果您现在有伤害自己的想法，请马上告诉身边的家人或朋友，并拨打心理援助热线12356或急救电话120。',
 'ACTIVE', now()),
('GAD7_SEVERE', 1, 'GAD-7 ≥15（重度焦虑）',
 'GAD-7总分≥15：由随访护士联系评估，必要时转心理咨询或医师。',
 'QUESTIONNAIRE', '{"type":"score","questionnaire":"GAD7","op":">=","value":15}', '{}', '{}', 2, NULL,
 '感谢您如实填写。您近期的焦虑情绪比较明显，随访护士会尽快与您联系。', 'ACTIVE', now()),
('HF_WEIGHT_GAIN', 1, '心衰患者3天内体重增加 >2 kg',
 '心力衰竭患者3天内体重增加超过2 kg，提示液体潴留、心衰加重可能：随访护士当天联系，核实症状与利尿剂使用，必要时转医师调整。',
 'READING', '{"type":"rise","code":"WEIGHT","by":2,"withinDays":3}', '{HF}', '{I50}', 2, NULL,
 '您3天内体重增加超过2公斤，可能是体内水分潴留。请减少饮水和食盐，按时服用利尿剂，注意有无气短加重、夜间不能平躺、脚踝浮肿；随访护士会尽快联系您，症状明显请立即就医。',
 'ACTIVE', now()),
('UNREACHABLE_TWICE', 1, '连续两次未联系上',
 '同一随访任务已两次记录“未联系上”：列入失访工作单，由随访护士改用其他方式（家属电话、企业微信、小程序提醒）联系。',
 'TASK', '{"type":"attempts","outcome":"UNREACHABLE","atLeast":2}', '{}', '{}', 2, NULL, NULL, 'ACTIVE', now()),
('PCI_CHEST_PAIN', 1, 'PCI术后胸痛持续或静息发作',
 'PCI术后自评：胸痛超过15分钟不缓解，或轻微活动/休息时发作：警惕支架内血栓或再狭窄，医师立即处理。',
 'QUESTIONNAIRE', '{"type":"any","of":[{"type":"answer","questionnaire":"PCI_SYMPTOM","item":"painDuration","op":">=","value":2},{"type":"answer","questionnaire":"PCI_SYMPTOM","item":"painAtRest","op":"=","value":1}]}',
 '{PCI}', '{}', 3, 120,
 '您填写的胸痛情况需要医生尽快评估。如果现在胸痛正在发作且超过15分钟不缓解，请立即拨打120，不要自行前往医院。',
 'ACTIVE', now()),
('PCI_ANTIPLATELET_STOPPED', 1, 'PCI术后自行停用抗血小板药',
 'PCI术后自行停用阿司匹林或P2Y12抑制剂，支架内血栓风险高：医师当天联系。',
 'QUESTIONNAIRE', '{"type":"answer","questionnaire":"PCI_SYMPTOM","item":"antiplatelet","op":"=","value":2}', '{PCI}', '{}', 3, 1440,
 '支架术后请不要自行停用抗血小板药物（阿司匹林、氯吡格雷或替格瑞洛），突然停药可能引起支架内血栓。医生会尽快与您联系。',
 'ACTIVE', now()),
('HF_SYMPTOMS_WORSE', 1, '心衰症状加重',
 '心衰自评：气短加重、不能平卧或浮肿明显加重：随访护士当天联系，必要时转医师。',
 'QUESTIONNAIRE', '{"type":"any","of":[{"type":"answer","questionnaire":"HF_SELFCHECK","item":"breathless","op":"=","value":1},{"type":"answer","questionnaire":"HF_SELFCHECK","item":"orthopnea","op":"=","value":1},{"type":"answer","questionnaire":"HF_SELFCHECK","item":"oedema","op":"=","value":2}]}',
 '{HF}', '{I50}', 2, NULL,
 '您填写的症状提示心衰可能有加重。请限制饮水和食盐，按时服药；随访护士会尽快联系您。如气短明显、不能平卧或咳粉红色泡沫痰，请立即拨打120。',
 'ACTIVE', now()),
('DM_SEVERE_HYPO', 1, '严重或反复低血糖',
 '糖尿病自评：两周内2次及以上低血糖，或低血糖需他人帮助：随访护士联系，转医师调整降糖方案。',
 'QUESTIONNAIRE', '{"type":"any","of":[{"type":"answer","questionnaire":"DM_SELFCHECK","item":"hypo","op":">=","value":2},{"type":"answer","questionnaire":"DM_SELFCHECK","item":"hypoHelp","op":"=","value":1}]}',
 '{T2DM}', '{E11}', 2, NULL,
 '您近期低血糖较多或较重，降糖方案可能需要调整。请随身携带糖果，告知家人低血糖的处理方法；随访护士会尽快联系您。',
 'ACTIVE', now());
