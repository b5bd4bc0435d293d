"""The thresholds in force: one place that says how far is too far, for each signal.

Every deciding threshold of both views comes from here, composed in one order:

1. the defaults (DetectorSettings), chosen to hold across people (calibration/README.md);
2. the person's calibration: a still sitter keeps the defaults, a sitter whose own
   still sitting is noisier gets them raised to `noise_k` times that noise (at most
   `noise_cap` times the default), and a shown slouch (core/baseline.add_slouch)
   lowers a signal's threshold toward a point between neutral and that slouch,
   never below the person's noise allows and never above the step before;
3. one sensitivity factor (`[detector] sensitivity`, `--sensitivity`, the settings
   slider) times what was learned from answers per signal (a factor, 1.0 =
   unchanged, > 1 = more sensitive): a distance threshold is divided by the
   product, so sensitivity 2 notices half the deviation.

Thresholds are held as *distances from neutral* in their own units (degrees, face
widths, and for the ears' height ratio its distance from 1), so one rule scales them
all. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from posturewatch.core.baseline import Baseline
    from posturewatch.core.detector import DetectorSettings
    from posturewatch.core.front import FrontDeviation

Signal = Literal["head_forward", "shoulders_rounded", "sinking", "neck", "lean_in"]
SIGNALS: tuple[Signal, ...] = ("head_forward", "shoulders_rounded", "sinking", "neck", "lean_in")
"""The signals a threshold belongs to; learned factors and readings are keyed by them."""

LIMITS: Mapping[str, Signal] = {
    "head_threshold_deg": "head_forward",
    "head_low_fw": "head_forward",
    "shoulder_threshold_deg": "shoulders_rounded",
    "front_shoulder_threshold_deg": "shoulders_rounded",
    "sink_head_fw": "sinking",
    "sink_shoulder_fw": "sinking",
    "min_neck_ratio": "neck",
    "lean_in_deg": "lean_in",
}
"""Every deciding threshold (as a distance from neutral) and its signal. head_low_fw
is the nose lower without the shoulders (a forward head, front view); its default is
sink_head_fw. min_neck_ratio is held as 1 - the ratio."""

FRONT_LIMITS = (
    "head_threshold_deg",
    "head_low_fw",
    "front_shoulder_threshold_deg",
    "sink_head_fw",
    "sink_shoulder_fw",
    "min_neck_ratio",
    "lean_in_deg",
)
SIDE_LIMITS = ("head_threshold_deg", "shoulder_threshold_deg")


def default_limits(settings: DetectorSettings) -> dict[str, float]:
    """The defaults as distances from neutral."""
    s = settings
    return {
        "head_threshold_deg": s.head_threshold_deg,
        "head_low_fw": s.sink_head_fw,
        "shoulder_threshold_deg": s.shoulder_threshold_deg,
        "front_shoulder_threshold_deg": s.front_shoulder_threshold_deg,
        "sink_head_fw": s.sink_head_fw,
        "sink_shoulder_fw": s.sink_shoulder_fw,
        "min_neck_ratio": 1.0 - s.min_neck_ratio,
        "lean_in_deg": s.lean_in_deg,
    }


def front_distances(d: FrontDeviation) -> dict[str, float]:
    """A front frame's deviation in the unit of every front threshold (+ = worse)."""
    return {
        "head_threshold_deg": d.judged_head_forward_deg,
        "head_low_fw": d.head_low_fw,
        "front_shoulder_threshold_deg": d.shoulder_rounding_deg,
        "sink_head_fw": d.head_sink_fw,
        "sink_shoulder_fw": d.shoulder_sink_fw,
        "min_neck_ratio": 1.0 - d.neck_ratio,
        "lean_in_deg": d.lean_in_deg,
    }


def side_distances(head_dev_deg: float, shoulder_dev_deg: float) -> dict[str, float]:
    """A side frame's deviations in the unit of the side thresholds (+ = worse)."""
    return {"head_threshold_deg": head_dev_deg, "shoulder_threshold_deg": shoulder_dev_deg}


def check_factors(learned: Mapping[str, float]) -> None:
    """ValueError naming the signal unless every learned factor is a known signal's
    finite positive number."""
    for name, value in learned.items():
        if name not in SIGNALS:
            raise ValueError(f"{name}: not a signal (known: {', '.join(SIGNALS)})")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name}: a sensitivity factor must be a positive number")


