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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from posturewatch.core.baseline import Baseline
from posturewatch.core.front import (
    EAR_TO_HIP_CM,
    HIP_TO_SHOULDER_CM,
    FrontDeviation,
    front_deviation,
)
from posturewatch.core.metrics import picture_levels
from posturewatch.core.settings import check_between
from posturewatch.core.thresholds import (
    Signal,
    Thresholds,
    deciding_signal,
    front_distances,
    side_distances,
    thresholds_in_force,
)
from posturewatch.core.types import DetectorUpdate, Deviation, PostureMetrics, Verdict


@dataclass(frozen=True)
class DetectorSettings:
    """Tunables of the detector; the defaults come from `python -m calibration.evaluate`
    (see calibration/README.md)."""

    head_threshold_deg: float = 7.5
    """Head-forward angle this far above the baseline is a poor frame. Front view:
    the reading with the face's own downward tip taken out, or 0.6 of the plain one
    (core/front.py, judged_head_forward_deg). Upright frames of held-out people stay
    within 3 degrees of a one-frame calibration, the licensed sittings' within 7.3
    (224-pixel crops, and a drift over the sitting); their slouches read 6-13
    (calibration/README.md)."""
    shoulder_threshold_deg: float = 8.0
    """Side view: shoulder-rounding (trunk) angle this far above the baseline is a
    poor frame."""
    hysteresis_deg: float = 1.5
    """Once out, a deviation counts as back only below threshold minus this; the
    front view's face-width and ratio thresholds release by the same share
    (hysteresis_deg / head_threshold_deg) of their own size."""
    front_shoulder_threshold_deg: float = 20.0
    """Front view: clavicles swung up/in this far (shoulder joints about 5 cm nearer
    the ears or the midline), with the ears nearer the shoulder line
    (rounding_neck_ratio), is rounded shoulders. Rounding is mostly depth, which a
    front camera hardly sees, so only a clear change counts."""
    rounding_neck_ratio: float = 0.95
    sink_head_fw: float = 0.18
    """Front view: sinking in the chair is the ears at least this many face widths
    (2.6 cm) lower in the picture than calibrated... Upright frames of the licensed
    sittings stay within 0.17 F, their slouches go down 0.44-0.72 F, a held-out
    person's 0.24 F."""
    sink_shoulder_fw: float = 0.10
    """...together with the shoulder line at least this much lower (1.5 cm; upright
    <= 0.08 F, a held-out slouch 0.12 F). The nose down sink_head_fw without the
    shoulders is a forward head."""
    min_neck_ratio: float = 0.905
    """Front view: ears over the shoulders at this share of their calibrated height
    or less is a forward head (about 18 degrees more neck inclination; licensed
    upright frames >= 0.905, a held-out person's slouch 0.90)."""
    lean_in_deg: float = 7.5
    """Front view: trunk leaned toward the screen this far (head about 9 cm nearer,
    from the face's size) is a forward head (licensed upright frames <= 3.2; the
    simulated day's weakest hunch 8)."""
    nod_deg: float = 12.0
    """Front view: head tipped down this much more than calibrated while the ears keep
    their height over the shoulders (nod_neck_ratio) and the shoulders stay up is a
    glance at the keyboard, not a posture."""
    nod_neck_ratio: float = 0.95
    nod_shoulder_drop_fw: float = 0.15
    """...and the shoulder line less than this many face widths lower (a glance
    does not move the shoulders; sinking does)."""
    sensitivity: float = 1.0
    """One factor over every deciding threshold of both views (core/thresholds.py):
    2 notices half the deviation, 0.5 only twice as much. The settings slider and
    --sensitivity set it."""
    noise_k: float = 3.0
    """A calibration whose still sitting is noisier than usual raises a threshold to
    this many times the person's own noise (sigma) in that signal..."""
    noise_cap: float = 1.6
    """...but to at most this many times the default."""
    slouch_share: float = 0.7
    """A shown slouch lowers a signal's threshold to this share of the way from
    neutral to the slouch (the licensed sittings' upright frames drift to 0.6 of
    the way to their slouch in the ears' ratio after calibration)..."""
    slouch_floor: float = 0.7
    """...but not below this share of the default (nor below noise_k times the
    person's noise): one upright frame says nothing of the noise, and the licensed
    sittings' upright frames drift to 0.97 of the head threshold."""
    slouch_min: float = 0.5
    """Only the signals a shown slouch moves at least this share of the way to their
    threshold count; a slouch that moves none is refused as no different from
    sitting well..."""
    slouch_dominance: float = 0.6
    """...and at least this share of the signal it moves most (one slouched frame's
    other signals are as noisy as an upright one's)."""
    smoothing_s: float = 4.0
    """Time constant of the exponential smoothing of the deviations."""
    window_s: float = 90.0
    """Persistence window: poor posture must hold for most of this long."""
    poor_fraction: float = 0.6
    """Share of the window that must be poor before the state turns poor."""
    release_s: float = 8.0
    """Poor ends once the deviation has stayed back in range this long (a single
    noisy frame does not end it)."""
    max_sample_gap_s: float = 10.0
    """A sample stands for the time since the previous one, at most this long (so a
    paused or crashed service invents no time). The one definition: the store
    (Store's max_sample_gap_s) and the monitor's run summary account time with it too."""
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
    max_face_narrowing: float = 0.2
    """Front view: the face this much narrower, for the shoulders' size, than at
    calibration means the head is turned, even past where the yaw estimate holds
    (the face's own yaw reading folds back beyond about 40 degrees)."""
    max_lean_back_deg: float = 10.0
    """Trunk this far behind its calibrated angle: leaning back. (The shoulder
    angle is the trunk's inclination in both views, see docs/metrics.md.)"""
    standing_rise: float = 0.15
    """Shoulders this much higher in the frame (fraction of its height): standing up."""
    lock_position_tolerance: float = 0.2
    """A person whose shoulders are further than this (frame fraction) from the
    calibrated place is someone else (a passer-by), and ignored."""
    lock_scale_tolerance: float = 0.35
    """Or whose apparent size differs by more than this fraction. In the front view
    the user moving back in the chair is exempt (see moved_back_in_chair): leaning
    back 30 degrees moves the shoulders 25 cm back, 1.56x smaller at 45 cm, and
    sinking back in the chair shrinks the user too (real sitting 1)."""
    setup_position_tolerance: float = 0.08
    """The user's smoothed position this far (frame fraction) off the calibrated
    one, along the axis posture hardly moves (sideways in a front view, up or
    down in a side view), means the camera or the chair moved: not judged."""
    setup_sideways_fw: float = 0.6
    """Front view: the same sideways tolerance in calibrated face widths (9 cm), used
    where it is the larger: at a laptop's 40 cm, 0.08 of the frame is 4 cm, less
    than a slide in the chair while slouching (the licensed sitting 1 drifts 5 cm
    in its slouch); at a desk's 70 cm the frame fraction is the larger."""
    setup_scale_tolerance: float = 0.15
    """Side view: the ear-to-hip length hardly changes with posture, so a size this
    much off the calibrated one also means the camera moved."""
    setup_lean_tolerance_deg: float = 5.0
    """Front view: a sideways lean shifts the shoulders too; beyond this lean a
    sideways shift is put down to the lean, not to the setup."""
    setup_hold_s: float = 60.0
    """Moved (or only someone else in view) for this long without coming back:
    the setup changed; recalibration is asked for and nothing is judged until
    a new baseline (Detector.set_baseline)."""
    setup_jump_fw: float = 0.25
    """Front view: the whole person (nose and shoulders by the same amount, the
    ears' height over the shoulders and the face's size unchanged) shifting up or
    down by this many face widths between two samples at most setup_jump_gap_s
    apart is a bumped camera or a tilted screen, not sinking: a real sink takes
    seconds and lowers the head more than the shoulders."""
    setup_rise_fw: float = 0.25
    """Front view: the shoulder line held this many face widths (3.6 cm) *higher* in
    the picture than calibrated, seated (not standing), means the camera or the
    chair moved: a slouch only ever lowers the shoulders, and upright is the
    calibration. A laptop's camera against a monitor's one, or a chair raised,
    shows this way (the licensed sitting 2 sits 0.27-0.40 F higher than sitting 1)."""
    setup_jump_gap_s: float = 2.0
    setup_jump_confirm_s: float = 10.0
    """...and when the person stays shifted this long, the setup changed."""

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
            "max_face_narrowing",
            "max_lean_back_deg",
            "standing_rise",
            "lock_position_tolerance",
            "lock_scale_tolerance",
            "setup_position_tolerance",
            "setup_scale_tolerance",
            "setup_lean_tolerance_deg",
            "setup_hold_s",
            "front_shoulder_threshold_deg",
            "sink_head_fw",
            "sink_shoulder_fw",
            "lean_in_deg",
            "nod_deg",
            "nod_shoulder_drop_fw",
            "noise_k",
            "setup_jump_fw",
            "setup_jump_gap_s",
            "setup_jump_confirm_s",
            "setup_rise_fw",
            "setup_sideways_fw",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: must be positive")
        if not 0 <= self.hysteresis_deg < min(self.head_threshold_deg, self.shoulder_threshold_deg):
            raise ValueError("hysteresis_deg: must be at least 0 and below both thresholds")
        if not 0 < self.poor_fraction <= 1:
            raise ValueError("poor_fraction: must be above 0 and at most 1")
        if self.grace_s < 0 or self.release_s < 0:
            raise ValueError("grace_s/release_s: must not be negative")
        for name in ("min_neck_ratio", "nod_neck_ratio", "rounding_neck_ratio"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name}: must be between 0 and 1")
        check_between("sensitivity", self.sensitivity, 0.2, 5.0)
        if self.noise_cap < 1:
            raise ValueError("noise_cap: must be at least 1")
        check_between("slouch_share", self.slouch_share, 0.1, 1.0)
        check_between("slouch_floor", self.slouch_floor, 0.1, 1.0)
        check_between("slouch_min", self.slouch_min, 0.1, 1.0)
        check_between("slouch_dominance", self.slouch_dominance, 0.1, 1.0)
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
    """Why the frame is not judged ('looking down', 'head turned', ...); for a
    poor frame judged on the shoulders alone, why the head was not."""
    dominant: Deviation | None = None
    """Which deviation makes a poor frame poor."""
    sink_cm: float | None = None
    """Front view: how far head and shoulders both went down (+ = lower)."""
    decided_by: Signal | None = None
    """Which signal (core/thresholds.SIGNALS) made a poor frame poor."""
    why: str = ""
    """A poor frame's verdict in words, with the numbers that decided it."""
    readings: dict[Signal, float] = field(default_factory=dict)
    """Every signal's deviation as a share of its threshold in force (1.0 = at it)."""
    front: FrontDeviation | None = None
    """Front view: every deviation from the calibration."""
    thresholds: Thresholds | None = None
    """The thresholds in force."""


