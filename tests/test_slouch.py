"""A shown slouch (core/baseline.add_slouch, `calibrate --slouch-source`): the
thresholds of the signals it moves go toward it within their bounds, a glance, a
turn or sitting well is refused with the reason, and the profile keeps it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from calibration.real_data import SITTINGS, label_sitting
from calibration.simulator import Body, Camera, Posture, simulate
from posturewatch.cli import main
from posturewatch.core.baseline import (
    Baseline,
    CalibrationError,
    ProfileCorrupt,
    add_slouch,
    baseline_from_json,
    calibrate_metrics,
)
from posturewatch.core.detector import DetectorSettings, frame_verdict
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.thresholds import LIMITS, default_limits, thresholds_in_force
from posturewatch.core.types import PostureMetrics
from posturewatch.inputs.recording import RecordingWriter, read_recording
from posturewatch.store.profiles import load_profile, save_profile

SETTINGS = DetectorSettings()
RECORDED = Path(__file__).resolve().parent / "fixtures" / "front_view_sittings.jsonl.gz"
UPRIGHT = Posture()


def simulated(postures: list[Posture], seed: int = 5) -> list[PostureMetrics | None]:
    rng = np.random.default_rng(seed)
    return [
        compute_metrics(simulate(Body(), p, Camera(), rng, time_s=i / 2, index=i), "front")
        for i, p in enumerate(postures)
    ]


def upright_baseline() -> Baseline:
    return calibrate_metrics(simulated([UPRIGHT] * 8), view="front")


def test_a_small_forward_head_slouch_lowers_only_its_own_thresholds_within_bounds() -> None:
    baseline = upright_baseline()
    shown = add_slouch(baseline, simulated([Posture(head_forward_deg=28.0)] * 6, seed=6))
    assert shown.slouch is not None and shown.slouch_frames >= 5  # a dropped frame or two
    before = thresholds_in_force(SETTINGS, baseline)
    after = thresholds_in_force(SETTINGS, shown)
    defaults = default_limits(SETTINGS)
    lowered = {key for key in LIMITS if after.limit(key) < before.limit(key) - 1e-9}
    assert "head_threshold_deg" in lowered
    for key in LIMITS:
        own_noise = SETTINGS.noise_k * baseline.noise.get(key, 0.0)
        # never above the step before, never below the noise or the floor
        assert after.limit(key) <= before.limit(key) + 1e-9, key
        assert after.limit(key) >= max(own_noise, SETTINGS.slouch_floor * defaults[key]) - 1e-9
        if key in lowered:
            assert after.limit(key) == pytest.approx(
                max(SETTINGS.slouch_share * shown.slouch[key], own_noise,
                    SETTINGS.slouch_floor * defaults[key])
            )  # fmt: skip
    # the sensitivity still divides what the slouch set
    strict = thresholds_in_force(dataclasses.replace(SETTINGS, sensitivity=2.0), shown)
    assert strict.head_threshold_deg == pytest.approx(after.head_threshold_deg / 2)


@pytest.mark.parametrize(
    ("posture", "said"),
    [
        (UPRIGHT, "reads like sitting well"),
        (Posture(head_pitch_deg=30.0), "glance down"),
        (Posture(head_yaw_deg=35.0), "turned away"),
        (Posture(present=False), "no person found"),
    ],
)
def test_a_slouch_that_is_not_one_is_refused_with_the_reason(posture: Posture, said: str) -> None:
    with pytest.raises(CalibrationError, match=said) as caught:
        add_slouch(upright_baseline(), simulated([posture] * 6, seed=7), source="test")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("slouch not taken")


def test_the_profile_keeps_the_slouch_and_an_older_profile_works_as_before(
    tmp_path: Path,
) -> None:
    shown = add_slouch(upright_baseline(), simulated([Posture(head_forward_deg=28.0)] * 6))
    path = tmp_path / "p.json"
    save_profile(path, shown)
    back = load_profile(path)
    assert back.slouch == pytest.approx(shown.slouch)
    assert back.noise == pytest.approx(shown.noise)
    assert thresholds_in_force(SETTINGS, back).limits == pytest.approx(
        thresholds_in_force(SETTINGS, shown).limits
    )
    data = json.loads(path.read_text())
    for key in ("noise", "slouch", "slouch_frames"):
        del data[key]
    data["version"] = 2
    old = baseline_from_json(data)
    assert old.slouch is None and old.noise == {}
    assert thresholds_in_force(SETTINGS, old).limits == pytest.approx(default_limits(SETTINGS))
    data["slouch"] = {"slouching": 1.0}
    with pytest.raises(ValueError, match=r"slouch\.slouching"):
        baseline_from_json(data)


def _write(path: Path, postures: list[Posture], seed: int) -> Path:
    rng = np.random.default_rng(seed)
    with RecordingWriter(path, "test", "posturewatch-simulator", "1", fps=2.0) as writer:
        for i, p in enumerate(postures):
            writer.write(simulate(Body(), p, Camera(), rng, time_s=i / 2, index=i))
    return path


def test_calibrate_takes_a_slouch_source_and_refuses_a_nod_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upright = _write(tmp_path / "up.jsonl", [UPRIGHT] * 8, 1)
    slouched = _write(tmp_path / "slouch.jsonl", [Posture(head_forward_deg=28.0)] * 6, 2)
    nod = _write(tmp_path / "nod.jsonl", [Posture(head_pitch_deg=30.0)] * 6, 3)
    base = ["--data-dir", str(tmp_path), "calibrate", "--source", str(upright)]
    assert main([*base, "--slouch-source", str(slouched)]) == 0
    out = capsys.readouterr().out
    assert "slouch shown (" in out and "head_threshold_deg" in out
    profile = load_profile(tmp_path / "profiles" / "default.json")
    assert profile.slouch is not None
    before = (tmp_path / "profiles" / "default.json").read_bytes()
    assert main([*base, "--slouch-source", str(nod)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "slouch not taken: that was a glance down" in err[0]
    assert (tmp_path / "profiles" / "default.json").read_bytes() == before  # kept


def test_licensed_sittings_with_one_upright_and_one_slouched_frame() -> None:
    """Calibrated on one upright and one slouched frame of the licensed sittings
    (the slouch example left out of the frames judged): every other slouched frame
    poor, every other upright frame good."""
    observations = read_recording(RECORDED)
    for _, folder in SITTINGS:
        frames = label_sitting(o for o in observations if (o.path or "").startswith(folder + "/"))
        metrics = [(f.upright, compute_metrics(f.obs, "front")) for f in frames]
        upright = [m for u, m in metrics if u and m is not None]
        slouched = [m for u, m in metrics if not u and m is not None]
        baseline = add_slouch(
            calibrate_metrics(upright[:1], view="front", min_frames=1), slouched[:1]
        )
        assert baseline.slouch is not None
        poor_upright = [frame_verdict(m, baseline, SETTINGS).verdict for m in upright[1:]]
        poor_slouched = [frame_verdict(m, baseline, SETTINGS).verdict for m in slouched[1:]]
        assert poor_slouched.count("poor") == len(slouched) - 1
        assert poor_upright.count("poor") <= 1


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("slouch_frames", [1], "slouch_frames: expected a whole number"),
        ("slouch_frames", -2, "slouch_frames: expected a whole number"),
        ("noise", {"sink_head_fw": -0.1}, "noise.sink_head_fw: must not be negative"),
        ("noise", [0.1], "noise: expected an object of numbers"),
        ("slouch", {"lean_in_deg": "far"}, "slouch.lean_in_deg: expected a finite number"),
    ],
)
def test_a_damaged_slouch_or_noise_is_named_in_one_line(
    tmp_path: Path, key: str, value: object, said: str
) -> None:
    path = tmp_path / "p.json"
    save_profile(
        path, add_slouch(upright_baseline(), simulated([Posture(head_forward_deg=28.0)] * 6))
    )
    data = json.loads(path.read_text())
    data[key] = value
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileCorrupt) as caught:
        load_profile(path)
    assert said in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("missing.mp4", "source not found"),
        ("http://example.com/slouch.mp4", "network address"),
        (" ", "--slouch-source: empty"),
    ],
)
def test_a_bad_slouch_source_is_one_line_and_keeps_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, said: str
) -> None:
    upright = _write(tmp_path / "up.jsonl", [UPRIGHT] * 8, 1)
    base = ["--data-dir", str(tmp_path), "calibrate", "--source", str(upright)]
    assert main(base) == 0
    profile = tmp_path / "profiles" / "default.json"
    before = profile.read_bytes()
    capsys.readouterr()
    assert main([*base, "--slouch-source", spec]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("posturewatch: ") and said in err[0], err
    assert profile.read_bytes() == before
