"""The simulator's geometry must match its stated ground truth, or every figure
measured against it is meaningless."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calibration.simulator import Body, Camera, Noise, Posture, sample_body, sample_camera, simulate
from posturewatch.core.types import LM, Observation


def _px(obs: Observation, index: int) -> tuple[float, float]:
    assert obs.pose is not None
    lm = obs.pose.image[index]
    return lm.x * obs.width, lm.y * obs.height


@pytest.mark.parametrize("head_forward", [0.0, 15.0, 30.0, 45.0])
def test_far_side_camera_sees_the_true_neck_inclination(head_forward: float) -> None:
    # A level camera far to the person's left: perspective nearly vanishes, so the
    # image line shoulder -> ear must lean forward by the simulated angle.
    camera = Camera(view="side", side="left", distance_m=6.0, height_m=-0.12, pitch_deg=0.0)
    obs = simulate(Body(), Posture(head_forward_deg=head_forward), camera)
    sx, sy = _px(obs, LM.LEFT_SHOULDER)
    ex, ey = _px(obs, LM.LEFT_EAR)
    nose_x, _ = _px(obs, LM.NOSE)
    facing = 1.0 if nose_x > ex else -1.0
    measured = math.degrees(math.atan2(facing * (ex - sx), sy - ey))
    assert measured == pytest.approx(head_forward, abs=1.0)


def test_nobody_present_gives_no_pose() -> None:
    obs = simulate(Body(), Posture(present=False), Camera(), index=7, time_s=3.5)
    assert obs.pose is None
    assert (obs.index, obs.time_s, obs.width, obs.height) == (7, 3.5, 640, 480)


def test_standing_up_takes_the_head_out_of_a_desk_view() -> None:
    seated = simulate(Body(), Posture(), Camera())
    standing = simulate(Body(), Posture(standing=True), Camera())
    assert 0 < _px(seated, LM.NOSE)[1] < 480
    assert _px(standing, LM.NOSE)[1] < 0
    assert standing.pose is not None and standing.pose.image[LM.NOSE].visibility < 0.5


def test_front_view_hides_the_hips_and_shows_the_shoulders() -> None:
    obs = simulate(Body(), Posture(), Camera())
    assert obs.pose is not None
    assert obs.pose.image[LM.LEFT_HIP].visibility < 0.5
    assert min(obs.pose.image[i].visibility for i in (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)) > 0.9
    # Person's left appears at image right for a front camera.
    assert obs.pose.image[LM.LEFT_SHOULDER].x > obs.pose.image[LM.RIGHT_SHOULDER].x


def test_world_landmarks_are_centred_between_the_hips() -> None:
    obs = simulate(Body(), Posture(trunk_flex_deg=20.0), Camera())
    assert obs.pose is not None and obs.pose.world is not None
    hips = [obs.pose.world[LM.LEFT_HIP], obs.pose.world[LM.RIGHT_HIP]]
    assert abs(hips[0].x + hips[1].x) < 1e-9
    assert abs(hips[0].z + hips[1].z) < 1e-9
    # y is down: the shoulders are above the hips, i.e. negative y.
    assert obs.pose.world[LM.LEFT_SHOULDER].y < -0.3


def test_moving_the_camera_away_shrinks_the_image_in_proportion() -> None:
    upright = Posture(head_forward_deg=0.0)
    near = simulate(Body(), upright, Camera(distance_m=0.45, height_m=0.0, pitch_deg=0.0))
    far = simulate(Body(), upright, Camera(distance_m=0.90, height_m=0.0, pitch_deg=0.0))

    def ear_width(obs: Observation) -> float:
        return abs(_px(obs, LM.LEFT_EAR)[0] - _px(obs, LM.RIGHT_EAR)[0])

    # Ears are 0.45 m / 0.90 m from the camera: half the size at twice the distance.
    assert ear_width(near) / ear_width(far) == pytest.approx(2.0, rel=0.05)


def test_noise_is_larger_in_world_depth_than_in_world_x_y() -> None:
    rng = np.random.default_rng(3)
    body, posture, camera = Body(), Posture(), Camera()
    exact = simulate(body, posture, camera)
    assert exact.pose is not None and exact.pose.world is not None
    dx, dz = [], []
    for _ in range(200):
        obs = simulate(body, posture, camera, rng, Noise(drop_prob=0.0))
        assert obs.pose is not None and obs.pose.world is not None
        for i in (LM.LEFT_SHOULDER, LM.LEFT_EAR, LM.NOSE):
            dx.append(obs.pose.world[i].x - exact.pose.world[i].x)
            dz.append(obs.pose.world[i].z - exact.pose.world[i].z)
    assert np.std(dz) > 2 * np.std(dx)


def test_sampled_bodies_and_cameras_stay_in_their_stated_ranges() -> None:
    rng = np.random.default_rng(11)
    for _ in range(50):
        body = sample_body(rng)
        camera = sample_camera(rng, "front", yaw_max_deg=20.0)
        assert 0.3 < body.shoulder_width_m < 0.48
        assert 0.45 <= camera.distance_m <= 0.9
        assert 60 <= camera.hfov_deg <= 78
        obs = simulate(body, Posture(), camera, rng)
        assert obs.pose is not None
        # A desk webcam aimed at the person keeps face and shoulders in frame.
        for i in (LM.NOSE, LM.LEFT_EAR, LM.RIGHT_EAR, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER):
            x, y = _px(obs, i)
            assert -20 < x < obs.width + 20 and -20 < y < obs.height + 20


def test_out_of_range_settings_are_rejected_with_the_field_name() -> None:
    with pytest.raises(ValueError, match="distance_m"):
        Camera(distance_m=0.05)
    with pytest.raises(ValueError, match="head_forward_deg"):
        Posture(head_forward_deg=120.0)
