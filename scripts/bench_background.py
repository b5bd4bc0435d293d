"""What watching in the background costs: CPU of one core, peak memory, frames analysed.

Two stretches of real front-view webcam photos (the licensed laptop-webcam sitting
in tests/data, or your own folders with --upright/--slouched), paced in real time
through `posturewatch run --source ... --realtime` at the default settings in a
subprocess, and sampled with psutil once a second. By default the stretch is an
mp4 video of one frame a second (--source video --fps 1): the frames change every
second, so it carries all there is to see, each frame is decoded once, as a webcam
hands over one picture a check, and the person is tracked from check to check
(MediaPipe's VIDEO mode), as on a camera. A higher --fps makes every frame in
between cost a decode a camera never spends (about 0.5 ms each at 960x540);
--source folder makes it a folder of JPEG frames, which `run` estimates one by one
as unrelated photos (IMAGE mode, the person detector on every frame: nearly twice
the model's cost), an upper bound.
  steady - upright the whole time;
  mixed  - 1 min upright, 1.5 min slouched, 1 min away (an empty grey frame),
           1 min upright.
Two kinds of frames (--frames):
  changing - (the default, the honest figure) a different photo of the person every
             second, cycling, letterboxed into a 960x540 webcam frame with a
             camera's sensor noise: a breathing, typing person changes the picture
             enough that the still-frame shortcut rarely applies;
  still    - the person shifts to another photo every 20 s, 640x480, noise only in
             between: what a very still sitter costs.
Calibration is on the upright photos first; start-up (model loading) is excluded
from the CPU average. With --profile, the same stretch is also run in-process,
as fast as it goes, and the time of one check is split into its stages (decode,
still-frame test, colour, model, metrics, detector and the rest).

    .venv/bin/python scripts/bench_background.py [--stretch steady|mixed|both]
        [--frames changing|still] [--source video|folder] [--fps 1]
        [--upright DIR --slouched DIR] [--profile]

Targets (changing frames): mixed <= 1.0 % of one core, steady <= 0.7 %, <= 250 MB.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.machine import describe

ROOT = Path(__file__).resolve().parent.parent
SITTING = (
    ROOT / "tests" / "data" / "front-view-webcam-slouch" / "low-isSlouching__high-notSlouching"
)
NOISE_SD = 3.0
"""Grey levels of sensor noise added to every frame, as a webcam has."""
TARGET_CPU_PCT = {"steady": 0.7, "mixed": 1.0}
"""Of one core, with changing frames."""
TARGET_RSS_MB = 250.0
STRETCHES: dict[str, list[tuple[str, float]]] = {
    "steady": [("upright", 270.0)],
    "mixed": [("upright", 60.0), ("slouched", 90.0), ("away", 60.0), ("upright", 60.0)],
}


@dataclass(frozen=True)
class FrameKind:
    """How the photos become camera frames."""

    size: tuple[int, int]
    hold_s: float
    """Seconds each photo stays in view before the next one."""
    letterbox: bool
    """Keep the photo's shape, centred, with its edges repeated to the sides (a webcam
    shows the room around the person); otherwise stretch it to the frame."""
    photos: int | None
    """How many photos of each kind take turns (None: all)."""


FRAME_KINDS = {
    "changing": FrameKind(size=(960, 540), hold_s=1.0, letterbox=True, photos=None),
    "still": FrameKind(size=(640, 480), hold_s=20.0, letterbox=False, photos=4),
}


def photos(kind: str, folders: dict[str, Path], limit: int | None) -> list[Path]:
    def order(p: Path) -> tuple[int, str]:
        tail = p.stem.rsplit("-", 1)[-1]
        return (int(tail) if tail.isdigit() else 0, p.name)

    found = sorted(
        (p for p in folders[kind].iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")),
        key=order,
    )
    if not found:
        raise SystemExit(f"bench: no photos in {folders[kind]}")
    return found[:limit]


def webcam_frame(path: Path | None, kind: FrameKind) -> Any:
    """A photo as a camera frame; None: the empty room (a grey frame)."""
    import cv2
    import numpy as np

    w, h = kind.size
    if path is None:
        return np.full((h, w, 3), 128, dtype=np.uint8)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"bench: cannot read {path}")
    if not kind.letterbox:
        return cv2.resize(image, (w, h), interpolation=cv2.INTER_CUBIC)
    scale = min(w / image.shape[1], h / image.shape[0])
    fitted = cv2.resize(
        image,
        (round(image.shape[1] * scale), round(image.shape[0] * scale)),
        interpolation=cv2.INTER_CUBIC,
    )
    left = (w - fitted.shape[1]) // 2
    top = (h - fitted.shape[0]) // 2
    return cv2.copyMakeBorder(
        fitted,
        top,
        h - fitted.shape[0] - top,
        left,
        w - fitted.shape[1] - left,
        cv2.BORDER_REPLICATE,
    )


def write_frames(
    target: Path,
    fps: float,
    segments: list[tuple[str, float]],
    kind: FrameKind,
    folders: dict[str, Path],
    video: bool,
) -> list[str]:
    """The stretch of (kind, seconds) segments as `fps` frames a second: an mp4 video,
    or a folder of JPEG frames (what a webcam hands over: one compressed picture,
    decoded only when it is read). Within a segment the photos take turns every
    `kind.hold_s`, as a person moves on the chair; every frame gets fresh noise.
    Returns the `--source` arguments that read it."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    writer = None
    if video:
        writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"mp4v"), fps, kind.size)
        if not writer.isOpened():
            raise SystemExit("bench: OpenCV cannot write mp4v video here")
    else:
        target.mkdir()
    n = 0
    for what, seconds in segments:
        frames = (
            [webcam_frame(None, kind)]
            if what == "away"
            else [webcam_frame(p, kind) for p in photos(what, folders, kind.photos)]
        )
        for i in range(int(seconds * fps)):
            base = frames[int(i / fps / kind.hold_s) % len(frames)].astype(np.float32)
            noisy = np.clip(base + rng.normal(0.0, NOISE_SD, base.shape), 0, 255).astype(np.uint8)
            if writer is not None:
                writer.write(noisy)
            else:
                cv2.imwrite(str(target / f"frame-{n:06d}.jpg"), noisy)
            n += 1
    if writer is not None:
        writer.release()
        return ["--source", str(target)]
    return ["--source", str(target), "--fps", f"{fps:g}"]


