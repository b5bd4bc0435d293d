"""Desktop notifications behind one interface, so the loop never knows which desktop it is on.

Each backend lives in its own module and imports its library (jeepney, plyer) or
runs its program (notify-send, osascript, powershell) only when used, so importing
this package costs nothing and domain code never touches a notification library.
`make_notifier("auto", ...)` builds the platform's chain of backends inside a
`FallbackNotifier`: the first that works is used, and one that fails is dropped
for good (logged once) so a broken desktop never stops the loop.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, TextIO, get_args

from posturewatch.core.errors import UserError
from posturewatch.core.settings import check_between
from posturewatch.core.types import Prompt, PromptAnswer

log = logging.getLogger(__name__)

BackendName = Literal[
    "auto", "console", "dbus", "plyer", "notify-send", "osascript", "powershell", "none"
]
BACKEND_NAMES: tuple[str, ...] = get_args(BackendName)
Urgency = Literal["low", "normal", "critical"]

APP_NAME = "posturewatch"
ACTION_DONE = "done"
ACTION_SNOOZE = "snooze_15m"
ACTIONS: tuple[tuple[str, str], ...] = ((ACTION_DONE, "Done"), (ACTION_SNOOZE, "Snooze 15 min"))
"""Action key (what the answer records) and the label the user sees."""
ACTION_NOT_SLOUCHING = "not_slouching"
NOT_SLOUCHING: tuple[str, str] = (ACTION_NOT_SLOUCHING, "Not slouching")
"""Offered on posture prompts: a false alarm, which the thresholds learn from
(core/learning.py)."""


PromptStyle = Literal["notification", "window"]


@dataclass(frozen=True)
class NotifierSettings:
    """How prompts are shown ([notifications] in the config)."""

    backend: BackendName = "auto"
    """auto = the platform's chain (Linux: dbus, plyer, notify-send, console)."""
    timeout_s: float = 60.0
    """How long a prompt stays on screen; 0 = until the user closes it. A prompt that
    times out is simply not answered: the scheduler counts it as ignored."""
    urgency: Urgency = "normal"
    escalated_urgency: Urgency = "normal"
    """For prompts escalated after being ignored. Not critical by default: most
    desktops keep critical notifications on screen and through do-not-disturb,
    which is nagging."""
    with_actions: bool = True
    """Offer Done / Snooze 15 min buttons where the desktop supports them."""
    prompt_style: PromptStyle = "notification"
    """In the desktop app: notification = a notification with Done / Snooze / Show me;
    window = the break window opens by itself."""

    def __post_init__(self) -> None:
        if self.prompt_style not in get_args(PromptStyle):
            raise ValueError("prompt_style: must be notification or window")
        if self.backend not in BACKEND_NAMES:
            raise ValueError(f"backend: must be one of {', '.join(BACKEND_NAMES)}")
        check_between("timeout_s", self.timeout_s, 0, 3600, "seconds")
        for key in ("urgency", "escalated_urgency"):
            if getattr(self, key) not in get_args(Urgency):
                raise ValueError(f"{key}: must be low, normal or critical")

    def urgency_for(self, prompt: Prompt) -> Urgency:
        return self.escalated_urgency if prompt.level > 0 else self.urgency


class NotifierError(RuntimeError):
    """A backend could not show a prompt or read answers (no daemon, program missing)."""


Clock = Callable[[], float]


class Notifier(ABC):
    """Shows prompts on the desktop and reports what the user clicked.

    A new prompt replaces ours on screen instead of stacking; a backend that cannot
    replace at least never shows the same prompt twice.
    """

    name: ClassVar[str] = ""
    _shown_prompt_id: str | None = None

    def show(self, prompt: Prompt) -> None:
        """Show `prompt` in place of the previous one; raises NotifierError on failure."""
        if prompt.id == self._shown_prompt_id:
            return
        self._show(prompt)
        self._shown_prompt_id = prompt.id

    @abstractmethod
    def _show(self, prompt: Prompt) -> None: ...

    def poll_answers(self) -> list[PromptAnswer]:
        """Answers given through notification actions since the last call; never blocks."""
        return []

    def close(self) -> None:  # noqa: B027 - optional hook
        """Take our prompt off the screen and let go of connections."""

    @abstractmethod
    def available(self) -> tuple[bool, str]:
        """(works here?, detail when it does / the fix when it does not), for `doctor`."""


Runner = Callable[..., "subprocess.CompletedProcess[str]"]
"""subprocess.run, or a stand-in that records the command in unit tests."""


class CommandNotifier(Notifier):
    """A backend that shows each prompt by running a program (osascript, PowerShell)."""

    def __init__(
        self,
        settings: NotifierSettings,
        runner: Runner = subprocess.run,
        platform: str = sys.platform,
    ) -> None:
        self.settings = settings
        self._run = runner
        self.platform = platform


class NullNotifier(Notifier):
    """Backend "none": prompts are still scheduled and stored, just never shown."""

    name = "none"

    def _show(self, prompt: Prompt) -> None:
        pass

    def available(self) -> tuple[bool, str]:
        return True, "notifications are switched off"


