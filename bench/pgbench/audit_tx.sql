-- The audit append of one API list read, statement for statement as AuditService.append runs it:
-- a transaction-scoped advisory lock (CHAIN_LOCK = 0x53756966416E), the last hash, one INSERT, COMMIT.
-- The hash is computed exactly as AuditService.hash does (sha256 of the \u001f-joined canonical row), so
-- rows written by pgbench keep the chain valid (GET /api/admin/audit/verify). Needs :me and :p set by
-- the including script; the 20 patient ids stand in for the page's patients (distinct, sorted).
BEGIN;
SELECT pg_advisory_xact_lock(91763744588142);
SELECT coalesce((SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1), repeat('0', 64)) AS prev \gset
WITH v AS (SELECT date_trunc('microseconds', clock_timestamp()) AS at,
                  ARRAY(SELECT (:p + g * 49999) % 1000000 + 1 FROM generate_series(0, 19) g ORDER BY 1)::bigint[] AS pids)
INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, resource_type, resource_id, patient_ids, client_ip,
                         detail, prev_hash, hash)
SELECT v.at, 'STAFF', :me, 'TASK_LIST', 'follow_up_task', 'TODAY', v.pids, '127.0.0.1', NULL, ':prev',
       encode(sha256(convert_to(concat_ws(chr(31), ':prev', (extract(epoch FROM v.at) * 1000000)::bigint::text, 'STAFF',
                                          ':me', 'TASK_LIST', 'follow_up_task', 'TODAY', array_to_string(v.pids, ','),
                                          '127.0.0.1', 'null'), 'UTF8')), 'hex')
FROM v;
COMMIT;
