"""Where the tool keeps its state: one data directory per user, per platform.

`--data-dir DIR` or the POSTUREWATCH_DATA_DIR environment variable put everything
(config, calibration profiles, the database) in one folder, which is also how the
tests and the demo keep away from the user's real data.
"""

from __future__ import annotations

import os
import re
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
        root = Path(chosen).expanduser().resolve()
        return Paths(config_dir=root, data_dir=root)
    return Paths(config_dir=default_config_dir(), data_dir=default_data_dir())
