#!/usr/bin/env bash
# Suifang benchmark (docs/benchmarks.md): "my tasks today" through the API, against the same SQL through
# pgbench, in the same run, on the same machine, at the same concurrency.
#
#   scripts/bench.sh generate [--force]  build, migrate suifang_bench (Flyway, by starting the backend once)
#                                        and fill it: 1M patients, ~5.2M tasks (2-5 minutes on 2 cores);
#                                        refuses when data exists; --force drops the schema and starts over
#   scripts/bench.sh run                 pgbench and wrk against 127.0.0.1 only, bounded, then stops the
#                                        backend; prints the results and saves them under bench/results/
#   scripts/bench.sh telephony           ESL decoding vs raw socket read; calls/s simulator -> bridge -> Redis
#                                        Streams -> PostgreSQL vs the raw database doing the same writes
#                                        (database suifang_bench_tel, key prefix suifang_bench_tel; ~8.5 min)
#
# Environment: BENCH_DURATION (seconds per measured run, 30), BENCH_CLIENTS (8), BENCH_THREADS (2),
# BENCH_PORT (18080), BENCH_SKIP_BUILD=1 (reuse backend/target/*.jar), BENCH_PATIENTS (1000000),
# BENCH_WORK (scratch directory, /tmp/suifang-bench).
set -euo pipefail
cd "$(dirname "$0")/.."

DB=suifang_bench
[ "${1:-}" = telephony ] && DB=suifang_bench_tel
case "${BENCH_DB:-$DB}" in
  suifang_bench*) DB=${BENCH_DB:-$DB} ;;
  *) echo "[bench] refusing to use database ${BENCH_DB}: only suifang_bench* is a benchmark database" >&2; exit 2 ;;
esac
DURATION=${BENCH_DURATION:-30}
CLIENTS=${BENCH_CLIENTS:-8}
THREADS=${BENCH_THREADS:-2}
PORT=${BENCH_PORT:-18080}
WORK=${BENCH_WORK:-/tmp/suifang-bench}
JAR_SRC=backend/target/backend-0.1.0-SNAPSHOT.jar
JAR=$WORK/backend.jar
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=suifang PGPASSWORD=suifang PGDATABASE=$DB
APP_PID=
mkdir -p "$WORK"

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] %s\n' "$*" >&2; exit 1; }
q() { psql -X -Atq -v ON_ERROR_STOP=1 -c "$1"; }

# services.sh must not inherit the PG* variables above: it administers PostgreSQL as the postgres user
services() { env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE scripts/services.sh "$@"; }

need() {
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      case "$tool" in
        wrk|unzip)
          say "installing $tool (apt)"
          if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
          else sudo apt-get install -y -qq "$tool" >/dev/null; fi ;;
        *) die "missing $tool (Debian: apt-get install -y postgresql-client redis-tools curl openjdk-17-jdk-headless)" ;;
      esac
    fi
  done
}

# Builds with the Maven wrapper (as the README does) and copies the jar away, so a rebuild during the
# run cannot change what is measured.
build() {
  if [ "${BENCH_SKIP_BUILD:-0}" != "1" ]; then
    say "building the backend (./mvnw -q -B package -DskipTests -pl backend -am)"
    ./mvnw -q -B package -DskipTests -pl backend -am || die "build failed"
  fi
  [ -f "$JAR_SRC" ] || die "$JAR_SRC not found"
  cp "$JAR_SRC" "$JAR"
  rm -rf "$WORK/jar" && mkdir -p "$WORK/jar" && (cd "$WORK/jar" && unzip -q "$JAR")
}

