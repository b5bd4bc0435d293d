"""Acceptance of the detector's defaults on a scripted eight-hour day (issue 3).

The day (calibration/sessions.py) holds slouches of known start and end, glances at
the keyboard and the menu bar, turns to a second monitor, leaning back, standing up
and walking away, people passing behind, and a camera move an hour before the end.
It is rendered through the simulator and the real metrics at one sample a second.
The front day's slouches are the real webcam sittings' kinds (sinking in the chair,
the head pushed toward the screen, hunched: calibration/sessions.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from calibration.evaluate import LATENCY_SLACK_S, Stream, Summary, render, scaled_plan, score
from calibration.sessions import working_day
from posturewatch.core.detector import DetectorSettings

DEFAULTS = DetectorSettings()


@pytest.fixture(scope="module")
def front_day() -> Stream:
    return render(working_day(seed=11, view="front"), rate_hz=1.0, seed=11)


@pytest.fixture(scope="module")
def side_day() -> Stream:
    return render(working_day(seed=12, view="side", plan=scaled_plan(2.0)), rate_hz=1.0, seed=12)


def test_the_day_holds_what_the_acceptance_is_about(front_day: Stream) -> None:
    session = front_day.session
    assert session.duration_s == 8 * 3600
    assert len(front_day.times) == 8 * 3600
    kinds = {seg.kind for seg in session.segments}
    assert {"slouch", "glance_down", "glance_up", "turn", "lean_back", "stand", "away"} <= kinds
    assert "passerby" in kinds and session.move_at_s is not None
    short_glances = [
        seg
        for seg in session.segments
        if seg.kind in ("glance_down", "glance_up", "turn") and seg.duration_s < DEFAULTS.window_s
    ]
    assert len(short_glances) >= 20


def test_poor_posture_time_f1(front_day: Stream) -> None:
    result = score(front_day, DEFAULTS)
    assert result.f1 >= 0.95, result


def test_no_poor_episode_without_a_slouch(front_day: Stream) -> None:
    result = score(front_day, DEFAULTS)
    assert result.false_from_glances == 0, result.false_episode_kinds
    assert result.false_episodes == 0, result.false_episode_kinds


def test_every_slouch_is_caught_within_the_window(front_day: Stream) -> None:
    result = score(front_day, DEFAULTS)
    assert result.missed_episodes == 0
    assert len(result.latencies_s) >= 10
    assert max(result.latencies_s) <= DEFAULTS.window_s + LATENCY_SLACK_S


def test_camera_move_asks_for_recalibration_and_never_alerts(front_day: Stream) -> None:
    result = score(front_day, DEFAULTS)
    assert not result.setup_change_before_move
    assert result.recalibration_after_move_s is not None
    assert result.recalibration_after_move_s <= DEFAULTS.setup_hold_s + 60.0
    assert result.alerts_after_move == 0


def test_side_view_day_meets_the_same_bar(side_day: Stream) -> None:
    summary = Summary(DEFAULTS, [score(side_day, DEFAULTS)])
    day = summary.days[0]
    assert summary.acceptable, day


def test_a_hair_trigger_detector_fails_these_checks(front_day: Stream) -> None:
    # The evaluation must be able to fail: no persistence, no smoothing, low
    # thresholds calls glances and jitter poor.
    twitchy = replace(
        DEFAULTS,
        head_threshold_deg=3.0,
        shoulder_threshold_deg=3.0,
        hysteresis_deg=0.0,
        smoothing_s=0.1,
        window_s=5.0,
        poor_fraction=0.2,
        release_s=0.0,
        grace_s=0.0,
    )
    summary = Summary(twitchy, [score(front_day, twitchy)])
    assert not summary.acceptable
    assert summary.false_episodes > 0
    assert summary.f1 < 0.95
