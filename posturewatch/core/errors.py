"""The one exception a user ever sees: it becomes one line on stderr and exit status 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or machine (missing file, busy camera, bad
    config). The message is a complete sentence naming what is wrong; the CLI prints
    it as `posturewatch: <message>` and exits with `exit_code`, never a traceback."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


MAX_LINE_CHARS = 300
"""An error line fits a terminal or two: longer input echoed in it is cut in the middle."""


def one_line(text: str, limit: int | None = MAX_LINE_CHARS) -> str:
    """`text` as one printable line of at most about `limit` characters: control and
    format characters (newlines, escape sequences, bidi overrides, line separators,
    undecodable bytes of a file name) are written as escapes, so nothing a message
    quotes can add a line or drive the terminal, and a long middle is cut ("...");
    limit=None keeps the whole text."""
    out = "".join(_printable(ch) for ch in text)
    if limit is None or len(out) <= limit:
        return out
    head = limit * 2 // 3
    tail = limit - head - 5
    return f"{out[:head]} ... {out[-tail:]}"


def _printable(ch: str) -> str:
    if ch.isprintable() or ch == " ":
        return ch
    code = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == "\r":
        return "\\r"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
