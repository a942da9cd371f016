-- HL7 v2 from the hospital's HIS/LIS over MLLP: every message is logged (its text encrypted: it names patients) with
-- what became of it; rejected ones stay here, readable and replayable by IT, so nothing valid is lost.
CREATE TABLE hl7_message (
    id              BIGSERIAL PRIMARY KEY,
    received_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    control_id      VARCHAR(64),                   -- MSH-10
    sending_app     VARCHAR(64),                   -- MSH-3
    message_type    VARCHAR(16),                   -- ADT^A03, ORU^R01 …
    charset         VARCHAR(32),                   -- MSH-18 as received
    raw_enc         BYTEA        NOT NULL,         -- the message as received (AES-GCM, like other identifiers)
    status          VARCHAR(16)  NOT NULL,         -- PROCESSED, PARTIAL, IGNORED, REJECTED
    ack_code        VARCHAR(2)   NOT NULL,         -- AA, AE, AR
    detail          TEXT,                          -- what was done, or why it was rejected
    replay_of       BIGINT REFERENCES hl7_message (id),
    replayed_at     TIMESTAMPTZ
);
CREATE INDEX hl7_message_status_idx ON hl7_message (status, received_at DESC);

-- laboratory codes (LOINC, or the LIS's own) → our indicators; the unit is converted by HL7 intake
CREATE TABLE lab_code_map (
    coding_system    VARCHAR(32)  NOT NULL,        -- OBX-3.3: LN for LOINC, or the LIS's name for local codes
    code             VARCHAR(32)  NOT NULL,
    observation_code VARCHAR(32)  NOT NULL,
    note             VARCHAR(128),
    PRIMARY KEY (coding_system, code)
);
INSERT INTO lab_code_map (coding_system, code, observation_code, note) VALUES
('LN', '1558-6',  'FPG',       'Fasting glucose [Mass/volume] in Serum or Plasma'),
('LN', '14771-0', 'FPG',       'Fasting glucose [Moles/volume] in Serum or Plasma'),
('LN', '1521-4',  'PPG',       'Glucose [Mass/volume] in Serum or Plasma --2 hours post meal'),
('LN', '14760-3', 'PPG',       'Glucose [Moles/volume] in Serum or Plasma --2 hours post meal'),
('LN', '4548-4',  'HBA1C',     'Hemoglobin A1c/Hemoglobin.total in Blood'),
('LN', '2093-3',  'TC',        'Cholesterol [Mass/volume] in Serum or Plasma'),
('LN', '14647-2', 'TC',        'Cholesterol [Moles/volume] in Serum or Plasma'),
('LN', '2089-1',  'LDL_C',     'Cholesterol in LDL [Mass/volume] in Serum or Plasma'),
('LN', '13457-7', 'LDL_C',     'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation'),
('LN', '22748-8', 'LDL_C',     'Cholesterol in LDL [Moles/volume] in Serum or Plasma'),
('LN', '2571-8',  'TG',        'Triglyceride [Mass/volume] in Serum or Plasma'),
('LN', '14927-8', 'TG',        'Triglyceride [Moles/volume] in Serum or Plasma'),
('LN', '2160-0',  'CREATININE','Creatinine [Mass/volume] in Serum or Plasma'),
('LN', '14682-9', 'CREATININE','Creatinine [Moles/volume] in Serum or Plasma'),
('LN', '33762-6', 'NT_PROBNP', 'Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma');

-- discharges imported by the HL7 interface are started by the system, not by a staff member
ALTER TABLE import_job ALTER COLUMN created_by DROP NOT NULL;
