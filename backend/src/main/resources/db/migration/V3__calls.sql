-- One-tap call-out (issue 3): the call record the workbench shows and dashboards aggregate, and every
-- call event the telephony bridge delivered (idempotency key and audit of what the switch reported).

-- ---------------------------------------------------------------- calls
CREATE TABLE call_record (
    id                   UUID         PRIMARY KEY,          -- the callId sent to the bridge (doctor leg's origination_uuid)
    task_id              BIGINT       NOT NULL REFERENCES follow_up_task (id),
    patient_id           BIGINT       NOT NULL REFERENCES patient (id),
    staff_id             BIGINT       NOT NULL REFERENCES staff (id),      -- the caller
    staff_department_id  BIGINT       NOT NULL REFERENCES department (id), -- caller's department at call time
    department_id        BIGINT       NOT NULL REFERENCES department (id), -- patient's department (whose number is shown)
    caller_id_number     VARCHAR(32)  NOT NULL,             -- official number shown to the patient
    recording_requested  BOOLEAN      NOT NULL,             -- patient's consent_recording at call time
    -- REQUESTED, DIALING_DOCTOR, RINGING_PATIENT, IN_CALL, ENDED
    status               VARCHAR(16)  NOT NULL,
    -- CONNECTED, DOCTOR_NO_ANSWER, PATIENT_NO_ANSWER, BUSY, REJECTED, INVALID_NUMBER, FAILED, CANCELLED
    outcome              VARCHAR(24),
    hangup_cause         VARCHAR(64),                       -- FreeSWITCH hang-up cause, e.g. NO_ANSWER, USER_BUSY
    requested_at         TIMESTAMPTZ  NOT NULL,
    doctor_answered_at   TIMESTAMPTZ,
    patient_answered_at  TIMESTAMPTZ,
    ended_at             TIMESTAMPTZ,
    billsec              INT,                               -- talk time with the patient, seconds
    duration_sec         INT,                               -- whole call-back, seconds
    recording_path       VARCHAR(1024),
    recording_ready_at   TIMESTAMPTZ,
    cancel_requested_at  TIMESTAMPTZ,
    last_event_rank      INT          NOT NULL DEFAULT 0,   -- highest CallEventType.rank applied
    last_event_at        TIMESTAMPTZ,                       -- when the last event was received
    created_at           TIMESTAMPTZ  NOT NULL DEFAULT now(),
    changed_at           TIMESTAMPTZ,
    CHECK (status IN ('REQUESTED', 'DIALING_DOCTOR', 'RINGING_PATIENT', 'IN_CALL', 'ENDED')),
    CHECK (billsec IS NULL OR billsec >= 0),
    CHECK (duration_sec IS NULL OR duration_sec >= 0)
);
-- attempts per task, the task's call list
CREATE INDEX call_record_task_idx ON call_record (task_id, requested_at DESC);
CREATE INDEX call_record_patient_idx ON call_record (patient_id, requested_at DESC);
-- dashboards: connect rate / talk time by staff, department, number, hour (hour derived from requested_at)
CREATE INDEX call_record_staff_idx ON call_record (staff_id, requested_at);
CREATE INDEX call_record_department_idx ON call_record (department_id, requested_at);
CREATE INDEX call_record_caller_id_idx ON call_record (caller_id_number, requested_at);
-- "is there an active call for this task"
CREATE INDEX call_record_active_idx ON call_record (task_id) WHERE status <> 'ENDED';

CREATE TABLE call_event (
    id            BIGSERIAL    PRIMARY KEY,
    call_id       UUID         NOT NULL REFERENCES call_record (id),
    core_uuid     VARCHAR(64)  NOT NULL,                    -- FreeSWITCH Core-UUID, or "bridge"
    sequence      BIGINT       NOT NULL,                    -- Event-Sequence within that core
    type          VARCHAR(32)  NOT NULL,                    -- CallEventType
    leg           VARCHAR(16),                              -- DOCTOR, PATIENT, CALL
    channel_uuid  VARCHAR(64),
    hangup_cause  VARCHAR(64),
    outcome       VARCHAR(24),
    billsec       INT,
    duration_sec  INT,
    occurred_at   TIMESTAMPTZ  NOT NULL,
    received_at   TIMESTAMPTZ  NOT NULL,
    stream_id     VARCHAR(32),                              -- Redis Stream entry id it came in
    UNIQUE (call_id, core_uuid, sequence, type)
);
CREATE INDEX call_event_call_idx ON call_event (call_id, occurred_at);
