"""A long landmark recording of a working day, made from real photographs' landmarks.

For the replay benchmark and the test that a day replays without the pose model:
the side-view photos' landmarks (tests/fixtures/side_view_photos.jsonl, from the
real model) are laid out as a day at one frame a second, in cycles of upright
sitting, a slouch and a short absence, each frame nudged by a small seeded sway.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from posturewatch.inputs.recording import LANDMARK_NAMES, read_recording

ROOT = Path(__file__).resolve().parent.parent
PHOTO_FIXTURE = ROOT / "tests" / "fixtures" / "side_view_photos.jsonl"

CYCLE = (("straight_hf.jpg", 40 * 60), ("hunchback_hf.jpg", 12 * 60), ("", 8 * 60))
"""One hour: 40 min upright, 12 min slouched, 8 min away."""


def write_day(path: Path, hours: float = 8.0, seed: int = 3) -> int:
    """Write `hours` of frames at 1 frame/s to `path` (.jsonl); returns the count."""
    photos = {Path(o.path or "").name: o for o in read_recording(PHOTO_FIXTURE)}
    rng = np.random.default_rng(seed)
    frames = int(hours * 3600)
    header = {
        "format": "posturewatch-landmarks",
        "version": 1,
        "created": "2026-01-01T00:00:00+00:00",
        "source": "calibration/long_day.py from tests/fixtures/side_view_photos.jsonl",
        "model": {"name": "mediapipe-pose-full", "version": "0.10.21"},
        "landmark_names": list(LANDMARK_NAMES),
    }
    plan: list[str] = []
    while len(plan) < frames:
        for name, seconds in CYCLE:
            plan.extend([name] * seconds)
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(header) + "\n")
        for i, name in enumerate(plan[:frames]):
            line: dict[str, object] = {"index": i, "time_s": float(i)}
            if not name:
                line.update(width=720, height=1280, person=False, image=None, world=None)
            else:
                obs = photos[name]
                assert obs.pose is not None and obs.pose.world is not None
                dx, dy = rng.normal(0.0, 2.0, 2) / (obs.width, obs.height)
                line.update(
                    width=obs.width,
                    height=obs.height,
                    person=True,
                    image=[[p.x + dx, p.y + dy, p.z, p.visibility] for p in obs.pose.image],
                    world=[[p.x, p.y, p.z, p.visibility] for p in obs.pose.world],
                )
            out.write(json.dumps(line) + "\n")
    return frames
