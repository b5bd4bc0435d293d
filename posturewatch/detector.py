"""Persistent poor posture, from a stream of posture metrics.

A single frame says little: people glance at the keyboard, turn to a second
monitor, lean back to think, and the pose model jitters. So the detector judges
*deviation from the user's own baseline*, smoothed over seconds, and calls the
posture poor only when the deviation has held for most of a window of minutes.
Frames that cannot be judged (head turned, looking down, standing up, leaning
back, poor image) make the state 'uncertain' without counting either way; a
person far from where the user sat (someone walking past) is ignored; a person
who sits somewhere else *for good* means the camera or desk moved, and then the
old baseline is worthless: the detector asks for recalibration and stops judging.

Everything runs on the time stamps it is given (any, irregular, rate); nothing
here reads a clock.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from typing import Literal

from posturewatch.baseline import Baseline
from posturewatch.types import DetectorUpdate, Deviation, PostureMetrics, Verdict


@dataclass(frozen=True)
class DetectorSettings:
    """Tunables of the detector; the defaults come from `python -m calibration.evaluate`
    (see calibration/README.md)."""

    head_threshold_deg: float = 8.0
    """Head-forward angle this far above the baseline is a poor frame."""
    shoulder_threshold_deg: float = 8.0
    """Shoulder-rounding angle this far above the baseline is a poor frame."""
    hysteresis_deg: float = 2.0
    """Once out, a deviation counts as back only below threshold minus this."""
    smoothing_s: float = 4.0
    """Time constant of the exponential smoothing of the deviations."""
    window_s: float = 90.0
    """Persistence window: poor posture must hold for most of this long."""
    poor_fraction: float = 0.7
    """Share of the window that must be poor before the state turns poor."""
    max_sample_gap_s: float = 10.0
    """A sample stands for the time since the previous one, at most this long."""
    grace_s: float = 3.0
    """A brief gap (no person, an unjudgeable frame) keeps the previous state this long."""
    away_after_s: float = 20.0
    """Nobody in view this long: away."""
    min_quality: float = 0.5
    max_yaw_deg: float = 25.0
    """Head turned further than this from the calibrated direction: uncertain."""
    max_pitch_down_deg: float = 15.0
    """Head pitched down further than this below the calibrated pitch: looking down."""
    max_pitch_up_deg: float = 20.0
    max_lean_back_deg: float = 10.0
    """Trunk this far behind the calibrated lean (side view): leaning back."""
    standing_rise: float = 0.15
    """Shoulders this much higher in the frame (fraction of its height): standing up."""
    lock_position_tolerance: float = 0.2
    """A person whose shoulders are further than this (frame fraction) from the
    calibrated place is someone else, and ignored."""
    lock_scale_tolerance: float = 0.35
    """Or whose size differs by more than this fraction."""
    setup_position_tolerance: float = 0.1
    """The user sitting this far from the calibrated place, for setup_hold_s: setup changed."""
    setup_scale_tolerance: float = 0.2
    setup_hold_s: float = 60.0

    def __post_init__(self) -> None:
        positive = (
            "head_threshold_deg",
            "shoulder_threshold_deg",
            "smoothing_s",
            "window_s",
            "max_sample_gap_s",
            "away_after_s",
            "max_yaw_deg",
            "max_pitch_down_deg",
            "max_pitch_up_deg",
            "max_lean_back_deg",
            "standing_rise",
            "lock_position_tolerance",
            "lock_scale_tolerance",
            "setup_position_tolerance",
            "setup_scale_tolerance",
            "setup_hold_s",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: must be positive")
        if not 0 <= self.hysteresis_deg < min(self.head_threshold_deg, self.shoulder_threshold_deg):
            raise ValueError("hysteresis_deg: must be at least 0 and below both thresholds")
        if not 0 < self.poor_fraction <= 1:
            raise ValueError("poor_fraction: must be above 0 and at most 1")
        if self.grace_s < 0:
            raise ValueError("grace_s: must not be negative")
        if not 0 <= self.min_quality <= 1:
            raise ValueError("min_quality: must be between 0 and 1")
        if self.setup_position_tolerance > self.lock_position_tolerance:
            raise ValueError("setup_position_tolerance: must not exceed lock_position_tolerance")
        if self.setup_scale_tolerance > self.lock_scale_tolerance:
            raise ValueError("setup_scale_tolerance: must not exceed lock_scale_tolerance")


# --- one frame ----------------------------------------------------------------------


@dataclass(frozen=True)
class FrameVerdict:
    """What one frame says on its own (for `analyze --calibration`): no smoothing,
    no persistence, so a single slouched photo is 'poor'."""

    verdict: Verdict
    head_dev_deg: float | None
    shoulder_dev_deg: float | None
    reason: str = ""


def deviations(metrics: PostureMetrics, baseline: Baseline) -> tuple[float, float]:
    """Head-forward and shoulder-rounding degrees above the user's neutral (+ = worse)."""
    return (
        metrics.head_forward_deg - baseline.centre("head_forward_deg"),
        metrics.shoulder_rounding_deg - baseline.centre("shoulder_rounding_deg"),
    )


