"""Scripted working days for the detector, with per-second ground truth.

A day is a sequence of segments (sitting well, slouching, a glance at the keyboard,
a turn to a second monitor, leaning back, standing up and walking away, someone
passing behind, the camera being moved) rendered through calibration.simulator.
Because every posture is scripted, every second has a known label, and the
detector's poor-posture time, false alarms and latency can be counted exactly.

The script is drawn from a seeded generator: the same seed gives the same day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Literal

import numpy as np

from calibration.simulator import Body, Camera, Noise, Posture, sample_body, simulate
from posturewatch.core.types import Deviation, Observation

Kind = Literal[
    "upright",
    "slouch",
    "glance_down",
    "glance_up",
    "turn",
    "lean_back",
    "stand",
    "away",
    "passerby",
    "dropout",
]

Truth = Literal["good", "poor", "unjudgeable", "away", "ignore"]
"""What the detector should say of one second: good or poor while the user sits in
view and can be judged; 'unjudgeable' when the posture may not be judged (glance,
turn, lean, standing, someone else) and so must never be called poor; 'away' when
nobody is there; 'ignore' where either answer is fair (a glance in a slouch)."""

GLANCE_KINDS: frozenset[Kind] = frozenset({"glance_down", "glance_up", "turn"})


@dataclass(frozen=True)
class Segment:
    """One stretch of the day with a constant scripted posture (after its ramp)."""

    kind: Kind
    start_s: float
    duration_s: float
    posture: Posture
    truth: Truth
    ramp_s: float = 0.0
    """Seconds over which the posture moves from the previous segment's."""
    episode: int | None = None
    """Slouch episode number; glances inside a slouch share it."""
    deviation: Deviation | None = None
    camera_moved: bool = False
    stranger: Body | None = None
    """For 'passerby': the other person's body (smaller, further back, off to one side)."""

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class Session:
    """A scripted day: one user, one camera (and the camera it was moved to)."""

    name: str
    body: Body
    camera: Camera
    moved_camera: Camera | None
    move_at_s: float | None
    segments: tuple[Segment, ...]
    calibration_posture: Posture

    @property
    def duration_s(self) -> float:
        return self.segments[-1].end_s if self.segments else 0.0

    def camera_at(self, time_s: float) -> Camera:
        if (
            self.moved_camera is not None
            and self.move_at_s is not None
            and time_s >= self.move_at_s
        ):
            return self.moved_camera
        return self.camera


@dataclass(frozen=True)
class Sample:
    """One simulated observation and what it shows."""

    time_s: float
    observation: Observation
    truth: Truth
    segment: Segment


def calibration_observations(
    session: Session, seconds: float = 10.0, fps: float = 4.0, seed: int = 0
) -> list[Observation]:
    """What `posturewatch calibrate` would capture at the start of the day."""
    rng = np.random.default_rng(seed)
    count = int(seconds * fps)
    return [
        simulate(
            session.body,
            _wobble(session.calibration_posture, rng, 0.7),
            session.camera,
            rng,
            Noise(),
            time_s=i / fps,
            index=i,
        )
        for i in range(count)
    ]


def samples(session: Session, rate_hz: float = 1.0, seed: int = 0) -> Iterator[Sample]:
    """The day at `rate_hz` samples per second, with sample-to-sample sway."""
    rng = np.random.default_rng(seed)
    noise = Noise()
    segments = session.segments
    seg_index = 0
    previous: Posture | None = None
    for index in range(int(session.duration_s * rate_hz)):
        t = index / rate_hz
        while segments[seg_index].end_s <= t:
            if segments[seg_index].kind not in ("passerby", "dropout", "away"):
                previous = segments[seg_index].posture
            seg_index += 1
        seg = segments[seg_index]
        posture = seg.posture
        if seg.ramp_s > 0 and previous is not None and t - seg.start_s < seg.ramp_s:
            posture = _blend(previous, seg.posture, (t - seg.start_s) / seg.ramp_s)
        camera = session.camera_at(t)
        if seg.kind == "passerby" and seg.stranger is not None:
            behind = replace(camera, distance_m=camera.distance_m + 1.3)
            obs = simulate(seg.stranger, posture, behind, rng, noise, t, index)
        else:
            obs = simulate(session.body, _wobble(posture, rng, 0.8), camera, rng, noise, t, index)
        yield Sample(t, obs, _truth_at(seg, t), seg)


