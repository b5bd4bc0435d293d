"""Knowing when the screen is locked or the machine goes to sleep, so the background
instance stops looking through the camera while nobody could be sitting there.

Best effort and off the main path: a watcher runs on its own daemon thread, calls
`on_change(True)` when the session becomes locked (or is about to sleep) and
`on_change(False)` when it is back, and simply does nothing where the desktop does
not tell. Missing this signal costs little: the detector already sees nobody in
front of a locked screen, and the scheduler treats a forward clock jump after a
suspend as a resume.

Linux: D-Bus via jeepney (pure Python): the session bus's screensaver
`ActiveChanged` signal (freedesktop, GNOME, MATE, Cinnamon spellings) and the
system bus's logind `Lock`/`Unlock` of this session and `PrepareForSleep`.
macOS and Windows: `NullLockWatcher`, a documented stub with the same interface
(CGSession notifications and WTSRegisterSessionNotification would need a native
event loop that this tool does not run).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

LockCallback = Callable[[bool], None]

SCREENSAVER_INTERFACES = (
    "org.freedesktop.ScreenSaver",
    "org.gnome.ScreenSaver",
    "org.mate.ScreenSaver",
    "org.cinnamon.ScreenSaver",
)
LOGIND = "org.freedesktop.login1"
_POLL_S = 0.5
"""How often a watcher thread looks at its stop flag between D-Bus messages."""


class LockWatcher(Protocol):
    """Reports screen lock / sleep changes through the callback given to start()."""

    def start(self, on_change: LockCallback) -> None: ...

    def stop(self) -> None: ...


class NullLockWatcher:
    """For platforms (or desktops) that give no lock signal: never reports anything."""

    def start(self, on_change: LockCallback) -> None:
        log.info("screen lock detection is not available on %s", sys.platform)

    def stop(self) -> None:
        pass


class LockState:
    """Combines the sources of 'nobody can be here' into one flag and reports only
    its changes: the screensaver, a logind session lock and an imminent sleep can
    overlap, and only when all are over is the user back."""

    def __init__(self, on_change: LockCallback) -> None:
        self._on_change = on_change
        self._reasons: set[str] = set()
        self._lock = threading.Lock()

    @property
    def locked(self) -> bool:
        return bool(self._reasons)

    def set(self, reason: str, active: bool) -> None:
        with self._lock:
            before = bool(self._reasons)
            if active:
                self._reasons.add(reason)
            else:
                self._reasons.discard(reason)
            after = bool(self._reasons)
        if after != before:
            try:
                self._on_change(after)
            except Exception:  # a failing callback must not kill the watcher thread
                log.exception("screen lock callback failed")


def _signal_parts(msg: Any) -> tuple[str, str, str, tuple[Any, ...]] | None:
    """(path, interface, member, body) of a D-Bus signal, None for anything else."""
    from jeepney import HeaderFields, MessageType

    if msg.header.message_type != MessageType.signal:
        return None
    fields = msg.header.fields
    return (
        str(fields.get(HeaderFields.path, "")),
        str(fields.get(HeaderFields.interface, "")),
        str(fields.get(HeaderFields.member, "")),
        tuple(msg.body),
    )


class DBusLockWatcher:
    """Linux: listens on the session bus (screensavers) and the system bus (logind),
    one daemon thread each. A bus that cannot be reached is skipped quietly."""

    def __init__(self, session_bus: str = "SESSION", system_bus: str | None = "SYSTEM") -> None:
        self.session_bus = session_bus
        self.system_bus = system_bus
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: list[Any] = []
        self._conn_lock = threading.Lock()
        self.state: LockState | None = None
        self.listening = threading.Event()
        """Set once the session-bus thread has subscribed (tests wait on it)."""

    def start(self, on_change: LockCallback) -> None:
        self.state = LockState(on_change)
        self._stop.clear()
        buses: list[tuple[str, Callable[[LockState], None]]] = [
            (self.session_bus, self._watch_session)
        ]
        if self.system_bus is not None:
            buses.append((self.system_bus, self._watch_system))
        for name, target in buses:
            thread = threading.Thread(
                target=self._guarded,
                args=(name, target),
                name=f"posturewatch-lock-{name}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2 * _POLL_S + 1.0)
        self._threads.clear()
        with self._conn_lock:
            for conn in self._connections:
                with contextlib.suppress(Exception):
                    conn.close()
            self._connections.clear()

    def _guarded(self, bus: str, target: Callable[[LockState], None]) -> None:
        assert self.state is not None
        try:
            target(self.state)
        except Exception as exc:  # best effort: no bus, no logind, a sandbox...
            log.info("screen lock detection on the %s bus is off: %s", bus.lower(), exc)

    def _connect(self, bus: str) -> Any:
        from jeepney.io.blocking import open_dbus_connection

        conn = open_dbus_connection(bus=bus)
        with self._conn_lock:
            self._connections.append(conn)
        return conn

    def _subscribe(self, conn: Any, **rule: str) -> None:
        from jeepney import MatchRule, message_bus

        conn.send_and_get_reply(message_bus.AddMatch(MatchRule(type="signal", **rule)), timeout=2)

    def _messages(self, conn: Any) -> Any:
        """Yield received signals until stop() is called."""
        while not self._stop.is_set():
            try:
                msg = conn.receive(timeout=_POLL_S)
            except TimeoutError:
                continue
            parts = _signal_parts(msg)
            if parts is not None:
                yield parts

    def _watch_session(self, state: LockState) -> None:
        conn = self._connect(self.session_bus)
        for interface in SCREENSAVER_INTERFACES:
            self._subscribe(conn, interface=interface, member="ActiveChanged")
        self.listening.set()
        for _path, interface, member, body in self._messages(conn):
            if member == "ActiveChanged" and interface in SCREENSAVER_INTERFACES and body:
                state.set(f"screensaver:{interface}", bool(body[0]))

    def _watch_system(self, state: LockState) -> None:
        from jeepney import DBusAddress, new_method_call

        conn = self._connect(self.system_bus or "SYSTEM")
        manager = DBusAddress(
            "/org/freedesktop/login1", bus_name=LOGIND, interface=f"{LOGIND}.Manager"
        )
        reply = conn.send_and_get_reply(
            new_method_call(manager, "GetSessionByPID", "u", (os.getpid(),)), timeout=2
        )
        session_path = str(reply.body[0]) if reply.body else ""
        self._subscribe(conn, interface=f"{LOGIND}.Manager", member="PrepareForSleep")
        if session_path:
            self._subscribe(conn, interface=f"{LOGIND}.Session", path=session_path)
        for path, interface, member, body in self._messages(conn):
            if member == "PrepareForSleep" and body:
                state.set("sleep", bool(body[0]))
            elif interface == f"{LOGIND}.Session" and path == session_path:
                if member == "Lock":
                    state.set("session", True)
                elif member == "Unlock":
                    state.set("session", False)


def make_lock_watcher(platform: str = sys.platform) -> LockWatcher:
    """The best watcher this platform offers (a no-op stub where there is none)."""
    if platform.startswith("linux"):
        try:
            import jeepney  # noqa: F401
        except ImportError:
            return NullLockWatcher()
        return DBusLockWatcher()
    return NullLockWatcher()
