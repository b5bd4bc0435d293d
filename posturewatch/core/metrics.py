"""Posture numbers from one frame's landmarks: pure geometry, no pixels, no clock.

Why pure: the same numbers must come out of a live camera, a video, a folder of
photos and a landmark recording, and be testable against the simulator whose
true angles are known. docs/metrics.md explains each number for a reader who
knows posture rather than code.

Image landmarks are normalised to the frame's width and height, so they are turned
into pixels before any angle is taken (a 16:9 frame would otherwise bend every
angle).

Front view: only what a webcam reliably shows is used: heights in the picture of
the nose, the ears and the shoulder line, the face's size and the shoulders'
width, all in face widths. The model's depth (z, world landmarks) is not used: on
real frames it does not tell upright from slouched (AUC about 0.5, see
calibration/README.md). Heights are measured along the picture's vertical: a
camera tilted up or down shifts them, and the calibrated baseline absorbs that.

Plain floats throughout, not numpy: this runs on every frame (28,800 times for an
8-hour replay) and numpy is slow on 2- and 3-vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from posturewatch.core.types import LM, Observation, PostureMetrics, View

Vec2 = tuple[float, float]
Vec3 = tuple[float, float, float]

# Typical adult head geometry, used only where an image size must become a length
# or an angle. Person-to-person spread (about 5-8 %) shows as a constant offset
# that calibration removes.
EAR_WIDTH_M = 0.145
"""Tragus to tragus."""
EYE_SPACING_M = 0.063
NOSE_FORWARD_M = 0.115
"""Nose tip ahead of the ear line; the nose tip sits 1.5 cm below the ears."""
NOSE_BELOW_EARS_M = 0.015
EYES_FORWARD_M = 0.085
EYES_ABOVE_EARS_M = 0.025
EAR_TO_HIP_M = 0.70
"""Ear to hip of an upright seated adult, for a rough side-view distance."""

_FACE_POINTS = (LM.NOSE, LM.LEFT_EYE, LM.RIGHT_EYE, LM.LEFT_EAR, LM.RIGHT_EAR)
"""The points the head angles are read from."""

VISIBLE = 0.5
"""Visibility above which MediaPipe's point is taken as seen, not guessed."""


@dataclass(frozen=True)
class MetricsSettings:
    """What the metrics assume about the camera and how sure a point must be."""

    camera_hfov_deg: float = 70.0
    """Horizontal field of view of the webcam; the rough distance, the perspective
    reading of the neck's depth and the head-angle correction for an off-centre face
    use it (typical webcams: 60-78)."""
    min_visibility: float = 0.3
    """Below this a landmark is missing: shoulders or ears missing give no metrics."""

    def __post_init__(self) -> None:
        if not 20.0 <= self.camera_hfov_deg <= 140.0:
            raise ValueError(f"camera_hfov_deg: {self.camera_hfov_deg} is outside 20..140")
        if not 0.0 <= self.min_visibility < 1.0:
            raise ValueError(f"min_visibility: {self.min_visibility} is outside 0..1")


DEFAULT_SETTINGS = MetricsSettings()


class _Points(NamedTuple):
    """One pose as plain lists: pixels, visibility, 3D points, and the frame size."""

    px: list[Vec2]
    """33 image landmarks in pixels."""
    vis: list[float]
    xyz: list[Vec3]
    """33 world landmarks in metres, or image x, y, z scaled to pixels when the pose
    has no world landmarks (angles are unit-free, so either serves)."""
    metric: bool
    width: int
    height: int

    def seen(self, i: int, threshold: float = VISIBLE) -> bool:
        return self.vis[i] >= threshold

    def inside(self, i: int, margin: float = 0.0) -> bool:
        x, y = self.px[i]
        m = margin * min(self.width, self.height)
        return -m <= x <= self.width + m and -m <= y <= self.height + m


