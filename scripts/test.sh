#!/usr/bin/env bash
# Run the whole test suite (sets everything up first). Extra arguments go to pytest.
# A throw-away PostgreSQL 15 server is started for the tests that run on both engines and stopped at the
# end, even when a test fails (scripts/pg.sh); FUPIN_TEST_PG_URL set beforehand uses that server instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m ruff check fupin_desktop tests
# mypy --strict on domain/, store/, services/ and export/ (the files and flags are in pyproject.toml's [tool.mypy]).
.venv/bin/python -m mypy
# shellcheck source=scripts/pg.sh
source scripts/pg.sh
trap pg_test_stop EXIT
trap 'exit 130' INT TERM
pg_test_start
.venv/bin/python -m pytest "$@"
