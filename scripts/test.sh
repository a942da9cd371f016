#!/usr/bin/env bash
# Run every test: the same service bootstrap as the run command, then ./mvnw verify.
# Integration tests use the database suifang_test (override with SUIFANG_TEST_DB); the browser test
# uses Debian's chromium + chromedriver, which the service bootstrap installs when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/check-java.sh
SUIFANG_BROWSER=1 scripts/services.sh "${SUIFANG_TEST_DB:-suifang_test}"
exec ./mvnw -B verify "$@"
