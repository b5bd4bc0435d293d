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
from posturewatch.core.settings import ConfigError, check_between, from_table
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


MAX_FPS = 30.0
MAX_SEGMENT_MINUTES = 24 * 60.0
MAX_OBSERVATIONS = 1_000_000
"""A timeline is a script of a few hours (the demo's is 90 minutes at 1 fps): a
million observations bound what a hostile or mistyped file can make a run replay."""
MAX_SWAY_PX = 50.0


@dataclass(frozen=True)
class SegmentEntry:
    """One [[segment]] as written in the file."""

    image: str
    minutes: float
    label: str | None = None

    def __post_init__(self) -> None:
        check_between("minutes", self.minutes, 0.01, MAX_SEGMENT_MINUTES, "minutes")


@dataclass(frozen=True)
class TimelineFile:
    """A timeline file's keys, typed and range-checked by core.settings.from_table
    (the same mechanism as config.toml), so every number is finite and in range
    before a frame is made from it."""

    segment: tuple[SegmentEntry, ...] = ()
    fps: float = 1.0
    sway_px: float = 2.0
    start_at: str = "09:00"
    calibrate_seconds: float = 20.0

    def __post_init__(self) -> None:
        check_between("fps", self.fps, 0.01, MAX_FPS, "frames a second")
        check_between("sway_px", self.sway_px, 0.0, MAX_SWAY_PX, "pixels")
        check_between("calibrate_seconds", self.calibrate_seconds, 1.0, 3600.0, "s")
        hh, _, mm = self.start_at.partition(":")
        if not (hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60 and len(mm) == 2):
            raise ValueError(f"start_at: expected HH:MM, got {self.start_at!r}")
        if not self.segment:
            raise ValueError("no [[segment]] entries")
        observations = sum(s.minutes for s in self.segment) * 60.0 * self.fps
        if observations > MAX_OBSERVATIONS:
            raise ValueError(
                f"{observations:.3g} observations (minutes x 60 x fps); "
                f"at most {MAX_OBSERVATIONS:,} are replayed"
            )


def load_timeline(path: Path) -> Timeline:
    """Read a timeline TOML; images are relative to the file."""
    try:
        data: dict[str, Any] = tomllib.loads(read_text_limited(path, MAX_SMALL_FILE))
    except OSError as exc:
        raise UserError(f"cannot read timeline {path}: {reason(exc)}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read timeline {path}: {exc}") from None
    try:
        entries = from_table(TimelineFile, data, "timeline")
    except ConfigError as exc:
        raise UserError(f"{path}: {exc}") from None
    segments = []
    for i, entry in enumerate(entries.segment):
        img = (path.parent / entry.image) if entry.image else None
        if img is not None and not img.is_file():
            raise UserError(f"{path}: segment {i + 1}: image not found: {img}")
        label = entry.label if entry.label is not None else (entry.image or "away")
        segments.append(Segment(img, entry.minutes * 60.0, label))
    return Timeline(
        segments=tuple(segments),
        fps=entries.fps,
        sway_px=entries.sway_px,
        start_at=entries.start_at,
        calibrate_seconds=entries.calibrate_seconds,
    )


def estimate_photos(
    paths: set[Path], settings: PoseSettings | None = None
) -> dict[Path, Observation]:
    """Run the real pose model once per distinct photo."""
    if not paths:
        return {}  # a timeline of nobody in view needs no model
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
            any_photo = next(iter(self.photos.values()), None)
            width, height = (any_photo.width, any_photo.height) if any_photo else (640, 480)
            return Observation(index, t, width, height, None, None)
        photo = self.photos[seg.image]
        assert photo.pose is not None
        pose = _sway(photo.pose, photo.width, photo.height, self.rng, self.timeline.sway_px)
        return Observation(index, t, photo.width, photo.height, pose, str(seg.image))

    def release(self) -> None:
        return None

    def close(self) -> None:
        return None
