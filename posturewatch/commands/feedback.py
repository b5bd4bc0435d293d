"""`posturewatch feedback slouching | fine | reset | show`: teach the thresholds.

"slouching" says the tool missed a slouch (the signals that moved become more
sensitive); "fine" says it called good posture poor (the signals that fired become
less sensitive); core/learning.py decides how much. With a background instance or
the desktop app running, the answer goes over the control channel and the running
monitor learns from the moment it is in, at once. With none, this command looks
at you itself for a few seconds (the camera, or --source) against the profile,
learns from that moment and writes the profile directly, and says so.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from posturewatch.background import control
from posturewatch.background.instance import instance_running
from posturewatch.commands.options import (
    SECONDS,
    Subparsers,
    add_command,
    add_profile_argument,
    add_source_arguments,
    source_options,
)
from posturewatch.context import Context
from posturewatch.core.learning import (
    SIGNAL_WORDS,
    FeedbackKind,
    Learned,
    Moment,
    MomentTracker,
    describe,
    learn,
)

LOOK_SECONDS = 3.0
"""How long `feedback` looks at you through the camera when nothing else runs."""
LOOK_FPS = 4.0
KINDS: dict[str, FeedbackKind] = {"slouching": "slouching", "fine": "not_slouching"}
WIRE_KINDS = {"slouching": "slouching", "fine": "not_slouching", "reset": "reset"}


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "feedback",
        "tell it that it missed a slouch, or called good posture poor",
        "Teach the thresholds your own slouch. `slouching`: you are slouching now and it did "
        "not say so (the signals that moved become more sensitive). `fine`: its last posture "
        "prompt, or its verdict now, was wrong (the signals that fired become less sensitive). "
        "Steps are small and bounded around your calibration; a nod, a turned head, leaning "
        "back or standing up is never learned. `reset` forgets what was learned; `show` says "
        "what it is. A running instance (`start`, `gui`) learns at once; with none, this "
        "command looks at you for a few seconds itself and updates the profile.",
        [
            "posturewatch feedback slouching",
            "posturewatch feedback fine",
            "posturewatch feedback show",
            "posturewatch feedback reset",
        ],
        handler=handle,
    )
    p.add_argument("what", choices=("slouching", "fine", "reset", "show"), help="the answer")
    add_source_arguments(p)
    add_profile_argument(p)
    p.add_argument(
        "--calibration", type=Path, metavar="FILE", help="a calibration profile file instead"
    )
    p.add_argument(
        "--seconds",
        type=SECONDS,
        metavar="SECONDS",
        help=f"how long to look when no instance runs (default: {LOOK_SECONDS:g} s from a "
        "camera, the whole recording otherwise)",
    )


def handle(args: argparse.Namespace, ctx: Context) -> int:
    path: Path = args.calibration or ctx.paths.profile_file(args.profile or ctx.config.profile)
    if args.what == "show":
        return _show(path, ctx)
    runtime_dir = ctx.paths.runtime_dir
    if instance_running(runtime_dir):
        try:
            answer = control.send_request(
                runtime_dir, {"cmd": "feedback", "kind": WIRE_KINDS[args.what]}, timeout_s=10.0
            )
        except control.NotRunning:
            pass
        else:
            print(f"the running posturewatch {answer.get('message', '')}")
            return 0 if answer.get("applied") else 1
    from posturewatch.store.profiles import load_learned, save_learned

    if args.what == "reset":  # also the way out of a damaged "learned" entry
        save_learned(path, Learned())
        print(f"no posturewatch running: reset in {path} directly; thresholds as calibrated")
        return 0
    learned = load_learned(path, ctx.config.learning)
    moment = _look(args, ctx, path, learned)
    outcome = learn(learned, KINDS[args.what], moment, ctx.config.learning)
    if outcome.applied:
        save_learned(path, outcome.learned)
    print(f"no posturewatch running: looked for myself, applied to {path} directly")
    print(outcome.message)
    return 0 if outcome.applied else 1


def _look(args: argparse.Namespace, ctx: Context, path: Path, learned: Learned) -> Moment:
    """The moment now: a few seconds of frames through the detector, against the
    profile and what was already learned."""
    from posturewatch.app import load_baseline
    from posturewatch.core.detector import Detector
    from posturewatch.core.metrics import compute_metrics
    from posturewatch.inputs.pacing import capture

    baseline = load_baseline(path)
    detector = Detector(baseline, ctx.config.detector, learned.factors)
    tracker = MomentTracker()
    source = source_options(args).open(ctx.config)
    try:
        seconds = (
            args.seconds if args.seconds is not None else (LOOK_SECONDS if source.live else None)
        )
        step_s = 1.0 / (args.fps or LOOK_FPS)

        def take(obs: Any) -> None:
            metrics = compute_metrics(obs, args.view or baseline.view, ctx.config.metrics)
            tracker.add(detector.update(obs.time_s, metrics))

        capture(source, take, seconds, step_s)
    finally:
        source.close()
    return tracker.moment()


def _show(path: Path, ctx: Context) -> int:
    from posturewatch.store.profiles import load_learned

    learned = load_learned(path, ctx.config.learning)
    print(f"{path}: {describe(learned)}")
    for a in learned.answers[-5:]:
        what = "slouching" if a.kind == "slouching" else "not slouching"
        changed = ", ".join(f"{SIGNAL_WORDS[k]} x{v:.2f}" for k, v in a.steps.items())
        print(f"  {what}: {changed}")
    return 0
