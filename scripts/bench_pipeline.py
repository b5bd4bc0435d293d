"""How much the per-frame path costs beyond MediaPipe itself.

On the same frames, in the same run, it times two things:
  whole path  - decode the frame (image file or video), run the pose estimator
                (colour conversion + MediaPipe + landmark objects), compute the
                posture metrics;
  process()   - MediaPipe's own call alone, on exactly the frames the whole path
                decodes (same size: large JPEGs are decoded at half size by the
                frame source), already in memory and converted to RGB.
The ratio whole fps / model fps says how close the product runs to the model's
own speed (target >= 0.95), with its spread over the rounds. Frame sets: the
side-view photos (720x1280 JPEG, static-image mode, as `analyze` runs a folder)
repeated, and a synthetic 640x480 webcam-like video written to a temp folder
(tracking mode, as a camera runs); for information, the same photos re-encoded
phone-sized (1080x1920, decoded at half size), where decoding is the larger cost.

Each round runs one whole pass and one process() pass back to back, on fresh model
instances warmed with one untimed frame, the order swapped every round, so a busy
neighbour on a shared machine slows both alike; the ratio is the median over rounds
of the two adjacent passes' ratio. As a cross-check the whole pass also times the
process() calls made inside it ("in-path"): same instant, same frames, no pairing.

    .venv/bin/python scripts/bench_pipeline.py [--repeat 3] [--video-frames 90] [--rounds 5]
        [--reduce-min-side PX]
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

from posturewatch.core.metrics import compute_metrics  # noqa: E402
from posturewatch.inputs import sources  # noqa: E402
from posturewatch.inputs.native_logs import quiet_native_logs  # noqa: E402
from posturewatch.inputs.pose import (  # noqa: E402
    PoseEstimator,
    PoseSettings,
    make_estimator,
)
from posturewatch.inputs.sources import FrameSource, ImageFolderSource, VideoFileSource  # noqa: E402
from scripts.machine import cpu_model  # noqa: E402

PHOTOS = ROOT / "tests" / "data" / "side-view-sitting" / "sample_images"
TARGET_RATIO = 0.95


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not available
        return "unknown"


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


def write_large_photos(photos: list[Path], folder: Path) -> list[Path]:
    """The photos enlarged to 1080x1920, JPEG quality 90: a phone-sized still."""
    import cv2

    out = []
    for p in photos:
        image = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"bench: cannot read {p}")
        big = cv2.resize(image, (1080, 1920), interpolation=cv2.INTER_CUBIC)
        target = folder / p.name
        cv2.imwrite(str(target), big, [cv2.IMWRITE_JPEG_QUALITY, 90])
        out.append(target)
    return out


@dataclass
class Times:
    """Seconds spent, summed over frames."""

    decode: float = 0.0
    estimate: float = 0.0
    process: float = 0.0
    """The process() calls made inside estimate()."""
    metrics: float = 0.0
    frames: int = 0

    @property
    def whole(self) -> float:
        return self.decode + self.estimate + self.metrics


def decoded_rgb(make_source: Callable[[], FrameSource]) -> list[Any]:
    """Every frame the source gives, decoded exactly as the whole path decodes it."""
    import cv2

    source = make_source()
    frames = []
    try:
        while (frame := source.read()) is not None:
            frames.append(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB))
    finally:
        source.close()
    return frames


def new_model(backend: str, static: bool, warm: Any) -> PoseEstimator:
    """A fresh estimator of `backend`, warmed with one untimed call."""
    with quiet_native_logs():
        model = make_estimator(None, static, PoseSettings(backend=backend))  # type: ignore[arg-type]
        model.raw(warm, 0.0)
    return model


def whole_pass(
    make_source: Callable[[], FrameSource], backend: str, static: bool, warm: Any
) -> Times:
    """Decode, estimate and compute metrics for every frame, as `analyze` does,
    timing each stage (model loading and its first call excluded)."""
    model = new_model(backend, static, warm)
    times = Times()
    clock = time.perf_counter
    inner = model.raw

    def timed_process(rgb: Any, time_s: float = 0.0) -> Any:
        start = clock()
        result = inner(rgb, time_s)
        times.process += clock() - start
        return result

    model.raw = timed_process  # type: ignore[method-assign]
    source = make_source()
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


def process_pass(rgb: list[Any], backend: str, static: bool) -> float:
    """Seconds MediaPipe's own call alone takes over frames already in memory."""
    model = new_model(backend, static, rgb[0])
    try:
        start = time.perf_counter()
        for i, image in enumerate(rgb, start=1):
            model.raw(image, i / 30.0)
        return time.perf_counter() - start
    finally:
        model.close()


