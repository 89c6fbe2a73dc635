#!/usr/bin/env bash
# Installs what is needed, makes sure PostgreSQL runs, checks the layer contract,
# then runs the whole test suite headless. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure-postgres.sh
# The login ensure-postgres made (or found) for the tests, unless one was given.
if [ -z "${GRIDCOMMAND_TEST_PG:-}" ] && [ -s .pg-test-url ]; then
  GRIDCOMMAND_TEST_PG="$(cat .pg-test-url)"
  export GRIDCOMMAND_TEST_PG
fi
.venv/bin/lint-imports
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
