"""`posturewatch calibrate`: record the user's own upright posture as the baseline.

With a camera it tells the user how to sit, counts down, then captures a few
seconds at a few frames per second; with a recording (video, images, landmark
recording) it runs without prompts, which is how tests and demos calibrate. A
calibration that cannot be trusted is refused with its reason (exit 2) and the
previous profile is left untouched; a corrupt previous profile is never replaced
unless --force, and even then it is kept beside the new one.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturewatch.commands.options import (
    SECONDS,
    Subparsers,
    add_command,
    add_profile_argument,
    add_source_arguments,
    source_options,
)
from posturewatch.context import Context
from posturewatch.core.baseline import (
    CalibrationSettings,
    add_slouch,
    calibrate_metrics,
    describe,
    describe_slouch,
)
from posturewatch.core.errors import UserError
from posturewatch.core.types import Observation, PostureMetrics
from posturewatch.inputs.pacing import capture
from posturewatch.store.owned import refuse_owned
from posturewatch.store.profiles import check_existing, save_profile

if TYPE_CHECKING:
    from posturewatch.inputs.observations import ObservationSource

CAMERA_SECONDS = 10.0
CAMERA_FPS = 4.0
COUNTDOWN_S = 3
SECOND_MONITOR_YAW_DEG = 60.0
"""How far a second monitor's calibration may have the head turned from the camera."""

INSTRUCTIONS = """\
Calibration: sit the way you mean to sit.
  - back against the chair, feet on the floor
  - shoulders relaxed and down, head level, looking at the screen
  - head and shoulders in view of the camera; stay still while it records
"""

SLOUCH_INSTRUCTIONS = """\
Now sit as you do when you are tired: slump the way you usually do, eyes on the
screen (not a glance at the keyboard, not turned away). It records a few seconds;
your thresholds move toward this slouch, so it is caught sooner.
"""


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "calibrate",
        "record your upright posture as the baseline",
        "Record a few seconds of your upright sitting posture; later posture is judged as "
        "deviation from it. Frames stay in memory; only numbers are saved.",
        [
            "posturewatch calibrate",
            "posturewatch calibrate --profile desk --preview",
            "posturewatch calibrate --slouch        # then show how you slouch",
            "posturewatch calibrate --source upright.mp4 --slouch-source slouched.mp4",
            "posturewatch calibrate --profile laptop      # one profile per setup",
            "posturewatch calibrate --profile monitor2 --second-monitor",
        ],
        handler=handle,
    )
    add_source_arguments(p)
    p.add_argument(
        "--seconds",
        type=SECONDS,
        metavar="SECONDS",
        help=f"how long to capture (default: {CAMERA_SECONDS:g} s from a camera, "
        "the whole recording otherwise)",
    )
    p.add_argument(
        "--slouch",
        action="store_true",
        help="after sitting well, show how you slouch when tired (a second countdown)",
    )
    p.add_argument(
        "--slouch-source",
        metavar="SOURCE",
        help="your slouch, from a source as --source takes it (implies --slouch)",
    )
    add_profile_argument(p)
    p.add_argument("--output", type=Path, metavar="FILE", help="write the profile to FILE")
    p.add_argument(
        "--preview",
        action="store_true",
        help="show the detected landmarks in a window while capturing (needs a display)",
    )
    p.add_argument(
        "--second-monitor",
        action="store_true",
        help="calibrate facing a second screen beside the camera (head turned up to "
        f"{SECOND_MONITOR_YAW_DEG:g} degrees); a head turned to it is then judged "
        "against this profile instead of as looking away",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a corrupt existing profile (it is kept as <name>.json.corrupt-<time>)",
    )


