#!/usr/bin/env bash
# Run every test: the same service bootstrap as the run command, then ./mvnw verify.
# Integration tests use the database suifang_test (override with SUIFANG_TEST_DB); the browser test
# uses Debian's chromium + chromedriver, which the service bootstrap installs when absent.
# The whole Maven output is also kept in target/test-run.log; when a test fails, the server-side
# errors logged during the run are repeated at the very end, next to the failing test's name, so a
# CI summary that shows only the tail still says why an endpoint answered 500.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/check-java.sh
SUIFANG_BROWSER=1 scripts/services.sh "${SUIFANG_TEST_DB:-suifang_test}"
mkdir -p target
log=target/test-run.log
set +e
./mvnw -B verify "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "===== requests answered 500 during the run (full log: $log) ====="
  # each 500 logged by the server (ProblemTranslator, or WebFlux for failures outside a controller) with the first
  # lines of its stack trace and its root causes; tests that provoke failures on purpose do not answer 500
  awk '/ ERROR [0-9]+ --- .*(unexpected failure|500 Server Error|Error for HTTP)/{n=4; c=1; print; next}
       / (ERROR|WARN|INFO) [0-9]+ --- /{n=0; c=0; next}
       c && /^Caused by: /{print; next}
       n>0 && /^\t?at |^[a-zA-Z.]+(Exception|Error)/{print; n--}' "$log" | cut -c1-300 | tail -n 40
fi
exit "$status"
