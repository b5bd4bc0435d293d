"""Print how well the posture metrics recover the simulator's known angles.

The figures quoted in docs/metrics.md come from this script (tests/test_metrics.py
asserts the acceptance bounds on the same kind of samples):

    .venv/bin/python -m calibration.metrics_accuracy [--cases 400] [--seed 1]
"""

from __future__ import annotations

import argparse

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
from posturewatch.core.metrics import compute_metrics

FIELDS = (
    "head_forward_deg",
    "shoulder_rounding_deg",
    "lean_deg",
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
)


def front_head_forward(cases: int, seed: int, noise: Noise, frames: int = 9) -> None:
    """Errors against the camera-relative truth, per frame and as 9-frame medians."""
    rng = np.random.default_rng(seed)
    per_frame: dict[int, list[float]] = {b: [] for b in (0, 10, 20, 30)}
    smoothed: dict[int, list[float]] = {b: [] for b in (0, 10, 20, 30)}
    gravity_gap: list[float] = []
    skipped = 0
    for _ in range(cases):
        body = sample_body(rng)
        camera = sample_camera(rng, "front", yaw_max_deg=20.0)
        posture = Posture(
            head_forward_deg=rng.uniform(0.0, 40.0),
            trunk_flex_deg=rng.uniform(-5.0, 10.0),
            head_yaw_deg=rng.uniform(-15.0, 15.0),
            head_pitch_deg=rng.uniform(-10.0, 15.0),
            head_roll_deg=rng.uniform(-5.0, 5.0),
        )
        truth = head_forward_seen_deg(body, posture, camera)
        gravity_gap.append(posture.head_forward_deg - truth)
        found = [
            compute_metrics(simulate(body, posture, camera, rng, noise)) for _ in range(frames)
        ]
        values = [m.head_forward_deg for m in found if m is not None]
        if len(values) < frames // 2 + 1:
            skipped += 1
            continue
        b = min(30, int(posture.head_forward_deg // 10) * 10)
        per_frame[b] += [v - truth for v in values]
        smoothed[b].append(float(np.median(values)) - truth)
    print(
        f"front head_forward_deg, noise world_z={noise.world_z_m * 100:.1f} cm "
        f"(+{noise.world_z_shared_m * 100:.1f} cm shared by the head), {cases} cases, "
        f"{skipped} skipped (shoulders out of frame):"
    )
    print("  true angle   median|err| per frame   median|err| of 9-frame medians   bias")
    for b in per_frame:
        pf, sm = np.abs(per_frame[b]), np.abs(smoothed[b])
        print(
            f"  {b:>2}-{b + 10:<2} deg    {np.median(pf):>8.2f}              "
            f"{np.median(sm):>8.2f}                    {np.median(smoothed[b]):>+6.2f}"
        )
    all_pf = np.abs(np.concatenate([np.array(v) for v in per_frame.values()]))
    all_sm = np.abs(np.concatenate([np.array(v) for v in smoothed.values()]))
    print(f"  all          {np.median(all_pf):>8.2f}              {np.median(all_sm):>8.2f}")
    gap = np.abs(gravity_gap)
    print(
        f"  camera tilt: the gravity angle differs from what the camera can see by a median "
        f"{np.median(gap):.1f} deg (90th percentile {np.percentile(gap, 90):.1f})"
    )


def distance_invariance(seed: int) -> None:
    """Largest change of each metric over 45-90 cm, exact landmarks, for the default
    body and sampled ones, with the webcam's field of view at or off the assumed 70."""
    rng = np.random.default_rng(seed)
    postures = (
        Posture(head_forward_deg=5.0),
        Posture(head_forward_deg=30.0, shoulder_protraction_deg=15.0, trunk_flex_deg=8.0),
        Posture(head_forward_deg=20.0, head_yaw_deg=12.0, head_pitch_deg=10.0, head_roll_deg=4.0),
    )
    bodies = [Body(), *(sample_body(rng) for _ in range(10))]
    print("largest change over 45-90 cm, fixed camera, exact landmarks, 11 bodies:")
    for hfov in (66.0, 70.0, 78.0):
        worst = dict.fromkeys(FIELDS, 0.0)
        for body in bodies:
            for posture in postures:
                camera = [
                    Camera(distance_m=d, height_m=-0.12, pitch_deg=6.0, hfov_deg=hfov)
                    for d in (0.45, 0.55, 0.65, 0.75, 0.9)
                ]
                seen = [compute_metrics(simulate(body, posture, c)) for c in camera]
                for f in FIELDS:
                    values = [getattr(m, f) for m in seen if m is not None]
                    worst[f] = max(worst[f], max(values) - min(values))
        print(
            f"  webcam {hfov:.0f} deg: "
            + ", ".join(f"{f.removesuffix('_deg')} {v:.2f}" for f, v in worst.items())
        )


def protraction(seed: int) -> None:
    rng = np.random.default_rng(seed)
    body, camera = Body(), Camera(pitch_deg=0.0, height_m=-0.05)
    print("shoulder protraction (front view, 41-frame medians):")
    print("  protraction  shoulder_rounding  head_forward (true head forward 15)")
    for p in (0.0, 10.0, 20.0, 30.0, 40.0):
        posture = Posture(head_forward_deg=15.0, shoulder_protraction_deg=p)
        found = [compute_metrics(simulate(body, posture, camera, rng)) for _ in range(41)]
        ms = [m for m in found if m is not None]
        rounding = np.median([m.shoulder_rounding_deg for m in ms])
        head = np.median([m.head_forward_deg for m in ms])
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


def depth_gain() -> None:
    """A model that flattens depth under-reads front-view angle changes."""
    camera = Camera(pitch_deg=0.0, height_m=0.0)
    rng = np.random.default_rng(0)
    for gain in (1.0, 0.7):
        exact_but_flattened = Noise(
            image_px=0.0,
            image_z=0.0,
            world_xy_m=0.0,
            world_z_m=0.0,
            world_z_shared_m=0.0,
            depth_gain=gain,
            visibility_jitter=0.0,
            drop_prob=0.0,
        )
        reads = []
        for hf in (5.0, 35.0):
            obs = simulate(Body(), Posture(head_forward_deg=hf), camera, rng, exact_but_flattened)
            m = compute_metrics(obs)
            assert m is not None
            reads.append(m.head_forward_deg)
        print(
            f"depth gain {gain}: 30 deg of true head-forward change reads as "
            f"{reads[1] - reads[0]:.1f} deg"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    front_head_forward(args.cases, args.seed, Noise())
    front_head_forward(args.cases // 2, args.seed, Noise(world_z_m=0.02, world_z_shared_m=0.01))
    front_head_forward(args.cases // 2, args.seed, Noise(world_z_m=0.05, world_z_shared_m=0.025))
    distance_invariance(args.seed)
    protraction(args.seed)
    side_view(args.seed)
    depth_gain()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
