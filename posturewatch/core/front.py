"""Front view: one frame's posture against the user's own calibration.

The per-frame numbers (core/metrics.py) are heights and sizes in face widths (F).
Here they become deviations from the calibrated baseline, in degrees where a
stated geometry turns them into angles (docs/metrics.md) and in face widths where
an angle would be too steep to trust (sinking). The thresholds they are judged
against live in DetectorSettings, in units that hold across people: degrees, face
widths, and ratios of a person's own lengths.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posturewatch.core.baseline import Baseline
from posturewatch.core.metrics import (
    EAR_WIDTH_M,
    NOSE_AHEAD_FW,
    acos_ext_deg,
    neck_angle_from_nose,
    nose_geometry,
    rounding_angle,
)
from posturewatch.core.types import PostureMetrics

NEUTRAL_NECK_DEG = 12.0
"""Forward inclination of the neck taken for the calibrated upright sitting (upright
sitters read 10-17 degrees on the side-view photographs). It only anchors the
calibrated scale: a deviation from it is what is judged."""
EAR_TO_HIP_CM = 70.0
"""Ear to hip of an upright seated adult: the radius of a lean toward the screen."""
HIP_TO_SHOULDER_CM = 50.0
"""Hip to shoulder line of an upright seated adult: the shoulders' radius in a recline."""

TIPPED_READING_SHARE = 0.6
"""The head-forward reading judged is the larger of the neck's reading with the face's
own downward tip taken out and this share of the plain reading (see
FrontDeviation.judged_head_forward_deg)."""

FRONT_FIELDS = (
    "face_size",
    "nose_level_fw",
    "shoulder_level_fw",
    "ear_height_fw",
    "nose_height_fw",
    "shoulder_width_fw",
)
"""The front-view fields of PostureMetrics a front baseline needs."""


@dataclass(frozen=True, slots=True)
class FrontDeviation:
    """How one frame differs from the calibrated upright sitting (+ = worse)."""

    head_forward_deg: float
    """Neck inclination read from the nose's height over the shoulders, with the
    person's own neck length (calibrated), minus the calibrated inclination."""
    shoulder_rounding_deg: float
    """Clavicles swung up/in about the breastbone: the shoulders rising toward the
    ears beyond any rise of the head, and narrowing against the face."""
    neck_ratio: float
    """Ear height over the shoulders against calibration (1 = as calibrated; a neck
    tipped forward lowers it: 0.85 is about 22 degrees more)."""
    head_drop_fw: float
    """Nose lower in the picture than calibrated, face widths."""
    ear_drop_fw: float
    """Ear midpoint lower in the picture than calibrated, face widths."""
    shoulder_drop_fw: float
    """Shoulder line lower in the picture than calibrated, face widths."""
    pitch_deg: float
    """Head tipped down (+) against the calibrated pitch."""
    lean_in_deg: float
    """Trunk leaned toward the camera (face larger: nearer), degrees about the hip."""
    untipped_head_forward_deg: float
    """head_forward_deg read with the nose put back where an untipped face would
    have it (0.79 F sin(pitch) higher for a head tipped down): the neck alone."""

    @property
    def judged_head_forward_deg(self) -> float:
        """What the head-forward threshold judges. A face tipped down (eyes on a screen
        below while leaning back, a glance) lowers the nose just as a forward neck
        does, so the neck alone counts; but a forward head that tips the face with
        it (the laptop slouch) must still count, so never less than
        TIPPED_READING_SHARE of the plain reading: with a 6 degree threshold, the
        plain reading is out at 10 degrees whatever the tip."""
        return max(self.untipped_head_forward_deg, TIPPED_READING_SHARE * self.head_forward_deg)

    @property
    def recline_drop_fw(self) -> float:
        """How far leaning back in the chair lowers the head and the shoulders (face
        widths), for the backward move the face's size shows (lean_in_deg < 0). The
        trunk turns about the hips by phi, carrying the shoulders and, with the neck
        keeping its angle to the screen, the head: both move back by r sin(phi) and
        down by only r (1 - cos phi), r the hip-to-shoulder length (leaning back 20
        degrees: 17 cm back, 3 cm down). Sinking in the chair drops them without
        that backward move."""
        if self.lean_in_deg >= 0.0:
            return 0.0
        back_cm = EAR_TO_HIP_CM * math.sin(math.radians(min(90.0, -self.lean_in_deg)))
        cos_phi = math.sqrt(max(0.0, 1.0 - min(1.0, back_cm / HIP_TO_SHOULDER_CM) ** 2))
        return HIP_TO_SHOULDER_CM * (1.0 - cos_phi) / (100.0 * EAR_WIDTH_M)

    @property
    def head_sink_fw(self) -> float:
        """The head's drop (at the ears, which a nod does not move) beyond what
        leaning back explains, face widths."""
        return self.ear_drop_fw - self.recline_drop_fw

    @property
    def shoulder_sink_fw(self) -> float:
        """The shoulder line's drop beyond what leaning back explains, face widths."""
        return self.shoulder_drop_fw - self.recline_drop_fw

    @property
    def head_low_fw(self) -> float:
        """The nose's drop beyond leaning back and beyond what tipping the head down
        does to the nose tip (0.79 F ahead of the ears: 0.79 sin(pitch))."""
        nod = NOSE_AHEAD_FW * math.sin(math.radians(max(0.0, min(90.0, self.pitch_deg))))
        return self.head_drop_fw - self.recline_drop_fw - nod

    @property
    def sink_cm(self) -> float:
        """How far head and shoulders both went down beyond leaning back, cm (adult
        face width)."""
        return 100.0 * EAR_WIDTH_M * min(self.head_sink_fw, self.shoulder_sink_fw)


