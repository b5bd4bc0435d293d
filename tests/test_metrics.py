"""Posture metrics against the simulator's known angles and against real photographs.

The simulator checks the front view's geometry (distance, nods, turns, tilts);
tests/test_real_data.py proves it on real people (the licensed front-view
sittings); the side-view photographs and the portrait check the metrics on what the
real pose model says about real people.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from calibration.metrics_accuracy import (
    DISTANCE_POSTURES,
    FIELDS,
    calibrated,
    distance_spread,
    front_change_errors,
)
from calibration.simulator import (
    Body,
    Camera,
    Noise,
    Posture,
    head_forward_seen_deg,
    sample_body,
    sample_camera,
    simulate,
)
from posturewatch.core.detector import DetectorSettings, frame_verdict
from posturewatch.core.front import front_deviation
from posturewatch.core.metrics import (
    MetricsSettings,
    compute_metrics,
    detect_view,
    picture_levels,
)
from posturewatch.core.types import LM, Landmark, Observation, Pose, PostureMetrics


def _metrics(obs: Observation, view: str | None = None) -> PostureMetrics:
    m = compute_metrics(obs, view)  # type: ignore[arg-type]
    assert m is not None
    return m


def _median_metrics(
    body: Body, posture: Posture, camera: Camera, rng: np.random.Generator, frames: int = 15
) -> dict[str, float]:
    """Medians over noisy frames, as the detector's smoothing would see them."""
    results = [compute_metrics(simulate(body, posture, camera, rng)) for _ in range(frames)]
    found = [m for m in results if m is not None]
    assert len(found) >= frames // 2
    return {f: float(np.median([getattr(m, f) for m in found])) for f in FIELDS}


# --- front view on the simulator -----------------------------------------------


def test_front_head_forward_change_is_read_within_5_degrees() -> None:
    """Acceptance: front view, 45-90 cm, camera up to 20 deg to the side, random
    bodies and webcams with head turns, tips and tilts and the simulator's default
    noise: the calibrated change of head_forward (9-frame medians, as the detector's
    smoothing sees it) against the true change of 0-40 deg, the face carried with
    the neck. (With the gaze held level the nose reading under-reads, by about 40 %
    at 30-40 deg: docs/metrics.md, failure cases.)"""
    for seed in (20240501, 1, 7):
        errors = front_change_errors(240, seed)
        for start, e in errors.items():
            assert len(e) >= 20, f"too few cases in {start}-{start + 10} deg"
            assert np.median(e) <= 5.0, (seed, f"{start}-{start + 10} deg", np.median(e))
    level = front_change_errors(60, 7, gaze_level=True)
    assert np.median(level[30]) > 5.0  # the documented limitation is still there


def test_a_turned_head_with_a_hidden_ear_is_not_judged() -> None:
    # The outer eye corners stand in for a lost ear, but they sit ahead of the ears,
    # so the reading is unsure: quality falls below what the detector judges.
    camera = Camera(distance_m=0.6, height_m=0.0, pitch_deg=0.0)
    for yaw, far_ear in ((25.0, LM.RIGHT_EAR), (-25.0, LM.LEFT_EAR)):
        obs = simulate(Body(), Posture(head_forward_deg=15.0, head_yaw_deg=yaw), camera)
        assert obs.pose is not None
        hidden = _with(obs, {far_ear: replace(obs.pose.image[far_ear], visibility=0.1)})
        m = _metrics(hidden)
        assert m.quality < DetectorSettings().min_quality
        assert _metrics(obs).quality > DetectorSettings().min_quality


def test_uncalibrated_head_forward_rises_with_the_neck_for_a_level_camera() -> None:
    readings = []
    for head_forward in (0.0, 10.0, 20.0, 30.0, 40.0):
        camera = Camera(distance_m=0.7, height_m=0.0, pitch_deg=0.0)
        posture = Posture(head_forward_deg=head_forward, head_pitch_deg=head_forward - 10.0)
        m = _metrics(simulate(Body(), posture, camera))
        assert m.view == "front"
        readings.append(m.head_forward_deg)
    assert all(b > a + 5.0 for a, b in itertools.pairwise(readings)), readings