def _truth_at(seg: Segment, t: float) -> Truth:
    """The ramp into a slouch is neither good nor poor yet."""
    if seg.truth == "poor" and t - seg.start_s < seg.ramp_s:
        return "ignore"
    return seg.truth


_ANGLES = (
    "head_forward_deg",
    "shoulder_protraction_deg",
    "trunk_flex_deg",
    "lateral_lean_deg",
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
)


def _wobble(posture: Posture, rng: np.random.Generator, sd_deg: float) -> Posture:
    """Nobody holds perfectly still: a small random sway of every angle."""
    if not posture.present:
        return posture
    changes = {name: getattr(posture, name) + float(rng.normal(0.0, sd_deg)) for name in _ANGLES}
    return replace(posture, **changes)


def _blend(a: Posture, b: Posture, f: float) -> Posture:
    if not (a.present and b.present) or a.standing != b.standing:
        return b
    values = {
        fl.name: getattr(a, fl.name) + f * (getattr(b, fl.name) - getattr(a, fl.name))
        for fl in fields(Posture)
        if isinstance(getattr(a, fl.name), float)
    }
    return replace(b, **values)


# --- the scripted day -----------------------------------------------------------------


@dataclass(frozen=True)
class DayPlan:
    """How many of each event a day holds; the order and details are random."""

    hours: float = 8.0
    slouches: int = 12
    keyboard_glances: int = 24
    menu_glances: int = 10
    monitor_turns: int = 8
    lean_backs: int = 5
    walk_aways: int = 3
    passersby: int = 8
    dropouts: int = 20
    glances_in_slouch: int = 3
    camera_move_at_h: float | None = 7.0


def working_day(
    seed: int = 1, view: Literal["front", "side"] = "front", plan: DayPlan | None = None
) -> Session:
    """An eight-hour day of one simulated user at one desk (see DayPlan)."""
    plan = plan or DayPlan()
    rng = np.random.default_rng(seed)
    body = sample_body(rng)
    if view == "front":
        camera = Camera(distance_m=float(rng.uniform(0.55, 0.75)), height_m=-0.1, view="front")
        moved = replace(camera, yaw_deg=25.0, distance_m=camera.distance_m + 0.2)
    else:
        camera = Camera(distance_m=float(rng.uniform(1.2, 1.8)), height_m=-0.15, view="side")
        moved = replace(camera, yaw_deg=-35.0, distance_m=camera.distance_m - 0.4)
    neutral = Posture(head_forward_deg=float(rng.uniform(6.0, 14.0)))

    total_s = plan.hours * 3600.0
    move_at = plan.camera_move_at_h * 3600.0 if plan.camera_move_at_h is not None else None
    before_move_s = move_at if move_at is not None else total_s

    events: list[str] = (
        ["slouch"] * plan.slouches
        + ["glance_down"] * plan.keyboard_glances
        + ["glance_up"] * plan.menu_glances
        + ["turn"] * plan.monitor_turns
        + ["lean_back"] * plan.lean_backs
        + ["walk_away"] * plan.walk_aways
        + ["passerby"] * plan.passersby
        + ["dropout"] * plan.dropouts
    )
    rng.shuffle(events)
    # Front: the slouches of real webcam sittings (sinking in the chair, the head
    # pushed toward the screen, hunched); side: what a side camera sees best.
    slouch_kinds: list[Deviation] = (
        ["sinking", "head_forward", "both"]
        if view == "front"
        else ["head_forward", "shoulder_rounding", "both"]
    )
    front = view == "front"
    drawn: list[list[Segment]] = []
    episode = 0
    glances_left = plan.glances_in_slouch
    for i, event in enumerate(events):
        scratch = _DayBuilder(rng, neutral, episode=episode, front=front)
        scratch.event(
            event, slouch_kinds[i % 3], with_glance=event == "slouch" and glances_left > 0
        )
        if event == "slouch" and glances_left > 0:
            glances_left -= 1
        episode = scratch.episode
        drawn.append(scratch.segments)

    # Sitting well fills the time between events, in random shares of what is left.
    busy_s = sum(seg.duration_s for group in drawn for seg in group)
    min_gap_s = 60.0
    free_s = before_move_s - busy_s - min_gap_s * (len(drawn) + 1)
    if free_s < 0:
        raise ValueError(f"plan: {len(drawn)} events do not fit in {before_move_s:.0f} s")
    gaps = min_gap_s + rng.dirichlet(np.full(len(drawn) + 1, 2.0)) * free_s
    day = _DayBuilder(rng, neutral, front=front)
    for gap, group in zip(gaps, drawn, strict=False):
        day.upright(float(gap))
        for seg in group:
            day.segments.append(replace(seg, start_s=day.t))
            day.t += seg.duration_s
    day.upright(before_move_s - day.t)
    segments = day.segments

    if move_at is not None:
        after = _DayBuilder(rng, neutral, start_s=move_at, camera_moved=True, front=front)
        after.episode = episode
        after.upright(600.0)
        after.event("slouch", "both", with_glance=False)
        after.upright(300.0)
        after.event("glance_down", "both", with_glance=False)
        after.event("slouch", "head_forward", with_glance=False)
        after.upright(max(0.0, total_s - after.t))
        segments += [s for s in after.segments if s.start_s < total_s]

    return Session(
        name=f"{view} day (seed {seed})",
        body=body,
        camera=camera,
        moved_camera=moved if move_at is not None else None,
        move_at_s=move_at,
        segments=tuple(segments),
        calibration_posture=neutral,
    )


