#!/usr/bin/env bash
# The README's test command: installs everything (apt and pip) from nothing, then
# lint, format check, type check, import contracts, and the whole test suite on the
# oldest and the newest Python this machine has (pyenv's 3.10 and newest, else
# python3 alone), so an install break on either end shows up here. Each Python's run
# gets a fresh, empty TMPDIR and HOME (removed afterwards), so no test sees what an
# earlier run, another user or the developer's own session left in /tmp or ~.
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

scratch=""
trap '[[ -n "$scratch" ]] && rm -rf "$scratch"' EXIT
for py in "${pythons[@]}"; do
    version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    venv=".venv-$version"
    echo "== tests on Python $version ($py)" >&2
    PYTHON="$py" VENV="$venv" bash scripts/setup.sh --system
    # Short names under the system's temp folder (not the checkout): the tests' folders
    # nest deep, and a Unix socket's path must stay under about 100 bytes.
    scratch="$(mktemp -d "${TMPDIR:-/tmp}/pwt.XXXXXX")"
    mkdir -m 700 "$scratch/t" "$scratch/h" "$scratch/r"
    env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME -u XDG_STATE_HOME \
        -u DBUS_SESSION_BUS_ADDRESS -u POSTUREWATCH_DATA_DIR \
        TMPDIR="$scratch/t" HOME="$scratch/h" XDG_RUNTIME_DIR="$scratch/r" \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
    rm -rf "$scratch"
    scratch=""
done
