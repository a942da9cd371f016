-- Subscribe messages (订阅消息) to patients in the mini-program. WeChat lets an app send a one-time template message
-- once per consent (wx.requestSubscribeMessage); medical apps may also hold long-term consent. We count the consents per
-- account and template kind, queue each message once (dedup key) and spend a consent when it is sent.
CREATE TABLE miniapp_subscription (
    account_id  BIGINT       NOT NULL REFERENCES miniapp_account (id),
    template    VARCHAR(16)  NOT NULL,             -- REMINDER (follow-up due), ADVICE (automatic advice from an alert)
    credits     INT          NOT NULL DEFAULT 0 CHECK (credits >= 0),   -- one-time consents not yet used
    long_term   BOOLEAN      NOT NULL DEFAULT FALSE,
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, template)
);

CREATE TABLE miniapp_message (
    id              BIGSERIAL PRIMARY KEY,
    account_id      BIGINT       NOT NULL REFERENCES miniapp_account (id),
    patient_id      BIGINT       NOT NULL REFERENCES patient (id),
    template        VARCHAR(16)  NOT NULL,
    dedup_key       VARCHAR(128) NOT NULL UNIQUE,
    page            VARCHAR(128) NOT NULL,
    data            JSONB        NOT NULL,          -- template field → value, already within WeChat's limits
    status          VARCHAR(16)  NOT NULL,          -- QUEUED, SENT, NO_CONSENT (no subscription left), REFUSED (43101), FAILED
    attempts        INT          NOT NULL DEFAULT 0,
    last_errcode    INT,
    next_attempt_at TIMESTAMPTZ  NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ
);
CREATE INDEX miniapp_message_queue_idx ON miniapp_message (next_attempt_at) WHERE status = 'QUEUED';
