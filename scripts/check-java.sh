#!/usr/bin/env bash
# Suifang needs a JDK 17 or newer (java and javac on PATH, or JAVA_HOME).
set -euo pipefail
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! command -v "$JAVA" >/dev/null 2>&1; then
  echo "[java] 未找到 Java：请安装 JDK 17（Debian/Ubuntu: apt-get install -y openjdk-17-jdk-headless）" >&2
  exit 1
fi
version=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
if [ "${version%%.*}" -lt 17 ] 2>/dev/null; then
  echo "[java] 需要 JDK 17 或更高版本，当前为 $version" >&2
  exit 1
fi
