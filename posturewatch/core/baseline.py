"""The user's calibrated neutral posture.

Posture is judged as a deviation from *this person's* upright sitting, never from
an ideal body: necks, shoulders and webcam angles differ too much for absolute
thresholds. A calibration is a few seconds of sitting well; the baseline is the
robust centre (median) and spread (MAD) of every posture number over the frames
that were fit to judge. A calibration that cannot be trusted (nobody there, face
turned away, fidgeting, too near) is refused with a one-line reason rather than
saved, because every later judgement inherits its errors.

A baseline converts to and from plain JSON data here (`Baseline.to_json`,
`baseline_from_json`); reading and writing the profile file that keeps it is
posturewatch.store.profiles.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from posturewatch.core.errors import UserError
from posturewatch.core.types import Observation, PostureMetrics, View

if TYPE_CHECKING:
    from posturewatch.core.detector import DetectorSettings
    from posturewatch.core.metrics import MetricsSettings

FORMAT_NAME = "posturewatch-baseline"
FORMAT_VERSION = 3
"""2: front-view baselines hold the picture heights and sizes in face widths
(face_size, nose_level_fw, ...); a version 1 side-view profile still loads, a
version 1 front-view one is refused with a request to recalibrate. 3: optional
"noise" (the still sitting's spread per threshold) and "slouch" (a shown slouch's
deviations); a version 2 profile loads without them and works as before."""

METRIC_NAMES: tuple[str, ...] = tuple(f.name for f in fields(PostureMetrics) if f.name != "view")
"""Every number of PostureMetrics; each gets a centre and a spread in the baseline."""

FRONT_ONLY_METRICS = frozenset(
    {
        "face_size",
        "nose_level_fw",
        "shoulder_level_fw",
        "ear_height_fw",
        "nose_height_fw",
        "shoulder_width_fw",
    }
)
"""Front-view numbers (None in a side view)."""

OPTIONAL_METRICS = frozenset({"distance_cm"}) | FRONT_ONLY_METRICS
"""Numbers a frame may lack (None); their baseline entry may be null."""

MAD_TO_SIGMA = 1.4826
"""Scales a median absolute deviation to a normal distribution's standard deviation."""


class CalibrationError(UserError):
    """A calibration that must not be saved; the message says why and what to do."""


class ProfileMissing(UserError):
    """No profile file yet: the user has not calibrated."""


class ProfileCorrupt(UserError):
    """A profile file that exists but cannot be trusted; it is never overwritten silently."""


@dataclass(frozen=True)
class MetricStats:
    """Robust centre and spread of one posture number during calibration."""

    centre: float
    spread: float


@dataclass(frozen=True)
class Baseline:
    """One person's neutral posture, as seen from one camera placement."""

    view: View
    stats: Mapping[str, MetricStats]
    frame_count: int
    created_s: float
    source: str = ""
    profile: str = "default"
    frames_seen: int = 0
    version: int = FORMAT_VERSION
    noise: Mapping[str, float] = field(default_factory=dict)
    """Threshold key (core/thresholds.LIMITS) -> the spread (sigma) of the
    calibration frames' deviation in that threshold's unit: how still this person
    sits. Empty for one frame (unknown)."""
    slouch: Mapping[str, float] | None = None
    """Threshold key -> the shown slouch's deviation (median of its frames), when
    the person showed one (add_slouch); None otherwise."""
    slouch_frames: int = 0

    def centre(self, name: str) -> float:
        return self.stats[name].centre

    def spread(self, name: str) -> float:
        return self.stats[name].spread

    def has(self, name: str) -> bool:
        return name in self.stats

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": self.version,
            "profile": self.profile,
            "created_s": self.created_s,
            "view": self.view,
            "source": self.source,
            "frames": self.frame_count,
            "frames_seen": self.frames_seen,
            "metrics": {
                name: (
                    {"centre": self.stats[name].centre, "spread": self.stats[name].spread}
                    if name in self.stats
                    else None
                )
                for name in METRIC_NAMES
            },
            "noise": dict(self.noise),
            "slouch": dict(self.slouch) if self.slouch is not None else None,
            "slouch_frames": self.slouch_frames,
        }


