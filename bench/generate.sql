-- Suifang benchmark data generator (psql, pure SQL with generate_series; no COPY).
--
-- Fills the database (normally suifang_bench, schema already migrated by the application's Flyway)
-- with one large hospital: 20 departments, 2,000 staff, care teams, 1,000,000 patients, 1,125,000
-- discharges (every 8th patient readmitted once), one care plan per discharge on the built-in pathways,
-- and the follow-up tasks those pathways produce (~5.2M, due today-199 .. today+200), with a realistic
-- status mix.
--
-- Run through scripts/bench.sh generate (which also builds the AES-GCM pool). Variables:
--   pool_sql   file with the INSERTs for bench_pii_pool (bench/PiiPool.java output)   required
--   force      1 = wipe existing bench data first, 0 = refuse when data exists          default 0
--   patients   number of patients                                                      default 1000000
--   days_back  discharges are spread uniformly over the last days_back days (> 120)     default 200
--   horizon    steps are materialised up to today + horizon days                       default 200
--
-- Timing lines ("Time: …") come from \timing; the total is printed at the end.

\set ON_ERROR_STOP on
\if :{?force}
\else
  \set force 0
\endif
\if :{?patients}
\else
  \set patients 1000000
\endif
\if :{?days_back}
\else
  \set days_back 200
\endif
\if :{?horizon}
\else
  \set horizon 200
\endif

SET client_min_messages = notice;
SET synchronous_commit = off;
SET maintenance_work_mem = '1GB';
SET work_mem = '256MB';
SELECT clock_timestamp() AS gen_started \gset
-- "today" as the application sees it: suifang.zone is Asia/Shanghai, the database runs in UTC
SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS today \gset
SELECT set_config('bench.force', :'force', false), set_config('bench.today', :'today', false),
       set_config('bench.horizon', :'horizon', false);
\echo '[gen] today (Asia/Shanghai) =' :today ', patients =' :patients ', days_back =' :days_back ', horizon =' :horizon
\timing on

-- ------------------------------------------------------------------ 0. refuse, or wipe when forced
\echo '[gen] 0/9 checking for existing data'
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM hospital) OR EXISTS (SELECT 1 FROM patient) THEN
        IF current_setting('bench.force') <> '1' THEN
            RAISE EXCEPTION 'suifang_bench already holds data; re-run with force=1 (scripts/bench.sh generate --force) to recreate it';
        END IF;
        RAISE NOTICE 'force=1: wiping existing bench data';
        TRUNCATE hospital, department, staff, care_team, care_team_member, patient, encounter, care_plan,
                 follow_up_task, follow_up_note, observation, alert, import_job, audit_event RESTART IDENTITY CASCADE;
    END IF;
END $$;
DROP TABLE IF EXISTS bench_meta, bench_pii_pool, bench_dept, bench_case, bench_bucket, bench_team, bench_p;

-- ------------------------------------------------------------------ 1. drop secondary indexes and FKs of the big tables
-- Their exact definitions are saved from the catalog first (once: a run that died half way keeps the
-- saved copy) and recreated from it after the load, so the schema ends up byte-for-byte what Flyway made.
\echo '[gen] 1/9 saving and dropping secondary indexes / constraints of patient, encounter, care_plan, follow_up_task'
CREATE TABLE IF NOT EXISTS bench_ddl AS
SELECT 1 AS ord, 'c' AS kind, c.conname::text AS name, c.conrelid::regclass::text AS tbl,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS ddl
FROM pg_constraint c
WHERE c.conrelid IN ('patient'::regclass, 'encounter'::regclass, 'care_plan'::regclass, 'follow_up_task'::regclass)
  AND c.contype = 'u'
UNION ALL
SELECT 2, 'c', c.conname::text, c.conrelid::regclass::text,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint c
WHERE c.conrelid IN ('patient'::regclass, 'encounter'::regclass, 'care_plan'::regclass, 'follow_up_task'::regclass)
  AND c.contype = 'f'
UNION ALL
SELECT 0, 'i', i.indexrelid::regclass::text, i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid IN ('patient'::regclass, 'encounter'::regclass, 'care_plan'::regclass, 'follow_up_task'::regclass)
  AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('u', 'p', 'x'));

DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM bench_ddl ORDER BY ord DESC LOOP
        IF r.kind = 'c' AND EXISTS (SELECT 1 FROM pg_constraint WHERE conname = r.name AND conrelid = r.tbl::regclass) THEN
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.name);
        ELSIF r.kind = 'i' AND to_regclass(r.name) IS NOT NULL THEN
            EXECUTE format('DROP INDEX %s', r.name);
        END IF;
    END LOOP;