def deviations(metrics: PostureMetrics, baseline: Baseline) -> tuple[float, float]:
    """Head-forward and shoulder-rounding degrees above the user's neutral (+ = worse).
    Front view: from the calibrated geometry (core/front.py); side view: the angles'
    difference from their calibrated centres."""
    front = front_deviation(metrics, baseline)
    if front is not None:
        return front.head_forward_deg, front.shoulder_rounding_deg
    return (
        metrics.head_forward_deg - baseline.centre("head_forward_deg"),
        metrics.shoulder_rounding_deg - baseline.centre("shoulder_rounding_deg"),
    )


def _above(value: float, threshold: float, was_out: bool, release: float) -> bool:
    """Out above threshold; once out, back in only below threshold * (1 - release)."""
    return value > (threshold * (1.0 - release) if was_out else threshold)


@dataclass(frozen=True)
class Judgement:
    """One frame's (or one smoothed sample's) deviations against the thresholds in
    force: which deviation groups are out, every signal's reading (its deviation as
    a share of its threshold, 1.0 = at it), which signal decided, and in words."""

    head: bool
    shoulder: bool
    sink: bool
    readings: dict[Signal, float]
    decided_by: Signal | None
    why: str = ""


def front_judgement(
    d: FrontDeviation,
    settings: DetectorSettings,
    thresholds: Thresholds,
    was: tuple[bool, bool, bool] = (False, False, False),
) -> Judgement:
    """Front view: head forward (the nose's angle, the head lower without the
    shoulders, the ears low over the shoulders, or a lean toward the screen), rounded
    shoulders, or sinking (head and shoulders lower together, named alone); `was`
    the previous (head, shoulder, sink) answer, for hysteresis."""
    t = thresholds
    dist = front_distances(d)
    readings = t.readings(dist)
    was_head, was_shoulder, was_sink = was

    def out(key: str, was_out: bool) -> bool:
        return _above(dist[key], t.limit(key), was_out, t.release)

    # Drops that leaning back explains (the face got smaller) are not sinking.
    if out("sink_head_fw", was_sink) and out("sink_shoulder_fw", was_sink):
        return Judgement(False, False, True, readings, "sinking", explain("sinking", dist))
    signal_out: dict[Signal, bool] = {
        "head_forward": out("head_threshold_deg", was_head) or out("head_low_fw", was_head),
        "neck": out("min_neck_ratio", was_head),
        "lean_in": out("lean_in_deg", was_head),
        # Rounding is mostly depth: only with the ears nearer the shoulder line too.
        "shoulders_rounded": out("front_shoulder_threshold_deg", was_shoulder)
        and d.neck_ratio <= settings.rounding_neck_ratio,
    }
    head = signal_out["head_forward"] or signal_out["neck"] or signal_out["lean_in"]
    decided = deciding_signal(readings, signal_out)
    why = explain(decided, dist, t) if decided else ""
    return Judgement(head, signal_out["shoulders_rounded"], False, readings, decided, why)


