"""A geometric sitting upper body seen through a pinhole webcam, with known posture.

Why: there is no licensed front-view recording of desk slouching, so the metrics and
the detector are measured against this simulator, whose posture angles are known
exactly, and checked on real photographs for the pose pipeline.

The body is rigid segments: pelvis, trunk (hip centre -> neck base), shoulder
girdle (two clavicles pivoting at the sternum), neck (neck base -> ear centre) and
head. It is projected into the 33 MediaPipe Pose landmarks: image landmarks
normalised to the frame, world landmarks in metres with the origin between the hips
and axes aligned with the camera (x right, y down, z away), as MediaPipe gives them.

Conventions (room frame): the person faces the front camera. "Left" is the
person's left, which is image right for a front camera. Positive lateral lean,
head yaw and head roll go toward the person's left (image right in the front view).

Ground truth, in the person's sagittal plane, against gravity:
- head_forward_deg: inclination from vertical of the line neck base -> ear centre.
  The neck base is where the shoulder centre sits when the shoulders are neither
  protracted nor retracted, so protraction does not change this truth (it does
  move the shoulder landmarks the side-view metric uses: see docs/metrics.md).
- shoulder_protraction_deg: each clavicle turns forward about its sternal end, in
  the trunk's transverse plane (0 = clavicles in the frontal plane).
- trunk_flex_deg: inclination of hip centre -> neck base from vertical, forward +.
- head_pitch_deg: the head's own tilt from a level gaze, down +.

Noise (defaults in `Noise`, figures per frame, 1 standard deviation): image x/y
2 px at 640 px width (scaled with the frame width); world x/y 1 cm; world z 3 cm
per landmark plus 1.5 cm shared by the whole head (MediaPipe's depth is far
rougher than its x/y, and its errors are correlated within a body part); image z
follows the noisy world depth, plus 0.005; visibility jitter 0.03; 2 % of
landmarks dropped (low visibility, position far off). Without an rng the
projection is exact and deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from posturewatch.core.types import N_LANDMARKS, Landmark, Observation, Pose

Vec = npt.NDArray[np.float64]

# Room frame: X = the person's left, Y = down, Z = the person's back (they face -Z).
_LEFT: Vec = np.array([1.0, 0.0, 0.0])
_DOWN: Vec = np.array([0.0, 1.0, 0.0])
_UP: Vec = -_DOWN
_FORWARD: Vec = np.array([0.0, 0.0, -1.0])

_FACE = range(0, 11)
_LOWER_BODY = range(23, 33)
_BELOW_HIPS = range(25, 33)


@dataclass(frozen=True)
class Body:
    """Segment lengths of one adult in metres. The defaults are a mid-sized adult;
    `sample_body` draws others from a plausible range."""

    torso_m: float = 0.50
    """Hip centre to the neck base (the shoulder line)."""
    neck_m: float = 0.20
    """Neck base to the ear centre (the midpoint of the two tragi)."""
    shoulder_width_m: float = 0.38
    """Between MediaPipe's two shoulder points (the humeral heads)."""
    clavicle_m: float = 0.15
    """Sternal end of the clavicle to the shoulder point: the protraction radius."""
    hip_width_m: float = 0.18
    ear_width_m: float = 0.145
    """Tragus to tragus."""
    eye_spacing_m: float = 0.063
    eye_forward_m: float = 0.085
    """How far the eyes sit in front of the tragus."""
    upper_arm_m: float = 0.31
    forearm_m: float = 0.26
    thigh_m: float = 0.44
    shin_m: float = 0.44

    def __post_init__(self) -> None:
        for name, value in vars_of(self).items():
            if not 0.01 <= value <= 1.5:
                raise ValueError(f"{name}: {value} m is not a plausible body length")
        if self.clavicle_m >= self.shoulder_width_m / 2:
            raise ValueError("clavicle_m: must be shorter than half the shoulder width")


def vars_of(obj: object) -> dict[str, float]:
    """The float fields of a dataclass instance, for range checks."""
    return {k: float(v) for k, v in obj.__dict__.items() if isinstance(v, int | float)}


