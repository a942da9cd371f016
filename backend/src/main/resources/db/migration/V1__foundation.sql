-- Suifang foundation schema.
-- Conventions: clinical rows carry created_by/at and changed_by/at and are voided with a reason,
-- never deleted (OpenMRS BaseOpenmrsData). Patient identifiers are stored only encrypted
-- (AES-GCM, *_enc) with an HMAC blind index (*_bidx) for exact lookup.

-- ---------------------------------------------------------------- organisation
CREATE TABLE hospital (
    id          BIGSERIAL PRIMARY KEY,
    code        VARCHAR(32)  NOT NULL UNIQUE,
    name        VARCHAR(128) NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE department (
    id          BIGSERIAL PRIMARY KEY,
    hospital_id BIGINT       NOT NULL REFERENCES hospital (id),
    code        VARCHAR(32)  NOT NULL,
    name        VARCHAR(128) NOT NULL,
    -- official number shown to patients for calls from this department (E.164 or local), optional
    caller_id   VARCHAR(32),
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (hospital_id, code)
);

CREATE TABLE staff (
    id            BIGSERIAL PRIMARY KEY,
    hospital_id   BIGINT       NOT NULL REFERENCES hospital (id),
    department_id BIGINT       NOT NULL REFERENCES department (id),
    employee_no   VARCHAR(32)  NOT NULL,
    name          VARCHAR(64)  NOT NULL,
    -- PHYSICIAN, NURSE_COORDINATOR, DIETITIAN, PSYCHOLOGIST, REHAB_THERAPIST, DEPARTMENT_HEAD, ADMIN
    roles         VARCHAR(32)[] NOT NULL,
    phone_enc     BYTEA,
    phone_bidx    BYTEA,
    wecom_user_id VARCHAR(64) UNIQUE,
    active        BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_by    BIGINT,
    changed_at    TIMESTAMPTZ,
    changed_by    BIGINT,
    UNIQUE (hospital_id, employee_no)
);
CREATE INDEX staff_department_idx ON staff (department_id);

CREATE TABLE care_team (
    id            BIGSERIAL PRIMARY KEY,
    department_id BIGINT       NOT NULL REFERENCES department (id),
    name          VARCHAR(128) NOT NULL,
    active        BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_by    BIGINT,
    UNIQUE (department_id, name)
);

CREATE TABLE care_team_member (
    care_team_id BIGINT      NOT NULL REFERENCES care_team (id),
    staff_id     BIGINT      NOT NULL REFERENCES staff (id),
    role         VARCHAR(32) NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (care_team_id, staff_id, role)
);
CREATE INDEX care_team_member_staff_idx ON care_team_member (staff_id);

-- ---------------------------------------------------------------- reference data
CREATE TABLE icd10_code (
    code     VARCHAR(16)  PRIMARY KEY,
    name     VARCHAR(256) NOT NULL
);

CREATE TABLE procedure_code (
    code     VARCHAR(16)  PRIMARY KEY,
    name     VARCHAR(256) NOT NULL
);

-- ---------------------------------------------------------------- patients
CREATE TABLE patient (
    id                   BIGSERIAL PRIMARY KEY,
    hospital_id          BIGINT       NOT NULL REFERENCES hospital (id),
    mrn                  VARCHAR(64)  NOT NULL,            -- hospital patient id (病案号/患者ID)
    name                 VARCHAR(64)  NOT NULL,
    gender               VARCHAR(8)   NOT NULL,            -- MALE, FEMALE, UNKNOWN
    birth_date           DATE,
    phone_enc            BYTEA,
    phone_bidx           BYTEA,
    id_card_enc          BYTEA,
    id_card_bidx         BYTEA,
    department_id        BIGINT       NOT NULL REFERENCES department (id),
    responsible_staff_id BIGINT       REFERENCES staff (id),
    care_team_id         BIGINT       REFERENCES care_team (id),
    tags                 VARCHAR(64)[] NOT NULL DEFAULT '{}',
    consent_follow_up    BOOLEAN      NOT NULL DEFAULT TRUE,
    consent_recording    BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at           TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_by           BIGINT,
    changed_at           TIMESTAMPTZ,
    changed_by           BIGINT,
    voided               BOOLEAN      NOT NULL DEFAULT FALSE,
    void_reason          VARCHAR(256),
    UNIQUE (hospital_id, mrn)
);
CREATE INDEX patient_department_idx ON patient (department_id);
CREATE INDEX patient_care_team_idx ON patient (care_team_id);
CREATE INDEX patient_responsible_idx ON patient (responsible_staff_id);
CREATE INDEX patient_phone_bidx_idx ON patient (phone_bidx);
CREATE INDEX patient_id_card_bidx_idx ON patient (id_card_bidx);

CREATE TABLE encounter (
    id                     BIGSERIAL PRIMARY KEY,
    patient_id             BIGINT       NOT NULL REFERENCES patient (id),
    source                 VARCHAR(32)  NOT NULL,          -- sending system, e.g. HIS
    source_encounter_id    VARCHAR(64)  NOT NULL,          -- 住院号/就诊号 in that system
    department_id          BIGINT       NOT NULL REFERENCES department (id),
    attending_staff_id     BIGINT       REFERENCES staff (id),
    admission_date         DATE         NOT NULL,
    discharge_date         DATE         NOT NULL,
    primary_diagnosis      VARCHAR(16)  NOT NULL,              -- ICD-10 (国家临床版 extensions allowed)
    diagnoses              VARCHAR(16)[] NOT NULL,
    procedures             VARCHAR(16)[] NOT NULL DEFAULT '{}',
    discharge_summary      TEXT,
    discharge_instructions TEXT,
    discharge_medications  VARCHAR(128)[] NOT NULL DEFAULT '{}',
    content_hash           VARCHAR(64)  NOT NULL,          -- of the imported record, for idempotent re-import
    created_at             TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_by             BIGINT,
    changed_at             TIMESTAMPTZ,
    changed_by             BIGINT,
    voided                 BOOLEAN      NOT NULL DEFAULT FALSE,
    void_reason            VARCHAR(256),
    UNIQUE (source, source_encounter_id),
    CHECK (discharge_date >= admission_date)
);
CREATE INDEX encounter_patient_idx ON encounter (patient_id, discharge_date DESC);

-- ---------------------------------------------------------------- pathways
CREATE TABLE pathway (
    id                BIGSERIAL PRIMARY KEY,
    code              VARCHAR(32)  NOT NULL,
    version           INT          NOT NULL,
    name              VARCHAR(128) NOT NULL,
    description       TEXT,
    -- matching: any ICD-10 prefix OR any procedure code, optionally restricted to departments
    icd_prefixes      VARCHAR(16)[] NOT NULL DEFAULT '{}',
    procedure_codes   VARCHAR(16)[] NOT NULL DEFAULT '{}',
    department_codes  VARCHAR(32)[] NOT NULL DEFAULT '{}',
    priority          INT          NOT NULL DEFAULT 0,     -- higher wins when several match
    status            VARCHAR(16)  NOT NULL,               -- DRAFT, ACTIVE, RETIRED
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    created_by        BIGINT,
    activated_at      TIMESTAMPTZ,
    activated_by      BIGINT,
    UNIQUE (code, version)
);
-- at most one active version per pathway code
CREATE UNIQUE INDEX pathway_one_active_idx ON pathway (code) WHERE status = 'ACTIVE';

CREATE TABLE pathway_step (
    id                 BIGSERIAL PRIMARY KEY,
    pathway_id         BIGINT       NOT NULL REFERENCES pathway (id),
    seq                INT          NOT NULL,
    offset_days        INT          NOT NULL CHECK (offset_days >= 0),
    window_days        INT          NOT NULL DEFAULT 3 CHECK (window_days >= 0),
    channel            VARCHAR(16)  NOT NULL,              -- PHONE, QUESTIONNAIRE, VISIT
    role               VARCHAR(32)  NOT NULL,
    title              VARCHAR(128) NOT NULL,
    questionnaire_code VARCHAR(32),
    instructions       TEXT,
    questions          VARCHAR(256)[] NOT NULL DEFAULT '{}', -- what the caller should ask
    UNIQUE (pathway_id, seq)
);

-- one care plan per (encounter, pathway version)
CREATE TABLE care_plan (
    id            BIGSERIAL PRIMARY KEY,
    patient_id    BIGINT      NOT NULL REFERENCES patient (id),
    encounter_id  BIGINT      NOT NULL REFERENCES encounter (id),
    pathway_id    BIGINT      NOT NULL REFERENCES pathway (id),
    start_date    DATE        NOT NULL,
    status        VARCHAR(16) NOT NULL,                    -- ACTIVE, COMPLETED, CANCELLED
    next_step_seq INT         NOT NULL DEFAULT 1,          -- first step not yet materialised as a task
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by    BIGINT,
    changed_at    TIMESTAMPTZ,
    UNIQUE (encounter_id)
);
CREATE INDEX care_plan_active_idx ON care_plan (status, next_step_seq) WHERE status = 'ACTIVE';

-- ---------------------------------------------------------------- tasks
CREATE TABLE follow_up_task (
    id              BIGSERIAL PRIMARY KEY,
    patient_id      BIGINT      NOT NULL REFERENCES patient (id),
    care_plan_id    BIGINT      NOT NULL REFERENCES care_plan (id),
    step_id         BIGINT      REFERENCES pathway_step (id),  -- null for ad-hoc/rescheduled contacts
    -- generation key: (care_plan_id, step_id, occurrence) is unique, the backstop that makes
    -- generation idempotent across instances; occurrence > 0 for rescheduled follow-ups
    occurrence      INT         NOT NULL DEFAULT 0,
    title           VARCHAR(128) NOT NULL,
    channel         VARCHAR(16) NOT NULL,
    role            VARCHAR(32) NOT NULL,
    assignee_id     BIGINT      REFERENCES staff (id),
    due_date        DATE        NOT NULL,
    window_end      DATE        NOT NULL,
    status          VARCHAR(16) NOT NULL,                  -- PENDING, IN_PROGRESS, COMPLETED, UNREACHABLE, REFUSED, CANCELLED
    overdue         BOOLEAN     NOT NULL DEFAULT FALSE,    -- maintained by the scheduler; also derivable
    attempts        INT         NOT NULL DEFAULT 0,
    outcome         VARCHAR(16),
    completed_at    TIMESTAMPTZ,
    version         INT         NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by      BIGINT,
    changed_at      TIMESTAMPTZ,
    changed_by      BIGINT,
    UNIQUE (care_plan_id, step_id, occurrence)
);
CREATE UNIQUE INDEX follow_up_task_adhoc_idx ON follow_up_task (care_plan_id, occurrence) WHERE step_id IS NULL;
-- "my tasks": open tasks of one assignee by due date, keyset on (due_date, id)
CREATE INDEX follow_up_task_assignee_open_idx ON follow_up_task (assignee_id, due_date, id)
    WHERE status IN ('PENDING', 'IN_PROGRESS');
CREATE INDEX follow_up_task_patient_idx ON follow_up_task (patient_id, due_date);
CREATE INDEX follow_up_task_open_due_idx ON follow_up_task (due_date) WHERE status IN ('PENDING', 'IN_PROGRESS');

-- ---------------------------------------------------------------- notes and observations
CREATE TABLE follow_up_note (
    id                 BIGSERIAL PRIMARY KEY,
    task_id            BIGINT       NOT NULL REFERENCES follow_up_task (id),
    patient_id         BIGINT       NOT NULL REFERENCES patient (id),
    author_id          BIGINT       NOT NULL REFERENCES staff (id),
    client_request_id  VARCHAR(64)  NOT NULL UNIQUE,       -- idempotent submit from a flaky phone
    outcome            VARCHAR(16)  NOT NULL,              -- COMPLETED, UNREACHABLE, REFUSED, READMITTED
    contact_channel    VARCHAR(16)  NOT NULL,
    symptoms           VARCHAR(64)[] NOT NULL DEFAULT '{}',
    adherence          VARCHAR(16),                        -- GOOD, PARTIAL, POOR, STOPPED
    adverse_reactions  VARCHAR(64)[] NOT NULL DEFAULT '{}',
    advice             VARCHAR(64)[] NOT NULL DEFAULT '{}',
    next_contact_date  DATE,
    free_text          TEXT,
    created_at         TIMESTAMPTZ  NOT NULL DEFAULT now(),
    voided             BOOLEAN      NOT NULL DEFAULT FALSE,
    void_reason        VARCHAR(256)
);
CREATE INDEX follow_up_note_patient_idx ON follow_up_note (patient_id, created_at DESC);
CREATE INDEX follow_up_note_task_idx ON follow_up_note (task_id);

CREATE TABLE observation (
    id            BIGSERIAL PRIMARY KEY,
    patient_id    BIGINT        NOT NULL REFERENCES patient (id),
    code          VARCHAR(32)   NOT NULL,                  -- SBP, DBP, HR, FPG, PPG, HBA1C, LDL_C, WEIGHT, ...
    value         NUMERIC(10,3) NOT NULL,
    unit          VARCHAR(16)   NOT NULL,
    effective_at  TIMESTAMPTZ   NOT NULL,
    source        VARCHAR(16)   NOT NULL,                  -- LAB, NOTE, PATIENT, DEVICE
    note_id       BIGINT        REFERENCES follow_up_note (id),
    encounter_id  BIGINT        REFERENCES encounter (id),
    created_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    created_by    BIGINT,
    voided        BOOLEAN       NOT NULL DEFAULT FALSE,
    void_reason   VARCHAR(256)
);
CREATE INDEX observation_patient_code_idx ON observation (patient_id, code, effective_at DESC);

-- placeholder for the alert feature (issue 6); the brief shows active alerts already
CREATE TABLE alert (
    id            BIGSERIAL PRIMARY KEY,
    patient_id    BIGINT       NOT NULL REFERENCES patient (id),
    level         INT          NOT NULL CHECK (level BETWEEN 1 AND 3),
    title         VARCHAR(128) NOT NULL,
    status        VARCHAR(16)  NOT NULL,                   -- OPEN, ACKNOWLEDGED, RESOLVED
    owner_id      BIGINT       REFERENCES staff (id),
    raised_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    resolved_at   TIMESTAMPTZ
);
CREATE INDEX alert_patient_open_idx ON alert (patient_id) WHERE status <> 'RESOLVED';

-- ---------------------------------------------------------------- import jobs
CREATE TABLE import_job (
    id           BIGSERIAL PRIMARY KEY,
    format       VARCHAR(8)   NOT NULL,                    -- JSON, CSV
    source       VARCHAR(32)  NOT NULL,
    status       VARCHAR(16)  NOT NULL,                    -- RUNNING, COMPLETED, FAILED
    total        INT          NOT NULL DEFAULT 0,
    processed    INT          NOT NULL DEFAULT 0,
    created      INT          NOT NULL DEFAULT 0,
    unchanged    INT          NOT NULL DEFAULT 0,
    updated      INT          NOT NULL DEFAULT 0,
    failed       INT          NOT NULL DEFAULT 0,
    errors       JSONB        NOT NULL DEFAULT '[]',
    created_by   BIGINT       NOT NULL REFERENCES staff (id),
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ
);

-- ---------------------------------------------------------------- audit trail
-- Append-only and hash-chained: hash = sha256(prev_hash || canonical row). Rows are written
-- under an advisory lock so the chain is linear; UPDATE and DELETE are refused by trigger.
CREATE TABLE audit_event (
    id            BIGSERIAL PRIMARY KEY,
    occurred_at   TIMESTAMPTZ  NOT NULL,
    actor_type    VARCHAR(16)  NOT NULL,                   -- STAFF, PATIENT, SYSTEM
    actor_id      BIGINT,
    action        VARCHAR(48)  NOT NULL,
    resource_type VARCHAR(32)  NOT NULL,
    resource_id   VARCHAR(64),
    patient_ids   BIGINT[]     NOT NULL DEFAULT '{}',
    client_ip     VARCHAR(64),
    detail        TEXT,
    prev_hash     VARCHAR(64)  NOT NULL,
    hash          VARCHAR(64)  NOT NULL
);
CREATE INDEX audit_event_patient_idx ON audit_event USING GIN (patient_ids);
CREATE INDEX audit_event_actor_idx ON audit_event (actor_type, actor_id, occurred_at);

CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
