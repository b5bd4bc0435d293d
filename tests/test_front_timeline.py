"""The front view on real webcam frames through the whole app: `posturewatch
calibrate` and `posturewatch run` on scripted sessions of the licensed sittings
(tests/timelines/front_sitting*_*.toml, default settings, the real pose model).

Acceptance: 4 minutes upright, 15 slouched and 5 away still prompt during the
slouch; 20 upright minutes never prompt."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from posturewatch.inputs.timeline import load_timeline
from tests.cli import posturewatch
from tests.paths import TESTS

TIMELINES = TESTS / "timelines"
START = "2026-11-23T10:00"

pytestmark = pytest.mark.model


def _posturewatch(data_dir: Path, *args: str) -> str:
    return posturewatch(data_dir, *args, timeout_s=600.0)


def _prompts_after_calibrating(data_dir: Path, timeline: Path) -> list[tuple[float, str, str]]:
    """Calibrate on the timeline's first seconds, run it, and return the stored
    prompts as (seconds into the session, kind, title)."""
    seconds = load_timeline(timeline).calibrate_seconds
    _posturewatch(data_dir, "calibrate", "--source", str(timeline), "--seconds", str(seconds))
    _posturewatch(
        data_dir, "run", "--source", str(timeline), "--notifier", "none", "--start-at", START
    )
    start = datetime.fromisoformat(START).timestamp()
    db = sqlite3.connect(data_dir / "posturewatch.sqlite3")
    try:
        rows = db.execute("SELECT time_s, kind, title FROM prompts ORDER BY time_s").fetchall()
    finally:
        db.close()
    return [(time_s - start, kind, title) for time_s, kind, title in rows]


@pytest.mark.parametrize("sitting", ["1", "2"])
def test_a_real_slouch_prompts_during_the_slouch(tmp_path: Path, sitting: str) -> None:
    timeline_file = TIMELINES / f"front_sitting{sitting}_slouch.toml"
    script = load_timeline(timeline_file)
    assert [round(s.seconds / 60) for s in script.segments if s.label == "upright"] == [1] * 4
    slouch_start = 4 * 60.0
    slouch_end = slouch_start + 15 * 60.0
    assert script.label_at(slouch_start) == "slouched"
    assert script.label_at(slouch_end) == "away"
    prompts = _prompts_after_calibrating(tmp_path, timeline_file)
    posture = [(t, title) for t, kind, title in prompts if kind == "posture"]
    assert posture, f"no posture prompt in the slouch (all prompts: {prompts})"
    assert all(slouch_start < t <= slouch_end for t, _ in posture), posture
    # The first comes once the slouch has persisted, well inside it.
    assert posture[0][0] <= slouch_start + 5 * 60.0, posture
    assert posture[0][1].startswith(("Sunk", "Head forward")), posture


@pytest.mark.parametrize("sitting", ["1", "2"])
def test_twenty_upright_minutes_never_prompt(tmp_path: Path, sitting: str) -> None:
    timeline_file = TIMELINES / f"front_sitting{sitting}_upright.toml"
    script = load_timeline(timeline_file)
    assert script.duration_s == 20 * 60.0
    assert {s.label for s in script.segments} == {"upright"}
    assert len({s.image for s in script.segments}) >= 15  # every upright frame
    prompts = _prompts_after_calibrating(tmp_path, timeline_file)
    assert prompts == []
