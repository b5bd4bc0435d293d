"""Backend "plyer": plyer's notification facade (macOS and Windows, and Linux as a
second choice: with no dbus-python it runs notify-send).

No buttons and no replacing, so the same prompt is never shown twice but prompts
may stack. plyer's own proxy prints a traceback when its platform module cannot
load; this backend loads that module itself so a missing piece becomes one clear
"not available" instead.
"""

from __future__ import annotations

import importlib
import shutil
import warnings
from typing import Any

from posturewatch.core.types import Prompt
from posturewatch.notifiers import APP_NAME, Notifier, NotifierError, NotifierSettings
from posturewatch.notifiers.dbus import NO_SESSION_BUS, session_bus_address


def _load_implementation() -> Any:
    """plyer's notification class for this platform, or NotifierError saying what is missing."""
    try:
        from plyer.facades import Notification
        from plyer.utils import platform
    except ImportError as exc:
        raise NotifierError(f"plyer is not installed ({exc}); pip install plyer") from None
    try:
        module = importlib.import_module(f"plyer.platforms.{platform}.notification")
        with warnings.catch_warnings():
            # plyer warns when it falls back from dbus-python to notify-send; that is expected.
            warnings.simplefilter("ignore")
            impl = module.instance()
    except Exception as exc:
        raise NotifierError(f"plyer cannot notify on {platform}: {exc}") from None
    if type(impl) is Notification:
        raise NotifierError(f"plyer has no notification implementation on {platform}")
    return impl


class PlyerNotifier(Notifier):
    name = "plyer"

    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings
        self._impl: Any = None

    def _implementation(self) -> Any:
        if self._impl is None:
            self._impl = _load_implementation()
        return self._impl

    def _show(self, prompt: Prompt) -> None:
        impl = self._implementation()
        try:
            impl.notify(
                title=prompt.title,
                message=prompt.body,
                app_name=APP_NAME,
                timeout=max(1, round(self.settings.timeout_s)),
            )
        except Exception as exc:
            raise NotifierError(f"plyer failed: {type(exc).__name__}: {exc}") from exc

    def available(self) -> tuple[bool, str]:
        try:
            impl = self._implementation()
        except NotifierError as exc:
            return False, str(exc)
        kind = type(impl).__name__
        module = type(impl).__module__
        if ".linux." in module:
            # On Linux plyer needs a session bus, and its notify-send route ignores failures.
            if session_bus_address() is None:
                return False, NO_SESSION_BUS
            if kind == "NotifySendNotification" and shutil.which("notify-send") is None:
                return False, "install notify-send (Debian/Ubuntu: apt install libnotify-bin)"
        return True, f"plyer {kind}"
