"""Backend "console": one JSON line per prompt on standard output.

The last resort of every chain, and what `demo` and tests read: a machine can
check each prompt's time, kind and routine, and a person can read the title.
time_s counts from the session's origin (the start of the recording), so a
replayed recording prints the same times on every run.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from posturewatch.core.types import Prompt
from posturewatch.notifiers import Notifier


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


class ConsoleNotifier(Notifier):
    name = "console"

    def __init__(self, origin_s: float, stream: TextIO | None = None) -> None:
        self.origin_s = origin_s
        self._stream = stream

    def _show(self, prompt: Prompt) -> None:
        # Resolved on each call so a redirected sys.stdout (pytest, a pipe) is honoured.
        out = self._stream or sys.stdout
        out.write(prompt_line(prompt, self.origin_s) + "\n")
        out.flush()

    def available(self) -> tuple[bool, str]:
        return True, "prompts are printed as JSON lines on standard output"
