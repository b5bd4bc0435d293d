"""Posture numbers for tests of the stages after the metrics (store, report)."""

from __future__ import annotations

from posturewatch.core.types import PostureMetrics


def side_metrics(head: float = 10.0, shoulder: float = 5.0) -> PostureMetrics:
    """A steady side-view frame with the given head-forward and shoulder angles."""
    return PostureMetrics(
        view="side",
        head_forward_deg=head,
        shoulder_rounding_deg=shoulder,
        lean_deg=0.0,
        head_yaw_deg=0.0,
        head_pitch_deg=0.0,
        head_roll_deg=0.0,
        scale=0.3,
        distance_cm=60.0,
        center_x=0.5,
        center_y=0.5,
        quality=0.9,
    )
