"""`posturewatch gui` for real, on a private desktop: Xvfb, a private D-Bus, dunst
as notification daemon and trayer as tray host (tests/desktop.py).

The acceptance: a first run shows a posturewatch window within 30 s and exits 0
within 10 s of SIGTERM; the tray icon sits in trayer and a click opens its menu;
`posturewatch status/pause/stop` work against the gui instance; a camera problem
is told once in a notification."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop import (
    PROGRAMS,
    TRAY_PROGRAMS,
    Desktop,
    long_recording,
    require_programs,
    running_desktop,
    wait_until,
)

pytestmark = pytest.mark.desktop
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tray_desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    require_programs((*PROGRAMS, *TRAY_PROGRAMS))
    pytest.importorskip("PySide6")
    with running_desktop(tmp_path_factory.mktemp("tray-desktop"), tray_host=True) as desktop:
        yield desktop


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return long_recording(tmp_path_factory.mktemp("rec") / "session.jsonl.gz", minutes=20)


def _env(desktop: Desktop, data_dir: Path) -> dict[str, str]:
    return dict(
        desktop.env,
        POSTUREWATCH_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="xcb",
    )


def _cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posturewatch", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def _gui(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "posturewatch", "gui", *args],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def _windows(env: dict[str, str]) -> str:
    return subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, timeout=10
    ).stdout


def _visible(env: dict[str, str], name: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", name],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    )
    return bool(found.stdout.split())


def _icon_in_tray(env: dict[str, str]) -> tuple[int, int] | None:
    """Centre of our icon if trayer embedded it (a posturewatch window in its panel)."""
    inside = False
    for line in _windows(env).splitlines():
        if '"panel": ("panel" "trayer")' in line:
            inside = True
        elif inside and '"posturewatch"' in line:
            size = line.split(")")[-1].split()[0]
            w, h = (int(v) for v in size.split("+")[0].split("x"))
            x, y = (int(v) for v in line.split()[-1].lstrip("+").split("+"))
            return x + w // 2, y + h // 2
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_first_run_shows_a_window_and_sigterm_exits_0(
    tray_desktop: Desktop, recording: Path, tmp_path: Path
) -> None:
    env = _env(tray_desktop, tmp_path / "data")
    started = time.monotonic()
    proc = _gui(env, tmp_path / "gui.log", "--source", str(recording))
    try:
        wait_until(
            lambda: _visible(env, "^Welcome to posturewatch$") or proc.poll() is not None,
            30,
            "the first-run window",
        )
        assert proc.poll() is None, (tmp_path / "gui.log").read_text()
        assert time.monotonic() - started < 30
        assert _icon_in_tray(env) is not None, _windows(env)
        proc.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        assert proc.wait(10) == 0
        assert time.monotonic() - stopping < 10
    finally:
        _stop(proc)


def test_tray_icon_menu_and_the_cli_against_the_gui_instance(
    tray_desktop: Desktop, recording: Path, tmp_path: Path
) -> None:
    env = _env(tray_desktop, tmp_path / "data")
    done = _cli(env, "calibrate", "--source", str(recording), "--seconds", "10")
    assert done.returncode == 0, done.stderr
    proc = _gui(env, tmp_path / "gui.log", "--source", str(recording))
    try:
        wait_until(lambda: _icon_in_tray(env) is not None, 30, "our icon in trayer")
        wait_until(
            lambda: _cli(env, "status", "--json").stdout.count('"monitor"') > 0,
            30,
            "the gui instance to answer status",
        )
        assert not _visible(env, "^Welcome to posturewatch$")  # calibrated: no first run
        x, y = _icon_in_tray(env) or (0, 0)
        before = _windows(env)
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=env, check=True)
        wait_until(
            lambda: _menu_open(env, before), 10, "the tray menu to open on a click on the icon"
        )
        subprocess.run(["xdotool", "key", "Escape"], env=env, check=False)

        paused = _cli(env, "pause", "15m")
        assert paused.returncode == 0 and "paused until" in paused.stdout, paused.stderr
        status = json.loads(_cli(env, "status", "--json").stdout)
        assert status["pause_reason"] == "paused by you"
        assert _cli(env, "resume").returncode == 0
        # Answers reach the app's own monitor over the same channel, and it says
        # what it made of them (learned, or why not).
        told = _cli(env, "feedback", "fine")
        assert told.stdout.startswith("the running posturewatch "), told.stderr

        stopped = _cli(env, "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert proc.wait(10) == 0
    finally:
        _stop(proc)


def _menu_open(env: dict[str, str], before: str) -> bool:
    """A new mapped posturewatch window the size of a menu appeared."""
    out = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--class", "posturewatch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout.split()
    for wid in out:
        geometry = subprocess.run(
            ["xdotool", "getwindowgeometry", wid], env=env, capture_output=True, text=True
        ).stdout
        size = geometry.split("Geometry:")[-1].strip()
        if "x" in size:
            w, h = (int(v) for v in size.split("x"))
            if w > 120 and h > 150:  # the menu, not the 22 px icon
                return True
    return False


def test_a_missing_camera_is_shown_and_told_once(tray_desktop: Desktop, tmp_path: Path) -> None:
    env = _env(tray_desktop, tmp_path / "data")
    done = _cli(
        env,
        "calibrate",
        "--source",
        str(ROOT / "tests" / "fixtures" / "simulated_front_session.jsonl.gz"),
        "--seconds",
        "10",
    )
    assert done.returncode == 0, done.stderr
    tray_desktop.close_all()
    proc = _gui(env, tmp_path / "gui.log", "--source", "/dev/video-missing-42")
    try:
        title = "posturewatch cannot use the camera"

        def told() -> bool:
            tray_desktop.close_all()  # what is on screen goes to the history
            return title in tray_desktop.history_summaries()

        wait_until(told, 40, "the camera notice")
        # The app goes on waiting for the camera: status and pause agree with the tray.
        status = json.loads(_cli(env, "status", "--json").stdout)
        monitor = status["monitor"]
        assert monitor["camera_unavailable_since"] is not None, status
        assert monitor["camera_retry_at_s"] is not None, status
        paused = _cli(env, "pause", "10m")
        assert paused.returncode == 0 and "paused until" in paused.stdout, paused
        assert _cli(env, "resume").returncode == 0
        time.sleep(12)  # two more status polls: still one notice, and no "stopped"
        tray_desktop.close_all()
        summaries = tray_desktop.history_summaries()
        assert summaries.count(title) == 1, summaries
        assert "posturewatch stopped watching" not in summaries, summaries
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        _stop(proc)