@dataclass(frozen=True)
class Posture:
    """The posture to show, in degrees (see the module docstring for each definition)."""

    head_forward_deg: float = 10.0
    shoulder_protraction_deg: float = 0.0
    trunk_flex_deg: float = 0.0
    lateral_lean_deg: float = 0.0
    head_yaw_deg: float = 0.0
    head_pitch_deg: float = 0.0
    head_roll_deg: float = 0.0
    present: bool = True
    """False: nobody in the chair, the observation has no pose."""
    x_offset_m: float = 0.0
    """The whole body shifted toward the person's left (image right in the front view)."""
    standing: bool = False
    """Stood up: hips rise by a thigh length, so the head leaves the top of a desk view."""
    hip_forward_m: float = 0.0
    """Sinking in the chair: the pelvis slid forward (toward a front camera) on the seat."""
    torso_curl_m: float = 0.0
    """Sinking in the chair: the spine curled (lumbar and thoracic flexion), so the neck
    base sits this much nearer the hips than the upright torso length."""

    def __post_init__(self) -> None:
        limits = {
            "head_forward_deg": (-30.0, 80.0),
            "shoulder_protraction_deg": (-30.0, 45.0),
            "trunk_flex_deg": (-40.0, 70.0),
            "lateral_lean_deg": (-40.0, 40.0),
            "head_yaw_deg": (-90.0, 90.0),
            "head_pitch_deg": (-60.0, 70.0),
            "head_roll_deg": (-45.0, 45.0),
            "x_offset_m": (-1.0, 1.0),
            "hip_forward_m": (-0.1, 0.3),
            "torso_curl_m": (0.0, 0.15),
        }
        for name, (lo, hi) in limits.items():
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise ValueError(f"{name}: {value} is outside {lo}..{hi}")


@dataclass(frozen=True)
class Camera:
    """A pinhole webcam, placed relative to the person's upright shoulder centre.

    The camera stays put in the room while the posture changes, so slouching brings
    the head nearer to a front camera, as it does at a real desk."""

    distance_m: float = 0.65
    """Horizontal distance from the upright shoulder centre to the camera."""
    height_m: float = -0.10
    """Camera height relative to the eyes: negative = below (a laptop), ~0 = monitor top."""
    hfov_deg: float = 70.0
    width: int = 640
    height: int = 480
    view: Literal["front", "side"] = "front"
    side: Literal["left", "right"] = "left"
    """Which of the person's sides a side camera sees."""
    yaw_deg: float = 0.0
    """The camera swung around the person (still aimed at them), + = toward their left."""
    offset_m: float = 0.0
    """The camera slid along its own x axis without turning: the person appears off-centre."""
    pitch_deg: float | None = None
    """Optical axis above the horizontal (+ = tilted up); None aims at the neck."""
    roll_deg: float = 0.0
    desk: bool = True
    """A desk hides the lap: hips and legs get low visibility in the front view."""

    def __post_init__(self) -> None:
        if not 0.2 <= self.distance_m <= 6.0:
            raise ValueError(f"distance_m: {self.distance_m} is outside 0.2..6.0")
        if not 20.0 <= self.hfov_deg <= 140.0:
            raise ValueError(f"hfov_deg: {self.hfov_deg} is outside 20..140")
        if self.width < 16 or self.height < 16:
            raise ValueError(f"width/height: {self.width}x{self.height} is too small")
        if self.pitch_deg is not None and not -60.0 <= self.pitch_deg <= 60.0:
            raise ValueError(f"pitch_deg: {self.pitch_deg} is outside -60..60")

    @property
    def focal_px(self) -> float:
        return (self.width / 2) / math.tan(math.radians(self.hfov_deg) / 2)


@dataclass(frozen=True)
class Noise:
    """How far the simulated model's answer strays from the truth (1 sd, per frame)."""

    image_px: float = 2.0
    """Image x/y noise in pixels for a 640 px wide frame (scaled with the width)."""
    image_z: float = 0.005
    """Image z noise of its own, x-normalised units. Image z is derived from the noisy
    world depth (one network answers both), so this only adds a little on top."""
    world_xy_m: float = 0.01
    world_z_m: float = 0.03
    """Independent depth noise per world landmark: MediaPipe's depth is rough."""
    world_z_shared_m: float = 0.015
    """Depth error shared by all head landmarks (the model misplaces the head as a whole)."""
    depth_gain: float = 1.0
    """World depth offsets are multiplied by this: <1 mimics a model that flattens depth."""
    visibility_jitter: float = 0.03
    drop_prob: float = 0.02
    """Chance a landmark is lost: low visibility and a position far off."""

    def __post_init__(self) -> None:
        for name, value in vars_of(self).items():
            if value < 0:
                raise ValueError(f"{name}: must not be negative")
        if self.drop_prob > 1:
            raise ValueError("drop_prob: must be at most 1")


