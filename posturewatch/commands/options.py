"""The options the sub-commands share, defined once: the same flag has the same
name, metavar and help wherever it appears, and parses into the same typed options
(app.SourceOptions, app.RunOptions)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from posturewatch.app import RunOptions, SourceOptions
from posturewatch.clock import parse_start_at
from posturewatch.context import Context
from posturewatch.core.errors import UserError, one_line
from posturewatch.core.settings import check_between
from posturewatch.paths import check_profile_name

SOURCE_HELP = (
    "camera, camera:N or /dev/videoN; a video file; an image, a folder or glob of images; "
    "a landmark recording (.jsonl, .jsonl.gz) or a timeline (.toml)"
)

Subparsers = Any
"""argparse's sub-parser action (its class is private)."""


class OneLineParser(argparse.ArgumentParser):
    """A usage error is one line naming the problem and where help is, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"posturewatch: {one_line(message)} (see `{self.prog} --help`)\n")


class OneLineFormatter(logging.Formatter):
    """Log lines are one line each too (core.errors.one_line); a traceback only when
    asked for (-v, or the background instance's log file)."""

    def __init__(self, fmt: str, *, tracebacks: bool = False) -> None:
        super().__init__(fmt)
        self.tracebacks = tracebacks

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return super().formatException(ei) if self.tracebacks else ""

    def formatStack(self, stack_info: str) -> str:
        return stack_info if self.tracebacks else ""


def number_between(low: float, high: float, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a number from `low` to `high` (nan, inf and anything outside
    refused), checked by core.settings.check_between like every number of the config
    and of a timeline, so no command runs on a value it cannot finish with."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0 < low:
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
        try:
            check_between("value", value, low, high, unit)
        except ValueError as exc:
            reason = str(exc).removeprefix("value: ")
            raise argparse.ArgumentTypeError(f"{reason}, got {text!r}") from None
        return value

    return parse


FPS = number_between(0.01, 1000.0, "frames a second")
SPEED = number_between(1.0, 100_000.0, "times real time")
"""--speed paces a recording faster than real time; below 1 would be slower than a
camera (a tiny value never ends), and --realtime is speed 1."""
SENSITIVITY = number_between(1e-6, 1e6)
"""Finite and positive here; DetectorSettings checks its range (0.2 to 5) by name."""
SECONDS = number_between(0.01, 7 * 24 * 3600.0, "s")
"""A span of source time (calibrate --seconds, record --every and --duration): up to
a week, as far as a pause goes."""


def profile_name(text: str) -> str:
    """An argparse type: a profile name as Paths.profile_file accepts it (not empty,
    not a path), refused while the command line is read."""
    try:
        return check_profile_name(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def start_at(text: str) -> str:
    """An argparse type: --start-at as clock.parse_start_at reads it, checked at once."""
    try:
        parse_start_at(text)
    except (UserError, OverflowError, OSError) as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--start-at: ")) from None
    return text


def positive_int(text: str) -> int:
    """An argparse type: a whole number above zero."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}")
    return value


def add_global_arguments(parser: argparse.ArgumentParser, *, in_subcommand: bool) -> None:
    """--data-dir and --verbose, accepted before or after the sub-command."""
    default: Any = argparse.SUPPRESS if in_subcommand else None
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="keep all state (config, profiles, database) in DIR "
        "(default: $POSTUREWATCH_DATA_DIR, else the platform's user directories)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default if in_subcommand else False,
        help="log what happens",
    )


Handler = Callable[[argparse.Namespace, Context], int]
"""What runs a sub-command: its parsed arguments and the context -> the exit status."""


def add_command(
    sub: Subparsers,
    name: str,
    summary: str,
    description: str,
    examples: list[str],
    handler: Handler,
) -> argparse.ArgumentParser:
    """A sub-command with its one-line summary, a description, examples and the
    handler that runs it."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_global_arguments(parser, in_subcommand=True)
    parser.set_defaults(handler=handler)
    return parser


def add_source_arguments(
    parser: argparse.ArgumentParser, default: str = "the configured camera"
) -> None:
    """--source, --fps, --view and --model: every command that reads frames."""
    parser.add_argument("--source", metavar="SOURCE", help=f"{SOURCE_HELP} (default: {default})")
    parser.add_argument(
        "--fps",
        type=FPS,
        metavar="N",
        help="frames per second: of an image folder (default 1), or to analyse",
    )
    parser.add_argument(
        "--view", choices=("front", "side"), help="camera placement (default: detected)"
    )
    parser.add_argument(
        "--model", type=Path, metavar="FILE.task", help="a MediaPipe Tasks pose model file"
    )


def add_sensitivity_argument(parser: argparse.ArgumentParser) -> None:
    """--sensitivity: the one factor over every threshold ([detector] sensitivity)."""
    parser.add_argument(
        "--sensitivity",
        type=SENSITIVITY,
        metavar="F",
        help="how small a deviation counts as poor posture: 1 standard, 2 notices half "
        "the deviation, 0.5 only twice as much (default: [detector] sensitivity)",
    )


def add_profile_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        type=profile_name,
        metavar="NAME",
        help="calibration profile name (default: from the config)",
    )


def add_monitor_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of everything that runs the whole loop (`run`, `start`, `gui`)."""
    add_source_arguments(parser)
    parser.add_argument(
        "--notifier",
        metavar="NAME",
        help="auto (default), console, dbus, plyer, notify-send, none",
    )
    add_profile_argument(parser)
    add_sensitivity_argument(parser)
    parser.add_argument(
        "--calibration",
        type=Path,
        metavar="FILE",
        help="a calibration profile file instead of a named profile",
    )


def source_options(args: argparse.Namespace) -> SourceOptions:
    return SourceOptions(spec=args.source, fps=args.fps, view=args.view, model=args.model)


def run_options(args: argparse.Namespace, **overrides: Any) -> RunOptions:
    """The typed options of a command that runs the loop; `overrides` for what the
    command fixes itself (the background instance always paces in real time)."""
    values: dict[str, Any] = {
        "source": source_options(args),
        "notifier": args.notifier,
        "profile": args.profile,
        "calibration": args.calibration,
        "realtime": bool(getattr(args, "realtime", False)),
        "speed": getattr(args, "speed", None),
        "start_at": getattr(args, "start_at", None),
        "record": getattr(args, "record", None),
        "keep_store": not getattr(args, "no_store", False),
        "sensitivity": getattr(args, "sensitivity", None),
    }
    values.update(overrides)
    return RunOptions(**values)
