"""Print how well the posture metrics recover the simulator's known geometry.

The simulator checks the geometry (distance, sideways shifts, nods, head turns);
the proof that the front view tells real upright from real slouched sitting is
calibration/real_data.py.

The figures quoted in docs/metrics.md come from this script (tests/test_metrics.py
asserts the acceptance bounds on the same kind of samples):

    .venv/bin/python -m calibration.metrics_accuracy [--cases 400] [--seed 1]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

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
from posturewatch.core.baseline import Baseline, CalibrationError, calibrate_metrics
from posturewatch.core.detector import DetectorSettings, frame_verdict
from posturewatch.core.front import front_deviation
from posturewatch.core.metrics import compute_metrics

FIELDS = (
    "head_forward_deg",
    "shoulder_rounding_deg",
    "lean_deg",
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
)


def calibrated(
    body: Body,
    posture: Posture,
    camera: Camera,
    rng: np.random.Generator | None,
    noise: Noise | None = None,
    frames: int = 9,
) -> Baseline | None:
    """A baseline of `frames` simulated frames of `posture`, None when refused."""
    found = [compute_metrics(simulate(body, posture, camera, rng, noise)) for _ in range(frames)]
    try:
        return calibrate_metrics(found, view="front", min_frames=max(1, frames // 2))
    except CalibrationError:
        return None


def front_change_errors(
    cases: int, seed: int, gaze_level: bool = False, noise: Noise | None = None
) -> dict[int, list[float]]:
    """|read - true| change of head_forward (9-frame medians of the calibrated
    deviation), per 10-degree band of the true change 0-40 deg. Each case: a random
    body and webcam (45-90 cm, up to 20 deg to the side), calibrated at a true neck of
    10 deg with a random head turn, tip and tilt, then the neck tipped forward by
    0-40 deg. The face follows the neck (a rigid head: the posture the front-view
    geometry assumes) unless `gaze_level`, where the eyes stay on the screen."""
    rng = np.random.default_rng(seed)
    errors: dict[int, list[float]] = {b: [] for b in (0, 10, 20, 30)}
    for _ in range(cases):
        body = sample_body(rng)
        camera = sample_camera(rng, "front", yaw_max_deg=20.0)
        yaw, roll, pitch = rng.uniform(-15, 15), rng.uniform(-5, 5), rng.uniform(-5, 5)
        upright = Posture(
            head_forward_deg=10.0, head_yaw_deg=yaw, head_roll_deg=roll, head_pitch_deg=pitch
        )
        baseline = calibrated(body, upright, camera, rng, noise)
        change = float(rng.uniform(0.0, 40.0))
        if baseline is None:
            continue  # face turned too far for a calibration
        posture = replace(
            upright,
            head_forward_deg=10.0 + change,
            head_pitch_deg=pitch if gaze_level else pitch + change,
        )
        found = [compute_metrics(simulate(body, posture, camera, rng, noise)) for _ in range(9)]
        devs = [d.head_forward_deg for m in found if m and (d := front_deviation(m, baseline))]
        if len(devs) < 5:
            continue  # shoulders out of a close 16:9 frame
        truth = head_forward_seen_deg(body, posture, camera) - head_forward_seen_deg(
            body, upright, camera
        )
        errors[min(30, int(change // 10) * 10)].append(abs(float(np.median(devs)) - truth))
    return errors


def front_head_forward(cases: int, seed: int) -> None:
    for gaze_level in (False, True):
        errors = front_change_errors(cases, seed, gaze_level)
        what = "gaze kept level (the face does not follow)" if gaze_level else "face follows neck"
        print(f"front head-forward change, calibrated, {cases} cases, {what}:")
        print("  true change   cases   median|err|   90th pct")
        for b, e in errors.items():
            print(
                f"  {b:>2}-{b + 10:<2} deg    {len(e):>5}   {np.median(e):>8.2f}   "
                f"{np.percentile(e, 90):>8.2f}"
            )


DISTANCE_POSTURES = (
    Posture(head_forward_deg=5.0),
    Posture(head_forward_deg=30.0, shoulder_protraction_deg=15.0, trunk_flex_deg=8.0),
    Posture(head_forward_deg=20.0, head_yaw_deg=12.0, head_pitch_deg=10.0, head_roll_deg=4.0),
)


def distance_spread(body: Body, posture: Posture, hfov: float) -> dict[str, float]:
    """Largest change over 45-90 cm (fixed camera, exact landmarks) of the calibrated
    head_forward and shoulder_rounding deviations (calibrated at 60 cm) and of the
    head angles."""
    cams = [
        Camera(distance_m=d, height_m=-0.12, pitch_deg=6.0, hfov_deg=hfov)
        for d in (0.45, 0.6, 0.75, 0.9)
    ]
    baseline = calibrated(body, posture, cams[1], None, None, frames=1)
    assert baseline is not None
    seen = [compute_metrics(simulate(body, posture, c)) for c in cams]
    values: dict[str, list[float]] = {f: [] for f in FIELDS}
    for m in seen:
        if m is None:
            continue  # shoulders out of a close frame
        d = front_deviation(m, baseline)
        assert d is not None
        values["head_forward_deg"].append(d.head_forward_deg)
        values["shoulder_rounding_deg"].append(d.shoulder_rounding_deg)
        for f in FIELDS[2:]:
            values[f].append(getattr(m, f))
    return {f: max(v) - min(v) for f, v in values.items()}


def distance_invariance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    bodies = [Body(), *(sample_body(rng) for _ in range(10))]
    print("largest change over 45-90 cm, fixed camera, exact landmarks, 11 bodies:")
    for hfov in (66.0, 70.0, 78.0):
        worst = dict.fromkeys(FIELDS, 0.0)
        for body in bodies:
            for posture in DISTANCE_POSTURES:
                for f, v in distance_spread(body, posture, hfov).items():
                    worst[f] = max(worst[f], v)
        print(
            f"  webcam {hfov:.0f} deg: "
            + ", ".join(f"{f.removesuffix('_deg')} {v:.2f}" for f, v in worst.items())
        )


def nod_and_turns(seed: int) -> None:
    """A nod, a turn and a tilt of the head alone, against an upright calibration."""
    rng = np.random.default_rng(seed)
    body, camera = Body(), Camera()
    upright = Posture(head_forward_deg=10.0)
    baseline = calibrated(body, upright, camera, rng)
    assert baseline is not None
    settings = DetectorSettings()
    print("head alone moves (9-frame medians; verdict of the middle frame):")
    for name, posture in (
        ("nod 20 deg", replace(upright, head_pitch_deg=20.0)),
        ("nod 30 deg", replace(upright, head_pitch_deg=30.0)),
        ("turn 20 deg", replace(upright, head_yaw_deg=20.0)),
        ("tilt 10 deg", replace(upright, head_roll_deg=10.0)),
        ("forward 25 deg", replace(upright, head_forward_deg=35.0, head_pitch_deg=25.0)),
    ):
        ms = [
            m
            for m in (compute_metrics(simulate(body, posture, camera, rng)) for _ in range(9))
            if m
        ]
        ds = [d for m in ms if (d := front_deviation(m, baseline))]
        v = frame_verdict(ms[len(ms) // 2], baseline, settings)
        print(
            f"  {name:15s} head_forward {np.median([d.head_forward_deg for d in ds]):+6.1f}  "
            f"ear ratio {np.median([d.neck_ratio for d in ds]):.2f}  "
            f"pitch {np.median([d.pitch_deg for d in ds]):+6.1f}  -> {v.verdict} {v.reason}"
        )


def protraction(seed: int) -> None:
    """Shoulders pulled forward only: depth, which a front camera hardly sees."""
    rng = np.random.default_rng(seed)
    body, camera = Body(), Camera(pitch_deg=0.0, height_m=-0.05)
    baseline = calibrated(body, Posture(head_forward_deg=15.0), camera, rng, frames=41)
    assert baseline is not None
    print("shoulder protraction (front view, 41-frame medians of the calibrated reading):")
    print("  protraction  shoulder_rounding  head_forward (true head forward 15)")
    for p in (0.0, 10.0, 20.0, 30.0, 40.0):
        posture = Posture(head_forward_deg=15.0, shoulder_protraction_deg=p)
        found = [compute_metrics(simulate(body, posture, camera, rng)) for _ in range(41)]
        ds = [d for m in found if m and (d := front_deviation(m, baseline))]
        rounding = np.median([d.shoulder_rounding_deg for d in ds])
        head = np.median([d.head_forward_deg for d in ds])
        print(f"  {p:>6.0f}      {rounding:>10.1f}        {head:>10.1f}")


def side_view(seed: int) -> None:
    rng = np.random.default_rng(seed)
    errors, trunk_errors = [], []
    for _ in range(200):
        body = sample_body(rng)
        camera = sample_camera(rng, "side")
        posture = Posture(
            head_forward_deg=rng.uniform(0.0, 40.0), trunk_flex_deg=rng.uniform(-10.0, 25.0)
        )
        m = compute_metrics(simulate(body, posture, camera, rng))
        if m is None:
            continue
        errors.append(m.head_forward_deg - posture.head_forward_deg)
        trunk_errors.append(m.lean_deg - posture.trunk_flex_deg)
    print(
        f"side view, 200 cases: head_forward median|err| {np.median(np.abs(errors)):.2f} deg, "
        f"trunk median|err| {np.median(np.abs(trunk_errors)):.2f} deg"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    front_head_forward(args.cases, args.seed)
    distance_invariance(args.seed)
    nod_and_turns(args.seed)
    protraction(args.seed)
    side_view(args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
