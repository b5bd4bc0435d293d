"""What watching in the background costs: CPU of one core, peak memory, frames analysed.

Builds a webcam-like video (640x480, upright first, then slouched) from the
side-view test photos in a temp folder, calibrates on its upright part, then runs
`posturewatch run --source VIDEO --realtime` at the default sampling settings in a
subprocess, paced as a camera would deliver it, and samples that process with
psutil once a second. Start-up (model loading) is excluded from the CPU average.

    .venv/bin/python scripts/bench_background.py [--seconds 150] [--warmup 15]

Targets (issue 6): <= 3% of one core on average, <= 300 MB peak resident memory.
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
PHOTOS = ROOT / "tests" / "data" / "side-view-sitting" / "sample_images"
FRAME_W, FRAME_H = 640, 480
HOLD_S = 20.0
TARGET_CPU_PCT = 3.0
TARGET_RSS_MB = 300.0


def webcam_frame(path: Path) -> Any:
    """A 720x1280 photo as a 640x480 camera frame: the whole seated person (hips in
    view, as a side camera shows them), scaled to the frame's height and padded."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"bench: cannot read {path}")
    width = round(image.shape[1] * FRAME_H / image.shape[0])
    scaled = cv2.resize(image, (width, FRAME_H), interpolation=cv2.INTER_AREA)
    left = (FRAME_W - width) // 2
    return cv2.copyMakeBorder(
        scaled, 0, 0, left, FRAME_W - width - left, cv2.BORDER_CONSTANT, value=(128, 128, 128)
    )


def write_video(path: Path, fps: float, segments: list[tuple[list[Path], float]]) -> None:
    """One video of (photos, seconds) segments; within a segment the photos take
    turns every HOLD_S, as a person shifts on the chair."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (FRAME_W, FRAME_H))
    if not writer.isOpened():
        raise SystemExit("bench: OpenCV cannot write mp4v video here")
    for photos, seconds in segments:
        frames = [webcam_frame(p) for p in photos]
        for i in range(int(seconds * fps)):
            writer.write(frames[int(i / fps / HOLD_S) % len(frames)])
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=150.0, help="measured run length")
    parser.add_argument("--warmup", type=float, default=15.0, help="start-up excluded from CPU")
    parser.add_argument("--fps", type=float, default=10.0, help="frame rate of the video")
    args = parser.parse_args(argv)
    if args.seconds <= args.warmup:
        parser.error("--seconds must be longer than --warmup")

    # One side of one person, as a fixed camera sees them (the _flip photos are shot
    # from the other side, which would read as a moved camera).
    upright = [PHOTOS / "straight_hf.jpg"]
    slouched = [PHOTOS / "hunchback_hf.jpg"]
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=pythonpath)
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "data"
        calib_video = tmp_path / "upright.mp4"
        video = tmp_path / "session.mp4"
        total_s = args.seconds + 10.0
        print(f"bench: writing {total_s:.0f} s of {FRAME_W}x{FRAME_H} video at {args.fps:g} fps")
        write_video(calib_video, args.fps, [(upright, 20.0)])
        write_video(video, args.fps, [(upright, total_s / 2), (slouched, total_s / 2)])

        print("bench: calibrating on the upright part")
        done = subprocess.run(
            posturewatch(data, "calibrate", "--source", str(calib_video)),
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1

        command = posturewatch(
            data, "run", "--source", str(video), "--realtime", "--notifier", "none", "--summary"
        )
        print(f"bench: running {' '.join(command[3:])} for {args.seconds:g} s")
        started = time.monotonic()
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc = psutil.Process(child.pid)
        peak_mb = 0.0
        cpu_at_warmup: float | None = None
        wall_at_warmup = 0.0
        cpu_end, wall_end = 0.0, 0.0
        while child.poll() is None and time.monotonic() - started < args.seconds:
            try:
                times = proc.cpu_times()
                rss_mb = proc.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                break
            peak_mb = max(peak_mb, rss_mb)
            now = time.monotonic() - started
            cpu_now = times.user + times.system
            if cpu_at_warmup is None and now >= args.warmup:
                cpu_at_warmup, wall_at_warmup = cpu_now, now
            cpu_end, wall_end = cpu_now, now
            time.sleep(1.0)
        if child.poll() is None:
            peak_mb = peak_rss_mb(proc, peak_mb)
            child.send_signal(signal.SIGTERM)
        _out, err = child.communicate(timeout=30)
        if child.returncode != 0:
            print(err.decode(errors="replace"), file=sys.stderr)
            print(f"bench: run exited with status {child.returncode}", file=sys.stderr)
            return 1
        summary = _summary(err.decode(errors="replace"))

    if cpu_at_warmup is None or wall_end <= wall_at_warmup:
        print("bench: the run ended before the warm-up did; use a longer --seconds")
        return 1
    measured_s = wall_end - wall_at_warmup
    cpu_pct = 100.0 * (cpu_end - cpu_at_warmup) / measured_s
    samples = int(summary.get("samples", 0))
    print(f"machine:                 {machine()}")
    print(f"measured:                {measured_s:.0f} s after a {args.warmup:g} s start-up")
    print(f"average CPU (one core):  {cpu_pct:.2f} %   (target <= {TARGET_CPU_PCT:g} %)")
    print(f"peak memory (RSS):       {peak_mb:.0f} MB   (target <= {TARGET_RSS_MB:g} MB)")
    print(
        f"frames analysed:         {samples} in {wall_end:.0f} s = {samples / wall_end:.2f} per s"
    )
    print(f"summary:                 {json.dumps(summary)}")
    ok = cpu_pct <= TARGET_CPU_PCT and peak_mb <= TARGET_RSS_MB
    print("result:                  " + ("within targets" if ok else "OVER TARGET"))
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
