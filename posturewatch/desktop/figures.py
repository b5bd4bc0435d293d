"""A figure per routine for the break window: a stick person drawn with QPainter from
a few keyframes that are interpolated into a loop, as Workrave's exercises are
shown. Each routine has its own keyframes (and props: a chair, a doorway, a foam
roller), so the picture shows the movement the steps describe; a routine from a
user's file without its own figure gets the one of its kind.

Coordinates are fractions of the picture (x right, y down). A pose names the
joints below; `face` is a dot showing where the person looks (a side view puts it
ahead of the head, a front view beside the centre when the head turns)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

Point = tuple[float, float]
Pose = Mapping[str, Point]

INK = QColor("#27313d")
FAR = QColor("#8391a3")
ACCENT = QColor("#2f81f7")
PROP = QColor("#9aa4b2")
SKIN = QColor("#f3f4f6")
BACKGROUND = QColor("#eef2f7")

JOINTS = ("head", "face", "neck", "ls", "rs", "le", "lh", "re", "rh", "hip", "lk", "lf", "rk", "rf")
"""l* joints are drawn behind (lighter) in a side view: the far arm and leg."""


@dataclass(frozen=True)
class Figure:
    """Keyframes looped over `cycle_s`, the props around them and the arrows that
    hint at the movement (static, in the accent colour)."""

    keyframes: tuple[Pose, ...]
    cycle_s: float = 3.0
    props: tuple[str, ...] = ()
    arrows: tuple[tuple[Point, Point], ...] = ()
    side: bool = True
    """Side view: the far limbs are drawn lighter."""


def _pose(base: Pose, **moved: Point) -> dict[str, Point]:
    return {**base, **moved}


def _shift(pose: Pose, dx: float, dy: float = 0.0, skip: tuple[str, ...] = ()) -> dict[str, Point]:
    return {k: v if k in skip else (v[0] + dx, v[1] + dy) for k, v in pose.items()}


SEATED_SIDE: Pose = {
    "head": (0.44, 0.21), "face": (0.52, 0.21), "neck": (0.42, 0.32),
    "ls": (0.42, 0.34), "rs": (0.42, 0.34),
    "le": (0.45, 0.50), "lh": (0.58, 0.50), "re": (0.44, 0.50), "rh": (0.57, 0.52),
    "hip": (0.40, 0.63),
    "lk": (0.62, 0.62), "lf": (0.64, 0.90), "rk": (0.62, 0.64), "rf": (0.62, 0.90),
}  # fmt: skip
SEATED_FRONT: Pose = {
    "head": (0.50, 0.19), "face": (0.50, 0.20), "neck": (0.50, 0.30),
    "ls": (0.39, 0.34), "rs": (0.61, 0.34),
    "le": (0.35, 0.49), "lh": (0.40, 0.62), "re": (0.65, 0.49), "rh": (0.60, 0.62),
    "hip": (0.50, 0.62),
    "lk": (0.42, 0.70), "lf": (0.42, 0.92), "rk": (0.58, 0.70), "rf": (0.58, 0.92),
}  # fmt: skip
STANDING_FRONT: Pose = {
    "head": (0.50, 0.13), "face": (0.50, 0.14), "neck": (0.50, 0.24),
    "ls": (0.40, 0.28), "rs": (0.60, 0.28),
    "le": (0.37, 0.42), "lh": (0.36, 0.55), "re": (0.63, 0.42), "rh": (0.64, 0.55),
    "hip": (0.50, 0.56),
    "lk": (0.45, 0.74), "lf": (0.44, 0.93), "rk": (0.55, 0.74), "rf": (0.56, 0.93),
}  # fmt: skip
STANDING_SIDE: Pose = {
    "head": (0.46, 0.13), "face": (0.54, 0.13), "neck": (0.45, 0.24),
    "ls": (0.45, 0.26), "rs": (0.45, 0.26),
    "le": (0.45, 0.41), "lh": (0.47, 0.54), "re": (0.45, 0.41), "rh": (0.47, 0.54),
    "hip": (0.45, 0.56),
    "lk": (0.46, 0.74), "lf": (0.46, 0.93), "rk": (0.45, 0.74), "rf": (0.45, 0.93),
}  # fmt: skip
LYING: Pose = {
    "head": (0.22, 0.60), "face": (0.22, 0.53), "neck": (0.31, 0.62),
    "ls": (0.32, 0.62), "rs": (0.32, 0.62),
    "le": (0.27, 0.50), "lh": (0.22, 0.58), "re": (0.28, 0.51), "rh": (0.23, 0.59),
    "hip": (0.60, 0.72),
    "lk": (0.72, 0.54), "lf": (0.80, 0.78), "rk": (0.73, 0.55), "rf": (0.81, 0.78),
}  # fmt: skip


def _walk(stride: float) -> dict[str, Point]:
    s = stride
    return _pose(
        STANDING_SIDE,
        lk=(0.46 + 0.08 * s, 0.74), lf=(0.46 + 0.16 * s, 0.93),
        rk=(0.45 - 0.06 * s, 0.75), rf=(0.45 - 0.16 * s, 0.93),
        le=(0.45 - 0.06 * s, 0.40), lh=(0.45 - 0.12 * s, 0.52),
        re=(0.45 + 0.06 * s, 0.40), rh=(0.47 + 0.12 * s, 0.51),
    )  # fmt: skip


# fmt: off
FIGURES: dict[str, Figure] = {
    "chin-tucks": Figure(
        (
            _pose(SEATED_SIDE, re=(0.50, 0.45), rh=(0.55, 0.29)),
            _pose(SEATED_SIDE, head=(0.40, 0.21), face=(0.48, 0.22), re=(0.47, 0.45),
                  rh=(0.51, 0.29)),
            _pose(SEATED_SIDE, head=(0.40, 0.21), face=(0.48, 0.22), re=(0.47, 0.45),
                  rh=(0.51, 0.29)),
        ),
        cycle_s=2.4,
        props=("chair",),
        arrows=(((0.66, 0.14), (0.56, 0.14)),),
    ),
    "reverse-presses": Figure(
        (
            _pose(
                SEATED_FRONT,
                le=(0.28, 0.38), lh=(0.28, 0.22), re=(0.72, 0.38), rh=(0.72, 0.22),
            ),
            _pose(
                SEATED_FRONT, ls=(0.41, 0.35), rs=(0.59, 0.35),
                le=(0.32, 0.44), lh=(0.31, 0.28), re=(0.68, 0.44), rh=(0.69, 0.28),
            ),
        ),
        cycle_s=2.0,
        props=("stool",),
        arrows=(((0.2, 0.36), (0.2, 0.46)), ((0.8, 0.36), (0.8, 0.46))),
        side=False,
    ),
    "chest-opener": Figure(
        (
            _pose(STANDING_SIDE, le=(0.56, 0.27), lh=(0.58, 0.14), re=(0.56, 0.28),
                  rh=(0.58, 0.15)),
            _shift(
                _pose(STANDING_SIDE, head=(0.47, 0.14), face=(0.55, 0.14),
                      le=(0.56, 0.27), lh=(0.58, 0.14), re=(0.56, 0.28), rh=(0.58, 0.15),
                      lk=(0.56, 0.74), lf=(0.60, 0.93)),
                0.04, skip=("le", "lh", "re", "rh", "lf", "rf"),
            ),
        ),
        cycle_s=3.6,
        props=("doorway",),
        arrows=(((0.30, 0.36), (0.42, 0.36)),),
    ),
    "shoulder-rolls": Figure(
        (
            STANDING_FRONT,
            _shift(STANDING_FRONT, 0, -0.05, skip=("hip", "lk", "lf", "rk", "rf", "head",
                                                     "face", "neck")),
            _shift(STANDING_FRONT, 0, 0.02, skip=("hip", "lk", "lf", "rk", "rf", "head",
                                                    "face", "neck")),
        ),
        cycle_s=2.4,
        arrows=(((0.26, 0.30), (0.26, 0.20)), ((0.74, 0.30), (0.74, 0.20))),
        side=False,
    ),
    "thumb-crawl": Figure(
        (
            _pose(SEATED_FRONT, le=(0.30, 0.42), lh=(0.42, 0.33), re=(0.70, 0.42),
                  rh=(0.58, 0.33)),
            _pose(SEATED_FRONT, le=(0.33, 0.40), lh=(0.47, 0.31), re=(0.67, 0.40),
                  rh=(0.53, 0.31)),
        ),
        cycle_s=2.0,
        props=("stool",),
        arrows=(((0.34, 0.24), (0.44, 0.24)), ((0.66, 0.24), (0.56, 0.24))),
        side=False,
    ),
    "neck-turns": Figure(
        (
            _pose(SEATED_FRONT, face=(0.44, 0.20)),
            _pose(SEATED_FRONT, face=(0.56, 0.20)),
            _pose(SEATED_FRONT, head=(0.46, 0.20), face=(0.46, 0.21)),
            _pose(SEATED_FRONT, head=(0.54, 0.20), face=(0.54, 0.21)),
        ),
        cycle_s=5.0,
        props=("stool",),
        arrows=(((0.40, 0.08), (0.60, 0.08)),),
        side=False,
    ),
    "foam-roller": Figure(
        (LYING, _shift(LYING, -0.05, skip=("lf", "rf")), _shift(LYING, 0.04, skip=("lf", "rf"))),
        cycle_s=3.0,
        props=("floor", "roller"),
        arrows=(((0.40, 0.42), (0.58, 0.42)),),
    ),
    "sit-back-reset": Figure(
        (
            _pose(SEATED_SIDE, head=(0.54, 0.28), face=(0.62, 0.29), neck=(0.49, 0.38),
                  ls=(0.49, 0.40), rs=(0.49, 0.40), le=(0.52, 0.55), lh=(0.64, 0.55),
                  re=(0.51, 0.55), rh=(0.63, 0.57), hip=(0.50, 0.65)),
            SEATED_SIDE,
            SEATED_SIDE,
        ),
        cycle_s=3.0,
        props=("chair",),
        arrows=(((0.56, 0.74), (0.44, 0.74)), ((0.30, 0.20), (0.30, 0.08))),
    ),
    "stand-and-walk": Figure(
        (_walk(1.0), _walk(-1.0)),
        cycle_s=1.2,
        arrows=(((0.64, 0.40), (0.84, 0.40)),),
    ),
}
# fmt: on

BY_KIND = {
    "exercise": "chin-tucks",
    "stretch": "neck-turns",
    "self_massage": "thumb-crawl",
    "movement": "stand-and-walk",
}
"""A routine without a figure of its own shows its kind's."""


