"""Acceptance of learning from answers (issue 17), on real parts: real landmarks of
the licensed sittings (the bundled pose model's, tests/fixtures), the real app
(detector, scheduler, SQLite store, profile file), a scripted day on the
recording's own clock (calibration/learning_day.py), and the command itself,
with and without a running background instance."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from calibration.learning_day import (
    ANSWERED_DAY,
    SITTING_1,
    SMALL_SHARE,
    Part,
    blend,
    calibrate_on,
    day_start,
    people,
    simulate,
    sitting,
    write_day,
)
from posturewatch.core.learning import Learned, LearningSettings
from posturewatch.core.types import Observation
from posturewatch.paths import resolve_paths
from posturewatch.report.model import build_daily
from posturewatch.store.database import Store, StoreSettings
from posturewatch.store.profiles import load_learned, load_profile
from tests.test_service import cli, status_json, wait_for


def test_two_false_alarms_marked_stop_prompts_for_that_posture_at_that_size(
    tmp_path: Path,
) -> None:
    person = people()[0]
    low, low_again, slouched = 1, 3, 4
    assert person.parts[low].answer == person.parts[low_again].answer == "not_slouching"
    r = simulate(person, tmp_path)
    parts = person.parts
    # as calibrated, sitting a little low prompts in both stretches
    assert r.without.in_part(parts, low) >= 2
    assert r.without.in_part(parts, low_again) >= 1
    # answered "Not slouching" twice: the third prompt never comes, nor any later
    assert r.with_answers.in_part(parts, low) == 2
    assert r.with_answers.in_part(parts, low_again) == 0
    assert r.with_answers.learned.count == 2
    assert r.with_answers.learned.factor("sinking") < 1.0
    # a real slouch still prompts, whatever was learned
    assert r.with_answers.in_part(parts, slouched) >= 1
    for i, part in enumerate(parts):
        if part.label == "upright":
            assert r.with_answers.in_part(parts, i) == 0
    assert r.factors_in_bounds
    # the next day, after a restart: the profile kept it; after a reset: as calibrated
    assert r.after_restart == 0
    assert r.after_reset == r.without.in_part(parts, low_again) >= 1
    # the day's report counts the prompts marked "not slouching"
    with Store(tmp_path / "posturewatch.sqlite3", StoreSettings(), read_only=True) as store:
        report = build_daily(store, datetime.fromisoformat(day_start(ANSWERED_DAY)).date())
    assert report.prompts.not_slouching == 2


def test_a_marked_miss_makes_the_same_slouch_prompt_the_next_time(tmp_path: Path) -> None:
    person = people()[1]
    small, small_again = 1, 3
    assert person.parts[small].answer == "slouching"
    r = simulate(person, tmp_path)
    parts = person.parts
    assert r.without.in_part(parts, small) == r.without.in_part(parts, small_again) == 0
    assert r.with_answers.in_part(parts, small) >= 1  # after "I'm slouching now"
    assert r.with_answers.in_part(parts, small_again) >= 1  # and the next time
    for i, part in enumerate(parts):
        if part.label == "upright":
            assert r.with_answers.in_part(parts, i) == 0
    bound = LearningSettings().max_factor
    assert all(f <= bound for f in r.with_answers.learned.factors.values())
    assert r.factors_in_bounds
    assert r.after_restart >= 1
    assert r.after_reset == 0


@pytest.fixture
def b_data(tmp_path: Path) -> tuple[Path, Path, Observation]:
    """Person B's data directory, calibrated on their upright frame, and their
    small slouch as a recording."""
    data = tmp_path / "data"
    paths = resolve_paths(data)
    paths.ensure()
    upright, slouched = sitting(SITTING_1)
    profile = calibrate_on(paths, upright[0])
    (data / "config.toml").write_text(
        "[sampling]\nsteady_interval_s = 1.0\naway_interval_s = 1.0\n", encoding="utf-8"
    )
    return data, profile, blend(upright[0], slouched[0], SMALL_SHARE)


def test_feedback_with_nothing_running_looks_itself_and_updates_the_profile(
    b_data: tuple[Path, Path, Observation], tmp_path: Path
) -> None:
    data, profile, small = b_data
    calibration = load_profile(profile)
    nobody = tmp_path / "nobody.jsonl.gz"
    write_day(nobody, [Part("away", Observation(0, 0.0, 224, 224, None), 0.2)])
    refused = cli(data, "feedback", "slouching", "--source", str(nobody))
    assert refused.returncode == 1, refused.stderr
    assert "not judged (nobody in view)" in refused.stdout
    assert load_learned(profile) == Learned()

    slouch = tmp_path / "small.jsonl.gz"
    write_day(slouch, [Part("small slouch", small, 0.5)])
    done = cli(data, "feedback", "slouching", "--source", str(slouch))
    assert done.returncode == 0, done.stderr
    assert f"no posturewatch running: looked for myself, applied to {profile}" in done.stdout
    assert "sinking in the chair now more sensitive" in done.stdout
    learned = load_learned(profile)
    assert learned.count == 1 and learned.factor("sinking") > 1.0
    assert load_profile(profile) == calibration  # the calibration itself is untouched
    assert "adjusted from 1 answer" in cli(data, "feedback", "show").stdout
    # the same posture now reads as a slouch: a second "slouching" teaches nothing
    again = cli(data, "feedback", "slouching", "--source", str(slouch))
    assert again.returncode == 1 and "already reads as a slouch" in again.stdout

    reset = cli(data, "feedback", "reset")
    assert reset.returncode == 0 and "thresholds as calibrated" in reset.stdout
    assert load_learned(profile) == Learned()
    assert "learned" not in json.loads(profile.read_text())


def test_feedback_goes_to_the_running_instance_which_learns_at_once(
    b_data: tuple[Path, Path, Observation], tmp_path: Path
) -> None:
    data, profile, small = b_data
    slouch = tmp_path / "small.jsonl.gz"
    write_day(slouch, [Part("small slouch", small, 10)])
    started = cli(data, "start", "--source", str(slouch), "--notifier", "none")
    assert started.returncode == 0, started.stderr
    try:
        wait_for(lambda: status_json(data)["monitor"]["samples"] >= 8, 60.0)
        told = cli(data, "feedback", "slouching")
        assert told.returncode == 0, told.stderr
        assert told.stdout.startswith("the running posturewatch learned: sinking")
        status = status_json(data)
        assert status["monitor"]["learned"].startswith("adjusted from 1 answer")
        assert load_learned(profile).factor("sinking") > 1.0  # kept for the next start
        fine = cli(data, "feedback", "fine")
        assert fine.returncode in (0, 1), fine.stderr
        assert fine.stdout.startswith("the running posturewatch ")
        reset = cli(data, "feedback", "reset")
        assert reset.returncode == 0 and "as calibrated" in reset.stdout
        assert status_json(data)["monitor"]["learned"] == "as calibrated"
        assert load_learned(profile) == Learned()
    finally:
        stopped = cli(data, "stop")
    assert stopped.returncode == 0, stopped.stderr


def test_the_bounds_keep_real_slouches_poor_and_real_upright_sitting_good() -> None:
    """On the licensed sittings' real landmarks: however far answers relax every
    signal, each slouched frame reads poor; however far they tighten sinking, each
    upright frame reads good."""
    from calibration.learning_day import SITTING_2, _verdicts
    from posturewatch.core.baseline import calibrate
    from posturewatch.core.learning import SIGNALS

    bounds = LearningSettings()
    for name in (SITTING_1, SITTING_2):
        upright, slouched = sitting(name)
        baseline = calibrate([upright[0]], "front", min_frames=1)
        least = dict.fromkeys(SIGNALS, bounds.min_factor)
        assert {v.verdict for v in _verdicts(slouched, baseline, least)} == {"poor"}, name
        most = {"sinking": bounds.max_factor}
        assert {v.verdict for v in _verdicts(upright[1:], baseline, most)} == {"good"}, name


def test_feedback_fine_answers_the_last_prompt_and_learns_from_its_moment(
    tmp_path: Path,
) -> None:
    """`posturewatch feedback fine` a minute after each prompt (Monitor.feedback, as
    the control channel calls it) does what the prompt's own button does: the
    prompt is marked "not slouching" in the store, and two of them stop the prompts."""
    from dataclasses import replace

    from calibration.learning_day import run_day
    from posturewatch.report.model import build_daily

    person = people()[0]
    parts = tuple(replace(p, answer="fine") if p.answer else p for p in person.parts)
    paths = resolve_paths(tmp_path)
    paths.ensure()
    calibrate_on(paths, person.calibration)
    day = tmp_path / "day.jsonl.gz"
    write_day(day, parts)
    run = run_day(paths, parts, day, answer=True)
    assert run.in_part(parts, 1) == 2 and run.in_part(parts, 3) == 0
    assert all(m.startswith("learned:") for m in run.messages), run.messages
    with Store(paths.database, StoreSettings(), read_only=True) as store:
        report = build_daily(store, datetime.fromisoformat(day_start(0)).date())
    assert report.prompts.not_slouching == 2
