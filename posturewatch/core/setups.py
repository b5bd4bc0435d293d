"""Which saved setup (calibration profile) the user sits in now.

People work at a desk, on the laptop, at a standing desk, facing a second monitor;
each has its own calibration profile. When the detector finds the view changed
(or the head held turned to another screen), the monitor asks `match_profile`
which saved profile the recent frames fit, with the same tolerances the
detector uses to call a setup changed, so a profile chosen here is not called
changed again a minute later. Pure: baselines and metrics in, a name out.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from posturewatch.core.baseline import Baseline
from posturewatch.core.detector import DetectorSettings, frame_verdict, sideways_tolerance
from posturewatch.core.types import DetectorUpdate, PostureMetrics


@dataclass(frozen=True)
class SetupSettings:
    """Switching between saved setups (`[setups]` in the config)."""

    switch: bool = True
    """When the view changes, try the saved profiles and switch to the one that fits;
    false: only ask for a new calibration, as before."""
    window_s: float = 30.0
    """The recent seconds of seated samples a match is judged on."""
    min_samples: int = 5
    """At least this many of them, or no match is tried."""
    turn_hold_s: float = 10.0
    """A head held turned this long (a second monitor) tries the saved profiles too:
    one calibrated facing that monitor is judged against instead of 'head turned'."""

    def __post_init__(self) -> None:
        for name in ("window_s", "turn_hold_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: must be positive")
        if self.min_samples < 1:
            raise ValueError("min_samples: must be at least 1")


@dataclass(frozen=True)
class SetupFit:
    """How the recent samples sit against one profile's calibration."""

    fits: bool
    distance: float
    """Sum of squared offsets, each in units of its tolerance (0: exactly as calibrated)."""
    why: str = ""
    """What does not fit, when it does not."""


def setup_fit(
    baseline: Baseline,
    recent: Sequence[PostureMetrics],
    settings: DetectorSettings,
    require_upright: bool = True,
) -> SetupFit:
    """Does the person in `recent` sit in the setup `baseline` was calibrated in?

    Judged on the medians of the recent samples, along what posture hardly moves
    (the detector's setup tolerances): sideways place (front) or the whole place
    (side), the shoulder line not above the calibrated one (front: a slouch only
    lowers it), the body's size within the person lock, and the head's direction
    within the turn the detector accepts (a second monitor's profile is calibrated
    facing it). Lowered shoulders and the nose's height count in the distance only,
    since a slouch moves them. And the user must sit as calibrated by its lights
    (most judged samples good): slouched, one setup can look like another (the
    licensed sitting 2's slouch puts the shoulders where sitting 1's upright has
    them), so a switch waits until the user sits up, when setups are told apart.
    `require_upright` False: the same chair, the head turned to another screen, where
    the head's direction tells the profiles apart, slouched or not."""
    same_view = [m for m in recent if m.view == baseline.view]
    if not same_view:
        return SetupFit(False, math.inf, "no sample in this profile's view")
    s, b = settings, baseline

    def median(values: Sequence[float]) -> float:
        return statistics.median(values) if values else 0.0

    dx = median([m.center_x - b.centre("center_x") for m in same_view])
    dy = median([m.center_y - b.centre("center_y") for m in same_view])
    log_scale = median(
        [math.log(m.scale / b.centre("scale")) for m in same_view if m.scale > 0]
        if b.centre("scale") > 0
        else []
    )
    yaw = median([m.head_yaw_deg - b.centre("head_yaw_deg") for m in same_view])
    terms = [(yaw / s.max_yaw_deg) ** 2]
    if abs(yaw) > s.max_yaw_deg:
        return SetupFit(False, math.inf, f"head turned {yaw:+.0f} degrees from it")
    if abs(log_scale) > math.log1p(s.lock_scale_tolerance):
        return SetupFit(False, math.inf, f"size {math.exp(log_scale):.2f}x the calibrated")
    terms.append((log_scale / math.log1p(s.setup_scale_tolerance)) ** 2)
    if b.view == "side":
        shift = math.hypot(dx, dy)
        if shift > s.setup_position_tolerance:
            return SetupFit(False, math.inf, f"place off by {shift:.2f} of the frame")
        terms.append((shift / s.setup_position_tolerance) ** 2)
        not_upright = _not_upright(baseline, same_view, settings) if require_upright else ""
        if not_upright:
            return SetupFit(False, math.inf, not_upright)
        return SetupFit(True, sum(terms))
    sideways = sideways_tolerance(b, s)
    if abs(dx) > sideways:
        return SetupFit(False, math.inf, f"sideways off by {dx:+.2f} of the frame")
    terms.append((dx / sideways) ** 2)
    not_upright = _not_upright(baseline, same_view, settings) if require_upright else ""
    if not_upright:
        return SetupFit(False, math.inf, not_upright)
    for name in ("shoulder_level_fw", "nose_level_fw"):
        if not b.has(name):
            continue
        values = [getattr(m, name) for m in same_view if getattr(m, name) is not None]
        if not values:
            continue
        drop = median(values) - b.centre(name)  # + = lower in the picture
        if name == "shoulder_level_fw" and -drop > s.setup_rise_fw:
            return SetupFit(False, math.inf, f"shoulders {-drop:.2f} face widths higher")
        terms.append((drop / s.setup_rise_fw) ** 2)
    return SetupFit(True, sum(terms))


