"""What the desktop app's windows have in common: each is a top-level window with
its own title and the app's icon."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from posturewatch.desktop.drawing import app_icon


class AppWindow(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(title)
        self.setWindowIcon(app_icon())