generate() {
  local force=0
  [ "${1:-}" = "--force" ] && force=1
  need psql java unzip curl
  services "$DB"
  build
  if [ "$force" = 1 ]; then
    # recreate from scratch: drop every table, sequence and function in suifang_bench's public schema, so
    # Flyway re-creates the schema from the current migrations (also after a migration was edited)
    say "--force: dropping the schema objects of $DB"
    psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', r.tablename);
    END LOOP;
    FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', r.sequencename);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.f);
    END LOOP;
END $$;
SQL
  fi
  # Flyway runs at start-up: starting the backend once brings the schema (and its history) up to date
  app_start
  app_stop
  if [ "$force" = 0 ] && [ "$(q "SELECT count(*) FROM patient")" != "0" ]; then
    die "$DB already holds data; use: scripts/bench.sh generate --force (wipes and regenerates it)"
  fi
  local yml="$WORK/jar/BOOT-INF/classes/application-demo.yml" pii bidx
  pii=$(sed -n 's/^ *pii-key: *//p' "$yml")
  bidx=$(sed -n 's/^ *blind-index-key: *//p' "$yml")
  say "sealing a pool of 20,000 phone / ID-card ciphertexts with PiiCipher and the demo keys"
  java -cp "$WORK/jar/BOOT-INF/classes:$WORK/jar/BOOT-INF/lib/*" bench/PiiPool.java 20000 "$pii" "$bidx" >"$WORK/pii_pool.sql"
  say "generating (log: $WORK/generate.log)"
  local t0=$SECONDS st
  set +e
  psql -X -v ON_ERROR_STOP=1 -v pool_sql="$WORK/pii_pool.sql" -v force=$force -v patients="${BENCH_PATIENTS:-1000000}" \
    -f bench/generate.sql 2>&1 | tee "$WORK/generate.log" \
    | grep --line-buffered -E '^\[gen\]|NOTICE:  \[gen\]|ERROR' | sed -u 's/^psql:[^ ]* NOTICE:  //'
  st=${PIPESTATUS[0]}
  set -e
  [ "$st" = 0 ] || die "generation failed, see $WORK/generate.log"
  sed -n '/^\[gen\] summary/,$p' "$WORK/generate.log"
  say "generation took $((SECONDS - t0)) s (wall clock, including VACUUM ANALYZE)"
}

# Starts the backend jar against $DB on 127.0.0.1:$PORT the way docs/benchmarks.md describes (demo profile for the
# demo login and keys, no seeding, no scheduler, no telephony) and waits until it is healthy.
app_start() {
  say "starting the backend on 127.0.0.1:$PORT (log: $WORK/backend.log)"
  env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE     SPRING_PROFILES_ACTIVE=demo SUIFANG_DEMO_SEED=false SUIFANG_SCHEDULER_ENABLED=false     SUIFANG_TELEPHONY_EMBEDDED_BRIDGE=false SUIFANG_TELEPHONY_SIMULATOR=false     SPRING_R2DBC_URL="r2dbc:postgresql://127.0.0.1:5432/$DB" SPRING_FLYWAY_URL="jdbc:postgresql://127.0.0.1:5432/$DB"     SERVER_PORT="$PORT" SERVER_ADDRESS=127.0.0.1 SUIFANG_REDIS_KEY_PREFIX="$DB"     java -jar "$JAR" >"$WORK/backend.log" 2>&1 &
  APP_PID=$!
  local i
  for i in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$PORT/actuator/health" >/dev/null 2>&1 && { say "backend up after ${i} s"; return 0; }
    kill -0 "$APP_PID" 2>/dev/null || die "the backend exited during start-up, see $WORK/backend.log"
    sleep 1
  done
  die "the backend was not healthy after 240 s, see $WORK/backend.log"
}

app_stop() {
  if [ -n "${APP_PID:-}" ] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" && wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=
}
trap app_stop EXIT

# ------------------------------------------------------------------ measurement helpers
HZ=$(getconf CLK_TCK)
POSTMASTER=$(pgrep -o -u postgres -x postgres || true)
REDIS_PID=$(pgrep -o -x redis-server || true)

