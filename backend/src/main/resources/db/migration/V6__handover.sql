-- Handover (交接): when a doctor changes posts or leaves, everything they own moves to a colleague in one
-- transaction, with a per-patient summary of what was handed over. Then the patients who are the doctor's WeCom
-- external contacts are transferred on WeCom too (在职继承 / 离职继承), each customer's result tracked.

CREATE TABLE handover (
    id             BIGSERIAL PRIMARY KEY,
    hospital_id    BIGINT       NOT NULL REFERENCES hospital (id),
    request_id     UUID         NOT NULL UNIQUE,           -- the client's (or the WeCom event's) idempotency key
    from_staff_id  BIGINT       NOT NULL REFERENCES staff (id),
    to_staff_id    BIGINT       NOT NULL REFERENCES staff (id),
    reason         VARCHAR(24)  NOT NULL,                  -- MANUAL, MEMBER_LEFT
    patients       INT          NOT NULL,                  -- patients whose responsible staff member changed
    tasks          INT          NOT NULL,                  -- open tasks re-assigned
    alerts         INT          NOT NULL,                  -- open alerts re-owned
    team_seats     INT          NOT NULL,                  -- care-team seats taken over
    requested_by   BIGINT       REFERENCES staff (id),     -- null: WeCom's member-left event
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CHECK (from_staff_id <> to_staff_id),
    CHECK (reason IN ('MANUAL', 'MEMBER_LEFT'))
);
CREATE INDEX handover_from_idx ON handover (from_staff_id, created_at DESC);
CREATE INDEX handover_to_idx ON handover (to_staff_id, created_at DESC);

-- one row per patient touched: what B takes over (open tasks, last note, active alerts) as it stood at the handover
CREATE TABLE handover_item (
    handover_id    BIGINT       NOT NULL REFERENCES handover (id),
    patient_id     BIGINT       NOT NULL REFERENCES patient (id),
    responsible    BOOLEAN      NOT NULL,                  -- A was the patient's responsible staff member
    open_tasks     INT          NOT NULL,
    active_alerts  INT          NOT NULL,
    summary        JSONB        NOT NULL,                  -- {"openTasks":[…], "lastNote":{…}, "activeAlerts":[…]}
    PRIMARY KEY (handover_id, patient_id)
);
CREATE INDEX handover_item_patient_idx ON handover_item (patient_id);

-- which WeCom external contact (客户) is which patient, and whose contact it is
CREATE TABLE patient_wecom_contact (
    patient_id       BIGINT       NOT NULL REFERENCES patient (id),
    external_userid  VARCHAR(64)  NOT NULL,
    staff_id         BIGINT       NOT NULL REFERENCES staff (id),
    linked_by        BIGINT       REFERENCES staff (id),
    linked_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (external_userid, staff_id)
);
CREATE INDEX patient_wecom_contact_patient_idx ON patient_wecom_contact (patient_id);
CREATE INDEX patient_wecom_contact_staff_idx ON patient_wecom_contact (staff_id);

-- WeCom customer transfers: one row per customer per handover
CREATE TABLE customer_transfer (
    id               BIGSERIAL PRIMARY KEY,
    handover_id      BIGINT       NOT NULL REFERENCES handover (id),
    patient_id       BIGINT       NOT NULL REFERENCES patient (id),
    external_userid  VARCHAR(64)  NOT NULL,
    handover_userid  VARCHAR(64)  NOT NULL,
    takeover_userid  VARCHAR(64)  NOT NULL,
    resigned         BOOLEAN      NOT NULL,                -- 离职继承 (A has left) rather than 在职继承
    -- QUEUED: to be asked; NOT_SENT_LIMIT: already moved twice in 90 days, not asked; STARTED: WeCom accepted (errcode 0);
    -- FAILED: WeCom refused to start it (errcode); WAITING (2), COMPLETED (1), REFUSED (3), LIMIT_REACHED (4), NO_RECORD (5)
    status           VARCHAR(16)  NOT NULL,
    errcode          INT,
    takeover_at      TIMESTAMPTZ,
    polls            INT          NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    changed_at       TIMESTAMPTZ,
    UNIQUE (handover_id, external_userid)
);
CREATE INDEX customer_transfer_open_idx ON customer_transfer (handover_id) WHERE status IN ('QUEUED', 'STARTED', 'WAITING');
CREATE INDEX customer_transfer_customer_idx ON customer_transfer (external_userid, created_at);