@dataclass(frozen=True)
class CalibrationSettings:
    """What a calibration must look like to be trusted."""

    min_frames: int = 5
    """Usable frames needed; one frame is too easily a fluke of the pose model."""
    min_quality: float = 0.5
    max_abs_yaw_deg: float = 20.0
    """Head turned further than this from the camera: the frame is not neutral."""
    max_abs_pitch_deg: float = 25.0
    """Looking down (keyboard) or up further than this: not neutral."""
    max_angle_spread_deg: float = 15.0
    """Side view: largest spread (sigma) of the head-forward or trunk angle."""
    max_position_spread: float = 0.03
    """Side view: largest spread of the seated place, in frame widths/heights:
    shifting around in the chair during calibration."""
    max_vertical_spread_fw: float = 0.08
    """Front view: largest spread (sigma) of the nose's and the shoulders' height in
    the picture, in face widths: a third of the 0.25 F that counts as sinking.
    Breathing and small shifts of a still sitter stay under 0.07 F."""
    max_horizontal_spread_fw: float = 0.30
    """Front view: largest sideways spread of the shoulders, face widths (a shift
    sideways moves no posture number; this catches getting up and coming back)."""
    max_ear_spread_fw: float = 0.10
    """Front view: largest spread of the ears' height over the shoulders, face widths."""
    max_face_size_spread: float = 0.08
    """Front view: largest relative spread of the face's size (coming and going);
    a third of the change that reads as leaning in."""
    min_distance_cm: float = 30.0
    max_distance_cm: float = 160.0
    """Front view: a desk webcam further away sees too few pixels of the face."""
    max_side_distance_cm: float = 350.0
    """Side view: the camera stands beside the desk, 1-2.5 m away."""
    min_scale: float = 0.04
    """Body smaller than this fraction of the frame diagonal: too far to judge."""
    max_scale: float = 0.9
    """Larger: so near that the shoulders or head leave the frame."""

    def __post_init__(self) -> None:
        if self.min_frames < 1:
            raise ValueError("min_frames: must be at least 1")
        if not 0.0 <= self.min_quality <= 1.0:
            raise ValueError("min_quality: must be between 0 and 1")
        for name in ("max_abs_yaw_deg", "max_abs_pitch_deg"):
            if not 0.0 < getattr(self, name) <= 90.0:
                raise ValueError(f"{name}: must be between 0 and 90 degrees")
        spreads = (
            "max_angle_spread_deg",
            "max_position_spread",
            "max_vertical_spread_fw",
            "max_horizontal_spread_fw",
            "max_ear_spread_fw",
            "max_face_size_spread",
        )
        for name in spreads:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: must be positive")
        if not 0 < self.min_distance_cm < min(self.max_distance_cm, self.max_side_distance_cm):
            raise ValueError("min_distance_cm: must be positive and below the maximum distances")
        if not 0 < self.min_scale < self.max_scale:
            raise ValueError("min_scale: must be positive and below max_scale")


def robust_stats(values: Iterable[float]) -> MetricStats:
    """Median and MAD-based sigma: a few bad frames cannot drag either."""
    data = [v for v in values if math.isfinite(v)]
    if not data:
        raise ValueError("no finite values")
    centre = statistics.median(data)
    mad = statistics.median(abs(v - centre) for v in data)
    return MetricStats(centre=float(centre), spread=float(MAD_TO_SIGMA * mad))


def calibrate(
    observations: Iterable[Observation],
    view: View | None = None,
    min_frames: int | None = None,
    settings: CalibrationSettings | None = None,
    *,
    created_s: float = 0.0,
    source: str = "",
    profile: str = "default",
    metrics_settings: MetricsSettings | None = None,
) -> Baseline:
    """The baseline of a stream of observations, or a CalibrationError saying why not."""
    from posturewatch.core.metrics import compute_metrics

    samples = (compute_metrics(obs, view, metrics_settings) for obs in observations)
    return calibrate_metrics(
        samples,
        view=view,
        min_frames=min_frames,
        settings=settings,
        created_s=created_s,
        source=source,
        profile=profile,
    )


