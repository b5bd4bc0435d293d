"""`posturewatch run`: the whole loop in the foreground.

On a recording it runs on the recording's own time as fast as the machine allows
(or paced with --realtime) and stops at its end; on a camera it runs on the wall
clock until Ctrl-C or SIGTERM, then flushes the store and exits 0.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from posturewatch.context import Context
from posturewatch.core.errors import UserError
from posturewatch.core.types import DetectorUpdate, Prompt


def add_source_arguments(p: argparse.ArgumentParser, source_required: bool = False) -> None:
    """Options every command that reads frames shares."""
    p.add_argument(
        "--source",
        required=source_required,
        help="camera (camera, camera:N, /dev/videoN), a video file, a folder or glob of "
        "images, or a landmark recording (.jsonl/.jsonl.gz); default: the configured camera",
    )
    p.add_argument("--fps", type=float, help="frames per second of an image folder (default 1)")
    p.add_argument("--view", choices=("front", "side"), help="camera placement (default: detected)")
    p.add_argument("--model", type=Path, help="a MediaPipe Tasks .task pose model to use instead")


def add_monitor_arguments(p: argparse.ArgumentParser) -> None:
    """Options of everything that runs the whole loop (`run`, `start`)."""
    add_source_arguments(p)
    p.add_argument("--notifier", help="auto (default), console, dbus, plyer, notify-send, none")
    p.add_argument("--profile", help="calibration profile name (default from config)")
    p.add_argument("--calibration", type=Path, help="a calibration profile file instead")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run",
        help="watch posture and prompt breaks, in the foreground",
        description="Run the whole loop: frames -> pose -> metrics -> detector -> scheduler -> "
        "notifications, logging numbers to the store.",
    )
    add_monitor_arguments(p)
    p.add_argument(
        "--realtime", action="store_true", help="pace a recording as a camera would deliver it"
    )
    p.add_argument(
        "--speed",
        type=float,
        metavar="X",
        help="pace a recording X times faster than real time (implies --realtime)",
    )
    p.add_argument(
        "--start-at",
        metavar="ISO",
        help="local date and time a recording starts at, e.g. 2026-11-23T09:00 (default now)",
    )
    p.add_argument("--record", type=Path, metavar="FILE", help="also save the landmarks to FILE")
    p.add_argument("--no-store", action="store_true", help="do not write to the database")
    p.add_argument("--summary", action="store_true", help="print a JSON summary at the end")
    p.set_defaults(handler=handle)


def profile_path(args: argparse.Namespace, ctx: Context) -> Path:
    if getattr(args, "calibration", None):
        return Path(args.calibration)
    return ctx.paths.profile_file(getattr(args, "profile", None) or ctx.config.profile)


def load_baseline(args: argparse.Namespace, ctx: Context) -> Any:
    from posturewatch.store.profiles import load_profile

    path = profile_path(args, ctx)
    if not path.exists():
        raise UserError(
            f"no calibration profile at {path}: sit well and run `posturewatch calibrate` first"
        )
    return load_profile(path)


def build_monitor(
    args: argparse.Namespace,
    ctx: Context,
    on_update: Any = None,
    on_prompt: Any = None,
    source: Any = None,
) -> tuple[Any, Any]:
    """Everything `run` and the background service need, wired; returns
    (monitor, closer) where closer() releases what was opened. `source` replaces
    the one args name (the demo reuses observations it already has)."""
    from posturewatch.clock import MediaClock, WallClock, parse_start_at
    from posturewatch.core.detector import Detector
    from posturewatch.core.scheduler import Scheduler
    from posturewatch.inputs.observations import open_observations
    from posturewatch.inputs.routines_file import load_routines
    from posturewatch.monitor import Monitor
    from posturewatch.notifiers import make_notifier
    from posturewatch.store.database import Store

    config = ctx.config
    routines = load_routines(
        Path(config.routines_file).expanduser() if config.routines_file else None
    )
    baseline = load_baseline(args, ctx)
    spec = args.source or config.camera.source_spec
    if source is None:
        source = open_observations(
            spec, args.fps, args.model, config.camera.width, config.camera.height
        )
    if args.record:
        from posturewatch.inputs.recording import RecordingTee, RecordingWriter

        source = RecordingTee(source, RecordingWriter(args.record, source.description))
    clock: Any
    if source.live:
        clock = WallClock()
        origin = clock.now()
    else:
        origin = parse_start_at(getattr(args, "start_at", None))
        speed = getattr(args, "speed", None)
        realtime = bool(getattr(args, "realtime", False)) or speed is not None
        clock = MediaClock(origin, realtime=realtime, speed=speed or 1.0)
    notifier = make_notifier(
        args.notifier or config.notifications.backend, config.notifications, origin, clock=clock.now
    )
    store = None
    if not getattr(args, "no_store", False):
        ctx.paths.ensure()
        store = Store(ctx.paths.database, config.store)
        if source.live:  # never prune on a replay dated in the past
            store.prune(origin)
        store.add_event(origin, "start", spec)
    monitor = Monitor(
        source=source,
        clock=clock,
        detector=Detector(baseline, config.detector),
        scheduler=Scheduler(config.scheduler, routines),
        notifier=notifier,
        store=store,
        settings=config.sampling,
        view=args.view or baseline.view,
        on_update=on_update,
        on_prompt=on_prompt,
        metrics_settings=config.metrics,
        profile_path=profile_path(args, ctx),
    )

    def closer() -> None:
        try:
            source.close()
        finally:
            try:
                notifier.close()
            finally:
                if store is not None:
                    store.add_event(clock.now(), "stop", "")
                    store.close()

    return monitor, closer


def summary_json(monitor: Any) -> str:
    s = monitor.summary
    return json.dumps(
        {
            "samples": s.samples,
            "persons": s.persons,
            "prompts": len(s.prompts),
            "answers": len(s.answers),
            "minutes_by_state": {
                k: round(v / 60, 2) for k, v in sorted(s.seconds_by_state.items())
            },
            "recalibrate_requested": s.recalibrate_requested,
            "camera_outages": s.camera_outages,
        }
    )


def install_stop_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT end the loop cleanly: the store is flushed, exit 0."""

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)


def handle(args: argparse.Namespace, ctx: Context) -> int:
    stop = threading.Event()
    install_stop_signals(stop)

    def report_update(update: DetectorUpdate) -> None:
        if update.recalibrate and not getattr(report_update, "said", False):
            report_update.said = True  # type: ignore[attr-defined]
            print(
                "posturewatch: the camera or desk changed; posture alerts are off until you "
                "run `posturewatch calibrate` again",
                file=sys.stderr,
            )

    def report_prompt(prompt: Prompt) -> None:
        return None

    monitor, closer = build_monitor(args, ctx, on_update=report_update, on_prompt=report_prompt)
    try:
        monitor.run(stop)
    finally:
        closer()
    if args.summary:
        print(summary_json(monitor), file=sys.stderr)
    return 0
