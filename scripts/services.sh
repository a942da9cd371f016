#!/usr/bin/env bash
# Make sure PostgreSQL and Redis are installed, running and configured for Suifang, and that Node.js
# (which builds the H5 workbench) is there; with SUIFANG_BROWSER=1 (scripts/test.sh) also Debian's
# chromium, chromium-driver and CJK fonts for the browser tests.
# Idempotent: on a machine where everything is already up it only checks and returns.
# Usage: scripts/services.sh [database-name ...]   (default: suifang suifang_test)
set -euo pipefail

DB_USER="${SUIFANG_DB_USER:-suifang}"
DB_PASSWORD="${SUIFANG_DB_PASSWORD:-suifang}"
DB_PORT="${SUIFANG_DB_PORT:-5432}"
REDIS_PORT="${SUIFANG_REDIS_PORT:-6379}"
REDIS_DIR="${SUIFANG_REDIS_DIR:-/var/lib/suifang-redis}"
DATABASES=("$@")
[ ${#DATABASES[@]} -gt 0 ] || DATABASES=(suifang suifang_test)

say() { printf '[services] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "需要 root 权限执行: $* (need root: install sudo or run as root)"; exit 1; fi
}

apt_updated=0
apt_install() {
  if [ $apt_updated -eq 0 ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}

# ---------- PostgreSQL ----------
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  apt_install postgresql
  say "PostgreSQL installed"
fi

cluster=$(pg_lsclusters --no-header 2>/dev/null | awk -v p="$DB_PORT" '$3==p {print $1" "$2" "$4; exit}')
if [ -z "$cluster" ]; then
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  say "creating PostgreSQL $ver cluster 'main' on port $DB_PORT"
  as_root pg_createcluster "$ver" main --port "$DB_PORT" >/dev/null
  cluster="$ver main down"
fi
read -r pg_ver pg_name pg_status <<<"$cluster"
if [ "$pg_status" != "online" ]; then
  say "starting PostgreSQL $pg_ver/$pg_name"
  as_root pg_ctlcluster "$pg_ver" "$pg_name" start
else
  say "PostgreSQL $pg_ver/$pg_name already running on port $DB_PORT"
fi
for _ in $(seq 1 30); do
  as_postgres psql -p "$DB_PORT" -qAtc 'select 1' >/dev/null 2>&1 && break
  sleep 0.5
done

# Debian's PostgreSQL wants a password over TCP: create the role with the configured password.
as_postgres psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qAt >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE "$DB_USER" LOGIN PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE "$DB_USER" LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SQL
for db in "${DATABASES[@]}"; do
  if ! as_postgres psql -p "$DB_PORT" -qAtc "select 1 from pg_database where datname='$db'" | grep -q 1; then
    say "creating database $db"
    as_postgres createdb -p "$DB_PORT" -O "$DB_USER" -E UTF8 -T template0 "$db"
  fi
done

# ---------- fonts for the printed health report ----------
# A TrueType CJK font to embed in the PDF (PDFBox cannot embed CFF fonts such as Noto CJK) and fontconfig, which the
# JVM needs to measure the chart labels.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || ! command -v fc-list >/dev/null 2>&1; then
  apt_install fonts-wqy-zenhei fontconfig
  say "report fonts installed"
fi

# ---------- Redis ----------
if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
  say "Redis installed"
fi
if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  say "Redis already running on port $REDIS_PORT"
else
  as_root mkdir -p "$REDIS_DIR"
  say "starting Redis on 127.0.0.1:$REDIS_PORT (append-only file in $REDIS_DIR)"
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
    --dir "$REDIS_DIR" --appendonly yes --appendfsync everysec \
    --logfile "$REDIS_DIR/redis.log"
  for _ in $(seq 1 30); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.2
  done
  redis-cli -p "$REDIS_PORT" ping | grep -q PONG || { say "Redis did not start; see $REDIS_DIR/redis.log"; exit 1; }
fi
# ---------- Node.js (builds the H5 workbench; Debian 12's own 18.x is enough: Vite 6) ----------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
  say "Node.js $(node --version) installed"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  say "需要 Node.js 18 或更高版本（当前 $(node --version)）：请升级 nodejs (need Node >= 18 to build the H5 workbench)"
  exit 1
fi

# ---------- browser tests: Debian's chromium + chromedriver, fonts so Chinese renders ----------
if [ "${SUIFANG_BROWSER:-0}" = "1" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
    say "installed ${missing[*]}"
  fi
fi
say "ready: postgresql://$DB_USER@127.0.0.1:$DB_PORT/{${DATABASES[*]}}  redis://127.0.0.1:$REDIS_PORT"