@dataclass(frozen=True)
class Thresholds:
    """Every deciding threshold in force for one person, sensitivity and learning."""

    limits: Mapping[str, float]
    """Threshold key (LIMITS) -> distance from neutral that is out."""
    release: float
    """Front view, and the side view's head: once out, a deviation is back only
    below (1 - release) of its threshold (hysteresis as a share)."""
    shoulder_release: float
    """Side view's shoulder angle: the same share for its own threshold."""
    sensitivity: float
    factors: Mapping[Signal, float] = field(default_factory=dict)
    """Signal -> the factor its thresholds were divided by (sensitivity x learned)."""
    calibrated: Mapping[str, float] = field(default_factory=dict)
    """Threshold key -> distance after the calibration step, before the factors."""

    def limit(self, key: str) -> float:
        return self.limits[key]

    @property
    def head_threshold_deg(self) -> float:
        return self.limits["head_threshold_deg"]

    @property
    def head_low_fw(self) -> float:
        return self.limits["head_low_fw"]

    @property
    def shoulder_threshold_deg(self) -> float:
        return self.limits["shoulder_threshold_deg"]

    @property
    def front_shoulder_threshold_deg(self) -> float:
        return self.limits["front_shoulder_threshold_deg"]

    @property
    def sink_head_fw(self) -> float:
        return self.limits["sink_head_fw"]

    @property
    def sink_shoulder_fw(self) -> float:
        return self.limits["sink_shoulder_fw"]

    @property
    def min_neck_ratio(self) -> float:
        return 1.0 - self.limits["min_neck_ratio"]

    @property
    def lean_in_deg(self) -> float:
        return self.limits["lean_in_deg"]

    @property
    def hysteresis_deg(self) -> float:
        """The side view's head hysteresis in degrees (the share, on its threshold)."""
        return self.release * self.head_threshold_deg

    def to_json(self) -> dict[str, float]:
        """The thresholds in their public units (min_neck_ratio as a ratio)."""
        out = {key: round(value, 4) for key, value in self.limits.items()}
        out["min_neck_ratio"] = round(self.min_neck_ratio, 4)
        out["hysteresis_deg"] = round(self.hysteresis_deg, 4)
        out["sensitivity"] = round(self.sensitivity, 4)
        return out

    def readings(self, distances: Mapping[str, float]) -> dict[Signal, float]:
        """Each signal's deviation as a share of its threshold in force (1.0 = at
        it): the larger of its thresholds' shares, and for sinking (head and
        shoulders must both be down) the smaller."""
        shares: dict[Signal, list[float]] = {}
        for key, value in distances.items():
            limit = self.limits[key]
            shares.setdefault(LIMITS[key], []).append(value / limit if limit > 0 else math.inf)
        return {
            signal: (min(values) if signal == "sinking" else max(values))
            for signal, values in shares.items()
        }


def thresholds_in_force(
    settings: DetectorSettings,
    baseline: Baseline | None = None,
    learned: Mapping[str, float] | None = None,
    sensitivity: float | None = None,
) -> Thresholds:
    """The thresholds for `settings` (its `sensitivity` unless one is given), the
    person's calibration `baseline` (its still-sitting noise and shown slouch, when
    it has them) and the per-signal factors `learned` from answers."""
    s = settings
    factor = s.sensitivity if sensitivity is None else sensitivity
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError("sensitivity: must be a positive number")
    learned = learned or {}
    check_factors(learned)
    defaults = default_limits(s)
    noise: Mapping[str, float] = baseline.noise if baseline is not None else {}
    slouch: Mapping[str, float] = (
        baseline.slouch if baseline is not None and baseline.slouch is not None else {}
    )
    own = {key: s.noise_k * noise.get(key, 0.0) for key in defaults}
    calibrated = {
        key: min(s.noise_cap * default, max(default, own[key])) for key, default in defaults.items()
    }
    shown = shown_signals(calibrated, slouch, s)
    most = max(shown.values(), default=0.0)
    for signal in shown:
        for key in (k for k, of in LIMITS.items() if of == signal and k in slouch):
            share = slouch[key] / calibrated[key] if calibrated[key] > 0 else 0.0
            if share < max(s.slouch_min, s.slouch_dominance * most):
                continue  # the signal moved through another of its thresholds
            # Toward the point slouch_share of the way from neutral to the shown
            # slouch; never below the person's noise or slouch_floor of the default.
            target = max(s.slouch_share * slouch[key], own[key], s.slouch_floor * defaults[key])
            calibrated[key] = min(calibrated[key], target)
    factors: dict[Signal, float] = {
        signal: factor * float(learned.get(signal, 1.0)) for signal in SIGNALS
    }
    limits = {key: value / factors[LIMITS[key]] for key, value in calibrated.items()}
    return Thresholds(
        limits=limits,
        release=s.hysteresis_deg / s.head_threshold_deg,
        shoulder_release=s.hysteresis_deg / s.shoulder_threshold_deg,
        sensitivity=factor,
        factors=factors,
        calibrated=calibrated,
    )


