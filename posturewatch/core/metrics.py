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

FACE_TEMPLATE_M: dict[int, Vec3] = {
    LM.NOSE: (0.0, -NOSE_BELOW_EARS_M, NOSE_FORWARD_M),
    LM.LEFT_EYE_INNER: (0.016, EYES_ABOVE_EARS_M, 0.088),
    LM.LEFT_EYE: (EYE_SPACING_M / 2, EYES_ABOVE_EARS_M, EYES_FORWARD_M),
    LM.LEFT_EYE_OUTER: (0.046, EYES_ABOVE_EARS_M, 0.073),
    LM.RIGHT_EYE_INNER: (-0.016, EYES_ABOVE_EARS_M, 0.088),
    LM.RIGHT_EYE: (-EYE_SPACING_M / 2, EYES_ABOVE_EARS_M, EYES_FORWARD_M),
    LM.RIGHT_EYE_OUTER: (-0.046, EYES_ABOVE_EARS_M, 0.073),
    LM.LEFT_EAR: (EAR_WIDTH_M / 2, 0.0, 0.0),
    LM.RIGHT_EAR: (-EAR_WIDTH_M / 2, 0.0, 0.0),
    LM.MOUTH_LEFT: (0.025, -0.05, 0.095),
    LM.MOUTH_RIGHT: (-0.025, -0.05, 0.095),
}
"""The 11 face landmarks relative to the ear centre (midpoint of the tragi), in the
head's own axes (toward the person's left, up, forward), metres: typical adult
proportions. The head is rigid, so once these offsets are turned by the head's yaw,
pitch and roll, each landmark is a separate reading of where the ear centre is."""

# How far MediaPipe's answers stray (1 sd per frame). Used only to weigh two
# estimates of the neck's depth against each other; docs/metrics.md gives the
# evidence, and the simulator's default noise uses the same figures.
DEPTH_NOISE_M = 0.03
"""World-landmark depth, per point."""
HEAD_DEPTH_NOISE_M = 0.015
"""World depth error shared by the whole head: averaging face points cannot remove it."""
XY_NOISE_M = 0.01
"""World-landmark x and y, per point."""
IMAGE_NOISE = 2.0 / 640
"""Image landmark position, as a fraction of the frame width."""
FACE_SIZE_SPREAD = 0.05
"""Person-to-person spread of face size around FACE_TEMPLATE_M (relative)."""
PERSPECTIVE_REF_M = 0.65
"""Distance at which the perspective reading of the neck's depth gets its full,
noise-based weight (see `_neck_vector`)."""

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


def _forward_axis(p: _Points) -> Vec2:
    """Unit vector (x, z) of the body's forward direction in the camera's horizontal
    plane, square to the shoulder line: a person sitting at an angle to the camera
    still leans "forward" along their own axis."""
    dx, _, dz = _sub3(p.xyz[LM.LEFT_SHOULDER], p.xyz[LM.RIGHT_SHOULDER])
    norm = math.hypot(dx, dz)
    return (dz / norm, -dx / norm) if norm > 1e-9 else (0.0, -1.0)


def _inclination(vector: Vec3, forward: Vec2) -> float:
    """Degrees from the camera's vertical of an upward 3D vector, + = forward."""
    ahead = vector[0] * forward[0] + vector[2] * forward[1]
    return _deg(math.atan2(ahead, -vector[1]))


def _head_axes(yaw_deg: float, pitch_deg: float, roll_deg: float) -> tuple[Vec3, Vec3, Vec3]:
    """The head's left, up and forward directions in camera axes (x right, y down, z
    away from the camera), turned as `_head_angles` reads the angles: yaw about the
    vertical (+ = toward image right), then pitch about the turned ear axis (+ =
    down), then roll (+ = toward image right)."""
    yaw, pitch, roll = math.radians(yaw_deg), math.radians(pitch_deg), math.radians(roll_deg)
    sy, cy = math.sin(yaw), math.cos(yaw)
    sp, cp = math.sin(pitch), math.cos(pitch)
    sr, cr = math.sin(roll), math.cos(roll)
    forward = (cp * sy, sp, -cp * cy)
    left1 = (cy, 0.0, sy)
    up2 = (sp * sy, -cp, -sp * cy)
    up = (cr * up2[0] + sr * left1[0], cr * up2[1], cr * up2[2] + sr * left1[2])
    left = (cr * left1[0] - sr * up2[0], -sr * up2[1], cr * left1[2] - sr * up2[2])
    return left, up, forward


