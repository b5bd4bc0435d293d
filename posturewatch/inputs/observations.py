"""One stream of Observations, whatever the source.

A camera, a video or an image folder goes through the pose estimator; a landmark
recording (issue 7) is read back as it was stored and never loads the model.
Everything downstream (analyze, calibrate, run) reads from this one interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from posturewatch.closing import Closing
from posturewatch.core.types import Observation
from posturewatch.inputs.pose import PoseSettings
from posturewatch.inputs.sources import (
    FrameSource,
    ImageFolderSource,
    is_landmark_recording,
    open_frame_source,
)
from posturewatch.inputs.still import StillFrames
from posturewatch.paths import expand_user

if TYPE_CHECKING:
    from posturewatch.inputs.pose import PoseEstimator


class ObservationSource(Protocol):
    """`read(not_before_s)`: the next observation at or after that time, or None at
    the end of a recording. `release()` lets a camera go between checks."""

    live: bool
    description: str

    def read(self, not_before_s: float | None = None) -> Observation | None: ...

    def release(self) -> None: ...

    def close(self) -> None: ...


class EstimatedObservations(Closing):
    """Frames through the pose model. The model is built on first use, so a camera
    that cannot be opened fails before a second is spent loading it."""

    def __init__(
        self,
        frames: FrameSource,
        model_path: Path | None = None,
        pose_settings: PoseSettings | None = None,
    ) -> None:
        self.frames = frames
        self.pose_settings = pose_settings or PoseSettings()
        self.still: StillFrames | None = None
        """Unrelated photos are each estimated; a camera or a video reuses the last
        landmarks while its picture does not change."""
        if self.pose_settings.skip_still and not isinstance(frames, ImageFolderSource):
            self.still = StillFrames(
                self.pose_settings.still_max_diff, self.pose_settings.still_max_reuse_s
            )
        self.live = frames.live
        self.description = frames.description
        self.model_path = model_path
        self._estimator: PoseEstimator | None = None
        self.model_name = ""
        self.model_version = ""

    def _get_estimator(self) -> PoseEstimator:
        from posturewatch.inputs.pose import make_estimator

        if self._estimator is None:
            est = make_estimator(
                self.model_path,
                static_image_mode=isinstance(self.frames, ImageFolderSource),
                settings=self.pose_settings,
            )
            self.model_name, self.model_version = est.name, est.version
            self._estimator = est
        return self._estimator

    def read(self, not_before_s: float | None = None) -> Observation | None:
        frame = self.frames.read(not_before_s)
        if frame is None:
            return None
        if self.still is None:
            return self._get_estimator().estimate(frame)
        thumb = self.still.thumbnail(frame.image)
        reused = self.still.reuse(frame, thumb)
        if reused is not None:
            return reused
        obs = self._get_estimator().estimate(frame)
        self.still.remember(thumb, obs)
        return obs

    def release(self) -> None:
        self.frames.release()

    def close(self) -> None:
        self.frames.close()
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None


def open_observations(
    spec: str,
    fps: float | None = None,
    model_path: Path | None = None,
    camera_width: int | None = 640,
    camera_height: int | None = 480,
    pose_settings: PoseSettings | None = None,
) -> ObservationSource:
    """A landmark recording is replayed as stored, a timeline (.toml) replays its
    photos' landmarks; anything else goes through the model."""
    path = expand_user(spec, "--source")
    if is_landmark_recording(path):
        from posturewatch.inputs.recording import MAX_LANDMARK_VALUE, RecordingReader

        return RecordingReader(path, max_abs_value=MAX_LANDMARK_VALUE)
    if path.suffix.lower() == ".toml" and path.is_file():
        from posturewatch.inputs.timeline import TimelineSource, load_timeline

        return TimelineSource(load_timeline(path))
    frames = open_frame_source(spec, fps, camera_width, camera_height)
    return EstimatedObservations(frames, model_path, pose_settings)
