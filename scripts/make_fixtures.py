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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.observations import open_observations  # noqa: E402
from posturewatch.recording import RecordingTee, RecordingWriter  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("POSTUREWATCH_TEST_DATA", "/work/shared/data"))


def record_photos(spec: str, out: Path, source: str) -> tuple[int, int]:
    """Photos through the real model: static image mode, one photo per second."""
    writer = RecordingWriter(
        out, source, overwrite=True, fps=1.0, notes="static image mode", file_names_only=True
    )
    with RecordingTee(open_observations(spec, fps=1.0), writer) as tee:
        while tee.read() is not None:
            pass
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
