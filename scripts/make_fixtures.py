"""Regenerate the landmark recordings in tests/fixtures/.

The tests replay these files instead of running the pose model, so most of the
suite needs neither the model nor the photographs. Re-run this after changing the
pose stage or the recording format; a model-marked test checks that the committed
files still match what the model says of the photos.

    .venv/bin/python scripts/make_fixtures.py [--data /work/shared/data] [--out tests/fixtures]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.core.types import Observation  # noqa: E402
from posturewatch.inputs.observations import open_observations  # noqa: E402
from posturewatch.inputs.recording import RecordingTee, RecordingWriter  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("POSTUREWATCH_TEST_DATA", ROOT / "tests" / "data"))

SIMULATED_SCRIPT = (
    # (seconds, what, head_forward_deg, shoulder_protraction_deg, trunk_flex_deg, present)
    (12, "upright", 10.0, 0.0, 0.0, True),
    (8, "sliding into a slouch", 35.0, 20.0, 12.0, True),
    (12, "slouched", 35.0, 20.0, 12.0, True),
    (4, "away", 0.0, 0.0, 0.0, False),
    (12, "upright again", 10.0, 0.0, 0.0, True),
)
"""A 48-second front-view session: the notes in the file's header repeat it."""


def record_photos(spec: str, out: Path, source: str) -> tuple[int, int]:
    """Photos through the real model: static image mode, one photo per second."""
    writer = RecordingWriter(
        out, source, overwrite=True, fps=1.0, notes="static image mode", file_names_only=True
    )
    with RecordingTee(open_observations(spec, fps=1.0), writer) as tee:
        while tee.read() is not None:
            pass
    return writer.frames, writer.frames_with_person


def simulated_session(seed: int = 7) -> Iterator[Observation]:
    """SIMULATED_SCRIPT at one frame a second through calibration/simulator.py: a
    mid-sized adult 65 cm from a laptop camera, with the simulator's default noise;
    a 'sliding' stretch moves linearly from the previous posture to its own."""
    import numpy as np

    from calibration.simulator import Body, Camera, Noise, Posture, simulate

    rng = np.random.default_rng(seed)
    body, camera, noise = Body(), Camera(), Noise()
    t = 0
    previous = Posture()
    for seconds, what, head, shoulders, trunk, present in SIMULATED_SCRIPT:
        target = Posture(head, shoulders, trunk, present=present)
        for k in range(seconds):
            posture = target
            if what.startswith("sliding"):
                f = (k + 1) / seconds
                posture = Posture(
                    previous.head_forward_deg + f * (head - previous.head_forward_deg),
                    previous.shoulder_protraction_deg
                    + f * (shoulders - previous.shoulder_protraction_deg),
                    previous.trunk_flex_deg + f * (trunk - previous.trunk_flex_deg),
                )
            yield simulate(body, posture, camera, rng, noise, time_s=float(t), index=t)
            t += 1
        if present:
            previous = target


def record_simulated(out: Path) -> tuple[int, int]:
    script = "; ".join(
        f"{seconds} s {what} (head_forward {head}, shoulder_protraction {shoulders}, "
        f"trunk_flex {trunk} deg)"
        if present
        else f"{seconds} s {what}"
        for seconds, what, head, shoulders, trunk, present in SIMULATED_SCRIPT
    )
    with RecordingWriter(
        out,
        "calibration/simulator.py, front camera 65 cm away, 10 cm below the eyes, seed 7",
        "posturewatch-simulator",
        "1",
        overwrite=True,
        fps=1.0,
        notes=f"simulated, not a real person: {script}",
        created=datetime(2025, 1, 1, tzinfo=timezone.utc),
    ) as writer:
        for obs in simulated_session():
            writer.write(obs)
    return writer.frames, writer.frames_with_person


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate tests/fixtures/ recordings.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared test photos")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    jobs = [
        (
            args.data / "side-view-sitting" / "sample_images",
            "side_view_photos.jsonl",
            "side-view-sitting/sample_images (Sitting-Posture-Recognition, Vinay Varma 2020, MIT)",
        ),
        (
            args.data / "front-view-portrait" / "astronaut.png",
            "portrait.jsonl",
            "front-view-portrait/astronaut.png (NASA portrait, public domain, via scikit-image)",
        ),
    ]
    for photos, name, source in jobs:
        frames, people = record_photos(str(photos), args.out / name, source)
        print(f"{name}: {frames} frames, {people} with a person")

    if importlib.util.find_spec("calibration.simulator") is None:
        print("calibration/simulator.py not found: no simulated session written")
    else:
        frames, people = record_simulated(args.out / "simulated_front_session.jsonl.gz")
        print(f"simulated_front_session.jsonl.gz: {frames} frames, {people} with a person")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