def test_camera_tilt_moves_the_whole_person_like_sinking() -> None:
    # Documented limitation: a screen tilted back lowers head and shoulders in the
    # picture alike, as sinking does. The detector tells them apart by time (a tilt
    # is a jump, a sink takes seconds). Heights against the shoulders move only as
    # the camera's own vertical turns: the neck reads as the tilted camera sees it.
    posture = Posture(head_forward_deg=15.0)
    camera = Camera(height_m=-0.1, pitch_deg=0.0)
    baseline = calibrated(Body(), posture, camera, None, None, frames=1)
    assert baseline is not None
    tilted_camera = replace(camera, pitch_deg=5.0)
    tilted = _metrics(simulate(Body(), posture, tilted_camera))
    d = front_deviation(tilted, baseline)
    assert d is not None
    seen = head_forward_seen_deg(Body(), posture, tilted_camera) - head_forward_seen_deg(
        Body(), posture, camera
    )
    assert seen == pytest.approx(-5.0, abs=0.5)
    assert abs(d.head_forward_deg - seen) < 3.0
    assert d.head_drop_fw > 0.25 and d.shoulder_drop_fw > 0.25
    # In the picture every point moves by the same angle (the detector's jump rule
    # looks there); brought to the ears' depth, the farther shoulders move farther.
    nose_seen, shoulder_seen = picture_levels(tilted)
    nose0, shoulder0 = picture_levels(_metrics(simulate(Body(), posture, camera)))
    assert abs((nose_seen - nose0) - (shoulder_seen - shoulder0)) < 0.05


def test_moving_nearer_or_farther_hardly_moves_a_metric() -> None:
    # Exact landmarks: this is the geometry (perspective, scale), calibrated at 60 cm
    # and read at 45-90 cm, with webcams wider and narrower than the 70 degrees the
    # metrics assume: every metric stays within 3 degrees (the nose and the shoulders
    # are brought to the ears' depth, docs/metrics.md).
    rng = np.random.default_rng(7)
    for body in (Body(), sample_body(rng)):
        for hfov in (66.0, 70.0, 78.0):
            for posture in DISTANCE_POSTURES:
                spread = distance_spread(body, posture, hfov)
                for field, value in spread.items():
                    assert value <= 3.0, (field, hfov, posture, value)


def test_shoulders_pulled_forward_alone_are_not_read_as_poor() -> None:
    # Protraction is depth, which a front camera hardly sees (perspective widens the
    # nearer shoulders as much as the swing narrows them): it is not mistaken for
    # anything worse.
    rng = np.random.default_rng(5)
    camera = Camera(pitch_deg=0.0, height_m=-0.05)
    baseline = calibrated(Body(), Posture(head_forward_deg=15.0), camera, None, frames=1)
    assert baseline is not None
    for p in (0.0, 20.0, 40.0):
        posture = Posture(shoulder_protraction_deg=p, head_forward_deg=15.0)
        m = _metrics(simulate(Body(), posture, camera, rng))
        verdict = frame_verdict(m, baseline, DetectorSettings())
        assert verdict.dominant != "shoulder_rounding", p


def test_head_turn_tip_and_tilt_are_read_with_their_signs() -> None:
    camera = Camera(distance_m=0.6, height_m=0.0, pitch_deg=0.0)
    base = Posture(head_forward_deg=15.0)
    baseline = calibrated(Body(), base, camera, None, None, frames=1)
    assert baseline is not None
    cases = {
        "head_yaw_deg": (replace(base, head_yaw_deg=20.0), 20.0),
        "head_pitch_deg": (replace(base, head_pitch_deg=25.0), 25.0),
        "head_roll_deg": (replace(base, head_roll_deg=-10.0), -10.0),
    }
    for field, (posture, expected) in cases.items():
        m = _metrics(simulate(Body(), posture, camera))
        assert getattr(m, field) == pytest.approx(expected, abs=2.0), field
        verdict = frame_verdict(m, baseline, DetectorSettings())
        if field == "head_pitch_deg":
            # The nose drops with a nod, the ears keep their height: a glance down.
            assert (verdict.verdict, verdict.reason) == ("unknown", "looking down")
        else:
            # A turn or tilt of the head alone is not a change of neck posture.
            assert verdict.verdict == "good", field
            assert abs(verdict.head_dev_deg or 0.0) < 2.0, field