END $$;

-- ------------------------------------------------------------------ 2. organisation
\echo '[gen] 2/9 hospital, departments, staff, care teams'
CREATE TABLE bench_dept (
    id BIGINT PRIMARY KEY, code VARCHAR(32), name VARCHAR(128), weight INT, clinical BOOLEAN,
    physicians INT, nurses INT, teams INT, first_team BIGINT);
INSERT INTO bench_dept (id, code, name, weight, clinical) VALUES
 (1, 'CARD', '心血管内科', 180, TRUE), (2, 'ENDO', '内分泌科', 100, TRUE), (3, 'GS', '普外科', 110, TRUE),
 (4, 'NEUR', '神经内科', 90, TRUE), (5, 'GER', '老年医学科', 60, TRUE), (6, 'NEPH', '肾内科', 50, TRUE),
 (7, 'RESP', '呼吸与危重症医学科', 60, TRUE), (8, 'GI', '消化内科', 50, TRUE), (9, 'ONC', '肿瘤科', 50, TRUE),
 (10, 'ORTH', '骨科', 60, TRUE), (11, 'URO', '泌尿外科', 40, TRUE), (12, 'CTS', '心胸外科', 30, TRUE),
 (13, 'HBS', '肝胆外科', 30, TRUE), (14, 'BRS', '甲状腺乳腺外科', 30, TRUE), (15, 'GYN', '妇科', 30, TRUE),
 (16, 'REHAB', '康复医学科', 15, TRUE), (17, 'VASC', '血管外科', 15, TRUE),
 (18, 'NUTR', '临床营养科', 0, FALSE), (19, 'PSY', '医学心理科', 0, FALSE), (20, 'INFO', '信息科', 0, FALSE);
-- 1,080 physicians and 760 nurse coordinators spread over the clinical departments by discharge volume,
-- one care team per ~8 physicians
UPDATE bench_dept SET physicians = greatest(12, round(1080 * weight / 1000.0)),
                      nurses = greatest(8, round(760 * weight / 1000.0))
