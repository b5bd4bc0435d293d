"""Meeting mode as a user meets it, on real parts: the `posturewatch` command and
the application on recordings of real photographs with the real pose model; dunst's
do-not-disturb on the test's private D-Bus session under Xvfb; a full-screen window
under a real window manager (openbox) on its own Xvfb; a camera held by another
process in a process table built in a temporary folder (no V4L2 device can be made
here). A prompt that falls in a quiet spell waits, then comes once."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from posturewatch.app import Application, RunOptions, SourceOptions
from posturewatch.config import Config
from posturewatch.core.types import DetectorUpdate, Prompt
from posturewatch.inputs.timeline import load_timeline
from posturewatch.meeting.linux import X11FullscreenSignal
from posturewatch.meeting.signals import MeetingSettings
from posturewatch.paths import Paths
from tests.cli import posturewatch
from tests.desktop import PROGRAMS, Desktop, require_programs, running_desktop, wait_until
from tests.paths import TESTS

TIMELINES = TESTS / "timelines"
MONDAY_10AM = "2026-11-23T10:00"
START_S = datetime.fromisoformat(MONDAY_10AM).astimezone().timestamp()
SLOUCH_AFTER_UPRIGHT = TIMELINES / "upright_then_slouched.toml"
"""2 min upright, then 6 min slouched: without a meeting the posture prompt comes
about two minutes into the slouch."""
RELEASE_AT_S = 6 * 60
"""When the quiet spell ends in the mid-run tests (from the start)."""

pytestmark = pytest.mark.model


def calibrate(data_dir: Path, timeline: Path) -> None:
    seconds = load_timeline(timeline).calibrate_seconds
    posturewatch(data_dir, "calibrate", "--source", str(timeline), "--seconds", str(seconds))


def console_prompts(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


@contextmanager
def dunst_paused(desktop: Desktop) -> Iterator[None]:
    desktop.dunstctl("set-paused", "true")
    try:
        yield
    finally:
        desktop.dunstctl("set-paused", "false")


def run_app(
    data_dir: Path,
    meeting: MeetingSettings,
    at_release: Callable[[], None] | None,
    speed: float = 40.0,
    statuses: list[dict[str, Any]] | None = None,
) -> tuple[list[Prompt], list[tuple[str, str]]]:
    """Run the application on the slouch timeline, paced `speed` times real time (so
    the signals, polled at most twice a real second, see the change), calling
    `at_release` once the recording reaches RELEASE_AT_S (and keeping the status a
    minute before in `statuses`). Returns the prompts shown and the quiet events
    stored."""
    statuses = [] if statuses is None else statuses
    prompts: list[Prompt] = []
    released = [at_release is None]
    opened: list[Application] = []

    def on_update(update: DetectorUpdate) -> None:
        if not statuses and update.time_s - START_S >= RELEASE_AT_S - 60:
            statuses.append(opened[0].status())
        if not released[0] and update.time_s - START_S >= RELEASE_AT_S:
            released[0] = True
            assert at_release is not None
            at_release()

    config = dataclasses.replace(Config(), meeting=meeting)
    app = Application.open(
        Paths(config_dir=data_dir, data_dir=data_dir),
        config,
        RunOptions(
            source=SourceOptions(spec=str(SLOUCH_AFTER_UPRIGHT)),
            notifier="console",
            start_at=MONDAY_10AM,
            speed=speed,
        ),
        on_update=on_update,
        on_prompt=prompts.append,
    )
    opened.append(app)
    with app:
        app.run()
    db = sqlite3.connect(data_dir / "posturewatch.sqlite3")
    events = db.execute(
        "SELECT kind, detail FROM events WHERE kind LIKE 'quiet%' ORDER BY time_s"
    ).fetchall()
    db.close()
    return prompts, [(str(k), str(d)) for k, d in events]


def assert_waited_then_came_once(prompts: list[Prompt], why: str) -> None:
    posture = [p for p in prompts if p.kind == "posture"]
    assert len(posture) == 1, [(p.time_s - START_S, p.title) for p in prompts]
    after_s = posture[0].time_s - START_S
    # Not before the quiet spell ended; soon after (one poll: 15 s, or half a real
    # second, 20 s of the recording at 40 times real time).
    assert RELEASE_AT_S <= after_s <= RELEASE_AT_S + 45, (after_s, why)


# --- do not disturb: dunst paused ----------------------------------------------------


def test_with_dunst_paused_ten_slouched_minutes_prompt_nothing_and_unpaused_they_do(
    tmp_path: Path, desktop: Desktop
) -> None:
    timeline = TIMELINES / "desk_morning.toml"  # 10 min upright, 10 slouched, away, upright
    calibrate(tmp_path, timeline)
    args = ("run", "--source", str(timeline), "--notifier", "console", "--start-at", MONDAY_10AM)
    shutil.copytree(tmp_path / "profiles", tmp_path / "paused" / "profiles")
    shutil.copytree(tmp_path / "profiles", tmp_path / "unpaused" / "profiles")
    with dunst_paused(desktop):
        paused = console_prompts(posturewatch(tmp_path / "paused", *args))
    unpaused = console_prompts(posturewatch(tmp_path / "unpaused", *args))
    assert [p for p in paused if p["kind"] == "posture"] == []
    posture = [p for p in unpaused if p["kind"] == "posture"]
    assert posture, unpaused
    slouch_from, slouch_to = 10 * 60, 20 * 60
    assert all(slouch_from < float(str(p["time_s"])) <= slouch_to for p in posture)


def test_when_do_not_disturb_ends_mid_run_the_waiting_prompt_comes_once(
    tmp_path: Path, desktop: Desktop
) -> None:
    calibrate(tmp_path, SLOUCH_AFTER_UPRIGHT)
    desktop.dunstctl("set-paused", "true")
    try:
        prompts, events = run_app(
            tmp_path, MeetingSettings(), lambda: desktop.dunstctl("set-paused", "false")
        )
    finally:
        desktop.dunstctl("set-paused", "false")
    assert_waited_then_came_once(prompts, "dunst paused")
    assert events[0][0] == "quiet" and "paused" in events[0][1]
    assert events[-1] == ("quiet_end", "")


# --- the camera held by another process --------------------------------------------


def fake_proc_with_a_call(root: Path) -> Path:
    """A process table where pid 4242 ("zoom") holds /dev/video0."""
    fd = root / "4242" / "fd"
    fd.mkdir(parents=True)
    (root / "4242" / "comm").write_text("zoom\n", encoding="utf-8")
    os.symlink("/dev/null", fd / "0")
    os.symlink("/dev/video0", fd / "7")
    return root


def test_a_camera_held_by_another_program_holds_the_prompt_until_it_is_let_go(
    tmp_path: Path,
) -> None:
    calibrate(tmp_path, SLOUCH_AFTER_UPRIGHT)
    # Without the call the prompt comes before RELEASE_AT_S: there is one to hold.
    free = fake_proc(tmp_path / "free")
    alone, _ = run_app(tmp_path, MeetingSettings(proc_root=str(free)), None, speed=1000)
    assert [p for p in alone if p.kind == "posture"]
    assert min(p.time_s - START_S for p in alone if p.kind == "posture") < RELEASE_AT_S

    proc = fake_proc_with_a_call(tmp_path / "proc")
    data = tmp_path / "with-call"
    shutil.copytree(tmp_path / "profiles", data / "profiles")
    statuses: list[dict[str, Any]] = []
    prompts, events = run_app(
        data,
        MeetingSettings(proc_root=str(proc)),
        lambda: (proc / "4242" / "fd" / "7").unlink(),
        statuses=statuses,
    )
    assert_waited_then_came_once(prompts, "camera held")
    # What status and the tray read during it.
    assert statuses[0]["quiet"] == "zoom (pid 4242) uses the camera (/dev/video0)"
    assert statuses[0]["scheduler"]["blocked_by"] == "in a meeting"
    assert events[0][0] == "quiet" and "zoom (pid 4242)" in events[0][1]
    assert events[-1] == ("quiet_end", "")


def fake_proc(root: Path) -> Path:
    (root / "1" / "fd").mkdir(parents=True)
    return root


# --- a full-screen window under a window manager -------------------------------------

FULLSCREEN_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
window = QLabel("a presentation")
window.showFullScreen()
app.exec()
"""


