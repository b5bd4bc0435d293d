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
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, ClassVar, Protocol

from posturewatch.background import control
from posturewatch.background.handler import ServiceHandler
from posturewatch.background.instance import (
    INSTANCE_NAME,
    InstanceInfo,
    InstanceLock,
    lock_path,
    log_file,
    read_instance_info,
    write_instance_info,
)
from posturewatch.background.pauses import MonitorLike, PauseControl
from posturewatch.background.platform_events import LockWatcher, make_lock_watcher
from posturewatch.clock import Clock
from posturewatch.core.learning import FeedbackKind
from posturewatch.core.settings import check_between
from posturewatch.paths import Paths
from posturewatch.signals import stop_on_signals
from posturewatch.store.database import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSettings:
    """Tunables of the background instance (config section [service])."""

    RETIRED_KEYS: ClassVar[frozenset[str]] = frozenset({"tray"})
    """The tray is `posturewatch gui`'s now."""

    pause_while_locked: bool = True
    """Stop looking through the camera while the screen is locked or the machine sleeps."""
    start_timeout_s: float = 30.0
    """How long `start` waits for the new instance to answer before giving up."""
    stop_timeout_s: float = 2.0
    """How long `stop` waits after the control message before sending SIGTERM."""

    def __post_init__(self) -> None:
        check_between("start_timeout_s", self.start_timeout_s, 1.0, 600.0, "seconds")
        check_between("stop_timeout_s", self.stop_timeout_s, 0.1, 60.0, "seconds")


class RunningApp(MonitorLike, Protocol):
    """An opened application the service runs and closes."""

    @property
    def clock(self) -> Clock: ...

    @property
    def store(self) -> Store | None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...

    def feedback(self, kind: FeedbackKind | None) -> dict[str, Any]: ...


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
    instance already runs (that one is reported); 1 when measured data could not be
    written to the database at the end (it is in the journal, or lost: logged)."""
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
    status = 0

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
            handler = ServiceHandler(
                app, pauses, request_stop, info, app.store, feedback=app.feedback
            )
            server = control.open_server(runtime_dir, handler, transport)
            log.info("running (%s); control channel %s", info.describe(), server.address)
            if settings.pause_while_locked:
                watcher = lock_watcher or make_lock_watcher()
                watcher.start(pauses.set_locked)
            if tray_factory is not None:
                tray = tray_factory(
                    TrayHooks(
                        pauses=pauses,
                        stop=request_stop,
                        status=monitor.status,
                        feedback=app.feedback,
                    )
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
            problem = app.store.unwritten() if app.store is not None else None
            if problem:
                log.error("%s", problem)
                status = 1
        with contextlib.suppress(FileNotFoundError):
            (runtime_dir / INSTANCE_NAME).unlink()
        lock.release()
    return status


@dataclass(frozen=True)
class TrayHooks:
    """What a tray menu may do to the running instance."""

    pauses: PauseControl
    stop: Callable[[], None]
    status: Callable[[], dict[str, Any]]
    feedback: Callable[[FeedbackKind | None], dict[str, Any]] | None = None
    """The tray's "I'm slouching now" and the settings' Reset (Monitor.feedback)."""