WHERE clinical;
UPDATE bench_dept d SET teams = greatest(2, ceil(d.physicians / 8.0)) WHERE clinical;
UPDATE bench_dept d SET first_team = x.first
FROM (SELECT id, 1 + coalesce(sum(teams) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS first
      FROM bench_dept WHERE clinical) x
WHERE x.id = d.id;

INSERT INTO hospital (id, code, name) VALUES (1, 'BENCH', '基准测试市中心医院');
INSERT INTO department (id, hospital_id, code, name, caller_id)
SELECT id, 1, code, name, CASE WHEN clinical THEN '0208888' || lpad(id::text, 4, '0') END FROM bench_dept;

-- staff ids: first everyone who receives pathway tasks (physicians, nurse coordinators, dietitians),
-- then the rest, so "staff with tasks" is exactly 1..max(assignee) for pgbench's random(1, N)
INSERT INTO staff (id, hospital_id, department_id, employee_no, name, roles, wecom_user_id, created_at)
SELECT row_number() OVER (ORDER BY s.kind, s.dept, s.seq), 1, s.dept,
       s.prefix || lpad((row_number() OVER (ORDER BY s.kind, s.dept, s.seq))::text, 5, '0'),
       substr('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤', 1 + (s.h % 100)::int, 1)
           || substr('伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国玉志珍红梅海燕丹凤淑金德永春晓东', 1 + ((s.h / 100) % 44)::int, 1)
           || CASE WHEN s.h % 3 = 0 THEN '' ELSE substr('伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国玉志珍红梅海燕丹凤淑金德永春晓东', 1 + ((s.h / 4400) % 44)::int, 1) END,
       s.roles, 'bench-' || s.prefix || s.dept || '-' || s.seq, now() - interval '3 years'
FROM (
    SELECT k.kind, k.dept, k.seq, k.prefix, k.roles, abs(hashint8(k.kind * 100000 + k.dept * 1000 + k.seq)) AS h
    FROM (
        SELECT 1 AS kind, d.id AS dept, g AS seq, 'D' AS prefix,
               CASE WHEN g = 1 THEN ARRAY['DEPARTMENT_HEAD', 'PHYSICIAN'] ELSE ARRAY['PHYSICIAN'] END::VARCHAR(32)[] AS roles
        FROM bench_dept d, generate_series(1, d.physicians) g WHERE d.clinical
        UNION ALL
        SELECT 2, d.id, g, 'N', ARRAY['NURSE_COORDINATOR']::VARCHAR(32)[]
        FROM bench_dept d, generate_series(1, d.nurses) g WHERE d.clinical
        UNION ALL
        SELECT 3, 18, g, 'T', ARRAY['DIETITIAN']::VARCHAR(32)[] FROM generate_series(1, 60) g
        UNION ALL
        SELECT 4, d.id, g, 'R', ARRAY['REHAB_THERAPIST']::VARCHAR(32)[]
        FROM bench_dept d, generate_series(1, 10) g WHERE d.code IN ('GS', 'NEUR', 'ORTH', 'REHAB', 'GER')
        UNION ALL
        SELECT 5, 19, g, 'P', ARRAY['PSYCHOLOGIST']::VARCHAR(32)[] FROM generate_series(1, 20) g
        UNION ALL
        SELECT 6, 20, g, 'A', ARRAY['ADMIN']::VARCHAR(32)[] FROM generate_series(1, 2000) g) k
) s
ORDER BY 1
LIMIT 2000;

INSERT INTO care_team (id, department_id, name, created_at)
SELECT d.first_team + g - 1, d.id, d.name || '随访' || g || '组', now() - interval '3 years'
FROM bench_dept d, generate_series(1, d.teams) g WHERE d.clinical;

-- physicians and nurses round-robin over their department's teams; one dietitian per team;
-- a psychologist in cardiology / neurology teams, a rehab therapist where the department has them
INSERT INTO care_team_member (care_team_id, staff_id, role)
SELECT d.first_team + (x.rn - 1) % d.teams, x.id, x.role
FROM (SELECT s.id, s.department_id, CASE WHEN 'NURSE_COORDINATOR' = ANY (s.roles) THEN 'NURSE_COORDINATOR' ELSE 'PHYSICIAN' END AS role,
             row_number() OVER (PARTITION BY s.department_id, 'NURSE_COORDINATOR' = ANY (s.roles) ORDER BY s.id) AS rn
      FROM staff s WHERE s.roles && ARRAY['PHYSICIAN', 'NURSE_COORDINATOR']::VARCHAR(32)[]) x
JOIN bench_dept d ON d.id = x.department_id
UNION ALL
SELECT t.id, (SELECT min(id) FROM staff WHERE 'DIETITIAN' = ANY (roles)) + (t.id - 1) % 60, 'DIETITIAN' FROM care_team t
UNION ALL
SELECT t.id, (SELECT min(id) FROM staff WHERE 'PSYCHOLOGIST' = ANY (roles)) + (t.id - 1) % 20, 'PSYCHOLOGIST'
FROM care_team t JOIN department d ON d.id = t.department_id WHERE d.code IN ('CARD', 'NEUR')
UNION ALL
SELECT t.id, (SELECT min(s.id) FROM staff s WHERE s.department_id = t.department_id AND 'REHAB_THERAPIST' = ANY (s.roles))
             + (t.id - 1) % 10, 'REHAB_THERAPIST'
FROM care_team t JOIN department d ON d.id = t.department_id WHERE d.code IN ('GS', 'NEUR', 'ORTH', 'REHAB', 'GER');

CREATE TABLE bench_team AS
SELECT t.id AS team_id, t.department_id,
       array_agg(m.staff_id ORDER BY m.staff_id) FILTER (WHERE m.role = 'PHYSICIAN') AS physicians,
       array_agg(m.staff_id ORDER BY m.staff_id) FILTER (WHERE m.role = 'NURSE_COORDINATOR') AS nurses,
       min(m.staff_id) FILTER (WHERE m.role = 'DIETITIAN') AS dietitian
FROM care_team t JOIN care_team_member m ON m.care_team_id = t.id
GROUP BY t.id, t.department_id;
ALTER TABLE bench_team ADD PRIMARY KEY (team_id);

-- ------------------------------------------------------------------ 3. case mix
-- Each case names the pathway the application's matcher would pick for it (PCI 100 > HF 90 > T2DM 50 >
-- HTN 40 > SURG 10, SURG only for GS), so the generated plans are the ones an import would have made.
\echo '[gen] 3/9 case mix'
CREATE TABLE bench_case (
    id SERIAL PRIMARY KEY, dept VARCHAR(32), pathway VARCHAR(32), dx VARCHAR(16)[], px VARCHAR(16)[], weight INT);
