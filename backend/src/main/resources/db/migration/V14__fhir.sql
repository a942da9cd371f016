-- FHIR R4 over HTTP (POST /api/fhir) shares the HL7 interface log: every request is kept (its text encrypted: it names
-- patients) with what became of it, and a rejected or partly rejected one stays readable and replayable by IT.
ALTER TABLE hl7_message ADD COLUMN channel VARCHAR(8) NOT NULL DEFAULT 'HL7V2';   -- HL7V2 (MLLP), FHIR (HTTP)
ALTER TABLE hl7_message ADD CONSTRAINT hl7_message_channel_check CHECK (channel IN ('HL7V2', 'FHIR'));
-- "Bundle/transaction", "DiagnosticReport" do not fit the 16 characters HL7 message types need
ALTER TABLE hl7_message ALTER COLUMN message_type TYPE VARCHAR(32);
-- who posted it: the staff account behind the token (HL7 over MLLP has none)
ALTER TABLE hl7_message ADD COLUMN received_by BIGINT REFERENCES staff (id);
CREATE INDEX hl7_message_channel_idx ON hl7_message (channel, status, received_at DESC);

-- vital signs arrive as LOINC-coded FHIR Observations (ward monitors, HIS nursing records); the laboratory rows are in V12
INSERT INTO lab_code_map (coding_system, code, observation_code, note) VALUES
('LN', '8480-6',  'SBP',    'Systolic blood pressure'),
('LN', '8462-4',  'DBP',    'Diastolic blood pressure'),
('LN', '8867-4',  'HR',     'Heart rate'),
('LN', '29463-7', 'WEIGHT', 'Body weight'),
('LN', '59408-5', 'SPO2',   'Oxygen saturation in Arterial blood by Pulse oximetry'),
('LN', '2708-6',  'SPO2',   'Oxygen saturation in Arterial blood')
ON CONFLICT (coding_system, code) DO NOTHING;