class _DepthFit:
    """Camera depth of a rigid set of points, from how large they look (perspective).

    Each point has a pixel position (u, v) from the image centre and a known offset
    (ox, oy, oz) in metres, camera axes, from a reference point at unknown (X, Y, Z).
    A pinhole camera shows it at u = f (X + ox) / (Z + oz), so
    f X - u Z = u oz - f ox (and the same for v, Y). With X and Y eliminated, the
    weighted least-squares Z is the distance at which the set has its apparent size;
    near points look larger, so each point's own depth offset is allowed for.
    Running sums, so points are added without building lists."""

    __slots__ = ("n", "sbx", "sby", "su", "subx", "suu", "sv", "svby", "svv", "sw")

    def __init__(self) -> None:
        self.n = 0
        self.sw = self.su = self.sv = self.suu = self.svv = 0.0
        self.sbx = self.sby = self.subx = self.svby = 0.0

    def add(self, u: float, v: float, offset: Vec3, f: float, w: float = 1.0) -> None:
        bx = u * offset[2] - f * offset[0]
        by = v * offset[2] - f * offset[1]
        self.n += 1
        self.sw += w
        self.su += w * u
        self.sv += w * v
        self.suu += w * u * u
        self.svv += w * v * v
        self.sbx += w * bx
        self.sby += w * by
        self.subx += w * u * bx
        self.svby += w * v * by

    def pixel_error(self, pixel_sd: float) -> float:
        """Relative error of the fitted depth caused by picture noise of `pixel_sd`
        pixels on each point: the noise against how far the points spread."""
        if self.sw <= 0:
            return math.inf
        spread = (self.suu + self.svv) - (self.su**2 + self.sv**2) / self.sw
        mean_w = self.sw / self.n
        return pixel_sd / math.sqrt(max(spread / mean_w, 1e-9))

    def depth(self) -> float:
        """Z of the reference point; 0.0 when the points do not spread in the picture."""
        if self.sw <= 0:
            return 0.0
        den = self.suu + self.svv - (self.su**2 + self.sv**2) / self.sw
        num = -(self.subx - self.su * self.sbx / self.sw + self.svby - self.sv * self.sby / self.sw)
        return num / den if den > 1e-9 else 0.0


