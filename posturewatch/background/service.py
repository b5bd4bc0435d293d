"""The background instance: one per user, answering `stop`, `status`, `pause` and
`resume` while the Monitor runs in its main thread.

One instance, because two would fight over the camera and double every prompt. The
proof of "running" is an OS file lock held for the process's lifetime (it vanishes
with the process, even after a crash, so a stale pid file can never block a start).
Beside it, instance.json says who holds it (pid, since when, which source) for
`status` and a second `start`. The instance takes the lock before it builds the
monitor, so a second one never opens the camera.

Stopping is always the same path: the stop event is set (by a control request,
SIGTERM/SIGINT or the tray), Monitor.run returns after flushing the store and
releasing the camera, then the control channel and the lock go.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any, Protocol

from posturewatch.background import control
from posturewatch.background.platform_events import LockWatcher, make_lock_watcher
from posturewatch.clock import Clock
from posturewatch.core.errors import UserError
from posturewatch.files import private_dir, write_atomic
from posturewatch.paths import Paths
from posturewatch.signals import stop_on_signals
from posturewatch.store.database import Store

log = logging.getLogger(__name__)

LOCK_NAME = "posturewatch.lock"
INSTANCE_NAME = "instance.json"
LOG_NAME = "service.log"
LOG_ROTATE_BYTES = 1_000_000


@dataclass(frozen=True)
class ServiceSettings:
    """Tunables of the background instance (config section [service])."""

    tray: bool = True
    """Show a tray icon where the desktop has a tray; without one the service runs the same."""
    pause_while_locked: bool = True
    """Stop looking through the camera while the screen is locked or the machine sleeps."""
    start_timeout_s: float = 30.0
    """How long `start` waits for the new instance to answer before giving up."""
    stop_timeout_s: float = 2.0
    """How long `stop` waits after the control message before sending SIGTERM."""

    def __post_init__(self) -> None:
        if not 1.0 <= self.start_timeout_s <= 600.0:
            raise ValueError("start_timeout_s: must be between 1 and 600 seconds")
        if not 0.1 <= self.stop_timeout_s <= 60.0:
            raise ValueError("stop_timeout_s: must be between 0.1 and 60 seconds")


class MonitorLike(Protocol):
    """What the service needs of the running application (app.Application)."""

    def run(self, stop: threading.Event | None = None) -> Any: ...

    def pause(self, until_s: float | None) -> None: ...

    def resume(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


class RunningApp(MonitorLike, Protocol):
    """An opened application the service runs and closes."""

    @property
    def clock(self) -> Clock: ...

    @property
    def store(self) -> Store | None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


# ----------------------------------------------------------------------------- lock


class InstanceLock:
    """A non-blocking exclusive lock on a file: fcntl.flock on Linux and macOS,
    msvcrt.locking on Windows. The OS drops it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """True if this process now holds the lock; False if another one does."""
        if self._fd is not None:
            return True
        private_dir(self.path.parent)
        # Not inherited by children (os.open's default), so a helper process the
        # service starts cannot keep "the instance" alive after it exits.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if _try_lock(fd):
            self._fd = fd
            return True
        os.close(fd)
        return False

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            _unlock(self._fd)
        os.close(self._fd)
        self._fd = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path(runtime_dir: Path) -> Path:
    return runtime_dir / LOCK_NAME


def instance_running(runtime_dir: Path) -> bool:
    """Is some process holding the instance lock right now?"""
    if not lock_path(runtime_dir).exists():
        return False
    probe = InstanceLock(lock_path(runtime_dir))
    if probe.acquire():
        probe.release()
        return False
    return True


# ---------------------------------------------------------------------- instance info


@dataclass(frozen=True)
class InstanceInfo:
    """Who holds the lock, for `status` and for a second `start`."""

    pid: int
    since_s: float
    source: str
    log_file: str = ""

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.since_s))
        return f"pid {self.pid}, since {since}, source {self.source}"


def write_instance_info(runtime_dir: Path, info: InstanceInfo) -> None:
    write_atomic(runtime_dir / INSTANCE_NAME, json.dumps(asdict(info)))


