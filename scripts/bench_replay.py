"""How long `posturewatch run` takes to replay an eight-hour landmark recording.

Builds a day at one frame a second from the real photos' landmarks
(calibration/long_day.py), calibrates on its first minute, then times the whole
`posturewatch run` command (a fresh process: start-up, replay, detector,
scheduler, store) and reports whether that process ever imported the pose model.

    .venv/bin/python scripts/bench_replay.py [--hours 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calibration.long_day import write_day  # noqa: E402
from scripts.machine import describe  # noqa: E402

RUN_AND_REPORT = """
import sys
from posturewatch.cli import main
status = main(sys.argv[1:])
print("MODEL_IMPORTED", "mediapipe" in sys.modules, "cv2" in sys.modules, file=sys.stderr)
raise SystemExit(status)
"""


def replay(data_dir: Path, recording: Path) -> tuple[float, str]:
    """Seconds of a `posturewatch run` over the recording, and its stderr."""
    args = [
        "--data-dir",
        str(data_dir),
        "run",
        "--source",
        str(recording),
        "--notifier",
        "none",
        "--start-at",
        "2026-11-23T09:00",
        "--summary",
    ]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, *args], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"run failed: {done.stderr}")
    return elapsed, done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        recording = tmpdir / "day.jsonl"
        frames = write_day(recording, args.hours)
        calibration = tmpdir / "first-minute.jsonl"
        with open(recording, encoding="utf-8") as src, open(calibration, "w") as dst:
            for _ in range(61):
                dst.write(src.readline())
        env_data = tmpdir / "data"
        calibrate = ["--data-dir", str(env_data), "calibrate", "--source", str(calibration)]
        subprocess.run(
            [sys.executable, "-m", "posturewatch", *calibrate], check=True, capture_output=True
        )
        elapsed, stderr = replay(env_data, recording)
        summary = json.loads(next(line for line in stderr.splitlines() if line.startswith("{")))
        imported = next(line for line in stderr.splitlines() if line.startswith("MODEL_IMPORTED"))
        size_mb = recording.stat().st_size / 1e6
    print(f"machine: {describe()}")
    print(f"recording: {args.hours:g} h at 1 frame/s = {frames} frames, {size_mb:.0f} MB")
    print(
        f"posturewatch run: {elapsed:.1f} s wall ({frames / elapsed:,.0f} frames/s), "
        f"{summary['samples']} samples judged, {summary['prompts']} prompts"
    )
    mp_loaded, cv2_loaded = imported.split()[1:3]
    print(f"pose model imported: {mp_loaded}; OpenCV imported: {cv2_loaded}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
