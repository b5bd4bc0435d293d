"""The one exception a user ever sees: it becomes one line on stderr and exit status 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or machine (missing file, busy camera, bad
    config). The message is a complete sentence naming what is wrong; the CLI prints
    it as `posturewatch: <message>` and exits with `exit_code`, never a traceback."""

    def __init__(self, message: str, exit_code: int = 2, fix: str = "") -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.fix = fix
        """What to do about it, when that is not plain from the message (the CLI
        adds it to the line; `doctor` shows it apart)."""

    def line(self) -> str:
        """The message and its fix, as one line."""
        return f"{self}; {self.fix}" if self.fix else str(self)
