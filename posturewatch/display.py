"""Is there a screen to open a window on? Asked before Qt is started (Qt aborts the
process without one) and before Show me opens the break window."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

NO_DISPLAY = (
    "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset): run it in "
    "a desktop session, or use `posturewatch start` to watch without windows"
)


def display_available(
    environ: Mapping[str, str] | None = None, platform: str = sys.platform
) -> bool:
    """True on macOS and Windows (the session always has a screen) and where X11 or
    Wayland is named; Qt's offscreen platform counts as a display (tests, screenshots)."""
    env = os.environ if environ is None else environ
    if not (platform.startswith("linux") or "bsd" in platform):
        return True
    if env.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal", "vnc")):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
