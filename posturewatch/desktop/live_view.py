"""The live view: what posturewatch sees and thinks right now, from the tray.

The landmarks the pose model found are drawn on a blank canvas (never the camera's
picture), beside one gauge per deviation against the calibration (how far from
the calibrated posture, and where the line is), and a sentence on what the tool
would do next. The first-run window's preview uses the same canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from posturewatch.core.types import DetectorUpdate, Observation
from posturewatch.desktop import style
from posturewatch.desktop.window import AppWindow

SKELETON = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (0, 2), (0, 5), (2, 7), (5, 8), (9, 10),
)  # fmt: skip


class PreviewCanvas(QWidget):
    """Landmarks on a blank canvas; never the camera's picture."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.obs: Observation | None = None
        self.message = "Starting the camera…"
        self.setMinimumSize(320, 220)

    def show_observation(self, obs: Observation | None) -> None:
        self.obs = obs
        self.message = "" if obs is not None and obs.pose is not None else "Nobody in view"
        self.update()

    def show_message(self, text: str) -> None:
        self.obs, self.message = None, text
        self.update()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#1f2630"))
        w, h = float(self.width()), float(self.height())
        obs = self.obs
        if obs is not None and obs.pose is not None:
            # Keep the picture's proportions, centred (a 4:3 camera in a wide canvas).
            aspect = obs.width / obs.height if obs.height else 4 / 3
            draw_w, draw_h = min(w, h * aspect), min(h, w / aspect)
            x0, y0 = (w - draw_w) / 2, (h - draw_h) / 2
            pts = [QPointF(x0 + lm.x * draw_w, y0 + lm.y * draw_h) for lm in obs.pose.image]
            p.setPen(QPen(QColor("#3fb950"), 3))
            for a, b in SKELETON:
                if a < len(pts) and b < len(pts):
                    p.drawLine(pts[a], pts[b])
            p.setBrush(QColor("white"))
            p.setPen(Qt.PenStyle.NoPen)
            for pt in pts[:25]:
                p.drawEllipse(pt, 3.5, 3.5)
        if self.message:
            p.setPen(QColor("#d0d7de"))
            p.drawText(
                self.rect().adjusted(12, 12, -12, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.message,
            )
        p.setPen(QColor("#8b949e"))
        p.drawText(
            self.rect().adjusted(8, 6, -8, 0),
            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft,
            "landmarks only: the picture is never shown or stored",
        )
        p.end()


class Gauge(QWidget):
    """One signal's reading: its deviation from the calibration as a share of the
    threshold in force (1.0 = at the line). The bar runs to twice the threshold,
    the line is marked; green well below it, amber near it, red beyond."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.share: float | None = None
        self.setMinimumSize(160, 18)

    def set_share(self, share: float | None) -> None:
        self.share = share
        self.update()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(1, 3, -1, -3)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(style.colour("alt")))
        p.drawRoundedRect(r, 4, 4)
        if self.share is not None:
            fill = max(0.0, min(1.0, self.share / 2))
            colour = "#2ea043" if self.share < 0.75 else "#d4a72c" if self.share < 1 else "#d64541"
            p.setBrush(QColor(colour))
            bar = QRectF(r.left(), r.top(), max(6.0, r.width() * fill), r.height())
            p.drawRoundedRect(bar, 4, 4)
        x = r.left() + r.width() / 2
        p.setPen(QPen(QColor(style.colour("text")), 2))
        p.drawLine(QPointF(x, r.top() - 2), QPointF(x, r.bottom() + 2))
        p.end()


SIGNAL_LABELS = {
    "head_forward": "Head forward",
    "shoulders_rounded": "Shoulders rounded",
    "sinking": "Sinking in the chair",
    "neck": "Neck tipped",
    "lean_in": "Leaning in",
}
"""core/thresholds.SIGNALS in words, in that order."""


def share_text(share: float | None) -> str:
    """A reading as the share of the way to its line; better than calibrated is 0."""
    return "–" if share is None else f"{round(max(0.0, share) * 100)} %"


class LiveViewWindow(AppWindow):
    """`show_observation`, `show_update` and `show_next` are fed by the app while
    the window is open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("posturewatch live view", parent)
        layout = QVBoxLayout(self)
        style.page_margins(layout)
        layout.addWidget(style.heading("What posturewatch sees"))
        self.canvas = PreviewCanvas()
        self.canvas.show_message("Waiting for the next check…")
        layout.addWidget(self.canvas, 1)
        grid = QGridLayout()
        grid.setHorizontalSpacing(style.SPACING)
        grid.setVerticalSpacing(style.SPACING // 2)
        self.gauges: dict[str, Gauge] = {}
        self.figures: dict[str, QLabel] = {}
        for row, (key, label) in enumerate(SIGNAL_LABELS.items()):
            grid.addWidget(QLabel(label), row, 0)
            gauge = self.gauges[key] = Gauge()
            grid.addWidget(gauge, row, 1)
            figure = self.figures[key] = QLabel("–")
            figure.setMinimumWidth(figure.fontMetrics().horizontalAdvance("8888 %"))
            figure.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(figure, row, 2)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addWidget(
            style.hint(
                "Each bar: how far you are from your calibrated posture, as a share of the "
                "way to the line where it counts as slouching (your sensitivity and "
                "answers move the line)."
            )
        )
        self.state = QLabel("")
        self.state.setObjectName("state")
        self.state.setWordWrap(True)
        self.state.setMinimumHeight(2 * self.state.fontMetrics().lineSpacing())
        layout.addWidget(self.state)
        self.next = style.hint("")
        self.next.setMinimumHeight(2 * self.next.fontMetrics().lineSpacing())
        layout.addWidget(self.next)
        self.resize(480, 640)

    def show_observation(self, obs: Observation) -> None:
        self.canvas.show_observation(obs)

    def show_update(self, update: DetectorUpdate, words: str) -> None:
        readings = update.readings or {}
        for key, gauge in self.gauges.items():
            share = readings.get(key)
            gauge.set_share(share)
            self.figures[key].setText(share_text(share))
        self.state.setText(words)

    def show_next(self, text: str) -> None:
        self.next.setText(text)