def _points(obs: Observation) -> _Points | None:
    if obs.pose is None or len(obs.pose.image) < 25 or obs.width <= 0 or obs.height <= 0:
        return None
    image = obs.pose.image
    # One sum finds any NaN or infinity (they survive addition).
    if not math.isfinite(sum(p.x + p.y + p.z + p.visibility for p in image)):
        return None
    w, h = obs.width, obs.height
    px = [(p.x * w, p.y * h) for p in image]
    vis = [min(1.0, max(0.0, p.visibility)) for p in image]
    world = obs.pose.world
    metric = (
        world is not None
        and len(world) == len(image)
        and math.isfinite(sum(p.x + p.y + p.z for p in world))
    )
    if world is not None and metric:
        xyz = [(p.x, p.y, p.z) for p in world]
    else:
        xyz = [(x, y, p.z * w) for (x, y), p in zip(px, image, strict=True)]
    return _Points(px, vis, xyz, metric, w, h)


def _deg(rad: float) -> float:
    return math.degrees(rad)


def _mid2(a: Vec2, b: Vec2) -> Vec2:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _mid3(a: Vec3, b: Vec3) -> Vec3:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2)


def _sub3(a: Vec3, b: Vec3) -> Vec3:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _dist2(a: Vec2, b: Vec2) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _ok(p: _Points, indices: tuple[int, ...], settings: MetricsSettings) -> bool:
    return all(p.vis[i] >= settings.min_visibility for i in indices)


def detect_view(obs: Observation) -> View:
    """Front or side, from how wide the shoulders look against the neck.

    Seen from the front the shoulders are about twice as wide as the ear-to-shoulder
    height; seen from the side they nearly overlap. Where the image is ambiguous
    (camera at 20-40 degrees to the side) the world landmarks break the tie: the
    shoulder line then runs mostly along the depth axis. No pose: "front", the usual
    desk camera."""
    p = _points(obs)
    return "front" if p is None else _view_of(p)


def _view_of(p: _Points) -> View:
    ratio = _shoulder_to_neck_ratio(p)
    if ratio < 0.6:
        return "side"
    if ratio > 1.1 or not p.metric:
        return "front" if ratio >= 0.8 else "side"
    dx, _, dz = _sub3(p.xyz[LM.LEFT_SHOULDER], p.xyz[LM.RIGHT_SHOULDER])
    return "side" if abs(dz) > abs(dx) else "front"


def _shoulder_to_neck_ratio(p: _Points) -> float:
    shoulders = _dist2(p.px[LM.LEFT_SHOULDER], p.px[LM.RIGHT_SHOULDER])
    ear_mid = _mid2(p.px[LM.LEFT_EAR], p.px[LM.RIGHT_EAR])
    shoulder_mid = _mid2(p.px[LM.LEFT_SHOULDER], p.px[LM.RIGHT_SHOULDER])
    return shoulders / max(_dist2(ear_mid, shoulder_mid), 1e-6)


def compute_metrics(
    obs: Observation, view: View | None = None, settings: MetricsSettings | None = None
) -> PostureMetrics | None:
    """The posture numbers of one frame, or None when nobody is there or the
    shoulders or ears are missing. `view` None means detect it from the frame."""
    p = _points(obs)
    if p is None:
        return None
    settings = settings or DEFAULT_SETTINGS
    chosen = view or _view_of(p)
    if chosen == "side":
        return _side_metrics(p, settings)
    return _front_metrics(p, settings)


# --- front view -----------------------------------------------------------------


def _focal_px(p: _Points, settings: MetricsSettings) -> float:
    return (p.width / 2) / math.tan(math.radians(settings.camera_hfov_deg) / 2)


