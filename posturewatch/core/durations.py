"""Durations as people type them: 90s, 30m, 1h, 1h30m."""

from __future__ import annotations

import re

from posturewatch.core.errors import UserError

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|s)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """'90s', '30m', '1h', '1h30m', '1.5h' -> seconds. A bare number is refused
    rather than guessed (is `pause 30` seconds or minutes?)."""
    compact = text.strip().lower().replace(" ", "")
    if not compact:
        raise UserError("duration is empty; use e.g. 90s, 30m, 1h or 1h30m")
    total = 0.0
    pos = 0
    for match in _DURATION_PART.finditer(compact):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_S[match.group(2)]
        pos = match.end()
    if pos != len(compact):
        raise UserError(f"duration {text!r} not understood; use e.g. 90s, 30m, 1h or 1h30m")
    if total <= 0:
        raise UserError(f"duration {text!r} must be longer than zero")
    if total > 7 * 24 * 3600:
        raise UserError(f"duration {text!r} is longer than a week; use `pause` without one")
    return total
