"""Reading the break routines: the packaged routines.toml, or a user's file in the same
format (`routines_file` in the config). Parsing and checking them is core's
(posturewatch.core.routines.parse_routines); this module only fetches the text.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from posturewatch.core.errors import UserError
from posturewatch.core.routines import parse_routines
from posturewatch.core.types import Routine
from posturewatch.files import MAX_SMALL_FILE, read_text_limited, reason
from posturewatch.paths import expand_user

PACKAGED_NAME = "routines.toml"


def load_routines(path: str | Path | None = None) -> list[Routine]:
    """The routines of `path`, or of the packaged file when `path` is None, in file order
    (the scheduler rotates through them in this order)."""
    if path is None:
        name = f"{PACKAGED_NAME} (packaged)"
        text = resources.files("posturewatch").joinpath("data", PACKAGED_NAME).read_text("utf-8")
    else:
        name = str(path)
        try:
            text = read_text_limited(expand_user(path, "routines_file"), MAX_SMALL_FILE)
        except OSError as exc:
            raise UserError(f"cannot read routines file {name}: {reason(exc)}") from None
        except UnicodeDecodeError as exc:
            raise UserError(f"cannot read routines file {name}: {exc}") from None
    return parse_routines(text, name)