def calibrate_metrics(
    samples: Iterable[PostureMetrics | None],
    view: View | None = None,
    min_frames: int | None = None,
    settings: CalibrationSettings | None = None,
    *,
    created_s: float = 0.0,
    source: str = "",
    profile: str = "default",
) -> Baseline:
    """Same as calibrate() from metrics already computed (None = no person in that frame).

    A source with fewer frames than `min_frames` in all (a single photograph)
    calibrates on every one of them, provided every one is usable; its stillness
    cannot be checked."""
    cfg = settings or CalibrationSettings()
    need = cfg.min_frames if min_frames is None else min_frames
    if need < 1:
        raise ValueError("min_frames: must be at least 1")
    where = f" in {source}" if source else ""

    seen = 0
    present: list[PostureMetrics] = []
    for m in samples:
        seen += 1
        if m is not None:
            present.append(m)
    if not present:
        raise CalibrationError(
            f"calibration failed: no person found{where} ({seen} frames); "
            "sit facing the camera with head and shoulders in view"
        )

    chosen_view = view or Counter(m.view for m in present).most_common(1)[0][0]
    same_view = [m for m in present if m.view == chosen_view]
    clear = [m for m in same_view if m.quality >= cfg.min_quality]
    facing = [
        m
        for m in clear
        if abs(m.head_yaw_deg) <= cfg.max_abs_yaw_deg
        and abs(m.head_pitch_deg) <= cfg.max_abs_pitch_deg
    ]
    if seen < need:
        need = seen  # a still image or a short clip: all of it must be usable
    if len(facing) < need:
        turned = len(clear) - len(facing)
        if turned > 0 and turned >= len(facing):
            raise CalibrationError(
                f"calibration failed: face turned away from the camera or looking down in "
                f"{turned} of {seen} frames{where}; look at the screen, not the keyboard"
            )
        raise CalibrationError(
            f"calibration failed: too few usable frames{where}: {len(facing)} of {seen} "
            f"(need {need}); improve the light and keep head and shoulders in view"
        )

    _check_distance(facing, cfg, where, chosen_view)
    stats = {
        name: robust_stats(vals)
        for name in METRIC_NAMES
        if (vals := [float(v) for m in facing if (v := getattr(m, name)) is not None])
    }
    if chosen_view == "front" and all(name in stats for name in FRONT_ONLY_METRICS):
        _check_front_stillness(stats, cfg, where)
    else:
        _check_stillness(stats, cfg, where)
    baseline = Baseline(
        view=chosen_view,
        stats=stats,
        frame_count=len(facing),
        created_s=created_s,
        source=source,
        profile=profile,
        frames_seen=seen,
    )
    if len(facing) < 2:
        return baseline
    return replace(baseline, noise=_noise(baseline, facing))


def limit_distances(metrics: PostureMetrics, baseline: Baseline) -> dict[str, float] | None:
    """One frame's deviation from `baseline` in the unit of every threshold of its
    view (core/thresholds.LIMITS), or None when it cannot be compared."""
    from posturewatch.core.front import front_deviation
    from posturewatch.core.thresholds import front_distances, side_distances

    if metrics.view != baseline.view:
        return None
    front = front_deviation(metrics, baseline)
    if front is not None:
        return front_distances(front)
    if baseline.view == "front":
        return None
    return side_distances(
        metrics.head_forward_deg - baseline.centre("head_forward_deg"),
        metrics.shoulder_rounding_deg - baseline.centre("shoulder_rounding_deg"),
    )


def _noise(baseline: Baseline, frames: list[PostureMetrics]) -> dict[str, float]:
    """The spread of the calibration frames' own deviations, per threshold."""
    values: dict[str, list[float]] = {}
    for m in frames:
        for key, value in (limit_distances(m, baseline) or {}).items():
            values.setdefault(key, []).append(value)
    return {key: robust_stats(vals).spread for key, vals in values.items()}