ticks_of() { [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
# all of PostgreSQL: live processes, plus the postmaster's reaped children (backends that exited meanwhile)
pg_ticks() {
  for p in $(pgrep -u postgres -x postgres); do cat "/proc/$p/stat" 2>/dev/null || true; done \
    | awk -v pm="$POSTMASTER" '{ t += $14 + $15; if ($1 == pm) t += $16 + $17 } END { print t + 0 }'
}
machine_ticks() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

snapshot() { echo "$(ticks_of "$APP_PID") $(pg_ticks) $(ticks_of "$REDIS_PID") $(machine_ticks)"; }

# pct FILE P: P-th percentile (ms, 2 decimals) of a sorted list of microseconds
pct() { awk -v p="$2" '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.2f", a[i] / 1000 }' "$1"; }
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }' <<<"$1"; }

ROWS=()
LOCKS=()
# measure NAME KIND(pgbench|wrk) CMD...: runs one bounded load, samples waits, accounts CPU, records a row
measure() {
  local name=$1 kind=$2; shift 2
  local out="$WORK/run-$name.out" before after lg ops avg p50 p90 p99 errs
  say "run $name: $*"
  psql -X -q -At -v seconds="$DURATION" -f bench/sample_waits.sql >"$WORK/run-$name.waits" 2>&1 &
  local sampler=$!
  before=$(snapshot)
  lg=$( { TIMEFORMAT='%3U %3S'; time "$@" >"$out" 2>&1; } 2>&1 ) || { cat "$out"; die "run $name failed"; }
  sleep 1   # let the postmaster reap pgbench's backends, so their CPU shows up in its children's times
  after=$(snapshot)
  wait "$sampler" || true
  if [ "$kind" = pgbench ]; then
    ops=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$out")
    avg=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$out")
    errs=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
    cat "$WORK"/pgb-"$name".* | awk '{ print $3 }' | sort -n >"$WORK/lat-$name"
    rm -f "$WORK"/pgb-"$name".*
    p50=$(pct "$WORK/lat-$name" 50); p90=$(pct "$WORK/lat-$name" 90); p99=$(pct "$WORK/lat-$name" 99)
  else
    ops=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$out")
    avg=$(to_ms "$(awk '/^ *Latency +[0-9]/{ print $2 }' "$out")")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    errs=$(( $(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$out" | head -1 | sed 's/^$/0/') + 0 ))
    grep -q "Socket errors" "$out" && errs="$errs ($(grep 'Socket errors' "$out" | sed 's/^ *//'))"
  fi
  # CPU per operation (ms): backend JVM, PostgreSQL (all databases), load generator, Redis, everything else
  read -r ja pa ra mba mta <<<"$after"
  read -r jb pb rb mbb mtb <<<"$before"
  read -r lgu lgs <<<"$lg"
  local n cpu
  n=$(awk -v o="$ops" -v d="$DURATION" 'BEGIN { printf "%d", o * d }')
  cpu=$(awk -v hz="$HZ" -v n="$n" -v j=$((ja - jb)) -v p=$((pa - pb)) -v r=$((ra - rb)) -v mb=$((mba - mbb)) -v mt=$((mta - mtb)) \
            -v lu="$lgu" -v ls="$lgs" 'BEGIN {
              lgt = (lu + ls) * hz; other = mb - j - p - r - lgt; if (other < 0) other = 0; f = 1000 / hz / (n > 0 ? n : 1);
              printf "%.2f|%.2f|%.2f|%.2f|%.2f|%.0f%%", j * f, p * f, lgt * f, r * f, other * f, 100 * mb / (mt > 0 ? mt : 1) }')
  local waits
  waits=$(awk -F'|' 'NF == 2 && $2 + 0 >= 0.05 { printf "%s%s %s", sep, $1, $2; sep = ", " }' "$WORK/run-$name.waits")
  ops=$(printf '%.1f' "$ops"); avg=$(printf '%.2f' "$avg")
  ROWS+=("$name|$ops|$avg|$p50|$p90|$p99|${errs:-0}|$cpu|$waits")
  # audit lock: utilisation U from the samples; with one holder at a time, mean hold time = U / throughput
  local util
  util=$(awk -F'|' '$1 == "audit lock held" { print $2 }' "$WORK/run-$name.waits")
  [ -n "$util" ] && LOCKS+=("$name: audit lock held $(awk -v u="$util" 'BEGIN { printf "%.0f", u * 100 }')% of the time, mean hold $(awk -v u="$util" -v o="$ops" 'BEGIN { printf "%.2f", 1000 * u / o }') ms per append (= utilisation / throughput)")
  say "  -> $ops/s, avg $avg ms, p50 $p50, p99 $p99 ms, errors ${errs:-0}; waits: $waits"
}

LEFTOVER=()
# after wrk stops, requests it cut off in flight: backend connections left "idle in transaction"
leftover() {
  sleep 2
  LEFTOVER+=("$1: $(q "SELECT count(*) || ' connection(s) idle in transaction 2 s after wrk stopped, oldest transaction '
                          || coalesce(round(extract(epoch FROM max(now() - xact_start)), 1)::text || ' s', '-')
                          || ', holding the audit lock: ' || count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_locks l
                               WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted))
                   FROM pg_stat_activity a WHERE datname = current_database() AND state = 'idle in transaction'
                     AND application_name <> 'pgbench'")")
}

pgb() {  # pgb NAME SCRIPT [extra pgbench args]: one measured pgbench run
  local name=$1 script=$2; shift 2
  measure "$name" pgbench pgbench -n -c "$CLIENTS" -j "$THREADS" -T "$DURATION" -f "$script" "$@" \
    --log --log-prefix="$WORK/pgb-$name" "$DB"
}

# ------------------------------------------------------------------ run
run() {
  need psql pgbench wrk curl java jcmd jfr unzip
  services "$DB"
  [ -n "$(q "SELECT to_regclass('bench_meta')")" ] || die "no benchmark data in $DB: run scripts/bench.sh generate first"
  build

  local staff gen_today today admin
  staff=$(q "SELECT value FROM bench_meta WHERE key = 'max_assignee'")
  [ "$staff" = "$(q "SELECT value FROM bench_meta WHERE key = 'staff_with_tasks'")" ] || die "staff with tasks are not 1..N"
  gen_today=$(q "SELECT value FROM bench_meta WHERE key = 'today'")
  # the backend's "today" is the date in suifang.zone (Asia/Shanghai); the database runs in UTC
  today=$(q "SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date")
  [ "$today" = "$gen_today" ] || say "NOTE: data generated for $gen_today, today is $today; lists shift day by day (regenerate with --force for comparable runs)"
  admin=$(q "SELECT min(id) FROM staff WHERE 'ADMIN' = ANY (roles)")

  # pgbench scripts: the MY_TASKS text is taken from WorkbenchQueries.java, so pgbench runs exactly what the API runs
  local sql="$WORK/my_tasks_raw.sql"
  sed -n '/MY_TASKS = """/,/""";/p' backend/src/main/java/cn/suifang/backend/workbench/WorkbenchQueries.java \
    | sed '1d; s/""";[[:space:]]*$//; s/^            //' >"$sql"
  grep -q ':me' "$sql" || die "could not extract MY_TASKS from WorkbenchQueries.java"
  local inline="$WORK/my_tasks_inline.sql" prepared="$WORK/my_tasks_prepared.sql" audit="$WORK/audit_append.sql" request="$WORK/request_db.sql"
  # (a) values inlined (simple protocol): view TODAY, today, first page (cursor 1900-01-01/0), limit 20 + 1 as the API binds it
  { echo "\\set me random(1, $staff)"
    sed -e "s/:view/'TODAY'/g; s/:today/'$today'/g; s/:afterDue/'1900-01-01'/g; s/:afterId/0/g; s/:limit/21/g" "$sql"
    echo ";"; } >"$inline"
  # (a') the same with bind parameters and named prepared statements, the way R2DBC sends it
  { echo "\\set me random(1, $staff)"; cat "$sql"; echo ";"; } >"$prepared"
  # (b) the audit append alone; (c) one API request's database work: the list query, then the audit append
  { echo "\\set me random(1, $staff)"; echo "\\set p random(1, 1000000)"; cat bench/pgbench/audit_tx.sql; } >"$audit"
  { echo "\\set me random(1, $staff)"; echo "\\set p random(1, 1000000)"
    sed -n '2,$p' "$inline"; cat bench/pgbench/audit_tx.sql; } >"$request"

  app_start
  say "issuing bearer tokens for staff 1..$staff via POST /api/auth/demo-login"
  local tokens="$WORK/tokens.txt"
  rm -rf "$WORK/login" && mkdir -p "$WORK/login"
  seq 1 "$staff" | xargs -P 4 -I{} curl -fs -o "$WORK/login/{}.json" -X POST -H 'Content-Type: application/json' \
    -d '{"staffId":{}}' "http://127.0.0.1:$PORT/api/auth/demo-login"
  for i in $(seq 1 "$staff"); do grep -o '"token":"[^"]*"' "$WORK/login/$i.json" | cut -d'"' -f4; done >"$tokens"
  [ "$(wc -l <"$tokens")" = "$staff" ] || die "got $(wc -l <"$tokens") tokens for $staff staff"
  local admin_token
  admin_token=$(curl -fs -X POST -H 'Content-Type: application/json' -d "{\"staffId\":$admin}" \
    "http://127.0.0.1:$PORT/api/auth/demo-login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  local check
  check=$(curl -fs -H "Authorization: Bearer $(head -1 "$tokens")" "http://127.0.0.1:$PORT/api/workbench/tasks?view=TODAY&limit=20")
  grep -q '"phoneMasked":"1[0-9][0-9]\*\*\*\*[0-9]' <<<"$check" || die "sanity request failed: ${check:0:300}"
  say "sanity: staff 1 gets $(grep -o '"taskId"' <<<"$check" | wc -l) cards with decrypted, masked phones"

  local wrk_cmd=(wrk -t "$THREADS" -c "$CLIENTS" -d "${DURATION}s" --latency -s bench/my_tasks.lua "http://127.0.0.1:$PORT" -- "$tokens")
  say "warm-up: pgbench 10 s, backend 30 s (JIT), not recorded"
  pgbench -n -c "$CLIENTS" -j "$THREADS" -T 10 -f "$inline" "$DB" >"$WORK/warmup-pgbench.out" 2>&1
  wrk -t "$THREADS" -c "$CLIENTS" -d 30s -s bench/my_tasks.lua "http://127.0.0.1:$PORT" -- "$tokens" >"$WORK/warmup-wrk.out" 2>&1

  local started
  started=$(date -u '+%Y-%m-%d %H:%M UTC')
  # interleaved, so slow drift of the shared machine hits both sides alike
  leftover warm-up
  pgb A1-sql-inline "$inline"
  measure APP1-api wrk "${wrk_cmd[@]}"
  leftover APP1
  pgb C-sql+audit "$request"
  pgb B-audit-only "$audit"
  pgb A-sql-prepared "$prepared" -M prepared -D view=TODAY -D today="$today" -D afterDue=1900-01-01 -D afterId=0 -D limit=21
  measure APP2-api wrk "${wrk_cmd[@]}"
  leftover APP2
  pgb A2-sql-inline "$inline"
  pgb A3-sql-inline "$inline"
  measure APP3-api wrk "${wrk_cmd[@]}"
  leftover APP3

  # not part of the table: one more API run under Java Flight Recorder, to see where the JVM's CPU goes
  say "profiling: one more ${DURATION} s API run under Java Flight Recorder (not in the table)"
  rm -f "$WORK/app.jfr"
  jcmd "$APP_PID" JFR.start name=bench settings=profile filename="$WORK/app.jfr" >/dev/null
  wrk -t "$THREADS" -c "$CLIENTS" -d "${DURATION}s" -s bench/my_tasks.lua "http://127.0.0.1:$PORT" -- "$tokens" >"$WORK/run-profile.out" 2>&1
  jcmd "$APP_PID" JFR.stop name=bench >/dev/null
  local profile
  profile=$(jfr print --events jdk.ExecutionSample --stack-depth 256 "$WORK/app.jfr" | awk -f bench/jfr_breakdown.awk -f bench/jfr_samples.awk)

  say "checking the audit hash chain (pgbench rows included) via GET /api/admin/audit/verify"
  local verify
  verify=$(curl -fs --max-time 300 -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$PORT/api/admin/audit/verify" || echo '{"error":"verify failed"}')
  app_stop

  # ------------------------------------------------------------------ report
  local res="bench/results/$(date -u '+%Y-%m-%d_%H%M').md"
  mkdir -p bench/results
  local a1 a2 a3 p1 p2 p3 c b ap
  for r in "${ROWS[@]}"; do
    case "${r%%|*}" in
      A1-*) a1=$(cut -d'|' -f2 <<<"$r") ;; A2-*) a2=$(cut -d'|' -f2 <<<"$r") ;; A3-*) a3=$(cut -d'|' -f2 <<<"$r") ;;
      APP1-*) p1=$(cut -d'|' -f2 <<<"$r") ;; APP2-*) p2=$(cut -d'|' -f2 <<<"$r") ;; APP3-*) p3=$(cut -d'|' -f2 <<<"$r") ;;
      C-*) c=$(cut -d'|' -f2 <<<"$r") ;; B-*) b=$(cut -d'|' -f2 <<<"$r") ;; A-sql-prepared) ap=$(cut -d'|' -f2 <<<"$r") ;;
    esac
  done
  {
    echo "# Suifang benchmark run, $started"
    echo
    echo "- machine: $(nproc) CPUs, $(free -g | awk '/^Mem:/{ print $2 }') GiB RAM, $(uname -r); $(psql -X -Atc 'SELECT version()' | cut -d, -f1)"
    echo "- PostgreSQL: shared_buffers=$(q 'SHOW shared_buffers'), synchronous_commit=$(q 'SHOW synchronous_commit'), max_connections=$(q 'SHOW max_connections')"
    echo "- data: $(q "SELECT count(*) FROM patient") patients, $(q "SELECT count(*) FROM follow_up_task") tasks, $staff staff with tasks, generated $(q "SELECT value FROM bench_meta WHERE key = 'generated_at'"); today=$today"
    echo "- load: $CLIENTS connections, $THREADS threads, ${DURATION} s per run, 127.0.0.1 only; :me / token uniform over staff 1..$staff"
    echo "- backend: $(unzip -p "$JAR" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *//p' | tr -d '\r'), git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- backend 2>/dev/null || echo ' + uncommitted backend changes')"
    echo
    echo "| run | ops/s | avg ms | p50 ms | p90 ms | p99 ms | errors | CPU ms/op: JVM | PostgreSQL | load gen | Redis | other | machine busy | backends (avg) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for r in "${ROWS[@]}"; do echo "| ${r//|/ | } |"; done
    echo
    awk -v a1="$a1" -v a2="$a2" -v a3="$a3" -v p1="$p1" -v p2="$p2" -v p3="$p3" -v c="$c" -v b="$b" -v ap="$ap" 'BEGIN {
      r1 = p1 / a1; r2 = p2 / a2; r3 = p3 / a3
      med = (r1 > r2) ? ((r2 > r3) ? r2 : ((r1 > r3) ? r3 : r1)) : ((r1 > r3) ? r1 : ((r2 > r3) ? r3 : r2))
      printf "- **API / pgbench, same SQL with values inlined: pairs (APP1/A1, APP2/A2, APP3/A3) %.3f, %.3f, %.3f; median %.3f**\n", r1, r2, r3, med
      printf "- API / pgbench, same SQL as prepared statement (how R2DBC sends it): APP2/A-sql-prepared %.3f\n", p2 / ap
      printf "- API / pgbench, list query + audit append (the database work of one request): APP1/C %.3f\n", p1 / c
      printf "- audit append alone (pgbench, %s connections): %.1f/s\n", "'"$CLIENTS"'", b }'
    echo "- audit chain after the run: $verify"
    for l in "${LOCKS[@]}"; do echo "- $l"; done
    for l in "${LEFTOVER[@]}"; do echo "- after $l"; done
    echo
    echo "JVM CPU samples during one more ${DURATION} s API run under Java Flight Recorder (settings=profile; not in the table above):"
    echo
    echo '```'
    echo "$profile"
    echo '```'
    echo
    echo "Order of the runs: A1, APP1, C, B, A-sql-prepared, APP2, A2, A3, APP3 (each pgbench/API pair back to back)."
    echo "Runs: A = MY_TASKS via pgbench (values inlined, simple protocol); A-sql-prepared = same with bind parameters (-M prepared);"
    echo "B = audit append alone (advisory lock, last hash, INSERT, COMMIT); C = A followed by B (one request's database work);"
    echo "APP = GET /api/workbench/tasks?view=TODAY&limit=20 via wrk (token lookup in Redis, query, 20 AES-GCM decrypts, JSON, audit append)."
    echo "CPU ms/op from /proc (PostgreSQL = all databases on the server; other = rest of the machine, i.e. noise from other users)."
    echo "backends = pg_stat_activity of $DB sampled 10/s: CPU = active, not waiting; Lock:advisory = queued on the audit chain lock;"
    echo "idle in transaction = a transaction open while its client works."
    echo
    echo '```sql'
    cat "$sql"
    echo '```'
  } >"$res"
  echo
  cat "$res"
  say "saved $res (raw outputs in $WORK)"
}


