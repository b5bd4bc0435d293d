"""Backend "powershell": a Windows toast built by Windows PowerShell, for when plyer
cannot notify.

Every toast carries the same tag and group, which makes Windows replace our
previous prompt instead of stacking a new one. The script is sent base64-encoded
(-EncodedCommand) and the texts travel in environment variables, so no quoting
of the user-visible text is ever needed. Not runnable on Linux: the command
building is tested, the call itself is not.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Mapping

from posturewatch.core.types import Prompt
from posturewatch.notifiers import (
    APP_NAME,
    CommandNotifier,
    NotifierError,
    NotifierSettings,
)

RUN_TIMEOUT_S = 20.0
TOAST_TAG = "prompt"
POWERSHELL_APP_ID = r"{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe"
"""Toasts need a registered app id; PowerShell's own is always there."""

NS = "Windows.UI.Notifications"
TOAST_SCRIPT = f"""
$ErrorActionPreference = 'Stop'
$null = [{NS}.ToastNotificationManager, {NS}, ContentType=WindowsRuntime]
$manager = [{NS}.ToastNotificationManager]
$kind = [{NS}.ToastTemplateType]::ToastText02
$xml = $manager::GetTemplateContent($kind)
$texts = $xml.GetElementsByTagName('text')
[void]$texts.Item(0).AppendChild($xml.CreateTextNode($env:POSTUREWATCH_TITLE))
[void]$texts.Item(1).AppendChild($xml.CreateTextNode($env:POSTUREWATCH_BODY))
$toast = [{NS}.ToastNotification]::new($xml)
$toast.Tag = '{TOAST_TAG}'
$toast.Group = '{APP_NAME}'
$seconds = [int]$env:POSTUREWATCH_TIMEOUT_S
if ($seconds -gt 0) {{ $toast.ExpirationTime = [DateTimeOffset]::Now.AddSeconds($seconds) }}
$notifier = $manager::CreateToastNotifier('{POWERSHELL_APP_ID}')
$notifier.Show($toast)
"""


def powershell_command(executable: str = "powershell.exe") -> list[str]:
    """The argument list; the same for every prompt (the texts go in the environment)."""
    encoded = base64.b64encode(TOAST_SCRIPT.encode("utf-16-le")).decode("ascii")
    return [
        executable,
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Bypass",
        "-EncodedCommand",
        encoded,
    ]


def toast_environment(
    prompt: Prompt, settings: NotifierSettings, base: Mapping[str, str]
) -> dict[str, str]:
    """`base` plus the prompt's texts for the script to read (pure)."""
    return {
        **base,
        "POSTUREWATCH_TITLE": prompt.title,
        "POSTUREWATCH_BODY": prompt.body,
        "POSTUREWATCH_TIMEOUT_S": str(round(settings.timeout_s)),
    }


class PowershellNotifier(CommandNotifier):
    name = "powershell"

    def _show(self, prompt: Prompt) -> None:
        env = toast_environment(prompt, self.settings, os.environ)
        try:
            done = self._run(
                powershell_command(),
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
                env=env,
                # No console window flashing up for each prompt.
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise NotifierError(f"powershell toast failed: {exc}") from exc
        if done.returncode != 0:
            raise NotifierError(f"powershell toast failed: {(done.stderr or '').strip()[:300]}")

    def available(self) -> tuple[bool, str]:
        if self.platform not in ("win32", "cygwin"):
            return False, "PowerShell toasts exist on Windows only"
        path = shutil.which("powershell.exe") or shutil.which("powershell")
        if path is None:
            return False, "Windows PowerShell (powershell.exe) is not on PATH"
        return True, path