def sample_body(rng: np.random.Generator) -> Body:
    """An adult from a plausible range: one overall size (+-10 %) times small
    independent variations of each segment (+-6 %), head sizes varying less."""
    size = rng.uniform(0.9, 1.1)
    head = rng.uniform(0.94, 1.06)
    base = Body()

    def vary(value: float, spread: float = 0.06, scale: float = size) -> float:
        return float(value * scale * rng.uniform(1 - spread, 1 + spread))

    shoulder_width = vary(base.shoulder_width_m)
    return Body(
        torso_m=vary(base.torso_m),
        neck_m=vary(base.neck_m, 0.1),
        shoulder_width_m=shoulder_width,
        clavicle_m=min(vary(base.clavicle_m), shoulder_width / 2 - 0.02),
        hip_width_m=vary(base.hip_width_m, 0.1),
        ear_width_m=vary(base.ear_width_m, 0.04, head),
        eye_spacing_m=vary(base.eye_spacing_m, 0.05, head),
        eye_forward_m=vary(base.eye_forward_m, 0.05, head),
        upper_arm_m=vary(base.upper_arm_m),
        forearm_m=vary(base.forearm_m),
        thigh_m=vary(base.thigh_m),
        shin_m=vary(base.shin_m),
    )


def sample_camera(
    rng: np.random.Generator, view: Literal["front", "side"] = "front", yaw_max_deg: float = 0.0
) -> Camera:
    """A desk webcam from the range the acceptance tests cover: front 45-90 cm away
    from slightly below to slightly above the eyes, side 1.0-2.5 m; HFOV 60-78 deg;
    640x480 or 1280x720; aimed near the neck with a few degrees of error."""
    width, height = (640, 480) if rng.random() < 0.5 else (1280, 720)
    if view == "front":
        distance = rng.uniform(0.45, 0.9)
        cam_height = rng.uniform(-0.22, 0.05)
    else:
        distance = rng.uniform(1.0, 2.5)
        cam_height = rng.uniform(-0.3, 0.1)
    base = Camera(distance_m=distance, height_m=cam_height, view=view, pitch_deg=None)
    aim = _aim_pitch_deg(Body(), base)
    return Camera(
        distance_m=distance,
        height_m=cam_height,
        hfov_deg=rng.uniform(60.0, 78.0),
        width=width,
        height=height,
        view=view,
        side="left" if rng.random() < 0.5 else "right",
        yaw_deg=rng.uniform(-yaw_max_deg, yaw_max_deg),
        pitch_deg=aim + rng.uniform(-3.0, 3.0),
        roll_deg=rng.uniform(-2.0, 2.0),
    )


# --- geometry -------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame3:
    """An orthonormal body frame: forward, up, left."""

    f: Vec
    u: Vec
    l: Vec  # noqa: E741 - anatomical "left" axis


def _rad(deg: float) -> float:
    return math.radians(deg)


def _trunk_frame(posture: Posture) -> _Frame3:
    flex, lat = _rad(posture.trunk_flex_deg), _rad(posture.lateral_lean_deg)
    u1 = math.cos(flex) * _UP + math.sin(flex) * _FORWARD
    f1 = math.cos(flex) * _FORWARD - math.sin(flex) * _UP
    u2 = math.cos(lat) * u1 + math.sin(lat) * _LEFT
    l2 = math.cos(lat) * _LEFT - math.sin(lat) * u1
    return _Frame3(f1, u2, l2)


def _head_frame(posture: Posture) -> _Frame3:
    """Yaw about the vertical, then pitch about the turned ear axis, then roll."""
    yaw, pitch, roll = (
        _rad(posture.head_yaw_deg),
        _rad(posture.head_pitch_deg),
        _rad(posture.head_roll_deg),
    )
    f1 = math.cos(yaw) * _FORWARD + math.sin(yaw) * _LEFT
    l1 = math.cos(yaw) * _LEFT - math.sin(yaw) * _FORWARD
    f2 = math.cos(pitch) * f1 - math.sin(pitch) * _UP
    u2 = math.cos(pitch) * _UP + math.sin(pitch) * f1
    u3 = math.cos(roll) * u2 + math.sin(roll) * l1
    l3 = math.cos(roll) * l1 - math.sin(roll) * u2
    return _Frame3(f2, u3, l3)