def handle(args: argparse.Namespace, ctx: Context) -> int:
    profile = args.profile or ctx.config.profile
    path: Path = args.output or ctx.paths.profile_file(profile)
    if args.output is not None:
        refuse_owned(ctx.paths, path, "--output", profiles=False)
    corrupt = check_existing(path, force=args.force)

    if args.slouch_source is not None and not args.slouch_source.strip():
        raise UserError("--slouch-source: empty; give a camera, a file or a folder")
    options = source_options(args)
    source = options.open(ctx.config)
    samples, description = _capture(source, args, ctx, INSTRUCTIONS)
    settings: CalibrationSettings = ctx.config.calibration
    if args.second_monitor:
        settings = replace(
            settings, max_abs_yaw_deg=max(settings.max_abs_yaw_deg, SECOND_MONITOR_YAW_DEG)
        )
    baseline = calibrate_metrics(
        samples,
        view=args.view,
        settings=settings,
        created_s=time.time(),
        source=description,
        profile=profile,
    )
    if args.slouch or args.slouch_source:
        spec = args.slouch_source or options.spec
        slouch_source = dataclasses.replace(options, spec=spec).open(ctx.config)
        slouched, slouch_description = _capture(slouch_source, args, ctx, SLOUCH_INSTRUCTIONS)
        baseline = add_slouch(baseline, slouched, ctx.config.detector, source=slouch_description)
    if corrupt:
        kept = path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(path, kept)
        print(f"the corrupt profile was kept as {kept}")
    if args.output is None:
        ctx.paths.ensure()
    had_previous = path.exists()
    save_profile(path, baseline)
    print(describe(baseline))
    if baseline.slouch is not None:
        print(describe_slouch(baseline, ctx.config.detector))
    backup = f" (previous kept as {path.name}.bak)" if had_previous else ""
    print(f"saved {path}{backup}")
    if args.output is None and profile != ctx.config.profile:
        print(
            f"setup '{profile}' added: a running posturewatch switches to it when you sit this way"
        )
    return 0


def _capture(
    source: ObservationSource, args: argparse.Namespace, ctx: Context, instructions: str
) -> tuple[list[PostureMetrics | None], str]:
    """The metrics of a capture (a camera: instructions, a countdown, a few seconds;
    a recording: all of it), and the source's description."""
    from posturewatch.core.metrics import compute_metrics

    preview = Preview.open_if_possible() if args.preview else None
    samples: list[PostureMetrics | None] = []
    try:
        if source.live:
            # One frame first: a busy camera fails now, and the model is loaded
            # before the countdown rather than eating into the capture.
            source.read()
            print(instructions)
            countdown(COUNTDOWN_S)
        seconds = (
            args.seconds if args.seconds is not None else (CAMERA_SECONDS if source.live else None)
        )
        step_s = 1.0 / (args.fps or CAMERA_FPS)

        def take(obs: Observation) -> None:
            samples.append(compute_metrics(obs, args.view, ctx.config.metrics))
            if preview is not None:
                preview.show(obs)

        capture(source, take, seconds, step_s)
    finally:
        source.close()
        if preview is not None:
            preview.close()
    return samples, source.description


def countdown(seconds: int, sleep: Callable[[float], None] = time.sleep) -> None:
    for remaining in range(seconds, 0, -1):
        print(f"starting in {remaining}...", flush=True)
        sleep(1.0)
    print("recording: hold still", flush=True)


def display_available() -> bool:
    """A window can open: always on Windows/macOS, on Linux only with X11 or Wayland."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


SKELETON = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (0, 2), (0, 5), (2, 7), (5, 8), (9, 10),
)  # fmt: skip


class Preview:
    """The landmarks the model found, drawn on a blank canvas (never the camera
    image), so the user can see whether head and shoulders are in view."""

    WINDOW = "posturewatch calibration"

    def __init__(self, cv2: Any) -> None:
        self.cv2 = cv2

    @classmethod
    def open_if_possible(cls) -> Preview | None:
        if not display_available():
            print("preview skipped: no display (DISPLAY/WAYLAND_DISPLAY not set)")
            return None
        try:
            import cv2

            cv2.namedWindow(cls.WINDOW)
        except Exception as exc:  # a headless OpenCV build has no windows
            print(f"preview skipped: cannot open a window ({str(exc).splitlines()[0]})")
            return None
        return cls(cv2)

    def show(self, obs: Observation) -> None:
        import numpy as np

        width, height = max(obs.width, 1), max(obs.height, 1)
        canvas = np.zeros((height, width, 3), dtype=np.uint8)
        if obs.pose is None:
            self.cv2.putText(
                canvas, "nobody in view", (20, 40), self.cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                (0, 0, 255), 2,
            )  # fmt: skip
        else:
            pts = [(int(p.x * width), int(p.y * height)) for p in obs.pose.image]
            for a, b in SKELETON:
                if a < len(pts) and b < len(pts):
                    self.cv2.line(canvas, pts[a], pts[b], (0, 200, 0), 2)
            for x, y in pts[:25]:
                self.cv2.circle(canvas, (x, y), 4, (255, 255, 255), -1)
        self.cv2.imshow(self.WINDOW, canvas)
        self.cv2.waitKey(1)

    def close(self) -> None:
        try:
            self.cv2.destroyWindow(self.WINDOW)
        except Exception:
            pass
