"""Break routines as data: parsing the TOML of routines.toml, or of a user's file in
the same format.

Routines live in a data file rather than in code so that the wording can be reviewed
and replaced without touching the scheduler. Parsing is strict: a typo in a target
or a missing step would otherwise surface as a silently skipped prompt weeks later,
so every problem is reported up front as a UserError naming the file and the entry.
Reading the file (or the packaged one) is posturewatch.inputs.routines_file.
"""

from __future__ import annotations

import re
import sys
from typing import Any, get_args

from posturewatch.core.errors import UserError
from posturewatch.core.types import Routine, RoutineTarget

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KNOWN_TARGETS: tuple[str, ...] = get_args(RoutineTarget)
REQUIRED_TARGETS: tuple[str, ...] = ("head_forward", "shoulder_rounding", "long_sitting")
"""Targets a routines file must cover; 'sinking' may be left out (older files), and
then the posture routines serve it (core/scheduler.py)."""
KNOWN_KINDS = ("exercise", "stretch", "self_massage", "movement")
MAX_DURATION_S = 3600
"""A break routine longer than an hour is a typo, not a break."""

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TOP_KEYS = {"always_safety", "safety", "routine"}
_ROUTINE_KEYS = {"id", "title", "kind", "targets", "duration_s", "steps", "safety", "cue"}
MAX_CUE = 110
"""A cue longer than this would not fit a notification beside the routine's name."""
_REQUIRED_KEYS = ("id", "title", "targets", "duration_s", "steps")


def parse_routines(text: str, name: str) -> list[Routine]:
    """Routines from TOML text; `name` is the file named in error messages."""
    try:
        table: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{name}: not valid TOML ({exc})") from None
    unknown = sorted(set(table) - _TOP_KEYS)
    if unknown:
        raise UserError(f"{name}: unknown top-level key {unknown[0]!r}")
    always = _string_list(table.get("always_safety", []), f"{name}: always_safety", empty_ok=True)
    named_notes = _named_notes(table.get("safety", {}), name)
    entries = table.get("routine")
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{name}: no [[routine]] entries")
    routines: list[Routine] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        routine = _parse_entry(entry, index, name, named_notes, always)
        if routine.id in seen:
            raise UserError(f"{name}: routine #{index + 1}: duplicate id {routine.id!r}")
        seen.add(routine.id)
        routines.append(routine)
    for target in REQUIRED_TARGETS:
        if not any(target in r.targets for r in routines):
            raise UserError(f"{name}: no routine has target {target!r}; at least one is needed")
    return routines


def _named_notes(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise UserError(f'{name}: [safety] must be a table of name = "note"')
    notes: dict[str, str] = {}
    for key, note in value.items():
        if not isinstance(note, str) or not note.strip():
            raise UserError(f"{name}: safety.{key} must be a non-empty string")
        notes[key] = note.strip()
    return notes


def _parse_entry(
    entry: Any, index: int, name: str, named_notes: dict[str, str], always: tuple[str, ...]
) -> Routine:
    where = f"{name}: routine #{index + 1}"
    if not isinstance(entry, dict):
        raise UserError(f"{where}: expected a table")
    raw_id = entry.get("id")
    if isinstance(raw_id, str) and raw_id:
        where = f"{name}: routine {raw_id!r} (#{index + 1})"
    for key in _REQUIRED_KEYS:
        if key not in entry:
            raise UserError(f"{where}: missing key {key!r}")
    unknown = sorted(set(entry) - _ROUTINE_KEYS)
    if unknown:
        raise UserError(f"{where}: unknown key {unknown[0]!r}")

    routine_id = entry["id"]
    if not isinstance(routine_id, str) or not _ID_PATTERN.match(routine_id):
        raise UserError(f"{where}: key 'id' must be lower-case letters, digits and dashes")
    title = entry["title"]
    if not isinstance(title, str) or not title.strip():
        raise UserError(f"{where}: key 'title' must be a non-empty string")
    kind = entry.get("kind", "exercise")
    if kind not in KNOWN_KINDS:
        raise UserError(
            f"{where}: key 'kind' is {kind!r}; expected one of {', '.join(KNOWN_KINDS)}"
        )
    targets = _string_list(entry["targets"], f"{where}: key 'targets'", empty_ok=False)
    for target in targets:
        if target not in KNOWN_TARGETS:
            raise UserError(
                f"{where}: key 'targets' has unknown {target!r}; "
                f"expected {', '.join(KNOWN_TARGETS)}"
            )
    duration = entry["duration_s"]
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise UserError(f"{where}: key 'duration_s' must be a whole number of seconds")
    if not 0 < duration <= MAX_DURATION_S:
        raise UserError(
            f"{where}: key 'duration_s' is {duration}; expected 1 to {MAX_DURATION_S} seconds"
        )
    steps = _string_list(entry["steps"], f"{where}: key 'steps'", empty_ok=False)
    cue = entry.get("cue", "")
    if not isinstance(cue, str) or len(cue.strip()) > MAX_CUE or "\n" in cue:
        raise UserError(f"{where}: key 'cue' must be one line of at most {MAX_CUE} characters")
    note_names = _string_list(entry.get("safety", []), f"{where}: key 'safety'", empty_ok=True)
    notes: list[str] = []
    for note_name in note_names:
        if note_name not in named_notes:
            raise UserError(f"{where}: key 'safety' names {note_name!r}, which [safety] lacks")
        notes.append(named_notes[note_name])
    return Routine(
        id=routine_id,
        title=title.strip(),
        targets=targets,  # type: ignore[arg-type]  # checked against KNOWN_TARGETS above
        duration_s=duration,
        steps=steps,
        safety=(*notes, *always),
        kind=kind,
        cue=cue.strip(),
    )


def _string_list(value: Any, where: str, *, empty_ok: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UserError(f"{where} must be a list of non-empty strings")
    if not value and not empty_ok:
        raise UserError(f"{where} must not be empty")
    return tuple(v.strip() for v in value)
