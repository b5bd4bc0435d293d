"""`posturewatch run`: the whole loop in the foreground.

On a recording it runs on the recording's own time as fast as the machine allows
(or paced with --realtime) and stops at its end; on a camera it runs on the wall
clock until Ctrl-C or SIGTERM, then flushes the store and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from posturewatch.app import Application
from posturewatch.background.instance import foreground_instance
from posturewatch.commands.options import (
    SPEED,
    Subparsers,
    add_command,
    add_monitor_arguments,
    run_options,
    start_at,
)
from posturewatch.context import Context
from posturewatch.core.types import DetectorUpdate
from posturewatch.monitor import RunSummary
from posturewatch.signals import stop_on_signals


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "run",
        "watch posture and prompt breaks, in the foreground",
        "Run the whole loop: frames -> pose -> metrics -> detector -> scheduler -> "
        "notifications, logging numbers to the store. A recording runs on its own clock "
        "as fast as the machine allows; a camera until Ctrl-C.",
        [
            "posturewatch run",
            "posturewatch run --source day.jsonl.gz --start-at 2026-11-23T09:00 --summary",
        ],
        handler=handle,
    )
    add_monitor_arguments(p)
    p.add_argument(
        "--realtime", action="store_true", help="pace a recording as a camera would deliver it"
    )
    p.add_argument(
        "--speed",
        type=SPEED,
        metavar="X",
        help="pace a recording X times faster than real time, 1 to 100000 (implies --realtime)",
    )
    p.add_argument(
        "--start-at",
        type=start_at,
        metavar="ISO",
        help="local date and time a recording starts at, e.g. 2026-11-23T09:00 (default now)",
    )
    p.add_argument("--record", type=Path, metavar="FILE", help="also save the landmarks to FILE")
    p.add_argument("--no-store", action="store_true", help="do not write to the database")
    p.add_argument("--summary", action="store_true", help="print a JSON summary at the end")


def summary_json(summary: RunSummary) -> str:
    return json.dumps(
        {
            "samples": summary.samples,
            "persons": summary.persons,
            "prompts": len(summary.prompts),
            "answers": len(summary.answers),
            "minutes_by_state": {
                k: round(v / 60, 2) for k, v in sorted(summary.seconds_by_state.items())
            },
            "recalibrate_requested": summary.recalibrate_requested,
            "camera_outages": summary.camera_outages,
        }
    )


class _SetupChangeNotice:
    """Says once on stderr that alerts are off until recalibration."""

    def __init__(self) -> None:
        self.said = False

    def __call__(self, update: DetectorUpdate) -> None:
        if update.recalibrate and not self.said:
            self.said = True
            print(
                "posturewatch: the camera or desk changed and no saved setup fits; posture "
                "alerts are off until you run `posturewatch calibrate --profile NAME` for "
                "this setup (or sit in a saved one)",
                file=sys.stderr,
            )


def handle(args: argparse.Namespace, ctx: Context) -> int:
    options = run_options(args)
    with contextlib.ExitStack() as stack:
        if options.keep_store:  # one writer per database: the same lock as `start`
            ctx.paths.ensure()
            stack.enter_context(
                foreground_instance(ctx.paths, options.source.spec or "the configured camera")
            )
        app = stack.enter_context(
            Application.open(ctx.paths, ctx.config, options, on_update=_SetupChangeNotice())
        )
        with stop_on_signals(app.stop):
            summary = app.run()
        app.close()
        if args.summary:
            print(summary_json(summary), file=sys.stderr)
    problem = app.store.unwritten() if app.store is not None else None
    if problem:
        print(f"posturewatch: {problem}", file=sys.stderr)
        return 1
    return 0