INSERT INTO bench_case (dept, pathway, dx, px, weight) VALUES
 ('CARD', 'PCI',  '{I21.0,I10}', '{36.07,00.45,00.40}', 20), ('CARD', 'PCI', '{I21.4,E78.5}', '{36.07,00.45,00.40}', 15),
 ('CARD', 'PCI',  '{I25.1,I10,E11.9}', '{36.07,00.45,00.40}', 10), ('CARD', 'HF', '{I50.9,I10}', '{}', 15),
 ('CARD', 'HF',   '{I50.0,N18.3}', '{}', 10), ('CARD', 'HTN', '{I10,E78.5}', '{}', 15), ('CARD', 'HTN', '{I48.0,I10}', '{}', 15),
 ('ENDO', 'T2DM', '{E11.9,I10}', '{}', 50), ('ENDO', 'T2DM', '{E11.2,N18.3}', '{}', 25), ('ENDO', 'T2DM', '{E11.4}', '{}', 25),
 ('GS',   'SURG', '{K80.1}', '{51.23}', 35), ('GS', 'SURG', '{K35}', '{47.01}', 25), ('GS', 'SURG', '{K40.9}', '{53.04}', 25),
 ('GS',   'SURG', '{C18.9}', '{45.73}', 15),
 ('NEUR', 'HTN',  '{I63.9,I10}', '{}', 60), ('NEUR', 'T2DM', '{I69.3,I10,E11.9}', '{}', 20), ('NEUR', 'HTN', '{G45.9,I10}', '{}', 20),
 ('GER',  'HTN',  '{I10,E78.5}', '{}', 40), ('GER', 'HTN', '{I11.9,E78.5}', '{}', 20), ('GER', 'T2DM', '{E11.9,J44.1}', '{}', 40),
 ('NEPH', 'HTN',  '{I12.9,N18.3}', '{}', 60), ('NEPH', 'T2DM', '{E11.2,N18.4}', '{}', 40),
 ('RESP', 'HTN',  '{J44.1,I10}', '{}', 60), ('RESP', 'T2DM', '{J18.9,E11.9}', '{}', 40),
 ('GI',   'HTN',  '{K25,I10}', '{}', 50), ('GI', 'T2DM', '{K74.6,E11.9}', '{}', 50),
 ('ONC',  'HTN',  '{C34.9,I10}', '{}', 50), ('ONC', 'T2DM', '{C16.9,E11.9}', '{}', 50),
 ('ORTH', 'HTN',  '{S72.0,I10}', '{81.52}', 50), ('ORTH', 'T2DM', '{M17.1,E11.9}', '{81.54}', 50),
 ('URO',  'HTN',  '{N40,I10}', '{}', 60), ('URO', 'T2DM', '{C67.9,E11.9}', '{}', 40),
 ('CTS',  'HF',   '{I35.0,I50.9}', '{}', 50), ('CTS', 'HTN', '{I71.0,I10}', '{}', 50),
 ('HBS',  'HTN',  '{K80.0,I10}', '{51.23}', 60), ('HBS', 'T2DM', '{C22.0,E11.9}', '{}', 40),
 ('BRS',  'HTN',  '{C50.9,I10}', '{85.43}', 60), ('BRS', 'T2DM', '{C73,E11.9}', '{}', 40),
 ('GYN',  'HTN',  '{D25.9,I10}', '{68.41}', 60), ('GYN', 'T2DM', '{C53,E11.9}', '{}', 40),
 ('REHAB', 'HTN', '{I69.3,I10}', '{}', 70), ('REHAB', 'HTN', '{Z50.0,I25.2,I10}', '{}', 30),
 ('VASC', 'HTN',  '{I70.2,I10}', '{}', 60), ('VASC', 'T2DM', '{E11.5,I70.2}', '{}', 40);
-- 100,000 buckets, dept weight (per mille) x case weight (percent)
CREATE TABLE bench_bucket AS
SELECT (row_number() OVER (ORDER BY c.id, g) - 1)::int AS b, c.id AS case_id
FROM bench_case c JOIN bench_dept d ON d.code = c.dept, generate_series(1, d.weight * c.weight) g;
ALTER TABLE bench_bucket ADD PRIMARY KEY (b);
SELECT count(*) AS buckets FROM bench_bucket \gset

-- ------------------------------------------------------------------ 4. AES-GCM pool (real ciphertexts, see PiiPool.java)
\echo '[gen] 4/9 loading the AES-256-GCM ciphertext pool'
CREATE TABLE bench_pii_pool (id INT PRIMARY KEY, phone_enc BYTEA NOT NULL, id_card_enc BYTEA NOT NULL);
\set QUIET on
\timing off
\i :pool_sql
\timing on
\set QUIET off
SELECT count(*) AS pool FROM bench_pii_pool \gset
\echo '[gen] pool size' :pool