def _neck_vector(p: _Points, head_angles: Vec3, settings: MetricsSettings) -> Vec3:
    """Ear centre minus shoulder midpoint, world axes, metres (poses with world
    landmarks only).

    Depth (toward and away from the camera) is what a front camera sees worst, and
    it is what the neck angle depends on. Two independent readings of how far the
    ear centre sits in front of the shoulders are combined, each weighted by how
    sure it is (inverse variance):
    - the model's 3D depths: every face landmark, minus its template offset turned
      by the head's yaw, pitch and roll, is one reading of the ear centre (weighted
      by visibility); both shoulders give the shoulder midpoint;
    - perspective: the face's size in the picture against a typical face gives the
      head's distance, the shoulders' picture width against their 3D width gives
      theirs. Faces differ in size from person to person, so this reading counts
      for less the farther away the person sits (about 40 % of the answer at 45 cm,
      30 % at 65 cm, a quarter at 90 cm).
    """
    left, up, fwd = _head_axes(*head_angles)
    half_w, half_h = p.width / 2, p.height / 2
    f = _focal_px(p, settings)
    sum_w = sum_ww = sx = sy = sz = 0.0
    face = _DepthFit()
    for i, (a, b, c) in FACE_TEMPLATE_M.items():
        w = p.vis[i]
        if w < settings.min_visibility:
            continue
        offset = (
            a * left[0] + b * up[0] + c * fwd[0],
            a * left[1] + b * up[1] + c * fwd[1],
            a * left[2] + b * up[2] + c * fwd[2],
        )
        x, y, z = p.xyz[i]
        sum_w += w
        sum_ww += w * w
        sx += w * (x - offset[0])
        sy += w * (y - offset[1])
        sz += w * (z - offset[2])
        if w >= VISIBLE:  # a guessed point's picture position can be far off
            u, v = p.px[i]
            face.add(u - half_w, v - half_h, offset, f, w)
    left_sh, right_sh = p.xyz[LM.LEFT_SHOULDER], p.xyz[LM.RIGHT_SHOULDER]
    shoulder = _mid3(left_sh, right_sh)
    head = (sx / sum_w, sy / sum_w, sz / sum_w)
    ahead = shoulder[2] - head[2]
    var_3d = DEPTH_NOISE_M**2 * (sum_ww / sum_w**2 + 0.5) + HEAD_DEPTH_NOISE_M**2

    d = _sub3(left_sh, right_sh)
    half = (d[0] / 2, d[1] / 2, d[2] / 2)
    (ul, vl), (ur, vr) = p.px[LM.LEFT_SHOULDER], p.px[LM.RIGHT_SHOULDER]
    shoulders = _DepthFit()
    shoulders.add(ul - half_w, vl - half_h, half, f)
    shoulders.add(ur - half_w, vr - half_h, (-half[0], -half[1], -half[2]), f)
    z_head, z_shoulders = face.depth(), shoulders.depth()
    width_m, width_px = math.hypot(d[0], d[1]), math.hypot(ul - ur, vl - vr)
    sure = p.vis[LM.LEFT_SHOULDER] >= VISIBLE and p.vis[LM.RIGHT_SHOULDER] >= VISIBLE
    if sure and z_head > 0.1 and z_shoulders > 0.1 and width_m > 0.1 and width_px > 2:
        pixel_sd = IMAGE_NOISE * p.width
        face_rel = FACE_SIZE_SPREAD**2 + face.pixel_error(pixel_sd) ** 2
        shoulder_rel = 2 * (XY_NOISE_M / width_m) ** 2 + shoulders.pixel_error(pixel_sd) ** 2
        # Its error grows in proportion to distance, but it is weighed as if it grew
        # with the square root only: a wrong field-of-view setting shifts this reading
        # by a fixed amount, and a weight that fell faster with distance would turn
        # that shift into an angle that changes as the person moves nearer or farther.
        var_seen = (z_head**2 * face_rel + z_shoulders**2 * shoulder_rel) * (
            PERSPECTIVE_REF_M / z_head
        )
        ahead_seen = z_shoulders - z_head
        ahead = (ahead / var_3d + ahead_seen / var_seen) / (1 / var_3d + 1 / var_seen)
    return (head[0] - shoulder[0], head[1] - shoulder[1], -ahead)


def _ear_mid_from_one(p: _Points) -> Vec2:
    """Where the ear midpoint is in the picture when one ear is hidden (a turned head):
    the ear line runs parallel to the eye line, about EAR_WIDTH_M / EYE_SPACING_M
    times as long, so half of that is stepped off from the visible ear. Taking the
    visible ear itself as the midpoint would read a turned head as a tipped one."""
    seen_left = p.vis[LM.LEFT_EAR] >= p.vis[LM.RIGHT_EAR]
    ear = p.px[LM.LEFT_EAR] if seen_left else p.px[LM.RIGHT_EAR]
    if min(p.vis[LM.LEFT_EYE], p.vis[LM.RIGHT_EYE]) < VISIBLE:
        return ear
    (lx, ly), (rx, ry) = p.px[LM.LEFT_EYE], p.px[LM.RIGHT_EYE]
    step = (EAR_WIDTH_M / EYE_SPACING_M / 2) * (1.0 if seen_left else -1.0)
    return (ear[0] - step * (lx - rx), ear[1] - step * (ly - ry))


