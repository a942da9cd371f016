-- Tags drive pathway choice: a pathway version with tag codes is chosen only for patients who carry one of those live
-- tags when they are discharged (e.g. an intensive pathway for 失访风险 or 心血管病高危 patients at their next
-- discharge); with a higher priority it wins over the pathway their diagnoses alone would get.
ALTER TABLE pathway ADD COLUMN tag_codes VARCHAR(48)[] NOT NULL DEFAULT '{}';
