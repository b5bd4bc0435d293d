"""The pose estimator: the only stage that sees pixels.

Two MediaPipe backends, the same Observation out of either (33 BlazePose landmarks,
normalised image coordinates and world metres):
- "lite": the Tasks PoseLandmarker with the lite model bundled in this package
  (data/models/pose_landmarker_lite.task, sha256-checked on load; Apache-2.0, its
  NOTICE beside it). Runs on every mediapipe release with the Tasks API, so on
  every Python from 3.10 to 3.14; streams use VIDEO mode (tracking from the last
  frame instead of detecting the person on every frame).
- "full": MediaPipe's legacy `mp.solutions.pose` full model, which ships inside
  the mediapipe 0.10.x wheels (Python <= 3.12 only).
A user's own `.task` file (`--model`) goes through the Tasks backend. Nothing is
ever downloaded. Which backend is the default, and why, is in the README.

"No person" is a result (`Observation.pose is None`), not an exception; low
visibility shows in each landmark's visibility and later in the frame's quality.
mediapipe is imported only when an estimator is built, so replaying a landmark
recording never loads it.

MediaPipe's C++ core and TensorFlow Lite write start-up chatter straight to the
process's stderr ("INFO: Created TensorFlow Lite XNNPACK delegate", W0000/I0000
lines) and ignore GLOG_minloglevel and TF_CPP_MIN_LOG_LEVEL. It would break the
CLI's promise of one line on stderr per problem, so stderr is pointed at /dev/null
while the model loads, closes, and until it has answered about a person once (the
last of those lines comes with the first person found). Set
POSTUREWATCH_MODEL_LOGS=1 to see them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from posturewatch.core.errors import UserError
from posturewatch.core.settings import check_between
from posturewatch.core.types import Frame, Landmark, Observation, Pose
from posturewatch.inputs.native_logs import quiet_native_logs

Backend = Literal["lite", "full"]
DEFAULT_BACKEND: Backend = "lite"
"""Chosen by measurement (README, "Which pose model"): as accurate as the full model
on the licensed front and side sets, faster, and installable on every Python."""
FULL_MODEL_NAME = "mediapipe-pose-full"
LITE_MODEL_FILE = "pose_landmarker_lite.task"
LITE_MODEL_SHA256 = "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a"


@dataclass(frozen=True)
class PoseSettings:
    """Which pose model to run ([pose] in the config)."""

    backend: Literal["auto", "lite", "full"] = "auto"
    """auto: the measured default (lite); full: the legacy full model, where the
    installed mediapipe still has it (Python <= 3.12 with mediapipe 0.10.x)."""
    skip_still: bool = True
    """Reuse the last landmarks while the camera picture does not change (inputs/still.py)."""
    still_max_diff: float = 8.0
    """Largest change of one 32x24 thumbnail pixel, in grey levels (0-255), that
    still counts as nothing new."""
    still_max_reuse_s: float = 10.0
    """The model runs at least this often, however still the picture."""

    def __post_init__(self) -> None:
        if self.backend not in ("auto", *get_args(Backend)):
            raise ValueError("backend: must be auto, lite or full")
        check_between("still_max_diff", self.still_max_diff, 0.0, 255.0, "grey levels")
        check_between("still_max_reuse_s", self.still_max_reuse_s, 0.0, 600.0, "seconds")


def _landmarks(items: Any) -> tuple[Landmark, ...]:
    # Runs twice per frame: the fields are floats already (Tasks may leave
    # visibility None).
    return tuple([Landmark(p.x, p.y, p.z, p.visibility or 0.0) for p in items])


class PoseEstimator(ABC):
    """Frame in, Observation out."""

    name: str = ""
    version: str = ""

    @abstractmethod
    def estimate(self, frame: Frame) -> Observation: ...

    @abstractmethod
    def raw(self, rgb: Any, time_s: float) -> Any:
        """MediaPipe's own call on an RGB image (the benchmark times it alone)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Free the model."""


def _import_mediapipe() -> Any:
    # Honoured by some MediaPipe and TensorFlow builds; the fd redirect covers the rest.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with quiet_native_logs():
            import mediapipe as mp
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UserError(
            f"the pose model is not available ({exc}); reinstall posturewatch "
            "(`pip install --force-reinstall posturewatch`)"
        ) from None
    with contextlib.suppress(ImportError):  # absl-py comes with mediapipe
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    return mp


def _observation(frame: Frame, image: Any, world: Any) -> Observation:
    pose = None
    if image is not None:
        pose = Pose(image=_landmarks(image), world=_landmarks(world) if world is not None else None)
    return Observation(frame.index, frame.time_s, frame.width, frame.height, pose, frame.path)


