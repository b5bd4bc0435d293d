"""`posturewatch autostart enable|disable|status`: start the desktop app at login."""

from __future__ import annotations

import argparse
import sys

from posturewatch.background import autostart
from posturewatch.commands.options import (
    Subparsers,
    add_command,
)
from posturewatch.context import Context


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "autostart",
        "start the desktop app at login (enable, disable, status)",
        "Add or remove a login item that runs the desktop app (`posturewatch gui`: the tray "
        "icon, watching in the background): an XDG autostart entry on Linux, a "
        "LaunchAgent on macOS, a Startup-folder script on Windows.",
        ["posturewatch autostart enable", "posturewatch autostart status"],
        handler=handle,
    )
    p.add_argument("action", choices=("enable", "disable", "status"))
    p.add_argument(
        "--source", metavar="SOURCE", help="the source the app should use (default: the camera)"
    )
    p.add_argument(
        "--notifier", metavar="NAME", help="the notifier the app should use (default from config)"
    )


def wanted_file(args: argparse.Namespace, ctx: Context) -> autostart.AutostartFile:
    """The login item for this installation, with the options given."""
    return autostart.login_item(ctx.paths, source=args.source, notifier=args.notifier)


def handle(args: argparse.Namespace, ctx: Context) -> int:
    platform = autostart.platform_kind(sys.platform)
    wanted = wanted_file(args, ctx)
    if args.action == "enable":
        autostart.enable(platform, wanted)
        print(f"autostart enabled: {wanted.path}")
    elif args.action == "disable":
        removed = autostart.disable(platform, wanted.path)
        print(
            f"autostart disabled: removed {wanted.path}" if removed else "autostart was not enabled"
        )
    else:
        current = autostart.state(wanted, platform)
        explain = {
            "enabled": f"enabled ({wanted.path})",
            "disabled": "disabled",
            "outdated": f"enabled with another command ({wanted.path}); "
            "run `posturewatch autostart enable` to update it",
            "foreign": f"{wanted.path} exists but was not written by posturewatch",
        }
        print(f"autostart: {explain[current]}")
    return 0