-- ------------------------------------------------------------------ 5. patients
\echo '[gen] 5/9 patients'
SELECT setseed(0.20261124);
CREATE UNLOGGED TABLE bench_p AS
SELECT s.g AS id, c.id AS case_id, d.id AS dept_id, t.team_id,
       t.physicians[1 + (s.g / d.teams) % cardinality(t.physicians)] AS physician,
       t.nurses[1 + (s.g * 7 / d.teams) % cardinality(t.nurses)] AS nurse,
       t.dietitian,
       s.r1, s.r2, s.r3,
       -- discharges uniform over the last days_back days; every 8th patient was readmitted once: the second
       -- stay in the last (days_back - 120) days, the first 30-120 days before it
       CASE WHEN s.g % 8 = 0 THEN CAST(:'today' AS DATE) - s.dd % (:days_back - 120) - 30 - (s.r3 * 90)::int
            ELSE CAST(:'today' AS DATE) - s.dd % :days_back END AS d1,
       CASE WHEN s.g % 8 = 0 THEN CAST(:'today' AS DATE) - s.dd % (:days_back - 120) END AS d2
FROM (SELECT g, floor(random() * :buckets)::int AS b, floor(random() * :days_back)::int AS dd,
             random() AS r1, random() AS r2, random() AS r3
      FROM generate_series(1, :patients) g) s
JOIN bench_bucket bk ON bk.b = s.b
JOIN bench_case c ON c.id = bk.case_id
JOIN bench_dept d ON d.code = c.dept
JOIN bench_team t ON t.team_id = d.first_team + s.g % d.teams;
ALTER TABLE bench_p ADD PRIMARY KEY (id);

INSERT INTO patient (id, hospital_id, mrn, name, gender, birth_date, phone_enc, phone_bidx, id_card_enc, id_card_bidx,
                     department_id, responsible_staff_id, care_team_id, consent_follow_up, consent_recording, created_at)
SELECT p.id, 1, 'B' || lpad(p.id::text, 9, '0'),
       substr('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤', 1 + (p.r1 * 100)::int % 100, 1)
           || substr('伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国玉志珍红梅海燕丹凤淑金德永春晓东', 1 + (p.r2 * 44)::int % 44, 1)
           || CASE WHEN p.id % 3 = 0 THEN '' ELSE substr('伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国玉志珍红梅海燕丹凤淑金德永春晓东', 1 + (p.r3 * 44)::int % 44, 1) END,
       CASE WHEN p.r2 < 0.52 THEN 'MALE' ELSE 'FEMALE' END,
       CAST(:'today' AS DATE) - (CASE WHEN p.dept_id IN (3, 15) THEN 25 ELSE 45 END * 365 + (p.r1 * 40 * 365)::int),
       pool.phone_enc,
       -- blind indexes: unique 32-byte values (the index has its real size; they do not match the pool's
       -- clear values, which only the patient-search path would notice, not the task list)
       sha256(('bench-phone-' || p.id)::bytea),
       pool.id_card_enc,
       sha256(('bench-idcard-' || p.id)::bytea),
       p.dept_id, p.physician, p.team_id, TRUE, p.r3 > 0.1, p.d1 - 3
FROM bench_p p JOIN bench_pii_pool pool ON pool.id = 1 + p.id % :pool;

-- ------------------------------------------------------------------ 6. encounters and care plans
\echo '[gen] 6/9 encounters and care plans'
INSERT INTO encounter (id, patient_id, source, source_encounter_id, department_id, attending_staff_id, admission_date,
                       discharge_date, primary_diagnosis, diagnoses, procedures, discharge_summary, discharge_instructions,
                       discharge_medications, content_hash, created_at)