def read_instance_info(runtime_dir: Path) -> InstanceInfo | None:
    """The running instance's description, or None if missing or unreadable (it is
    only a description: the lock decides whether an instance runs)."""
    try:
        raw = json.loads((runtime_dir / INSTANCE_NAME).read_text(encoding="utf-8"))
        return InstanceInfo(
            pid=int(raw["pid"]),
            since_s=float(raw["since_s"]),
            source=str(raw["source"]),
            log_file=str(raw.get("log_file", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ------------------------------------------------------------------------- durations

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|s)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """'90s', '30m', '1h', '1h30m', '1.5h' -> seconds. A bare number is refused
    rather than guessed (is `pause 30` seconds or minutes?)."""
    compact = text.strip().lower().replace(" ", "")
    if not compact:
        raise UserError("duration is empty; use e.g. 90s, 30m, 1h or 1h30m")
    total = 0.0
    pos = 0
    for match in _DURATION_PART.finditer(compact):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_S[match.group(2)]
        pos = match.end()
    if pos != len(compact):
        raise UserError(f"duration {text!r} not understood; use e.g. 90s, 30m, 1h or 1h30m")
    if total <= 0:
        raise UserError(f"duration {text!r} must be longer than zero")
    if total > 7 * 24 * 3600:
        raise UserError(f"duration {text!r} is longer than a week; use `pause` without one")
    return total


# ------------------------------------------------------------------------------ pause


class PauseControl:
    """Two independent reasons to pause (the user asked; the screen is locked) fed
    into the Monitor's one pause. Unlocking must not cancel a pause the user asked
    for, and a user's `resume` must not start the camera behind a locked screen."""

    def __init__(self, monitor: MonitorLike, now: Callable[[], float]) -> None:
        self._monitor = monitor
        self._now = now
        self._lock = threading.Lock()
        self.user_paused = False
        self.user_until_s: float | None = None
        self.locked = False

    def pause(self, seconds: float | None) -> float | None:
        """Pause for `seconds` (None: until resume); returns the end time or None."""
        with self._lock:
            self.user_paused = True
            self.user_until_s = None if seconds is None else self._now() + seconds
            self._apply()
            return self.user_until_s

    def resume(self) -> None:
        with self._lock:
            self.user_paused = False
            self.user_until_s = None
            self._apply()

    def set_locked(self, locked: bool) -> None:
        with self._lock:
            self.locked = locked
            self._apply()

    def reason(self) -> str | None:
        """Why checks are paused right now, in words for `status`."""
        with self._lock:
            if self.locked:
                return "screen locked"
            if self._user_pause_active():
                return "paused by you"
            return None

    def now(self) -> float:
        return self._now()

    def _user_pause_active(self) -> bool:
        if not self.user_paused:
            return False
        return self.user_until_s is None or self.user_until_s > self._now()

    def _apply(self) -> None:
        if self.locked:
            self._monitor.pause(None)
        elif self._user_pause_active():
            self._monitor.pause(self.user_until_s)
        else:
            self.user_paused = False
            self._monitor.resume()


# ------------------------------------------------------------------------------ today


def today_summary(source: Any, now_s: float, tz: tzinfo | None = None) -> dict[str, Any]:
    """Today's numbers so far from a store (report.ReportSource), for `status`."""
    from posturewatch.report.model import build_daily

    day = datetime.fromtimestamp(now_s, tz).date()
    report = build_daily(source, day, tz, context=False)
    minutes = report.minutes
    share = minutes.good_share
    return {
        "date": day.isoformat(),
        "seated_min": round(minutes.seated, 1),
        "good_min": round(minutes.good, 1),
        "poor_min": round(minutes.poor, 1),
        "away_min": round(minutes.away, 1),
        "good_share": None if share is None else round(share, 3),
        "prompts": report.prompts.shown,
        "breaks_done": report.prompts.done,
    }


# ---------------------------------------------------------------------------- service


class ServiceHandler:
    """Answers control requests for the running instance."""

    def __init__(
        self,
        monitor: MonitorLike,
        pauses: PauseControl,
        stop: Callable[[], None],
        info: InstanceInfo,
        store: Any = None,
    ) -> None:
        self.monitor = monitor
        self.pauses = pauses
        self.stop = stop
        self.info = info
        self.store = store

    def __call__(self, request: control.Message) -> control.Message:
        cmd = request.get("cmd")
        if cmd == "ping":
            return {"ok": True, "instance": asdict(self.info)}
        if cmd == "status":
            return {
                "ok": True,
                "instance": asdict(self.info),
                "pause_reason": self.pauses.reason(),
                "monitor": self.monitor.status(),
                "today": self._today(),
            }
        if cmd == "pause":
            seconds = request.get("seconds")
            if seconds is not None and (
                not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0
            ):
                return {
                    "ok": False,
                    "error": f"pause: seconds must be a positive number, got {seconds!r}",
                }
            until = self.pauses.pause(None if seconds is None else float(seconds))
            log.info("paused %s", "until resume" if until is None else f"until {until:.0f}")
            return {"ok": True, "paused_until": until}
        if cmd == "resume":
            self.pauses.resume()
            log.info("resumed")
            return {"ok": True, "pause_reason": self.pauses.reason()}
        if cmd == "stop":
            log.info("stop requested over the control channel")
            self.stop()
            return {"ok": True}
        return {"ok": False, "error": f"unknown command {cmd!r}"}

    def _today(self) -> dict[str, Any] | None:
        store = self.store
        if store is None:
            return None
        try:
            store.flush()  # so the answer includes the last few seconds
            return today_summary(store, self.pauses.now())
        except Exception as exc:  # status must answer even when the database cannot
            log.warning("could not read today's numbers: %s", exc)
            return None


def run_service(
    paths: Paths,
    open_app: Callable[[], RunningApp],
    source: str,
    settings: ServiceSettings | None = None,
    *,
    lock_watcher: LockWatcher | None = None,
    tray_factory: Callable[[TrayHooks], Any] | None = None,
    transport: control.Transport | None = None,
    stop: threading.Event | None = None,
    out: IO[str] | None = None,
) -> int:
    """Be the background instance in this process until stopped or the recording ends.

    `open_app` is called only once the lock is held (a second instance never opens
    the camera); the application is closed before the lock is released, so once
    `stop` sees the lock free, everything is on disk. Returns 0, also when another
    instance already runs (that one is reported)."""
    settings = settings or ServiceSettings()
    out = out or sys.stdout
    stop = stop or threading.Event()
    paths.ensure()
    runtime_dir = paths.runtime_dir
    lock = InstanceLock(lock_path(runtime_dir))
    if not lock.acquire():
        other = read_instance_info(runtime_dir)
        described = other.describe() if other else "details unknown"
        print(f"posturewatch is already running ({described})", file=out)
        return 0
    info = InstanceInfo(
        pid=os.getpid(), since_s=time.time(), source=source, log_file=str(log_file(paths))
    )
    server: control.ControlServer | None = None
    watcher: LockWatcher | None = None
    tray: Any = None
    app: RunningApp | None = None

    def request_stop() -> None:
        stop.set()
        if app is not None:
            app.stop()

    try:
        with stop_on_signals(request_stop):
            app = open_app()
            monitor = app
            pauses = PauseControl(monitor, app.clock.now)
            write_instance_info(runtime_dir, info)
            handler = ServiceHandler(app, pauses, request_stop, info, app.store)
            server = control.open_server(runtime_dir, handler, transport)
            log.info("running (%s); control channel %s", info.describe(), server.address)
            if settings.pause_while_locked:
                watcher = lock_watcher or make_lock_watcher()
                watcher.start(pauses.set_locked)
            if settings.tray and tray_factory is not None:
                tray = tray_factory(
                    TrayHooks(pauses=pauses, stop=request_stop, status=monitor.status)
                )
            monitor.run(stop)
            log.info("stopped")
    finally:
        if tray is not None:
            with contextlib.suppress(Exception):
                tray.stop()
        if watcher is not None:
            watcher.stop()
        if server is not None:
            server.close()
        if app is not None:
            app.close()
        with contextlib.suppress(FileNotFoundError):
            (runtime_dir / INSTANCE_NAME).unlink()
        lock.release()
    return 0


@dataclass(frozen=True)
class TrayHooks:
    """What a tray menu may do to the running instance."""

    pauses: PauseControl
    stop: Callable[[], None]
    status: Callable[[], dict[str, Any]]


# ------------------------------------------------------------------ start/stop helpers


def log_file(paths: Paths) -> Path:
    return paths.data_dir / LOG_NAME


def _rotate_log(path: Path) -> None:
    """Keep one previous log; the service logs little, so 1 MB is weeks of it."""
    try:
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass


def spawn_detached(argv: Sequence[str], paths: Paths) -> subprocess.Popen[bytes]:
    """Start `argv` as a process that outlives this terminal: its own session, no
    stdin, output appended to the service log."""
    paths.ensure()
    path = log_file(paths)
    _rotate_log(path)
    kwargs: dict[str, Any] = {}
    if sys.platform == "win32":  # pragma: no cover
        kwargs["creationflags"] = (
            getattr(subprocess, "DETACHED_PROCESS", 0)
            | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
            | getattr(subprocess, "CREATE_NO_WINDOW", 0)
        )
    else:
        kwargs["start_new_session"] = True
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, close_fds=True, **kwargs
        )
    finally:
        os.close(fd)


def _last_log_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return ""


def wait_until_ready(
    proc: subprocess.Popen[bytes],
    paths: Paths,
    timeout_s: float,
    transport: control.Transport | None = None,
) -> InstanceInfo:
    """Wait for the instance that answers on the control channel: the one just
    started, or the one that beat it to the lock (then `proc` exits 0 at once)."""
    deadline = time.monotonic() + timeout_s
    runtime_dir = paths.runtime_dir
    while time.monotonic() < deadline:
        code = proc.poll()
        if instance_running(runtime_dir):
            try:
                answer = control.send_request(runtime_dir, {"cmd": "ping"}, 1.0, transport)
            except UserError:
                pass
            else:
                raw = answer["instance"]
                return InstanceInfo(
                    pid=int(raw["pid"]),
                    since_s=float(raw["since_s"]),
                    source=str(raw["source"]),
                    log_file=str(raw.get("log_file", "")),
                )
        elif code is not None:
            reason = _last_log_line(log_file(paths)).removeprefix("posturewatch: ")
            raise UserError(
                f"the background instance exited at start-up ({reason or f'status {code}'}); "
                f"see {log_file(paths)}"
            )
        time.sleep(0.05)
    raise UserError(
        f"the background instance did not answer within {timeout_s:g} s; see {log_file(paths)}"
    )


def wait_for_exit(runtime_dir: Path, timeout_s: float) -> bool:
    """True once no process holds the instance lock (the store is flushed by then)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if not instance_running(runtime_dir):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def stop_instance(
    runtime_dir: Path,
    settings: ServiceSettings | None = None,
    transport: control.Transport | None = None,
) -> str:
    """Stop the running instance: a polite control message first, then SIGTERM (which
    takes the same clean path). Returns 'not running', 'stopped' or 'terminated'."""
    settings = settings or ServiceSettings()
    if not instance_running(runtime_dir):
        return "not running"
    info = read_instance_info(runtime_dir)
    with contextlib.suppress(UserError):
        control.send_request(runtime_dir, {"cmd": "stop"}, settings.stop_timeout_s, transport)
    if wait_for_exit(runtime_dir, settings.stop_timeout_s):
        return "stopped"
    if info is None:
        raise UserError(
            f"the background instance did not stop within {settings.stop_timeout_s:g} s "
            f"and {runtime_dir / INSTANCE_NAME} does not say its pid"
        )
    log.info("no answer to stop; sending SIGTERM to pid %d", info.pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(info.pid, signal.SIGTERM)
    if wait_for_exit(runtime_dir, settings.stop_timeout_s):
        return "terminated"
    raise UserError(
        f"the background instance (pid {info.pid}) did not stop after SIGTERM; "
        "it may be stuck: end it with your system's task manager"
    )