def _front_metrics(p: _Points, settings: MetricsSettings) -> PostureMetrics | None:
    shoulders = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    ears = [i for i in (LM.LEFT_EAR, LM.RIGHT_EAR) if p.vis[i] >= settings.min_visibility]
    if not _ok(p, shoulders, settings) or not ears or not _ok(p, (LM.NOSE,), settings):
        return None
    both_ears = len(ears) == 2
    ear_mid_px = _mid2(p.px[LM.LEFT_EAR], p.px[LM.RIGHT_EAR]) if both_ears else _ear_mid_from_one(p)
    ear_mid_3d = _mid3(p.xyz[LM.LEFT_EAR], p.xyz[LM.RIGHT_EAR]) if both_ears else p.xyz[ears[0]]
    shoulder_mid_px = _mid2(p.px[LM.LEFT_SHOULDER], p.px[LM.RIGHT_SHOULDER])
    shoulder_mid_3d = _mid3(p.xyz[LM.LEFT_SHOULDER], p.xyz[LM.RIGHT_SHOULDER])
    hip_mid_3d = _mid3(p.xyz[LM.LEFT_HIP], p.xyz[LM.RIGHT_HIP])

    ear_width_px = _dist2(p.px[LM.LEFT_EAR], p.px[LM.RIGHT_EAR])
    eye_width_px = _dist2(p.px[LM.LEFT_EYE], p.px[LM.RIGHT_EYE])
    face_width_px = ear_width_px if both_ears else eye_width_px * EAR_WIDTH_M / EYE_SPACING_M
    if face_width_px < 2.0:
        return None
    yaw, pitch, roll = _head_angles(p, ear_mid_px, face_width_px, settings)

    forward = _forward_axis(p)
    if p.metric:
        neck = _neck_vector(p, (yaw, pitch, roll), settings)
    else:
        neck = _sub3(ear_mid_3d, shoulder_mid_3d)
    head_forward = _inclination(neck, forward)
    shoulder_rounding = _inclination(_sub3(shoulder_mid_3d, hip_mid_3d), forward)

    hips_seen = all(p.seen(i) and p.inside(i) for i in (LM.LEFT_HIP, LM.RIGHT_HIP))
    if hips_seen:
        hip_mid_px = _mid2(p.px[LM.LEFT_HIP], p.px[LM.RIGHT_HIP])
        lean = _deg(
            math.atan2(shoulder_mid_px[0] - hip_mid_px[0], hip_mid_px[1] - shoulder_mid_px[1])
        )
    else:
        (lx, ly), (rx, ry) = p.px[LM.LEFT_SHOULDER], p.px[LM.RIGHT_SHOULDER]
        lean = _deg(math.atan2(ly - ry, lx - rx))

    shoulder_width_px = _dist2(p.px[LM.LEFT_SHOULDER], p.px[LM.RIGHT_SHOULDER])
    diagonal = math.hypot(p.width, p.height)

    distance_cm: float | None = None
    if abs(yaw) < 60:
        f = _focal_px(p, settings)
        cos_yaw = math.cos(math.radians(yaw))
        estimates = [f * EAR_WIDTH_M * cos_yaw / face_width_px]
        if p.seen(LM.LEFT_EYE) and p.seen(LM.RIGHT_EYE) and eye_width_px > 2:
            estimates.append(f * EYE_SPACING_M * cos_yaw / eye_width_px)
        head_distance = sum(estimates) / len(estimates)
        # The shoulders sit behind the head by the neck's forward reach.
        reach = max(0.0, -(neck[0] * forward[0] + neck[2] * forward[1])) if p.metric else 0.0
        distance_cm = 100.0 * (head_distance + reach)

    used = (*shoulders, LM.LEFT_EAR, LM.RIGHT_EAR, LM.NOSE)
    sanity = 1.0
    if shoulder_mid_px[1] <= ear_mid_px[1]:
        sanity *= 0.2  # ears below the shoulders: not a seated person facing us
    width_ratio = shoulder_width_px / face_width_px
    if not 1.2 <= width_ratio <= 6.0:
        sanity *= 0.3
    if p.metric and not 0.08 <= math.hypot(*neck) <= 0.45:
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
        center_x=shoulder_mid_px[0] / p.width,
        center_y=shoulder_mid_px[1] / p.height,
        quality=quality,
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