def bench(
    name: str, make_source: Callable[[], FrameSource], backend: str, static: bool, rounds: int
) -> float:
    rgb = decoded_rgb(make_source)
    n = len(rgb)
    height, width = rgb[0].shape[:2]
    wholes: list[Times] = []
    alones: list[float] = []
    for r in range(rounds):
        # Swap the order every round, so a neighbour's load falls on both alike.
        if r % 2:
            alones.append(process_pass(rgb, backend, static))
        wholes.append(whole_pass(make_source, backend, static, rgb[0]))
        if not r % 2:
            alones.append(process_pass(rgb, backend, static))
    ratios = [t.frames / t.whole / (n / a) for t, a in zip(wholes, alones, strict=True)]
    ratio = statistics.median(ratios)
    in_path = statistics.median(t.process / t.whole for t in wholes)
    whole = sorted(wholes, key=lambda t: t.whole)[len(wholes) // 2]
    alone_s = statistics.median(alones)
    label = f"{backend}: {name}, decoded {width}x{height}"
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    print(
        f"{label:<58} {n:>5} {n / whole.whole:>9.1f} {n / alone_s:>13.1f} {ratio:>6.2f}"
        f" {spread:>10}"
    )
    print(
        f"    per frame: decode {1000 * whole.decode / n:.2f} ms, estimate() "
        f"{1000 * whole.estimate / n:.2f} ms (process() inside it "
        f"{1000 * whole.process / n:.2f} ms, alone {1000 * alone_s / n:.2f} ms), "
        f"metrics {1000 * whole.metrics / n:.3f} ms"
    )
    print(
        "    each round, whole/process() fps: "
        + ", ".join(f"{n / t.whole:.1f}/{n / a:.1f}" for t, a in zip(wholes, alones, strict=True))
        + f"; in-path ratio {in_path:.2f}"
    )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the 13 photos")
    parser.add_argument("--video-frames", type=int, default=90, help="frames of synthetic video")
    parser.add_argument("--rounds", type=int, default=5, help="alternating timing rounds")
    parser.add_argument(
        "--backend",
        choices=("lite", "full"),
        action="append",
        help="pose backend to time (repeatable; default: every one the installed mediapipe has)",
    )
    parser.add_argument(
        "--reduce-min-side",
        type=int,
        default=sources.REDUCED_MIN_SIDE_PX,
        help="what-if: decode JPEGs at half size when both halved sides are at least this "
        f"many pixels (the product uses {sources.REDUCED_MIN_SIDE_PX})",
    )
    args = parser.parse_args()
    sources.REDUCED_MIN_SIDE_PX = args.reduce_min_side

    import mediapipe

    photos = sorted(PHOTOS.glob("*.jpg"))
    if not photos:
        raise SystemExit(f"bench: no photos in {PHOTOS}")
    print(
        f"machine: {cpu_model()}, {usable_cores()} usable cores ({os.cpu_count()} online), "
        f"load average {load_average()} at start"
    )
    backends = args.backend or (["lite", "full"] if hasattr(mediapipe, "solutions") else ["lite"])
    print(
        f"python {platform.python_version()}, mediapipe {mediapipe.__version__}, "
        f"backends {', '.join(backends)}, CPU"
    )
    print(f"JPEGs decoded at half size when both halved sides are >= {args.reduce_min_side} px")
    print(
        f"{'frames':<58} {'count':>5} {'whole fps':>9} {'model fps':>13} {'ratio':>6}"
        f" {'spread':>10}"
    )
    with tempfile.TemporaryDirectory(prefix="posturewatch-bench-") as tmp:
        video = Path(tmp) / "webcam.avi"
        write_video(video, args.video_frames)
        large = write_large_photos(photos, Path(tmp))
        ratios: list[float] = []
        for backend in backends:
            ratios.append(
                bench(
                    "side-view photos 720x1280 (static)",
                    lambda: ImageFolderSource(photos * args.repeat, 1.0, str(PHOTOS)),
                    backend,
                    static=True,
                    rounds=args.rounds,
                )
            )
            ratios.append(
                bench(
                    "synthetic video 640x480 (tracking)",
                    lambda: VideoFileSource(video),
                    backend,
                    static=False,
                    rounds=args.rounds,
                )
            )
        print("informational, not in the target (shows what a large JPEG costs to decode):")
        bench(
            "same photos at 1080x1920 (static)",
            lambda: ImageFolderSource(large * max(1, args.repeat - 1), 1.0, tmp),
            backends[0],
            static=True,
            rounds=args.rounds,
        )
    verdict = "meets" if min(ratios) >= TARGET_RATIO else "misses"
    print(f"load average {load_average()} at end")
    print(f"lowest median ratio {min(ratios):.2f}: {verdict} the target of {TARGET_RATIO}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
