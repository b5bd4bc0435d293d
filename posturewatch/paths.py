"""Where the tool keeps its state: one data directory per user, per platform.

`--data-dir DIR` or the POSTUREWATCH_DATA_DIR environment variable put everything
(config, calibration profiles, the database) in one folder, which is also how the
tests and the demo keep away from the user's real data.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from posturewatch.core.errors import UserError
from posturewatch.files import private_dir

ENV_DATA_DIR = "POSTUREWATCH_DATA_DIR"
APP = "posturewatch"


def default_config_dir() -> Path:
    """The platform's per-user configuration directory for this app."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / APP


def default_data_dir() -> Path:
    """The platform's per-user data directory for this app."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP


PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""Letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 64."""


def check_profile_name(name: str) -> str:
    """`name` if it names a profile; UserError otherwise (the one place names are checked)."""
    if not isinstance(name, str) or not PROFILE_NAME.fullmatch(name) or ".." in name:
        raise UserError(
            f"profile name {str(name)[:80]!r} is not a name: use letters, digits, '_', '.' "
            "and '-' (at most 64, no path)"
        )
    return name


@dataclass(frozen=True)
class Paths:
    """Every file the tool reads or writes, resolved once at start-up."""

    config_dir: Path
    data_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def profiles_dir(self) -> Path:
        return self.data_dir / "profiles"

    def profile_file(self, name: str = "default") -> Path:
        """The file of profile `name`; a name that is not a plain name (a path, `..`,
        a hidden or overlong name) is a UserError, so a profile can only ever be
        written inside profiles/."""
        return self.profiles_dir / f"{check_profile_name(name)}.json"

    @property
    def database(self) -> Path:
        return self.data_dir / "posturewatch.sqlite3"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def runtime_dir(self) -> Path:
        """Lock file and control socket of the background instance."""
        return self.data_dir / "run"

    def ensure(self) -> None:
        """Create the missing directories, readable by the user alone. One that exists is
        left as it is: `--data-dir` may name a shared folder, whose sticky bit or group
        access are not ours to take."""
        for d in (self.config_dir, self.data_dir, self.profiles_dir, self.runtime_dir):
            private_dir(d)


def resolve_paths(data_dir: str | Path | None = None) -> Paths:
    """--data-dir wins, then $POSTUREWATCH_DATA_DIR, then the platform defaults."""
    chosen = data_dir or os.environ.get(ENV_DATA_DIR)
    if chosen:
        what = "--data-dir" if data_dir else ENV_DATA_DIR
        root = check_data_dir(expand_user(chosen, what), what)
        return Paths(config_dir=root, data_dir=root)
    return Paths(config_dir=default_config_dir(), data_dir=default_data_dir())


def expand_user(text: str | os.PathLike[str], what: str) -> Path:
    """`text` with `~` or `~user` expanded; a user who does not exist (or no home
    to expand `~` to) is a UserError naming `what`, never pathlib's RuntimeError.
    The one place a path the user typed is expanded."""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:
        first = path.parts[0] if path.parts else str(text)
        raise UserError(
            f"{what}: cannot expand {first[:80]!r}: no such user or home folder"
        ) from None


def check_data_dir(root: Path, what: str) -> Path:
    """The data folder made absolute; UserError when it is a symbolic-link loop or
    something other than a folder (`--data-dir /dev/null`: one line, not 'no data yet')."""
    try:
        resolved = root.resolve()
        st = os.stat(resolved)
    except FileNotFoundError:
        return resolved  # made when first needed
    except (OSError, RuntimeError) as exc:
        looped = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
        why = "a symbolic-link loop" if looped else getattr(exc, "strerror", None) or str(exc)
        raise UserError(f"{what} {str(root)[:200]} cannot be used: {why}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise UserError(f"{what} {str(root)[:200]} is not a folder")
    return resolved
