"""Everything the app draws itself with QPainter: the tray icon per state, the
window icon, and a simple figure per routine kind for the break window. No image
files, so nothing to ship or license."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from posturewatch.desktop.status import LOOKS, TrayState

# --------------------------------------------------------------------------- icons


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def _figure_glyph(p: QPainter, size: float, colour: QColor, slouch: float) -> None:
    """A seated person's head and back: the back curves more as `slouch` grows."""
    pen = _pen(colour, size * 0.11)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    hip = QPointF(size * 0.42, size * 0.78)
    neck = QPointF(size * (0.45 + 0.12 * slouch), size * 0.36)
    path = QPainterPath(hip)
    path.quadTo(QPointF(size * (0.34 - 0.04 * slouch), size * 0.56), neck)
    p.drawPath(path)
    p.setBrush(QBrush(colour))
    p.setPen(Qt.PenStyle.NoPen)
    r = size * 0.11
    p.drawEllipse(QPointF(neck.x() + size * 0.06 * (1 + slouch), neck.y() - r * 1.2), r, r)


def state_pixmap(state: TrayState, size: int = 64) -> QPixmap:
    """The tray icon for `state`: a coloured disc with a white figure (upright,
    slouched), a pause bar, a crossed camera or a target, so colour is not the only cue."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(LOOKS[state].colour)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawEllipse(QRectF(size * 0.04, size * 0.04, size * 0.92, size * 0.92))
    white = QColor("white")
    s = float(size)
    if state == "paused":
        p.setBrush(white)
        p.drawRoundedRect(QRectF(s * 0.32, s * 0.28, s * 0.12, s * 0.44), 2, 2)
        p.drawRoundedRect(QRectF(s * 0.56, s * 0.28, s * 0.12, s * 0.44), 2, 2)
    elif state == "camera":
        p.setBrush(white)
        p.drawRoundedRect(QRectF(s * 0.22, s * 0.36, s * 0.4, s * 0.3), 3, 3)
        tri = QPainterPath(QPointF(s * 0.62, s * 0.51))
        tri.lineTo(QPointF(s * 0.8, s * 0.38))
        tri.lineTo(QPointF(s * 0.8, s * 0.64))
        tri.closeSubpath()
        p.drawPath(tri)
        p.setPen(_pen(QColor("#3b1d00"), s * 0.08))
        p.drawLine(QPointF(s * 0.22, s * 0.26), QPointF(s * 0.8, s * 0.76))
    elif state == "calibrate":
        p.setPen(QPen(white, s * 0.07))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(s / 2, s / 2), s * 0.24, s * 0.24)
        p.setBrush(white)
        p.drawEllipse(QPointF(s / 2, s / 2), s * 0.06, s * 0.06)
    elif state == "away":
        p.setPen(_pen(white, s * 0.14))
        for i in range(3):
            x = s * (0.32 + 0.18 * i)
            p.drawPoint(QPointF(x, s * 0.5))
    else:
        slouch = {"poor": 1.0, "slipping": 0.5}.get(state, 0.0)
        _figure_glyph(p, s, white, slouch)
    p.end()
    return pix


def state_icon(state: TrayState) -> QIcon:
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        icon.addPixmap(state_pixmap(state, size))
    return icon


def app_icon() -> QIcon:
    return state_icon("good")


# ---------------------------------------------------------------------- figures

INK = QColor("#27313d")
ACCENT = QColor("#2f81f7")


class _Figure:
    """A stick figure in a box of `w` x `h`; coordinates are fractions of it."""

    def __init__(self, p: QPainter, w: float, h: float) -> None:
        self.p, self.w, self.h = p, w, h
        self.pen = _pen(INK, max(3.0, w * 0.025))
        self.pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)

    def pt(self, x: float, y: float) -> QPointF:
        return QPointF(x * self.w, y * self.h)

    def line(self, *points: tuple[float, float], colour: QColor | None = None) -> None:
        pen = QPen(self.pen)
        if colour is not None:
            pen.setColor(colour)
        self.p.setPen(pen)
        path = QPainterPath(self.pt(*points[0]))
        for point in points[1:]:
            path.lineTo(self.pt(*point))
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        self.p.drawPath(path)

    def head(self, x: float, y: float, r: float = 0.07) -> None:
        self.p.setPen(self.pen)
        self.p.setBrush(QColor("#f3f4f6"))
        self.p.drawEllipse(self.pt(x, y), r * self.h, r * self.h)

    def arrow(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        """A curved hint of the movement, in the accent colour."""
        pen = _pen(ACCENT, max(2.0, self.w * 0.015))
        self.p.setPen(pen)
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        start, end = self.pt(*a), self.pt(*b)
        self.p.drawLine(start, end)
        angle = math.atan2(end.y() - start.y(), end.x() - start.x())
        size = self.w * 0.035
        for side in (-0.5, 0.5):
            tip = QPointF(
                end.x() - size * math.cos(angle + side), end.y() - size * math.sin(angle + side)
            )
            self.p.drawLine(end, tip)

    def chair(self) -> None:
        pen = _pen(QColor("#9aa4b2"), max(3.0, self.w * 0.02))
        self.p.setPen(pen)
        self.p.drawLine(self.pt(0.3, 0.66), self.pt(0.62, 0.66))
        self.p.drawLine(self.pt(0.3, 0.66), self.pt(0.28, 0.3))
        self.p.drawLine(self.pt(0.33, 0.66), self.pt(0.33, 0.92))
        self.p.drawLine(self.pt(0.6, 0.66), self.pt(0.6, 0.92))


def _seated(f: _Figure) -> None:
    f.chair()
    f.line((0.36, 0.62), (0.37, 0.32))  # back upright
    f.line((0.36, 0.62), (0.6, 0.62), (0.62, 0.9))  # thigh, shin
    f.head(0.38, 0.22)


def _draw_exercise(f: _Figure) -> None:
    """Seated chin tuck / shoulder blades together: upright back, elbows back."""
    _seated(f)
    f.line((0.37, 0.36), (0.3, 0.48), (0.4, 0.52))  # arm pulled back
    f.arrow((0.6, 0.22), (0.5, 0.22))  # chin back
    f.arrow((0.27, 0.42), (0.21, 0.42))  # elbows back


def _draw_stretch(f: _Figure) -> None:
    """Standing reach: arms up overhead, a lengthening spine."""
    f.line((0.5, 0.9), (0.5, 0.62), (0.44, 0.92))  # legs
    f.line((0.5, 0.62), (0.5, 0.32))  # trunk
    f.line((0.5, 0.36), (0.4, 0.1))  # arms up
    f.line((0.5, 0.36), (0.6, 0.1))
    f.head(0.5, 0.24, 0.065)
    f.arrow((0.7, 0.4), (0.7, 0.16))


def _draw_self_massage(f: _Figure) -> None:
    """Seated, a hand on the opposite shoulder, small circles."""
    _seated(f)
    f.line((0.37, 0.36), (0.46, 0.44), (0.41, 0.33))  # hand to shoulder
    f.p.setPen(QPen(ACCENT, max(2.0, f.w * 0.015)))
    f.p.setBrush(Qt.BrushStyle.NoBrush)
    f.p.drawEllipse(f.pt(0.41, 0.33), f.w * 0.06, f.w * 0.06)


def _draw_movement(f: _Figure) -> None:
    """Standing up and walking a few steps away from the desk."""
    f.line((0.45, 0.62), (0.36, 0.9))  # back leg
    f.line((0.45, 0.62), (0.56, 0.76), (0.58, 0.9))  # front leg
    f.line((0.45, 0.62), (0.47, 0.32))
    f.line((0.47, 0.36), (0.38, 0.5))
    f.line((0.47, 0.36), (0.57, 0.48))
    f.head(0.48, 0.24, 0.065)
    f.arrow((0.64, 0.6), (0.84, 0.6))


DRAWINGS = {
    "exercise": _draw_exercise,
    "stretch": _draw_stretch,
    "self_massage": _draw_self_massage,
    "movement": _draw_movement,
}


def routine_picture(kind: str, width: int = 220, height: int = 220) -> QPixmap:
    """A simple figure for a routine kind (exercise, stretch, self_massage, movement);
    an unknown kind gets the seated exercise figure."""
    pix = QPixmap(width, height)
    pix.fill(QColor("#eef2f7"))
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    DRAWINGS.get(kind, _draw_exercise)(_Figure(p, float(width), float(height)))
    p.end()
    return pix
