-- Advice library and interventions (健康干预 / 饮食运动心理建议). Clinicians curate advice items by condition and risk;
-- rules (the patient's live tags, pathway, diagnoses) suggest the items that fit a patient; a clinician sends one, which
-- records an intervention (a snapshot of the text as sent), shows it to the patient in the mini-program, and asks at the
-- check date whether it was done — the patient answers there, or staff record it after a call.

CREATE TABLE advice_item (
    id              BIGSERIAL PRIMARY KEY,
    code            VARCHAR(48)   NOT NULL UNIQUE,
    kind            VARCHAR(16)   NOT NULL,            -- DIET, EXERCISE, MENTAL, MEDICATION, LIFESTYLE
    title           VARCHAR(64)   NOT NULL,            -- what the patient sees as the heading
    body            TEXT          NOT NULL,            -- the advice, in plain words for the patient
    tag_codes       VARCHAR(48)[] NOT NULL DEFAULT '{}', -- suggested to patients with one of these live tags …
    pathway_codes   VARCHAR(32)[] NOT NULL DEFAULT '{}', -- … and/or on one of these pathways
    icd_prefixes    VARCHAR(16)[] NOT NULL DEFAULT '{}', -- … or with one of these diagnoses (all empty: everyone)
    check_in_days   INT           NOT NULL DEFAULT 14 CHECK (check_in_days BETWEEN 1 AND 180),
    status          VARCHAR(16)   NOT NULL,            -- ACTIVE, RETIRED
    created_at      TIMESTAMPTZ   NOT NULL DEFAULT now(),
    created_by      BIGINT,
    changed_at      TIMESTAMPTZ,
    changed_by      BIGINT
);

CREATE TABLE intervention (
    id                BIGSERIAL PRIMARY KEY,
    patient_id        BIGINT        NOT NULL REFERENCES patient (id),
    advice_item_id    BIGINT        REFERENCES advice_item (id),  -- null for advice written for this patient only
    kind              VARCHAR(16)   NOT NULL,
    title             VARCHAR(64)   NOT NULL,                      -- as sent
    body              TEXT          NOT NULL,                      -- as sent
    reason            TEXT,                                        -- why it was chosen (the tag and its reason)
    status            VARCHAR(16)   NOT NULL,                      -- ACTIVE, COMPLETED, CANCELLED
    sent_at           TIMESTAMPTZ   NOT NULL,
    sent_by           BIGINT        NOT NULL REFERENCES staff (id),
    check_due_on      DATE          NOT NULL,                      -- when to ask whether it was done
    read_at           TIMESTAMPTZ,                                 -- the patient opened it in the mini-program
    outcome           VARCHAR(16),                                 -- DONE, PARTLY, NOT_DONE
    outcome_note      VARCHAR(256),
    outcome_at        TIMESTAMPTZ,
    outcome_by_type   VARCHAR(16),                                 -- PATIENT, PROXY, STAFF
    outcome_by_id     BIGINT
);
CREATE INDEX intervention_patient_idx ON intervention (patient_id, sent_at DESC);
-- one live intervention per library item and patient
CREATE UNIQUE INDEX intervention_live_item_idx ON intervention (patient_id, advice_item_id)
    WHERE status = 'ACTIVE' AND advice_item_id IS NOT NULL;

-- The starting library: general patient education in line with common Chinese guidance (hypertension, diabetes,
-- lipids, smoking cessation, cardiac rehabilitation, heart failure self-care, mood); the hospital edits it.
INSERT INTO advice_item (code, kind, title, body, tag_codes, pathway_codes, icd_prefixes, check_in_days, status) VALUES
('LOW_SALT', 'DIET', '减盐：每天不超过5克', '每天食盐不超过5克（约一啤酒瓶盖），少用酱油、味精，少吃咸菜、腌肉、方便面等加工食品。做菜出锅前再放盐，可用醋、葱姜蒜调味。坚持两周，口味会慢慢变淡。',
 '{HTN_UNCONTROLLED}', '{HTN}', '{I10,I11,I12,I13,I15}', 14, 'ACTIVE'),
('HOME_BP', 'LIFESTYLE', '在家规律测血压', '每天早晚各测一次血压：早上起床后1小时内、服药前、排尿后；晚上睡前。测前静坐5分钟，每次测2遍取平均，记在小程序里，复诊时医生能看到变化。',
 '{HTN_UNCONTROLLED,NOT_SELF_MONITORING}', '{}', '{}', 14, 'ACTIVE'),
('DM_DIET', 'DIET', '控糖饮食：主食定量', '每餐主食约一拳头大小，粗细搭配（如杂粮饭、燕麦）；先吃蔬菜、再吃肉蛋、最后吃主食；不喝含糖饮料，水果放在两餐之间少量吃。',
 '{DM_UNCONTROLLED,DIABETES_RISK}', '{T2DM}', '{E10,E11,E13,E14}', 14, 'ACTIVE'),
('DM_EXERCISE', 'EXERCISE', '饭后走一走', '每天三餐后1小时左右快走20–30分钟，每周至少5天；随身带几块糖，出现心慌、出汗、手抖时立即吃糖并休息。',
 '{DM_UNCONTROLLED,DIABETES_RISK,OBESITY}', '{T2DM}', '{}', 14, 'ACTIVE'),
('LIPID_DIET', 'DIET', '少吃肥肉和油炸食品', '少吃肥肉、动物内脏、油炸食品和糕点；烹调油每天不超过25克（约2.5汤匙）；每周吃2次鱼。降脂药请按时服用，不要因为化验正常就自行停药。',
 '{LDL_UNCONTROLLED,ASCVD_HIGH_RISK}', '{PCI}', '{I20,I21,I22,I23,I24,I25,I63}', 30, 'ACTIVE'),
('QUIT_SMOKING', 'LIFESTYLE', '戒烟：从今天开始', '吸烟会让支架内再狭窄和心梗的风险明显升高。定一个戒烟日，告诉家人监督；扔掉烟和打火机；想吸烟时喝水、嚼无糖口香糖或散步5分钟。需要帮助可拨打戒烟热线 400-888-5531，或请医生开戒烟药物。',
 '{SMOKER}', '{}', '{}', 30, 'ACTIVE'),
('MED_ADHERENCE', 'MEDICATION', '按时按量服药', '把药盒放在每天都会看到的地方，用分药盒或手机闹钟提醒；漏服后不要下次加倍；有不舒服或想停药，先问随访医生，不要自行停药。',
 '{POOR_ADHERENCE}', '{}', '{}', 14, 'ACTIVE'),
('CARDIAC_REHAB', 'EXERCISE', '心脏康复：循序渐进地动起来', '出院后第1–2周以室内和小区散步为主，每次10–15分钟；之后每周增加5分钟，逐步达到每周5次、每次30分钟。运动中能说话但不能唱歌为宜；出现胸痛、胸闷、气短立即停止，休息不缓解请就医。',
 '{}', '{PCI}', '{I21,I25}', 30, 'ACTIVE'),
('HF_WEIGHT', 'LIFESTYLE', '每天称体重', '每天早晨排尿后、早餐前穿同样的衣服称体重并记录；3天内增加2公斤以上，或下肢肿、夜里不能平躺，请及时联系随访医生。',
 '{}', '{HF}', '{I50}', 14, 'ACTIVE'),
('WEIGHT_LOSS', 'DIET', '减重：每月1–2公斤', '每餐七分饱，晚餐少吃；用蔬菜代替一部分主食；每周快走或骑车累计150分钟以上。目标是每月减1–2公斤，半年减去体重的5%–10%。',
 '{OBESITY}', '{}', '{}', 30, 'ACTIVE'),
('MOOD', 'MENTAL', '照顾好情绪', '病后担心、睡不好很常见。每天留出时间做喜欢的事、和家人朋友聊聊；规律作息、白天适当活动。如果两周以上持续情绪低落、对什么都提不起兴趣，请告诉随访医生，可以获得专业帮助。',
 '{LOW_MOOD}', '{}', '{}', 14, 'ACTIVE');