def side_judgement(
    head_dev_deg: float,
    shoulder_dev_deg: float,
    thresholds: Thresholds,
    was: tuple[bool, bool] = (False, False),
) -> Judgement:
    """Side view: the head-forward and trunk angles above their calibrated centres."""
    t = thresholds
    dist = side_distances(head_dev_deg, shoulder_dev_deg)
    readings = t.readings(dist)
    head = _above(head_dev_deg, t.head_threshold_deg, was[0], t.release)
    shoulder = _above(shoulder_dev_deg, t.shoulder_threshold_deg, was[1], t.shoulder_release)
    decided = deciding_signal(readings, {"head_forward": head, "shoulders_rounded": shoulder})
    why = explain(decided, dist) if decided else ""
    return Judgement(head, shoulder, False, readings, decided, why)


def explain(signal: Signal, dist: dict[str, float], thresholds: Thresholds | None = None) -> str:
    """A poor verdict in words, with the numbers that decided it (`dist`: the
    deviations in every threshold's unit, core/thresholds.py)."""
    if signal == "sinking":
        return (
            f"sinking: head {dist['sink_head_fw']:.2f} and shoulders "
            f"{dist['sink_shoulder_fw']:.2f} face widths lower than calibrated"
        )
    if signal == "neck":
        ratio = 1.0 - dist["min_neck_ratio"]
        return f"head forward: ears at {ratio:.2f} of their calibrated height over the shoulders"
    if signal == "lean_in":
        return f"leaning in: {dist['lean_in_deg']:.0f} degrees toward the screen"
    if signal == "shoulders_rounded":
        deg = dist.get("front_shoulder_threshold_deg", dist.get("shoulder_threshold_deg", 0.0))
        return f"rounded shoulders: {deg:.0f} degrees more than calibrated"
    low = dist.get("head_low_fw")
    if low is not None and thresholds is not None:
        by_drop = low / thresholds.head_low_fw
        if by_drop > dist["head_threshold_deg"] / thresholds.head_threshold_deg:
            return f"head forward: head {low:.2f} face widths lower, shoulders in place"
    return f"head forward: {dist['head_threshold_deg']:.0f} degrees more than calibrated"