@pytest.fixture
def window_manager(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private Xvfb and D-Bus with openbox running: the environment to reach it."""
    require_programs((*PROGRAMS, "openbox", "xprop"))
    with running_desktop(tmp_path / "wm-desktop") as private:
        wm = subprocess.Popen(
            ["openbox", "--sm-disable"],
            env=private.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield private.env
        finally:
            wm.terminate()
            wm.wait(timeout=10)


def open_fullscreen_window(env: dict[str, str]) -> subprocess.Popen[bytes]:
    window = subprocess.Popen(
        [sys.executable, "-c", FULLSCREEN_WINDOW],
        env={**env, "QT_QPA_PLATFORM": "xcb"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    signal = X11FullscreenSignal(display=env["DISPLAY"])

    def shown() -> bool:
        try:
            return signal.read().quiet
        except Exception:
            return False

    wait_until(shown, 20, "openbox to show the window full screen")
    return window


def test_a_full_screen_window_is_read_from_the_window_manager(
    window_manager: dict[str, str],
) -> None:
    signal = X11FullscreenSignal(display=window_manager["DISPLAY"])
    window = open_fullscreen_window(window_manager)
    try:
        reading = signal.read()
        assert reading.quiet and "full-screen window" in reading.detail
    finally:
        window.terminate()
        window.wait(timeout=10)
    wait_until(lambda: not signal.read().quiet, 10, "the window to be gone")


def test_a_full_screen_window_holds_the_prompt_until_it_closes(
    tmp_path: Path, window_manager: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calibrate(tmp_path, SLOUCH_AFTER_UPRIGHT)
    for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.setenv(key, window_manager[key])
    window = open_fullscreen_window(window_manager)

    def close() -> None:
        window.terminate()
        window.wait(timeout=10)

    try:
        prompts, events = run_app(tmp_path, MeetingSettings(), close)
    finally:
        if window.poll() is None:
            close()
    assert_waited_then_came_once(prompts, "full screen")
    assert events[0][0] == "quiet" and "full-screen" in events[0][1]


# --- the desktop app: its status says so -------------------------------------------


@pytest.mark.desktop
def test_the_desktop_app_in_a_meeting_says_quiet_in_its_status(tmp_path: Path) -> None:
    """`posturewatch gui` on a tray desktop with dunst paused: `status` (answered by
    the app's own instance) says quiet, in a meeting; unpaused, it no longer does."""
    from tests.desktop import TRAY_PROGRAMS, long_recording

    require_programs((*PROGRAMS, *TRAY_PROGRAMS))
    pytest.importorskip("PySide6")
    recording = long_recording(tmp_path / "session.jsonl.gz", minutes=10)
    with running_desktop(tmp_path / "tray-desktop", tray_host=True) as desktop:
        env = dict(
            desktop.env,
            POSTUREWATCH_DATA_DIR=str(tmp_path / "data"),
            PYTHONPATH=str(TESTS.parent),
            QT_QPA_PLATFORM="xcb",
        )

        def cli(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "posturewatch", *args],
                env=env, capture_output=True, text=True, timeout=60, cwd=TESTS.parent,
            )  # fmt: skip
            assert "Traceback" not in done.stderr
            return done.stdout

        cli("calibrate", "--source", str(recording), "--seconds", "10")
        desktop.dunstctl("set-paused", "true")
        gui = subprocess.Popen(
            [sys.executable, "-m", "posturewatch", "gui", "--source", str(recording)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=TESTS.parent,
        )  # fmt: skip
        try:
            wait_until(lambda: "quiet: in a meeting" in cli("status"), 60, "status to say quiet")
            status = json.loads(cli("status", "--json"))
            assert "paused" in status["monitor"]["quiet"]
            desktop.dunstctl("set-paused", "false")
            wait_until(lambda: "quiet" not in cli("status"), 60, "the quiet spell to end")
            cli("stop")
            assert gui.wait(15) == 0
        finally:
            if gui.poll() is None:
                gui.kill()
                gui.wait(10)