def _hip_centre(body: Body, posture: Posture) -> Vec:
    rise = body.thigh_m if posture.standing else 0.0
    hip: Vec = posture.x_offset_m * _LEFT + rise * _UP + posture.hip_forward_m * _FORWARD
    return hip


def _eye_height(body: Body) -> float:
    """Height of the eyes above the upright shoulder centre."""
    return body.neck_m + 0.025


def body_points(body: Body, posture: Posture) -> Vec:
    """The 33 landmark positions in the room frame (metres), shape (33, 3)."""
    pts = np.zeros((N_LANDMARKS, 3))
    hip = _hip_centre(body, posture)
    trunk = _trunk_frame(posture)
    neck_base = hip + (body.torso_m - posture.torso_curl_m) * trunk.u

    # Shoulder girdle: each clavicle turns forward about its sternal end.
    half = body.shoulder_width_m / 2
    prot = _rad(posture.shoulder_protraction_deg)
    for index, sign in ((11, 1.0), (12, -1.0)):
        sternal = neck_base + sign * (half - body.clavicle_m) * trunk.l
        pts[index] = (
            sternal
            + sign * body.clavicle_m * math.cos(prot) * trunk.l
            + body.clavicle_m * math.sin(prot) * trunk.f
        )

    # Neck: known inclination from vertical; it follows a lateral lean sideways.
    hf, lat = _rad(posture.head_forward_deg), _rad(posture.lateral_lean_deg)
    side_up = math.cos(lat) * _UP + math.sin(lat) * _LEFT
    ear_centre = neck_base + body.neck_m * (math.sin(hf) * _FORWARD + math.cos(hf) * side_up)

    # Head landmarks in head coordinates (left, up, forward), scaled by head size.
    head = _head_frame(posture)
    s = body.ear_width_m / Body().ear_width_m
    e = body.eye_spacing_m / 2
    fwd = body.eye_forward_m
    face: dict[int, tuple[float, float, float]] = {
        0: (0.0, -0.015 * s, fwd + 0.03 * s),  # nose tip
        1: (e * 0.5, 0.025 * s, fwd + 0.003),
        2: (e, 0.025 * s, fwd),
        3: (e * 1.45, 0.025 * s, fwd - 0.012 * s),
        4: (-e * 0.5, 0.025 * s, fwd + 0.003),
        5: (-e, 0.025 * s, fwd),
        6: (-e * 1.45, 0.025 * s, fwd - 0.012 * s),
        7: (body.ear_width_m / 2, 0.0, 0.0),
        8: (-body.ear_width_m / 2, 0.0, 0.0),
        9: (0.025 * s, -0.05 * s, fwd + 0.01 * s),
        10: (-0.025 * s, -0.05 * s, fwd + 0.01 * s),
    }
    for index, (lx, uy, fz) in face.items():
        pts[index] = ear_centre + lx * head.l + uy * head.u + fz * head.f

    # Arms hang from the shoulders, forearms reach forward to a keyboard.
    for sign, (sh, el, wr, pinky, index_f, thumb) in (
        (1.0, (11, 13, 15, 17, 19, 21)),
        (-1.0, (12, 14, 16, 18, 20, 22)),
    ):
        upper = _unit(0.94 * _DOWN + 0.30 * _FORWARD + sign * 0.08 * _LEFT)
        pts[el] = pts[sh] + body.upper_arm_m * upper
        fore = _unit(0.95 * _FORWARD - sign * 0.25 * _LEFT + 0.1 * _UP)
        pts[wr] = pts[el] + body.forearm_m * fore
        pts[pinky] = pts[wr] + 0.08 * fore + sign * 0.03 * _LEFT
        pts[index_f] = pts[wr] + 0.09 * fore - sign * 0.01 * _LEFT
        pts[thumb] = pts[wr] + 0.05 * fore - sign * 0.03 * _LEFT + 0.02 * _UP

    # Pelvis and legs: seated thighs run forward, standing legs straight down.
    for sign, (hp, kn, an, heel, toe) in (
        (1.0, (23, 25, 27, 29, 31)),
        (-1.0, (24, 26, 28, 30, 32)),
    ):
        pts[hp] = hip + sign * body.hip_width_m / 2 * _LEFT
        thigh_dir = _DOWN if posture.standing else _unit(_FORWARD + sign * 0.1 * _LEFT)
        pts[kn] = pts[hp] + body.thigh_m * thigh_dir
        pts[an] = pts[kn] + body.shin_m * _DOWN
        pts[heel] = pts[an] + 0.05 * _DOWN - 0.05 * _FORWARD
        pts[toe] = pts[an] + 0.07 * _DOWN + 0.15 * _FORWARD
    return pts