def test_lateral_lean_is_read_with_or_without_visible_hips() -> None:
    posture = Posture(lateral_lean_deg=8.0)
    at_desk = _metrics(simulate(Body(), posture, Camera(desk=True)))
    far = Camera(distance_m=1.6, height_m=-0.3, pitch_deg=-8.0, desk=False)
    hips_in_view = simulate(Body(), posture, far)
    assert hips_in_view.pose is not None
    assert hips_in_view.pose.image[LM.LEFT_HIP].visibility > 0.5
    assert at_desk.lean_deg == pytest.approx(8.0, abs=1.5)
    assert _metrics(hips_in_view).lean_deg == pytest.approx(8.0, abs=1.5)
    mirrored = _metrics(simulate(Body(), Posture(lateral_lean_deg=-8.0), Camera()))
    assert mirrored.lean_deg == pytest.approx(-8.0, abs=1.5)


def test_distance_scale_and_centre_follow_the_person() -> None:
    near = _metrics(simulate(Body(), Posture(), Camera(distance_m=0.5)))
    far = _metrics(simulate(Body(), Posture(), Camera(distance_m=0.85)))
    assert near.scale > far.scale * 1.4
    assert near.distance_cm is not None and far.distance_cm is not None
    # Rough by design (typical face size and field of view), but in the right place.
    assert 35 <= near.distance_cm <= 65 and 70 <= far.distance_cm <= 100
    shifted = _metrics(simulate(Body(), Posture(x_offset_m=0.1), Camera()))
    assert shifted.center_x > near.center_x + 0.05


# --- side view on the simulator --------------------------------------------------


def test_side_view_head_forward_and_trunk_follow_the_truth() -> None:
    rng = np.random.default_rng(3)
    errors = []
    for head_forward in (0.0, 10.0, 20.0, 30.0, 40.0):
        for trunk in (-10.0, 0.0, 20.0):
            camera = sample_camera(rng, "side")
            posture = Posture(head_forward_deg=head_forward, trunk_flex_deg=trunk)
            m = _metrics(simulate(Body(), posture, camera, rng))
            assert m.view == "side"
            # The side camera is level within a few degrees of aiming error.
            errors.append(m.head_forward_deg - head_forward)
            assert m.shoulder_rounding_deg == pytest.approx(trunk, abs=8.0)
            assert m.lean_deg == m.shoulder_rounding_deg
    assert np.median(np.abs(errors)) <= 5.0


def test_view_is_detected_on_the_simulator() -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        body = sample_body(rng)
        for view in ("front", "side"):
            camera = sample_camera(rng, view, yaw_max_deg=15.0)  # type: ignore[arg-type]
            obs = simulate(body, Posture(head_forward_deg=rng.uniform(0, 40)), camera, rng)
            assert detect_view(obs) == view


# --- missing and odd input ------------------------------------------------------


def test_no_person_gives_none_and_a_front_guess() -> None:
    empty = simulate(Body(), Posture(present=False), Camera())
    assert compute_metrics(empty) is None
    assert detect_view(empty) == "front"


def _with(obs: Observation, changes: dict[LM, Landmark]) -> Observation:
    assert obs.pose is not None
    image = list(obs.pose.image)
    for i, lm in changes.items():
        image[i] = lm
    return replace(obs, pose=Pose(tuple(image), obs.pose.world))