def is_nod(d: FrontDeviation, settings: DetectorSettings) -> bool:
    """Front view: the head tipped down on a neck that kept its place (the ears keep
    their height over the shoulders, the shoulders stay up): a glance down."""
    return (
        d.pitch_deg >= settings.nod_deg
        and d.neck_ratio >= settings.nod_neck_ratio
        and d.shoulder_drop_fw < settings.nod_shoulder_drop_fw
    )


def is_standing(metrics: PostureMetrics, baseline: Baseline, settings: DetectorSettings) -> bool:
    """Shoulders far above the calibrated place at about the calibrated size."""
    rise = baseline.centre("center_y") - metrics.center_y
    return rise > settings.standing_rise and abs(_log_scale(metrics, baseline)) <= math.log1p(
        settings.lock_scale_tolerance
    )


def is_someone_else(
    metrics: PostureMetrics, baseline: Baseline, settings: DetectorSettings
) -> bool:
    """Too far from the calibrated place, or the wrong size, to be the user in
    their chair: a passer-by, or (if it lasts) a moved camera. Smaller because the
    user moved back in the chair is still the user."""
    dx = metrics.center_x - baseline.centre("center_x")
    dy = metrics.center_y - baseline.centre("center_y")
    if math.hypot(dx, dy) > settings.lock_position_tolerance:
        return True
    if abs(_log_scale(metrics, baseline)) <= math.log1p(settings.lock_scale_tolerance):
        return False
    return not moved_back_in_chair(metrics, baseline, settings)


def moved_back_in_chair(
    metrics: PostureMetrics, baseline: Baseline, settings: DetectorSettings
) -> bool:
    """Front view: the user smaller as moving back in their own chair makes them:
    back by less than the hip-to-shoulder length (a recline of at most 90 degrees),
    and down by at least what a recline of that reach explains, within the sinking
    thresholds (leaning back lowers head and shoulders by r (1 - cos phi), sinking
    lowers them more). A passer-by behind is farther than a chair reaches; a camera
    pulled back moves the user back without the drop."""
    d = front_deviation(metrics, baseline)
    if d is None or d.lean_in_deg >= 0.0:
        return False
    back_cm = EAR_TO_HIP_CM * math.sin(math.radians(min(90.0, -d.lean_in_deg)))
    return (
        back_cm < HIP_TO_SHOULDER_CM
        and d.head_sink_fw > -settings.sink_head_fw
        and d.shoulder_sink_fw > -settings.sink_shoulder_fw
    )


FRAME_WIDTH_PER_DIAGONAL = 0.8
"""A 4:3 frame's width over its diagonal (16:9: 0.87, square: 0.71): turns the face's
size (a fraction of the diagonal) into a fraction of the frame's width."""


def sideways_tolerance(baseline: Baseline, settings: DetectorSettings) -> float:
    """Front view: how far sideways (frame widths) the user may sit from the
    calibrated place before the setup counts as moved: setup_position_tolerance,
    or setup_sideways_fw calibrated face widths where that is more (a near camera)."""
    tolerance = settings.setup_position_tolerance
    if baseline.has("face_size"):
        face_w = baseline.centre("face_size") / FRAME_WIDTH_PER_DIAGONAL
        tolerance = max(tolerance, settings.setup_sideways_fw * face_w)
    return tolerance


def _face_narrowing(metrics: PostureMetrics, baseline: Baseline) -> float:
    """Front view: log of how much narrower the face looks than the shoulders say it
    should, against calibration. The distance comes from the face's width, the
    scale from the shoulders', so their product stays put when the user moves
    nearer or farther, and grows when the face turns away (0 when unknown)."""
    if metrics.view != "front" or metrics.distance_cm is None or not baseline.has("distance_cm"):
        return 0.0
    ref = baseline.centre("distance_cm")
    if metrics.distance_cm <= 0 or ref <= 0:
        return 0.0
    return math.log(metrics.distance_cm / ref) + _log_scale(metrics, baseline)


def _log_scale(metrics: PostureMetrics, baseline: Baseline) -> float:
    ref = baseline.centre("scale")
    if metrics.scale <= 0 or ref <= 0:
        return math.inf
    return math.log(metrics.scale / ref)


GLANCE_TIP_RATIO = 1.5
"""A head tipped down by more than this many times the neck's forward lean is a
glance; less, and it is the head going down with a slouching neck."""

HEAD_REASONS = frozenset({"head turned", "looking down", "looking up"})
"""The head cannot be judged, but the shoulder angle (trunk and shoulder landmarks
only) still can: hunching over a phone is poor whatever the eyes look at."""


