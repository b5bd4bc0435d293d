"""One look for every window: Qt's Fusion style with a calm palette (light or dark,
following the desktop's scheme), one spacing and one kind of heading.

Fusion draws the same on every platform and desktop, so the screenshots in
docs/screenshots are what people see; the colours are muted blues and greys with
one accent, so a posture tool does not shout.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QBoxLayout, QLabel

SPACING = 10
"""The gap between controls; margins are twice it."""

LIGHT = {
    "window": "#f5f6f8",
    "base": "#ffffff",
    "alt": "#eef0f3",
    "text": "#1f2933",
    "muted": "#5f6b7a",
    "button": "#e9ecf0",
    "accent": "#3d6fb6",
    "accent_text": "#ffffff",
    "good": "#2e7d4f",
    "error": "#b42318",
    "canvas": "#1f2630",
}
DARK = {
    "window": "#1e2228",
    "base": "#262b33",
    "alt": "#2c323b",
    "text": "#e6e9ee",
    "muted": "#9aa4b2",
    "button": "#323842",
    "accent": "#6a9be0",
    "accent_text": "#10141a",
    "good": "#5cc08a",
    "error": "#ff8a80",
    "canvas": "#151a20",
}


def is_dark(qt: QApplication) -> bool:
    """POSTUREWATCH_THEME=dark|light decides; else the desktop's colour scheme."""
    wanted = os.environ.get("POSTUREWATCH_THEME", "").lower()
    if wanted in ("dark", "light"):
        return wanted == "dark"
    return qt.styleHints().colorScheme() == Qt.ColorScheme.Dark


def colours(dark: bool) -> dict[str, str]:
    return DARK if dark else LIGHT


_current = LIGHT


def colour(name: str) -> str:
    """A colour of the palette in force (for widgets that paint themselves)."""
    return _current[name]


def apply(qt: QApplication, dark: bool | None = None) -> None:
    """Fusion, the palette and the few style rules every window shares."""
    global _current
    dark = is_dark(qt) if dark is None else dark
    c = _current = colours(dark)
    qt.setStyle("Fusion")
    p = QPalette()
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "base"),
        (role.AlternateBase, "alt"),
        (role.Text, "text"),
        (role.Button, "button"),
        (role.ButtonText, "text"),
        (role.Highlight, "accent"),
        (role.HighlightedText, "accent_text"),
        (role.ToolTipBase, "base"),
        (role.ToolTipText, "text"),
        (role.PlaceholderText, "muted"),
        (role.Link, "accent"),
    ):
        p.setColor(r, QColor(c[key]))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(disabled, r, QColor(c["muted"]))
    qt.setPalette(p)
    qt.setStyleSheet(
        f"""
        QLabel#heading {{ font-size: 15pt; font-weight: 600; }}
        QLabel#subheading {{ font-weight: 600; }}
        QLabel#hint {{ color: {c["muted"]}; }}
        QLabel#error {{ color: {c["error"]}; }}
        QLabel#confirmation {{ color: {c["good"]}; }}
        QPushButton {{ padding: 5px 14px; }}
        """
    )


def heading(text: str) -> QLabel:
    """The title line of a window or page (one size and weight everywhere)."""
    label = QLabel(text)
    label.setObjectName("heading")
    label.setWordWrap(True)
    return label


def subheading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("subheading")
    return label


def hint(text: str) -> QLabel:
    """Secondary text, muted."""
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def page_margins(layout: QBoxLayout) -> None:
    layout.setContentsMargins(2 * SPACING, 2 * SPACING, 2 * SPACING, 2 * SPACING)
    layout.setSpacing(SPACING)