def shown_signals(
    limits: Mapping[str, float], slouch: Mapping[str, float], settings: DetectorSettings
) -> dict[Signal, float]:
    """The signals a shown slouch moves clearly, with how far (a share of `limits`):
    at least slouch_min of the way to their threshold, and at least
    slouch_dominance of the signal it moves most. A slouch shows mostly in one or
    two signals; the others' readings in one slouched frame are as noisy as in an
    upright one, so lowering them would call upright frames poor."""
    shares: dict[Signal, list[float]] = {}
    for key, value in slouch.items():
        limit = limits.get(key, 0.0)
        if limit > 0:
            shares.setdefault(LIMITS[key], []).append(value / limit)
    moved = {
        signal: (min(values) if signal == "sinking" else max(values))
        for signal, values in shares.items()
    }
    if not moved:
        return {}
    most = max(moved.values())
    return {
        signal: share
        for signal, share in moved.items()
        if share >= settings.slouch_min and share >= settings.slouch_dominance * most
    }


def deciding_signal(readings: Mapping[Signal, float], out: Mapping[Signal, bool]) -> Signal | None:
    """The signal that made a frame poor: of those out, the one furthest past its
    threshold (None when none is out)."""
    candidates = [signal for signal in SIGNALS if out.get(signal)]
    if not candidates:
        return None
    return max(candidates, key=lambda signal: readings.get(signal, 0.0))


# --- config files written before the one factor ----------------------------------------

PRE_17_LIMITS: Mapping[str, float] = {
    "head_threshold_deg": 10.0,
    "shoulder_threshold_deg": 8.0,
    "hysteresis_deg": 2.0,
    "front_shoulder_threshold_deg": 20.0,
    "sink_head_fw": 0.25,
    "sink_shoulder_fw": 0.15,
    "min_neck_ratio": 0.85,
    "lean_in_deg": 10.0,
}
"""The deciding thresholds' defaults before the one sensitivity factor. The settings
window and `config --init` wrote every key, so a config file saved then pins them."""
PRE_17_SCALED = ("head_threshold_deg", "shoulder_threshold_deg", "hysteresis_deg")
PRE_17_STEPS = (0.6, 0.8, 1.0, 1.25, 1.5)
"""The old slider divided PRE_17_SCALED by one of these (rounded to 2 decimals)."""


def migrate_detector_table(table: dict[str, object]) -> dict[str, object]:
    """A [detector] table as written before the one factor (every threshold at its
    old default, the three the old slider scaled divided by one of its steps, no
    `sensitivity`) becomes that step as `sensitivity` over today's defaults: the
    user keeps the slider position chosen, not defaults that were never chosen. A
    table with any other threshold value (set by hand) is left as it is."""
    if "sensitivity" in table:
        return table
    present = {key: table[key] for key in PRE_17_LIMITS if key in table}
    if not present or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in present.values()
    ):
        return table
    for step in PRE_17_STEPS:
        expected = {
            key: round(old / step, 2) if key in PRE_17_SCALED else old
            for key, old in PRE_17_LIMITS.items()
        }
        if all(abs(float(v) - expected[k]) < 0.006 for k, v in present.items()):  # type: ignore[arg-type]
            kept = {k: v for k, v in table.items() if k not in PRE_17_LIMITS}
            kept["sensitivity"] = step
            return kept
    return table
