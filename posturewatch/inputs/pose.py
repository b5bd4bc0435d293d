"""The pose estimator: the only stage that sees pixels.

Default backend: MediaPipe Pose (`mp.solutions.pose`, model_complexity=1), whose
"full" model ships inside the mediapipe==0.10.21 wheel and runs offline on the CPU.
Optional backend: a user-supplied MediaPipe Tasks `.task` model file.

"No person" is a result (`Observation.pose is None`), not an exception; low
visibility shows in each landmark's visibility and later in the frame's quality.
mediapipe is imported only when an estimator is built, so replaying a landmark
recording never loads it.

MediaPipe's C++ core and TensorFlow Lite write start-up chatter straight to the
process's stderr ("INFO: Created TensorFlow Lite XNNPACK delegate", W0000/I0000
lines) and ignore GLOG_minloglevel and TF_CPP_MIN_LOG_LEVEL in this version. It
would break the CLI's promise of one line on stderr per problem, so stderr is
pointed at /dev/null while the model loads (until its graph is idle: it starts in
background threads) and until it has answered about a person once (the last of
those lines comes with the first person found). Set POSTUREWATCH_MODEL_LOGS=1 to
see them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from posturewatch.core.errors import UserError
from posturewatch.core.types import Frame, Landmark, Observation, Pose

MODEL_NAME = "mediapipe-pose-full"


def _landmarks(items: Any) -> tuple[Landmark, ...]:
    # Runs twice per frame: the fields are floats already (Tasks may leave
    # visibility None).
    return tuple([Landmark(p.x, p.y, p.z, p.visibility or 0.0) for p in items])


@contextlib.contextmanager
def quiet_native_logs(enabled: bool = True) -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (see the module
    docstring); Python's own sys.stderr is flushed first and works again after.
    The one stderr silencer: `doctor` uses it too around its camera and model checks
    (enabled=False for `doctor --verbose`)."""
    if not enabled or os.environ.get("POSTUREWATCH_MODEL_LOGS"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no stderr at all (pythonw, detached)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class PoseEstimator(ABC):
    """Frame in, Observation out."""

    name: str = ""
    version: str = ""

    @abstractmethod
    def estimate(self, frame: Frame) -> Observation: ...

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
            f"the pose model is not available ({exc}); "
            "install with `pip install mediapipe==0.10.21`"
        ) from None
    with contextlib.suppress(ImportError):  # absl-py comes with mediapipe
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    return mp


class MediaPipePose(PoseEstimator):
    """MediaPipe's bundled full pose model.

    static_image_mode=True runs person detection on every frame (right for a folder
    of unrelated photos); False tracks from frame to frame (cheaper on a camera).
    """

    def __init__(
        self,
        static_image_mode: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        mp = _import_mediapipe()
        self.name = MODEL_NAME
        self.version = str(getattr(mp, "__version__", "unknown"))
        self._cv2 = __import__("cv2")
        with quiet_native_logs():
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=1,
                smooth_landmarks=not static_image_mode,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            # The graph starts its calculators (and logs) in background threads.
            graph = getattr(self._pose, "_graph", None)
            if graph is not None:
                graph.wait_until_idle()
        self._quiet = True
        """Still silencing stderr: no person seen yet (see the module docstring)."""

    def process_rgb(self, rgb: Any) -> Any:
        """MediaPipe's own call, exposed so the benchmark can time it alone."""
        return self._pose.process(rgb)

    def estimate(self, frame: Frame) -> Observation:
        rgb = self._cv2.cvtColor(frame.image, self._cv2.COLOR_BGR2RGB)
        if self._quiet:
            with quiet_native_logs():
                result = self.process_rgb(rgb)
            self._quiet = result.pose_landmarks is None
        else:
            result = self.process_rgb(rgb)
        found = result.pose_landmarks
        pose = None
        if found is not None:
            world = result.pose_world_landmarks
            pose = Pose(
                image=_landmarks(found.landmark),
                world=_landmarks(world.landmark) if world is not None else None,
            )
        return Observation(frame.index, frame.time_s, frame.width, frame.height, pose, frame.path)

    def close(self) -> None:
        self._pose.close()


class TasksPose(PoseEstimator):
    """A MediaPipe Tasks PoseLandmarker from a `.task` file the user supplies
    (e.g. the heavy model). Nothing is downloaded: the file must exist."""

    def __init__(self, model_path: Path, static_image_mode: bool = False) -> None:
        if not model_path.is_file():
            raise UserError(f"pose model file not found: {model_path}")
        mp = _import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        self.name = f"mediapipe-tasks:{model_path.name}"
        self.version = str(getattr(mp, "__version__", "unknown"))
        self._mp = mp
        self._cv2 = __import__("cv2")
        self._video = not static_image_mode
        mode = vision.RunningMode.VIDEO if self._video else vision.RunningMode.IMAGE
        try:
            with quiet_native_logs():
                self._landmarker = vision.PoseLandmarker.create_from_options(
                    vision.PoseLandmarkerOptions(
                        base_options=BaseOptions(model_asset_path=str(model_path)),
                        running_mode=mode,
                        num_poses=1,
                    )
                )
        except Exception as exc:
            raise UserError(f"cannot load pose model {model_path}: {exc}") from None
        self._last_ms = -1
        self._quiet = True

    def estimate(self, frame: Frame) -> Observation:
        rgb = self._cv2.cvtColor(frame.image, self._cv2.COLOR_BGR2RGB)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        with quiet_native_logs() if self._quiet else contextlib.nullcontext():
            if self._video:
                ms = max(int(frame.time_s * 1000), self._last_ms + 1)
                self._last_ms = ms
                result = self._landmarker.detect_for_video(image, ms)
            else:
                result = self._landmarker.detect(image)
        self._quiet = self._quiet and not result.pose_landmarks
        pose = None
        if result.pose_landmarks:
            world = (
                _landmarks(result.pose_world_landmarks[0]) if result.pose_world_landmarks else None
            )
            pose = Pose(image=_landmarks(result.pose_landmarks[0]), world=world)
        return Observation(frame.index, frame.time_s, frame.width, frame.height, pose, frame.path)

    def close(self) -> None:
        self._landmarker.close()


def make_estimator(
    model_path: Path | None = None, static_image_mode: bool = False
) -> PoseEstimator:
    """The bundled model unless the user gave a Tasks model file."""
    if model_path is not None:
        return TasksPose(model_path, static_image_mode)
    return MediaPipePose(static_image_mode=static_image_mode)