def test_missing_shoulder_or_ears_gives_none() -> None:
    obs = simulate(Body(), Posture(), Camera())
    assert obs.pose is not None
    lost = Landmark(0.5, 0.5, 0.0, 0.05)
    assert compute_metrics(_with(obs, {LM.LEFT_SHOULDER: lost})) is None
    ears = {LM.LEFT_EAR: lost, LM.RIGHT_EAR: lost}
    assert compute_metrics(_with(obs, ears)) is not None  # the eye corners stand in
    eyes = {LM.LEFT_EYE_OUTER: lost, LM.RIGHT_EYE_OUTER: lost}
    assert compute_metrics(_with(obs, {**ears, **eyes})) is None
    nan = Landmark(float("nan"), 0.5, 0.0, 1.0)
    assert compute_metrics(_with(obs, {LM.NOSE: nan})) is None


def test_quality_falls_when_landmarks_are_unsure() -> None:
    obs = simulate(Body(), Posture(), Camera())
    assert obs.pose is not None
    good = _metrics(obs)
    unsure = {
        i: replace(obs.pose.image[i], visibility=0.4)
        for i in (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.NOSE)
    }
    one_ear = {LM.RIGHT_EAR: replace(obs.pose.image[LM.RIGHT_EAR], visibility=0.1)}
    assert good.quality > 0.9
    assert _metrics(_with(obs, unsure)).quality < good.quality - 0.2
    assert _metrics(_with(obs, one_ear)).quality < 0.6


def test_without_world_landmarks_image_depth_stands_in() -> None:
    obs = simulate(Body(), Posture(head_forward_deg=30.0), Camera(pitch_deg=0.0, height_m=0.0))
    assert obs.pose is not None
    bare = replace(obs, pose=Pose(obs.pose.image, None))
    with_world, without = _metrics(obs), _metrics(bare)
    assert math.isfinite(without.head_forward_deg)
    assert without.head_forward_deg == pytest.approx(with_world.head_forward_deg, abs=4.0)


def test_settings_reject_out_of_range_values() -> None:
    with pytest.raises(ValueError, match="camera_hfov_deg"):
        MetricsSettings(camera_hfov_deg=5.0)
    with pytest.raises(ValueError, match="min_visibility"):
        MetricsSettings(min_visibility=1.5)


def test_a_wider_assumed_field_of_view_reads_a_nearer_person() -> None:
    obs = simulate(Body(), Posture(), Camera(hfov_deg=70.0))
    narrow = compute_metrics(obs, settings=MetricsSettings(camera_hfov_deg=60.0))
    wide = compute_metrics(obs, settings=MetricsSettings(camera_hfov_deg=78.0))
    assert narrow is not None and wide is not None
    assert narrow.distance_cm is not None and wide.distance_cm is not None
    assert wide.distance_cm < narrow.distance_cm


def test_stronger_depth_noise_costs_accuracy_but_keeps_the_median() -> None:
    # The simulator's depth noise is an assumption; the front view reads no depth
    # (docs/metrics.md), so doubling it must leave the median where the exact
    # landmarks put it.
    rng = np.random.default_rng(12)
    body, camera = Body(), Camera(pitch_deg=0.0, height_m=0.0)
    posture = Posture(head_forward_deg=25.0)
    exact = _metrics(simulate(body, posture, camera)).head_forward_deg
    noisy = Noise(world_z_m=0.06, world_z_shared_m=0.03)
    values = []
    for _ in range(61):
        m = compute_metrics(simulate(body, posture, camera, rng, noisy))
        if m is not None:
            values.append(m.head_forward_deg)
    assert float(np.median(values)) == pytest.approx(exact, abs=1.5)


# --- real photographs, real model --------------------------------------------------


@pytest.fixture(scope="module")
def photo_observations() -> dict[str, Observation]:
    from posturewatch.inputs.observations import open_observations
    from tests.paths import PORTRAIT, SIDE_VIEW

    found: dict[str, Observation] = {}
    for spec in (str(SIDE_VIEW), str(PORTRAIT)):
        source = open_observations(spec)
        try:
            while (obs := source.read()) is not None:
                assert obs.path is not None
                found[obs.path.rsplit("/", 1)[-1]] = obs
        finally:
            source.close()
    return found


