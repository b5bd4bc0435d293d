"""Calibration profiles on disk: one small JSON file per profile.

The file is written atomically (posturewatch.files.write_atomic), readable by the
user alone, and the previous profile is kept beside it as `<name>.json.bak`. A
corrupt one is reported, never silently replaced. What a baseline looks like as
JSON is core's business (Baseline.to_json, baseline_from_json); this module only
moves the bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from posturewatch.core.baseline import (
    Baseline,
    ProfileCorrupt,
    ProfileMissing,
    baseline_from_json,
)
from posturewatch.core.errors import UserError
from posturewatch.files import private_dir, write_atomic


def save_profile(path: Path, baseline: Baseline) -> None:
    """Write atomically so a crash leaves the old profile or the new one, never half
    of each; the previous profile is kept as `<name>.json.bak`."""
    path = Path(path)
    private_dir(path.parent)
    text = json.dumps(baseline.to_json(), indent=2, sort_keys=False) + "\n"
    if path.exists():
        write_atomic(path.with_name(path.name + ".bak"), path.read_bytes())
    write_atomic(path, text)


def load_profile(path: Path) -> Baseline:
    """The baseline in `path`; ProfileMissing or ProfileCorrupt (both UserError) name
    the file and the problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProfileMissing(
            f"no calibration profile at {path}; run `posturewatch calibrate` first"
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read calibration profile {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileCorrupt(
            f"calibration profile {path} is corrupt or truncated ({_short(exc)}); "
            "recalibrate with `posturewatch calibrate --force`"
        ) from None
    try:
        return baseline_from_json(data)
    except ValueError as exc:
        raise ProfileCorrupt(
            f"calibration profile {path}: {exc}; recalibrate with `posturewatch calibrate --force`"
        ) from None


def _short(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc).splitlines()[0]


def check_existing(path: Path, force: bool) -> bool:
    """True when a corrupt profile is in the way and --force allows replacing it;
    without --force that is an error, before a second of capture is spent."""
    try:
        load_profile(path)
    except ProfileMissing:
        return False
    except ProfileCorrupt as exc:
        if not force:
            raise UserError(
                f"{exc} (left as it is; use --force to set it aside and calibrate afresh)"
            ) from None
        return True
    return False