Placement = Literal["here", "standing", "elsewhere", "someone_else"]


def placement(metrics: PostureMetrics, baseline: Baseline, settings: DetectorSettings) -> Placement:
    """Where this person is relative to the calibrated seat: the user in place, the
    user standing up, the user (or the camera) moved, or someone else entirely."""
    dx = metrics.center_x - baseline.centre("center_x")
    dy = metrics.center_y - baseline.centre("center_y")
    ref_scale = baseline.centre("scale")
    log_ratio = math.log(metrics.scale / ref_scale) if metrics.scale > 0 and ref_scale > 0 else 9.9
    if abs(log_ratio) > math.log1p(settings.lock_scale_tolerance):
        return "someone_else"
    if -dy > settings.standing_rise:
        return "standing"
    if math.hypot(dx, dy) > settings.lock_position_tolerance:
        return "someone_else"
    if math.hypot(dx, dy) > settings.setup_position_tolerance or abs(log_ratio) > math.log1p(
        settings.setup_scale_tolerance
    ):
        return "elsewhere"
    return "here"


def unjudgeable_reason(
    metrics: PostureMetrics, baseline: Baseline, settings: DetectorSettings
) -> str:
    """Why this frame cannot be judged against the baseline, or '' when it can."""
    if metrics.view != baseline.view:
        return "view differs from calibration"
    if metrics.quality < settings.min_quality:
        return "low quality"
    if abs(metrics.head_yaw_deg - baseline.centre("head_yaw_deg")) > settings.max_yaw_deg:
        return "head turned"
    pitch = metrics.head_pitch_deg - baseline.centre("head_pitch_deg")
    if pitch > settings.max_pitch_down_deg:
        return "looking down"
    if pitch < -settings.max_pitch_up_deg:
        return "looking up"
    if (
        metrics.view == "side"
        and metrics.lean_deg - baseline.centre("lean_deg") < -settings.max_lean_back_deg
    ):
        return "leaning back"
    return ""


def frame_verdict(
    metrics: PostureMetrics | None, baseline: Baseline, settings: DetectorSettings
) -> FrameVerdict:
    """Good or poor from this frame alone, or unknown (with the reason) when it
    cannot be judged."""
    if metrics is None:
        return FrameVerdict("unknown", None, None, "nobody in view")
    head, shoulder = deviations(metrics, baseline)
    reason = unjudgeable_reason(metrics, baseline, settings)
    if reason:
        return FrameVerdict("unknown", head, shoulder, reason)
    poor = head > settings.head_threshold_deg or shoulder > settings.shoulder_threshold_deg
    return FrameVerdict("poor" if poor else "good", head, shoulder)


def dominant_of(head_out: bool, shoulder_out: bool) -> Deviation | None:
    if head_out and shoulder_out:
        return "both"
    if head_out:
        return "head_forward"
    if shoulder_out:
        return "shoulder_rounding"
    return None


# --- a stream of frames -------------------------------------------------------------


