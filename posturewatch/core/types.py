"""Plain data that flows along the pipeline.

frame source -> pose estimator -> posture metrics -> detector -> scheduler -> notifier.
Every stage after the pose estimator sees only these numbers, never pixels, so the
same stages run on a camera, a video, a folder of images or a landmark recording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

N_LANDMARKS = 33
"""MediaPipe Pose (BlazePose) topology: 33 points."""


class LM(IntEnum):
    """Indices of the BlazePose landmarks this project uses (the full list has 33)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_HIP = 23
    RIGHT_HIP = 24


View = Literal["front", "side"]
State = Literal["good", "poor", "uncertain", "away"]
Verdict = Literal["good", "poor", "unknown"]
Deviation = Literal["head_forward", "shoulder_rounding", "both", "sinking"]


@dataclass(frozen=True, slots=True)
class Landmark:
    """One point. Image landmarks: x, y normalised to the frame's width and height
    (0..1, y down), z relative depth on roughly the scale of x (smaller = nearer the
    camera). World landmarks: metres, origin between the hips, y down, z away from
    the camera. visibility: 0..1, the model's confidence the point is in view."""

    x: float
    y: float
    z: float
    visibility: float = 1.0


@dataclass(frozen=True)
class Pose:
    """The model's answer for one person: 33 image landmarks and, when the backend
    gives them, 33 world landmarks."""

    image: tuple[Landmark, ...]
    world: tuple[Landmark, ...] | None = None


@dataclass(frozen=True)
class Frame:
    """One decoded image and when it was taken. time_s is media time for a recording
    and seconds since the source opened for a camera; never written anywhere."""

    index: int
    time_s: float
    image: npt.NDArray[np.uint8] = field(repr=False)
    path: str | None = None

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class Observation:
    """What the pose stage says of one frame. Everything later needs only this, and
    it is exactly what a landmark recording stores. pose is None when no person was
    found."""

    index: int
    time_s: float
    width: int
    height: int
    pose: Pose | None
    path: str | None = None


@dataclass(frozen=True)
class PostureMetrics:
    """Posture numbers of one frame, from landmarks alone (see docs/metrics.md).

    Angles in degrees. head_forward_deg and shoulder_rounding_deg grow as posture
    gets worse. The remaining fields let the detector tell slouching from a glance
    at the keyboard, a turned head, a lean, or a camera that moved."""

    view: View
    head_forward_deg: float
    shoulder_rounding_deg: float
    lean_deg: float
    """Front: lateral lean of the trunk (+ = toward image right). Side: trunk
    inclination from vertical (+ = forward)."""
    head_yaw_deg: float
    """Head turned away from the camera, + = toward image right (front view only;
    0 in side view)."""
    head_pitch_deg: float
    """Head tipped down (+) or up (-), e.g. a glance at the keyboard, against the camera,
    not the neck. Front: from where the nose and eyes sit against the ears (typical face
    proportions), so a tilted camera shifts it. Side: the ear-to-nose line below the
    picture's horizontal, minus the 7.4 degrees it makes in a level face."""
    head_roll_deg: float
    """Head tilted sideways, + = toward image right."""
    scale: float
    """Apparent body size: shoulder width (front) or ear-to-hip length (side) as a
    fraction of the frame's diagonal. Grows as the person comes nearer."""
    distance_cm: float | None
    """Rough distance from camera to shoulders, from the face scale and a typical
    webcam field of view; None when it cannot be estimated."""
    center_x: float
    """Where the person sits, normalised image coordinates (person lock, camera
    moves): the shoulder midpoint from the front; from the side the seated hip
    when seen (slouching moves the shoulders forward, not the hip), else the
    shoulders."""
    center_y: float
    quality: float
    """0..1: landmark visibility and geometric sanity; low means do not judge."""
    face_size: float | None = None
    """Front view: the face's width (ear to ear, corrected for a turned head) as a
    fraction of the frame's diagonal; the unit F of the *_fw fields. None in side view."""
    nose_level_fw: float | None = None
    """Front view: the nose below the image centre, in face widths (+ = lower)."""
    shoulder_level_fw: float | None = None
    """Front view: the shoulder line's midpoint below the image centre, face widths."""
    ear_height_fw: float | None = None
    """Front view: the ear midpoint above the shoulder line, face widths."""
    nose_height_fw: float | None = None
    """Front view: the nose above the shoulder line, face widths."""
    shoulder_width_fw: float | None = None
    """Front view: shoulder joint to shoulder joint, face widths."""


@dataclass(frozen=True)
class DetectorUpdate:
    """The detector's judgement after one sample. time_s is epoch seconds."""

    time_s: float
    state: State
    dominant: Deviation | None = None
    """Which deviation is out of range (set while state is poor, and while a
    deviation is building up)."""
    head_dev_deg: float | None = None
    """Smoothed deviation of head_forward_deg from the baseline (+ = worse)."""
    shoulder_dev_deg: float | None = None
    """Smoothed deviation of shoulder_rounding_deg from the baseline (+ = worse)."""
    recalibrate: bool = False
    """The camera or desk changed: posture is not judged until recalibration."""
    poor_now: Deviation | None = None
    """Which deviation is out of range in this very sample (smoothed, with
    hysteresis), whether or not it has persisted yet; None when posture is within
    range or the sample was not judged. The report counts poor minutes from this,
    so they match the time actually spent slouched; prompts follow `state`."""
    reason: str = ""
    """Why uncertain or away, e.g. 'looking down', 'head turned', 'low quality',
    'nobody in view', 'setup changed'."""
    readings: Mapping[str, float] | None = None
    """Each signal's (core/thresholds.SIGNALS) smoothed deviation as a share of its
    threshold in force (1.0 = at it), for the last judged sample; None before one."""
    decided_by: str | None = None
    """Which signal puts this sample out of range (with poor_now)."""
    why: str = ""
    """That in words, with the numbers: 'sinking: head 0.31 and shoulders 0.22 face
    widths lower than calibrated'."""


RoutineTarget = Literal["head_forward", "shoulder_rounding", "sinking", "long_sitting"]
PromptKind = Literal["posture", "break"]
AnswerKind = Literal[
    "done",
    "snooze_15m",
    "snooze_1h",
    "snooze_day",
    "ignored",
    "dismissed",
    "skipped",
    "not_slouching",
]
"""skipped: declined in the break window ("Skip"), unlike dismissed (a notification closed).
not_slouching: a posture prompt marked a false alarm; the thresholds learn from it
(core/learning.py)."""


@dataclass(frozen=True)
class Routine:
    """One break routine, loaded from the package's routines.toml."""

    id: str
    title: str
    targets: tuple[RoutineTarget, ...]
    duration_s: int
    steps: tuple[str, ...]
    safety: tuple[str, ...] = ()
    kind: str = "exercise"


@dataclass(frozen=True)
class Prompt:
    """A notification the scheduler decided to show. time_s is epoch seconds."""

    id: str
    time_s: float
    kind: PromptKind
    routine: Routine
    title: str
    body: str
    level: int = 0
    """0 = normal; 1 = escalated after repeatedly ignored prompts."""


@dataclass(frozen=True)
class PromptAnswer:
    """What the user did with a prompt, from a notification action or the CLI."""

    prompt_id: str
    answer: AnswerKind
    time_s: float
