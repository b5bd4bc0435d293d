"""Backend "notify-send": libnotify's command-line tool, for Linux without jeepney.

No buttons (notify-send would have to block waiting for them). Where notify-send
can print and reuse notification ids (libnotify 0.7.9+: -p / -r), a new prompt
replaces the previous one; with an older notify-send, prompts may stack, but the
same prompt is never shown twice.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from posturewatch.core.types import Prompt
from posturewatch.notifiers import APP_NAME, Notifier, NotifierError, NotifierSettings, Runner
from posturewatch.notifiers.dbus import NO_SESSION_BUS, expire_timeout_ms, session_bus_address

RUN_TIMEOUT_S = 10.0


def notify_send_command(
    prompt: Prompt,
    settings: NotifierSettings,
    replace_id: int | None = None,
    print_id: bool = False,
    executable: str = "notify-send",
) -> list[str]:
    """The argument list for one prompt (pure, so it is tested without a desktop)."""
    cmd = [
        executable,
        "--app-name",
        APP_NAME,
        "--urgency",
        settings.urgency_for(prompt),
        "--expire-time",
        str(expire_timeout_ms(settings.timeout_s)),
    ]
    if print_id:
        cmd.append("--print-id")
        if replace_id:
            cmd += ["--replace-id", str(replace_id)]
    # "--" so a title starting with "-" is not read as an option.
    return [*cmd, "--", prompt.title, prompt.body]


class NotifySendNotifier(Notifier):
    name = "notify-send"

    def __init__(
        self,
        settings: NotifierSettings,
        runner: Runner = subprocess.run,
        executable: str = "notify-send",
    ) -> None:
        self.settings = settings
        self._run = runner
        self.executable = executable
        self._supports_ids: bool | None = None
        self._last_id: int | None = None

    def _run_checked(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            done = self._run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            raise NotifierError(f"{self.executable} failed: {exc}") from exc
        if done.returncode != 0:
            detail = (done.stderr or "").strip() or f"exit status {done.returncode}"
            raise NotifierError(f"{self.executable} failed: {detail}")
        return done

    def supports_ids(self) -> bool:
        """Whether this notify-send has --print-id / --replace-id (asked once)."""
        if self._supports_ids is None:
            done = self._run_checked([self.executable, "--help"])
            self._supports_ids = "--print-id" in done.stdout and "--replace-id" in done.stdout
        return self._supports_ids

    def _show(self, prompt: Prompt) -> None:
        with_ids = self.supports_ids()
        cmd = notify_send_command(prompt, self.settings, self._last_id, with_ids, self.executable)
        done = self._run_checked(cmd)
        if with_ids:
            self._last_id = _parse_id(done.stdout)

    def available(self) -> tuple[bool, str]:
        path = shutil.which(self.executable)
        if path is None:
            return False, "install notify-send (Debian/Ubuntu: apt install libnotify-bin)"
        if session_bus_address() is None:
            return False, NO_SESSION_BUS
        return True, path


def _parse_id(stdout: Any) -> int | None:
    text = str(stdout or "").strip().splitlines()
    try:
        return int(text[0]) if text else None
    except ValueError:
        return None