# ------------------------------------------------------------------ telephony (issue 3)
# Two measurements, each against its raw baseline in the same run:
#  1. bench/EslDecodeBench.java: real FreeSWITCH frames over loopback TCP, raw read vs EslFrameDecoder + EslEvent.parse
#  2. bench/TelephonyLoad.java: it plays FreeSWITCH (EslSimulator) and starts the backend jar with the embedded bridge;
#     offers calls at fixed rates, interleaved with the raw database applying the same events at the same rates
# Environment: BENCH_TEL_RATES (50,100,200,400), BENCH_TEL_SECONDS (20 per run), BENCH_TEL_DRAIN (15),
# BENCH_DECODE_MB (64), BENCH_ESL_FIXTURES (../shared/fixtures/esl), BENCH_SKIP_BUILD=1, BENCH_TEL_ARGS (more key=value
# arguments for TelephonyLoad, e.g. "consume=false dbRuns=false": the bridge alone, events left on the stream).
telephony() {
  need psql java jcmd jfr unzip
  services "$DB"
  # what is built is what is measured: note the source state before building
  local source
  source="git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- backend telephony-bridge 2>/dev/null || echo ' + uncommitted changes')"
  [ "${BENCH_SKIP_BUILD:-0}" = "1" ] && source="$source (BENCH_SKIP_BUILD: jar built earlier)"
  build
  local fixtures=${BENCH_ESL_FIXTURES:-../shared/fixtures/esl}
  [ -f "$fixtures/channel-create-outbound-bleg.txt" ] || die "ESL fixtures not found in $fixtures (set BENCH_ESL_FIXTURES)"
  local cp="$WORK/jar/BOOT-INF/lib/*" started
  started=$(date -u '+%Y-%m-%d %H:%M UTC')

  say "1/2 ESL decoding vs raw socket read (${BENCH_DECODE_MB:-64} MB per transfer, 3 warm-up and 5 measured rounds)"
  timeout 300 java -cp "$cp" bench/EslDecodeBench.java "$fixtures" "${BENCH_DECODE_MB:-64}" 5 3 | tee "$WORK/tel-decode.out" \
    || die "decoding benchmark failed"

  say "2/2 end-to-end calls/s vs the raw database (log: $WORK/backend.log)"
  rm -f "$WORK/telephony.jfr"
  timeout 900 java -cp "$cp" bench/TelephonyLoad.java jar="$JAR" db="$DB" user="$PGUSER" password="$PGPASSWORD" \
    prefix="$DB" work="$WORK" hz="$HZ" rates="${BENCH_TEL_RATES:-50,100,200,400}" seconds="${BENCH_TEL_SECONDS:-20}" \
    drain="${BENCH_TEL_DRAIN:-15}" ${BENCH_TEL_ARGS:-} | tee "$WORK/tel-e2e.out" || die "end-to-end benchmark failed (see $WORK/backend.log)"
  local profile="no JFR recording"
  [ -f "$WORK/telephony.jfr" ] && profile=$(jfr print --events jdk.ExecutionSample --stack-depth 256 "$WORK/telephony.jfr" \
    | awk -f bench/jfr_telephony.awk -f bench/jfr_samples.awk)

  local res="bench/results/$(date -u '+%Y-%m-%d_%H%M')_telephony.md"
  mkdir -p bench/results
  {
    echo "# Suifang telephony benchmark run, $started"
    echo
    echo "- machine: $(nproc) CPUs, $(free -g | awk '/^Mem:/{ print $2 }') GiB RAM, $(uname -r); $(psql -X -Atc 'SELECT version()' | cut -d, -f1); $(redis-server --version 2>/dev/null | awk '{ print "Redis", $3 }')"
    echo "- PostgreSQL: shared_buffers=$(q 'SHOW shared_buffers'), synchronous_commit=$(q 'SHOW synchronous_commit'); database $DB, Redis key prefix $DB"
    echo "- backend: $source; $(java -version 2>&1 | head -1)"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "## 1. ESL decoding vs raw socket read"
    echo
    echo '```'
    grep -v '^warm-up' "$WORK/tel-decode.out" | grep -v '^|' | grep -v '^$' | grep -v ' events and '
    echo '```'
    echo
    grep '^|' "$WORK/tel-decode.out"
    echo
    grep -A3 '^| \*\*decoded' "$WORK/tel-decode.out" | tail -n +3 | grep -v '^$' || true
    echo
    echo "## 2. End-to-end calls/s vs the raw database"
    echo
    sed -n '/^| run /,$p' "$WORK/tel-e2e.out" | grep -v '^- JFR'
    echo
    echo "Order of the runs: warm-up, then per rate E2E-<rate> followed by DB1-<rate>; last the raw database on more connections."
    echo "E2E = XADD of the originate command (as CallService) -> embedded bridge -> simulator -> events stream -> CallEventConsumer -> PostgreSQL."
    echo "DB1 = CallEventApplier's statements for the same 10 events per call, one JDBC connection (the consumer applies one event at a time)."
    echo "Latency from the command's XADD (E2E) or offer time (DB) to the bridge's CALL_ENDED entry / to the commit that made the record ENDED."
    echo "'ended/s' counts completions inside the offering window; backlog = calls offered but not ended by the bridge / ended by the bridge but not in the database (sampled 4/s)."
    echo "CPU ms per completed call from /proc over offering + drain (PostgreSQL = all databases; other = rest of the machine, i.e. other users)."
    echo
    echo "Backend JVM CPU samples during one more end-to-end run (15 s) under Java Flight Recorder (not in the table):"
    echo
    echo '```'
    echo "$profile"
    echo '```'
  } >"$res"
  echo
  cat "$res"
  say "saved $res (raw outputs in $WORK)"
}

case "${1:-}" in
  telephony) telephony ;;
  generate) shift; generate "$@" ;;
  run) run ;;
  *) echo "usage: scripts/bench.sh generate [--force] | run | telephony" >&2; exit 2 ;;
esac
