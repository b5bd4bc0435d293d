"""An optional tray icon for the background instance: a coloured dot for the current
state and a small menu (pause 30 minutes, resume, calibrate, today's report, quit).

Optional by design: pystray and Pillow are imported only here and only when a tray
is asked for; with no display, no tray on the desktop, or either library missing,
`start_tray` returns None and the service runs exactly the same without it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

TrayState = str
"""'good', 'poor', 'uncertain', 'away' (the detector's states) or 'paused'."""

STATE_COLOURS: dict[TrayState, tuple[int, int, int]] = {
    "good": (46, 160, 67),
    "poor": (214, 69, 65),
    "uncertain": (222, 170, 30),
    "away": (150, 150, 150),
    "paused": (70, 110, 200),
}
STATE_LABELS: dict[TrayState, str] = {
    "good": "posture good",
    "poor": "posture needs a break",
    "uncertain": "not judging right now",
    "away": "nobody at the desk",
    "paused": "paused",
}
POLL_S = 2.0
"""How often the icon asks the service for its state: the dot is a glance, not a gauge."""


@dataclass(frozen=True)
class TrayActions:
    """What the menu entries do; the service supplies these, the tray only calls them."""

    pause_30m: Callable[[], None]
    resume: Callable[[], None]
    calibrate: Callable[[], None]
    open_report: Callable[[], None]
    quit: Callable[[], None]


def menu_entries(actions: TrayActions) -> list[tuple[str, Callable[[], None]]]:
    """The menu, top to bottom, as (label, action): plain data, so it is testable
    without a display."""
    return [
        ("Pause for 30 minutes", actions.pause_30m),
        ("Resume", actions.resume),
        ("Calibrate…", actions.calibrate),
        ("Open today's report", actions.open_report),
        ("Quit posturewatch", actions.quit),
    ]


def icon_image(state: TrayState, size: int = 64) -> Any:
    """A filled circle in the state's colour on a transparent square (a Pillow image).
    Paused gets two bars so it reads without colour vision too."""
    from PIL import Image, ImageDraw

    colour = STATE_COLOURS.get(state, STATE_COLOURS["uncertain"])
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = max(1, size // 16)
    draw.ellipse((margin, margin, size - 1 - margin, size - 1 - margin), fill=(*colour, 255))
    if state == "paused":
        bar_w, bar_h = size // 8, size // 2.5
        top = (size - bar_h) / 2
        for left in (size * 0.34, size * 0.66 - bar_w):
            draw.rectangle((left, top, left + bar_w, top + bar_h), fill=(255, 255, 255, 255))
    return image


def _display_available() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _xorg_tray_present() -> bool:
    """pystray's plain-X11 backend needs a system tray (the _NET_SYSTEM_TRAY_Sn
    selection owner); without one it logs tracebacks and never shows."""
    try:
        import Xlib.display
        import Xlib.X
    except ImportError:
        return False
    display = Xlib.display.Display()
    try:
        atom = display.intern_atom(f"_NET_SYSTEM_TRAY_S{display.get_default_screen()}")
        owner = display.get_selection_owner(atom)
        return bool(owner) and owner != Xlib.X.NONE
    finally:
        display.close()


class TrayIcon:
    """A running pystray icon whose colour follows `state_fn()`."""

    def __init__(self, icon: Any, state_fn: Callable[[], TrayState]) -> None:
        self._icon = icon
        self._state_fn = state_fn
        self._stop = threading.Event()
        self.state: TrayState = ""
        self._thread = threading.Thread(target=self._follow, name="posturewatch-tray", daemon=True)

    def start(self) -> TrayIcon:
        self._icon.run_detached()
        self._icon.visible = True
        self._thread.start()
        return self

    def refresh(self) -> None:
        """Redraw if the state changed (called every POLL_S seconds)."""
        try:
            state = self._state_fn()
        except Exception:  # the tray is decoration; never let it take the service down
            log.debug("tray could not read the state", exc_info=True)
            return
        if state != self.state:
            self.state = state
            self._icon.icon = icon_image(state)
            self._icon.title = f"posturewatch: {STATE_LABELS.get(state, state)}"

    def _follow(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self._stop.wait(POLL_S)

    def stop(self) -> None:
        self._stop.set()
        try:
            self._icon.stop()
        except Exception:
            log.debug("tray icon did not stop cleanly", exc_info=True)


def start_tray(actions: TrayActions, state_fn: Callable[[], TrayState]) -> TrayIcon | None:
    """Show the icon if this desktop can; None (and one log line) if it cannot."""
    if not _display_available():
        log.info("no tray: no display")
        return None
    try:
        import pystray
    except Exception as exc:  # ImportError, or a backend failing to reach the display
        log.info("no tray: pystray unavailable (%s)", exc)
        return None
    try:
        if pystray.Icon.__module__.endswith("_xorg") and not _xorg_tray_present():
            log.info("no tray: the desktop has no system tray")
            return None

        def item(label: str, action: Callable[[], None]) -> Any:
            return pystray.MenuItem(label, lambda _icon, _item: action())

        entries = [item(label, action) for label, action in menu_entries(actions)]
        icon = pystray.Icon(
            "posturewatch",
            icon=icon_image("uncertain"),
            title="posturewatch",
            menu=pystray.Menu(*entries),
        )
        return TrayIcon(icon, state_fn).start()
    except Exception as exc:
        log.info("no tray: %s", exc)
        return None