def figure_for(routine_id: str, kind: str = "exercise") -> Figure:
    return FIGURES.get(routine_id) or FIGURES[BY_KIND.get(kind, "chin-tucks")]


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)


def pose_at(figure: Figure, phase: float) -> dict[str, Point]:
    """The pose at `phase` (0..1 of the loop): keyframes in turn, eased in and out,
    the last flowing back into the first."""
    frames = figure.keyframes
    if len(frames) == 1:
        return dict(frames[0])
    position = (phase % 1.0) * len(frames)
    index = int(position)
    t = _ease(position - index)
    a, b = frames[index], frames[(index + 1) % len(frames)]
    return {k: (a[k][0] + (b[k][0] - a[k][0]) * t, a[k][1] + (b[k][1] - a[k][1]) * t) for k in a}


class _Painter:
    def __init__(self, p: QPainter, w: float, h: float) -> None:
        self.p, self.w, self.h = p, w, h
        self.width = max(3.0, w * 0.028)

    def pt(self, xy: Point) -> QPointF:
        return QPointF(xy[0] * self.w, xy[1] * self.h)

    def pen(self, colour: QColor, scale: float = 1.0) -> QPen:
        pen = QPen(colour, self.width * scale)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def line(self, colour: QColor, *points: Point, scale: float = 1.0) -> None:
        self.p.setPen(self.pen(colour, scale))
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(self.pt(points[0]))
        for point in points[1:]:
            path.lineTo(self.pt(point))
        self.p.drawPath(path)

    def arrow(self, a: Point, b: Point) -> None:
        self.line(ACCENT, a, b, scale=0.6)
        start, end = self.pt(a), self.pt(b)
        angle = math.atan2(end.y() - start.y(), end.x() - start.x())
        size = self.w * 0.035
        for side in (-0.5, 0.5):
            tip = QPointF(
                end.x() - size * math.cos(angle + side), end.y() - size * math.sin(angle + side)
            )
            self.p.drawLine(end, tip)


