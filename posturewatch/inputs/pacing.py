"""One observation per step, from any source: the one pacing mechanism.

A recording is skipped through by its own time (the frames in between are never
decoded or estimated), so an hour replays in seconds; a camera only has "now", so it
is paced by waiting on the clock. `analyze`, `calibrate`, `record` and the monitor
all read their sources through a Pacer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from posturewatch.core.types import Observation
from posturewatch.inputs.observations import ObservationSource


class Pacer:
    """Reads `source` one observation `step_s` after the previous one.

    `sleep(seconds)` waits on the camera's clock; it returns False when it was cut
    short (the monitor wakes for a message), anything else (time.sleep's None) when
    the time is up. `now()` is the clock it waits on."""

    def __init__(
        self,
        source: ObservationSource,
        sleep: Callable[[float], object] = time.sleep,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self._sleep = sleep
        self._now = now
        self._step_s: float | None = None
        self._read_at: float | None = None
        self._last_s: float | None = None

    def wait(self, step_s: float | None) -> bool:
        """Wait until the next observation is due, `step_s` after the previous read
        (None: the very next frame). False when the wait was cut short; call again
        to wait for the rest."""
        self._step_s = step_s
        if not self.source.live or not step_s or self._read_at is None:
            return True
        left = self._read_at + step_s - self._now()
        return left <= 0 or self._sleep(left) is not False

    def read(self) -> Observation | None:
        """The due observation (None at the end of a recording)."""
        if self.source.live:
            self._read_at = self._now()
            return self.source.read(None)
        want = None
        if self._step_s and self._last_s is not None:
            want = self._last_s + self._step_s
        obs = self.source.read(want)
        if obs is not None:
            self._last_s = obs.time_s
        return obs

    def next(self, step_s: float | None) -> Observation | None:
        """Wait for, then read, the next observation."""
        while not self.wait(step_s):
            pass
        return self.read()


def capture(
    source: Any,
    take: Callable[[Observation], None],
    seconds: float | None,
    step_s: float,
    sleep: Callable[[float], object] = time.sleep,
) -> int:
    """Read observations every `step_s` of source time for `seconds` (None: to the end).
    A camera is paced by the wall clock; a recording skips ahead without waiting."""
    pacer = Pacer(source, sleep)
    count = 0
    start: float | None = None
    while (obs := pacer.next(step_s)) is not None:
        if start is None:
            start = obs.time_s
        if seconds is not None and obs.time_s - start > seconds + 1e-6:
            break
        take(obs)
        count += 1
    return count