def unjudgeable_reason(
    metrics: PostureMetrics,
    baseline: Baseline,
    settings: DetectorSettings,
    trunk_dev_deg: float | None = None,
) -> str:
    """Why this frame cannot be judged against the baseline, or '' when it can.
    trunk_dev_deg: the smoothed trunk deviation when known (a stream), else this
    frame's."""
    if metrics.view != baseline.view:
        return "view differs from calibration"
    if metrics.quality < settings.min_quality:
        return "low quality"
    if abs(metrics.head_yaw_deg - baseline.centre("head_yaw_deg")) > settings.max_yaw_deg:
        return "head turned"
    if _face_narrowing(metrics, baseline) > math.log1p(settings.max_face_narrowing):
        return "head turned"
    front = front_deviation(metrics, baseline)
    if front is not None:
        if is_nod(front, settings):
            return "looking down"
        if front.pitch_deg < -settings.max_pitch_up_deg:
            return "looking up"
        return ""
    # A glance down tips the head on the neck, a lot more than the neck moves; a
    # slouch carries the head forward and down with the neck, by about as much.
    neck_dev = max(0.0, metrics.head_forward_deg - baseline.centre("head_forward_deg"))
    pitch = metrics.head_pitch_deg - baseline.centre("head_pitch_deg")
    if pitch > settings.max_pitch_down_deg and pitch > GLANCE_TIP_RATIO * neck_dev:
        return "looking down"
    if pitch < -settings.max_pitch_up_deg:
        return "looking up"
    if trunk_dev_deg is None:
        trunk_dev_deg = metrics.shoulder_rounding_deg - baseline.centre("shoulder_rounding_deg")
    if trunk_dev_deg < -settings.max_lean_back_deg:
        return "leaning back"
    return ""


def frame_verdict(
    metrics: PostureMetrics | None,
    baseline: Baseline,
    settings: DetectorSettings,
    learned: Mapping[str, float] | None = None,
    thresholds: Thresholds | None = None,
) -> FrameVerdict:
    """Good or poor from this frame alone, or unknown (with the reason) when it
    cannot be judged; against `thresholds` (default: those in force for the
    settings, the baseline and the `learned` factors)."""
    t = thresholds or thresholds_in_force(settings, baseline, learned)
    if metrics is None:
        return FrameVerdict("unknown", None, None, "nobody in view", thresholds=t)
    head, shoulder = deviations(metrics, baseline)
    reason = unjudgeable_reason(metrics, baseline, settings)
    front = front_deviation(metrics, baseline)
    sink_cm = front.sink_cm if front is not None else None
    if front is not None:
        j = front_judgement(front, settings, t)
    else:
        j = side_judgement(head, shoulder, t)
    if reason in HEAD_REASONS and j.shoulder:
        # The head cannot be read, the trunk can: hunched over a phone.
        dist = front_distances(front) if front else side_distances(head, shoulder)
        return FrameVerdict(
            "poor",
            head,
            shoulder,
            reason,
            "shoulder_rounding",
            sink_cm,
            "shoulders_rounded",
            explain("shoulders_rounded", dist),
            j.readings,
            front,
            t,
        )
    if reason:
        return FrameVerdict(
            "unknown", head, shoulder, reason, None, sink_cm, None, "", j.readings, front, t
        )
    dominant = dominant_of(j.head, j.shoulder, j.sink)
    return FrameVerdict(
        "poor" if dominant else "good",
        head,
        shoulder,
        "",
        dominant,
        sink_cm,
        j.decided_by,
        j.why,
        j.readings,
        front,
        t,
    )


def dominant_of(head_out: bool, shoulder_out: bool, sink_out: bool = False) -> Deviation | None:
    if sink_out:
        return "sinking"
    if head_out and shoulder_out:
        return "both"
    if head_out:
        return "head_forward"
    if shoulder_out:
        return "shoulder_rounding"
    return None


# --- a stream of frames -------------------------------------------------------------


class _Smoothed:
    """Exponential smoothing on time stamps: each sample pulls the value toward
    itself by 1 - exp(-dt / tau), so the rate of samples does not matter."""

    def __init__(self) -> None:
        self.value: float | None = None
        self.at: float | None = None

    def update(self, t: float, x: float, tau_s: float) -> float:
        if self.value is None or self.at is None:
            self.value = x
        else:
            alpha = 1.0 - math.exp(-max(0.0, t - self.at) / tau_s)
            self.value += alpha * (x - self.value)
        self.at = t
        return self.value

    def reset(self) -> None:
        self.value = self.at = None


_CARRIED_ACROSS_SETUPS = (
    "_window",
    "_poor_time",
    "_in_poor",
    "_back_since",
    "_dominant",
    "_last_time",
    "_last",
    "_last_seen_s",
)
"""What a switch to another saved setup keeps (Detector.switch_baseline): how long
posture has been poor, and when the user was last seen."""