class FullPose(PoseEstimator):
    """MediaPipe's legacy full pose model (`mp.solutions.pose`, model_complexity=1).

    static_image_mode=True runs person detection on every frame (right for a folder
    of unrelated photos); False tracks from frame to frame (cheaper on a camera).
    """

    def __init__(self, static_image_mode: bool = False) -> None:
        mp = _import_mediapipe()
        solutions = getattr(mp, "solutions", None)
        if solutions is None:
            raise UserError(
                f"the full pose model needs mediapipe 0.10.x (Python 3.12 or older); "
                f"mediapipe {getattr(mp, '__version__', '?')} has only the lite model: "
                'set [pose] backend = "lite" (or "auto")'
            )
        self.name = FULL_MODEL_NAME
        self.version = str(getattr(mp, "__version__", "unknown"))
        self._cv2 = __import__("cv2")
        with quiet_native_logs():
            self._pose = solutions.pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=1,
                smooth_landmarks=not static_image_mode,
                enable_segmentation=False,
                min_detection_confidence=0.5,
                min_tracking_confidence=0.5,
            )
            # The graph starts its calculators (and logs) in background threads.
            graph = getattr(self._pose, "_graph", None)
            if graph is not None:
                graph.wait_until_idle()
        self._quiet = True
        """Still silencing stderr: no person seen yet (see the module docstring)."""

    def raw(self, rgb: Any, time_s: float = 0.0) -> Any:
        return self._pose.process(rgb)

    def estimate(self, frame: Frame) -> Observation:
        rgb = self._cv2.cvtColor(frame.image, self._cv2.COLOR_BGR2RGB)
        with quiet_native_logs() if self._quiet else contextlib.nullcontext():
            result = self.raw(rgb, frame.time_s)
        found = result.pose_landmarks
        self._quiet = self._quiet and found is None
        world = result.pose_world_landmarks
        return _observation(
            frame,
            found.landmark if found is not None else None,
            world.landmark if world is not None else None,
        )

    def close(self) -> None:
        with quiet_native_logs():
            self._pose.close()


def bundled_model() -> bytes:
    """The lite model shipped in the package, its checksum verified (a damaged or
    swapped file is refused, never run)."""
    ref = resources.files("posturewatch").joinpath("data", "models", LITE_MODEL_FILE)
    try:
        data = ref.read_bytes()
    except OSError as exc:
        raise UserError(
            f"the bundled pose model is missing ({exc.strerror or exc}); reinstall posturewatch"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != LITE_MODEL_SHA256:
        raise UserError(
            f"the bundled pose model {LITE_MODEL_FILE} is damaged (sha256 {digest[:12]}..., "
            f"expected {LITE_MODEL_SHA256[:12]}...); reinstall posturewatch"
        )
    return data


class TasksPose(PoseEstimator):
    """A MediaPipe Tasks PoseLandmarker: the bundled lite model, or a `.task` file the
    user supplies. Streams run in VIDEO mode (tracking; timestamps must increase, so
    they are kept strictly increasing), stills in IMAGE mode."""

    def __init__(self, model_path: Path | None = None, static_image_mode: bool = False) -> None:
        if model_path is None:
            data, label = bundled_model(), LITE_MODEL_FILE
        else:
            try:
                data, label = model_path.read_bytes(), model_path.name
            except OSError as exc:
                raise UserError(
                    f"pose model file not readable: {model_path} ({exc.strerror or exc})"
                ) from None
        mp = _import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        self.name = f"mediapipe-tasks:{label}"
        self.version = str(getattr(mp, "__version__", "unknown"))
        self._mp = mp
        self._cv2 = __import__("cv2")
        self._video = not static_image_mode
        mode = vision.RunningMode.VIDEO if self._video else vision.RunningMode.IMAGE
        try:
            with quiet_native_logs():
                self._landmarker = vision.PoseLandmarker.create_from_options(
                    vision.PoseLandmarkerOptions(
                        base_options=BaseOptions(model_asset_buffer=data),
                        running_mode=mode,
                        num_poses=1,
                        output_segmentation_masks=False,
                    )
                )
        except Exception as exc:  # the C core raises RuntimeError or ValueError
            raise UserError(f"cannot load pose model {label}: {exc}") from None
        self._last_ms = -1
        self._quiet = True

    def raw(self, rgb: Any, time_s: float = 0.0) -> Any:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if not self._video:
            return self._landmarker.detect(image)
        ms = max(int(time_s * 1000), self._last_ms + 1)
        self._last_ms = ms
        return self._landmarker.detect_for_video(image, ms)

    def estimate(self, frame: Frame) -> Observation:
        rgb = self._cv2.cvtColor(frame.image, self._cv2.COLOR_BGR2RGB)
        with quiet_native_logs() if self._quiet else contextlib.nullcontext():
            result = self.raw(rgb, frame.time_s)
        self._quiet = self._quiet and not result.pose_landmarks
        if not result.pose_landmarks:
            return _observation(frame, None, None)
        world = result.pose_world_landmarks[0] if result.pose_world_landmarks else None
        return _observation(frame, result.pose_landmarks[0], world)

    def close(self) -> None:
        with quiet_native_logs():
            self._landmarker.close()


def make_estimator(
    model_path: Path | None = None,
    static_image_mode: bool = False,
    settings: PoseSettings | None = None,
) -> PoseEstimator:
    """A user's `.task` file if given, else the configured backend."""
    backend = (settings or PoseSettings()).backend
    if model_path is None and (backend if backend != "auto" else DEFAULT_BACKEND) == "full":
        return FullPose(static_image_mode=static_image_mode)
    return TasksPose(model_path, static_image_mode)
