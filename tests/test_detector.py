"""The detector on hand-made metric streams: each test scripts one situation of a
working day and checks the state the user would be told."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from posturewatch.core.baseline import Baseline, calibrate_metrics
from posturewatch.core.detector import Detector, DetectorSettings, frame_verdict
from posturewatch.core.types import DetectorUpdate, Observation, PostureMetrics

NEUTRAL = PostureMetrics(
    view="front",
    head_forward_deg=10.0,
    shoulder_rounding_deg=5.0,
    lean_deg=0.0,
    head_yaw_deg=0.0,
    head_pitch_deg=2.0,
    head_roll_deg=0.0,
    scale=0.3,
    distance_cm=65.0,
    center_x=0.5,
    center_y=0.72,
    quality=0.95,
)
SETTINGS = DetectorSettings()


def at(**changes: Any) -> PostureMetrics:
    return replace(NEUTRAL, **changes)


def baseline() -> Baseline:
    rng = random.Random(0)
    frames = [
        at(
            head_forward_deg=10.0 + rng.gauss(0, 0.5),
            shoulder_rounding_deg=5.0 + rng.gauss(0, 0.5),
        )
        for _ in range(20)
    ]
    return calibrate_metrics(frames, created_s=0.0)


def noisy(m: PostureMetrics, rng: random.Random, sd: float = 1.5) -> PostureMetrics:
    return replace(
        m,
        head_forward_deg=m.head_forward_deg + rng.gauss(0, sd),
        shoulder_rounding_deg=m.shoulder_rounding_deg + rng.gauss(0, sd),
    )


def run(
    detector: Detector,
    script: Iterable[tuple[float, PostureMetrics | None]],
    start_s: float = 0.0,
    step_s: float = 1.0,
) -> list[DetectorUpdate]:
    """Feed (duration, metrics) pieces at a fixed step; returns every update."""
    out: list[DetectorUpdate] = []
    t = start_s
    for duration, metrics in script:
        end = t + duration
        while t < end - 1e-9:
            out.append(detector.update(t, metrics))
            t += step_s
    return out


def first_time(updates: list[DetectorUpdate], state: str, after_s: float = -1.0) -> float | None:
    return next((u.time_s for u in updates if u.state == state and u.time_s >= after_s), None)


SLOUCH = at(head_forward_deg=30.0)


def test_sitting_well_stays_good() -> None:
    rng = random.Random(1)
    d = Detector(baseline())
    updates = [d.update(float(t), noisy(NEUTRAL, rng)) for t in range(1800)]
    assert {u.state for u in updates} == {"good"}


def test_held_slouch_turns_poor_within_the_window() -> None:
    d = Detector(baseline())
    updates = run(d, [(120.0, NEUTRAL), (400.0, SLOUCH)])
    onset = first_time(updates, "poor")
    assert onset is not None
    latency = onset - 120.0
    # Not before most of the window, not later than the window plus a few seconds.
    assert SETTINGS.poor_fraction * SETTINGS.window_s <= latency <= SETTINGS.window_s + 5.0
    assert updates[-1].state == "poor"
    assert updates[-1].dominant == "head_forward"
    assert updates[-1].head_dev_deg == pytest.approx(20.0, abs=1.0)


@pytest.mark.parametrize(
    ("slouch", "dominant"),
    [
        (at(shoulder_rounding_deg=25.0), "shoulder_rounding"),
        (at(head_forward_deg=30.0, shoulder_rounding_deg=25.0), "both"),
    ],
)
def test_dominant_names_the_deviation(slouch: PostureMetrics, dominant: str) -> None:
    updates = run(Detector(baseline()), [(60.0, NEUTRAL), (300.0, slouch)])
    assert updates[-1].state == "poor"
    assert updates[-1].dominant == dominant


def test_slouch_shorter_than_the_persistence_is_not_poor() -> None:
    short = SETTINGS.poor_fraction * SETTINGS.window_s * 0.8
    updates = run(Detector(baseline()), [(60.0, NEUTRAL), (short, SLOUCH), (300.0, NEUTRAL)])
    assert "poor" not in {u.state for u in updates}
    # ...but it is shown as building up while it lasts.
    assert any(u.dominant == "head_forward" for u in updates)


def test_sitting_up_ends_poor_within_seconds() -> None:
    updates = run(Detector(baseline()), [(300.0, SLOUCH), (60.0, NEUTRAL)])
    back = first_time(updates, "good", after_s=300.0)
    assert back is not None and back - 300.0 <= 4 * SETTINGS.smoothing_s


def test_onset_does_not_depend_on_the_sampling_rate() -> None:
    onsets = []
    for step in (0.5, 1.0, 3.0):
        updates = run(Detector(baseline()), [(60.0, NEUTRAL), (300.0, SLOUCH)], step_s=step)
        onsets.append(first_time(updates, "poor"))
    assert all(o is not None for o in onsets)
    assert max(onsets) - min(onsets) <= 6.0  # type: ignore[type-var, operator]


def test_irregular_sampling_with_gaps_still_detects() -> None:
    rng = random.Random(4)
    d = Detector(baseline())
    t, updates = 0.0, []
    while t < 600.0:
        updates.append(d.update(t, noisy(SLOUCH if t >= 100 else NEUTRAL, rng)))
        t += rng.choice([0.5, 1.0, 3.0, 5.0])
    onset = first_time(updates, "poor")
    assert onset is not None and onset - 100.0 <= SETTINGS.window_s + 5.0


def test_deviation_near_the_threshold_does_not_flap() -> None:
    rng = random.Random(2)
    near = at(head_forward_deg=10.0 + SETTINGS.head_threshold_deg + 1.0)
    d = Detector(baseline())
    updates = [d.update(float(t), noisy(near, rng, sd=1.0)) for t in range(900)]
    states = [u.state for u in updates if u.time_s > SETTINGS.window_s + 5]
    changes = sum(a != b for a, b in pairwise(states))
    assert states[-1] == "poor"
    assert changes <= 2


@pytest.mark.parametrize(
    ("glance", "reason"),
    [
        (at(head_pitch_deg=35.0, head_forward_deg=25.0), "looking down"),
        (at(head_pitch_deg=-30.0), "looking up"),
        (at(head_yaw_deg=45.0, head_forward_deg=25.0), "head turned"),
        (at(quality=0.2, head_forward_deg=30.0), "low quality"),
    ],
)
def test_unjudgeable_frames_are_uncertain_never_poor(glance: PostureMetrics, reason: str) -> None:
    updates = run(Detector(baseline()), [(60.0, NEUTRAL), (400.0, glance), (30.0, NEUTRAL)])
    assert "poor" not in {u.state for u in updates}
    during = [u for u in updates if 60.0 + SETTINGS.grace_s < u.time_s < 460.0]
    assert {u.state for u in during} == {"uncertain"}
    assert {u.reason for u in during} == {reason}
    assert updates[-1].state == "good"


def test_hunching_while_looking_down_is_still_poor() -> None:
    # Reading a phone in the lap: the head is tipped (not judgeable) but the
    # shoulder angle still shows the rounded back.
    hunched = at(head_pitch_deg=40.0, shoulder_rounding_deg=30.0)
    updates = run(Detector(baseline()), [(30.0, NEUTRAL), (300.0, hunched)])
    assert updates[-1].state == "poor"
    assert updates[-1].dominant == "shoulder_rounding"
    verdict = frame_verdict(hunched, baseline(), SETTINGS)
    assert (verdict.verdict, verdict.reason) == ("poor", "looking down")


def test_a_face_turned_past_the_yaw_estimate_is_still_a_turned_head() -> None:
    # Turned far, the face reads narrow (so 'far away') while the shoulders keep
    # their size: the yaw reading may fold back, but the head is turned.
    turned = at(head_yaw_deg=12.0, distance_cm=65.0 * 1.5, head_forward_deg=25.0)
    verdict = frame_verdict(turned, baseline(), SETTINGS)
    assert (verdict.verdict, verdict.reason) == ("unknown", "head turned")
    # Moving back from the camera narrows face and shoulders alike: still judged.
    farther = at(distance_cm=65.0 * 1.25, scale=0.3 / 1.25)
    assert frame_verdict(farther, baseline(), SETTINGS).verdict == "good"


@pytest.mark.parametrize("view", ["front", "side"])
def test_leaning_back_is_uncertain(view: str) -> None:
    # The shoulder angle is the trunk's inclination in both views (docs/metrics.md);
    # leaning back brings the head forward of the trunk, which must not read as poor.
    upright = at(view=view, lean_deg=5.0 if view == "side" else 0.0, shoulder_rounding_deg=5.0)
    lean = replace(upright, shoulder_rounding_deg=-15.0, head_forward_deg=30.0)
    if view == "side":
        lean = replace(lean, lean_deg=-15.0, center_x=0.58)  # shoulders move back
    else:
        lean = replace(lean, scale=0.25)  # shoulders move away from the camera
    updates = run(Detector(calibrate_metrics([upright] * 10)), [(30.0, upright), (300.0, lean)])
    assert "poor" not in {u.state for u in updates}
    assert updates[-1].state == "uncertain"
    assert updates[-1].reason == "leaning back"
    assert not any(u.recalibrate for u in updates)


def test_a_glance_inside_a_slouch_does_not_restart_the_wait() -> None:
    # Slouched, the head already tips with the neck; the glance tips it well beyond.
    glance = replace(SLOUCH, head_pitch_deg=SLOUCH.head_pitch_deg + 50.0)
    updates = run(Detector(baseline()), [(200.0, SLOUCH), (30.0, glance), (20.0, SLOUCH)])
    assert first_time(updates, "uncertain", after_s=200.0) is not None
    back = first_time(updates, "poor", after_s=230.0)
    assert back is not None and back - 230.0 <= 2.0


def test_brief_dropouts_keep_the_state_and_long_absence_is_away() -> None:
    d = Detector(baseline())
    updates = run(d, [(300.0, SLOUCH), (2.0, None), (30.0, SLOUCH)])
    assert all(u.state == "poor" for u in updates if u.time_s >= 200.0)
    later = run(d, [(SETTINGS.away_after_s + 5.0, None)], start_s=332.0)
    assert later[-1].state == "away"
    assert later[-1].reason == "nobody in view"
    # Coming back starts afresh: the old slouch does not count toward a new one.
    back = run(d, [(SETTINGS.poor_fraction * SETTINGS.window_s - 10.0, SLOUCH)], start_s=400.0)
    assert "poor" not in {u.state for u in back}


def test_someone_passing_behind_is_ignored() -> None:
    stranger = at(scale=0.12, center_x=0.85, center_y=0.5, head_forward_deg=40.0)
    d = Detector(baseline())
    script: list[tuple[float, PostureMetrics | None]] = []
    for _ in range(6):
        script += [(50.0, NEUTRAL), (5.0, stranger)]
    updates = run(d, script)
    assert {u.state for u in updates} == {"good"}
    assert not any(u.recalibrate for u in updates)


def test_a_stranger_while_the_user_is_away_does_not_bring_them_back() -> None:
    stranger = at(scale=0.12, center_x=0.85, center_y=0.5)
    d = Detector(baseline())
    updates = run(d, [(30.0, NEUTRAL), (60.0, None), (5.0, stranger), (10.0, None)])
    assert {u.state for u in updates[-15:]} == {"away"}


def test_standing_up_is_uncertain() -> None:
    standing = at(center_y=0.72 - 0.3, quality=0.7)
    updates = run(Detector(baseline()), [(30.0, NEUTRAL), (20.0, standing)])
    assert updates[-1].state == "uncertain"
    assert updates[-1].reason == "standing up"


def test_camera_moved_asks_for_recalibration_and_stops_judging() -> None:
    moved = at(center_x=0.66, scale=0.26)
    moved_slouch = replace(moved, head_forward_deg=35.0)
    d = Detector(baseline())
    updates = run(
        d, [(120.0, NEUTRAL), (SETTINGS.setup_hold_s + 10.0, moved), (600.0, moved_slouch)]
    )
    flagged = next(u for u in updates if u.recalibrate)
    assert flagged.time_s - 120.0 <= SETTINGS.setup_hold_s + 2.0
    after = [u for u in updates if u.time_s >= flagged.time_s]
    assert all(u.recalibrate and u.state == "uncertain" for u in after)
    assert {u.reason for u in after} == {"setup changed"}
    # A new baseline clears it.
    d.set_baseline(calibrate_metrics([moved] * 10))
    assert d.update(10_000.0, moved).recalibrate is False


def test_side_camera_moved_nearer_is_a_setup_change() -> None:
    # Seen from the side, a lasting change of the ear-to-hip size while the user
    # sits as calibrated means the camera moved (here 25 % nearer).
    upright = at(view="side", lean_deg=0.0)
    nearer = replace(upright, scale=0.375)
    d = Detector(calibrate_metrics([upright] * 10))
    updates = run(d, [(60.0, upright), (SETTINGS.setup_hold_s + 300.0, nearer)])
    assert "poor" not in {u.state for u in updates}
    assert updates[-1].recalibrate and updates[-1].reason == "setup changed"


def test_side_slouch_that_shortens_the_trunk_is_not_a_setup_change() -> None:
    # The real side-view photos: the slouched frames read 15 % less ear-to-hip
    # length than the upright ones, with the seated hip where it was.
    upright = at(view="side", lean_deg=0.0)
    slouched = replace(
        upright,
        scale=upright.scale * 0.85,
        shoulder_rounding_deg=upright.shoulder_rounding_deg + 30.0,
        lean_deg=30.0,
    )
    d = Detector(calibrate_metrics([upright] * 10))
    updates = run(d, [(60.0, upright), (SETTINGS.setup_hold_s + 300.0, slouched)])
    assert not any(u.recalibrate for u in updates)
    assert updates[-1].state == "poor" and updates[-1].dominant == "shoulder_rounding"


def test_a_brief_shift_in_the_chair_is_not_a_setup_change() -> None:
    shifted = at(center_x=0.62)
    updates = run(Detector(baseline()), [(60.0, NEUTRAL), (SETTINGS.setup_hold_s / 2, shifted)] * 4)
    assert not any(u.recalibrate for u in updates)


def test_time_never_runs_backwards() -> None:
    d = Detector(baseline())
    d.update(100.0, NEUTRAL)
    assert d.update(50.0, NEUTRAL).time_s == 100.0


def test_frame_verdict_from_one_frame() -> None:
    b = baseline()
    assert frame_verdict(NEUTRAL, b, SETTINGS).verdict == "good"
    poor = frame_verdict(SLOUCH, b, SETTINGS)
    assert poor.verdict == "poor"
    assert poor.head_dev_deg == pytest.approx(20.0, abs=0.5)
    turned = frame_verdict(at(head_yaw_deg=60.0), b, SETTINGS)
    assert (turned.verdict, turned.reason) == ("unknown", "head turned")
    assert frame_verdict(None, b, SETTINGS).verdict == "unknown"


@pytest.mark.parametrize(
    "changes",
    [
        {"window_s": 0.0},
        {"poor_fraction": 1.5},
        {"hysteresis_deg": 50.0},
        {"min_quality": -0.1},
        {"setup_position_tolerance": 0.5, "lock_position_tolerance": 0.2},
    ],
)
def test_settings_refuse_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        DetectorSettings(**changes)  # type: ignore[arg-type]


# --- real photographs -----------------------------------------------------------------


def _side_photo_verdicts(observations: dict[str, Observation]) -> None:
    """Calibrated on each straight photo in turn (one frame, as the test allows), every
    hunchback photo is poor and every other straight photo good."""
    from posturewatch.core.metrics import compute_metrics

    metrics = {name: compute_metrics(obs, "side") for name, obs in observations.items()}
    straight = sorted(n for n in metrics if n.startswith("straight"))
    hunchback = sorted(n for n in metrics if n.startswith("hunchback"))
    assert len(straight) == 3 and len(hunchback) == 4
    for reference in straight:
        base = calibrate_metrics([metrics[reference]], view="side", min_frames=1)
        for name in hunchback:
            verdict = frame_verdict(metrics[name], base, SETTINGS)
            assert verdict.verdict == "poor", (reference, name, verdict)
        for name in straight:
            verdict = frame_verdict(metrics[name], base, SETTINGS)
            assert verdict.verdict == "good", (reference, name, verdict)


def _read_all(spec: str) -> dict[str, Observation]:
    from posturewatch.inputs.observations import open_observations

    source = open_observations(spec)
    found: dict[str, Observation] = {}
    try:
        while (obs := source.read()) is not None:
            assert obs.path is not None
            found[Path(obs.path).name] = obs
    finally:
        source.close()
    return found


@pytest.mark.model
def test_side_view_photos_through_the_real_model() -> None:
    from tests.paths import SIDE_VIEW

    _side_photo_verdicts(_read_all(str(SIDE_VIEW)))


def test_side_view_photos_from_their_landmark_recording() -> None:
    # The same photos as the model saw them, replayed without the model (fast).
    from tests.paths import TESTS

    _side_photo_verdicts(_read_all(str(TESTS / "fixtures" / "side_view_photos.jsonl")))


def test_a_slouch_that_tips_the_head_with_the_neck_is_judged_not_a_glance() -> None:
    # The real side-view photos: slouched, the neck leans ~30 degrees further and the
    # head tips ~30 degrees down with it. A glance tips the head alone.
    slouch = at(head_forward_deg=10.0 + 30.0, head_pitch_deg=2.0 + 30.0)
    glance = at(head_pitch_deg=2.0 + 30.0)
    assert frame_verdict(slouch, baseline(), SETTINGS).verdict == "poor"
    assert frame_verdict(slouch, baseline(), SETTINGS).reason == ""
    assert frame_verdict(glance, baseline(), SETTINGS).reason == "looking down"


def test_front_whole_person_jump_is_a_setup_change_and_a_slow_sink_is_poor() -> None:
    from posturewatch.core.baseline import calibrate_metrics
    from posturewatch.core.types import PostureMetrics

    def front(nose: float = -1.0, shoulder: float = 0.3, ear: float = 1.25) -> PostureMetrics:
        return PostureMetrics(
            view="front",
            head_forward_deg=12.0,
            shoulder_rounding_deg=0.0,
            lean_deg=0.0,
            head_yaw_deg=0.0,
            head_pitch_deg=0.0,
            head_roll_deg=0.0,
            scale=0.3,
            distance_cm=65.0,
            center_x=0.5,
            center_y=0.6,
            quality=0.9,
            face_size=0.1,
            nose_level_fw=nose,
            shoulder_level_fw=shoulder,
            ear_height_fw=ear,
            nose_height_fw=shoulder - nose,
            shoulder_width_fw=2.4,
        )

    baseline = calibrate_metrics([front()] * 5)
    # A bumped screen: everything 0.4 F lower in the picture from one second to the
    # next; brought to the ears' depth (65 cm), the nearer nose moved less and the
    # farther shoulders more.
    from posturewatch.core.metrics import NOSE_FORWARD_M, SHOULDERS_BEHIND_M

    nose_step = 0.4 * (1 - NOSE_FORWARD_M / 0.65)
    shoulder_step = 0.4 * (1 + SHOULDERS_BEHIND_M / 0.65)
    detector = Detector(baseline)
    updates = [detector.update(float(t), front()) for t in range(20)]
    bumped = front(-1.0 + nose_step, 0.3 + shoulder_step)
    updates += [detector.update(float(t), bumped) for t in range(20, 60)]
    assert updates[-1].recalibrate and updates[-1].reason == "setup changed"
    assert all(u.state != "poor" for u in updates)
    # Sinking over ten seconds, the head more than the shoulders: poor, named sinking.
    detector = Detector(baseline)
    updates = [detector.update(float(t), front()) for t in range(20)]
    for t in range(20, 400):
        k = min(1.0, (t - 20) / 10)
        updates.append(
            detector.update(float(t), front(-1.0 + 0.5 * k, 0.3 + 0.3 * k, 1.25 - 0.05 * k))
        )
    assert updates[-1].state == "poor" and updates[-1].dominant == "sinking"
    assert not any(u.recalibrate for u in updates)
