-- The patient mini-program: WeChat accounts (openid encrypted, found by its blind index), their bindings to patients
-- (the patient themself, or a family member acting for them once the patient has consented), and who reported what.

CREATE TABLE miniapp_account (
    id            BIGSERIAL PRIMARY KEY,
    openid_enc    BYTEA        NOT NULL,
    openid_bidx   BYTEA        NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE patient_binding (
    id              BIGSERIAL PRIMARY KEY,
    account_id      BIGINT       NOT NULL REFERENCES miniapp_account (id),
    patient_id      BIGINT       NOT NULL REFERENCES patient (id),
    kind            VARCHAR(8)   NOT NULL,            -- SELF, PROXY
    relation        VARCHAR(16),                      -- PROXY: SPOUSE, CHILD, PARENT, SIBLING, OTHER
    status          VARCHAR(16)  NOT NULL,            -- ACTIVE, PENDING (proxy awaiting the patient's consent), REVOKED
    consent_by      VARCHAR(16),                      -- PROXY: PATIENT (in their own mini-program) or STAFF (asked by phone)
    consent_by_id   BIGINT,                           -- the patient's own binding, or the staff member
    consent_note    VARCHAR(200),
    consented_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    revoked_at      TIMESTAMPTZ,
    revoked_reason  VARCHAR(32)
);
CREATE UNIQUE INDEX patient_binding_live_idx ON patient_binding (account_id, patient_id) WHERE status <> 'REVOKED';
CREATE INDEX patient_binding_patient_idx ON patient_binding (patient_id) WHERE status <> 'REVOKED';

-- who reported a reading or answered a questionnaire from the mini-program (the patient's or a proxy's binding)
ALTER TABLE observation ADD COLUMN binding_id BIGINT REFERENCES patient_binding (id);
ALTER TABLE questionnaire_response ADD COLUMN binding_id BIGINT REFERENCES patient_binding (id);
-- readings reported from the mini-program are idempotent by the client's request id
ALTER TABLE observation ADD COLUMN client_request_id VARCHAR(64);
CREATE UNIQUE INDEX observation_client_request_idx ON observation (client_request_id, code) WHERE client_request_id IS NOT NULL;

-- points (积分) for completed follow-ups: a ledger; one entry per (patient, reason, reference), so nothing is paid twice
CREATE TABLE points_entry (
    id          BIGSERIAL PRIMARY KEY,
    patient_id  BIGINT       NOT NULL REFERENCES patient (id),
    points      INT          NOT NULL,
    reason      VARCHAR(32)  NOT NULL,      -- QUESTIONNAIRE, READINGS
    reference   VARCHAR(64)  NOT NULL,      -- the task id, or the day of the readings
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (patient_id, reason, reference)
);
