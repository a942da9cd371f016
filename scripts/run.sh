#!/usr/bin/env bash
# Start the whole Suifang system in demo mode: PostgreSQL + Redis (installed/started when absent),
# a fresh build, and the backend with a seeded demo hospital. Ctrl-C stops the backend.
# Environment: SUIFANG_PORT (default 8080), SUIFANG_SKIP_BUILD=1 to reuse the last build.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SUIFANG_PORT:-8080}"
say() { printf '[run] %s\n' "$*"; }

scripts/check-java.sh
scripts/services.sh suifang

JAR=backend/target/backend-0.1.0-SNAPSHOT.jar
if [ "${SUIFANG_SKIP_BUILD:-0}" != "1" ] || [ ! -f "$JAR" ]; then
  say "building (./mvnw package, tests skipped here; scripts/test.sh runs them)"
  ./mvnw -q -B package -DskipTests
fi

mkdir -p run
LOG=run/backend.log
say "starting backend on port $PORT (log: $LOG)"
SPRING_PROFILES_ACTIVE=demo SERVER_PORT="$PORT" java -jar "$JAR" >"$LOG" 2>&1 &
PID=$!
trap 'say "stopping backend"; kill $PID 2>/dev/null; wait $PID 2>/dev/null; exit 0' INT TERM

for i in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null 2>&1; then break; fi
  if ! kill -0 $PID 2>/dev/null; then say "backend exited; last log lines:"; tail -n 40 "$LOG"; exit 1; fi
  sleep 1
done

# the demo hospital is seeded in the background on the first start
sleep 2
if grep -q "demo: seeding" "$LOG"; then
  say "seeding the demo hospital: ~2,000 discharged patients (first start only, about a minute)…"
  for _ in $(seq 1 600); do
    grep -qE "demo: seeded in|demo seeding failed" "$LOG" && break
    sleep 1
  done
  grep -q "demo seeding failed" "$LOG" && { say "demo seeding failed; see $LOG"; }
fi

cat <<INFO

  随访 Suifang is running (demo mode)
  ------------------------------------------------------------
  医生手机工作台:  http://127.0.0.1:$PORT/app/   (手机或浏览器手机模式打开，选择演示账号登录)
  API:            http://127.0.0.1:$PORT/api
  OpenAPI:        http://127.0.0.1:$PORT/v3/api-docs
  Swagger UI:     http://127.0.0.1:$PORT/swagger-ui.html
  Health:         http://127.0.0.1:$PORT/actuator/health
  Demo sign-in:   POST /api/auth/demo-login {"staffId": <id>}  → Bearer token

  Demo accounts (staffId  name  department  roles  open tasks):
INFO
curl -fs "http://127.0.0.1:$PORT/api/auth/demo-accounts" | python3 -c '
import json, sys
accounts = json.load(sys.stdin)
picked = [a for a in accounts if "DEPARTMENT_HEAD" in a["roles"]][:2] \
       + [a for a in accounts if a["roles"] == ["PHYSICIAN"]][:2] \
       + [a for a in accounts if "NURSE_COORDINATOR" in a["roles"]][:1] \
       + [a for a in accounts if "ADMIN" in a["roles"]][:1]
for a in picked:
    print("    %-5s %-6s %-8s %-32s %s" % (a["staffId"], a["name"], a["departmentName"], ",".join(a["roles"]), a["openTasks"]))
' 2>/dev/null || echo "    (see GET /api/auth/demo-accounts)"
cat <<INFO

  Try:  TOKEN=\$(curl -s -XPOST localhost:$PORT/api/auth/demo-login -H 'content-type: application/json' \\
                 -d '{"staffId":5}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
        curl -s "localhost:$PORT/api/workbench/tasks?view=TODAY" -H "Authorization: Bearer \$TOKEN"
        curl -s -XPOST "localhost:$PORT/api/tasks/<taskId>/calls" -H "Authorization: Bearer \$TOKEN"   # 一键外呼（内置 FreeSWITCH 模拟器）
  Ctrl-C stops the backend (PostgreSQL and Redis keep running).
INFO
wait $PID
