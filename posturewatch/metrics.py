"""Posture numbers from one frame's landmarks: pure geometry, no pixels, no clock.

Why pure: the same numbers must come out of a live camera, a video, a folder of
photos and a landmark recording, and be testable against the simulator whose
true angles are known. docs/metrics.md explains each number for a reader who
knows posture rather than code.

Image landmarks are normalised to the frame's width and height, so they are turned
into pixels before any angle is taken (a 16:9 frame would otherwise bend every
angle). World landmarks (metres, origin between the hips, camera-aligned axes)
carry the depth a front camera cannot see directly.

Front-view angles are measured against the camera's own vertical: a camera tilted
up by 10 degrees reads the neck 10 degrees further back. Nothing in the landmarks
tells which way gravity points, so the calibrated baseline absorbs the tilt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from posturewatch.types import LM, Observation, PostureMetrics, View

Arr = npt.NDArray[np.float64]

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

VISIBLE = 0.5
"""Visibility above which MediaPipe's point is taken as seen, not guessed."""


@dataclass(frozen=True)
class MetricsSettings:
    """What the metrics assume about the camera and how sure a point must be."""

    camera_hfov_deg: float = 70.0
    """Horizontal field of view of the webcam; only the rough distance and the
    head-angle correction for an off-centre face use it (typical webcams: 60-78)."""
    min_visibility: float = 0.3
    """Below this a landmark is missing: shoulders or ears missing give no metrics."""

    def __post_init__(self) -> None:
        if not 20.0 <= self.camera_hfov_deg <= 140.0:
            raise ValueError(f"camera_hfov_deg: {self.camera_hfov_deg} is outside 20..140")
        if not 0.0 <= self.min_visibility < 1.0:
            raise ValueError(f"min_visibility: {self.min_visibility} is outside 0..1")


DEFAULT_SETTINGS = MetricsSettings()


class _Points(NamedTuple):
    """One pose as arrays: pixels, visibility, 3D points, and the frame size."""

    px: Arr
    """(33, 2) image landmarks in pixels."""
    vis: Arr
    xyz: Arr
    """(33, 3) world landmarks in metres, or image x, y, z scaled to pixels when the
    pose has no world landmarks (angles are unit-free, so either serves)."""
    metric: bool
    width: int
    height: int

    def seen(self, i: int, threshold: float = VISIBLE) -> bool:
        return bool(self.vis[i] >= threshold)

    def inside(self, i: int, margin: float = 0.0) -> bool:
        x, y = self.px[i]
        m = margin * min(self.width, self.height)
        return bool(-m <= x <= self.width + m and -m <= y <= self.height + m)


def _points(obs: Observation) -> _Points | None:
    if obs.pose is None or len(obs.pose.image) < 25 or obs.width <= 0 or obs.height <= 0:
        return None
    image = np.array([(p.x, p.y, p.z, p.visibility) for p in obs.pose.image], dtype=float)
    if not np.all(np.isfinite(image)):
        return None
    px = image[:, :2] * np.array([obs.width, obs.height])
    world = obs.pose.world
    if world is not None and len(world) == len(obs.pose.image):
        xyz = np.array([(p.x, p.y, p.z) for p in world], dtype=float)
        metric = bool(np.all(np.isfinite(xyz)))
    else:
        metric = False
    if not metric:
        xyz = np.column_stack([px, image[:, 2] * obs.width])
    return _Points(px, np.clip(image[:, 3], 0.0, 1.0), xyz, metric, obs.width, obs.height)


def _deg(rad: float) -> float:
    return math.degrees(rad)


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
    dx, _, dz = p.xyz[LM.LEFT_SHOULDER] - p.xyz[LM.RIGHT_SHOULDER]
    return "side" if abs(dz) > abs(dx) else "front"


def _shoulder_to_neck_ratio(p: _Points) -> float:
    shoulders = float(np.linalg.norm(p.px[LM.LEFT_SHOULDER] - p.px[LM.RIGHT_SHOULDER]))
    ear_mid = (p.px[LM.LEFT_EAR] + p.px[LM.RIGHT_EAR]) / 2
    shoulder_mid = (p.px[LM.LEFT_SHOULDER] + p.px[LM.RIGHT_SHOULDER]) / 2
    neck = float(np.linalg.norm(ear_mid - shoulder_mid))
    return shoulders / max(neck, 1e-6)


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
    p: _Points, ear_mid: Arr, face_width_px: float, settings: MetricsSettings
) -> tuple[float, float, float]:
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
    # Plain floats: this runs on every frame and numpy is slow on 2-vectors.
    px = {i: (float(p.px[i, 0]) - cx, float(p.px[i, 1]) - cy) for i in _FACE_POINTS}
    eye_mid = (
        (px[LM.LEFT_EYE][0] + px[LM.RIGHT_EYE][0]) / 2,
        (px[LM.LEFT_EYE][1] + px[LM.RIGHT_EYE][1]) / 2,
    )
    ear_mid_c = (float(ear_mid[0]) - cx, float(ear_mid[1]) - cy)
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