@pytest.mark.model
def test_every_hunchback_photo_reads_more_head_forward_than_every_straight_one(
    photo_observations: dict[str, Observation],
) -> None:
    def head_forward(prefix: str) -> list[float]:
        return [
            _metrics(obs).head_forward_deg
            for name, obs in photo_observations.items()
            if name.startswith(prefix)
        ]

    hunchback, straight = head_forward("hunchback"), head_forward("straight")
    assert len(hunchback) == 4 and len(straight) == 3
    assert min(hunchback) > max(straight)


@pytest.mark.model
def test_side_photos_are_side_view_and_the_portrait_is_front(
    photo_observations: dict[str, Observation],
) -> None:
    for name, obs in photo_observations.items():
        expected = "front" if name == "astronaut.png" else "side"
        assert detect_view(obs) == expected, name
        assert _metrics(obs).view == expected


@pytest.mark.model
def test_portrait_gives_a_person_with_both_shoulders_and_finite_metrics(
    photo_observations: dict[str, Observation],
) -> None:
    obs = photo_observations["astronaut.png"]
    assert obs.pose is not None
    for i in (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER):
        assert obs.pose.image[i].visibility > 0.5
        assert 0 <= obs.pose.image[i].x <= 1 and 0 <= obs.pose.image[i].y <= 1
    m = _metrics(obs)
    for value in (*(getattr(m, f) for f in FIELDS), m.scale, m.quality):
        assert math.isfinite(value)
    assert m.quality > 0.5
    assert 0 < m.center_x < 1 and 0 < m.center_y < 1


@pytest.mark.model
def test_side_photos_read_the_trunk_lean_of_their_labels(
    photo_observations: dict[str, Observation],
) -> None:
    # The data's README: hunchback frames lean 27-43 deg forward, straight ones
    # 8-12 deg back, recline frames further back.
    for name, obs in photo_observations.items():
        if name.startswith("hunchback"):
            assert _metrics(obs).lean_deg > 20, name
        elif name.startswith("straight"):
            assert -15 < _metrics(obs).lean_deg < 0, name
        elif name.startswith("recline"):
            assert _metrics(obs).lean_deg < -20, name


def _graded_series(neutral: float, follow: float) -> list[Posture]:
    """One person's six head positions, worst forward head to worst extension: the
    neck 35, 25 and 15 degrees forward of neutral with the face following by
    `follow` of it (the rest kept level on the screen), neutral, then the head back
    10 and 20 degrees, chin up."""
    changes = (35.0, 25.0, 15.0, 0.0, -10.0, -20.0)
    return [
        Posture(head_forward_deg=neutral + c, head_pitch_deg=follow * c if c > 0 else c)
        for c in changes
    ]


LAPTOP_CAMERAS = [
    Camera(distance_m=d, height_m=h)
    for h in (0.0, -0.05, -0.10, -0.15)
    for d in (0.45, 0.6, 0.75, 0.9)
]
"""Typical laptop geometry: 0-15 cm below the eyes, 45-90 cm away, aimed at the neck."""


def test_uncalibrated_head_forward_orders_a_graded_series() -> None:
    # Acceptance: uncalibrated head_forward_deg strictly decreasing from the worst
    # forward head to the worst extension, for any build at laptop geometry.
    rng = np.random.default_rng(11)
    for body in (Body(), sample_body(rng), sample_body(rng)):
        for camera in LAPTOP_CAMERAS:
            for follow in (0.5, 1.0):
                readings = [
                    _metrics(simulate(body, p, camera)).head_forward_deg
                    for p in _graded_series(10.0, follow)
                ]
                assert all(a > b for a, b in itertools.pairwise(readings)), (
                    camera,
                    follow,
                    readings,
                )


