#!/usr/bin/env bash
# Install posturewatch into ./.venv (created if missing; VENV=DIR and PYTHON=EXE
# choose another folder and interpreter). With --system, also the Debian packages
# the tests need: a virtual screen, a private D-Bus session, a notification daemon,
# a tray host and headless Chromium. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--system" ]]; then
    pkgs=(xvfb dbus dbus-x11 dunst libnotify-bin chromium
        # the desktop app under Xvfb: Qt's xcb platform plugin needs these
        libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
        libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
        libegl1 libgl1 libfontconfig1 fonts-dejavu-core
        # a tray host, clicks, window lists and screenshots for its tests
        trayer xdotool x11-utils imagemagick
        # a window manager that sets _NET_WM_STATE_FULLSCREEN, for meeting mode's tests
        openbox
        # the test that the pose model makes no network call traces it
        strace)
    missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        SUDO=""
        [[ $(id -u) -ne 0 ]] && SUDO="sudo"
        echo "setup: installing ${missing[*]}" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    extras="dev"
else
    extras="${POSTUREWATCH_EXTRAS:-}"
fi

PY="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
if [[ -n "$extras" ]]; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extras]"
else
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e .
fi
