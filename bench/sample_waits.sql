-- Samples what the benchmark database's client backends are doing, 10 times a second for :seconds s,
-- from one connection (so the sampler itself costs next to nothing), then prints the average number
-- of backends in each state, per client (pgbench, or app = the backend's R2DBC pool): "CPU" = active and not waiting, "Lock:advisory" = queued on the audit
-- chain lock, "IO:WALSync" = commit flush, "idle in transaction" = a transaction open while the
-- client (application or pgbench) works between statements; "audit lock held" = the fraction of
-- samples in which some backend held the audit chain lock (its utilisation).
\set ON_ERROR_STOP on
CREATE TEMP TABLE bench_sample (n INT, ev TEXT);
SELECT set_config('bench.samples', (:seconds * 10)::text, false);
DO $$
DECLARE i INT;
BEGIN
    FOR i IN 1 .. current_setting('bench.samples')::int LOOP
        PERFORM pg_stat_clear_snapshot();
        INSERT INTO bench_sample
        SELECT i, CASE WHEN application_name = 'pgbench' THEN 'pgbench ' ELSE 'app ' END
                  || CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'CPU') ELSE state END
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND state IN ('active', 'idle in transaction');
        -- the audit chain lock (AuditService.CHAIN_LOCK = 0x5375_6966_416E: classid 0x5375, objid 0x6966416E):
        -- its average over the samples is the fraction of time somebody holds it
        INSERT INTO bench_sample
        SELECT i, 'audit lock held' FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND classid = 21365 AND objid = 1768309102 AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
SELECT ev AS backend_state, round(count(*)::numeric / current_setting('bench.samples')::int, 2) AS avg_backends
FROM bench_sample GROUP BY ev ORDER BY 2 DESC;