def _check_distance(
    frames: list[PostureMetrics], cfg: CalibrationSettings, where: str, view: View
) -> None:
    distances = [m.distance_cm for m in frames if m.distance_cm is not None]
    farthest = cfg.max_side_distance_cm if view == "side" else cfg.max_distance_cm
    if distances:
        d = statistics.median(distances)
        if d < cfg.min_distance_cm:
            raise CalibrationError(
                f"calibration failed: too near the camera{where} (about {d:.0f} cm); "
                f"sit at least {cfg.min_distance_cm:.0f} cm away"
            )
        if d > farthest:
            raise CalibrationError(
                f"calibration failed: too far from the camera{where} (about {d:.0f} cm); "
                f"sit within {farthest:.0f} cm"
            )
    scale = statistics.median(m.scale for m in frames)
    if scale > cfg.max_scale:
        raise CalibrationError(
            f"calibration failed: too near the camera{where}; "
            "move back until head and shoulders fit in the frame"
        )
    if scale < cfg.min_scale:
        raise CalibrationError(
            f"calibration failed: too far from the camera{where}; move nearer or zoom in"
        )


def _check_stillness(
    stats: Mapping[str, MetricStats], cfg: CalibrationSettings, where: str
) -> None:
    angle = max(stats["head_forward_deg"].spread, stats["shoulder_rounding_deg"].spread)
    position = max(stats["center_x"].spread, stats["center_y"].spread)
    if angle > cfg.max_angle_spread_deg or position > cfg.max_position_spread:
        raise CalibrationError(
            f"calibration failed: too much movement{where} (angle spread {angle:.1f} deg, "
            f"position spread {position:.3f}); sit still and upright, then try again"
        )


def _check_front_stillness(
    stats: Mapping[str, MetricStats], cfg: CalibrationSettings, where: str
) -> None:
    """Front view: stillness in face widths, per axis, against what each posture
    number can tolerate (breathing and small shifts pass; sitting down, getting up,
    coming nearer or looking around do not)."""
    vertical = max(stats["nose_level_fw"].spread, stats["shoulder_level_fw"].spread)
    face = stats["face_size"]
    # center_x is in frame widths; over the face's share of the diagonal it is an
    # upper bound of the sideways spread in face widths (the width <= the diagonal).
    sideways = stats["center_x"].spread / face.centre if face.centre > 0 else math.inf
    size = face.spread / face.centre if face.centre > 0 else math.inf
    ears = stats["ear_height_fw"].spread
    problems = []
    if vertical > cfg.max_vertical_spread_fw:
        problems.append(
            f"head or shoulders moved up and down by {vertical:.2f} face widths "
            f"(at most {cfg.max_vertical_spread_fw:.2f})"
        )
    if ears > cfg.max_ear_spread_fw:
        problems.append(
            f"head tipped back and forth by {ears:.2f} face widths "
            f"(at most {cfg.max_ear_spread_fw:.2f})"
        )
    if size > cfg.max_face_size_spread:
        problems.append(
            f"moved nearer and farther by {100 * size:.0f} % "
            f"(at most {100 * cfg.max_face_size_spread:.0f} %)"
        )
    if sideways > cfg.max_horizontal_spread_fw:
        problems.append(
            f"moved sideways by {sideways:.2f} face widths "
            f"(at most {cfg.max_horizontal_spread_fw:.2f})"
        )
    if problems:
        raise CalibrationError(
            f"calibration failed: too much movement{where}: {'; '.join(problems)}; "
            "sit still and upright, then try again"
        )


# --- profile file -------------------------------------------------------------------


