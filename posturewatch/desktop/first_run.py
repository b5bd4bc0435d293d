"""The first-run window: what the tool does and its privacy promise, the camera
with a live preview, where to put it, then a guided calibration with a countdown.

The preview draws the landmarks the pose model found on a blank canvas: the
camera's picture is never drawn, stored or sent anywhere. Camera reading and
calibration run in worker threads and talk to the window through queued signals.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from posturewatch.core.types import LM, Observation
from posturewatch.desktop.drawing import routine_picture
from posturewatch.desktop.window import AppWindow

log = logging.getLogger(__name__)

ABOUT = (
    "posturewatch watches how you sit through your webcam and suggests a short break or "
    "an upper-back exercise when you have been slouching or sitting for long."
)
PRIVACY = (
    "The camera's pictures never leave your computer's memory and are never saved: "
    "only posture numbers are kept, on this computer."
)
PLACEMENT = (
    "Put the camera in front of you at about eye height, an arm's length away, so that "
    "your face and both shoulders are in view."
)
SIT_WELL = (
    "Sit the way you mean to sit: back against the chair, feet on the floor, shoulders "
    "relaxed, head level, looking at the screen. Stay still while it records."
)
COUNTDOWN_S = 3
CAPTURE_S = 10.0
CAPTURE_FPS = 4.0
PREVIEW_STEP_S = 0.25

SKELETON = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (0, 2), (0, 5), (2, 7), (5, 8), (9, 10),
)  # fmt: skip


def in_view(obs: Observation | None, min_visibility: float = 0.5) -> str:
    """Plain words on the placement: are face and both shoulders in view?"""
    if obs is None or obs.pose is None:
        return "Nobody in view yet: sit in front of the camera."
    points = obs.pose.image

    def seen(i: int) -> bool:
        p = points[i]
        return p.visibility >= min_visibility and 0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0

    face = seen(LM.NOSE) or (seen(LM.LEFT_EYE) and seen(LM.RIGHT_EYE))
    shoulders = seen(LM.LEFT_SHOULDER) and seen(LM.RIGHT_SHOULDER)
    if not face and not shoulders:
        return "Move the camera or your chair so that your face and both shoulders are in view."
    if not face:
        return "Move the camera or your chair so that your face is in view."
    if not shoulders:
        return "Move the camera or your chair so that both shoulders are in view."
    return "Good: face and both shoulders are in view."


def explain_refusal(message: str) -> tuple[str, str]:
    """A CalibrationError message -> (why, what to change), in plain words."""
    text = message.removeprefix("calibration failed: ").strip()
    why, _, fix = text.partition("; ")
    why = why[:1].upper() + why[1:]
    fix = fix[:1].upper() + fix[1:] if fix else "Check the light and sit still, then try again."
    return why, fix


class PreviewCanvas(QWidget):
    """Landmarks on a blank canvas; never the camera's picture."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.obs: Observation | None = None
        self.message = "Starting the camera…"
        self.setMinimumSize(320, 240)

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
            pts = [QPointF(lm.x * w, lm.y * h) for lm in obs.pose.image]
            pen = QPen(QColor("#3fb950"), 3)
            p.setPen(pen)
            for a, b in SKELETON:
                if a < len(pts) and b < len(pts):
                    p.drawLine(pts[a], pts[b])
            p.setBrush(QColor("white"))
            p.setPen(Qt.PenStyle.NoPen)
            for pt in pts[:25]:
                p.drawEllipse(pt, 3.5, 3.5)
        if self.message:
            p.setPen(QColor("#d0d7de"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
        p.setPen(QColor("#8b949e"))
        p.drawText(
            self.rect().adjusted(6, 0, -6, -6),
            Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft,
            "preview on screen only, never stored",
        )
        p.end()


# ------------------------------------------------------------------------- workers


class _Bridge(QObject):
    observation = Signal(object)
    problem = Signal(str)
    countdown = Signal(int)
    recording = Signal()
    succeeded = Signal(str)
    refused = Signal(str)


OpenSource = Callable[[str], object]
"""spec -> an ObservationSource (SourceOptions(spec).open(config))."""


class PreviewWorker:
    """Reads the chosen source a few times a second and hands each observation over."""

    def __init__(self, open_source: OpenSource, spec: str, bridge: _Bridge) -> None:
        self._open, self.spec, self._bridge = open_source, spec, bridge
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="posturewatch-preview", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        source = _open_or_say_why(self._open, self.spec, self._bridge.problem.emit)
        if source is None:
            return
        try:
            while not self._stop.is_set():
                obs = source.read()  # type: ignore[attr-defined]
                if obs is None:
                    self._bridge.problem.emit("The recording has ended.")
                    return
                self._bridge.observation.emit(obs)
                self._stop.wait(PREVIEW_STEP_S)
        except Exception as exc:
            self._bridge.problem.emit(_camera_problem(exc))
        finally:
            with contextlib.suppress(Exception):
                source.close()  # type: ignore[attr-defined]


def _open_or_say_why(
    open_source: OpenSource, spec: str, say: Callable[[str], object]
) -> object | None:
    """The source of `spec`, or None once `say` has been told why it would not open."""
    try:
        return open_source(spec)
    except Exception as exc:
        say(_camera_problem(exc))
        return None


def _camera_problem(exc: Exception) -> str:
    from posturewatch.inputs.sources import CameraUnavailable

    if isinstance(exc, CameraUnavailable):
        return f"The camera is busy or missing ({exc}). Close other programs using it."
    return f"Cannot read the camera: {exc}"


@dataclass(frozen=True)
class CalibrationJob:
    """What a calibration needs; `calibrate(samples)` makes and saves the profile and
    returns its summary, raising CalibrationError when it must not be saved."""

    spec: str
    open_source: OpenSource
    compute: Callable[[Observation], object]
    calibrate: Callable[[list[object], str], str]
    countdown_s: int = COUNTDOWN_S
    seconds: float = CAPTURE_S
    fps: float = CAPTURE_FPS


class CalibrationWorker:
    def __init__(self, job: CalibrationJob, bridge: _Bridge) -> None:
        self.job, self._bridge = job, bridge
        self._thread = threading.Thread(
            target=self._run, name="posturewatch-calibrate", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout_s: float = 15.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        from posturewatch.inputs.pacing import capture

        job = self.job
        source = _open_or_say_why(job.open_source, job.spec, self._bridge.refused.emit)
        if source is None:
            return
        try:
            source.read()  # type: ignore[attr-defined]  # a busy camera fails now, before the countdown
            for remaining in range(job.countdown_s, 0, -1):
                self._bridge.countdown.emit(remaining)
                time.sleep(1.0)
            self._bridge.recording.emit()
            samples: list[object] = []
            capture(source, lambda obs: samples.append(job.compute(obs)), job.seconds, 1 / job.fps)
            description = str(getattr(source, "description", job.spec))
        except Exception as exc:
            self._bridge.refused.emit(_camera_problem(exc))
            return
        finally:
            with contextlib.suppress(Exception):
                source.close()  # type: ignore[attr-defined]
        try:
            summary = job.calibrate(samples, description)
        except Exception as exc:  # CalibrationError: the reason and the fix
            self._bridge.refused.emit(str(exc))
            return
        self._bridge.succeeded.emit(summary)


# -------------------------------------------------------------------------- window


class FirstRunWindow(AppWindow):
    """Welcome -> camera -> calibration. `calibrated(spec)` once a profile is saved
    (spec: the camera chosen); closing it early leaves the app waiting in the tray."""

    calibrated = Signal(str)

    def __init__(
        self,
        cameras: Sequence[str],
        make_job: Callable[[str], CalibrationJob],
        open_source: OpenSource | None = None,
        start_page: str = "welcome",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Welcome to posturewatch", parent)
        self._make_job = make_job
        self._open_source = open_source
        self._preview: PreviewWorker | None = None
        self._worker: CalibrationWorker | None = None
        self.bridge = _Bridge()
        self.bridge.observation.connect(self._on_observation)
        self.bridge.problem.connect(self._on_problem)
        self.bridge.countdown.connect(self._on_countdown)
        self.bridge.recording.connect(self._on_recording)
        self.bridge.succeeded.connect(self._on_succeeded)
        self.bridge.refused.connect(self._on_refused)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._welcome_page())
        self.pages.addWidget(self._camera_page(cameras))
        self.pages.addWidget(self._calibration_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(580, 480)
        if start_page == "calibrate":
            self.setWindowTitle("posturewatch calibration")
            self.show_page(2)
        elif start_page == "camera":
            self.show_page(1)

    # pages

    def _welcome_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(QLabel("<h2>Welcome to posturewatch</h2>"))
        row = QHBoxLayout()
        picture = QLabel()
        picture.setPixmap(routine_picture("exercise", 160, 160))
        row.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        for text in (ABOUT, PRIVACY):
            texts.addWidget(_wrapped(text))
        row.addLayout(texts, 1)
        v.addLayout(row)
        v.addWidget(
            _wrapped(
                "Next you choose the camera and show posturewatch how you sit well. "
                "It takes about a minute."
            )
        )
        v.addStretch(1)
        self.welcome_next = QPushButton("Next: the camera")
        self.welcome_next.clicked.connect(lambda: self.show_page(1))
        v.addLayout(_buttons(self.welcome_next))
        return page

    def _camera_page(self, cameras: Sequence[str]) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(QLabel("<h2>Your camera</h2>"))
        row = QHBoxLayout()
        row.addWidget(QLabel("Camera:"))
        self.camera = QComboBox()
        self.camera.setEditable(True)
        for spec in cameras:
            self.camera.addItem(spec)
        self.camera.currentTextChanged.connect(self._restart_preview)
        row.addWidget(self.camera, 1)
        v.addLayout(row)
        self.canvas = PreviewCanvas()
        v.addWidget(self.canvas, 1)
        self.placement = _wrapped(PLACEMENT)
        v.addWidget(self.placement)
        self.view_check = _wrapped("")
        self.view_check.setObjectName("view-check")
        v.addWidget(self.view_check)
        back = QPushButton("Back")
        back.clicked.connect(lambda: self.show_page(0))
        self.camera_next = QPushButton("Next: calibration")
        self.camera_next.clicked.connect(lambda: self.show_page(2))
        v.addLayout(_buttons(back, self.camera_next))
        return page

    def _calibration_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(QLabel("<h2>Calibration</h2>"))
        v.addWidget(_wrapped(SIT_WELL))
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.countdown.font()
        font.setPointSize(font.pointSize() * 3)
        self.countdown.setFont(font)
        v.addWidget(self.countdown)
        self.result = _wrapped("")
        self.result.setObjectName("result")
        self.result.setTextFormat(Qt.TextFormat.RichText)
        v.addWidget(self.result, 1)
        self.start_button = QPushButton("Start calibration")
        self.start_button.clicked.connect(self.start_calibration)
        self.finish_button = QPushButton("Finish")
        self.finish_button.clicked.connect(self.close)
        self.finish_button.hide()
        v.addLayout(_buttons(self.start_button, self.finish_button))
        return page

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        focus = (self.welcome_next, self.camera_next, self.start_button)[index]
        focus.setFocus()
        if index == 1:
            self._restart_preview()
        else:
            self._stop_preview()

    def chosen_camera(self) -> str:
        return self.camera.currentText().strip()

    # preview

    def _restart_preview(self, *_: object) -> None:
        self._stop_preview()
        if self._open_source is None or self.pages.currentIndex() != 1:
            return
        self.canvas.show_message("Starting the camera…")
        self._preview = PreviewWorker(self._open_source, self.chosen_camera(), self.bridge)
        self._preview.start()

    def _stop_preview(self) -> None:
        if self._preview is not None:
            self._preview.stop()
            self._preview = None

    def _on_observation(self, obs: Observation) -> None:
        if self._preview is None:
            return
        self.canvas.show_observation(obs)
        self.view_check.setText(in_view(obs))

    def _on_problem(self, text: str) -> None:
        if self.pages.currentIndex() == 1:
            self.canvas.show_message(text)
            self.view_check.setText(text)

    # calibration

    def start_calibration(self) -> None:
        self._stop_preview()
        self.start_button.setEnabled(False)
        self.result.setText("Opening the camera…")
        self._worker = CalibrationWorker(self._make_job(self.chosen_camera()), self.bridge)
        self._worker.start()

    def _on_countdown(self, remaining: int) -> None:
        self.result.setText("Get ready: sit well and look at the screen.")
        self.countdown.setText(str(remaining))

    def _on_recording(self) -> None:
        self.countdown.setText("hold still")
        self.result.setText("Recording your posture for a few seconds…")

    def _on_succeeded(self, summary: str) -> None:
        self.countdown.setText("done")
        self.result.setText(
            "<b>Calibrated.</b> posturewatch now watches in the background: its icon is "
            "in the tray, and it will suggest a break when one is due. Work in more than "
            "one place (a laptop, a standing desk, a second monitor)? Sit there and use "
            "Settings &gt; Add this setup; posturewatch switches between them by itself."
            "<br><small>" + summary.replace("\n", "<br>") + "</small>"
        )
        self.start_button.hide()
        self.finish_button.show()
        self.finish_button.setFocus()
        self.calibrated.emit(self.chosen_camera())

    def _on_refused(self, message: str) -> None:
        why, fix = explain_refusal(message)
        self.countdown.setText("")
        self.result.setText(
            f"<b>Not calibrated.</b><br>Why: {why}.<br>What to change: {fix}.".replace("..", ".")
        )
        self.start_button.setText("Try again")
        self.start_button.setEnabled(True)
        self.start_button.setFocus()

    def closeEvent(self, event: object) -> None:
        self._stop_preview()
        super().closeEvent(event)  # type: ignore[arg-type]


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row


def list_cameras(configured: str, extra: Sequence[str] = (), dev: Path = Path("/dev")) -> list[str]:
    """Cameras to offer: the given source first, the configured one, /dev/video*."""
    found = [str(p) for p in sorted(dev.glob("video*"))] if dev.is_dir() else []
    return list(dict.fromkeys([*extra, configured, *found]))