class Detector:
    """Feed `update(time_s, metrics)` in time order; each call returns the judgement
    after that sample. `metrics=None` means nobody was found in the frame."""

    def __init__(self, baseline: Baseline, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
        self.set_baseline(baseline)

    def set_baseline(self, baseline: Baseline) -> None:
        """Start afresh with a new calibration (after a setup change)."""
        self.baseline = baseline
        self._last_time: float | None = None
        self._last: DetectorUpdate | None = None
        self._last_seen_s: float | None = None
        """Last time the user was in view, in place."""
        self._unjudged_since: float | None = None
        self._head: float | None = None
        self._shoulder: float | None = None
        self._smoothed_at: float | None = None
        self._head_out = False
        self._shoulder_out = False
        self._window: deque[tuple[float, float, bool]] = deque()
        """(end time, duration, poor) of judged samples within the window."""
        self._poor_time = 0.0
        self._in_poor = False
        self._elsewhere_since: float | None = None
        self._here_since: float | None = None
        self._setup_changed = False

    @property
    def setup_changed(self) -> bool:
        return self._setup_changed

    def update(self, time_s: float, metrics: PostureMetrics | None) -> DetectorUpdate:
        if self._last_time is not None and time_s < self._last_time:
            time_s = self._last_time  # never let a clock step make time run backwards
        result = self._step(time_s, metrics)
        self._last_time = time_s
        self._last = result
        return result

    # -- internals --

    def _step(self, t: float, metrics: PostureMetrics | None) -> DetectorUpdate:
        s = self.settings
        if metrics is None:
            return self._absent(t)
        place = placement(metrics, self.baseline, s)
        self._track_setup(t, place)
        if self._setup_changed:
            self._reset_judgement()
            self._last_seen_s = t
            return DetectorUpdate(t, "uncertain", recalibrate=True, reason="setup changed")
        if place == "someone_else":
            return self._absent(t, someone_else=True)
        self._last_seen_s = t
        if place == "standing":
            return self._unjudged(t, "standing up")
        reason = unjudgeable_reason(metrics, self.baseline, s)
        if reason:
            return self._unjudged(t, reason)
        self._unjudged_since = None
        return self._judge(t, metrics)

    def _absent(self, t: float, someone_else: bool = False) -> DetectorUpdate:
        s = self.settings
        if self._last_seen_s is None:
            self._last_seen_s = t
        gone_for = t - self._last_seen_s
        if gone_for >= s.away_after_s:
            self._reset_judgement()
            return DetectorUpdate(
                t, "away", recalibrate=self._setup_changed, reason="nobody in view"
            )
        if someone_else or gone_for < s.grace_s:
            return self._hold(t, "someone else in view" if someone_else else "nobody in view")
        return self._unjudged(t, "nobody in view")

    def _hold(self, t: float, reason: str) -> DetectorUpdate:
        """The previous judgement, re-stamped: a blip does not change the state."""
        if self._last is None:
            return DetectorUpdate(t, "uncertain", reason=reason)
        return replace(self._last, time_s=t)

    def _unjudged(self, t: float, reason: str) -> DetectorUpdate:
        if self._unjudged_since is None:
            self._unjudged_since = t
        last = self._last
        if (
            t - self._unjudged_since < self.settings.grace_s
            and last
            and last.state in ("good", "poor")
        ):
            return replace(last, time_s=t)
        return DetectorUpdate(
            t,
            "uncertain",
            dominant=dominant_of(self._head_out, self._shoulder_out) if self._in_poor else None,
            head_dev_deg=self._head,
            shoulder_dev_deg=self._shoulder,
            reason=reason,
        )

    def _reset_judgement(self) -> None:
        self._head = self._shoulder = self._smoothed_at = None
        self._head_out = self._shoulder_out = False
        self._window.clear()
        self._poor_time = 0.0
        self._in_poor = False
        self._unjudged_since = None

    def _judge(self, t: float, metrics: PostureMetrics) -> DetectorUpdate:
        s = self.settings
        head_raw, shoulder_raw = deviations(metrics, self.baseline)
        if self._smoothed_at is None or self._head is None or self._shoulder is None:
            self._head, self._shoulder = head_raw, shoulder_raw
            duration = 0.0
        else:
            dt = t - self._smoothed_at
            alpha = 1.0 - math.exp(-dt / s.smoothing_s)
            self._head += alpha * (head_raw - self._head)
            self._shoulder += alpha * (shoulder_raw - self._shoulder)
            duration = min(dt, s.max_sample_gap_s)
        self._smoothed_at = t

        self._head_out = _out(self._head, self._head_out, s.head_threshold_deg, s.hysteresis_deg)
        self._shoulder_out = _out(
            self._shoulder, self._shoulder_out, s.shoulder_threshold_deg, s.hysteresis_deg
        )
        poor_now = self._head_out or self._shoulder_out
        self._add_to_window(t, duration, poor_now)
        if not poor_now:
            self._in_poor = False
        elif self._poor_time >= s.poor_fraction * s.window_s:
            self._in_poor = True
        return DetectorUpdate(
            t,
            "poor" if self._in_poor else "good",
            dominant=dominant_of(self._head_out, self._shoulder_out),
            head_dev_deg=self._head,
            shoulder_dev_deg=self._shoulder,
        )

    def _add_to_window(self, t: float, duration: float, poor: bool) -> None:
        self._window.append((t, duration, poor))
        if poor:
            self._poor_time += duration
        start = t - self.settings.window_s
        while self._window and self._window[0][0] - self._window[0][1] < start:
            end, dur, was_poor = self._window[0]
            inside = max(0.0, end - start)
            if inside > 0:
                # Trim the part of the oldest sample that slid out of the window.
                if was_poor:
                    self._poor_time -= dur - inside
                self._window[0] = (end, inside, was_poor)
                break
            self._window.popleft()
            if was_poor:
                self._poor_time -= dur
        self._poor_time = max(0.0, self._poor_time)

    def _track_setup(self, t: float, place: Placement) -> None:
        """Setup changed when the user sits 'elsewhere' for setup_hold_s without
        coming back; cleared when they are back 'here' for as long."""
        s = self.settings
        if place == "elsewhere":
            self._here_since = None
            if self._elsewhere_since is None:
                self._elsewhere_since = t
            if t - self._elsewhere_since >= s.setup_hold_s:
                self._setup_changed = True
        elif place == "here":
            self._elsewhere_since = None
            if self._here_since is None:
                self._here_since = t
            if self._setup_changed and t - self._here_since >= s.setup_hold_s:
                self._setup_changed = False


def _out(value: float, was_out: bool, threshold: float, hysteresis: float) -> bool:
    """Schmitt trigger: out above the threshold, back in only below threshold - hysteresis."""
    return value > (threshold - hysteresis if was_out else threshold)
