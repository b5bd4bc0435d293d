"""Two independent reasons to pause (the user asked; the screen is locked) fed into
the monitor's one pause, as messages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)


class MonitorLike(Protocol):
    """What the service needs of the running application (app.Application)."""

    def run(self, stop: threading.Event | None = None) -> Any: ...

    def pause(self, until_s: float | None) -> None: ...

    def resume(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


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
