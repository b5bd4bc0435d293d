"""Show me for runs started from the command line (`run`, `start`): the notification's
Show me button opens the break window in a process of its own when there is a
display, and prints the routine's steps otherwise. The desktop app replaces this
with its own window (it already runs Qt)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TextIO, get_args

from posturewatch.core.types import AnswerKind, Prompt, PromptAnswer
from posturewatch.display import display_available
from posturewatch.notifiers import Clock, Notifier
from posturewatch.notifiers.console import steps_text

log = logging.getLogger(__name__)

BREAK_WINDOW_MODULE = "posturewatch.desktop.break_window"
REMEMBERED = 20
ANSWER_KINDS: frozenset[str] = frozenset(get_args(AnswerKind))

Launcher = Callable[..., "subprocess.Popen[str]"]


def offer_show_me(notifier: Notifier, callback: Callable[[str], None]) -> bool:
    """Give every backend in the chain that has a Show me button (D-Bus) `callback`;
    False when none has one."""
    offered = False
    for backend in (*getattr(notifier, "backends", ()), notifier):
        if hasattr(backend, "on_show_me"):
            backend.on_show_me = callback
            offered = True
    return offered


def break_window_argv(prompt: Prompt) -> list[str]:
    """The command that opens the break window for `prompt` and prints the answer."""
    return [sys.executable, "-m", BREAK_WINDOW_MODULE, json.dumps(asdict(prompt))]


class ShowMe:
    """Remembers the prompts shown (`remember`, the monitor's on_prompt) and answers
    Show me for one of them (`__call__`, the notifier's on_show_me)."""

    def __init__(
        self,
        answer: Callable[[PromptAnswer], None],
        clock: Clock,
        stream: TextIO | None = None,
        has_display: Callable[[], bool] = display_available,
        launcher: Launcher = subprocess.Popen,
    ) -> None:
        self._answer = answer
        self._clock = clock
        self._stream = stream
        self._has_display = has_display
        self._launch = launcher
        self._prompts: OrderedDict[str, Prompt] = OrderedDict()
        self.windows: list[threading.Thread] = []

    def remember(self, prompt: Prompt) -> None:
        self._prompts[prompt.id] = prompt
        while len(self._prompts) > REMEMBERED:
            self._prompts.popitem(last=False)

    def __call__(self, prompt_id: str) -> None:
        prompt = self._prompts.get(prompt_id)
        if prompt is None:
            return
        if self._has_display():
            try:
                process = self._launch(
                    break_window_argv(prompt),
                    stdout=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    text=True,
                )
            except OSError as exc:
                log.warning("Show me could not open the break window (%s)", exc)
            else:
                waiter = threading.Thread(
                    target=self._wait, args=(process, prompt), daemon=True, name="show-me"
                )
                self.windows.append(waiter)
                waiter.start()
                return
        out = self._stream or sys.stdout
        out.write(steps_text(prompt) + "\n")
        out.flush()

    def _wait(self, process: subprocess.Popen[Any], prompt: Prompt) -> None:
        """The window prints the button pressed; closing it is no answer."""
        out, _ = process.communicate()
        kind = (out or "").strip().splitlines()[-1:] or [""]
        if kind[0] in ANSWER_KINDS:
            self._answer(PromptAnswer(prompt.id, kind[0], self._clock()))  # type: ignore[arg-type]