def baseline_from_json(data: Any) -> Baseline:
    """Inverse of Baseline.to_json; ValueError('key: problem') for anything off."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise ValueError(f"format: expected {FORMAT_NAME!r}, got {data.get('format')!r}")
    version = data.get("version")
    if version not in (1, 2, FORMAT_VERSION):
        raise ValueError(
            f"version: this posturewatch reads format {FORMAT_VERSION}, the file has {version!r}"
        )
    view = _field(data, "view", str)
    if view not in ("front", "side"):
        raise ValueError(f"view: expected 'front' or 'side', got {view!r}")
    if version == 1 and view == "front":
        raise ValueError(
            "made by an older posturewatch whose front-view measures are no longer used"
        )
    frames = _field(data, "frames", int)
    if frames < 1:
        raise ValueError(f"frames: must be at least 1, got {frames}")
    metrics = _field(data, "metrics", dict)
    stats: dict[str, MetricStats] = {}
    for name in METRIC_NAMES:
        if name not in metrics and not (version == 1 and name in FRONT_ONLY_METRICS):
            raise ValueError(f"missing key 'metrics.{name}'")
        entry = metrics.get(name)
        if entry is None and name in OPTIONAL_METRICS:
            continue
        if not isinstance(entry, dict):
            raise ValueError(f"metrics.{name}: expected an object with centre and spread")
        centre = _number(entry, "centre", f"metrics.{name}")
        spread = _number(entry, "spread", f"metrics.{name}")
        if spread < 0:
            raise ValueError(f"metrics.{name}.spread: must not be negative")
        stats[name] = MetricStats(centre, spread)
    return Baseline(
        view=view,  # a str checked against View above
        stats=stats,
        frame_count=frames,
        created_s=_number(data, "created_s", ""),
        source=str(data.get("source", "")),
        profile=str(data.get("profile", "default")),
        frames_seen=int(data.get("frames_seen", frames) or frames),
        version=version,
        noise=_limits(data, "noise") or {},
        slouch=_limits(data, "slouch"),
        slouch_frames=_whole(data.get("slouch_frames", 0) or 0, "slouch_frames"),
    )


def _whole(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key}: expected a whole number, got {value!r}")
    return value


def _limits(data: dict[str, Any], key: str) -> dict[str, float] | None:
    """An optional {threshold key: number} table (noise, slouch); None when absent."""
    from posturewatch.core.thresholds import LIMITS

    table = data.get(key)
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ValueError(f"{key}: expected an object of numbers")
    out: dict[str, float] = {}
    for name in table:
        if name not in LIMITS:
            raise ValueError(f"{key}.{name}: not a threshold (known: {', '.join(LIMITS)})")
        out[name] = _number(table, name, key)
        if key == "noise" and out[name] < 0:
            raise ValueError(f"noise.{name}: must not be negative")
    return out


def _field(data: dict[str, Any], key: str, kind: type) -> Any:
    if key not in data:
        raise ValueError(f"missing key {key!r}")
    value = data[key]
    if kind is int and isinstance(value, bool):
        raise ValueError(f"{key}: expected a whole number, got {value!r}")
    if not isinstance(value, kind):
        raise ValueError(f"{key}: expected {kind.__name__}, got {value!r}")
    return value


def _number(data: dict[str, Any], key: str, prefix: str) -> float:
    name = f"{prefix}.{key}" if prefix else key
    if key not in data:
        raise ValueError(f"missing key {name!r}")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


def describe(baseline: Baseline) -> str:
    """What a calibration found, in a few lines for the terminal and the app."""
    lines = [
        f"calibrated from {baseline.frame_count} of {baseline.frames_seen} frames "
        f"({baseline.source or 'unknown source'}), {baseline.view} view",
        _line("head forward", baseline, "head_forward_deg"),
        _line("shoulder rounding", baseline, "shoulder_rounding_deg"),
    ]
    if baseline.has("distance_cm"):
        lines.append(f"  distance            about {baseline.centre('distance_cm'):.0f} cm")
    return "\n".join(lines)


def _line(label: str, baseline: Baseline, name: str) -> str:
    return (
        f"  {label:<19} {baseline.centre(name):6.1f} deg (spread {baseline.spread(name):.1f} deg)"
    )


# --- a shown slouch -----------------------------------------------------------------

SLOUCH_REFUSALS = {
    "looking down": "that was a glance down (the head tipped, the neck and shoulders "
    "stayed); sit as you do when tired, eyes on the screen",
    "looking up": "the head was tipped up; sit as you do when tired, eyes on the screen",
    "head turned": "the head was turned away from the camera; face the screen",
    "leaning back": "you leaned back; slump forward or down as you do when tired",
    "standing up": "you stood up; stay seated and slump as you do when tired",
    "low quality": "head and shoulders were not clearly in view; improve the light",
    "view differs from calibration": "the camera sees you from another side than at "
    "calibration; calibrate again",
}


def add_slouch(
    baseline: Baseline,
    samples: Iterable[PostureMetrics | None],
    settings: DetectorSettings | None = None,
    *,
    source: str = "",
) -> Baseline:
    """`baseline` with the person's shown slouch (a few seconds of sitting as they do
    when tired): per threshold, the median deviation of the slouch's usable frames.
    The thresholds then move toward it (core/thresholds.py). Refused with a
    CalibrationError saying why when nobody is seen, when most frames are a glance,
    a turn or standing, or when the slouch moves no signal clearly (no different
    from sitting well). The desktop's first run and `calibrate --slouch-source`
    call this."""
    from posturewatch.core.detector import DetectorSettings, is_standing, unjudgeable_reason
    from posturewatch.core.thresholds import shown_signals, thresholds_in_force

    s = settings or DetectorSettings()
    where = f" in {source}" if source else ""
    present = [m for m in samples if m is not None]
    if not present:
        raise CalibrationError(
            f"slouch not taken: no person found{where}; sit facing the camera with head and "
            "shoulders in view"
        )
    refused: Counter[str] = Counter()
    usable: list[dict[str, float]] = []
    for m in present:
        reason = (
            "standing up" if is_standing(m, baseline, s) else unjudgeable_reason(m, baseline, s)
        )
        distances = limit_distances(m, baseline) if not reason else None
        if distances is None:
            refused[reason or "view differs from calibration"] += 1
        else:
            usable.append(distances)
    if len(usable) * 2 < len(present):
        reason = refused.most_common(1)[0][0]
        raise CalibrationError(
            f"slouch not taken: {SLOUCH_REFUSALS.get(reason, reason)} "
            f"({sum(refused.values())} of {len(present)} frames{where})"
        )
    shown = {key: statistics.median(d[key] for d in usable) for key in usable[0]}
    before = thresholds_in_force(s, replace(baseline, slouch=None), sensitivity=1.0)
    if not shown_signals(before.calibrated, shown, s):
        raise CalibrationError(
            f"slouch not taken: it reads like sitting well{where} (no signal moved even "
            f"{s.slouch_min:.0%} of the way to its threshold); slump as you do when tired, "
            "or skip this step"
        )
    return replace(baseline, slouch=shown, slouch_frames=len(usable))


def describe_slouch(baseline: Baseline, settings: DetectorSettings | None = None) -> str:
    """What a shown slouch changed, one line per threshold it moved."""
    from posturewatch.core.detector import DetectorSettings
    from posturewatch.core.thresholds import thresholds_in_force

    s = settings or DetectorSettings()
    if baseline.slouch is None:
        return "no slouch shown"
    without = thresholds_in_force(s, replace(baseline, slouch=None), sensitivity=1.0).calibrated
    now = thresholds_in_force(s, baseline, sensitivity=1.0).calibrated
    moved = [
        f"  {key:<29} {without[key]:.3g} -> {now[key]:.3g}"
        for key in now
        if now[key] < without[key] - 1e-9
    ]
    frames = baseline.slouch_frames
    head = f"slouch shown ({frames} frame{'' if frames == 1 else 's'}): "
    if not moved:
        return head + "the thresholds already catch it; none moved"
    return head + "thresholds moved toward it\n" + "\n".join(moved)
