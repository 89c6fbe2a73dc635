#!/usr/bin/env bash
# Starts the local PostgreSQL the database tests use, installing it if absent, and makes
# sure the tests can log in. Writes the URL they use to .pg-test-url (scripts/test.sh
# exports it as GRIDCOMMAND_TEST_PG); set GRIDCOMMAND_TEST_PG to use another server.
#
# Login: where postgres may connect over TCP without a password (trust, as on the CI
# machines) the tests use that; a new Debian cluster refuses it (scram-sha-256), so the
# script creates a role `gridcommand_test` (LOGIN CREATEDB: each test session makes its
# own scratch database) with a random password and its database, through the local
# socket as the postgres superuser (`su postgres -c psql`), and the tests use that.
set -uo pipefail
cd "$(dirname "$0")/.."
URL_FILE="${GRIDCOMMAND_PG_URL_FILE:-.pg-test-url}"
HOST=127.0.0.1
ROLE=gridcommand_test
# The local cluster's port (5432 unless another server held it when Debian created the
# cluster); GRIDCOMMAND_PG_PORT overrides.
cluster_port() { pg_lsclusters -h 2>/dev/null | { read -r _ _ port _ && echo "$port"; }; }
find_port() { PORT="${GRIDCOMMAND_PG_PORT:-$(cluster_port)}"; PORT="${PORT:-5432}"; }
find_port

if [ -n "${GRIDCOMMAND_TEST_PG:-}" ]; then
  echo "ensure-postgres: using GRIDCOMMAND_TEST_PG"
  exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }
# psql as the postgres superuser over the local socket (peer authentication).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "cd / && psql -X -q -v ON_ERROR_STOP=1 -d postgres"
  else sudo -u postgres sh -c "cd / && psql -X -q -v ON_ERROR_STOP=1 -d postgres"; fi
}

if ! command -v psql >/dev/null 2>&1 || { ! ready && ! command -v pg_ctlcluster >/dev/null 2>&1; }; then
  echo "ensure-postgres: installing PostgreSQL"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql
  find_port
fi
if ! ready; then
  # A container or chroot has no service manager: start every cluster directly.
  pg_lsclusters -h 2>/dev/null | while read -r version cluster _; do
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start 2>/dev/null || true
  done
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  if ! ready; then
    echo "ensure-postgres: PostgreSQL is not reachable on $HOST:$PORT" >&2
    exit 1
  fi
fi

if psql -X -w -h "$HOST" -p "$PORT" -U postgres -d postgres -c "SELECT 1" >/dev/null 2>&1; then
  url="postgresql://postgres@$HOST:$PORT/postgres"
else
  # Keep the password of an earlier run, so a second run changes nothing.
  password=$(sed -n "s|^postgresql://$ROLE:\([A-Za-z0-9]*\)@.*|\1|p" "$URL_FILE" 2>/dev/null)
  [ -n "$password" ] || password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "ensure-postgres: creating role $ROLE and its database through the local socket"
  if ! as_postgres <<SQL
SELECT 'CREATE ROLE $ROLE' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE')\gexec
ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$password';
SELECT 'CREATE DATABASE $ROLE OWNER $ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$ROLE')\gexec
SQL
  then
    echo "ensure-postgres: cannot run psql as postgres on the local socket (set GRIDCOMMAND_TEST_PG to a URL that works)" >&2
    exit 1
  fi
  url="postgresql://$ROLE:$password@$HOST:$PORT/$ROLE"
  if ! PGPASSWORD="$password" psql -X -w -h "$HOST" -p "$PORT" -U "$ROLE" -d "$ROLE" -c "SELECT 1" >/dev/null 2>&1; then
    echo "ensure-postgres: role $ROLE cannot log in on $HOST:$PORT with its password (check pg_hba.conf)" >&2
    exit 1
  fi
fi
(umask 077 && printf '%s\n' "$url" > "$URL_FILE")
echo "ensure-postgres: ready; the tests' database URL is in $URL_FILE"
