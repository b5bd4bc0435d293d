"""The Qt tray icon and its menu; every entry is a signal the app connects."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from posturewatch.desktop.drawing import state_icon
from posturewatch.desktop.status import LOOKS, TrayState, today_lines


class Tray(QObject):
    pause = Signal(str)
    """'15m', '1h' or 'tomorrow'."""
    resume = Signal()
    calibrate = Signal()
    slouching = Signal()
    """"I'm slouching now": a slouch it missed, to learn from (core/learning.py)."""
    report = Signal()
    settings = Signal()
    live_view = Signal()
    quit = Signal()
    menu_opening = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state: TrayState = "starting"
        self.icon = QSystemTrayIcon(state_icon("starting"))
        self.icon.setToolTip("posturewatch: starting…")
        self.menu = QMenu()
        self.menu.setObjectName("posturewatch-menu")
        self.headline = self._info(LOOKS["starting"].label)
        self.next_break = self._info("")
        self.next_break.setVisible(False)
        self.today = [self._info(text) for text in today_lines(None)]
        self.today.append(self._info(""))
        self.today[-1].setVisible(False)
        self.snooze = self._info("")
        self.snooze.setVisible(False)
        self.menu.addSeparator()
        self.pause_actions = {
            "15m": self._item("Pause for 15 minutes", lambda: self.pause.emit("15m")),
            "1h": self._item("Pause for 1 hour", lambda: self.pause.emit("1h")),
            "tomorrow": self._item("Pause until tomorrow", lambda: self.pause.emit("tomorrow")),
        }
        self.resume_action = self._item("Resume", self.resume.emit)
        self.slouching_action = self._item("I'm slouching now", self.slouching.emit)
        self.menu.addSeparator()
        self.live_action = self._item("Live view…", self.live_view.emit)
        self.calibrate_action = self._item("Calibrate…", self.calibrate.emit)
        self.report_action = self._item("Today's report…", self.report.emit)
        self.settings_action = self._item("Settings…", self.settings.emit)
        self.menu.addSeparator()
        self.quit_action = self._item("Quit posturewatch", self.quit.emit)
        self.menu.aboutToShow.connect(self.menu_opening.emit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.set_state("starting", "posturewatch: starting…")

    def _info(self, text: str) -> QAction:
        action = self.menu.addAction(text)
        action.setEnabled(False)
        return action

    def _item(self, text: str, slot: Any) -> QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(slot)
        return action

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.MiddleClick,
        ):
            self.popup_menu()

    def popup_menu(self) -> None:
        """Open the menu beside the icon, kept on the icon's screen."""
        self.menu_opening.emit()
        area = self.icon.geometry()
        pos = area.bottomLeft()
        screen = QGuiApplication.screenAt(area.center()) or QGuiApplication.primaryScreen()
        if screen is not None:
            bounds = screen.availableGeometry()
            size = self.menu.sizeHint()
            pos.setX(max(bounds.left(), min(pos.x(), bounds.right() - size.width())))
            if pos.y() + size.height() > bounds.bottom():
                pos.setY(max(bounds.top(), area.top() - size.height()))
        self.menu.popup(pos)

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def set_state(self, state: TrayState, tip: str) -> None:
        if state != self.state:
            self.state = state
            self.icon.setIcon(state_icon(state))
        self.icon.setToolTip(tip)
        # One menu line: the tooltip's lines side by side, names kept as written.
        line = " · ".join(tip.removeprefix("posturewatch: ").splitlines())
        self.headline.setText(line[:1].upper() + line[1:])
        paused = state == "paused"
        self.resume_action.setVisible(paused)
        self.slouching_action.setVisible(not paused)  # nothing is watched to learn from
        for action in self.pause_actions.values():
            action.setVisible(not paused)

    def set_next_break(self, text: str) -> None:
        self.next_break.setText(text)
        self.next_break.setVisible(bool(text))

    def set_watching(self, watching: bool) -> None:
        """Without a running monitor (no calibration yet) there is nothing to pause
        or to see live: those entries are greyed out rather than doing nothing."""
        for action in (*self.pause_actions.values(), self.live_action):
            action.setEnabled(watching)

    def set_snooze(self, text: str) -> None:
        """'Prompts snoozed until 11:05' while a snooze runs; hidden otherwise."""
        self.snooze.setText(text)
        self.snooze.setVisible(bool(text))

    def set_today(self, today: dict[str, Any] | None) -> None:
        lines = today_lines(today)
        for action, text in zip(self.today, [*lines, ""], strict=False):
            action.setText(text)
            action.setVisible(bool(text))
        if self.menu.isVisible():  # longer lines widen it: keep it on the screen
            self.menu.adjustSize()
            screen = self.menu.screen()
            bounds = screen.availableGeometry() if screen is not None else None
            if bounds is not None and self.menu.geometry().right() > bounds.right():
                self.menu.move(bounds.right() - self.menu.width() + 1, self.menu.y())
