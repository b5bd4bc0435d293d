"""Where the time comes from, passed into the monitor.

A camera is judged on the wall clock. A recording is judged on its own media time,
anchored at an origin (`--start-at`, default now), so an eight-hour recording
replays in seconds with the prompts it would have produced; `realtime=True` paces
it as a camera would deliver it instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeAlias

from posturewatch.core.errors import UserError

Wake: TypeAlias = threading.Event | None
"""What ends a wait early when it is set (None: nothing does)."""


def _wait(seconds: float, wake: Wake) -> bool:
    """Wait `seconds`; True when `wake` was set before then."""
    if wake is not None:
        return wake.wait(seconds)
    time.sleep(seconds)
    return False


class Clock(Protocol):
    def pace(self, source_time_s: float, wake: Wake = None, timeout_s: float | None = None) -> bool:
        """Wait until an observation at `source_time_s` is due (only a recording
        replayed in real time waits). False when it returned before then: `wake` was
        set or `timeout_s` passed."""
        ...

    def stamp(self, source_time_s: float) -> float:
        """Epoch seconds of an observation taken at `source_time_s` of its source."""
        ...

    def now(self) -> float:
        """Epoch seconds now (for a recording: the time of the latest observation)."""
        ...

    def sleep(self, seconds: float, wake: Wake = None) -> None:
        """Wait, returning early when `wake` is set."""
        ...


class WallClock:
    """The real clock, for a live camera: epoch seconds that never run backwards.

    Durations come from the monotonic clock; the wall clock only labels them. Each
    reading is max(wall clock, previous reading + monotonic time since): when the
    wall clock steps back (NTP, a suspend resumed in another zone) the readings go
    on advancing by the real elapsed time, so the next stretch is counted in full
    rather than as 0 s, until the wall clock catches up; when it leaps forward (a
    suspend, where the monotonic clock stands still) the readings follow it, and
    the store caps that gap as the pause it was."""

    def __init__(
        self,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last: tuple[float, float] | None = None  # (reading, monotonic then)

    def pace(self, source_time_s: float, wake: Wake = None, timeout_s: float | None = None) -> bool:
        return True

    def stamp(self, source_time_s: float) -> float:
        return self.now()

    def now(self) -> float:
        with self._lock:
            wall, mono = self._wall(), self._monotonic()
            if self._last is not None:
                last, last_mono = self._last
                wall = max(wall, last + max(0.0, mono - last_mono))
            self._last = (wall, mono)
            return wall

    def sleep(self, seconds: float, wake: Wake = None) -> None:
        if seconds <= 0:
            return
        _wait(seconds, wake)


class MediaClock:
    """A recording's clock: origin + media time. Waiting costs nothing, since the
    next observation simply lies later in the recording, unless `realtime`: then
    observations are delivered as a camera would, `speed` times faster."""

    def __init__(self, origin_s: float, realtime: bool = False, speed: float = 1.0) -> None:
        if speed <= 0:
            raise UserError(f"--speed must be positive, got {speed}")
        self.origin_s = origin_s
        self.realtime = realtime
        self.speed = speed
        self._now = origin_s
        self._wall_start: float | None = None
        self._media_start = 0.0

    def pace(self, source_time_s: float, wake: Wake = None, timeout_s: float | None = None) -> bool:
        if not self.realtime:
            return True
        if self._wall_start is None:
            self._wall_start, self._media_start = time.monotonic(), source_time_s
        due = self._wall_start + (source_time_s - self._media_start) / self.speed
        delay = due - time.monotonic()
        if delay <= 0:
            return True
        wait_s = delay if timeout_s is None else min(delay, timeout_s)
        return not _wait(wait_s, wake) and wait_s >= delay

    def stamp(self, source_time_s: float) -> float:
        self._now = self.origin_s + source_time_s
        return self._now

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float, wake: Wake = None) -> None:
        return None


def parse_start_at(text: str | None) -> float:
    """`--start-at 2026-11-23T09:00` (local time unless an offset is given) -> epoch
    seconds; None means now."""
    if text is None:
        return time.time()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"--start-at: cannot read {text!r} as a date and time (e.g. 2026-11-23T09:00)"
        ) from None
    if not 1971 <= moment.year <= 2999:
        raise UserError(f"--start-at: {text!r} is out of range (years 1971 to 2999)")
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the system's local zone
    return moment.timestamp()
