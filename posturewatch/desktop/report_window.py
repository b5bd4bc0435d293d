"""Today's report from the tray: the text report in a window, with a button for the
full page in the browser and where that page is saved. Something is always shown,
also on a machine where no browser opens."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from posturewatch.desktop import style
from posturewatch.desktop.window import AppWindow


class ReportWindow(AppWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("posturewatch: today's report", parent)
        self.page: Path | None = None
        layout = QVBoxLayout(self)
        style.page_margins(layout)
        layout.addWidget(style.heading("Today"))
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText("Reading today's figures…")
        layout.addWidget(self.text, 1)
        self.where = style.hint("")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.where)
        row = QHBoxLayout()
        row.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        self.open_button = QPushButton("Open the full page")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_page)
        self.open_button.setDefault(True)
        row.addWidget(close)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        self.resize(720, 560)

    def show_report(self, text: str, page: Path | None) -> None:
        self.text.setPlainText(text.strip() or "No figures for today yet.")
        self.page = page if page is not None and page.exists() else None
        self.open_button.setEnabled(self.page is not None)
        self.where.setText(
            f"The full page, with charts, is saved at {self.page}" if self.page else ""
        )

    def open_page(self) -> None:
        if self.page is None:
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.page))):
            self.where.setText(
                f"No browser could be opened here. The page is saved at {self.page}: "
                "open it in any browser."
            )