def _head_angles(
    p: _Points, ear_mid: Vec2, face_width_px: float, settings: MetricsSettings
) -> Vec3:
    """Yaw, pitch and roll of the head in degrees, relative to the camera's axes.

    Roll is the tilt of the ear and eye lines. Yaw and pitch come from where the
    nose and the eyes sit against the ear midpoint: they slide sideways as the
    head turns and drop as it tips down. At desk distance perspective matters: the
    face is nearer the camera than the ears (its offsets look larger), a turned
    head puts one ear nearer than the other, and a face off the optical axis is
    seen obliquely. A few fixed-point steps place each point at its depth, using
    typical face proportions, so the angles stay put when the person moves nearer
    or farther."""
    f = _focal_px(p, settings)
    cx, cy = p.width / 2, p.height / 2
    px = {i: (p.px[i][0] - cx, p.px[i][1] - cy) for i in _FACE_POINTS}
    eye_mid = _mid2(px[LM.LEFT_EYE], px[LM.RIGHT_EYE])
    ear_mid_c = (ear_mid[0] - cx, ear_mid[1] - cy)
    pair_weights = (
        min(p.vis[LM.LEFT_EAR], p.vis[LM.RIGHT_EAR]),
        0.5 * min(p.vis[LM.LEFT_EYE], p.vis[LM.RIGHT_EYE]),
    )
    yaw = pitch = roll = 0.0
    for _ in range(4):
        scale = EAR_WIDTH_M * max(math.cos(yaw), 0.2) / face_width_px  # depth / f
        cos_yaw, sin_yaw = math.cos(yaw), math.sin(yaw)

        # Roll from the ear and eye lines, each point back at its own depth.
        eyes_dz = -(EYES_FORWARD_M * math.cos(pitch) + EYES_ABOVE_EARS_M * math.sin(pitch))
        eyes_dz *= cos_yaw
        across_x = across_y = 0.0
        for (left, right, half, common), weight in zip(
            (
                (LM.LEFT_EAR, LM.RIGHT_EAR, EAR_WIDTH_M / 2, 0.0),
                (LM.LEFT_EYE, LM.RIGHT_EYE, EYE_SPACING_M / 2, eyes_dz),
            ),
            pair_weights,
            strict=True,
        ):
            lean = half * sin_yaw
            k_left = scale + (common + lean) / f
            k_right = scale + (common - lean) / f
            vx = px[left][0] * k_left - px[right][0] * k_right
            vy = px[left][1] * k_left - px[right][1] * k_right
            length = max(math.hypot(vx, vy), 1e-12)
            across_x += weight * vx / length
            across_y += weight * vy / length
        roll = math.atan2(across_y, across_x) if (across_x or across_y) else 0.0
        c, s = math.cos(roll), math.sin(roll)

        yaw_sum = pitch_sum = 0.0
        for (fx, fy), forward, up in (
            (px[LM.NOSE], NOSE_FORWARD_M, -NOSE_BELOW_EARS_M),
            (eye_mid, EYES_FORWARD_M, EYES_ABOVE_EARS_M),
        ):
            # Camera-frame offset of the feature from the ear midpoint (metres),
            # then turned back by the roll.
            reach = forward * math.cos(pitch) + up * math.sin(pitch)
            k = scale - reach * cos_yaw / f
            ox = fx * k - ear_mid_c[0] * scale
            oy = fy * k - ear_mid_c[1] * scale
            dx, dy = c * ox + s * oy, -s * ox + c * oy
            radius = math.hypot(forward, up)
            pitch_sum += math.asin(_clip(dy / radius)) + math.atan2(up, forward)
            yaw_sum += math.asin(_clip(dx / max(reach, 1e-3)))
        yaw, pitch = yaw_sum / 2, pitch_sum / 2
    return _deg(yaw), _deg(pitch), _deg(roll)


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, value))


# --- front view: what a webcam reliably shows ---------------------------------------
#
# Every length is in face widths (F): the ear-to-ear distance in the picture,
# corrected for a turned head. A length in face widths does not change as the
# person comes nearer or moves away, and a height measured from the image centre
# (the optical axis) in face widths is the height below the axis, which distance
# does not change either (pinhole camera). docs/metrics.md states the geometry,
# its assumptions and where it fails; calibration/real_data.py measures it.

