"""The `posturewatch` command: global options, then one sub-command per job.

Each sub-command lives in posturewatch/commands/<name>.py with a `register(sub)`
that adds its parser and sets `handler(args, ctx) -> int`. A UserError anywhere
becomes one line on stderr and its exit status (2); never a traceback. Every line
the command writes to stderr about a problem (errors, usage errors, log warnings,
Python warnings of a library) goes through `core.errors.one_line`: one line, at most
about 300 characters, control characters escaped.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from posturewatch import __version__
from posturewatch.commands.options import OneLineFormatter, OneLineParser, add_global_arguments
from posturewatch.context import Context
from posturewatch.core.errors import UserError, one_line

COMMANDS = (
    "demo",
    "analyze",
    "record",
    "calibrate",
    "run",
    "gui",
    "report",
    "service",
    "feedback",
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
    handler = _log_to_stderr(args.verbose)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return _run(args)
    finally:
        logging.getLogger().removeHandler(handler)  # main() in a test leaves nothing behind


def _log_to_stderr(verbose: bool) -> logging.Handler:
    """Log lines go to the current stderr, one line each (other handlers are left as
    they are)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        OneLineFormatter("posturewatch: %(levelname)s: %(message)s", tracebacks=verbose)
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    return handler


def _run(args: argparse.Namespace) -> int:
    try:
        ctx = Context.from_args(args.data_dir)
        return int(args.handler(args, ctx) or 0)
    except UserError as exc:
        print_error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # The machine said no (a read-only, immutable or full data folder, a folder
        # where a file belongs): one line naming the file, never a traceback.
        print_error(describe_os_error(exc))
        return 2
    except (sqlite3.Error, RecursionError, OverflowError, ValueError) as exc:
        # A damaged or hostile input that slipped past its reader's checks.
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print_error(f"cannot go on: {str(exc).strip() or type(exc).__name__}")
        return 2


def print_error(message: str, stream: TextIO | None = None) -> None:
    """The one way a problem reaches the terminal: `posturewatch: <message>` on one line."""
    print(f"posturewatch: {one_line(message)}", file=stream or sys.stderr)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A library's Python warning (a numpy RuntimeWarning, a deprecation) becomes one
    of our lines, logged, instead of a two-line dump with a source line."""
    logging.getLogger("posturewatch.warnings").warning("%s: %s", category.__name__, message)


def describe_os_error(exc: OSError) -> str:
    """`cannot write /x/config.toml: No space left on device` from any OSError."""
    what = exc.strerror or type(exc).__name__
    if exc.filename is not None:
        return f"cannot use {exc.filename}: {what}"
    return f"system error: {what}"
