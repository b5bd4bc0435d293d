#!/usr/bin/env bash
# The README's test command: installs everything (apt and pip) from nothing, then
# lint, format check, type check and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports
exec .venv/bin/python -m pytest -q "$@"
