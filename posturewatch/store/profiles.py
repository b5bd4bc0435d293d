"""Calibration profiles on disk: one small JSON file per profile.

The file is written atomically (posturewatch.files.write_atomic), readable by the
user alone, and the previous profile is kept beside it as `<name>.json.bak`. A
corrupt one is reported, never silently replaced. What a baseline looks like as
JSON is core's business (Baseline.to_json, baseline_from_json); this module only
moves the bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from posturewatch.core.baseline import (
    Baseline,
    ProfileCorrupt,
    ProfileMissing,
    baseline_from_json,
)
from posturewatch.core.errors import UserError
from posturewatch.core.learning import (
    Learned,
    LearningSettings,
    learned_from_json,
    learned_to_json,
)
from posturewatch.files import RefusedFile, private_dir, read_limited, write_atomic


def save_profile(path: Path, baseline: Baseline) -> None:
    """Write atomically so a crash leaves the old profile or the new one, never half
    of each; the previous profile is kept as `<name>.json.bak`."""
    path = Path(path)
    private_dir(path.parent)
    text = json.dumps(baseline.to_json(), indent=2, sort_keys=False) + "\n"
    if path.exists():
        try:
            previous = read_limited(path, MAX_PROFILE_BYTES)
        except OSError:
            previous = None  # not a profile we could keep (a FIFO, a huge file): replaced
        if previous is not None:
            write_atomic(path.with_name(path.name + ".bak"), previous)
    write_atomic(path, text)


def load_profile(path: Path) -> Baseline:
    """The baseline in `path`; ProfileMissing or ProfileCorrupt (both UserError) name
    the file and the problem."""
    path = Path(path)
    try:
        raw = read_limited(path, MAX_PROFILE_BYTES)
    except FileNotFoundError:
        raise ProfileMissing(
            f"no calibration profile at {path}; run `posturewatch calibrate` first"
        ) from None
    except RefusedFile as exc:
        raise ProfileCorrupt(
            f"calibration profile {path} {exc.problem}; "
            "recalibrate with `posturewatch calibrate --force`"
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
    except RecursionError:
        raise ProfileCorrupt(
            f"calibration profile {path} is nested far too deeply to be a profile; "
            "recalibrate with `posturewatch calibrate --force`"
        ) from None
    try:
        _check_values(data, "", 0)
        return baseline_from_json(data)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ProfileCorrupt(
            f"calibration profile {path}: {exc}; recalibrate with `posturewatch calibrate --force`"
        ) from None


LEARNED_KEY = "learned"
"""What answers taught (core/learning.py), beside the calibration in the same file,
so a recalibration (a new file) starts it afresh."""


def load_learned(path: Path, settings: LearningSettings | None = None) -> Learned:
    """What was learned from answers for the profile at `path` (nothing when the
    profile has no such key); the profile's own errors as load_profile gives them."""
    load_profile(path)
    data = json.loads(Path(path).read_bytes().decode("utf-8"))
    try:
        return learned_from_json(data.get(LEARNED_KEY), settings)
    except ValueError as exc:
        raise ProfileCorrupt(
            f"calibration profile {path}: {exc}; reset what was learned with "
            "`posturewatch feedback reset`"
        ) from None


def save_learned(path: Path, learned: Learned) -> None:
    """Put `learned` into the profile at `path`, keeping everything else of it
    (atomically, the previous file kept as `.bak` like save_profile)."""
    path = Path(path)
    load_profile(path)
    raw = path.read_bytes()
    data = json.loads(raw.decode("utf-8"))
    if learned.empty:
        data.pop(LEARNED_KEY, None)
    else:
        data[LEARNED_KEY] = learned_to_json(learned)
    write_atomic(path.with_name(path.name + ".bak"), raw)
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


MAX_PROFILE_BYTES = 1 << 20
"""A profile is a few hundred bytes."""
MAX_PROFILE_DEPTH = 8
MAX_PROFILE_NUMBER = 1e6
"""Angles and spreads are degrees, counts are frames; only times (`*_s`) are larger."""
MAX_PROFILE_TIME_S = 1e11


def _check_values(value: object, key: str, depth: int) -> None:
    """ValueError naming the key of a value no profile holds: nesting deeper than a
    profile's, or a number beyond any angle, count or time (1e308)."""
    if depth > MAX_PROFILE_DEPTH:
        raise ValueError(f"{key or 'the file'} is nested too deeply")
    if isinstance(value, dict):
        for k, v in value.items():
            name = json.dumps(str(k))[1:-1]  # a key with a line break still makes one line
            _check_values(v, f"{key}.{name}" if key else name, depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_values(v, f"{key}[{i}]", depth + 1)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        limit = MAX_PROFILE_TIME_S if key.endswith("_s") else MAX_PROFILE_NUMBER
        if not (math.isfinite(value) and abs(value) <= limit):
            raise ValueError(f"{key}: {value!r:.30} is out of range")


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


def load_profiles(folder: Path) -> tuple[dict[str, Baseline], list[str]]:
    """Every saved profile in `folder` by name (`<name>.json`), and a line for each
    one that could not be read (it is left as it is, and skipped)."""
    profiles: dict[str, Baseline] = {}
    problems: list[str] = []
    try:
        files = sorted(Path(folder).glob("*.json"))
    except OSError as exc:
        return profiles, [f"cannot list profiles in {folder}: {exc}"]
    for path in files:
        try:
            profiles[path.stem] = load_profile(path)
        except UserError as exc:
            problems.append(str(exc))
    return profiles, problems
