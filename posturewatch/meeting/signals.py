"""The one interface of a quiet signal, the `[meeting]` settings, and the detector
that polls the signals at a modest rate and says whether prompts should wait.

A signal answers one question cheaply ("does another program hold the camera?")
with a `Reading`, or raises `SignalUnavailable` when this platform or desktop cannot
tell (no pactl, no X11, no notification server): that is not an error, only a
signal fewer, and `posturewatch doctor` says so. Polling happens in the monitor's
thread, at most every `poll_s` of the run's clock and never more than twice a real
second, so a recording replayed at full speed does not spawn a process per frame.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from posturewatch.core.settings import check_between

log = logging.getLogger(__name__)

QUIET_LABEL = "in a meeting"
"""What the tray and `status` say while prompts wait, whatever the signal."""
MIN_WALL_S = 0.5
"""Fewest real seconds between two polls (a fast replay's clock races ahead)."""
COMMAND_TIMEOUT_S = 2.0
"""A helper program (xprop, pactl, gsettings) that hangs is given up on after this."""


@dataclass(frozen=True)
class MeetingSettings:
    """The [meeting] config section: prompts wait while any enabled signal says so."""

    enabled: bool = True
    """Meeting mode at all; false prompts whatever is on screen."""
    camera: bool = True
    """Another program uses the camera (Linux: /proc; Windows: the privacy registry)."""
    microphone: bool = True
    """Another program records from the microphone (PulseAudio/PipeWire; Windows)."""
    fullscreen: bool = True
    """A full-screen window or a presentation is in front."""
    do_not_disturb: bool = True
    """The desktop's do-not-disturb (dunst paused, GNOME banners off, Focus, ...)."""
    poll_s: float = 15.0
    """How often the signals are read (run's clock)."""
    proc_root: str = "/proc"
    """Where Linux's process table is read (a test points it at a fake tree)."""

    def __post_init__(self) -> None:
        check_between("poll_s", self.poll_s, 1, 300, "seconds")
        if not self.proc_root:
            raise ValueError("proc_root: empty; the default is /proc")


@dataclass(frozen=True)
class Reading:
    """One look at a signal: quiet or not, and what was seen, in words."""

    quiet: bool
    detail: str


class SignalUnavailable(Exception):
    """This platform or desktop cannot tell; the message says why, for doctor."""


class QuietSignal(Protocol):
    """One way of telling that now is a bad moment for a prompt."""

    name: str
    """What it watches, for doctor and logs: "camera in use", "do not disturb", ..."""
    setting: str
    """The [meeting] key that turns it off."""

    def read(self) -> Reading:
        """Look once; raises SignalUnavailable when it cannot tell here."""
        ...


class Unavailable:
    """A signal this platform does not offer: doctor says so, polling skips it."""

    def __init__(self, name: str, setting: str, why: str) -> None:
        self.name = name
        self.setting = setting
        self.why = why

    def read(self) -> Reading:
        raise SignalUnavailable(self.why)


def run_command(argv: Sequence[str]) -> tuple[int, str]:
    """(exit status, stdout) of a small helper program; SignalUnavailable when it is
    not installed or hangs. Its stderr is dropped: a missing server is expected."""
    try:
        done = subprocess.run(
            list(argv),
            env={**os.environ, "LC_ALL": "C"},  # the labels parsed are the untranslated ones
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise SignalUnavailable(f"{argv[0]} is not installed") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SignalUnavailable(f"{argv[0]} did not answer ({exc})") from None
    return done.returncode, done.stdout


Runner = Callable[[Sequence[str]], tuple[int, str]]


class MeetingDetector:
    """Polls the enabled signals; `poll(now_s)` gives why prompts should wait (the
    detail of the first quiet signal) or None. Each signal's unavailability or
    failure is logged once, not every poll."""

    def __init__(
        self,
        signals: Sequence[QuietSignal],
        poll_s: float = 15.0,
        monotonic: Callable[[], float] = time.monotonic,
        min_wall_s: float = MIN_WALL_S,
    ) -> None:
        self.signals = tuple(signals)
        self.poll_s = poll_s
        self._monotonic = monotonic
        self._min_wall_s = min_wall_s
        self._last_s: float | None = None
        self._last_wall = -float("inf")
        self._quiet: str | None = None
        self._told_unavailable: set[str] = set()
        self._last_quiet: dict[int, str] = {}
        """Signal index -> what it saw at its last quiet reading."""

    @property
    def quiet(self) -> str | None:
        """The last poll's answer."""
        return self._quiet

    def poll(self, now_s: float) -> str | None:
        due = self._last_s is None or now_s - self._last_s >= self.poll_s or now_s < self._last_s
        if due and self._monotonic() - self._last_wall >= self._min_wall_s:
            self._last_s, self._last_wall = now_s, self._monotonic()
            self._quiet = self.read()
        return self._quiet

    def read(self) -> str | None:
        """Look at every signal now (first quiet one wins; the rest are not read).
        A signal that was quiet and fails once (a helper program timing out under
        load) stays quiet for that poll, so a hiccup never lets a prompt through."""
        for index, signal in enumerate(self.signals):
            try:
                reading = signal.read()
            except Exception as exc:  # a signal must never stop the loop
                held = self._last_quiet.pop(index, None)
                if held is not None:
                    return held
                if signal.name not in self._told_unavailable:
                    self._told_unavailable.add(signal.name)
                    if isinstance(exc, SignalUnavailable):
                        log.info("meeting mode: %s cannot be told here: %s", signal.name, exc)
                    else:
                        log.warning("meeting mode: reading %s failed: %s", signal.name, exc)
                continue
            if reading.quiet:
                self._last_quiet[index] = reading.detail
                return reading.detail
            self._last_quiet.pop(index, None)
        return None


def make_signals(settings: MeetingSettings, platform: str = sys.platform) -> list[QuietSignal]:
    """Every signal this platform has for the enabled settings (the unavailable ones
    included, so doctor can name them)."""
    if not settings.enabled:
        return []
    if platform.startswith("linux"):
        from posturewatch.meeting import linux

        found = linux.signals(settings)
    elif platform == "win32":
        from posturewatch.meeting import windows

        found = windows.signals()
    elif platform == "darwin":
        from posturewatch.meeting import macos

        found = macos.signals()
    else:
        found = []
    return [s for s in found if getattr(settings, s.setting)]


def make_meeting_detector(settings: MeetingSettings) -> MeetingDetector | None:
    """The detector the monitor polls; None when meeting mode is off."""
    signals = make_signals(settings)
    if not signals:
        return None
    return MeetingDetector(signals, settings.poll_s)