def _not_upright(
    baseline: Baseline, recent: Sequence[PostureMetrics], settings: DetectorSettings
) -> str:
    """'' when most samples that can be judged against `baseline` are good posture."""
    verdicts = [frame_verdict(m, baseline, settings).verdict for m in recent]
    judged = [v for v in verdicts if v != "unknown"]
    if judged and sum(v == "good" for v in judged) * 2 < len(judged):
        return "not sitting as calibrated (slouched, or another setup)"
    return ""


def match_profile(
    profiles: Mapping[str, Baseline],
    recent: Sequence[PostureMetrics],
    settings: DetectorSettings,
    exclude: str | None = None,
    require_upright: bool = True,
) -> str | None:
    """The name of the saved profile the recent samples fit best, or None when none
    fits (then the setup is new and wants its own calibration). `exclude`: the
    profile just found not to fit."""
    best: tuple[float, str] | None = None
    for name, baseline in sorted(profiles.items()):
        if name == exclude:
            continue
        fit = setup_fit(baseline, recent, settings, require_upright)
        if fit.fits and (best is None or fit.distance < best[0]):
            best = (fit.distance, name)
    return best[1] if best is not None else None


Trigger = Literal["changed", "turned"]
HELD_REASONS: dict[str, Trigger] = {"head turned": "turned"}
"""Unjudged for these reasons for turn_hold_s, another saved profile may fit: one
calibrated facing a second monitor. Not "standing up": a standing desk's camera
rises with the desk (else the view change is caught as one), and a profile
calibrated standing would read sitting down as a deep sink."""


class SetupWatch:
    """Keeps the recent seated samples and says when to look for another profile:
    when the detector calls the setup changed, and again every window_s while it
    stays changed (the user may move on to a setup that was calibrated); once per
    stretch of the head held turned (a second monitor). Times are the samples' own."""

    def __init__(self, settings: SetupSettings | None = None) -> None:
        self.settings = settings or SetupSettings()
        self._recent: deque[tuple[float, PostureMetrics]] = deque()
        self._changed_tried_s: float | None = None
        self._held: Trigger | None = None
        self._held_since: float | None = None
        self._held_tried = False

    def reset(self) -> None:
        """A new profile is in use: its own evidence starts afresh."""
        self._recent.clear()
        self._changed_tried_s = None
        self._held = self._held_since = None
        self._held_tried = False

    def observe(
        self, t: float, metrics: PostureMetrics | None, update: DetectorUpdate
    ) -> Trigger | None:
        s = self.settings
        if metrics is not None and update.state != "away":
            self._recent.append((t, metrics))
        while self._recent and self._recent[0][0] < t - s.window_s:
            self._recent.popleft()
        if update.recalibrate:
            tried = self._changed_tried_s
            if tried is not None and t - tried < s.window_s:
                return None
            self._changed_tried_s = t
            return "changed"
        if metrics is None:
            return None
        held = HELD_REASONS.get(update.reason)
        if held != self._held:
            self._held, self._held_since, self._held_tried = held, t, False
        if held is None or self._held_tried or self._held_since is None:
            return None
        if t - self._held_since >= s.turn_hold_s:
            self._held_tried = True
            return held
        return None

    def recent(self, trigger: Trigger, now_s: float) -> list[PostureMetrics]:
        """The samples a match is judged on: the last window_s, or for a held turn
        only those since it began."""
        since = now_s - self.settings.window_s
        if trigger != "changed" and self._held_since is not None:
            since = max(since, self._held_since)
        samples = [m for t, m in self._recent if t >= since]
        return samples if len(samples) >= self.settings.min_samples else []