NOSE_AHEAD_FW = NOSE_FORWARD_M / EAR_WIDTH_M
"""Nose tip ahead of the ear line, in face widths (0.79): how far the nose slides
off the ear midpoint per unit of sin(yaw), and the rigid head's nose offset."""
NOSE_BELOW_FW = NOSE_BELOW_EARS_M / EAR_WIDTH_M
EYE_OUTER_TO_EAR = 0.73
"""Outer eye corners' spacing over the ears' spacing in MediaPipe's landmarks
(0.72-0.77 on three sources); used only when an ear is not seen."""
EYES_ABOVE_EARS_FW = EYES_ABOVE_EARS_M / EAR_WIDTH_M
NECK_FW = 1.50
"""Height of the tragus over the shoulder joints' centre line with the neck upright,
in face widths (about 22 cm, adult average): only the uncalibrated angle uses it;
a calibration replaces it with the person's own."""
SHOULDER_WIDTH_FW = 2.4
"""Shoulder joint to shoulder joint seen square on, in face widths (about 35 cm),
for the uncalibrated shoulder reading only."""
NECK_M = NECK_FW * EAR_WIDTH_M
"""The same neck in metres: the shoulders' depth behind the ears is NECK_M sin(theta)."""
SHOULDERS_BEHIND_M = NECK_M * math.sin(math.radians(12.0))
"""How far the shoulder joints sit behind the ears (4.5 cm): an upright neck, 12
degrees forward. Fixed, not read from the frame: a depth taken from the measured
neck angle feeds back into that angle and amplifies its noise, and an uncalibrated
angle is off by the person's build (docs/metrics.md)."""
MIN_DEPTH_M = 0.2
"""Nearest head distance the perspective correction believes (a face filling the frame)."""
CLAVICLE_FW = 1.03
"""Sternoclavicular joint to shoulder joint (about 15 cm): rounded shoulders swing
the shoulder joints up and in about the breastbone on this radius."""


def picture_levels(m: PostureMetrics) -> tuple[float, float]:
    """Nose and shoulder line below the image centre as the picture shows them (face
    widths, before the perspective correction), for a front-view metrics record: a
    tilted camera moves every point of the picture by the same angle, so these move
    alike, while the corrected heights move with each point's depth."""
    if m.nose_level_fw is None or m.shoulder_level_fw is None or not m.distance_cm:
        return (m.nose_level_fw or 0.0, m.shoulder_level_fw or 0.0)
    inv_z = 1.0 / max(m.distance_cm / 100.0, MIN_DEPTH_M)
    cos_yaw = math.cos(math.radians(m.head_yaw_deg))
    nearer = max(1e-3, 1.0 - NOSE_FORWARD_M * cos_yaw * inv_z)
    return m.nose_level_fw / nearer, m.shoulder_level_fw / (1.0 + SHOULDERS_BEHIND_M * inv_z)


def acos_ext_deg(x: float) -> float:
    """acos in degrees, continued past 1 by odd reflection (-acos(2 - x)): a head
    higher than the neck's length allows reads as a negative (backward) angle rather
    than being clipped at 0, so the reading keeps its order (not geometry there)."""
    if x > 1.0:
        return -math.degrees(math.acos(max(-1.0, 2.0 - x)))
    return math.degrees(math.acos(max(-1.0, x)))


def nose_geometry(neck_fw: float) -> tuple[float, float]:
    """Shoulder-line-to-nose distance (F) and its angle ahead of the neck line
    (degrees) for a neck of `neck_fw`, the head rigid on the neck."""
    up = neck_fw - NOSE_BELOW_FW
    return math.hypot(up, NOSE_AHEAD_FW), math.degrees(math.atan2(NOSE_AHEAD_FW, up))


def neck_angle_from_nose(nose_height_fw: float, radius_fw: float, alpha_deg: float) -> float:
    """Forward inclination of the neck (degrees) from the nose's height over the
    shoulder line: h = R cos(theta + alpha), so theta = acos(h / R) - alpha."""
    return acos_ext_deg(nose_height_fw / radius_fw) - alpha_deg


