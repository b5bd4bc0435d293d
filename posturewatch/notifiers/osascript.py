"""Backend "osascript": macOS notifications through AppleScript, which works from a
plain Python install (no app bundle, no PyObjC).

The title and text are passed as script arguments, never pasted into the script,
so quotes or backslashes in a routine's text cannot break or inject AppleScript.
macOS cannot replace such a notification; the same prompt is never shown twice.
Not runnable on Linux: the command building is tested, the call itself is not.
"""

from __future__ import annotations

import shutil
import subprocess

from posturewatch.core.types import Prompt
from posturewatch.notifiers import (
    APP_NAME,
    CommandNotifier,
    NotifierError,
)

RUN_TIMEOUT_S = 10.0

SCRIPT_LINES = (
    "on run argv",
    "display notification (item 2 of argv) with title (item 1 of argv) subtitle (item 3 of argv)",
    "end run",
)


def osascript_command(prompt: Prompt, executable: str = "osascript") -> list[str]:
    """The argument list for one prompt (pure)."""
    cmd = [executable]
    for line in SCRIPT_LINES:
        cmd += ["-e", line]
    return [*cmd, prompt.title, prompt.body, APP_NAME]


class OsascriptNotifier(CommandNotifier):
    name = "osascript"

    def _show(self, prompt: Prompt) -> None:
        try:
            done = self._run(
                osascript_command(prompt), capture_output=True, text=True, timeout=RUN_TIMEOUT_S
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise NotifierError(f"osascript failed: {exc}") from exc
        if done.returncode != 0:
            raise NotifierError(f"osascript failed: {(done.stderr or '').strip()}")

    def available(self) -> tuple[bool, str]:
        if self.platform != "darwin":
            return False, "osascript notifications exist on macOS only"
        path = shutil.which("osascript")
        if path is None:
            return False, "osascript is missing from PATH (it ships with macOS: check PATH)"
        return True, f"{path} (allow notifications for Script Editor in System Settings)"
