"""`posturewatch gui`: the desktop app, the monitor plus a tray icon and windows.

What the desktop entry and autostart start. It is the user's one background
instance, so `posturewatch status`, `pause`, `resume` and `stop` work against it.
A recording is paced in real time, as `start` does.
"""

from __future__ import annotations

import argparse

from posturewatch.commands.options import (
    Subparsers,
    add_command,
    add_monitor_arguments,
    run_options,
)
from posturewatch.context import Context
from posturewatch.core.errors import UserError

WINDOWS = ("first-run", "camera", "settings", "break", "menu", "live", "report")


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "gui",
        "the desktop app: watch in the background with a tray icon and windows",
        "Watch posture with a tray icon whose look shows the state and whose menu pauses, "
        "calibrates, opens today's report and the settings. The first run explains the "
        "tool, helps place the camera and calibrates. Prompts are notifications with "
        "Done / Snooze / Show me, or a break window.",
        [
            "posturewatch gui",
            "posturewatch gui --source camera:1",
            "posturewatch gui --open settings",
        ],
        handler=handle,
    )
    add_monitor_arguments(p)
    p.add_argument(
        "--open",
        metavar="WINDOW",
        help="also open a window at start: first-run, camera, settings, break[:ROUTINE], menu, "
        "live, report",
    )


def handle(args: argparse.Namespace, ctx: Context) -> int:
    if args.open and args.open.partition(":")[0] not in WINDOWS:
        raise UserError(f"--open: {args.open!r} is not one of {', '.join(WINDOWS)}")
    try:
        from posturewatch.desktop.app import run_gui
    except ImportError as exc:
        raise UserError(
            f"the desktop app needs PySide6 ({exc}); install it with "
            "`pip install PySide6-Essentials`"
        ) from None
    from posturewatch.commands.service import _self_command

    options = run_options(args, realtime=True, start_at=None, record=None, keep_store=True)
    _ = ctx.config  # a broken config.toml is an error naming the key, before any window
    return run_gui(ctx, options, _self_command(args), args.open)
