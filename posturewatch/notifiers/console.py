"""Backend "console": prompts on standard output, as readable text on a terminal and
as one JSON line per prompt otherwise (or when asked with `--json`).

The last resort of every chain, and what `demo`, scripts and tests read: a machine
can check each prompt's time, kind and routine, and a person can read the title,
the routine and its first action. time_s counts from the session's origin (the start
of the recording), so a replayed recording prints the same times on every run.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TextIO

from posturewatch.core.types import Prompt
from posturewatch.notifiers import Notifier

INDENT = "        "


def prompt_line(prompt: Prompt, origin_s: float) -> str:
    """The JSON line for one prompt (no newline)."""
    return json.dumps(
        {
            "time_s": round(prompt.time_s - origin_s, 3),
            "kind": prompt.kind,
            "routine": prompt.routine.id,
            "title": prompt.title,
            "level": prompt.level,
            "id": prompt.id,
        },
        ensure_ascii=False,
    )


def prompt_text(prompt: Prompt) -> str:
    """A prompt for a person at a terminal: local time and title, the body indented
    under it (no trailing newline)."""
    at = datetime.fromtimestamp(prompt.time_s).strftime("%H:%M")
    lines = [f"[{at}] {prompt.title}", *(INDENT + line for line in prompt.body.splitlines())]
    return "\n".join(lines)


def steps_text(prompt: Prompt) -> str:
    """The routine's steps and safety notes, numbered, for Show me without a display."""
    routine = prompt.routine
    lines = [f"{routine.title}:"]
    lines += [f"{INDENT}{n}. {step}" for n, step in enumerate(routine.steps, 1)]
    lines += [f"{INDENT}! {note}" for note in routine.safety]
    return "\n".join(lines)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ConsoleNotifier(Notifier):
    name = "console"

    def __init__(
        self, origin_s: float, stream: TextIO | None = None, as_json: bool | None = None
    ) -> None:
        """as_json: None = JSON unless the stream is a terminal."""
        self.origin_s = origin_s
        self._stream = stream
        self.as_json = as_json

    def _out(self) -> TextIO:
        # Resolved on each call so a redirected sys.stdout (pytest, a pipe) is honoured.
        return self._stream or sys.stdout

    def _json(self, out: TextIO) -> bool:
        return not _is_terminal(out) if self.as_json is None else self.as_json

    def _write(self, text: str) -> None:
        out = self._out()
        out.write(text + "\n")
        out.flush()

    def _show(self, prompt: Prompt) -> None:
        out = self._out()
        self._write(prompt_line(prompt, self.origin_s) if self._json(out) else prompt_text(prompt))

    def notice(self, title: str, body: str) -> None:
        """On a terminal only: JSON lines are prompts, one kind of object each."""
        if not self._json(self._out()):
            self._write(f"{title}: {body}")

    def show_steps(self, prompt: Prompt) -> None:
        """Show me, on the terminal."""
        self._write(steps_text(prompt))

    def available(self) -> tuple[bool, str]:
        how = "as JSON lines" if self._json(self._out()) else "as text"
        return True, f"prompts are printed {how} on standard output"
