-- Calls linked to follow-up notes (issue 3): a note may document one call-back, so a task's attempts, the
-- connect rate and the note's outcome tell the same story. One note per call.
ALTER TABLE follow_up_note ADD COLUMN call_id UUID REFERENCES call_record (id);
CREATE UNIQUE INDEX follow_up_note_call_idx ON follow_up_note (call_id) WHERE call_id IS NOT NULL;
