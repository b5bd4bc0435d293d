"""Calibration accepts a still, upright, facing sitter and refuses anything else with a
reason; the profile file survives crashes, corruption and version changes."""

from __future__ import annotations

import json
import os
import random
import stat
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from posturewatch.core.baseline import (
    FORMAT_VERSION,
    METRIC_NAMES,
    Baseline,
    CalibrationError,
    CalibrationSettings,
    ProfileCorrupt,
    ProfileMissing,
    calibrate_metrics,
    robust_stats,
)
from posturewatch.core.errors import UserError
from posturewatch.core.types import PostureMetrics
from posturewatch.store.profiles import load_profile, save_profile


def sitter(**changes: Any) -> PostureMetrics:
    base = PostureMetrics(
        view="front",
        head_forward_deg=12.0,
        shoulder_rounding_deg=8.0,
        lean_deg=0.5,
        head_yaw_deg=1.0,
        head_pitch_deg=3.0,
        head_roll_deg=0.0,
        scale=0.35,
        distance_cm=65.0,
        center_x=0.5,
        center_y=0.7,
        quality=0.95,
        face_size=0.1,
        nose_level_fw=-1.0,
        shoulder_level_fw=0.3,
        ear_height_fw=1.25,
        nose_height_fw=1.3,
        shoulder_width_fw=2.4,
    )
    return replace(base, **changes)


def jittered(
    n: int, seed: int = 1, sigma: float = 0.7, shift: float = 0.005
) -> list[PostureMetrics]:
    rng = random.Random(seed)
    frames = []
    for _ in range(n):
        # A neck tipping by `sigma` degrees moves the nose by about 0.014 face widths
        # per degree (h = R cos(theta + alpha), R 1.6 F).
        nose = 0.014 * rng.gauss(0, sigma)
        frames.append(
            sitter(
                head_forward_deg=12.0 + rng.gauss(0, sigma),
                shoulder_rounding_deg=8.0 + rng.gauss(0, sigma),
                center_x=0.5 + rng.gauss(0, shift),
                nose_level_fw=-1.0 + nose,
                nose_height_fw=1.3 - nose,
            )
        )
    return frames


FIDGETING: dict[str, Any] = {"shift": 0.08}
"""Shifting about in the chair: the shoulders wander by 8 % of the frame (0.8 face
widths for a face a tenth of the frame's diagonal)."""


def test_robust_stats_ignores_a_wild_frame() -> None:
    stats = robust_stats([10.0, 10.5, 9.5, 10.2, 9.8, 80.0])
    assert 9.8 <= stats.centre <= 10.5
    assert stats.spread < 1.5


def test_calibration_of_a_still_sitter_has_every_metric() -> None:
    frames = jittered(30)
    baseline = calibrate_metrics(frames, created_s=1000.0, source="test", profile="p")
    assert baseline.view == "front"
    assert baseline.frame_count == 30
    assert baseline.frames_seen == 30
    assert set(METRIC_NAMES) <= set(baseline.stats)
    assert abs(baseline.centre("head_forward_deg") - 12.0) < 0.5
    assert 0.2 < baseline.spread("head_forward_deg") < 1.5


def test_frames_without_person_or_turned_are_left_out() -> None:
    frames: list[PostureMetrics | None] = [*jittered(10), None, None]
    frames += [sitter(head_yaw_deg=45.0, head_forward_deg=40.0)] * 3
    frames += [sitter(quality=0.1, head_forward_deg=40.0)] * 3
    baseline = calibrate_metrics(frames)
    assert baseline.frame_count == 10
    assert baseline.frames_seen == 18
    assert baseline.centre("head_forward_deg") < 14.0


def test_no_person_is_refused() -> None:
    with pytest.raises(CalibrationError, match="no person"):
        calibrate_metrics([None] * 20, source="folder x")


def test_one_usable_frame_is_refused_by_default_but_allowed_on_request() -> None:
    frames = [sitter(), None, None, None, None]
    with pytest.raises(CalibrationError, match="too few usable frames"):
        calibrate_metrics(frames)
    assert calibrate_metrics(frames, min_frames=1).frame_count == 1


def test_a_single_photograph_calibrates_if_it_is_usable() -> None:
    # A source of one frame (an image): stillness cannot be checked, so the frame
    # itself must be fit to judge.
    baseline = calibrate_metrics([sitter()])
    assert baseline.frame_count == 1
    assert baseline.centre("nose_level_fw") == -1.0
    with pytest.raises(CalibrationError, match="too few usable frames"):
        calibrate_metrics([sitter(quality=0.1)])


def test_breathing_and_small_shifts_calibrate_and_the_refusal_names_the_axis() -> None:
    rng = random.Random(3)
    still = [
        sitter(
            nose_level_fw=-1.0 + rng.gauss(0, 0.04),
            shoulder_level_fw=0.3 + rng.gauss(0, 0.04),
            center_x=0.5 + rng.gauss(0, 0.01),
            face_size=0.1 * (1 + rng.gauss(0, 0.02)),
        )
        for _ in range(6)
    ]
    assert calibrate_metrics(still).frame_count == 6
    sat_down = still[:3] + [
        replace(m, nose_level_fw=-0.5, shoulder_level_fw=0.8) for m in still[3:]
    ]
    with pytest.raises(CalibrationError, match="up and down by"):
        calibrate_metrics(sat_down)
    coming = [replace(m, face_size=0.1 * (1 + 0.3 * (i % 2))) for i, m in enumerate(still)]
    with pytest.raises(CalibrationError, match="nearer and farther"):
        calibrate_metrics(coming)


