"""Learning from answers (core/learning.py) and keeping it in the profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posturewatch.core.baseline import ProfileCorrupt, calibrate_metrics
from posturewatch.core.learning import (
    SIGNALS,
    Learned,
    LearningSettings,
    Moment,
    learn,
    learned_from_json,
    learned_to_json,
)
from posturewatch.store.profiles import load_learned, load_profile, save_learned, save_profile
from tests.samples import side_metrics


def test_a_false_alarm_relaxes_only_the_signals_that_fired_in_a_bounded_step() -> None:
    moment = Moment(
        {"head_forward": 1.3, "sinking": 0.5, "neck": 0.9, "lean_in": 0.1},
        time_s=10.0,
        decided_by="head_forward",
    )
    out = learn(Learned(), "not_slouching", moment)
    assert out.applied
    f = out.learned.factors
    # neck did not fire, but so near (0.9) that the same posture would fire it next
    assert set(f) == {"head_forward", "neck"}
    assert f["head_forward"] == pytest.approx(LearningSettings().relax_step)  # bounded
    assert f["neck"] == pytest.approx(0.75 / 0.9)  # just enough to clear the hysteresis
    assert out.learned.count == 1
    assert out.learned.answers[0].readings["head_forward"] == 1.3
    assert "less sensitive" in out.message


def test_a_missed_slouch_tightens_the_signals_that_moved() -> None:
    moment = Moment({"head_forward": 0.8, "sinking": 0.7, "neck": 0.45, "lean_in": 0.0})
    out = learn(Learned(), "slouching", moment)
    assert out.applied
    step = 1.2 / 0.8
    # neck twitched (0.45) but far less than the slouch's own signals: left alone
    assert out.learned.factors == {"head_forward": step, "sinking": step}
    # the strongest one now reads above its threshold: the same posture prompts
    assert 0.8 * out.learned.factor("head_forward") > 1.0


def test_leaning_back_is_not_learned_as_a_slouch_but_sinking_back_is() -> None:
    recline = Moment({"head_forward": 0.5, "sinking": 0.1, "lean_in": -1.3})
    out = learn(Learned(), "slouching", recline)
    assert not out.applied and "leaning back" in out.message
    sinking_back = Moment({"head_forward": 0.5, "sinking": 0.8, "lean_in": -1.2})
    assert learn(Learned(), "slouching", sinking_back).applied


@pytest.mark.parametrize(
    "reason", ["looking down", "head turned", "leaning back", "standing up", "nobody in view"]
)
def test_a_moment_that_was_not_judged_is_never_learned(reason: str) -> None:
    moment = Moment({"head_forward": 0.9, "sinking": 0.9}, unjudged=reason)
    for kind in ("slouching", "not_slouching"):
        out = learn(Learned(), kind, moment)  # type: ignore[arg-type]
        assert not out.applied
        assert out.learned == Learned()
        assert reason in out.message


def test_refusals_say_why() -> None:
    still = Moment({"head_forward": 0.2, "sinking": 0.1})
    assert "nothing moved" in learn(Learned(), "slouching", still).message
    assert "nothing read as a slouch" in learn(Learned(), "not_slouching", still).message
    firing = Moment({"head_forward": 1.4})
    assert "already reads as a slouch" in learn(Learned(), "slouching", firing).message
    held = Moment({"sinking": 0.9}, decided_by="sinking")  # out, held by the hysteresis
    assert "already reads as a slouch" in learn(Learned(), "slouching", held).message


def test_the_bounds_hold_whatever_is_answered() -> None:
    s = LearningSettings()
    learned = Learned()
    for _ in range(30):
        learned = learn(learned, "not_slouching", Moment(dict.fromkeys(SIGNALS, 3.0)), s).learned
    assert all(v == pytest.approx(s.min_factor) for v in learned.factors.values())
    out = learn(learned, "not_slouching", Moment(dict.fromkeys(SIGNALS, 3.0)), s)
    assert not out.applied and "already as relaxed" in out.message
    for _ in range(30):
        learned = learn(learned, "slouching", Moment(dict.fromkeys(SIGNALS, 0.5)), s).learned
    assert all(v == pytest.approx(s.max_factor) for v in learned.factors.values())
    assert not learn(learned, "slouching", Moment(dict.fromkeys(SIGNALS, 0.5)), s).applied


def test_the_profile_keeps_the_newest_answers_and_counts_them_all() -> None:
    s = LearningSettings(max_answers=3)
    learned = Learned()
    for i in range(8):
        kind = "slouching" if i % 2 else "not_slouching"
        reading = 0.7 if i % 2 else 1.2
        out = learn(learned, kind, Moment({"sinking": reading}, time_s=float(i)), s)  # type: ignore[arg-type]
        assert out.applied
        learned = out.learned
    assert learned.count == 8
    assert [a.time_s for a in learned.answers] == [5.0, 6.0, 7.0]
    assert "adjusted from 8 answers" in out.message


def test_json_round_trip_and_bad_values_named() -> None:
    out = learn(Learned(), "not_slouching", Moment({"head_forward": 1.3}, time_s=5.0)).learned
    assert learned_from_json(json.loads(json.dumps(learned_to_json(out)))) == out
    with pytest.raises(ValueError, match=r"learned.factors.chin"):
        learned_from_json({"factors": {"chin": 1.0}})
    with pytest.raises(ValueError, match=r"learned.answers\[0\].kind"):
        learned_from_json({"answers": [{"kind": "maybe", "time_s": 1}]})
    # a factor outside the bounds in force is held to them
    assert learned_from_json({"factors": {"sinking": 9.0}}).factor("sinking") == 1.6


def test_the_profile_keeps_what_was_learned_and_a_recalibration_starts_afresh(
    tmp_path: Path,
) -> None:
    path = tmp_path / "profiles" / "default.json"
    baseline = calibrate_metrics([side_metrics() for _ in range(6)], "side")
    save_profile(path, baseline)
    assert load_learned(path) == Learned()
    out = learn(Learned(), "slouching", Moment({"sinking": 0.7}, time_s=3.0)).learned
    save_learned(path, out)
    assert load_learned(path) == out
    assert load_profile(path) == baseline  # the calibration itself untouched
    assert (path.with_name("default.json.bak")).exists()
    save_profile(path, baseline)  # recalibrated
    assert load_learned(path) == Learned()
    save_learned(path, out)
    save_learned(path, Learned())  # reset
    assert "learned" not in json.loads(path.read_text())


def test_a_damaged_learned_entry_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    save_profile(path, calibrate_metrics([side_metrics() for _ in range(6)], "side"))
    data = json.loads(path.read_text())
    data["learned"] = {"factors": {"neck": "much"}}
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileCorrupt, match=r"learned.factors.neck.*feedback reset"):
        load_learned(path)
    save_learned(path, Learned())  # what `posturewatch feedback reset` does: the way out
    assert load_learned(path) == Learned()


POSES = {
    "nod": {"head_pitch_deg": 25.0},
    "head turned": {"head_yaw_deg": 35.0},
    "leaning back": {"trunk_flex_deg": -20.0},
    "standing up": {"standing": True},
    "nobody": {"present": False},
}


@pytest.mark.parametrize("name", sorted(POSES))
def test_a_nod_a_turn_a_lean_back_standing_or_nobody_is_never_learned_nor_read_poor(
    name: str,
) -> None:
    """Simulated front view (calibration/simulator.py, landmark noise): whatever was
    learned (every signal at its most sensitive), these never read poor, and a
    "slouching" said during them teaches nothing."""
    import numpy as np

    from calibration.simulator import Body, Camera, Posture, simulate
    from posturewatch.core.baseline import calibrate
    from posturewatch.core.detector import Detector, DetectorSettings, frame_verdict
    from posturewatch.core.learning import MomentTracker
    from posturewatch.core.metrics import compute_metrics

    body, camera = Body(), Camera()
    baseline = calibrate(
        [simulate(body, Posture(), camera, np.random.default_rng(i)) for i in range(8)], "front"
    )
    most = dict.fromkeys(SIGNALS, LearningSettings().max_factor)
    posture = Posture(**POSES[name])  # type: ignore[arg-type]
    exact = compute_metrics(simulate(body, posture, camera), "front")
    assert frame_verdict(exact, baseline, DetectorSettings(), learned=most).verdict != "poor"
    most_sensitive = Detector(baseline, DetectorSettings(), most)
    as_calibrated = Detector(baseline, DetectorSettings())
    tracker = MomentTracker()
    for t in range(180):
        shown = Posture() if t < 30 else posture
        obs = simulate(body, shown, camera, np.random.default_rng(1000 + t), time_s=float(t))
        metrics = compute_metrics(obs, "front")
        assert most_sensitive.update(float(t), metrics).state != "poor", t
        tracker.add(as_calibrated.update(float(t), metrics))
        if t >= 45:
            out = learn(Learned(), "slouching", tracker.moment())
            assert not out.applied, (t, out.message)
