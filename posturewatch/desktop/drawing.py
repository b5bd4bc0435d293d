"""Everything the app draws itself with QPainter: the tray icon per state, the
window icon, and a still of a routine's figure (figures.py draws them). No image
files, so nothing to ship or license."""

from __future__ import annotations

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


def routine_picture(routine: str, width: int = 220, height: int = 220) -> QPixmap:
    """A still of a routine's figure (by routine id, or by kind: exercise, stretch,
    self_massage, movement); the break window shows it moving (desktop/figures.py)."""
    from posturewatch.desktop.figures import figure_image

    return QPixmap.fromImage(figure_image(routine, routine, 0.0, width, height))