class Detector:
    """Feed `update(time_s, metrics)` in time order; each call returns the judgement
    after that sample. `metrics=None` means nobody was found in the frame."""

    def __init__(
        self,
        baseline: Baseline,
        settings: DetectorSettings | None = None,
        learned: Mapping[str, float] | None = None,
    ) -> None:
        self.settings = settings or DetectorSettings()
        self._learned: dict[str, float] = dict(learned or {})
        self.set_baseline(baseline)

    @property
    def thresholds(self) -> Thresholds:
        """The thresholds in force (core/thresholds.py)."""
        return self._thresholds

    @property
    def learned(self) -> dict[str, float]:
        return dict(self._learned)

    def set_settings(self, settings: DetectorSettings) -> None:
        """New settings (the settings window's sensitivity): the thresholds follow at
        once; the smoothing, the persistence and the state go on."""
        self.settings = settings
        self._thresholds = thresholds_in_force(settings, self.baseline, self._learned)

    def set_learned(self, learned: Mapping[str, float]) -> None:
        """New per-signal factors learned from answers; the judgement goes on."""
        self._learned = dict(learned)
        self._thresholds = thresholds_in_force(self.settings, self.baseline, self._learned)

    def set_baseline(self, baseline: Baseline) -> None:
        """Start afresh with a new calibration (after a setup change)."""
        self.baseline = baseline
        self._thresholds = thresholds_in_force(self.settings, baseline, self._learned)
        self._judgement: Judgement | None = None
        """The last judged sample's readings, deciding signal and words."""
        self._last_time: float | None = None
        self._last: DetectorUpdate | None = None
        self._last_seen_s: float | None = None
        """Last time the user was in view, in their place."""
        self._unjudged_since: float | None = None
        # Posture: smoothed deviations, Schmitt triggers, the persistence window.
        self._head = _Smoothed()
        self._shoulder = _Smoothed()
        self._head_out = False
        self._shoulder_out = False
        self._sink_out = False
        self._front: dict[str, _Smoothed] = {name: _Smoothed() for name in FrontDeviation.__slots__}
        """Front view: each deviation smoothed on its own (core/front.py)."""
        self._window: deque[tuple[float, float, bool]] = deque()
        """(end time, duration, poor) of judged samples within the window."""
        self._poor_time = 0.0
        self._in_poor = False
        self._back_since: float | None = None
        self._dominant: Deviation | None = None
        self._judged_at: float | None = None
        # Place: smoothed offsets from the calibrated place, and the setup-change clock.
        self._dx = _Smoothed()
        self._dy = _Smoothed()
        self._lean = _Smoothed()
        self._dscale = _Smoothed()
        self._rise = _Smoothed()
        """Front view: smoothed rise of the shoulder line above the calibrated one."""
        self._trunk = _Smoothed()
        """Smoothed trunk deviation, for 'leaning back' (noisy frame by frame)."""
        self._moved_since: float | None = None
        self._moved_last: float | None = None
        self._prev_front: tuple[float, float, float, float, float] | None = None
        self._prev_shoulder_level = 0.0
        """Front view: (time, nose level, shoulder level, ear height, face size) of
        the previous sample, for the jump of a moved camera."""
        self._jump: tuple[float, float] | None = None
        """(time, shoulder level before) of a jump not yet confirmed."""
        self._settled_since: float | None = None
        self._setup_changed = False

    def switch_baseline(self, baseline: Baseline) -> None:
        """Judge against another saved setup's calibration (a second monitor, the
        laptop): its place, smoothing and setup-change evidence start afresh, but how
        long posture has been poor carries over, so a slouch that goes on while the
        head turns to the other screen still counts."""
        kept = {name: getattr(self, name) for name in _CARRIED_ACROSS_SETUPS}
        self.set_baseline(baseline)
        for name, value in kept.items():
            setattr(self, name, value)

    @property
    def setup_changed(self) -> bool:
        return self._setup_changed

    def update(self, time_s: float, metrics: PostureMetrics | None) -> DetectorUpdate:
        if self._last_time is not None and time_s < self._last_time:
            time_s = self._last_time  # a clock step back must not make time run backwards
        result = self._step(time_s, metrics)
        self._last_time = time_s
        self._last = result
        return result

    # -- one sample --

    def _step(self, t: float, metrics: PostureMetrics | None) -> DetectorUpdate:
        s, b = self.settings, self.baseline
        if metrics is None:
            return self._absent(t)
        if is_standing(metrics, b, s):
            self._last_seen_s = t
            return self._unjudged(t, "standing up")
        if is_someone_else(metrics, b, s):
            self._moved(t)
            if self._setup_changed:
                return self._setup_changed_update(t)
            return self._absent(t, someone_else=True)
        self._last_seen_s = t
        moved = self._track_place(t, metrics)
        if moved:
            self._moved(t)
        else:
            self._settled(t)
        if self._setup_changed:
            return self._setup_changed_update(t)
        if moved:
            return self._unjudged(t, "position changed")
        trunk = self._trunk.update(
            t, metrics.shoulder_rounding_deg - b.centre("shoulder_rounding_deg"), s.smoothing_s
        )
        reason = unjudgeable_reason(metrics, b, s, trunk_dev_deg=trunk)
        if reason and reason not in HEAD_REASONS:
            return self._unjudged(t, reason)
        blip = self._unjudged_since is not None and t - self._unjudged_since < s.grace_s
        update = self._judge(t, metrics, after_blip=blip, head_known=not reason)
        if update is None:
            return self._unjudged(t, reason)
        self._unjudged_since = None
        return update

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
        """Not judged; within grace_s of the last judged frame the state is kept."""
        if self._unjudged_since is None:
            self._unjudged_since = t
        last = self._last
        if (
            t - self._unjudged_since < self.settings.grace_s
            and last
            and last.state
            in (
                "good",
                "poor",
            )
        ):
            return replace(last, time_s=t)
        return DetectorUpdate(
            t,
            "uncertain",
            dominant=self._dominant if self._in_poor else None,
            head_dev_deg=self._head.value,
            shoulder_dev_deg=self._shoulder.value,
            reason=reason,
        )

    def _setup_changed_update(self, t: float) -> DetectorUpdate:
        self._reset_judgement()
        return DetectorUpdate(t, "uncertain", recalibrate=True, reason="setup changed")

    def _reset_judgement(self) -> None:
        self._head.reset()
        self._shoulder.reset()
        for smoother in self._front.values():
            smoother.reset()
        self._head_out = self._shoulder_out = self._sink_out = False
        self._window.clear()
        self._poor_time = 0.0
        self._in_poor = False
        self._back_since = None
        self._dominant = None
        self._judged_at = None
        self._unjudged_since = None
        self._judgement = None

    # -- posture --

    def _judge(
        self, t: float, metrics: PostureMetrics, after_blip: bool, head_known: bool
    ) -> DetectorUpdate | None:
        """Judge one frame. With head_known False (the head is turned or tipped) only
        rounded shoulders can be seen; if they are not, the frame says nothing (None)."""
        s, th = self.settings, self._thresholds
        front = front_deviation(metrics, self.baseline)
        head: float | None
        if front is not None:
            head, shoulder, ok = self._judge_front(t, front, head_known)
            if not ok:
                return None
        else:
            head_raw, shoulder_raw = deviations(metrics, self.baseline)
            shoulder = self._shoulder.update(t, shoulder_raw, s.smoothing_s)
            head = self._head.update(t, head_raw, s.smoothing_s) if head_known else self._head.value
            j = side_judgement(
                head if head is not None else 0.0,
                shoulder,
                th,
                (self._head_out, self._shoulder_out),
            )
            self._shoulder_out = j.shoulder
            if head_known:
                self._head_out = j.head
            elif self._shoulder_out:
                self._head_out = False
                j = side_judgement(-math.inf, shoulder, th, (False, True))
            else:
                return None
            self._judgement = j
        # A judged sample stands for the time since the previous judged one, unless
        # more than a blip (grace_s) lay unjudged between: a glance, a turn or an
        # absence is not poor time.
        previous = self._judged_at
        duration = 0.0
        if previous is not None and (after_blip or previous == self._last_time):
            duration = min(t - previous, s.max_sample_gap_s)
        self._judged_at = t

        poor_now = self._head_out or self._shoulder_out or self._sink_out
        self._add_to_window(t, duration, poor_now)
        if poor_now:
            self._back_since = None
            self._dominant = dominant_of(self._head_out, self._shoulder_out, self._sink_out)
            if self._poor_time >= s.poor_fraction * s.window_s:
                self._in_poor = True
        else:
            if self._back_since is None:
                self._back_since = t
            if self._in_poor and t - self._back_since >= s.release_s:
                # Sat up: a new slouch must persist afresh, not ride on the old one.
                self._in_poor = False
                self._window.clear()
                self._poor_time = 0.0
            if not self._in_poor:
                self._dominant = None
        return DetectorUpdate(
            t,
            "poor" if self._in_poor else "good",
            dominant=self._dominant,
            head_dev_deg=head,
            shoulder_dev_deg=shoulder,
            poor_now=dominant_of(self._head_out, self._shoulder_out, self._sink_out),
            readings={k: v for k, v in last.readings.items()}
            if (last := self._judgement)
            else None,
            decided_by=last.decided_by if last and poor_now else None,
            why=last.why if last and poor_now else "",
        )

    def _judge_front(
        self, t: float, d: FrontDeviation, head_known: bool
    ) -> tuple[float | None, float, bool]:
        """Front view: smooth every deviation, then judge the smoothed values with
        hysteresis. Returns (head, shoulder, judged); with the head unknown (a glance,
        a turn) only rounded shoulders are judged, and judged is False when they
        are not out."""
        s = self.settings
        tau = s.smoothing_s
        smoothed = FrontDeviation(
            **{
                name: self._front[name].update(t, getattr(d, name), tau)
                for name in FrontDeviation.__slots__
            }
        )
        head, shoulder = smoothed.head_forward_deg, smoothed.shoulder_rounding_deg
        self._head.value, self._shoulder.value = head, shoulder
        j = front_judgement(
            smoothed, s, self._thresholds, (self._head_out, self._shoulder_out, self._sink_out)
        )
        if head_known:
            self._judgement = j
            self._head_out, self._shoulder_out, self._sink_out = j.head, j.shoulder, j.sink
            return head, shoulder, True
        self._shoulder_out = j.shoulder
        self._head_out = self._sink_out = False
        if self._shoulder_out:
            dist = front_distances(smoothed)
            self._judgement = Judgement(
                False,
                True,
                False,
                j.readings,
                "shoulders_rounded",
                explain("shoulders_rounded", dist),
            )
        return head, shoulder, self._shoulder_out

    def _add_to_window(self, t: float, duration: float, poor: bool) -> None:
        """Keep the judged time of the last window_s, and how much of it was poor."""
        self._window.append((t, duration, poor))
        if poor:
            self._poor_time += duration
        start = t - self.settings.window_s
        while self._window and self._window[0][0] - self._window[0][1] < start:
            end, dur, was_poor = self._window[0]
            inside = max(0.0, end - start)
            if was_poor:
                self._poor_time -= dur - inside
            if inside > 0:
                self._window[0] = (end, inside, was_poor)
                break
            self._window.popleft()
        self._poor_time = max(0.0, self._poor_time)

    # -- place --

    def _track_place(self, t: float, metrics: PostureMetrics) -> bool:
        """Smooth the user's offset from the calibrated place; True when it is off by
        more than the setup tolerances in what posture hardly changes: sideways in
        a front view (leaning toward or away from a front camera changes the size,
        which says nothing about the camera); in a side view, where the seated hip
        is (metrics anchor the place there) and the ear-to-hip size, judged only
        while the trunk and neck are near their calibrated angles: a slouch
        shortens the trunk by 15 % or more and, with the hip out of frame, moves
        its estimated place too. Posture angles do not change when a camera is
        slid along, so judging a slouch meanwhile is safe; the move is seen the
        next time the user sits up."""
        s, b = self.settings, self.baseline
        tau = s.smoothing_s
        if b.view == "side":
            dx = self._dx.update(t, metrics.center_x - b.centre("center_x"), tau)
            dy = self._dy.update(t, metrics.center_y - b.centre("center_y"), tau)
            if math.hypot(dx, dy) > s.setup_position_tolerance:
                return True
            head_dev, trunk_dev = deviations(metrics, b)
            upright = abs(trunk_dev) < s.shoulder_threshold_deg and (
                abs(head_dev) < s.head_threshold_deg
            )
            if not upright:
                return False
            dscale = self._dscale.update(t, _log_scale(metrics, b), tau)
            return abs(dscale) > math.log1p(s.setup_scale_tolerance)
        dx = self._dx.update(t, metrics.center_x - b.centre("center_x"), tau)
        lean = self._lean.update(t, metrics.lean_deg - b.centre("lean_deg"), tau)
        if self._front_jump(t, metrics):
            return True
        if metrics.shoulder_level_fw is not None and b.has("shoulder_level_fw"):
            level = metrics.shoulder_level_fw
            rise = self._rise.update(t, b.centre("shoulder_level_fw") - level, tau)
            if rise > s.setup_rise_fw:
                return True
        return abs(dx) > sideways_tolerance(b, s) and abs(lean) <= s.setup_lean_tolerance_deg

    def _front_jump(self, t: float, m: PostureMetrics) -> bool:
        """Front view: True while the whole person has jumped up or down in the picture
        (see DetectorSettings.setup_jump_fw) and not come back; lasting
        setup_jump_confirm_s, it is a setup change."""
        s = self.settings
        if (
            m.nose_level_fw is None
            or m.shoulder_level_fw is None
            or m.ear_height_fw is None
            or m.face_size is None
            or m.face_size <= 0
        ):
            return False
        # In the picture a tilt or a bump moves every point alike (corrected to the
        # ears' depth, farther points would move more).
        nose_level, shoulder_level = picture_levels(m)
        now = (t, nose_level, shoulder_level, m.ear_height_fw, m.face_size)
        prev, self._prev_front = self._prev_front, now
        previous_level, self._prev_shoulder_level = self._prev_shoulder_level, m.shoulder_level_fw
        rigid = 0.3 * s.setup_jump_fw  # head and shoulders moved together, within this
        if prev is not None and t - prev[0] <= s.setup_jump_gap_s and self._jump is None:
            d_nose, d_shoulder = now[1] - prev[1], now[2] - prev[2]
            # Sitting up quickly from a slouch is a jump back toward the calibrated
            # place; a bumped camera moves the person away from it.
            home = self.baseline.centre("shoulder_level_fw")
            away = abs(m.shoulder_level_fw - home) - abs(previous_level - home)
            if (
                abs(d_shoulder) >= s.setup_jump_fw
                and away > 0.0
                and abs(d_nose - d_shoulder) < rigid
                and abs(now[3] - prev[3]) < rigid
                and abs(math.log(now[4] / prev[4])) < 0.08
            ):
                self._jump = (t, prev[2])
        if self._jump is None:
            return False
        since, before = self._jump
        if abs(now[2] - before) < s.setup_jump_fw / 2:
            self._jump = None  # back where it was: a glitch of the model
            return False
        if t - since >= s.setup_jump_confirm_s:
            self._setup_changed = True
        return True

    def _moved(self, t: float) -> None:
        """Evidence of a moved camera; it must last setup_hold_s with no gap longer
        than max_sample_gap_s and without the user showing up in place."""
        s = self.settings
        self._settled_since = None
        if self._moved_since is None or (
            self._moved_last is not None and t - self._moved_last > s.max_sample_gap_s
        ):
            self._moved_since = t
        self._moved_last = t
        if t - self._moved_since >= s.setup_hold_s:
            self._setup_changed = True

    def _settled(self, t: float) -> None:
        """The user in place: back for max_sample_gap_s ends a run of moved frames
        (one frame near the edge of the tolerance does not). A setup change, once
        found, stays until a new baseline: a user leaning toward a camera that was
        pushed back can look 'in place' again, and must still not be judged."""
        if self._settled_since is None:
            self._settled_since = t
        if t - self._settled_since >= self.settings.max_sample_gap_s:
            self._moved_since = self._moved_last = None