def test_face_turned_away_is_named() -> None:
    frames = [sitter(head_yaw_deg=40.0)] * 20 + [sitter()]
    with pytest.raises(CalibrationError, match="face turned away"):
        calibrate_metrics(frames)


def test_looking_down_counts_as_turned_away() -> None:
    with pytest.raises(CalibrationError, match="looking down"):
        calibrate_metrics([sitter(head_pitch_deg=40.0)] * 20)


def test_fidgeting_is_refused() -> None:
    with pytest.raises(CalibrationError, match="too much movement"):
        calibrate_metrics(jittered(30, **FIDGETING))
    with pytest.raises(CalibrationError, match="too much movement"):
        calibrate_metrics(jittered(30, sigma=30.0))


def test_too_near_and_too_far_are_refused() -> None:
    near = [replace(m, distance_cm=20.0) for m in jittered(10)]
    far = [replace(m, distance_cm=250.0) for m in jittered(10)]
    with pytest.raises(CalibrationError, match="too near"):
        calibrate_metrics(near)
    with pytest.raises(CalibrationError, match="too far"):
        calibrate_metrics(far)
    tiny = [replace(m, distance_cm=None, scale=0.01) for m in jittered(10)]
    with pytest.raises(CalibrationError, match="too far"):
        calibrate_metrics(tiny)


def test_errors_are_single_lines() -> None:
    for frames in ([None] * 3, [sitter(quality=0.1)], jittered(30, **FIDGETING)):
        with pytest.raises(CalibrationError) as info:
            calibrate_metrics(frames)
        assert "\n" not in str(info.value)
        assert isinstance(info.value, UserError)


def test_settings_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="min_frames"):
        CalibrationSettings(min_frames=0)
    with pytest.raises(ValueError, match="min_quality"):
        CalibrationSettings(min_quality=1.5)


# --- profile file ----------------------------------------------------------------


def make_baseline(head: float = 12.0) -> Baseline:
    return calibrate_metrics(
        [replace(m, head_forward_deg=head + m.head_forward_deg - 12.0) for m in jittered(20)],
        created_s=1_700_000_000.0,
        source="unit test",
        profile="desk",
    )


def test_profile_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "profiles" / "desk.json"
    baseline = make_baseline()
    save_profile(path, baseline)
    loaded = load_profile(path)
    assert loaded == baseline
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_profile_without_distance_round_trips(tmp_path: Path) -> None:
    baseline = calibrate_metrics([replace(m, distance_cm=None) for m in jittered(10)])
    assert not baseline.has("distance_cm")
    save_profile(tmp_path / "p.json", baseline)
    assert load_profile(tmp_path / "p.json") == baseline


def test_previous_profile_is_kept_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "default.json"
    first, second = make_baseline(10.0), make_baseline(20.0)
    save_profile(path, first)
    save_profile(path, second)
    assert load_profile(path) == second
    assert load_profile(tmp_path / "default.json.bak") == first
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_missing_profile_says_to_calibrate(tmp_path: Path) -> None:
    with pytest.raises(ProfileMissing, match="posturewatch calibrate"):
        load_profile(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("mangle", "needle"),
    [
        (lambda text: text[: len(text) // 2], "corrupt or truncated"),
        (lambda text: "\x00\xff garbage", "corrupt or truncated"),
        (lambda text: "[]", "not a JSON object"),
        (lambda text: text.replace(f'"version": {FORMAT_VERSION}', '"version": 99'), "version"),
        (lambda text: text.replace('"shoulder_rounding_deg"', '"other"'), "shoulder_rounding_deg"),
        (lambda text: text.replace('"view": "front"', '"view": "top"'), "view"),
        (lambda text: text.replace('"frames": 20', '"frames": "many"'), "frames"),
    ],
)
def test_bad_profile_names_the_file_and_problem(
    tmp_path: Path, mangle: Callable[[str], str], needle: str
) -> None:
    path = tmp_path / "desk.json"
    save_profile(path, make_baseline())
    broken = mangle(path.read_text(encoding="utf-8"))
    path.write_text(broken, encoding="utf-8", errors="surrogateescape")
    with pytest.raises(ProfileCorrupt) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message
    assert needle in message
    assert "\n" not in message
    assert path.read_text(encoding="utf-8", errors="surrogateescape") == broken


def test_profile_json_is_plain_numbers(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    save_profile(path, make_baseline())
    data = json.loads(path.read_text())
    assert data["version"] == FORMAT_VERSION
    assert data["metrics"]["head_forward_deg"]["centre"] == pytest.approx(
        load_profile(path).centre("head_forward_deg")
    )


def test_a_version_1_front_profile_asks_for_recalibration_and_a_side_one_loads(
    tmp_path: Path,
) -> None:
    front = calibrate_metrics(jittered(10))
    data = front.to_json()
    data["version"] = 1
    for name in (
        "face_size",
        "nose_level_fw",
        "shoulder_level_fw",
        "ear_height_fw",
        "nose_height_fw",
        "shoulder_width_fw",
    ):
        del data["metrics"][name]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileCorrupt, match=r"older posturewatch.*recalibrate") as info:
        load_profile(path)
    assert "\n" not in str(info.value)
    data["view"] = "side"
    path.write_text(json.dumps(data))
    assert load_profile(path).view == "side"
