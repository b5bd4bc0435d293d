"""A scripted recording: a few real photographs replayed as a timeline.

The demo and the end-to-end tests need "so many minutes upright, so many slouched,
a stretch away" from real images, without a video of hours. Each distinct photo
goes through the real pose model once; each second of its segment replays those
landmarks with a small seeded sway, as a live person moves. It is an
ObservationSource like any other, so the loop cannot tell it from a camera.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posturewatch.core.errors import UserError
from posturewatch.core.types import Landmark, Observation, Pose
from posturewatch.files import MAX_SMALL_FILE, read_text_limited, reason

if TYPE_CHECKING:
    from posturewatch.inputs.pose import PoseSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Segment:
    image: Path | None
    """None: nobody in view."""
    seconds: float
    label: str


@dataclass(frozen=True)
class Timeline:
    segments: tuple[Segment, ...]
    fps: float = 1.0
    sway_px: float = 2.0
    start_at: str = "09:00"
    calibrate_seconds: float = 20.0

    @property
    def duration_s(self) -> float:
        return sum(s.seconds for s in self.segments)

    def label_at(self, time_s: float) -> str:
        """The script's truth at a moment (for tests and the demo's summary)."""
        t = 0.0
        for seg in self.segments:
            if time_s < t + seg.seconds:
                return seg.label
            t += seg.seconds
        return self.segments[-1].label


def load_timeline(path: Path) -> Timeline:
    """Read a timeline TOML; images are relative to the file."""
    try:
        data: dict[str, Any] = tomllib.loads(read_text_limited(path, MAX_SMALL_FILE))
    except OSError as exc:
        raise UserError(f"cannot read timeline {path}: {reason(exc)}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read timeline {path}: {exc}") from None
    segments = []
    for i, raw in enumerate(data.get("segment", [])):
        try:
            image = str(raw["image"])
            minutes = float(raw["minutes"])
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{path}: segment {i + 1}: missing or bad {exc}") from None
        if minutes <= 0:
            raise UserError(f"{path}: segment {i + 1}: minutes must be positive")
        img = (path.parent / image) if image else None
        if img is not None and not img.is_file():
            raise UserError(f"{path}: segment {i + 1}: image not found: {img}")
        segments.append(Segment(img, minutes * 60.0, str(raw.get("label", image or "away"))))
    if not segments:
        raise UserError(f"{path}: no [[segment]] entries")
    return Timeline(
        segments=tuple(segments),
        fps=float(data.get("fps", 1.0)),
        sway_px=float(data.get("sway_px", 2.0)),
        start_at=str(data.get("start_at", "09:00")),
        calibrate_seconds=float(data.get("calibrate_seconds", 20.0)),
    )


def estimate_photos(
    paths: set[Path], settings: PoseSettings | None = None
) -> dict[Path, Observation]:
    """Run the real pose model once per distinct photo."""
    from posturewatch.inputs.pose import make_estimator
    from posturewatch.inputs.sources import ImageFolderSource

    estimator = make_estimator(None, static_image_mode=True, settings=settings)
    try:
        out = {}
        for path in sorted(paths):
            frame = ImageFolderSource([path]).read()
            assert frame is not None
            out[path] = estimator.estimate(frame)
        return out
    finally:
        estimator.close()


def _sway(pose: Pose, width: int, height: int, rng: np.random.Generator, px: float) -> Pose:
    """The whole body shifts a little, and each point jitters a little less."""
    dx, dy = rng.normal(0.0, px, 2)
    jitter = rng.normal(0.0, px / 2, (len(pose.image), 2))
    image = tuple(
        Landmark(
            lm.x + (dx + jitter[i, 0]) / width,
            lm.y + (dy + jitter[i, 1]) / height,
            lm.z,
            lm.visibility,
        )
        for i, lm in enumerate(pose.image)
    )
    return Pose(image=image, world=pose.world)


class TimelineSource:
    """Observations of a timeline at its fps, in media time."""

    live = False

    def __init__(
        self,
        timeline: Timeline,
        photos: dict[Path, Observation] | None = None,
        seed: int = 7,
        until_s: float | None = None,
    ) -> None:
        self.timeline = timeline
        self.description = "timeline of " + ", ".join(s.label for s in timeline.segments)
        wanted = {s.image for s in timeline.segments if s.image is not None}
        self.photos = photos if photos is not None else estimate_photos(wanted)
        for path in wanted:
            if self.photos[path].pose is None:
                raise UserError(f"no person found in {path}")
        self.rng = np.random.default_rng(seed)
        self.until_s = timeline.duration_s if until_s is None else until_s
        self._index = 0

    def _segment_at(self, t: float) -> Segment:
        start = 0.0
        for seg in self.timeline.segments:
            if t < start + seg.seconds:
                return seg
            start += seg.seconds
        return self.timeline.segments[-1]

    def read(self, not_before_s: float | None = None) -> Observation | None:
        step = 1.0 / self.timeline.fps
        if not_before_s is not None:
            self._index = max(self._index, int(np.ceil(not_before_s / step - 1e-9)))
        t = self._index * step
        if t >= self.until_s - 1e-9:
            return None
        index = self._index
        self._index += 1
        seg = self._segment_at(t)
        if seg.image is None:
            any_photo = next(iter(self.photos.values()))
            return Observation(index, t, any_photo.width, any_photo.height, None, None)
        photo = self.photos[seg.image]
        assert photo.pose is not None
        pose = _sway(photo.pose, photo.width, photo.height, self.rng, self.timeline.sway_px)
        return Observation(index, t, photo.width, photo.height, pose, str(seg.image))

    def release(self) -> None:
        return None

    def close(self) -> None:
        return None
