"""The background instance: lock, pauses, control requests, and the real thing run
as a detached process on a landmark recording (start, second start, status,
pause/resume, stop within 2 s with the store flushed)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from posturewatch import control
from posturewatch.commands.service import background_argv, format_status
from posturewatch.errors import UserError
from posturewatch.service import (
    InstanceInfo,
    InstanceLock,
    PauseControl,
    ServiceHandler,
    instance_running,
    parse_duration,
)
from tests.paths import REPO

# ------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("1.5h", 5400), (" 2m 5s ", 125)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30", "", "m", "10x", "1h-5m", "0m", "9d", "200h"])
def test_bad_durations_are_one_line_errors(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_duration(text)
    assert "\n" not in str(err.value)


# ------------------------------------------------------------------------------ lock

HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from posturewatch.service import InstanceLock
    lock = InstanceLock(Path(sys.argv[1]))
    print("held" if lock.acquire() else "busy", flush=True)
    sys.stdin.readline()
    """
)


def test_lock_is_exclusive_across_processes_and_dies_with_its_holder(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    path = runtime / "posturewatch.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert instance_running(runtime)
        assert InstanceLock(path).acquire() is False
    finally:
        holder.kill()  # no clean release: the OS must drop the lock anyway
        holder.wait(10)
    assert not instance_running(runtime)
    mine = InstanceLock(path)
    assert mine.acquire() is True
    assert instance_running(runtime)
    mine.release()
    assert not instance_running(runtime)


# ----------------------------------------------------------------------------- pauses


class PauseRecorder:
    """Stands in for the Monitor's pause interface and records what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float | None]] = []
        self.stopped_with: threading.Event | None = None

    def pause(self, until_s: float | None) -> None:
        self.calls.append(("pause", until_s))

    def resume(self) -> None:
        self.calls.append(("resume", None))

    def status(self) -> dict[str, Any]:
        return {"state": "good"}

    def run(self, stop: threading.Event | None = None) -> None:
        self.stopped_with = stop


class FakeNow:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_unlocking_keeps_the_users_pause() -> None:
    monitor, now = PauseRecorder(), FakeNow(1000.0)
    pauses = PauseControl(monitor, now)
    assert pauses.pause(600) == 1600.0
    pauses.set_locked(True)
    assert pauses.reason() == "screen locked"
    pauses.set_locked(False)
    assert monitor.calls[-1] == ("pause", 1600.0)
    assert pauses.reason() == "paused by you"
    now.t = 1700.0  # the user's pause is over by the time the screen unlocks again
    pauses.set_locked(True)
    pauses.set_locked(False)
    assert monitor.calls[-1] == ("resume", None)
    assert pauses.reason() is None


def test_resume_does_not_start_checking_behind_a_locked_screen() -> None:
    monitor = PauseRecorder()
    pauses = PauseControl(monitor, FakeNow(0.0))
    pauses.set_locked(True)
    pauses.pause(None)
    pauses.resume()
    assert monitor.calls[-1] == ("pause", None)
    assert pauses.reason() == "screen locked"
    pauses.set_locked(False)
    assert monitor.calls[-1] == ("resume", None)


def test_handler_answers_each_command() -> None:
    monitor, stop = PauseRecorder(), threading.Event()
    info = InstanceInfo(pid=42, since_s=0.0, source="camera:0")
    handler = ServiceHandler(monitor, PauseControl(monitor, FakeNow(50.0)), stop, info)
    assert handler({"cmd": "ping"})["instance"]["pid"] == 42
    assert handler({"cmd": "pause", "seconds": 90})["paused_until"] == 140.0
    assert handler({"cmd": "status"})["pause_reason"] == "paused by you"
    assert handler({"cmd": "resume"})["pause_reason"] is None
    for bad in ("soon", -5, 0, True):
        assert handler({"cmd": "pause", "seconds": bad})["ok"] is False
    assert handler({"cmd": "dance"})["ok"] is False
    assert not stop.is_set()
    assert handler({"cmd": "stop"})["ok"] and stop.is_set()


# ------------------------------------------------------------------------ formatting


def test_status_lines_name_state_pause_and_next_check() -> None:
    running = {
        "running": True,
        "instance": {"pid": 7, "since_s": 1.0e9, "source": "camera:0"},
        "pause_reason": None,
        "monitor": {
            "state": "poor",
            "dominant": "head_forward",
            "samples": 12,
            "prompts": 1,
            "next_check_s": 1.0e9 + 60,
            "paused_until": None,
        },
    }
    text = format_status(running)
    assert "pid 7" in text and "state: poor (head forward)" in text
    assert "12 checks, 1 prompts" in text and "next check:" in text
    paused = dict(running, pause_reason="paused by you")
    paused["monitor"] = dict(running["monitor"], state="paused", paused_until=None)  # type: ignore[arg-type]
    text = format_status(paused)
    assert "state: paused (paused by you), until resume" in text
    assert "next check" not in text
    assert "not running" in format_status({"running": False, "today": None})


def test_background_command_is_start_foreground_with_absolute_paths(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    args = argparse.Namespace(
        data_dir=str(tmp_path / "d"),
        verbose=False,
        source=str(folder),
        fps=2.0,
        view=None,
        notifier="none",
        profile=None,
        model=None,
        calibration=Path("prof.json"),
        no_tray=True,
    )
    argv = background_argv(args)
    assert argv[:5] == [sys.executable, "-m", "posturewatch", "--data-dir", str(tmp_path / "d")]
    tail = argv[5:]
    assert tail[:2] == ["start", "--foreground"]
    assert tail[tail.index("--source") + 1] == str(folder)
    assert Path(tail[tail.index("--calibration") + 1]).is_absolute()
    assert tail[tail.index("--fps") + 1] == "2.0" and "--no-tray" in tail
    assert "--view" not in tail


def test_commands_without_an_instance_say_so(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    with pytest.raises(control.NotRunning) as err:
        control.send_request(runtime, {"cmd": "pause", "seconds": None})
    assert err.value.exit_code == 1