class FallbackNotifier(Notifier):
    """Uses the first backend that works; drops one that fails and moves to the next.

    Each backend is probed with available() before its first use. One that is not
    available here is passed over quietly (a headless machine has no D-Bus: that is
    not news), unless the chain ends up printing prompts on the terminal, which is
    said once. One that raises is dropped with one warning. So the loop never
    crashes on a desktop fault and the log is not flooded.
    """

    def __init__(self, backends: Sequence[Notifier]) -> None:
        self._backends = list(backends)
        self._probed: set[int] = set()
        self._passed_over: list[str] = []
        self._warned_empty = False

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._backends[0].name if self._backends else "none"

    @property
    def backends(self) -> tuple[Notifier, ...]:
        return tuple(self._backends)

    def _remove(self, backend: Notifier) -> None:
        self._backends.remove(backend)
        try:
            backend.close()
        except Exception:  # a broken backend may fail to close too; it is gone anyway
            log.debug("closing dropped backend %s failed", backend.name, exc_info=True)

    def _drop(self, backend: Notifier, why: str) -> None:
        self._remove(backend)
        then = self._backends[0].name if self._backends else "nothing: prompts are not shown"
        log.warning("notifications: %s backend dropped (%s); using %s", backend.name, why, then)

    def _current(self) -> Notifier | None:
        while self._backends:
            backend = self._backends[0]
            if id(backend) in self._probed:
                return backend
            self._probed.add(id(backend))
            try:
                ok, detail = backend.available()
            except Exception as exc:
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            if ok:
                if self._passed_over:
                    level = logging.WARNING if backend.name == "console" else logging.INFO
                    log.log(
                        level,
                        "notifications: using %s (not available: %s)",
                        backend.name,
                        "; ".join(self._passed_over),
                    )
                return backend
            self._passed_over.append(f"{backend.name}: {detail}")
            self._remove(backend)
        if not self._warned_empty:
            self._warned_empty = True
            why = f" ({'; '.join(self._passed_over)})" if self._passed_over else ""
            log.warning("notifications: no backend works; prompts are not shown%s", why)
        return None

    def show(self, prompt: Prompt) -> None:
        while (backend := self._current()) is not None:
            try:
                backend.show(prompt)
                return
            except Exception as exc:
                self._drop(backend, f"{type(exc).__name__}: {exc}")

    def _show(self, prompt: Prompt) -> None:  # pragma: no cover - show() is overridden
        self.show(prompt)

    def poll_answers(self) -> list[PromptAnswer]:
        backend = self._current()
        if backend is None:
            return []
        try:
            return backend.poll_answers()
        except Exception as exc:
            self._drop(backend, f"{type(exc).__name__}: {exc}")
            return []

    def close(self) -> None:
        for backend in self._backends:
            try:
                backend.close()
            except Exception:
                log.debug("closing backend %s failed", backend.name, exc_info=True)

    def probe(self) -> list[tuple[str, bool, str]]:
        """Each backend's (name, works?, detail or fix) in chain order; shows nothing."""
        results = []
        for backend in self._backends:
            try:
                ok, detail = backend.available()
            except Exception as exc:
                ok, detail = False, str(exc)
            results.append((backend.name, ok, detail))
        return results

    def available(self) -> tuple[bool, str]:
        fixes = []
        for name, ok, detail in self.probe():
            if ok:
                return True, f"{name}: {detail}"
            fixes.append(f"{name}: {detail}")
        return False, "; ".join(fixes) or "no backend configured"


def platform_chain(platform: str) -> tuple[str, ...]:
    """The backends "auto" tries on `platform` (a sys.platform value), best first."""
    if platform.startswith("linux") or "bsd" in platform:
        return ("dbus", "plyer", "notify-send", "console")
    if platform == "darwin":
        return ("plyer", "osascript", "console")
    if platform in ("win32", "cygwin"):
        return ("plyer", "powershell", "console")
    return ("plyer", "console")


def make_notifier(
    name: str,
    settings: NotifierSettings,
    origin_s: float,
    *,
    clock: Clock | None = None,
    stream: TextIO | None = None,
    platform: str | None = None,
) -> Notifier:
    """The notifier the loop uses. "auto" is the platform's chain; a named backend is
    wrapped alone, so a failure is logged once instead of raised into the loop.

    origin_s: epoch seconds the console backend's time_s counts from (the start of
    the recording or of the camera session). clock: epoch seconds for answers.
    """
    names = platform_chain(platform or sys.platform) if name == "auto" else (name,)
    answer_clock = clock or time.time

    def backend(n: str) -> Notifier:
        """One backend by name; its library is imported only when it is used."""
        if n == "console":
            from posturewatch.notifiers.console import ConsoleNotifier

            return ConsoleNotifier(origin_s, stream)
        if n == "dbus":
            from posturewatch.notifiers.dbus import DbusNotifier

            return DbusNotifier(settings, answer_clock)
        if n == "plyer":
            from posturewatch.notifiers.plyer_backend import PlyerNotifier

            return PlyerNotifier(settings)
        if n == "notify-send":
            from posturewatch.notifiers.notify_send import NotifySendNotifier

            return NotifySendNotifier(settings)
        if n == "osascript":
            from posturewatch.notifiers.osascript import OsascriptNotifier

            return OsascriptNotifier(settings)
        if n == "powershell":
            from posturewatch.notifiers.powershell import PowershellNotifier

            return PowershellNotifier(settings)
        if n == "none":
            return NullNotifier()
        raise UserError(f"unknown notification backend {n!r} (known: {', '.join(BACKEND_NAMES)})")

    return FallbackNotifier([backend(n) for n in names])