SELECT e.id, p.id, 'HIS', 'ZY' || lpad(e.id::text, 10, '0'), p.dept_id, p.physician,
       e.discharge - (2 + (p.r2 * 12)::int), e.discharge, c.dx[1], c.dx, c.px,
       '患者住院期间病情平稳，予规范治疗后好转出院。', '按时服药，低盐低脂饮食，如有不适及时就诊。',
       CASE c.pathway
           WHEN 'PCI' THEN ARRAY['阿司匹林肠溶片 100mg qd', '替格瑞洛片 90mg bid', '阿托伐他汀钙片 20mg qn']
           WHEN 'HF' THEN ARRAY['沙库巴曲缬沙坦钠片 50mg bid', '美托洛尔缓释片 47.5mg qd', '螺内酯片 20mg qd', '达格列净片 10mg qd']
           WHEN 'T2DM' THEN ARRAY['二甲双胍片 0.5g tid']
           WHEN 'HTN' THEN ARRAY['氨氯地平片 5mg qd']
           ELSE ARRAY[]::VARCHAR(128)[] END,
       encode(sha256(('bench-encounter-' || e.id)::bytea), 'hex'),
       (e.discharge + time '16:00') AT TIME ZONE 'Asia/Shanghai'
FROM (SELECT id, id AS patient_id, d1 AS discharge FROM bench_p
      UNION ALL
      SELECT :patients + id / 8, id, d2 FROM bench_p WHERE d2 IS NOT NULL) e
JOIN bench_p p ON p.id = e.patient_id
JOIN bench_case c ON c.id = p.case_id;

-- one plan per encounter on the case's pathway; next_step_seq = first step past the horizon
INSERT INTO care_plan (id, patient_id, encounter_id, pathway_id, start_date, status, next_step_seq, created_at)
SELECT e.id, e.patient_id, e.id, pw.id, e.discharge_date, 'ACTIVE',
       1 + coalesce((SELECT max(s.seq) FROM pathway_step s
                     WHERE s.pathway_id = pw.id AND e.discharge_date + s.offset_days <= CAST(:'today' AS DATE) + :horizon), 0),
       e.created_at
FROM encounter e
JOIN bench_p p ON p.id = e.patient_id
JOIN bench_case c ON c.id = p.case_id
JOIN pathway pw ON pw.code = c.pathway AND pw.status = 'ACTIVE';