def rounding_angle(rise_fw: float, inward_fw: float) -> float:
    """Degrees the clavicles have swung up and in about the breastbone, from how far
    the shoulder joints moved toward the ears (rise) and toward the midline (inward),
    face widths; movements the other way count as none."""
    reach = math.hypot(max(0.0, rise_fw), max(0.0, inward_fw))
    return math.degrees(math.asin(_clip(reach / CLAVICLE_FW)))


_UPRIGHT_NOSE = nose_geometry(NECK_FW)


def _front_metrics(p: _Points, settings: MetricsSettings) -> PostureMetrics | None:
    least = settings.min_visibility
    if not _ok(p, (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.NOSE), settings):
        return None
    px = p.px
    both_ears = p.vis[LM.LEFT_EAR] >= least and p.vis[LM.RIGHT_EAR] >= least
    if both_ears:
        (lx, ly), (rx, ry) = px[LM.LEFT_EAR], px[LM.RIGHT_EAR]
        ear_width_px = math.hypot(lx - rx, ly - ry)
        ear_mid = ((lx + rx) / 2, (ly + ry) / 2)
    elif _ok(p, (LM.LEFT_EYE_OUTER, LM.RIGHT_EYE_OUTER), settings):
        # An ear hidden (a turned head): the outer eye corners stand in, stepped back
        # down to ear level.
        (lx, ly), (rx, ry) = px[LM.LEFT_EYE_OUTER], px[LM.RIGHT_EYE_OUTER]
        ear_width_px = math.hypot(lx - rx, ly - ry) / EYE_OUTER_TO_EAR
        ear_mid = ((lx + rx) / 2, (ly + ry) / 2 + EYES_ABOVE_EARS_FW * ear_width_px)
    else:
        return None
    if ear_width_px < 2.0:
        return None
    line_x, line_y = (lx - rx) / ear_width_px, (ly - ry) / ear_width_px
    if not both_ears:
        line_x, line_y = line_x * EYE_OUTER_TO_EAR, line_y * EYE_OUTER_TO_EAR
    nose = px[LM.NOSE]
    # The nose slides along the ear line by NOSE_AHEAD_FW * sin(yaw) face widths
    # while the ears close up by cos(yaw): together they give the face width.
    side = (nose[0] - ear_mid[0]) * line_x + (nose[1] - ear_mid[1]) * line_y
    face = math.hypot(ear_width_px, side / NOSE_AHEAD_FW)
    # The nose tip is nearer than the ears, so its sideways offset looks larger by
    # Z / (Z - d): one step back to the ears' depth.
    focal = _focal_px(p, settings)
    nearer = 1.0 - NOSE_FORWARD_M * (ear_width_px / face) * face / (focal * EAR_WIDTH_M)
    face = math.hypot(ear_width_px, side * max(0.0, nearer) / NOSE_AHEAD_FW)

    (lsx, lsy), (rsx, rsy) = px[LM.LEFT_SHOULDER], px[LM.RIGHT_SHOULDER]
    shoulder_mid = ((lsx + rsx) / 2, (lsy + rsy) / 2)
    shoulder_width_px = math.hypot(lsx - rsx, lsy - rsy)
    centre_y = p.height / 2
    head_distance_m = focal * EAR_WIDTH_M / face
    # Perspective: a point nearer or farther than the ears shows its offset from the
    # optical axis larger or smaller by Z / Z_point, while F is the ears' scale. Each
    # height is brought to the ears' depth Z (from the face's size and the configured
    # field of view): the nose tip sits NOSE_FORWARD_M nearer (times cos yaw), the
    # shoulder joints SHOULDERS_BEHIND_M behind. Then a height is the point's height
    # in the camera's frame, in face widths, whatever the distance.
    inv_z = 1.0 / max(head_distance_m, MIN_DEPTH_M)
    cos_yaw = min(1.0, ear_width_px / face)
    nose_level = (nose[1] - centre_y) / face * max(0.0, 1.0 - NOSE_FORWARD_M * cos_yaw * inv_z)
    farther = 1.0 + SHOULDERS_BEHIND_M * inv_z
    shoulder_level = (shoulder_mid[1] - centre_y) / face * farther
    radius, alpha = _UPRIGHT_NOSE
    ear_level = (ear_mid[1] - centre_y) / face
    ear_height = shoulder_level - ear_level
    nose_height = shoulder_level - nose_level
    shoulder_width = shoulder_width_px * farther / face
    head_forward = neck_angle_from_nose(nose_height, radius, alpha)

    yaw, pitch, roll = _head_angles(p, ear_mid, ear_width_px, settings)
    # Uncalibrated, only the narrowing against typical shoulders (signed, + = narrower);
    # the calibrated reading (core/front.py) also counts the shoulders' rise.
    inward = (SHOULDER_WIDTH_FW - shoulder_width) / 2
    shoulder_rounding = math.degrees(math.asin(_clip(inward / CLAVICLE_FW)))

    hips_seen = all(p.seen(i) and p.inside(i) for i in (LM.LEFT_HIP, LM.RIGHT_HIP))
    if hips_seen:
        hip_mid = _mid2(px[LM.LEFT_HIP], px[LM.RIGHT_HIP])
        lean = _deg(math.atan2(shoulder_mid[0] - hip_mid[0], hip_mid[1] - shoulder_mid[1]))
    else:
        lean = _deg(math.atan2(lsy - rsy, lsx - rsx))

    diagonal = math.hypot(p.width, p.height)
    distance_cm = 100.0 * head_distance_m

    used = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_EAR, LM.RIGHT_EAR, LM.NOSE)
    sanity = 1.0
    if ear_height <= 0.0:
        sanity *= 0.2  # ears below the shoulders: not a seated person facing us
    elif ear_height <= 0.2:
        sanity *= 0.3
    if not 1.2 <= shoulder_width <= 6.0:
        sanity *= 0.3
    if not both_ears:
        sanity *= 0.5
    return PostureMetrics(
        view="front",
        head_forward_deg=head_forward,
        shoulder_rounding_deg=shoulder_rounding,
        lean_deg=lean,
        head_yaw_deg=yaw,
        head_pitch_deg=pitch,
        head_roll_deg=roll,
        scale=shoulder_width_px / diagonal,
        distance_cm=distance_cm,
        center_x=shoulder_mid[0] / p.width,
        center_y=shoulder_mid[1] / p.height,
        quality=_quality(p, used, sanity),
        face_size=face / diagonal,
        nose_level_fw=nose_level,
        shoulder_level_fw=shoulder_level,
        ear_height_fw=ear_height,
        nose_height_fw=nose_height,
        shoulder_width_fw=shoulder_width,
    )


