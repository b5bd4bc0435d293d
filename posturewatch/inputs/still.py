"""Skip the pose model on a frame that shows nothing new.

A person at a desk is still most of the time, and the pose model is nearly all of
the cost of a check. Each frame is shrunk to a 32x24 grey thumbnail (about 0.1 ms);
when no thumbnail pixel differs from the last *estimated* frame's by more than
`max_diff` grey levels ([pose] still_max_diff), the last landmarks are reused for
this frame. Comparing with the last estimated frame (not the previous one) means a
slow slouch adds up and is seen; a change of light or a hand passing through
re-runs the model, the safe direction. Every `max_reuse_s` ([pose]
still_max_reuse_s) the model runs anyway.

Why the largest pixel difference rather than the mean: a head moving a few
centimetres changes a small patch of the picture strongly (its edge moves) and the
rest not at all, which a mean over the whole picture would dilute. Sensor noise,
averaged over the ~400 camera pixels behind each thumbnail pixel, stays well under
a grey level.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from posturewatch.core.types import Frame, Observation

THUMB_SIZE = (32, 24)


class StillFrames:
    """Remembers the last estimated frame; says when a new one may reuse its result."""

    def __init__(self, max_diff: float, max_reuse_s: float) -> None:
        self.max_diff = max_diff
        self.max_reuse_s = max_reuse_s
        self._thumb: Any = None
        self._obs: Observation | None = None
        self.reused = 0
        self.estimated = 0

    @staticmethod
    def thumbnail(image: Any) -> Any:
        """A grey 32x24 thumbnail. Every `step`-th pixel of the frame is averaged
        (still about 40 camera pixels behind each thumbnail pixel, enough to average
        sensor noise away): five times cheaper on a 960x540 frame than averaging all
        of them."""
        import cv2
        import numpy as np

        step = max(
            1, min(image.shape[1] // (THUMB_SIZE[0] * 8), image.shape[0] // (THUMB_SIZE[1] * 8))
        )
        small = cv2.resize(image[::step, ::step], THUMB_SIZE, interpolation=cv2.INTER_AREA)
        if small.ndim == 3:
            return small.mean(axis=2, dtype=np.float32)
        return small.astype(np.float32)

    def reuse(self, frame: Frame, thumb: Any) -> Observation | None:
        """The last observation, re-stamped for `frame`, when nothing changed."""
        last = self._obs
        if last is None or self._thumb is None:
            return None
        if frame.time_s - last.time_s > self.max_reuse_s or frame.time_s < last.time_s:
            return None
        if self._thumb.shape != thumb.shape:
            return None
        import numpy as np

        if float(np.max(np.abs(thumb - self._thumb))) > self.max_diff:
            return None
        self.reused += 1
        return replace(
            last, index=frame.index, time_s=frame.time_s, width=frame.width,
            height=frame.height, path=frame.path,
        )  # fmt: skip

    def remember(self, thumb: Any, obs: Observation) -> None:
        self._thumb, self._obs = thumb, obs
        self.estimated += 1