def _props(d: _Painter, props: tuple[str, ...]) -> None:
    for prop in props:
        if prop == "chair":
            d.line(PROP, (0.30, 0.66), (0.62, 0.66), scale=0.8)
            d.line(PROP, (0.31, 0.66), (0.29, 0.30), scale=0.8)
            d.line(PROP, (0.33, 0.66), (0.33, 0.93), scale=0.8)
            d.line(PROP, (0.60, 0.66), (0.60, 0.93), scale=0.8)
        elif prop == "stool":
            d.line(PROP, (0.32, 0.66), (0.68, 0.66), scale=0.8)
            d.line(PROP, (0.34, 0.66), (0.34, 0.93), scale=0.8)
            d.line(PROP, (0.66, 0.66), (0.66, 0.93), scale=0.8)
        elif prop == "doorway":
            d.p.setPen(Qt.PenStyle.NoPen)
            d.p.setBrush(QColor("#d5dbe3"))
            d.p.drawRect(QRectF(d.pt((0.60, 0.04)), d.pt((0.66, 0.95))))
        elif prop == "floor":
            d.line(PROP, (0.06, 0.80), (0.94, 0.80), scale=0.8)
        elif prop == "roller":
            d.p.setPen(d.pen(PROP, 0.6))
            d.p.setBrush(QColor("#c9d3df"))
            d.p.drawEllipse(d.pt((0.38, 0.72)), d.w * 0.07, d.h * 0.07)