def _quality(p: _Points, used: tuple[int, ...], sanity: float) -> float:
    """Mean visibility of the points used, times the share of them inside the frame,
    times the geometric sanity factor."""
    visibility = sum(p.vis[i] for i in used) / len(used)
    inside = sum(p.inside(i, 0.02) for i in used) / len(used)
    return max(0.0, min(1.0, visibility * inside * sanity))


# --- side view ------------------------------------------------------------------


def _near_side(p: _Points) -> tuple[int, int, int]:
    """Ear, shoulder and hip of the side nearer the camera: the better-seen one, or,
    when MediaPipe is equally sure of both (it often is), the one with smaller z."""
    left = (LM.LEFT_EAR, LM.LEFT_SHOULDER, LM.LEFT_HIP)
    right = (LM.RIGHT_EAR, LM.RIGHT_SHOULDER, LM.RIGHT_HIP)
    score_left = p.vis[LM.LEFT_EAR] + p.vis[LM.LEFT_SHOULDER]
    score_right = p.vis[LM.RIGHT_EAR] + p.vis[LM.RIGHT_SHOULDER]
    if abs(score_left - score_right) > 0.2:
        return left if score_left > score_right else right
    depth_left = p.xyz[LM.LEFT_EAR][2] + p.xyz[LM.LEFT_SHOULDER][2]
    depth_right = p.xyz[LM.RIGHT_EAR][2] + p.xyz[LM.RIGHT_SHOULDER][2]
    return left if depth_left <= depth_right else right


