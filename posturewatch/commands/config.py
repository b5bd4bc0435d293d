"""`posturewatch config`: where the config file is, what it says, and a check of it."""

from __future__ import annotations

import argparse

from posturewatch.commands.options import (
    Subparsers,
    add_command,
)
from posturewatch.config import Config, dump_config
from posturewatch.context import Context
from posturewatch.files import write_atomic


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "config",
        "show the config file's path and effective settings",
        "Print the effective settings as TOML (defaults merged with your config file), or "
        "where the file is, or write the defaults out to start from.",
        ["posturewatch config", "posturewatch config --path", "posturewatch config --init"],
        handler=handle,
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--path", action="store_true", help="print only the config file's path")
    group.add_argument("--defaults", action="store_true", help="print the default config as TOML")
    group.add_argument(
        "--init", action="store_true", help="write the defaults to the config file if it is missing"
    )


def handle(args: argparse.Namespace, ctx: Context) -> int:
    path = ctx.paths.config_file
    if args.path:
        print(path)
        return 0
    if args.defaults:
        print(dump_config(Config()), end="")
        return 0
    if args.init:
        if path.exists():
            print(f"{path} exists; left as it is")
            return 0
        ctx.paths.ensure()
        write_atomic(path, dump_config(Config()))
        print(f"wrote {path}")
        return 0
    config = ctx.config  # validates; a bad key is a one-line error naming it
    print(f"# {path}{'' if path.exists() else ' (missing: defaults in use)'}")
    print(dump_config(config), end="")
    return 0