def _person(d: _Painter, pose: Pose, side: bool) -> None:
    far = FAR if side else INK
    d.line(far, pose["hip"], pose["lk"], pose["lf"])
    d.line(far, pose["ls"], pose["le"], pose["lh"])
    d.line(INK, pose["neck"], pose["hip"])
    d.line(INK, pose["ls"], pose["neck"], pose["rs"])
    d.line(INK, pose["hip"], pose["rk"], pose["rf"])
    d.line(INK, pose["rs"], pose["re"], pose["rh"])
    d.p.setPen(d.pen(INK, 0.8))
    d.p.setBrush(SKIN)
    r = 0.07 * d.h
    d.p.drawEllipse(d.pt(pose["head"]), r, r)
    d.p.setPen(Qt.PenStyle.NoPen)
    d.p.setBrush(INK)
    d.p.drawEllipse(d.pt(pose["face"]), d.w * 0.012, d.w * 0.012)


def draw_figure(p: QPainter, figure: Figure, phase: float, width: float, height: float) -> None:
    d = _Painter(p, width, height)
    _props(d, figure.props)
    for a, b in figure.arrows:
        d.arrow(a, b)
    _person(d, pose_at(figure, phase), figure.side)


def figure_image(
    routine_id: str, kind: str = "exercise", phase: float = 0.0, width: int = 220, height: int = 220
) -> QImage:
    """One frame of a routine's figure (needs no screen, so tests and the offscreen
    platform can compare frames)."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(BACKGROUND)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_figure(p, figure_for(routine_id, kind), phase, float(width), float(height))
    p.end()
    return image


FRAME_MS = 40
"""25 frames a second: smooth enough, and idle between frames."""


class AnimatedFigure(QWidget):
    """The routine's figure, moving through its loop while the widget is shown."""

    def __init__(
        self,
        routine_id: str,
        kind: str = "exercise",
        size: int = 200,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.figure = figure_for(routine_id, kind)
        self.setFixedSize(size, size)
        self.setAccessibleName(f"moving figure of {routine_id.replace('-', ' ')}")
        self._clock = QElapsedTimer()
        self._clock.start()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.update)
        self._timer.start()

    @property
    def phase(self) -> float:
        return (self._clock.elapsed() / 1000.0 / self.figure.cycle_s) % 1.0

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), BACKGROUND)
        draw_figure(p, self.figure, self.phase, float(self.width()), float(self.height()))
        p.end()
