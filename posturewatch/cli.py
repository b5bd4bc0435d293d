"""The `posturewatch` command: global options, then one sub-command per job.

Each sub-command lives in posturewatch/commands/<name>.py with a `register(sub)`
that adds its parser and sets `handler(args, ctx) -> int`. A UserError anywhere
becomes one line on stderr and its exit status (2); never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys
from collections.abc import Sequence

from posturewatch import __version__
from posturewatch.commands.options import OneLineParser, add_global_arguments
from posturewatch.context import Context
from posturewatch.core.errors import UserError

COMMANDS = (
    "demo",
    "analyze",
    "record",
    "calibrate",
    "run",
    "gui",
    "report",
    "service",
    "autostart",
    "doctor",
    "config",
)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="posturewatch",
        description="Watches your sitting posture through the webcam and prompts "
        "upper-back breaks. Frames never leave memory; only numbers are kept, locally.",
    )
    parser.add_argument("--version", action="version", version=f"posturewatch {__version__}")
    add_global_arguments(parser, in_subcommand=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"posturewatch.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error, already printed as one line (2)
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="posturewatch: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        ctx = Context.from_args(args.data_dir)  # a bad --data-dir is one line too
        return int(args.handler(args, ctx) or 0)
    except UserError as exc:
        print(f"posturewatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # The machine said no (a read-only, immutable or full data folder, a folder
        # where a file belongs): one line naming the file, never a traceback.
        print(f"posturewatch: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    except (sqlite3.Error, RecursionError, OverflowError, ValueError) as exc:
        # A damaged or hostile input that slipped past its reader's checks.
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"posturewatch: cannot go on: {_first_line(exc)}", file=sys.stderr)
        return 2


def describe_os_error(exc: OSError) -> str:
    """`cannot write /x/config.toml: No space left on device` from any OSError."""
    what = exc.strerror or type(exc).__name__
    if exc.filename is not None:
        return f"cannot use {exc.filename}: {what}"
    return f"system error: {what}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else type(exc).__name__) or type(exc).__name__
