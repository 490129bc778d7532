#!/usr/bin/env bash
# Sets everything up, then runs the linter and the whole test suite. The service's
# tests start their own Redis and PostgreSQL servers and run on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> pytest"
.venv/bin/python -m pytest "$@"
