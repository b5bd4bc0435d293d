"""Which setup is this? core.setups.match_profile on the two licensed webcam sittings.

    python -m calibration.setups

The two sittings of `front-view-webcam-slouch/` were shot with the camera at
another height, so they stand in for two setups of one person. Each is calibrated
as a profile (on its first upright frame, and on its first six, like
calibration/real_data.py); then every frame of both, alone and as 30 s windows of
the same frame, is matched against the two profiles. It prints how often the
frame's own sitting is chosen, for upright and slouched frames apart, how far each
sitting's upright shoulders sit from the other's calibration, and whether the
detector's setup signals (shoulders held higher, a sideways slide) hold on the
frames of its own sitting.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence

from calibration.real_data import SITTINGS, SLOUCH_DIR, observe_sitting, shared_data_dir
from posturewatch.core.baseline import Baseline, calibrate_metrics
from posturewatch.core.detector import DetectorSettings, sideways_tolerance
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.setups import match_profile
from posturewatch.core.types import PostureMetrics


def main(argv: Sequence[str] | None = None) -> int:
    root = shared_data_dir() / SLOUCH_DIR
    if not root.is_dir():
        print(f"no licensed sittings at {root} (set POSTUREWATCH_SHARED_DATA)", file=sys.stderr)
        return 2
    settings = DetectorSettings()
    frames: dict[str, list[tuple[bool, PostureMetrics]]] = {}
    for name, folder in SITTINGS:
        frames[name] = [
            (item.upright, m)
            for item in observe_sitting(root / folder)
            if (m := compute_metrics(item.obs)) is not None
        ]
    for n_cal in (1, 6):
        profiles: dict[str, Baseline] = {
            name: calibrate_metrics([m for up, m in items if up][:n_cal])
            for name, items in frames.items()
        }
        print(f"calibrated on the first {n_cal} upright frame(s) of each sitting:")
        for name, items in frames.items():
            other = next(o for o in profiles if o != name)
            ups = [m for up, m in items if up]
            rise = [
                profiles[other].centre("shoulder_level_fw") - (m.shoulder_level_fw or 0.0)
                for m in ups
            ]
            own_dx = [abs(m.center_x - profiles[name].centre("center_x")) for _, m in items]
            print(
                f"  {name}: upright shoulders {min(rise):+.2f}..{max(rise):+.2f} face widths "
                f"above {other}'s calibration (setup_rise_fw {settings.setup_rise_fw}); "
                f"sideways from its own: at most {max(own_dx):.3f} of the frame "
                f"(tolerance {sideways_tolerance(profiles[name], settings):.3f})"
            )
            for label, upright in (("upright", True), ("slouched", False)):
                chosen = [
                    match_profile(profiles, [m], settings) for up, m in items if up == upright
                ]
                right = sum(c == name for c in chosen)
                none = sum(c is None for c in chosen)
                print(
                    f"    {label:8s} frames ({len(chosen)}): own sitting {right}, "
                    f"the other {len(chosen) - right - none}, neither {none}"
                )
        print(
            "  median face size: "
            + ", ".join(
                f"{n} {statistics.median(m.face_size or 0.0 for _, m in it):.3f}"
                for n, it in frames.items()
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
