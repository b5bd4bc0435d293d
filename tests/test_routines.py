"""The packaged routines say what the brief asks, and a broken routines file is one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from posturewatch.core.errors import UserError
from posturewatch.core.routines import KNOWN_TARGETS
from posturewatch.inputs.routines_file import load_routines

MASSAGE_WORDS = ("fever", "skin infection", "fracture", "unwell")
ALWAYS_WORDS = ("numbness", "tingling", "weakness", "doctor")


def test_packaged_routines_cover_every_target_with_valid_entries() -> None:
    routines = load_routines()
    ids = [r.id for r in routines]
    assert len(ids) == len(set(ids))
    for target in KNOWN_TARGETS:
        assert any(target in r.targets for r in routines), target
    for routine in routines:
        assert routine.duration_s > 0
        assert routine.steps and all(step.strip() for step in routine.steps)
        assert routine.title.strip()


def test_packaged_file_has_the_routines_the_project_promises() -> None:
    routines = {r.id: r for r in load_routines()}
    expected = {
        "reverse-presses",
        "thumb-crawl",
        "foam-roller",
        "chin-tucks",
        "chest-opener",
        "shoulder-rolls",
        "stand-and-walk",
    }
    assert expected <= set(routines)
    presses = " ".join(routines["reverse-presses"].steps).lower()
    assert "right angle" in presses and "loose fists" in presses and "3 sets of 10" in presses
    crawl = " ".join(routines["thumb-crawl"].steps).lower()
    assert "1 cm" in crawl and "4 to 5" in crawl and "spine" in crawl
    roller = " ".join(routines["foam-roller"].steps).lower()
    assert "shoulder blades" in roller and "rock" in roller
    assert routines["stand-and-walk"].targets == ("long_sitting",)
    assert "long_sitting" not in routines["chin-tucks"].targets


def test_every_routine_carries_the_stop_and_see_a_doctor_note() -> None:
    for routine in load_routines():
        text = " ".join(routine.safety).lower()
        assert all(word in text for word in ALWAYS_WORDS), routine.id


def test_only_massage_routines_carry_the_massage_contraindications() -> None:
    for routine in load_routines():
        text = " ".join(routine.safety).lower()
        has_massage_note = all(word in text for word in MASSAGE_WORDS)
        assert has_massage_note == (routine.kind == "self_massage"), routine.id


VALID_ENTRY = """
[[routine]]
id = "walk"
title = "Walk"
targets = ["long_sitting", "head_forward", "shoulder_rounding"]
duration_s = 60
steps = ["Stand up.", "Walk."]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-routines.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_loads_in_file_order_with_its_safety_notes(tmp_path: Path) -> None:
    text = (
        'always_safety = ["Stop if it hurts."]\n'
        '[safety]\nfloor = "Needs floor space."\n'
        + VALID_ENTRY
        + '[[routine]]\nid = "roll"\ntitle = "Roll"\ntargets = ["shoulder_rounding"]\n'
        'kind = "self_massage"\nduration_s = 30\nsteps = ["Roll."]\nsafety = ["floor"]\n'
    )
    routines = load_routines(_write(tmp_path, text))
    assert [r.id for r in routines] == ["walk", "roll"]
    assert routines[0].safety == ("Stop if it hurts.",)
    assert routines[1].safety == ("Needs floor space.", "Stop if it hurts.")
    assert routines[0].kind == "exercise"
    assert routines[1].kind == "self_massage"


ENTRY_WITH = """
[[routine]]
id = "bad-one"
title = "Bad"
targets = {targets}
duration_s = {duration}
steps = {steps}
"""


def _entry(targets: str = '["head_forward"]', duration: str = "30", steps: str = '["x"]') -> str:
    return ENTRY_WITH.format(targets=targets, duration=duration, steps=steps)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID_ENTRY + VALID_ENTRY, ["routine #2", "duplicate id 'walk'"]),
        (VALID_ENTRY + _entry(targets='["neck"]'), ["'bad-one' (#2)", "targets", "'neck'"]),
        (VALID_ENTRY + _entry(targets="[]"), ["'bad-one' (#2)", "targets", "empty"]),
        (VALID_ENTRY + _entry(duration="0"), ["'bad-one' (#2)", "duration_s", "is 0"]),
        (VALID_ENTRY + _entry(duration="-5"), ["'bad-one' (#2)", "duration_s", "is -5"]),
        (VALID_ENTRY + _entry(duration="true"), ["'bad-one' (#2)", "duration_s"]),
        (VALID_ENTRY + _entry(duration='"60"'), ["'bad-one' (#2)", "duration_s"]),
        (VALID_ENTRY + _entry(steps="[]"), ["'bad-one' (#2)", "steps", "empty"]),
        (VALID_ENTRY + _entry(steps='["ok", ""]'), ["'bad-one' (#2)", "steps"]),
        (VALID_ENTRY.replace('title = "Walk"\n', ""), ["'walk' (#1)", "missing key 'title'"]),
        (VALID_ENTRY.replace('id = "walk"\n', ""), ["routine #1", "missing key 'id'"]),
        (VALID_ENTRY.replace('id = "walk"', 'id = "Walk Now"'), ["(#1)", "'id'"]),
        (VALID_ENTRY + 'colour = "red"\n', ["'walk' (#1)", "unknown key 'colour'"]),
        (VALID_ENTRY + 'kind = "yoga"\n', ["'walk' (#1)", "'kind'", "'yoga'"]),
        (VALID_ENTRY + 'safety = ["massage"]\n', ["'walk' (#1)", "'safety'", "'massage'"]),
        ('always_safety = "one"\n' + VALID_ENTRY, ["always_safety"]),
        ("routine = [1]\n", ["routine #1", "expected a table"]),
        ('title = "x"\n' + VALID_ENTRY, ["unknown top-level key 'title'"]),
        ('always_safety = ["x"]\n', ["no [[routine]] entries"]),
        (VALID_ENTRY.replace('"long_sitting", ', ""), ["no routine has target 'long_sitting'"]),
        ("[[routine]\nid = 1\n", ["not valid TOML"]),
    ],
)
def test_malformed_routines_file_is_one_user_error_naming_file_and_entry(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(UserError) as info:
        load_routines(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message
    assert "\n" not in message
    assert info.value.exit_code == 2


def test_missing_routines_file_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(UserError, match=r"cannot read routines file .*nope\.toml"):
        load_routines(path)


def test_valid_entry_used_by_the_malformed_cases_does_load(tmp_path: Path) -> None:
    """Guards the parametrized cases above: each fails for its own defect only."""
    assert [r.id for r in load_routines(_write(tmp_path, VALID_ENTRY))] == ["walk"]
    assert len(load_routines(_write(tmp_path, VALID_ENTRY + _entry()))) == 2
