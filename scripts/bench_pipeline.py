"""How much the per-frame path costs beyond MediaPipe itself.

On the same frames, in the same run, it times two things:
  whole path  - decode the frame (image file or video), run the pose estimator
                (colour conversion + MediaPipe), compute the posture metrics;
  process()   - MediaPipe's own call alone, on the same frames already decoded
                and converted to RGB.
The ratio whole / process() says how close the product runs to the model's own
speed (target >= 0.9). Two sets of frames: the side-view photos (720x1280 JPEG,
static-image mode, as `analyze` runs a folder) repeated, and a synthetic 640x480
webcam-like video written to a temp folder (tracking mode, as a camera runs).
Rounds alternate between the two measurements (fresh model instances each time,
order swapped every round) so a busy neighbour on a shared machine slows both
alike; medians over rounds are reported, with the per-frame cost of each stage.

    .venv/bin/python scripts/bench_pipeline.py [--repeat 3] [--video-frames 90] [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.metrics import compute_metrics  # noqa: E402
from posturewatch.pose import MediaPipePose  # noqa: E402
from posturewatch.sources import FrameSource, ImageFolderSource, VideoFileSource  # noqa: E402

PHOTOS = ROOT / "tests" / "data" / "side-view-sitting" / "sample_images"
TARGET_RATIO = 0.9


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def write_video(path: Path, frames: int) -> None:
    """A webcam-like 640x480 video: a seated person (a side-view photo cropped to
    4:3) drifting a few pixels per frame, as a person shifts on a chair."""
    import cv2
    import numpy as np

    photo = cv2.imread(str(PHOTOS / "straight_hf.jpg"), cv2.IMREAD_COLOR)
    if photo is None:
        raise SystemExit(f"bench: cannot read {PHOTOS / 'straight_hf.jpg'}")
    crop = photo[100 : 100 + photo.shape[1] * 3 // 4, :]
    base = cv2.resize(crop, (640, 480), interpolation=cv2.INTER_AREA)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (640, 480))
    if not writer.isOpened():
        raise SystemExit("bench: OpenCV cannot write MJPG video here")
    for i in range(frames):
        dx, dy = 6 * math.sin(i / 15), 3 * math.cos(i / 20)
        shift = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], dtype=np.float32)
        writer.write(cv2.warpAffine(base, shift, (640, 480), borderMode=cv2.BORDER_REFLECT))
    writer.release()


@dataclass
class Times:
    """Seconds spent, summed over frames."""

    decode: float = 0.0
    estimate: float = 0.0
    metrics: float = 0.0
    frames: int = 0

    @property
    def whole(self) -> float:
        return self.decode + self.estimate + self.metrics


def decoded_rgb(make_source: Callable[[], FrameSource]) -> list[Any]:
    import cv2

    source = make_source()
    frames = []
    try:
        while (frame := source.read()) is not None:
            frames.append(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB))
    finally:
        source.close()
    return frames


def whole_pass(make_source: Callable[[], FrameSource], static: bool) -> Times:
    """Decode, estimate and compute metrics for every frame, as `analyze` does,
    timing each stage (model loading excluded)."""
    model = MediaPipePose(static_image_mode=static)
    source = make_source()
    times = Times()
    clock = time.perf_counter
    try:
        while True:
            t0 = clock()
            frame = source.read()
            t1 = clock()
            if frame is None:
                break
            obs = model.estimate(frame)
            t2 = clock()
            compute_metrics(obs)
            t3 = clock()
            times.decode += t1 - t0
            times.estimate += t2 - t1
            times.metrics += t3 - t2
            times.frames += 1
    finally:
        source.close()
        model.close()
    return times


def process_pass(rgb: list[Any], static: bool) -> float:
    """Seconds MediaPipe's process() alone takes over frames already in memory."""
    model = MediaPipePose(static_image_mode=static)
    try:
        start = time.perf_counter()
        for image in rgb:
            model.process_rgb(image)
        return time.perf_counter() - start
    finally:
        model.close()


def bench(name: str, make_source: Callable[[], FrameSource], static: bool, rounds: int) -> float:
    rgb = decoded_rgb(make_source)
    process_pass(rgb[:3], static)  # untimed: lazy initialisation
    wholes: list[Times] = []
    alones: list[float] = []
    for r in range(rounds):
        # Alternate which goes first, so a neighbour's load falls on both alike.
        if r % 2:
            alones.append(process_pass(rgb, static))
        wholes.append(whole_pass(make_source, static))
        if not r % 2:
            alones.append(process_pass(rgb, static))
    n = len(rgb)
    whole = sorted(wholes, key=lambda t: t.whole)[len(wholes) // 2]
    alone_s = statistics.median(alones)
    whole_fps, alone_fps = n / whole.whole, n / alone_s
    ratio = whole_fps / alone_fps
    print(f"{name:<36} {n:>6} {whole_fps:>10.1f} {alone_fps:>14.1f} {ratio:>7.2f}")
    print(
        f"{'':<36} per frame: decode {1000 * whole.decode / n:.2f} ms, estimate() "
        f"{1000 * whole.estimate / n:.2f} ms (process() alone {1000 * alone_s / n:.2f} ms), "
        f"metrics {1000 * whole.metrics / n:.3f} ms"
    )
    print(
        f"{'':<36} fps of each round: whole "
        + ", ".join(f"{n / t.whole:.1f}" for t in wholes)
        + "; process() "
        + ", ".join(f"{n / t:.1f}" for t in alones)
    )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the 13 photos")
    parser.add_argument("--video-frames", type=int, default=90, help="frames of synthetic video")
    parser.add_argument("--rounds", type=int, default=3, help="alternating timing rounds")
    args = parser.parse_args()

    import mediapipe

    photos = sorted(PHOTOS.glob("*.jpg"))
    if not photos:
        raise SystemExit(f"bench: no photos in {PHOTOS}")
    print(f"machine: {cpu_model()}, {usable_cores()} usable cores ({os.cpu_count()} online)")
    print(
        f"python {platform.python_version()}, mediapipe {mediapipe.__version__}, "
        "pose model_complexity=1 (full), CPU"
    )
    print(f"{'frames':<36} {'count':>6} {'whole fps':>10} {'process() fps':>14} {'ratio':>7}")
    with tempfile.TemporaryDirectory(prefix="posturewatch-bench-") as tmp:
        video = Path(tmp) / "webcam.avi"
        write_video(video, args.video_frames)
        ratios = [
            bench(
                "side-view photos 720x1280 (static)",
                lambda: ImageFolderSource(photos * args.repeat, 1.0, str(PHOTOS)),
                static=True,
                rounds=args.rounds,
            ),
            bench(
                "synthetic video 640x480 (tracking)",
                lambda: VideoFileSource(video),
                static=False,
                rounds=args.rounds,
            ),
        ]
    verdict = "meets" if min(ratios) >= TARGET_RATIO else "misses"
    print(f"lowest ratio {min(ratios):.2f}: {verdict} the target of {TARGET_RATIO}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