def _unit(v: Vec) -> Vec:
    return v / float(np.linalg.norm(v))


def _normals(body_pts: Vec, posture: Posture) -> Vec:
    """Outward direction of each landmark's surface, for visibility: lateral points
    face sideways, the face faces forward, the rest forward."""
    normals = np.tile(_FORWARD, (N_LANDMARKS, 1))
    head = _head_frame(posture)
    trunk = _trunk_frame(posture)
    for i in _FACE:
        normals[i] = head.f
    left_side = (1, 2, 3, 7, 9)
    right_side = (4, 5, 6, 8, 10)
    for i in left_side:
        normals[i] = _unit(head.f + 1.5 * head.l) if i != 7 else head.l
    for i in right_side:
        normals[i] = _unit(head.f - 1.5 * head.l) if i != 8 else -head.l
    for i in range(11, 33):
        sign = 1.0 if i % 2 == 1 else -1.0
        normals[i] = _unit(sign * trunk.l + 0.3 * trunk.f)
    return normals


# --- camera ---------------------------------------------------------------------


def _aim_pitch_deg(body: Body, camera: Camera) -> float:
    """Pitch that puts the midpoint of eyes and shoulders on the optical axis."""
    target_above_eyes = -(_eye_height(body) / 2)
    rise = target_above_eyes - camera.height_m
    return math.degrees(math.atan2(rise, camera.distance_m))


def camera_pose(body: Body, camera: Camera) -> tuple[Vec, Vec]:
    """Camera centre in the room frame and the rotation whose rows are the camera's
    x (right), y (down) and z (optical axis) directions."""
    anchor = body.torso_m * _UP  # the upright shoulder centre
    if camera.view == "front":
        toward_camera = _FORWARD
    else:
        toward_camera = _LEFT if camera.side == "left" else -_LEFT
    yaw = _rad(camera.yaw_deg)
    # Swing around the vertical; for the front camera + goes toward the person's left.
    swung = math.cos(yaw) * toward_camera + math.sin(yaw) * np.cross(_UP, toward_camera)
    eye_level = anchor + _eye_height(body) * _UP
    centre = eye_level + camera.distance_m * swung + camera.height_m * _UP
    look = -swung
    pitch = _rad(_aim_pitch_deg(body, camera) if camera.pitch_deg is None else camera.pitch_deg)
    z_axis = math.cos(pitch) * look + math.sin(pitch) * _UP
    y_axis = math.cos(pitch) * _DOWN + math.sin(pitch) * look
    x_axis = np.cross(y_axis, z_axis)
    roll = _rad(camera.roll_deg)
    x_r = math.cos(roll) * x_axis + math.sin(roll) * y_axis
    y_r = math.cos(roll) * y_axis - math.sin(roll) * x_axis
    centre = centre + camera.offset_m * x_r
    return centre, np.stack([x_r, y_r, z_axis])


def project(body: Body, posture: Posture, camera: Camera) -> tuple[Vec, Vec]:
    """Exact camera-frame coordinates (metres) and pixel coordinates of the 33 points."""
    centre, rot = camera_pose(body, camera)
    cam = (body_points(body, posture) - centre) @ rot.T
    depth = np.maximum(cam[:, 2], 0.05)
    f = camera.focal_px
    px = np.stack(
        [camera.width / 2 + f * cam[:, 0] / depth, camera.height / 2 + f * cam[:, 1] / depth],
        axis=1,
    )
    return cam, px


