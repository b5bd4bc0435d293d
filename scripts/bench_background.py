"""What watching in the background costs: CPU of one core, peak memory, frames analysed.

Two stretches of real front-view webcam photos (the licensed laptop-webcam sitting
in tests/data), made into 640x480 videos with a camera's sensor noise on every
frame, each run through `posturewatch run --source VIDEO --realtime` at the default
settings in a subprocess, paced as a camera would deliver it, and sampled with
psutil once a second:
  steady - upright the whole time (the person shifts to another upright photo every
           20 s);
  mixed  - 1 min upright, 1.5 min slouched, 1 min away (an empty grey frame),
           1 min upright.
Calibration is on the upright photos first; start-up (model loading) is excluded
from the CPU average.

    .venv/bin/python scripts/bench_background.py [--stretch steady|mixed|both] [--warmup 15]

Targets: the mixed stretch <= 1.5 % of one core (goal 1 %), <= 300 MB peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.machine import describe

ROOT = Path(__file__).resolve().parent.parent
SITTING = (
    ROOT / "tests" / "data" / "front-view-webcam-slouch" / "low-isSlouching__high-notSlouching"
)
FRAME_W, FRAME_H = 640, 480
HOLD_S = 20.0
NOISE_SD = 3.0
"""Grey levels of sensor noise added to every frame, as a webcam has."""
TARGET_CPU_PCT = 1.5
TARGET_RSS_MB = 300.0
STRETCHES: dict[str, list[tuple[str, float]]] = {
    "steady": [("upright", 270.0)],
    "mixed": [("upright", 60.0), ("slouched", 90.0), ("away", 60.0), ("upright", 60.0)],
}


def photos(kind: str) -> list[Path]:
    folder = SITTING / ("notSlouching" if kind == "upright" else "isSlouching")
    return sorted(folder.glob("*.jpg"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))[:4]


def webcam_frame(path: Path | None) -> Any:
    """A photo as a 640x480 camera frame; None: the empty room (a grey frame)."""
    import cv2
    import numpy as np

    if path is None:
        return np.full((FRAME_H, FRAME_W, 3), 128, dtype=np.uint8)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"bench: cannot read {path}")
    return cv2.resize(image, (FRAME_W, FRAME_H), interpolation=cv2.INTER_CUBIC)


def write_video(path: Path, fps: float, segments: list[tuple[str, float]]) -> None:
    """One video of (kind, seconds) segments; within a segment the photos take turns
    every HOLD_S, as a person shifts on the chair; every frame gets fresh noise."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (FRAME_W, FRAME_H))
    if not writer.isOpened():
        raise SystemExit("bench: OpenCV cannot write mp4v video here")
    for kind, seconds in segments:
        frames = [webcam_frame(None)] if kind == "away" else [webcam_frame(p) for p in photos(kind)]
        for i in range(int(seconds * fps)):
            base = frames[int(i / fps / HOLD_S) % len(frames)].astype(np.float32)
            noisy = base + rng.normal(0.0, NOISE_SD, base.shape)
            writer.write(np.clip(noisy, 0, 255).astype(np.uint8))
    writer.release()


def posturewatch(data_dir: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "posturewatch", "--data-dir", str(data_dir), *argv]


def machine() -> str:
    return describe()


def peak_rss_mb(proc: psutil.Process, sampled_mb: float) -> float:
    """The kernel's high-water mark where it keeps one (Linux VmHWM), else the largest
    sample."""
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return max(sampled_mb, int(line.split()[1]) / 1024)
    except OSError:
        pass
    return sampled_mb


def measure(name: str, args: argparse.Namespace, env: dict[str, str]) -> tuple[float, float]:
    """Run one stretch; returns (CPU % of one core, peak MB)."""
    segments = STRETCHES[name]
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "data"
        calib_video = tmp_path / "upright.mp4"
        video = tmp_path / "session.mp4"
        write_video(calib_video, args.fps, [("upright", 10.0)])
        write_video(video, args.fps, segments)
        length_s = sum(s for _, s in segments)
        done = subprocess.run(
            posturewatch(data, "calibrate", "--source", str(calib_video)),
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"bench: calibration failed: {done.stderr.strip()}")
        command = posturewatch(
            data, "run", "--source", str(video), "--realtime", "--notifier", "none", "--summary"
        )
        print(f"bench: {name}: {' + '.join(f'{k} {s:g} s' for k, s in segments)}")
        started = time.monotonic()
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc = psutil.Process(child.pid)
        peak_mb = 0.0
        cpu_at_warmup: float | None = None
        wall_at_warmup = 0.0
        cpu_end, wall_end = 0.0, 0.0
        while child.poll() is None and time.monotonic() - started < length_s + 30:
            try:
                times = proc.cpu_times()
                rss_mb = proc.memory_info().rss / 2**20
                peak_mb = peak_rss_mb(proc, max(peak_mb, rss_mb))
            except psutil.NoSuchProcess:
                break
            now = time.monotonic() - started
            cpu_now = times.user + times.system
            if cpu_at_warmup is None and now >= args.warmup:
                cpu_at_warmup, wall_at_warmup = cpu_now, now
            cpu_end, wall_end = cpu_now, now
            time.sleep(1.0)
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        _out, err = child.communicate(timeout=30)
        if child.returncode != 0:
            print(err.decode(errors="replace"), file=sys.stderr)
            raise SystemExit(f"bench: run exited with status {child.returncode}")
        summary = _summary(err.decode(errors="replace"))
    if cpu_at_warmup is None or wall_end <= wall_at_warmup:
        raise SystemExit("bench: the run ended before the warm-up did")
    measured_s = wall_end - wall_at_warmup
    cpu_pct = 100.0 * (cpu_end - cpu_at_warmup) / measured_s
    samples = int(summary.get("samples", 0))
    print(f"  measured:                {measured_s:.0f} s after a {args.warmup:g} s start-up")
    print(f"  average CPU (one core):  {cpu_pct:.2f} %")
    print(f"  peak memory (RSS):       {peak_mb:.0f} MB")
    print(
        f"  checks:                  {samples} in {wall_end:.0f} s = {samples / wall_end:.2f} per s"
    )
    print(f"  minutes by state:        {json.dumps(summary.get('minutes_by_state', {}))}")
    return cpu_pct, peak_mb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stretch", choices=("steady", "mixed", "both"), default="both")
    parser.add_argument("--warmup", type=float, default=15.0, help="start-up excluded from CPU")
    parser.add_argument("--fps", type=float, default=10.0, help="frame rate of the video")
    args = parser.parse_args(argv)
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=pythonpath)
    print(f"machine: {machine()}")
    names = ["steady", "mixed"] if args.stretch == "both" else [args.stretch]
    results = {name: measure(name, args, env) for name in names}
    ok = all(mb <= TARGET_RSS_MB for _, mb in results.values())
    if "mixed" in results:
        ok = ok and results["mixed"][0] <= TARGET_CPU_PCT
    print(
        "result: "
        + ("within targets" if ok else "OVER TARGET")
        + f" (mixed <= {TARGET_CPU_PCT:g} % of one core, <= {TARGET_RSS_MB:g} MB)"
    )
    return 0 if ok else 3


def _summary(stderr: str) -> dict[str, Any]:
    """The JSON line `run --summary` prints last on stderr."""
    for line in reversed(stderr.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
    return {}


if __name__ == "__main__":
    raise SystemExit(main())
