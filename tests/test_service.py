"""The background instance: lock, pauses, control requests, and the real thing run
as a detached process on a landmark recording (start, second start, status,
pause/resume, stop within 2 s with the store flushed)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest

from calibration.simulator import Body, Camera, Posture, simulate
from posturewatch.background import control
from posturewatch.background.handler import ServiceHandler
from posturewatch.background.instance import InstanceInfo, InstanceLock, instance_running
from posturewatch.background.pauses import PauseControl
from posturewatch.commands.service import background_argv, format_status
from posturewatch.core.baseline import calibrate
from posturewatch.core.durations import parse_duration
from posturewatch.core.errors import UserError
from posturewatch.core.types import Observation
from posturewatch.inputs.recording import RecordingWriter
from posturewatch.paths import resolve_paths
from posturewatch.store.database import Store, StoreSettings
from posturewatch.store.profiles import save_profile
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
    from posturewatch.background.instance import InstanceLock
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
    handler = ServiceHandler(monitor, PauseControl(monitor, FakeNow(50.0)), stop.set, info)
    assert handler({"cmd": "ping"})["instance"]["pid"] == 42
    assert handler({"cmd": "pause", "seconds": 90})["paused_until"] == 140.0
    assert handler({"cmd": "status"})["pause_reason"] == "paused by you"
    assert handler({"cmd": "resume"})["pause_reason"] is None
    for bad in ("soon", -5, 0, True):
        assert handler({"cmd": "pause", "seconds": bad})["ok"] is False
    assert handler({"cmd": "dance"})["ok"] is False
    assert "does not learn" in handler({"cmd": "feedback", "kind": "slouching"})["error"]
    told: list[Any] = []

    def feedback(kind: Any) -> dict[str, Any]:
        told.append(kind)
        return {"applied": True, "message": "learned: something"}

    learning = ServiceHandler(
        monitor, PauseControl(monitor, FakeNow(50.0)), stop.set, info, feedback=feedback
    )
    for wire, kind in (("slouching", "slouching"), ("not_slouching", "not_slouching")):
        assert learning({"cmd": "feedback", "kind": wire})["message"] == "learned: something"
        assert told[-1] == kind
    assert learning({"cmd": "feedback", "kind": "reset"})["ok"] and told[-1] is None
    for bad in (None, "fine", 3, ["slouching"]):
        assert learning({"cmd": "feedback", "kind": bad})["ok"] is False
    assert len(told) == 3
    assert not stop.is_set()
    assert handler({"cmd": "stop"})["ok"] and stop.is_set()


# ------------------------------------------------------------------------ formatting


def test_status_lines_name_state_pause_and_next_check() -> None:
    running: dict[str, Any] = {
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
    assert "thresholds" not in text
    learned = dict(running, monitor={**running["monitor"], "learned": "adjusted from 2 answers"})
    assert "thresholds adjusted from 2 answers" in format_status(learned)
    paused = dict(running, pause_reason="paused by you")
    paused["monitor"] = {**running["monitor"], "state": "paused", "paused_until": None}
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
        sensitivity=1.4,
    )
    argv = background_argv(args)
    assert argv[:5] == [sys.executable, "-m", "posturewatch", "--data-dir", str(tmp_path / "d")]
    tail = argv[5:]
    assert tail[:2] == ["start", "--foreground"]
    assert tail[tail.index("--source") + 1] == str(folder)
    assert Path(tail[tail.index("--calibration") + 1]).is_absolute()
    assert tail[tail.index("--fps") + 1] == "2.0"
    assert tail[tail.index("--sensitivity") + 1] == "1.4"  # the one factor reaches the child
    assert "--view" not in tail


def test_commands_without_an_instance_say_so(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    with pytest.raises(control.NotRunning) as err:
        control.send_request(runtime, {"cmd": "pause", "seconds": None})
    assert err.value.exit_code == 1


# ------------------------------------------------------- the real background process

CAMERA = Camera(view="side")


def simulated(posture: Posture, t: float) -> Observation:
    i = int(t)
    return simulate(Body(), posture, CAMERA, np.random.default_rng(i), time_s=t, index=i)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory with a calibration profile, and a config that keeps the
    recording's frames at most a second apart: a realtime replay waits for its next
    frame without looking at the stop event, so longer gaps would slow `stop`."""
    data = tmp_path / "data"
    paths = resolve_paths(data)
    paths.ensure()
    upright = [simulated(Posture(), float(i)) for i in range(40)]
    save_profile(paths.profile_file(), calibrate(upright, view="side"))
    paths.config_file.write_text(
        "[sampling]\nsteady_interval_s = 1.0\naway_interval_s = 1.0\n", encoding="utf-8"
    )
    return data


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """Ten minutes of landmarks, one frame a second: upright, then head forward."""
    path = tmp_path / "session.jsonl"
    with RecordingWriter(path, "simulated side view", "simulator", "1") as writer:
        for t in range(600):
            writer.write(simulated(Posture(head_forward_deg=10.0 if t < 300 else 30.0), float(t)))
    return path


