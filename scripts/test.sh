#!/usr/bin/env bash
# The README's test command: installs everything (apt and pip) from nothing, then
# lint, format check, type check, import contracts, and the whole test suite on the
# oldest and the newest Python this machine has (pyenv's 3.10 and newest, else
# python3 alone), so an install break on either end shows up here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports

pythons=()
if command -v pyenv >/dev/null 2>&1; then
    mapfile -t found < <(pyenv versions --bare | grep -E '^3\.(1[0-9])\.[0-9]+$' | sort -V)
    if ((${#found[@]})); then
        root="$(pyenv root)/versions"
        pythons+=("$root/${found[0]}/bin/python")
        ((${#found[@]} > 1)) && pythons+=("$root/${found[-1]}/bin/python")
    fi
fi
((${#pythons[@]})) || pythons=("$(command -v python3)")

for py in "${pythons[@]}"; do
    version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    venv=".venv-$version"
    echo "== tests on Python $version ($py)" >&2
    PYTHON="$py" VENV="$venv" bash scripts/setup.sh --system
    "$venv/bin/python" -m pytest -q "$@"
done
