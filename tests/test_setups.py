"""Every setup has its calibration: `posturewatch calibrate --profile NAME` per
setup, and a run that finds the view changed switches to the saved profile that
fits, or asks for a calibration when none does (the real pose model on the
licensed webcam sittings, tests/timelines/front_two_setups.toml)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from posturewatch.inputs.timeline import load_timeline
from tests.cli import posturewatch
from tests.paths import TESTS

TIMELINES = TESTS / "timelines"
TWO_SETUPS = TIMELINES / "front_two_setups.toml"
START = "2026-11-23T10:00"

pytestmark = pytest.mark.model


def _calibrate(data_dir: Path, profile: str, timeline: str) -> None:
    posturewatch(
        data_dir,
        "calibrate",
        "--profile",
        profile,
        "--source",
        str(TIMELINES / timeline),
        "--seconds",
        "20",
        timeout_s=300.0,
    )


def _run(data_dir: Path) -> tuple[list[tuple[float, str]], list[tuple[float, str, str]]]:
    """Run the two-setup stretch on profile `desk`; the stored posture prompts as
    (seconds into it, title) and events as (seconds, kind, detail)."""
    posturewatch(
        data_dir,
        "run",
        "--profile",
        "desk",
        "--source",
        str(TWO_SETUPS),
        "--notifier",
        "none",
        "--start-at",
        START,
        timeout_s=600.0,
    )
    start = datetime.fromisoformat(START).timestamp()
    db = sqlite3.connect(data_dir / "posturewatch.sqlite3")
    try:
        prompts = db.execute(
            "SELECT time_s, title FROM prompts WHERE kind = 'posture' ORDER BY time_s"
        ).fetchall()
        events = db.execute("SELECT time_s, kind, detail FROM events ORDER BY time_s").fetchall()
    finally:
        db.close()
    return (
        [(t - start, title) for t, title in prompts],
        [(t - start, kind, detail) for t, kind, detail in events],
    )


def _stretches(label: str) -> list[tuple[float, float]]:
    """(start, end) seconds of each run of segments with this label."""
    spans: list[tuple[float, float]] = []
    t = 0.0
    for seg in load_timeline(TWO_SETUPS).segments:
        if seg.label == label:
            if spans and spans[-1][1] == t:
                spans[-1] = (spans[-1][0], t + seg.seconds)
            else:
                spans.append((t, t + seg.seconds))
        t += seg.seconds
    return spans


def test_two_calibrated_setups_switch_once_and_prompt_only_when_slouched(
    tmp_path: Path,
) -> None:
    _calibrate(tmp_path, "desk", "front_sitting1_upright.toml")
    _calibrate(tmp_path, "laptop", "front_sitting2_upright.toml")
    prompts, events = _run(tmp_path)
    switches = [(t, detail) for t, kind, detail in events if kind == "profile_switch"]
    assert [detail for _, detail in switches] == ["laptop (setup changed)"], events
    assert not [e for e in events if e[1] == "setup_change"], events
    second_setup = _stretches("away")[0][1]
    # Switched within the detector's setup hold (60 s) and a little of coming back.
    assert second_setup < switches[0][0] <= second_setup + 120, (switches, second_setup)
    slouches = _stretches("slouched")
    assert len(slouches) == 2
    for start, end in slouches:  # each slouch prompts, the second after the switch
        assert any(start < t <= end for t, _ in prompts), (prompts, slouches)
    assert all(any(s < t <= e for s, e in slouches) for t, _ in prompts), (prompts, slouches)


def test_one_calibrated_setup_asks_for_a_calibration_of_the_new_one(tmp_path: Path) -> None:
    _calibrate(tmp_path, "desk", "front_sitting1_upright.toml")
    prompts, events = _run(tmp_path)
    assert not [e for e in events if e[1] == "profile_switch"], events
    changes = [t for t, kind, _ in events if kind == "setup_change"]
    second_setup = _stretches("away")[0][1]
    assert len(changes) == 1 and second_setup < changes[0] <= second_setup + 120, events
    # The first setup's slouch still prompts; the unknown setup is never judged.
    first_slouch = _stretches("slouched")[0]
    assert prompts and all(first_slouch[0] < t <= first_slouch[1] for t, _ in prompts), prompts