def cli(data: Path, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("POSTUREWATCH_DATA_DIR", "DISPLAY")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "posturewatch", "--data-dir", str(data), *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def status_json(data: Path) -> dict[str, Any]:
    done = cli(data, "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def wait_for(predicate: Any, timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def pid_gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_start_status_pause_resume_stop(data_dir: Path, recording: Path) -> None:
    started = cli(data_dir, "start", "--source", str(recording), "--notifier", "none")
    assert started.returncode == 0, started.stderr
    assert "started in the background" in started.stdout
    try:
        status = status_json(data_dir)
        assert status["running"] is True
        pid = status["instance"]["pid"]
        assert psutil.pid_exists(pid) and pid != os.getpid()
        assert status["instance"]["source"] == str(recording)

        # A second start reports the running one and opens nothing: a source that does
        # not exist would fail if it were opened.
        missing = str(recording.with_name("missing.jsonl"))
        for extra in ([], ["--foreground"]):
            again = cli(data_dir, "start", "--source", missing, *extra)
            assert again.returncode == 0, again.stderr
            assert f"already running (pid {pid}," in again.stdout
        assert status_json(data_dir)["instance"]["pid"] == pid

        wait_for(lambda: status_json(data_dir)["monitor"]["samples"] >= 3)
        paused = cli(data_dir, "pause", "30m")
        assert paused.returncode == 0 and "paused until" in paused.stdout
        status = status_json(data_dir)
        assert status["monitor"]["state"] == "paused"
        assert status["pause_reason"] == "paused by you"
        assert status["monitor"]["paused_until"] == pytest.approx(time.time() + 1800, abs=60)
        assert "state: paused (paused by you)" in cli(data_dir, "status").stdout

        assert cli(data_dir, "resume").returncode == 0
        resumed = wait_for(
            lambda: (s := status_json(data_dir))["monitor"]["state"] != "paused" and s
        )
        assert resumed["pause_reason"] is None
        samples_before_stop = resumed["monitor"]["samples"]
    finally:
        t0 = time.monotonic()
        stopped = cli(data_dir, "stop")
        elapsed = time.monotonic() - t0
    assert stopped.returncode == 0, stopped.stderr
    assert "posturewatch stopped" in stopped.stdout
    # Measured around the whole CLI call, interpreter start-up included.
    assert elapsed < 2.0 + 1.5, f"stop took {elapsed:.1f} s"
    assert wait_for(lambda: pid_gone(pid), 5.0)

    # Everything was flushed: the samples, the pause and resume, the stop.
    with Store(data_dir / "posturewatch.sqlite3", StoreSettings()) as store:
        totals = store.totals_between(time.time() - 3600, time.time() + 3600)
        events = [e.kind for e in store.events_between(time.time() - 3600, time.time() + 3600)]
    assert totals.samples >= samples_before_stop
    assert {"start", "pause", "resume", "stop"} <= set(events)

    after = cli(data_dir, "status")
    assert "not running" in after.stdout and "today so far:" in after.stdout
    assert cli(data_dir, "stop").stdout.strip() == "posturewatch is not running"
    not_running = cli(data_dir, "pause")
    assert not_running.returncode == 1 and "not running" in not_running.stderr


def test_sigterm_stops_cleanly(data_dir: Path, recording: Path) -> None:
    started = cli(data_dir, "start", "--source", str(recording), "--notifier", "none")
    assert started.returncode == 0, started.stderr
    pid = status_json(data_dir)["instance"]["pid"]
    wait_for(lambda: status_json(data_dir)["monitor"]["samples"] >= 2)
    os.kill(pid, signal.SIGTERM)
    assert wait_for(lambda: not instance_running(data_dir / "run"), 2.0)
    assert wait_for(lambda: pid_gone(pid), 5.0)
    with Store(data_dir / "posturewatch.sqlite3", StoreSettings()) as store:
        events = [e.kind for e in store.events_between(time.time() - 3600, time.time() + 3600)]
        assert store.totals_between(time.time() - 3600, time.time() + 3600).samples >= 2
    assert events[-1] == "stop"
    log = (data_dir / "service.log").read_text()
    assert "Traceback" not in log


def test_start_failure_is_one_line_naming_the_cause(tmp_path: Path, recording: Path) -> None:
    """No calibration profile: the child exits, and `start` says why, in one line."""
    done = cli(tmp_path / "empty", "start", "--source", str(recording))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "calibrat" in done.stderr
    assert not instance_running(tmp_path / "empty" / "run")


# ------------------------------------------------------------- screen lock and tray


def test_screen_lock_signal_pauses_and_unlock_resumes(tmp_path: Path) -> None:
    """A real private D-Bus session: the screensaver's ActiveChanged reaches the
    watcher, and through PauseControl the monitor pauses and resumes."""
    if not shutil.which("dbus-daemon"):
        pytest.skip("dbus-daemon is not installed")
    from jeepney import DBusAddress, new_signal
    from jeepney.io.blocking import open_dbus_connection

    from posturewatch.background.platform_events import DBusLockWatcher

    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        monitor = PauseRecorder()
        pauses = PauseControl(monitor, FakeNow(0.0))
        watcher = DBusLockWatcher(session_bus=address, system_bus=None)
        watcher.start(pauses.set_locked)
        assert watcher.listening.wait(5)
        with open_dbus_connection(address) as conn:

            def screensaver(interface: str, active: bool) -> None:
                path = "/" + interface.replace(".", "/")
                conn.send(
                    new_signal(
                        DBusAddress(path, interface=interface), "ActiveChanged", "b", (active,)
                    )
                )

            screensaver("org.freedesktop.ScreenSaver", True)
            wait_for(lambda: pauses.locked, 5)
            assert monitor.calls[-1] == ("pause", None)
            # Two screensavers overlap: only when both are off is the user back.
            screensaver("org.gnome.ScreenSaver", True)
            screensaver("org.freedesktop.ScreenSaver", False)
            time.sleep(0.3)
            assert pauses.locked
            screensaver("org.gnome.ScreenSaver", False)
            wait_for(lambda: not pauses.locked, 5)
            assert monitor.calls[-1] == ("resume", None)
        watcher.stop()
    finally:
        daemon.terminate()
        daemon.wait(5)


def test_watchers_without_a_bus_or_platform_do_nothing() -> None:
    from posturewatch.background.platform_events import (
        DBusLockWatcher,
        NullLockWatcher,
        make_lock_watcher,
    )

    assert isinstance(make_lock_watcher("darwin"), NullLockWatcher)
    assert isinstance(make_lock_watcher("win32"), NullLockWatcher)
    events: list[bool] = []
    watcher = DBusLockWatcher(session_bus="unix:path=/nonexistent/bus", system_bus=None)
    watcher.start(events.append)
    watcher.stop()
    assert events == []