def has_front_baseline(baseline: Baseline) -> bool:
    return baseline.view == "front" and all(baseline.has(name) for name in FRONT_FIELDS)


def front_deviation(metrics: PostureMetrics, baseline: Baseline) -> FrontDeviation | None:
    """The deviations of a front-view frame, or None when the frame or the baseline
    lacks the front-view numbers."""
    m = metrics
    if (
        m.view != "front"
        or m.face_size is None
        or m.nose_level_fw is None
        or m.shoulder_level_fw is None
        or m.ear_height_fw is None
        or m.nose_height_fw is None
        or m.shoulder_width_fw is None
        or not has_front_baseline(baseline)
    ):
        return None
    c = baseline.centre
    ear0, nose0, width0 = c("ear_height_fw"), c("nose_height_fw"), c("shoulder_width_fw")
    if ear0 <= 0 or nose0 <= 0 or width0 <= 0 or m.face_size <= 0:
        return None
    # The calibrated sitting is NEUTRAL_NECK_DEG forward: that fixes the person's
    # own neck length from the ear height and, with the nose's typical offset from
    # the ears, the radius on which the nose turns about the shoulder line.
    neutral = math.radians(NEUTRAL_NECK_DEG)
    _, alpha = nose_geometry(ear0 / math.cos(neutral))
    radius = nose0 / math.cos(neutral + math.radians(alpha))
    head = neck_angle_from_nose(m.nose_height_fw, radius, alpha) - NEUTRAL_NECK_DEG
    pitch = m.head_pitch_deg - c("head_pitch_deg")
    tip_fw = NOSE_AHEAD_FW * math.sin(math.radians(max(0.0, min(90.0, pitch))))
    untipped = neck_angle_from_nose(m.nose_height_fw + tip_fw, radius, alpha) - NEUTRAL_NECK_DEG
    head_drop = m.nose_level_fw - c("nose_level_fw")
    shoulder_drop = m.shoulder_level_fw - c("shoulder_level_fw")
    # Shoulders rising toward the ears count only beyond the head's own rise (sitting
    # up or a camera tilt move both); the forward part of rounding is depth, unseen.
    rise = -shoulder_drop - max(0.0, -head_drop)
    inward = (width0 - m.shoulder_width_fw) / 2
    rounding = rounding_angle(rise, inward)
    # Nearer: the head's distance is Z0 * F0 / F; the forward shift over the ear-to-hip
    # length is the lean.
    forward_cm = 0.0
    if baseline.has("distance_cm"):
        forward_cm = c("distance_cm") * (1.0 - c("face_size") / m.face_size)
    lean_in = math.degrees(math.asin(max(-1.0, min(1.0, forward_cm / EAR_TO_HIP_CM))))
    return FrontDeviation(
        head_forward_deg=head,
        shoulder_rounding_deg=rounding,
        neck_ratio=m.ear_height_fw / ear0,
        head_drop_fw=head_drop,
        ear_drop_fw=shoulder_drop - (m.ear_height_fw - ear0),
        shoulder_drop_fw=shoulder_drop,
        pitch_deg=pitch,
        lean_in_deg=lean_in,
        untipped_head_forward_deg=untipped,
    )


def neck_deg_from_ratio(neck_ratio: float) -> float:
    """The neck's change of inclination (degrees) that lowers the ears to `neck_ratio`
    of their calibrated height: h = L cos(theta). Blind to direction."""
    return acos_ext_deg(neck_ratio * math.cos(math.radians(NEUTRAL_NECK_DEG))) - NEUTRAL_NECK_DEG