def simulate(
    body: Body,
    posture: Posture,
    camera: Camera,
    rng: np.random.Generator | None = None,
    noise: Noise | None = None,
    time_s: float = 0.0,
    index: int = 0,
) -> Observation:
    """What MediaPipe would report for this body, posture and camera.

    With rng None the landmarks are exact and visibilities deterministic; with an
    rng, `noise` (default `Noise()`) is added."""
    if not posture.present:
        return Observation(index, time_s, camera.width, camera.height, None)
    noise = noise or Noise()
    pts = body_points(body, posture)
    cam, px = project(body, posture, camera)
    centre, _rotation = camera_pose(body, camera)

    # Visibility from the surface facing the camera and the point being in frame.
    to_camera = centre - pts
    to_camera /= np.linalg.norm(to_camera, axis=1, keepdims=True)
    facing = np.einsum("ij,ij->i", _normals(pts, posture), to_camera)
    visibility = np.where(facing >= -0.2, 0.98, 0.98 - (-0.2 - facing) / 0.8 * 0.68)
    u = px[:, 0] / camera.width
    v = px[:, 1] / camera.height
    outside = np.maximum.reduce([-u, u - 1, -v, v - 1, np.zeros_like(u)])
    visibility = np.where(outside > 0, np.clip(0.3 - outside, 0.03, 0.3), visibility)
    visibility = np.where(cam[:, 2] <= 0.05, 0.01, visibility)
    hidden = np.zeros(N_LANDMARKS, dtype=bool)
    if camera.desk:
        lower = _LOWER_BODY if camera.view == "front" else _BELOW_HIPS
        hidden[list(lower)] = True
        visibility = np.where(hidden, np.minimum(visibility, 0.3), visibility)

    # World landmarks: camera-aligned axes, origin between the hips.
    hips_cam = (cam[23] + cam[24]) / 2
    world = cam - hips_cam
    # MediaPipe image z: depth relative to the hips on the scale of x.
    shoulder_depth = float((cam[11, 2] + cam[12, 2]) / 2)
    z_scale = camera.focal_px / (max(shoulder_depth, 0.05) * camera.width)

    if rng is not None:
        px_sd = noise.image_px * camera.width / 640
        px_sd_each = np.full(N_LANDMARKS, px_sd)
        px_sd_each[hidden] *= 4
        dropped = rng.random(N_LANDMARKS) < noise.drop_prob
        px_sd_each[dropped] *= 10
        px = px + rng.normal(0.0, 1.0, (N_LANDMARKS, 2)) * px_sd_each[:, None]
        world = world.copy()
        world[:, 2] *= noise.depth_gain
        world[:, :2] += rng.normal(0.0, noise.world_xy_m, (N_LANDMARKS, 2))
        world[:, 2] += rng.normal(0.0, noise.world_z_m, N_LANDMARKS)
        world[list(_FACE), 2] += rng.normal(0.0, noise.world_z_shared_m)
    image_z = world[:, 2] * z_scale
    if rng is not None:
        image_z = image_z + rng.normal(0.0, noise.image_z, N_LANDMARKS)
        visibility = visibility - np.abs(rng.normal(0.0, noise.visibility_jitter, N_LANDMARKS))
        visibility = np.where(dropped, rng.uniform(0.05, 0.4, N_LANDMARKS), visibility)
    visibility = np.clip(visibility, 0.0, 1.0)

    image = tuple(
        Landmark(
            float(px[i, 0] / camera.width),
            float(px[i, 1] / camera.height),
            float(image_z[i]),
            float(visibility[i]),
        )
        for i in range(N_LANDMARKS)
    )
    world_lms = tuple(
        Landmark(float(world[i, 0]), float(world[i, 1]), float(world[i, 2]), float(visibility[i]))
        for i in range(N_LANDMARKS)
    )
    return Observation(index, time_s, camera.width, camera.height, Pose(image, world_lms))


def head_forward_seen_deg(body: Body, posture: Posture, camera: Camera) -> float:
    """The true neck inclination as a front camera can know it: against the camera's
    own vertical axis, along the body's forward direction.

    Equal to `posture.head_forward_deg` for a level camera square to the person; a
    camera tilted up by t degrees sees the neck t degrees further back. Landmarks
    hold no sense of gravity, so this, not the gravity angle, is what a front-view
    metric can be held to."""
    _, rot = camera_pose(body, camera)
    trunk = _trunk_frame(posture)
    neck_base = _hip_centre(body, posture) + (body.torso_m - posture.torso_curl_m) * trunk.u
    pts = body_points(body, posture)
    neck = rot @ ((pts[7] + pts[8]) / 2 - neck_base)
    left = rot @ trunk.l
    forward = np.array([left[2], -left[0]])
    forward /= float(np.linalg.norm(forward))
    ahead = neck[0] * forward[0] + neck[2] * forward[1]
    return math.degrees(math.atan2(ahead, -neck[1]))
