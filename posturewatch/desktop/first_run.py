"""The first-run window: what the tool does and its privacy promise, the camera
with a live preview, where to put it, then a guided calibration with a countdown
and the same live picture, and the result in words.

It cannot dead-end: only cameras that exist are offered; Next waits for the
camera's first picture and a camera that fails says what to do; every page has
Back and Cancel; with no camera at all it says so and offers to go on without
calibration (the app then waits for a camera and asks again when one appears).

The preview draws the landmarks the pose model found on a blank canvas (live_view):
the camera's picture is never drawn, stored or sent anywhere. Camera reading and
calibration run in worker threads and talk to the window through queued signals.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal
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
from posturewatch.desktop import style
from posturewatch.desktop.drawing import routine_picture, state_pixmap
from posturewatch.desktop.live_view import PreviewCanvas
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
HOW_IT_WORKS = (
    "It looks through the camera about once a second while you sit, and compares your "
    "posture with the way you sit when you sit well (the calibration, next).",
    "When a slouch lasts, or you have sat for long, it suggests a short exercise or a "
    "break, with the steps shown. Never more than a few a day.",
    "The tray icon shows how you sit now; its menu pauses it, shows a live view, today's "
    "figures and a report.",
)
SLOUCH = (
    "Optional, and it helps: now sit the way you do when you are tired, slumped as you "
    "usually are, eyes on the screen (not on the keyboard, not turned away). It records "
    "a few seconds, so posturewatch notices your own slouch sooner."
)
COUNTDOWN_S = 3
CAPTURE_S = 10.0
CAPTURE_FPS = 4.0
PREVIEW_STEP_S = 0.25

NO_CAMERA = (
    "posturewatch found no camera on this computer. It needs a webcam that sees your "
    "face and shoulders. Plug one in: this page notices it by itself."
)
WITHOUT_CAMERA = (
    "You can also go on without one: posturewatch then waits in the tray and asks "
    "you to calibrate as soon as a camera appears."
)
CAMERA_ADVICE = (
    "Close the program that may be using it (a video call), check that it is plugged "
    "in, or choose another camera."
)
CAMERA_SCAN_MS = 3000
"""How often the pages without a working camera look for one again."""


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
    text = message.removeprefix("calibration failed: ").removeprefix("slouch not taken: ").strip()
    why, _, fix = text.partition("; ")
    why = why[:1].upper() + why[1:]
    fix = (
        fix[:1].upper() + fix[1:]
        if fix
        else "Sit facing the camera, still and in good light, then try again."
    )
    return why, fix


def calibration_words(baseline: object) -> tuple[str, str]:
    """A saved calibration -> (one sentence for people, the numbers for "details")."""
    from posturewatch.core.baseline import Baseline, describe

    assert isinstance(baseline, Baseline)
    where = "camera in front of you" if baseline.view == "front" else "camera at your side"
    words = f"Calibrated: sitting upright, {where}"
    if baseline.has("distance_cm"):
        words += f", about {round(baseline.centre('distance_cm') / 5) * 5:.0f} cm from the screen"
    return words + ".", describe(baseline)


# ------------------------------------------------------------------------- workers


class _Bridge(QObject):
    observation = Signal(object)
    problem = Signal(str)
    camera_failed = Signal(str)
    countdown = Signal(int)
    recording = Signal()
    succeeded = Signal(str, str)
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
    """What went wrong with the source, in a sentence (the advice is the window's)."""
    from posturewatch.inputs.sources import CameraUnavailable

    if isinstance(exc, CameraUnavailable):
        return "This camera cannot be used right now: it is busy, unplugged or not allowed."
    return f"This source cannot be read: {exc}"


@dataclass(frozen=True)
class CalibrationJob:
    """What a calibration needs; `calibrate(samples)` makes and saves the profile and
    returns its summary, raising CalibrationError when it must not be saved."""

    spec: str
    open_source: OpenSource
    compute: Callable[[Observation], object]
    calibrate: Callable[[list[object], str], tuple[str, str]]
    """(samples, source description) -> (the result in words, the numbers)."""
    countdown_s: int = COUNTDOWN_S
    seconds: float = CAPTURE_S
    fps: float = CAPTURE_FPS


class _Cancelled(Exception):
    pass


class CalibrationWorker:
    """Countdown, capture and save in a thread; cancel() (Back, Cancel, closing the
    window) stops it before anything is saved."""

    def __init__(self, job: CalibrationJob, bridge: _Bridge) -> None:
        self.job, self._bridge = job, bridge
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="posturewatch-calibrate", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def _look(self, source: object) -> None:
        """One live picture (and a busy camera fails here, before the countdown)."""
        if self._cancel.is_set():
            raise _Cancelled
        obs = source.read()  # type: ignore[attr-defined]
        if obs is not None:
            self._bridge.observation.emit(obs)

    def join(self, timeout_s: float = 15.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        from posturewatch.inputs.pacing import capture

        job = self.job
        bridge = self._bridge
        source = _open_or_say_why(job.open_source, job.spec, bridge.camera_failed.emit)
        if source is None:
            return
        try:
            self._look(source)
            for remaining in range(job.countdown_s, 0, -1):
                bridge.countdown.emit(remaining)
                for _ in range(4):
                    time.sleep(0.25)
                    self._look(source)
            bridge.recording.emit()
            samples: list[object] = []

            def take(obs: Observation) -> None:
                if self._cancel.is_set():
                    raise _Cancelled
                samples.append(job.compute(obs))
                bridge.observation.emit(obs)  # the same live picture while it records

            capture(source, take, job.seconds, 1 / job.fps)
            description = str(getattr(source, "description", job.spec))
        except _Cancelled:
            return
        except Exception as exc:
            bridge.camera_failed.emit(_camera_problem(exc))
            return
        finally:
            with contextlib.suppress(Exception):
                source.close()  # type: ignore[attr-defined]
        if self._cancel.is_set():
            return
        try:
            words, details = job.calibrate(samples, description)
        except Exception as exc:  # CalibrationError: the reason and the fix
            bridge.refused.emit(str(exc))
            return
        bridge.succeeded.emit(words, details)


# -------------------------------------------------------------------------- window

WELCOME, CAMERA, NO_CAMERA_PAGE, CALIBRATE = range(4)

Cameras = Sequence[tuple[str, str]]
"""(spec for --source, label to show)."""


class FirstRunWindow(AppWindow):
    """Welcome -> camera (or "no camera") -> calibration. `calibrated(spec)` once a
    profile is saved (spec: the camera chosen); `without_camera()` when the person
    goes on without one; closing it early leaves the app waiting in the tray."""

    calibrated = Signal(str)
    without_camera = Signal()

    def __init__(
        self,
        cameras: Cameras,
        make_job: Callable[[str], CalibrationJob],
        open_source: OpenSource | None = None,
        start_page: str = "welcome",
        parent: QWidget | None = None,
        find_cameras: Callable[[], Cameras] | None = None,
        make_slouch_job: Callable[[str], CalibrationJob] | None = None,
    ) -> None:
        super().__init__("Welcome to posturewatch", parent)
        self._make_job = make_job
        self._make_slouch_job = make_slouch_job
        self._slouching = False
        """The shown-slouch step (after sitting well) is the one running or shown."""
        self._done: str | None = None
        """The camera calibrated with, told by `calibrated` when the window is done
        (with a slouch step to come, the monitor must not take the camera yet)."""
        self._open_source = open_source
        self._find_cameras = find_cameras
        self._preview: PreviewWorker | None = None
        self._worker: CalibrationWorker | None = None
        self._camera_works = open_source is None  # nothing to preview: trust the choice
        self.bridge = _Bridge()
        self.bridge.observation.connect(self._on_observation)
        self.bridge.problem.connect(self._on_problem)
        self.bridge.camera_failed.connect(self._on_camera_failed)
        self.bridge.countdown.connect(self._on_countdown)
        self.bridge.recording.connect(self._on_recording)
        self.bridge.succeeded.connect(self._on_succeeded)
        self.bridge.refused.connect(self._on_refused)
        self._scan = QTimer(self)
        self._scan.setInterval(CAMERA_SCAN_MS)
        self._scan.timeout.connect(self._rescan)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._welcome_page())
        self.pages.addWidget(self._camera_page(cameras))
        self.pages.addWidget(self._no_camera_page())
        self.pages.addWidget(self._calibration_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.setMinimumSize(560, 480)
        self.resize(600, 500)
        if start_page == "calibrate":
            self.setWindowTitle("posturewatch calibration")
            self.show_page(CALIBRATE)
        elif start_page == "camera":
            self.show_page(self._camera_or_none())
        else:
            self.show_page(WELCOME)

    # pages

    def _page(self, title: str) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        v = QVBoxLayout(page)
        style.page_margins(v)
        v.addWidget(style.heading(title))
        return page, v

    def _nav(self, v: QVBoxLayout, back: int | None, *buttons: QPushButton) -> None:
        """Back (when there is a page before) and Cancel on every page, then `buttons`."""
        row = QHBoxLayout()
        if back is not None:
            button = QPushButton("Back")
            button.clicked.connect(lambda: self._back(back))
            row.addWidget(button)
        row.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.setToolTip("Close this window; posturewatch waits in the tray")
        cancel.clicked.connect(self.close)
        row.addWidget(cancel)
        for b in buttons:
            row.addWidget(b)
        v.addLayout(row)

    def _back(self, page: int) -> None:
        if page == CAMERA:
            page = self._camera_or_none()
        self.show_page(page)

    def _welcome_page(self) -> QWidget:
        page, v = self._page("Welcome to posturewatch")
        row = QHBoxLayout()
        row.setSpacing(2 * style.SPACING)
        picture = QLabel()
        picture.setPixmap(routine_picture("exercise", 180, 180))
        row.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(style.SPACING)
        for text in (ABOUT, PRIVACY):
            texts.addWidget(_wrapped(text))
        texts.addStretch(1)
        row.addLayout(texts, 1)
        v.addLayout(row)
        v.addSpacing(style.SPACING)
        v.addWidget(style.subheading("How it works"))
        for number, text in enumerate(HOW_IT_WORKS, 1):
            line = _wrapped(f"{number}.&nbsp;&nbsp;{text}")
            line.setTextFormat(Qt.TextFormat.RichText)
            v.addWidget(line)
        v.addStretch(1)
        v.addWidget(
            style.hint(
                "Next you choose the camera and show posturewatch how you sit well. "
                "It takes about a minute."
            )
        )
        self.welcome_next = QPushButton("Next: the camera")
        self.welcome_next.setDefault(True)
        self.welcome_next.clicked.connect(lambda: self.show_page(self._camera_or_none()))
        self._nav(v, None, self.welcome_next)
        return page

    def _camera_page(self, cameras: Cameras) -> QWidget:
        page, v = self._page("Your camera")
        row = QHBoxLayout()
        row.addWidget(QLabel("Camera:"))
        self.camera = QComboBox()
        self._fill_cameras(cameras)
        self.camera.currentIndexChanged.connect(self._on_camera_chosen)
        row.addWidget(self.camera, 1)
        v.addLayout(row)
        self.canvas = PreviewCanvas()
        v.addWidget(self.canvas, 1)
        self.placement = style.hint(PLACEMENT)
        v.addWidget(self.placement)
        self.view_check = _wrapped("")
        self.view_check.setObjectName("view-check")
        self.view_check.setMinimumHeight(2 * self.view_check.fontMetrics().lineSpacing())
        v.addWidget(self.view_check)
        self.camera_next = QPushButton("Next: calibration")
        self.camera_next.setDefault(True)
        self.camera_next.clicked.connect(lambda: self.show_page(CALIBRATE))
        self._nav(v, WELCOME, self.camera_next)
        return page

    def _no_camera_page(self) -> QWidget:
        page, v = self._page("No camera found")
        row = QHBoxLayout()
        row.setSpacing(2 * style.SPACING)
        icon = QLabel()
        icon.setPixmap(state_pixmap("camera", 128))
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.addWidget(_wrapped(NO_CAMERA))
        texts.addWidget(_wrapped(WITHOUT_CAMERA))
        texts.addWidget(style.hint(PLACEMENT))
        row.addLayout(texts, 1)
        v.addLayout(row)
        v.addSpacing(2 * style.SPACING)
        self.scan_state = _wrapped("")
        self.scan_state.setObjectName("scan-state")
        v.addWidget(self.scan_state)
        v.addStretch(1)
        self.without_button = QPushButton("Go on without a camera")
        self.without_button.clicked.connect(self._go_on_without)
        self._nav(v, WELCOME, self.without_button)
        return page

    def _calibration_page(self) -> QWidget:
        page, v = self._page("Calibration")
        self.instructions = _wrapped(SIT_WELL)
        self.instructions.setMinimumHeight(3 * self.instructions.fontMetrics().lineSpacing())
        v.addWidget(self.instructions)
        self.calib_canvas = PreviewCanvas()
        self.calib_canvas.show_message("The camera starts when you press Start")
        # The numbers ("Details") take the live picture's place: the window keeps its size.
        self.calib_area = QStackedWidget()
        self.calib_area.addWidget(self.calib_canvas)
        v.addWidget(self.calib_area, 1)
        row = QHBoxLayout()
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.countdown.font()
        font.setPointSize(font.pointSize() * 2)
        font.setBold(True)
        self.countdown.setFont(font)
        self.countdown.setMinimumWidth(self.countdown.fontMetrics().horizontalAdvance("hold still"))
        row.addWidget(self.countdown)
        self.result = _wrapped("")
        self.result.setObjectName("result")
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setMinimumHeight(4 * self.result.fontMetrics().lineSpacing())
        row.addWidget(self.result, 1)
        v.addLayout(row)
        self.details = QLabel("")
        self.details.setObjectName("details")
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setStyleSheet("font-family: monospace;")
        self.calib_area.addWidget(self.details)
        self.details_button = QPushButton("&Details")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(
            lambda on: self.calib_area.setCurrentWidget(self.details if on else self.calib_canvas)
        )
        self.details_button.hide()
        self.start_button = QPushButton("Start calibration")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start_calibration)
        self.slouch_button = QPushButton("&Show my slouch…")
        self.slouch_button.setToolTip("Optional: a few seconds sitting as you do when tired")
        self.slouch_button.clicked.connect(self._to_slouch)
        self.slouch_button.hide()
        self.finish_button = QPushButton("&Finish")
        self.finish_button.clicked.connect(self.close)
        self.finish_button.hide()
        row2 = QHBoxLayout()
        row2.addWidget(self.details_button)
        row2.addStretch(1)
        v.addLayout(row2)
        self._nav(v, CAMERA, self.slouch_button, self.start_button, self.finish_button)
        return page

    def show_page(self, index: int) -> None:
        if index != CALIBRATE:
            self._cancel_calibration()
        self.pages.setCurrentIndex(index)
        focus = (self.welcome_next, self.camera_next, self.without_button, self.start_button)
        focus[index].setFocus()
        if index == CAMERA:
            self._restart_preview()
        else:
            self._stop_preview()
        if index in (CAMERA, NO_CAMERA_PAGE) and self._find_cameras is not None:
            self._scan.start()
            if index == NO_CAMERA_PAGE:
                self.scan_state.setText(
                    f"Looking for a camera every {CAMERA_SCAN_MS // 1000} seconds…"
                )
        else:
            self._scan.stop()

    def chosen_camera(self) -> str:
        data = self.camera.currentData()
        return str(data) if data is not None else self.camera.currentText().strip()

    # cameras

    def _fill_cameras(self, cameras: Cameras) -> None:
        chosen = self.chosen_camera() if self.camera.count() else None
        self.camera.blockSignals(True)
        self.camera.clear()
        for spec, label in cameras:
            self.camera.addItem(label, spec)
        if chosen is not None and self.camera.findData(chosen) >= 0:
            self.camera.setCurrentIndex(self.camera.findData(chosen))
        self.camera.blockSignals(False)

    def select_camera(self, spec: str) -> None:
        index = self.camera.findData(spec)
        if index >= 0:
            self.camera.setCurrentIndex(index)

    def _camera_or_none(self) -> int:
        return CAMERA if self.camera.count() else NO_CAMERA_PAGE

    def _rescan(self) -> None:
        """A camera plugged in (or pulled out) while a camera page is shown."""
        if self._find_cameras is None:
            return
        found = list(self._find_cameras())
        self.scan_state.setText(
            f"Looking for a camera every {CAMERA_SCAN_MS // 1000} seconds… "
            f"none found at {time.strftime('%H:%M:%S')}."
            if not found
            else ""
        )
        current = [
            (str(self.camera.itemData(i)), self.camera.itemText(i))
            for i in range(self.camera.count())
        ]
        if found == current:
            return
        self._fill_cameras(found)
        page = self.pages.currentIndex()
        if page == NO_CAMERA_PAGE and found:
            self.show_page(CAMERA)
        elif page == CAMERA and not found:
            self.show_page(NO_CAMERA_PAGE)
        elif page == CAMERA:
            self._restart_preview()

    def _go_on_without(self) -> None:
        self.without_camera.emit()
        self.close()

    # preview

    def _on_camera_chosen(self, *_: object) -> None:
        self._restart_preview()

    def _restart_preview(self, *_: object) -> None:
        self._stop_preview()
        if self._open_source is None or self.pages.currentIndex() != CAMERA:
            return
        self._camera_works = False
        self.camera_next.setEnabled(False)
        self.canvas.show_message("Starting the camera…")
        self.view_check.setText("")
        self._preview = PreviewWorker(self._open_source, self.chosen_camera(), self.bridge)
        self._preview.start()

    def _stop_preview(self) -> None:
        if self._preview is not None:
            self._preview.stop()
            self._preview = None

    def _on_observation(self, obs: Observation) -> None:
        page = self.pages.currentIndex()
        if page == CAMERA and self._preview is not None:
            self.canvas.show_observation(obs)
            self.view_check.setText(in_view(obs))
            if not self._camera_works:
                self._camera_works = True
                self.camera_next.setEnabled(True)
                self.camera_next.setFocus()
        elif page == CALIBRATE and self._worker is not None:
            self.calib_canvas.show_observation(obs)

    def _on_problem(self, text: str) -> None:
        if self.pages.currentIndex() != CAMERA:
            return
        if text == "The recording has ended.":
            self.canvas.show_message(text)
            self.view_check.setText(text)  # it played: calibration can use it
            return
        self._camera_works = False
        self.camera_next.setEnabled(False)
        self.canvas.show_message("No picture from this camera")
        self.view_check.setText(f"<b>{text}</b> {CAMERA_ADVICE}")

    # calibration

    def start_calibration(self) -> None:
        self._stop_preview()
        self.start_button.setEnabled(False)
        self.details_button.hide()
        self.details_button.setChecked(False)
        self.result.setText("Opening the camera…")
        self.calib_canvas.show_message("Starting the camera…")
        make = self._make_slouch_job if self._slouching else self._make_job
        assert make is not None
        self._worker = CalibrationWorker(make(self.chosen_camera()), self.bridge)
        self._worker.start()

    def _to_slouch(self) -> None:
        """The optional second step: the person shows how they slouch."""
        self._slouching = True
        self.instructions.setText(SLOUCH)
        self.countdown.setText("")
        self.result.setText("")
        self.slouch_button.hide()
        self.details_button.setChecked(False)
        self.details_button.hide()  # the upright step's numbers
        self.start_button.setText("Start")
        self.start_button.setEnabled(True)
        self.start_button.show()
        self.start_button.setFocus()
        self.finish_button.setText("&Skip")
        self.calib_canvas.show_message("The camera starts when you press Start")

    def _on_countdown(self, remaining: int) -> None:
        if self._worker is None:
            return  # from a calibration cancelled meanwhile
        self.result.setText("Get ready: sit well and look at the screen.")
        self.countdown.setText(str(remaining))

    def _on_recording(self) -> None:
        if self._worker is None:
            return  # from a calibration cancelled meanwhile
        self.countdown.setText("hold still")
        self.result.setText("Recording your posture for a few seconds…")

    def _on_succeeded(self, words: str, details: str) -> None:
        if self._worker is None:
            return  # from a calibration cancelled meanwhile
        self._worker = None
        self.countdown.setText("✓")
        self.result.setText(
            f"<b>{words}</b><br>posturewatch now watches in the background: its icon is in "
            "the tray, and it suggests a break when one is due. More than one place (a "
            "laptop, a second monitor)? Sit there and use Settings &gt; Add this setup."
        )
        self.details.setText(details)
        self.details_button.setVisible(bool(details))
        self.start_button.hide()
        self.finish_button.setText("&Finish")
        self.finish_button.show()
        self.finish_button.setDefault(True)
        self.finish_button.setFocus()
        offer_slouch = self._make_slouch_job is not None and not self._slouching
        self.slouch_button.setVisible(offer_slouch)
        if offer_slouch:
            self.result.setText(
                f"<b>{words}</b><br>Optional: show posturewatch how you slouch when tired "
                "(a few seconds), so it notices your own slouch sooner. Or Finish: it "
                "watches from the tray."
            )
            self._done = self.chosen_camera()  # told when the window is done
        else:
            self._done = None
            self.calibrated.emit(self.chosen_camera())

    def _on_refused(self, message: str) -> None:
        if self._worker is None:
            return  # from a calibration cancelled meanwhile
        why, fix = explain_refusal(message)
        self._not_calibrated(why, fix)

    def _on_camera_failed(self, text: str) -> None:
        if self._worker is None:
            return  # from a calibration cancelled meanwhile
        self.calib_canvas.show_message("No picture from this camera")
        self._not_calibrated(
            text.rstrip("."),
            "Go Back and choose another camera, or close the program that may be using "
            "this one (a video call), then Try again",
        )

    def _not_calibrated(self, why: str, fix: str) -> None:
        self._worker = None
        self.countdown.setText("")
        self.result.setText(
            f"<b>{'Slouch not taken' if self._slouching else 'Not calibrated'}.</b><br>"
            f"Why: {why}.<br>What to change: {fix}".rstrip(".")
            + "."
        )
        self.start_button.setText("Try again")
        self.start_button.setEnabled(True)
        self.start_button.setFocus()
        if self._slouching:
            self.finish_button.setText("&Finish without it")

    def _cancel_calibration(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
            self.countdown.setText("")
            self.result.setText("")
            self.start_button.setEnabled(True)
            self.calib_canvas.show_message("The camera starts when you press Start")

    def closeEvent(self, event: object) -> None:
        self._cancel_calibration()
        self._stop_preview()
        self._scan.stop()
        if self._done is not None:  # calibrated, the slouch shown or skipped
            spec, self._done = self._done, None
            self.calibrated.emit(spec)
        super().closeEvent(event)  # type: ignore[arg-type]


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def camera_choices(cameras: Sequence[object], extra: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(spec, label) for the camera list: a given --source first (a recording), then
    the cameras that exist (sources.list_cameras' CameraInfo)."""
    from posturewatch.inputs.sources import CameraInfo

    choices = [(spec, spec) for spec in extra]
    for camera in cameras:
        assert isinstance(camera, CameraInfo)
        choices.append((camera.spec, camera.label))
    return list(dict((spec, (spec, label)) for spec, label in choices).values())
