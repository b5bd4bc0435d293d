"""How fast a long landmark recording replays: eight hours at one frame a second.

Writes a 28,800-frame recording built from the committed photo fixture (each
frame a slightly perturbed copy, a few without a person), then times the writer
and the reader, plain and gzipped, and prints lines per second and file sizes.

    .venv/bin/python scripts/bench_recording.py [--frames 28800]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.core.types import Landmark, Observation, Pose  # noqa: E402
from posturewatch.inputs.recording import RecordingReader, RecordingWriter, read_recording  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "side_view_photos.jsonl"


def long_session(seeds: list[Observation], frames: int) -> Iterator[Observation]:
    """`frames` observations one second apart: the seeds in turn, each point nudged
    by a different small amount, and every 50th frame without a person."""
    for i in range(frames):
        seed = seeds[i % len(seeds)]
        pose = seed.pose
        if pose is not None and i % 50 != 49:
            d = (i % 97) * 1e-4
            image = tuple(Landmark(p.x + d, p.y - d, p.z, p.visibility) for p in pose.image)
            pose = Pose(image, pose.world)
        else:
            pose = None
        yield Observation(i, float(i), seed.width, seed.height, pose)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time writing and replaying a long recording.")
    parser.add_argument("--frames", type=int, default=8 * 3600)
    args = parser.parse_args(argv)
    seeds = read_recording(FIXTURE)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("day.jsonl", "day.jsonl.gz"):
            path = Path(tmp) / name
            observations = list(long_session(seeds, args.frames))
            t0 = time.perf_counter()
            with RecordingWriter(path, "benchmark", "synthetic", "0") as writer:
                for obs in observations:
                    writer.write(obs)
            write_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            count = 0
            with RecordingReader(path) as reader:
                while reader.read() is not None:
                    count += 1
            read_s = time.perf_counter() - t0
            size_mb = path.stat().st_size / 1e6
            print(
                f"{name}: {count} frames, {size_mb:.1f} MB; "
                f"write {write_s:.2f} s ({count / write_s:,.0f} lines/s), "
                f"replay {read_s:.2f} s ({count / read_s:,.0f} lines/s)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