def test_calibrated_verdicts_on_a_graded_series() -> None:
    # Acceptance: calibrated on the neutral position, the forward positions are poor
    # and neutral and extension are not (balanced accuracy >= 0.97 over the judged
    # noisy frames; a chin raised far reads "looking up", which is not poor).
    rng = np.random.default_rng(12)
    settings = DetectorSettings()
    hits = {True: [0, 0], False: [0, 0]}  # forward?: [poor, frames]
    for body in (Body(), sample_body(rng)):
        for camera in LAPTOP_CAMERAS:
            for follow in (0.5, 1.0):
                series = _graded_series(10.0, follow)
                baseline = calibrated(body, series[3], camera, rng, frames=5)
                assert baseline is not None
                for i, posture in enumerate(series):
                    for _ in range(2):
                        m = compute_metrics(simulate(body, posture, camera, rng))
                        if m is None or m.quality < settings.min_quality:
                            continue  # a landmark lost by the simulated model
                        poor = frame_verdict(m, baseline, settings).verdict == "poor"
                        hits[i < 3][0] += poor
                        hits[i < 3][1] += 1
    recall = hits[True][0] / hits[True][1]
    specificity = 1.0 - hits[False][0] / hits[False][1]
    assert hits[True][1] >= 300 and hits[False][1] >= 300
    assert 0.5 * (recall + specificity) >= 0.97, (recall, specificity)


def test_leaning_back_is_not_sinking_and_sinking_is() -> None:
    # Leaning back 25 degrees lowers head and shoulders in the picture by more than
    # the sinking thresholds, but the face gets smaller by as much as a recline about
    # the hips needs for that drop; sinking in the chair drops them without moving
    # back (docs/metrics.md).
    settings = DetectorSettings()
    for camera in (Camera(distance_m=0.55, height_m=-0.1), Camera(distance_m=0.75, height_m=-0.15)):
        upright = Posture(head_forward_deg=10.0)
        baseline = calibrated(Body(), upright, camera, None, frames=1)
        assert baseline is not None
        lean_back = replace(upright, trunk_flex_deg=-25.0, head_pitch_deg=10.0)
        m = _metrics(simulate(Body(), lean_back, camera))
        d = front_deviation(m, baseline)
        assert d is not None
        assert (
            d.ear_drop_fw > settings.sink_head_fw and d.shoulder_drop_fw > settings.sink_shoulder_fw
        )
        assert d.lean_in_deg < -10.0  # the face got smaller: moved back
        assert frame_verdict(m, baseline, settings).verdict == "good"
        sunk = replace(
            upright,
            hip_forward_m=0.10,
            trunk_flex_deg=-12.0,
            torso_curl_m=0.05,
            head_forward_deg=25.0,
            head_pitch_deg=-6.0,
        )
        verdict = frame_verdict(_metrics(simulate(Body(), sunk, camera)), baseline, settings)
        assert (verdict.verdict, verdict.dominant) == ("poor", "sinking")


def test_moving_back_in_the_chair_is_still_the_user_but_a_pulled_back_camera_is_not() -> None:
    # The person lock takes a user much smaller than calibrated for someone else (a
    # passer-by, or, lasting, a moved camera), unless leaning back or sinking back in
    # the chair explains it: moving back there always lowers head and shoulders.
    from posturewatch.core.detector import is_someone_else

    settings = DetectorSettings()
    camera = Camera(distance_m=0.5, height_m=-0.1)
    upright = Posture(head_forward_deg=10.0)
    baseline = calibrated(Body(), upright, camera, None, frames=1)
    assert baseline is not None
    lean_back = _metrics(simulate(Body(), replace(upright, trunk_flex_deg=-30.0), camera))
    assert lean_back.scale < baseline.centre("scale") / (1 + settings.lock_scale_tolerance)
    assert not is_someone_else(lean_back, baseline, settings)
    pulled = _metrics(simulate(Body(), upright, replace(camera, distance_m=0.75)))
    assert pulled.scale < baseline.centre("scale") / (1 + settings.lock_scale_tolerance)
    assert is_someone_else(pulled, baseline, settings)
