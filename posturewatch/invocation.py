"""How to call this program in a new shell, for every hint it prints.

Messages are written with `posturewatch ...` in backticks. Where `posturewatch` on
the PATH is this installation (after scripts/setup.sh, or a pip install), that is
what the user types; otherwise (a venv not on the PATH, `python -m posturewatch`)
the hints name the running executable in full, so copying one always works."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

NAME = "posturewatch"
MARK = f"`{NAME} "


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def me(
    argv0: str | None = None,
    executable: str = sys.executable,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """`posturewatch` when that name finds this installation, else the running
    script's full path, else `python -m posturewatch` with this interpreter."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    found = which(NAME)
    script = os.path.abspath(argv0) if argv0 and os.path.isfile(argv0) else None
    if script is not None and os.path.basename(script).startswith(NAME):
        if found is not None and _same_file(found, script):
            return NAME
        return shlex.quote(script)
    # `python -m posturewatch`: the name on the PATH must belong to this interpreter.
    if found is not None:
        bin_dir = os.path.dirname(os.path.realpath(found))
        if _same_file(bin_dir, os.path.dirname(executable)) or _same_file(
            bin_dir, os.path.dirname(os.path.realpath(executable))
        ):
            return NAME
    return f"{shlex.quote(executable)} -m {NAME}"


def hint(text: str, command: str | None = None) -> str:
    """`text` with each `posturewatch ...` hint calling `command` (default: me())."""
    if MARK not in text:
        return text
    return text.replace(MARK, f"`{command or me()} ")


class HintStream:
    """A text stream that rewrites the hints written through it and passes the rest
    (isatty, fileno, buffer, ...) to the stream beneath."""

    def __init__(self, stream: TextIO, command: str) -> None:
        self._stream = stream
        self._command = command

    def write(self, text: str) -> int:
        self._stream.write(hint(text, self._command))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def hints_rewritten() -> Iterator[None]:
    """While inside, stdout and stderr go through HintStream when the hints need
    another command than `posturewatch` (the CLI's main runs inside)."""
    command = me()
    saved = sys.stdout, sys.stderr
    if command != NAME:
        if sys.stdout is not None and not isinstance(sys.stdout, HintStream):
            sys.stdout = HintStream(sys.stdout, command)
        if sys.stderr is not None and not isinstance(sys.stderr, HintStream):
            sys.stderr = HintStream(sys.stderr, command)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