-- ------------------------------------------------------------------ 7. follow-up tasks, in batches of 40 due days
-- Every step due on or before today + horizon becomes a task (the scheduler's materialisation, with a
-- longer horizon than production's 14 days so the open list also holds far-future work). Assignee as
-- TaskGenerator picks it: the responsible physician for PHYSICIAN steps, the patient's team nurse for
-- NURSE_COORDINATOR steps, the team dietitian for DIETITIAN steps. Status mix:
--   due in the future                   PENDING
--   in its window today                 25 % COMPLETED early, 8 % IN_PROGRESS, rest PENDING
--   window ended in the last 30 days    70 % COMPLETED, 8 % UNREACHABLE, 2 % REFUSED, 5 % IN_PROGRESS, 15 % PENDING (overdue)
--   window ended earlier                86 % COMPLETED, 8 % UNREACHABLE, 2.5 % REFUSED, 1 % CANCELLED, 0.5 % IN_PROGRESS,
--                                       2 % PENDING (the stale overdue backlog)
\echo '[gen] 7/9 follow-up tasks (batches of 40 due days, inserted in due-date order as the scheduler would)'
DO $$
DECLARE
    today DATE := current_setting('bench.today')::date;
    horizon INT := current_setting('bench.horizon')::int;
    lo DATE := (SELECT min(start_date) FROM care_plan);
    hi DATE;
    top DATE := current_setting('bench.today')::date + current_setting('bench.horizon')::int;
    n BIGINT;
    total BIGINT := 0;
    t0 TIMESTAMPTZ;
BEGIN
    WHILE lo <= top LOOP
        hi := lo + 39;
        t0 := clock_timestamp();
        INSERT INTO follow_up_task (patient_id, care_plan_id, step_id, occurrence, title, channel, role, assignee_id,
                                    due_date, window_end, status, overdue, attempts, outcome, completed_at, version,
                                    created_at, created_by, changed_at, changed_by)
        SELECT x.patient_id, x.plan_id, x.step_id, 0, x.title, x.channel, x.role, x.assignee, x.due, x.window_end,
               x.status, x.status IN ('PENDING', 'IN_PROGRESS') AND x.window_end < today,
               CASE x.status WHEN 'UNREACHABLE' THEN 3 WHEN 'IN_PROGRESS' THEN 1
                             WHEN 'PENDING' THEN CASE WHEN x.due < today AND x.r < 0.4 THEN 1 ELSE 0 END ELSE 1 END,
               CASE x.status WHEN 'COMPLETED' THEN CASE WHEN x.r2 < 0.02 THEN 'READMITTED' ELSE 'COMPLETED' END
                             WHEN 'UNREACHABLE' THEN 'UNREACHABLE' WHEN 'REFUSED' THEN 'REFUSED' END,
               CASE WHEN x.status IN ('COMPLETED', 'UNREACHABLE', 'REFUSED', 'CANCELLED')
                    THEN least(now() - interval '1 hour',
                               ((x.due + least(today - x.due, (x.r2 * (x.window_end - x.due + 1))::int)) + time '10:30')
                                   AT TIME ZONE 'Asia/Shanghai') END,
               CASE WHEN x.status IN ('PENDING') AND x.due >= today THEN 0 ELSE 1 END,
               least(now() - interval '2 hours', ((greatest(x.start_date, x.due - 14)) + time '02:00') AT TIME ZONE 'Asia/Shanghai'),
               NULL,
               CASE WHEN x.status IN ('COMPLETED', 'UNREACHABLE', 'REFUSED', 'CANCELLED', 'IN_PROGRESS')
                    THEN least(now() - interval '1 hour', ((x.due + time '10:30') AT TIME ZONE 'Asia/Shanghai')) END,
               CASE WHEN x.status IN ('COMPLETED', 'UNREACHABLE', 'REFUSED', 'IN_PROGRESS') THEN x.assignee END
        FROM (
            SELECT cp.patient_id, cp.id AS plan_id, cp.start_date, s.id AS step_id, s.title, s.channel, s.role,
                   CASE s.role WHEN 'PHYSICIAN' THEN p.physician WHEN 'NURSE_COORDINATOR' THEN p.nurse
                               WHEN 'DIETITIAN' THEN p.dietitian END AS assignee,
                   cp.start_date + s.offset_days AS due, cp.start_date + s.offset_days + s.window_days AS window_end,
                   r.r, r.r2,
                   CASE
                       WHEN cp.start_date + s.offset_days > today THEN 'PENDING'
                       WHEN cp.start_date + s.offset_days + s.window_days >= today THEN
                           CASE WHEN r.r < 0.25 THEN 'COMPLETED' WHEN r.r < 0.33 THEN 'IN_PROGRESS' ELSE 'PENDING' END
                       WHEN cp.start_date + s.offset_days + s.window_days >= today - 30 THEN
                           CASE WHEN r.r < 0.70 THEN 'COMPLETED' WHEN r.r < 0.78 THEN 'UNREACHABLE'
                                WHEN r.r < 0.80 THEN 'REFUSED' WHEN r.r < 0.85 THEN 'IN_PROGRESS' ELSE 'PENDING' END
                       ELSE
                           CASE WHEN r.r < 0.86 THEN 'COMPLETED' WHEN r.r < 0.94 THEN 'UNREACHABLE'
                                WHEN r.r < 0.965 THEN 'REFUSED' WHEN r.r < 0.975 THEN 'CANCELLED'
                                WHEN r.r < 0.98 THEN 'IN_PROGRESS' ELSE 'PENDING' END
                   END AS status
            FROM care_plan cp
            JOIN bench_p p ON p.id = cp.patient_id
            JOIN pathway_step s ON s.pathway_id = cp.pathway_id
            CROSS JOIN LATERAL (SELECT random() + 0 * s.id AS r, random() + 0 * s.id AS r2) r
            WHERE cp.start_date + s.offset_days BETWEEN lo AND least(hi, today + horizon)
            ORDER BY cp.start_date + s.offset_days, cp.id, s.seq
        ) x;
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total + n;
        COMMIT;
        RAISE NOTICE '[gen]   due % .. %: % tasks in % s (total %)', lo, least(hi, top), n,
            round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1), total;
        lo := hi + 1;
    END LOOP;
END $$;

-- a few open and resolved alerts, so has_alert is not constant
INSERT INTO alert (patient_id, level, title, status, owner_id, raised_at, resolved_at)
SELECT p.id, 1 + (p.id % 3), CASE p.id % 3 WHEN 0 THEN '血压控制不佳' WHEN 1 THEN '随访中诉胸闷' ELSE '空腹血糖偏高' END,
       CASE WHEN p.id % 200 = 7 THEN 'OPEN' ELSE 'RESOLVED' END, p.physician,
       now() - (p.id % 60) * interval '1 day', CASE WHEN p.id % 200 = 7 THEN NULL ELSE now() - (p.id % 30) * interval '1 day' END
FROM bench_p p WHERE p.id % 100 = 7;

