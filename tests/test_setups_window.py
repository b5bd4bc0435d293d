"""Settings > Add this setup: the name goes to the app, a refused one is shown
(pytest-qt on Qt's offscreen platform)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from posturewatch.core.errors import UserError
from posturewatch.desktop.settings import SettingsForm
from posturewatch.desktop.settings_window import SettingsWindow
from posturewatch.paths import check_profile_name


def test_add_this_setup_passes_the_name_and_shows_a_refusal(qtbot) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def add_setup(name: str) -> str | None:
        asked.append(name)
        try:
            check_profile_name(name)
        except UserError as exc:
            return str(exc)
        return None

    window = SettingsWindow(SettingsForm(), [], lambda form: None, add_setup=add_setup)
    qtbot.addWidget(window)
    window.show()
    (button,) = [b for b in window.findChildren(QPushButton) if b.text() == "Add this setup"]
    window.setup_name.setText("../etc")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.error.isVisible() and "Not added" in window.error.text()
    window.setup_name.setText(" laptop ")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked == ["../etc", "laptop"] and not window.error.isVisible()
    # Without the callback (no running app) there is no such row.
    bare = SettingsWindow(SettingsForm(), [], lambda form: None)
    qtbot.addWidget(bare)
    assert not [b for b in bare.findChildren(QPushButton) if b.text() == "Add this setup"]
