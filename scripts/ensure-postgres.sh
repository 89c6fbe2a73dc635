#!/usr/bin/env bash
# Starts the local PostgreSQL the database tests use, installing it if absent.
# Set GRIDCOMMAND_TEST_PG to use another server instead.
set -uo pipefail
[ -n "${GRIDCOMMAND_TEST_PG:-}" ] && exit 0
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "ensure-postgres: installing PostgreSQL"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql
fi
for version in $(ls /etc/postgresql 2>/dev/null); do
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
done
for _ in $(seq 1 30); do ready && break; sleep 1; done
if ! ready; then
  echo "ensure-postgres: PostgreSQL is not reachable on 127.0.0.1:5432" >&2
  exit 1
fi
# The tests connect as postgres over TCP; make sure that works without a password.
if ! psql -h 127.0.0.1 -U postgres -d postgres -c "SELECT 1" >/dev/null 2>&1; then
  echo "ensure-postgres: cannot log in as postgres on 127.0.0.1 (set GRIDCOMMAND_TEST_PG to a URL that works)" >&2
  exit 1
fi