-- ------------------------------------------------------------------ 8. indexes, constraints, sequences
\echo '[gen] 8/9 recreating indexes and constraints (from the saved catalog definitions), sequences'
DO $$
DECLARE r record; t0 TIMESTAMPTZ;
BEGIN
    FOR r IN SELECT * FROM bench_ddl ORDER BY ord, name LOOP
        t0 := clock_timestamp();
        IF r.kind = 'c' AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = r.name AND conrelid = r.tbl::regclass) THEN
            EXECUTE r.ddl;
        ELSIF r.kind = 'i' AND to_regclass(r.name) IS NULL THEN
            EXECUTE r.ddl;
        END IF;
        RAISE NOTICE '[gen]   % (% s)', r.name, round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
    END LOOP;
END $$;
DROP TABLE bench_ddl;

SELECT setval(pg_get_serial_sequence(t, 'id'), (xmax_id)) FROM (VALUES
    ('hospital', (SELECT max(id) FROM hospital)), ('department', (SELECT max(id) FROM department)),
    ('staff', (SELECT max(id) FROM staff)), ('care_team', (SELECT max(id) FROM care_team)),
    ('patient', (SELECT max(id) FROM patient)), ('encounter', (SELECT max(id) FROM encounter)),
    ('care_plan', (SELECT max(id) FROM care_plan))) v(t, xmax_id);

CREATE TABLE bench_meta (key VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO bench_meta
SELECT 'generated_at', to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') || ' Asia/Shanghai'
UNION ALL SELECT 'today', :'today'
UNION ALL SELECT 'max_assignee', (SELECT max(assignee_id) FROM follow_up_task)::text
UNION ALL SELECT 'staff_with_tasks', (SELECT count(DISTINCT assignee_id) FROM follow_up_task)::text
UNION ALL SELECT 'hospital_id', '1';
DROP TABLE bench_p, bench_bucket, bench_team, bench_pii_pool, bench_case, bench_dept;

-- ------------------------------------------------------------------ 9. vacuum + analyze (sets the visibility map and hint bits, as autovacuum would)
\echo '[gen] 9/9 VACUUM ANALYZE'
VACUUM (ANALYZE) staff;
VACUUM (ANALYZE) care_team_member;
VACUUM (ANALYZE) patient;
VACUUM (ANALYZE) encounter;
VACUUM (ANALYZE) care_plan;
VACUUM (ANALYZE) follow_up_task;
VACUUM (ANALYZE) alert;
VACUUM (ANALYZE) audit_event;
ANALYZE hospital, department, care_team, pathway, pathway_step, icd10_code, procedure_code;
\timing off

\echo '[gen] summary'
SELECT 'hospital' AS tbl, count(*) FROM hospital UNION ALL SELECT 'department', count(*) FROM department
UNION ALL SELECT 'staff', count(*) FROM staff UNION ALL SELECT 'care_team', count(*) FROM care_team
UNION ALL SELECT 'care_team_member', count(*) FROM care_team_member UNION ALL SELECT 'patient', count(*) FROM patient
UNION ALL SELECT 'encounter', count(*) FROM encounter UNION ALL SELECT 'care_plan', count(*) FROM care_plan
UNION ALL SELECT 'follow_up_task', count(*) FROM follow_up_task UNION ALL SELECT 'alert', count(*) FROM alert;
SELECT status, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct FROM follow_up_task GROUP BY status ORDER BY 2 DESC;
SELECT min(due_date) - CAST(:'today' AS DATE) AS first_due_vs_today, max(due_date) - CAST(:'today' AS DATE) AS last_due_vs_today
FROM follow_up_task;
\echo '[gen] open tasks in today''s window per assignee (TODAY view size), and overdue backlog per assignee'
SELECT count(*) AS assignees,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY today_n) AS today_p50,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY today_n) AS today_p90,
       max(today_n) AS today_max,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY backlog) AS backlog_p50,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY backlog) AS backlog_p90,
       max(backlog) AS backlog_max
FROM (SELECT assignee_id,
             count(*) FILTER (WHERE due_date <= CAST(:'today' AS DATE) AND window_end >= CAST(:'today' AS DATE)) AS today_n,
             count(*) FILTER (WHERE window_end < CAST(:'today' AS DATE)) AS backlog
      FROM follow_up_task WHERE status IN ('PENDING', 'IN_PROGRESS') GROUP BY assignee_id) a;
SELECT * FROM bench_meta ORDER BY key;
SELECT pg_size_pretty(pg_database_size(current_database())) AS database_size;
SELECT round(extract(epoch FROM clock_timestamp() - CAST(:'gen_started' AS timestamptz))::numeric, 1) AS total_seconds \gset
\echo '[gen] done in' :total_seconds 's'
