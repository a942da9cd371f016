-- WeCom app messages (应用消息) to staff: an outbox that is also the record of what was sent. A dispatcher sends
-- due rows within WeCom's per-member limits (≤ 30 a minute, ≤ 1000 an hour: the excess is dropped silently by WeCom).
CREATE TABLE wecom_message (
    id                  BIGSERIAL PRIMARY KEY,
    recipient_staff_id  BIGINT        NOT NULL REFERENCES staff (id),
    recipient_user_id   VARCHAR(64),                         -- staff.wecom_user_id when queued
    kind                VARCHAR(24)   NOT NULL,              -- DAILY_DIGEST, ALERT_ASSIGNED, ALERT_ESCALATED
    dedup_key           VARCHAR(128)  NOT NULL UNIQUE,       -- one message per event, however often it is produced
    title               VARCHAR(128)  NOT NULL,
    description         VARCHAR(512)  NOT NULL,
    url                 VARCHAR(1024) NOT NULL,
    -- QUEUED, SENDING (claimed by a dispatcher), SENT, FAILED (gave up or refused), INVALID_USER (WeCom does not know
    -- the member), NO_WECOM_ID (the staff member has no WeCom account)
    status              VARCHAR(16)   NOT NULL,
    attempts            INT           NOT NULL DEFAULT 0,
    next_attempt_at     TIMESTAMPTZ   NOT NULL,
    claimed_at          TIMESTAMPTZ,
    msgid               VARCHAR(128),
    errcode             INT,
    created_at          TIMESTAMPTZ   NOT NULL DEFAULT now(),
    sent_at             TIMESTAMPTZ
);
CREATE INDEX wecom_message_due_idx ON wecom_message (next_attempt_at, id) WHERE status = 'QUEUED';
CREATE INDEX wecom_message_recipient_idx ON wecom_message (recipient_staff_id, created_at DESC);
