"""Skipping the model on still frames (inputs/still.py), on real webcam photos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from posturewatch.core.types import Frame, Observation
from posturewatch.inputs.still import StillFrames

SITTING = (
    Path(__file__).parent
    / "data"
    / "front-view-webcam-slouch"
    / "low-isSlouching__high-notSlouching"
)


def _photo(kind: str, n: int) -> np.ndarray:
    image = cv2.imread(str(SITTING / kind / f"sample-1542640808958-{n}.jpg"), cv2.IMREAD_COLOR)
    assert image is not None
    # As a 640x480 camera would deliver the scene.
    return cv2.resize(image, (640, 480), interpolation=cv2.INTER_CUBIC)


def _frame(image: np.ndarray, t: float) -> Frame:
    return Frame(index=int(t), time_s=t, image=image)


def _estimated(t: float) -> Observation:
    return Observation(index=int(t), time_s=t, width=640, height=480, pose=None)


def test_sensor_noise_reuses_and_a_slouch_or_a_new_posture_does_not() -> None:
    still = StillFrames(max_diff=8.0, max_reuse_s=10.0)
    upright = _photo("notSlouching", 0)
    still.remember(still.thumbnail(upright), _estimated(0.0))

    rng = np.random.default_rng(1)
    noisy = np.clip(upright + rng.normal(0, 4, upright.shape), 0, 255).astype(np.uint8)
    reused = still.reuse(_frame(noisy, 1.0), still.thumbnail(noisy))
    assert reused is not None and reused.time_s == 1.0 and reused.index == 1

    for other in (_photo("isSlouching", 0), _photo("notSlouching", 7)):
        assert still.reuse(_frame(other, 2.0), still.thumbnail(other)) is None

    # The head alone moving 3 % of the frame's height down (about a third of a face
    # width here) is seen, though most of the picture is unchanged.
    moved = upright.copy()
    top, bottom, shift = 40, 260, 14
    moved[top + shift : bottom + shift, 200:440] = upright[top:bottom, 200:440]
    assert still.reuse(_frame(moved, 3.0), still.thumbnail(moved)) is None


def test_the_model_runs_again_after_max_reuse_s_and_when_time_goes_back() -> None:
    still = StillFrames(max_diff=8.0, max_reuse_s=10.0)
    upright = _photo("notSlouching", 0)
    thumb = still.thumbnail(upright)
    still.remember(thumb, _estimated(100.0))
    assert still.reuse(_frame(upright, 109.0), thumb) is not None
    assert still.reuse(_frame(upright, 111.0), thumb) is None
    assert still.reuse(_frame(upright, 99.0), thumb) is None