def _side_metrics(p: _Points, settings: MetricsSettings) -> PostureMetrics | None:
    ear, shoulder, hip = _near_side(p)
    if not _ok(p, (ear, shoulder, LM.NOSE), settings):
        return None
    # Facing direction: the nose is ahead of the ear.
    facing = 1.0 if p.px[LM.NOSE][0] - p.px[ear][0] >= 0 else -1.0

    neck = (p.px[ear][0] - p.px[shoulder][0], p.px[ear][1] - p.px[shoulder][1])
    head_forward = _deg(math.atan2(facing * neck[0], -neck[1]))

    hip_seen = p.seen(hip) and p.inside(hip)
    if hip_seen:
        trunk = (p.px[shoulder][0] - p.px[hip][0], p.px[shoulder][1] - p.px[hip][1])
        trunk_deg = _deg(math.atan2(facing * trunk[0], -trunk[1]))
        trunk_px = _dist2(p.px[ear], p.px[hip])
    else:
        # The hip is under a desk or out of frame: MediaPipe's world landmarks still
        # place it (origin between the hips), with less certainty.
        hip_mid = _mid3(p.xyz[LM.LEFT_HIP], p.xyz[LM.RIGHT_HIP])
        trunk3 = _sub3(p.xyz[shoulder], hip_mid)
        trunk_deg = _deg(math.atan2(facing * trunk3[0], -trunk3[1]))
        ear3 = p.xyz[ear]
        neck3 = _dist2((ear3[0], ear3[1]), (p.xyz[shoulder][0], p.xyz[shoulder][1]))
        px_per_unit = math.hypot(*neck) / max(neck3, 1e-9)
        trunk_px = _dist2((ear3[0], ear3[1]), (hip_mid[0], hip_mid[1])) * px_per_unit

    nose_x = p.px[LM.NOSE][0] - p.px[ear][0]
    nose_y = p.px[LM.NOSE][1] - p.px[ear][1]
    level_nose = _deg(math.atan2(NOSE_BELOW_EARS_M, NOSE_FORWARD_M))
    pitch = _deg(math.atan2(nose_y, facing * nose_x)) - level_nose

    f = _focal_px(p, settings)
    distance_cm = 100.0 * f * EAR_TO_HIP_M / trunk_px if trunk_px > 2 else None
    # Where the person sits, for the person lock and setup-change detection: from the
    # side, slouching carries the shoulders forward by a hand's breadth or more, but
    # the seated hip stays put, so it is the anchor when seen.
    # With the hip out of frame the shoulders stand in (placing the hip from the
    # model's depth jitters by more than a calibration allows); a deep slouch may
    # then read as a moved camera (docs/metrics.md, failure cases).
    anchor = p.px[hip] if hip_seen else _mid2(p.px[LM.LEFT_SHOULDER], p.px[LM.RIGHT_SHOULDER])

    used: tuple[int, ...] = (ear, shoulder, LM.NOSE, hip) if hip_seen else (ear, shoulder, LM.NOSE)
    sanity = 1.0
    if neck[1] >= 0:
        sanity *= 0.2  # ear not above the shoulder
    if not hip_seen:
        sanity *= 0.7
    return PostureMetrics(
        view="side",
        head_forward_deg=head_forward,
        shoulder_rounding_deg=trunk_deg,
        lean_deg=trunk_deg,
        head_yaw_deg=0.0,
        head_pitch_deg=pitch,
        head_roll_deg=0.0,
        scale=trunk_px / math.hypot(p.width, p.height),
        distance_cm=distance_cm,
        center_x=anchor[0] / p.width,
        center_y=anchor[1] / p.height,
        quality=_quality(p, used, sanity),
    )