class _DayBuilder:
    """Appends segments one after another, drawing the details of each."""

    def __init__(
        self,
        rng: np.random.Generator,
        neutral: Posture,
        start_s: float = 0.0,
        camera_moved: bool = False,
        episode: int = 0,
        front: bool = False,
    ) -> None:
        self.front = front
        """Front view: slouches as the real front-view sittings show them."""
        self.rng = rng
        self.neutral = neutral
        self.t = start_s
        self.camera_moved = camera_moved
        self.segments: list[Segment] = []
        self.episode = episode

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def add(
        self,
        kind: Kind,
        duration_s: float,
        posture: Posture,
        truth: Truth,
        ramp_s: float = 0.0,
        **extra: object,
    ) -> None:
        if self.camera_moved and truth in ("good", "poor"):
            truth = "unjudgeable"  # the old baseline no longer applies: never judge
        self.segments.append(
            Segment(
                kind,
                self.t,
                duration_s,
                posture,
                truth,
                ramp_s,
                camera_moved=self.camera_moved,
                **extra,  # type: ignore[arg-type]
            )
        )
        self.t += duration_s

    def seated(self) -> Posture:
        """Sitting well, as people do: a little off the calibrated posture."""
        n = self.neutral
        return replace(
            n,
            head_forward_deg=n.head_forward_deg + self.u(-4.0, 3.0),
            shoulder_protraction_deg=self.u(-4.0, 3.0),
            trunk_flex_deg=self.u(-3.0, 3.0),
            lateral_lean_deg=self.u(-3.0, 3.0),
            head_pitch_deg=self.u(-4.0, 4.0),
            x_offset_m=self.u(-0.03, 0.03),
        )

    def sunk(self) -> Posture:
        """Sunk in the chair, the laptop slouch of the real front-view sittings
        (tests/data/front-view-webcam-slouch): the pelvis slides forward on the seat,
        the trunk reclines and the spine curls, so head and shoulders go down together
        (there: nose 0.35-0.9 face widths, shoulders 0.2-0.6); the neck bends forward
        and the head tips back a little to keep the eyes on the screen (there: pitch
        3-12 degrees up, ears 0.80-0.95 of their height over the shoulders)."""
        n = self.neutral
        return replace(
            self.seated(),
            hip_forward_m=self.u(0.06, 0.14),
            trunk_flex_deg=-self.u(8.0, 18.0),
            torso_curl_m=self.u(0.03, 0.07),
            head_forward_deg=n.head_forward_deg + self.u(10.0, 20.0),
            head_pitch_deg=-self.u(2.0, 10.0),
            shoulder_protraction_deg=self.u(0.0, 10.0),
        )

    def head_poked(self, rounded: bool) -> Posture:
        """The head pushed toward the screen: the neck tips forward 15-25 degrees, the
        trunk leans in a little, and the face follows the neck only in part (30-70 %;
        the upper neck extends to keep the eyes on the screen, as in forward head
        posture). Rounded: the shoulders come forward with a rounded upper back."""
        n = self.neutral
        change = self.u(15.0, 25.0)
        return replace(
            self.seated(),
            head_forward_deg=n.head_forward_deg + change,
            head_pitch_deg=self.u(0.3, 0.7) * change,
            shoulder_protraction_deg=self.u(15.0, 25.0) if rounded else self.u(-2.0, 3.0),
            trunk_flex_deg=self.u(5.0, 12.0) if rounded else self.u(2.0, 8.0),
        )

    def upright(self, duration_s: float) -> None:
        if duration_s > 0:
            self.add("upright", duration_s, self.seated(), "good", ramp_s=self.u(2.0, 6.0))

    def event(self, event: str, deviation: Deviation, with_glance: bool) -> None:
        n = self.neutral
        if event == "slouch":
            self.slouch(deviation, with_glance)
        elif event == "glance_down":
            pitch = self.u(25.0, 45.0)
            posture = replace(
                self.seated(), head_pitch_deg=pitch, head_forward_deg=n.head_forward_deg + 5
            )
            self.add("glance_down", self.u(5.0, 40.0), posture, "unjudgeable", ramp_s=1.0)
        elif event == "glance_up":
            posture = replace(self.seated(), head_pitch_deg=-self.u(20.0, 35.0))
            self.add("glance_up", self.u(5.0, 40.0), posture, "unjudgeable", ramp_s=1.0)
        elif event == "turn":
            sign = 1.0 if self.rng.random() < 0.5 else -1.0
            posture = replace(self.seated(), head_yaw_deg=sign * self.u(35.0, 60.0))
            duration = self.u(10.0, 60.0) if self.rng.random() < 0.5 else self.u(120.0, 420.0)
            self.add("turn", duration, posture, "unjudgeable", ramp_s=1.5)
        elif event == "lean_back":
            posture = replace(
                self.seated(),
                trunk_flex_deg=-self.u(15.0, 25.0),
                head_forward_deg=n.head_forward_deg + self.u(-5.0, 5.0),
                head_pitch_deg=self.u(5.0, 12.0),
            )
            self.add("lean_back", self.u(60.0, 400.0), posture, "unjudgeable", ramp_s=4.0)
        elif event == "walk_away":
            standing = replace(self.seated(), standing=True)
            self.add("stand", self.u(3.0, 8.0), standing, "unjudgeable")
            self.add("away", self.u(120.0, 1200.0), Posture(present=False), "away")
            self.add("stand", self.u(2.0, 5.0), standing, "unjudgeable")
        elif event == "passerby":
            stranger = sample_body(self.rng)
            posture = replace(
                Posture(),
                x_offset_m=self.u(0.3, 0.6) * (1 if self.rng.random() < 0.5 else -1),
                head_yaw_deg=self.u(-80.0, 80.0),
            )
            self.add("passerby", self.u(2.0, 6.0), posture, "ignore", stranger=stranger)
        elif event == "dropout":
            self.add("dropout", float(self.rng.integers(1, 3)), Posture(present=False), "ignore")
        else:
            raise ValueError(f"unknown event {event!r}")

    def slouch(self, deviation: Deviation, with_glance: bool) -> None:
        n = self.neutral
        self.episode += 1
        if deviation == "sinking":
            posture = self.sunk()
        elif self.front and deviation in ("head_forward", "both"):
            posture = self.head_poked(rounded=deviation == "both")
        else:
            # Rounded shoulders come with a rounded upper back: the trunk flexes too.
            head = (
                self.u(15.0, 25.0) if deviation in ("head_forward", "both") else self.u(-2.0, 3.0)
            )
            rounded = deviation in ("shoulder_rounding", "both")
            posture = replace(
                self.seated(),
                head_forward_deg=n.head_forward_deg + head,
                shoulder_protraction_deg=self.u(15.0, 25.0) if rounded else self.u(-2.0, 3.0),
                trunk_flex_deg=self.u(5.0, 12.0) if rounded else self.u(0.0, 5.0),
            )
        duration = self.u(240.0, 900.0)
        ramp = self.u(5.0, 20.0)
        info = {"episode": self.episode, "deviation": deviation}
        if not with_glance:
            self.add("slouch", duration, posture, "poor", ramp_s=ramp, **info)
            return
        first = self.u(150.0, duration - 60.0)
        self.add("slouch", first, posture, "poor", ramp_s=ramp, **info)
        glance = replace(posture, head_pitch_deg=self.u(25.0, 40.0))
        self.add("glance_down", self.u(5.0, 30.0), glance, "ignore", ramp_s=1.0, **info)
        self.add("slouch", duration - first, posture, "poor", ramp_s=1.0, **info)
