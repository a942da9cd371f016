-- Staff and departments from WeCom's directory (通讯录). A Suifang department is mapped to one WeCom department by
-- the information department; the sync creates and updates the staff of mapped departments and never deletes:
-- a member gone from WeCom is handed over and deactivated, their history kept.
ALTER TABLE department ADD COLUMN wecom_department_id BIGINT;
CREATE UNIQUE INDEX department_wecom_idx ON department (hospital_id, wecom_department_id) WHERE wecom_department_id IS NOT NULL;

ALTER TABLE staff ADD COLUMN wecom_synced_at TIMESTAMPTZ;   -- last seen in WeCom by the sync (null: never synced)

CREATE TABLE wecom_sync_run (
    id                   BIGSERIAL PRIMARY KEY,
    trigger              VARCHAR(16)  NOT NULL,             -- SCHEDULE, ADMIN, CALLBACK
    status               VARCHAR(16)  NOT NULL,             -- RUNNING, COMPLETED, PARTIAL (some departments unreadable), FAILED
    created              INT          NOT NULL DEFAULT 0,
    updated              INT          NOT NULL DEFAULT 0,
    unchanged            INT          NOT NULL DEFAULT 0,
    deactivated          INT          NOT NULL DEFAULT 0,
    unmapped_departments JSONB        NOT NULL DEFAULT '[]',   -- WeCom departments with members but no Suifang department
    rule_misses          JSONB        NOT NULL DEFAULT '[]',   -- members whose position matched no role rule
    errors               JSONB        NOT NULL DEFAULT '[]',   -- departments or members WeCom would not give us, with errcode
    started_at           TIMESTAMPTZ  NOT NULL DEFAULT now(),
    finished_at          TIMESTAMPTZ
);
