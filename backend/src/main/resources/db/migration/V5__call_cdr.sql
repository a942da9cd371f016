-- mod_json_cdr reconciliation (issue 3): FreeSWITCH posts one CDR per channel when it is destroyed; it is a
-- second record of truth next to the events the bridge delivered. Only what the dashboards and the
-- reconciliation need is kept here. CDRs also carry phone numbers and caller names: those are not stored.

CREATE TABLE call_cdr (
    id                     BIGSERIAL    PRIMARY KEY,
    call_id                UUID         NOT NULL REFERENCES call_record (id),
    leg                    VARCHAR(16)  NOT NULL,           -- DOCTOR (A-leg, uuid = call id) or PATIENT (B-leg)
    channel_uuid           VARCHAR(64)  NOT NULL UNIQUE,    -- the switch posts each channel once; a repost changes nothing
    core_uuid              VARCHAR(64),                     -- the CDR's "core-uuid"
    hangup_cause           VARCHAR(64),
    originate_disposition  VARCHAR(64),                     -- A-leg only: why the B-leg failed
    started_at             TIMESTAMPTZ,
    answered_at            TIMESTAMPTZ,
    bridged_at             TIMESTAMPTZ,
    ended_at               TIMESTAMPTZ,
    billsec                INT,
    duration_sec           INT,
    -- the call was still open when this CDR arrived and the CDR ended it (the bridge lost its events)
    closed_call            BOOLEAN      NOT NULL DEFAULT false,
    received_at            TIMESTAMPTZ  NOT NULL,
    CHECK (leg IN ('DOCTOR', 'PATIENT')),
    CHECK (billsec IS NULL OR billsec >= 0),
    CHECK (duration_sec IS NULL OR duration_sec >= 0)
);
CREATE INDEX call_cdr_call_idx ON call_cdr (call_id);

-- Where the switch's record and the event-derived call record disagree. The call record keeps the
-- event-derived value; the disagreement is kept here for whoever looks into it.
CREATE TABLE call_cdr_mismatch (
    id              BIGSERIAL    PRIMARY KEY,
    call_id         UUID         NOT NULL REFERENCES call_record (id),
    cdr_id          BIGINT       NOT NULL REFERENCES call_cdr (id),
    field           VARCHAR(32)  NOT NULL,   -- outcome, hangup_cause, billsec, duration_sec, doctor_answered_at, patient_answered_at
    recorded_value  VARCHAR(64),             -- in call_record (from the events), kept
    cdr_value       VARCHAR(64),             -- what the CDR says
    detected_at     TIMESTAMPTZ  NOT NULL,
    UNIQUE (cdr_id, field)
);
CREATE INDEX call_cdr_mismatch_call_idx ON call_cdr_mismatch (call_id, detected_at);
