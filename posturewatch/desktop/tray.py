"""The tray icon of `posturewatch gui`: its look shows the state, its menu gives
today's figures, pause, resume, calibrate, today's report, settings and quit.

(`posturewatch start` no longer draws a tray of its own: the pystray icon it used
could not work beside a Qt app, so start_tray() is kept only so `start` runs on,
trayless, and says where the tray is.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrayActions:
    """Kept for `posturewatch start`; see start_tray."""

    pause_30m: Callable[[], None]
    resume: Callable[[], None]
    calibrate: Callable[[], None]
    open_report: Callable[[], None]
    quit: Callable[[], None]


def start_tray(actions: TrayActions, state: Callable[[], str]) -> Any:
    log.info("no tray icon for `posturewatch start`: run `posturewatch gui` for one")
    return None


def make_tray(parent: Any = None) -> Any:
    """The Qt tray (imports PySide6 only when asked)."""
    from posturewatch.desktop.tray_icon import Tray

    return Tray(parent)