def _forward_axis(p: _Points) -> Arr:
    """Unit vector (x, z) of the body's forward direction in the camera's horizontal
    plane, square to the shoulder line: a person sitting at an angle to the camera
    still leans "forward" along their own axis."""
    s = p.xyz[LM.LEFT_SHOULDER] - p.xyz[LM.RIGHT_SHOULDER]
    fwd = np.array([s[2], -s[0]])
    norm = float(np.linalg.norm(fwd))
    return fwd / norm if norm > 1e-9 else np.array([0.0, -1.0])


def _inclination(vector: Arr, forward: Arr) -> float:
    """Degrees from the camera's vertical of an upward 3D vector, + = forward."""
    ahead = vector[0] * forward[0] + vector[2] * forward[1]
    return _deg(math.atan2(ahead, -vector[1]))


def _front_metrics(p: _Points, settings: MetricsSettings) -> PostureMetrics | None:
    shoulders = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    ears = [i for i in (LM.LEFT_EAR, LM.RIGHT_EAR) if p.vis[i] >= settings.min_visibility]
    if not _ok(p, shoulders, settings) or not ears or not _ok(p, (LM.NOSE,), settings):
        return None
    both_ears = len(ears) == 2
    ear_mid_px = (p.px[LM.LEFT_EAR] + p.px[LM.RIGHT_EAR]) / 2 if both_ears else p.px[ears[0]]
    ear_mid_3d = (p.xyz[LM.LEFT_EAR] + p.xyz[LM.RIGHT_EAR]) / 2 if both_ears else p.xyz[ears[0]]
    shoulder_mid_px = (p.px[LM.LEFT_SHOULDER] + p.px[LM.RIGHT_SHOULDER]) / 2
    shoulder_mid_3d = (p.xyz[LM.LEFT_SHOULDER] + p.xyz[LM.RIGHT_SHOULDER]) / 2
    hip_mid_3d = (p.xyz[LM.LEFT_HIP] + p.xyz[LM.RIGHT_HIP]) / 2

    ear_width_px = float(np.linalg.norm(p.px[LM.LEFT_EAR] - p.px[LM.RIGHT_EAR]))
    eye_width_px = float(np.linalg.norm(p.px[LM.LEFT_EYE] - p.px[LM.RIGHT_EYE]))
    face_width_px = ear_width_px if both_ears else eye_width_px * EAR_WIDTH_M / EYE_SPACING_M
    if face_width_px < 2.0:
        return None
    yaw, pitch, roll = _head_angles(p, ear_mid_px, face_width_px, settings)

    forward = _forward_axis(p)
    head_forward = _inclination(ear_mid_3d - shoulder_mid_3d, forward)
    shoulder_rounding = _inclination(shoulder_mid_3d - hip_mid_3d, forward)

    hips_seen = all(p.seen(i) and p.inside(i) for i in (LM.LEFT_HIP, LM.RIGHT_HIP))
    if hips_seen:
        hip_mid_px = (p.px[LM.LEFT_HIP] + p.px[LM.RIGHT_HIP]) / 2
        trunk = shoulder_mid_px - hip_mid_px
        lean = _deg(math.atan2(trunk[0], -trunk[1]))
    else:
        line = p.px[LM.LEFT_SHOULDER] - p.px[LM.RIGHT_SHOULDER]
        lean = _deg(math.atan2(line[1], line[0]))

    shoulder_width_px = float(np.linalg.norm(p.px[LM.LEFT_SHOULDER] - p.px[LM.RIGHT_SHOULDER]))
    diagonal = math.hypot(p.width, p.height)

    distance_cm: float | None = None
    if abs(yaw) < 60:
        f = _focal_px(p, settings)
        cos_yaw = math.cos(math.radians(yaw))
        estimates = [f * EAR_WIDTH_M * cos_yaw / face_width_px]
        if p.seen(LM.LEFT_EYE) and p.seen(LM.RIGHT_EYE) and eye_width_px > 2:
            estimates.append(f * EYE_SPACING_M * cos_yaw / eye_width_px)
        head_distance = float(np.mean(estimates))
        # The shoulders sit behind the head by the neck's forward reach.
        reach = 0.0
        if p.metric:
            vec = ear_mid_3d - shoulder_mid_3d
            reach = max(0.0, -(vec[0] * forward[0] + vec[2] * forward[1]))
        distance_cm = 100.0 * (head_distance + reach)

    used = (*shoulders, LM.LEFT_EAR, LM.RIGHT_EAR, LM.NOSE)
    sanity = 1.0
    if shoulder_mid_px[1] <= ear_mid_px[1]:
        sanity *= 0.2  # ears below the shoulders: not a seated person facing us
    width_ratio = shoulder_width_px / face_width_px
    if not 1.2 <= width_ratio <= 6.0:
        sanity *= 0.3
    if p.metric:
        neck = float(np.linalg.norm(ear_mid_3d - shoulder_mid_3d))
        if not 0.08 <= neck <= 0.45:
            sanity *= 0.5
    if not both_ears:
        sanity *= 0.5
    quality = _quality(p, used, sanity)

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
        center_x=float(shoulder_mid_px[0] / p.width),
        center_y=float(shoulder_mid_px[1] / p.height),
        quality=quality,
    )


