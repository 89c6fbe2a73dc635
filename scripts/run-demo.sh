#!/usr/bin/env bash
# Installs what is needed, then starts the command map on its embedded SQLite
# database with the synthetic demo city. Extra arguments go to `gridcommand gui`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run-demo: no display found; starting under xvfb-run" >&2
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/gridcommand gui --demo "$@"
fi
exec .venv/bin/gridcommand gui --demo "$@"
