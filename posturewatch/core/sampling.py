"""When to look next: the monitor's sampling rhythm, as settings and one pure rule."""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.core.types import DetectorUpdate


@dataclass(frozen=True)
class SamplingSettings:
    """How often to look. One pose estimate costs 15-30 ms of one core whatever
    the frame's size (the model runs on its own 256x256 crop of the person), so the
    number of checks is the cost: one a second is 1.5-3 % of a core. Poor posture must
    persist for most of a 90 s window before anything is said, so a check every 2 s
    while sitting loses nothing a person would notice, and 1.5 s while a deviation
    builds keeps the time to a prompt as at one a second (calibration/README);
    steady and away periods are sampled more slowly. Every interval stays under the
    detector's max_sample_gap_s (10 s), so each check still accounts for all the
    time since the previous one."""

    interval_s: float = 2.0
    """While seated and the posture is changing."""
    steady_interval_s: float = 5.0
    """While the state has not changed for `steady_after_s`."""
    steady_after_s: float = 20.0
    borderline_interval_s: float = 1.5
    """While a deviation is building but not yet judged poor."""
    away_interval_s: float = 8.0
    close_camera_above_s: float = 6.0
    """Release the camera between checks when the next one is further away than this
    (so it is off while nobody is there and while paused; reopening costs a webcam
    about half a second of auto-exposure, and a light blinking every few seconds
    while you sit would be a distraction)."""
    camera_retry_s: float = 5.0
    camera_retry_max_s: float = 300.0

    def __post_init__(self) -> None:
        for name in (
            "interval_s",
            "steady_interval_s",
            "borderline_interval_s",
            "away_interval_s",
            "camera_retry_s",
            "camera_retry_max_s",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.camera_retry_max_s < self.camera_retry_s:
            raise ValueError("camera_retry_max_s must be at least camera_retry_s")


def next_interval(
    update: DetectorUpdate, state_since_s: float, settings: SamplingSettings
) -> float:
    """Seconds until the next check, from the latest judgement (pure)."""
    if update.state == "away":
        return settings.away_interval_s
    if update.state == "good" and update.dominant is not None:
        return settings.borderline_interval_s
    if update.time_s - state_since_s >= settings.steady_after_s:
        return settings.steady_interval_s
    return settings.interval_s