def posturewatch(data_dir: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "posturewatch", "--data-dir", str(data_dir), *argv]


def calibrate(data: Path, source: list[str], env: dict[str, str]) -> None:
    """`posturewatch calibrate` into `data` from `source`; the bench stops if it fails."""
    done = subprocess.run(
        posturewatch(data, "calibrate", *source), env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: calibration failed: {done.stderr.strip()}")


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
    kind = FRAME_KINDS[args.frames]
    folders = {"upright": args.upright, "slouched": args.slouched}
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "data"
        as_video = args.source == "video"
        suffix = ".mp4" if as_video else ""
        # Calibration: the first upright photo held still for 10 s, as a user sits for it.
        held = replace(kind, hold_s=10.0)
        calib = write_frames(
            tmp_path / f"upright{suffix}", args.fps, [("upright", 10.0)], held, folders, as_video
        )
        session = write_frames(
            tmp_path / f"session{suffix}", args.fps, segments, kind, folders, as_video
        )
        if args.profile:
            profile(data, calib, session, env)
        length_s = sum(s for _, s in segments)
        calibrate(data, calib, env)
        command = posturewatch(
            data, "run", *session, "--realtime", "--notifier", "none", "--summary"
        )
        print(
            f"bench: {name}, {args.frames} frames {kind.size[0]}x{kind.size[1]} at "
            f"{args.fps:g} fps as {'a video' if as_video else 'a folder of JPEGs'}: "
            + " + ".join(f"{k} {s:g} s" for k, s in segments)
        )
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


def profile(data: Path, calib: list[str], session: list[str], env: dict[str, str]) -> None:
    """Run the stretch in this process, as fast as it goes (the same checks a real-time
    run makes, without the waits), and print the CPU time of one check by stage."""
    from posturewatch import cli, monitor
    from posturewatch.core import detector as detector_module
    from posturewatch.inputs import pose, sources, still

    run_dir = data.parent / "profile-data"
    calibrate(run_dir, calib, env)
    spent: dict[str, float] = {}

    def timed(owner: Any, name: str, stage: str) -> None:
        """Add the process's CPU time during each call to `stage` (the model works in
        its own threads, so the calling thread's time would miss it); the decode
        thread, which runs beside the model, counts its own thread's time."""
        original = getattr(owner, name)
        clock = time.thread_time if stage.startswith("decode") else time.process_time

        def wrapper(*a: Any, **k: Any) -> Any:
            t0 = clock()
            try:
                return original(*a, **k)
            finally:
                spent[stage] = spent.get(stage, 0.0) + clock() - t0

        is_static = isinstance(inspect.getattr_static(owner, name), staticmethod)
        setattr(owner, name, staticmethod(wrapper) if is_static else wrapper)

    timed(sources.VideoFileSource, "_read_sync", "decode (own thread)")
    timed(sources, "_imread", "decode (own thread)")
    timed(still.StillFrames, "thumbnail", "still-frame thumbnail")
    timed(pose.TasksPose, "estimate", "pose estimate (all)")
    timed(pose.TasksPose, "raw", "pose model alone")
    timed(monitor, "compute_metrics", "metrics")
    timed(detector_module.Detector, "update", "detector")
    checks: dict[str, Any] = {}
    original_update = detector_module.Detector.update

    def count(self: Any, *a: Any, **k: Any) -> Any:
        """Counts checks; the first one starts the clock (start-up is not a check's)."""
        if not checks:
            checks["start"] = time.process_time()
            spent.clear()
        checks["n"] = checks.get("n", 0) + 1
        return original_update(self, *a, **k)

    detector_module.Detector.update = count  # type: ignore[method-assign]
    cli.main(["--data-dir", str(run_dir), "run", *session, "--notifier", "none"])
    total = time.process_time() - checks.get("start", time.process_time())
    detector_module.Detector.update = original_update  # type: ignore[method-assign]
    n = max(1, checks.get("n", 0))
    model = spent.get("pose model alone", 0.0)
    rows = [
        ("decode (own thread)", spent.get("decode (own thread)", 0.0)),
        ("still-frame thumbnail", spent.get("still-frame thumbnail", 0.0)),
        ("pose model alone", model),
        ("colour + landmarks", spent.get("pose estimate (all)", 0.0) - model),
        ("metrics", spent.get("metrics", 0.0)),
        ("detector", spent.get("detector", 0.0)),
    ]
    print(
        f"  profile: {n} checks, {1000 * total / n:.2f} ms of CPU a check "
        "(all threads, after start-up)"
    )
    for label, value in rows:
        print(f"    {label:42s} {1000 * value / n:7.2f} ms  {100 * value / total:5.1f} %")
    rest = max(0.0, total - sum(v for _, v in rows))
    print(f"    {'everything else (store, scheduler, loop)':42s} {1000 * rest / n:7.2f} ms")
    # The next frame is decoded on its own thread while this one's stages run, and
    # a stage's process time includes it: the stages overlap by up to the decode.
    print("    (stages overlap: the next frame is decoded while this one is judged)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stretch", choices=("steady", "mixed", "both"), default="both")
    parser.add_argument("--frames", choices=tuple(FRAME_KINDS), default="changing")
    parser.add_argument("--warmup", type=float, default=15.0, help="start-up excluded from CPU")
    parser.add_argument(
        "--source",
        choices=("video", "folder"),
        default="video",
        help="video: an mp4, tracked as a camera is; folder: JPEG frames, each estimated "
        "on its own as photos are (an upper bound)",
    )
    parser.add_argument("--fps", type=float, default=1.0, help="frames a second")
    parser.add_argument(
        "--upright", type=Path, default=SITTING / "notSlouching", help="folder of upright photos"
    )
    parser.add_argument(
        "--slouched", type=Path, default=SITTING / "isSlouching", help="folder of slouched photos"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also split one check's CPU time by stage"
    )
    args = parser.parse_args(argv)
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=pythonpath)
    print(f"machine: {machine()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    names = ["steady", "mixed"] if args.stretch == "both" else [args.stretch]
    results = {name: measure(name, args, env) for name in names}
    ok = all(mb <= TARGET_RSS_MB for _, mb in results.values())
    if args.frames == "changing":
        ok = ok and all(cpu <= TARGET_CPU_PCT[name] for name, (cpu, _) in results.items())
    targets = ", ".join(f"{name} <= {pct:g} %" for name, pct in TARGET_CPU_PCT.items())
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "result: "
        + ("within targets" if ok else "OVER TARGET")
        + f" (changing frames: {targets} of one core; <= {TARGET_RSS_MB:g} MB)"
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