def _quality(p: _Points, used: tuple[int, ...], sanity: float) -> float:
    """Mean visibility of the points used, times the share of them inside the frame,
    times the geometric sanity factor."""
    visibility = float(np.mean([p.vis[i] for i in used]))
    inside = float(np.mean([p.inside(i, 0.02) for i in used]))
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
    depth_left = p.xyz[LM.LEFT_EAR, 2] + p.xyz[LM.LEFT_SHOULDER, 2]
    depth_right = p.xyz[LM.RIGHT_EAR, 2] + p.xyz[LM.RIGHT_SHOULDER, 2]
    return left if depth_left <= depth_right else right


def _side_metrics(p: _Points, settings: MetricsSettings) -> PostureMetrics | None:
    ear, shoulder, hip = _near_side(p)
    if not _ok(p, (ear, shoulder, LM.NOSE), settings):
        return None
    # Facing direction: the nose is ahead of the ear.
    ahead = p.px[LM.NOSE, 0] - p.px[ear, 0]
    facing = 1.0 if ahead >= 0 else -1.0

    neck = p.px[ear] - p.px[shoulder]
    head_forward = _deg(math.atan2(facing * neck[0], -neck[1]))

    hip_seen = p.seen(hip) and p.inside(hip)
    if hip_seen:
        trunk = p.px[shoulder] - p.px[hip]
        trunk_deg = _deg(math.atan2(facing * trunk[0], -trunk[1]))
        trunk_px = float(np.linalg.norm(p.px[ear] - p.px[hip]))
    else:
        # The hip is under a desk or out of frame: MediaPipe's world landmarks still
        # place it (origin between the hips), with less certainty.
        hip_mid = (p.xyz[LM.LEFT_HIP] + p.xyz[LM.RIGHT_HIP]) / 2
        trunk3 = p.xyz[shoulder] - hip_mid
        trunk_deg = _deg(math.atan2(facing * trunk3[0], -trunk3[1]))
        neck3 = float(np.linalg.norm((p.xyz[ear] - p.xyz[shoulder])[:2]))
        px_per_unit = float(np.linalg.norm(neck)) / max(neck3, 1e-9)
        trunk_px = float(np.linalg.norm((p.xyz[ear] - hip_mid)[:2])) * px_per_unit

    nose_vec = p.px[LM.NOSE] - p.px[ear]
    level_nose = _deg(math.atan2(NOSE_BELOW_EARS_M, NOSE_FORWARD_M))
    pitch = _deg(math.atan2(nose_vec[1], facing * nose_vec[0])) - level_nose

    f = _focal_px(p, settings)
    distance_cm = 100.0 * f * EAR_TO_HIP_M / trunk_px if trunk_px > 2 else None
    shoulder_mid_px = (p.px[LM.LEFT_SHOULDER] + p.px[LM.RIGHT_SHOULDER]) / 2

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
        center_x=float(shoulder_mid_px[0] / p.width),
        center_y=float(shoulder_mid_px[1] / p.height),
        quality=_quality(p, used, sanity),
    )
