"""Learning from answers, as a figure: simulated days through the whole app.

    python -m calibration.learning_day

Two people, each a scripted day of real landmarks (the bundled pose model's
landmarks of the licensed webcam sittings, tests/fixtures/front_view_sittings.jsonl.gz)
replayed at one frame a second with a pixel of sway, through `Application.open`
(the real detector, scheduler, SQLite store and profile file; the clock is the
recording's own, so a day takes seconds):

* A sits a little low as a matter of course: between their upright frame and their
  slouched one (landmarks 45 % of the way, LOW_SHARE), which the default
  thresholds call sinking. They answer each posture prompt "Not slouching".
* B slouches only a little (22 % of the way, SMALL_SHARE), which the defaults
  miss; three minutes into it they say "I'm slouching now" once.

Each day runs twice from the same calibration: without answers (the thresholds as
calibrated) and with them; the table gives the posture prompts in each part of the
day. Then each person's last part runs again as a new day, after a restart (the
profile read afresh), and after `posturewatch feedback reset`.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np

from posturewatch.app import Application, RunOptions, SourceOptions
from posturewatch.config import Config
from posturewatch.core.baseline import Baseline, calibrate
from posturewatch.core.detector import FrameVerdict, frame_verdict
from posturewatch.core.learning import SIGNAL_WORDS, SIGNALS, Learned, describe
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.scheduler import SchedulerSettings
from posturewatch.core.types import (
    DetectorUpdate,
    Landmark,
    Observation,
    Pose,
    Prompt,
    PromptAnswer,
)
from posturewatch.inputs.recording import RecordingWriter, read_recording
from posturewatch.paths import Paths
from posturewatch.store.profiles import load_learned, save_learned, save_profile

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "front_view_sittings.jsonl.gz"
SITTING_1 = "low-isSlouching__high-notSlouching"
SITTING_2 = "low-isSlouching__middle-notSlouching"
START = "2026-11-23T09:00"
"""The first run's start; each later run of a person starts a day later (its own
day in the store and the report)."""
LOW_SHARE = 0.45
SMALL_SHARE = 0.22
SWAY_PX = 1.0
ANSWERED_DAY = 1
"""The run with answers is the day after the run without."""
SAY_AFTER_MIN = 3.0
"""A "slouching" part's answer comes this far into it."""

Answering = Literal["", "not_slouching", "fine", "slouching"]


@dataclass(frozen=True)
class Part:
    label: str
    frame: Observation
    minutes: float
    answer: Answering = ""
    """not_slouching: every posture prompt in this part is answered so (its button);
    fine: `posturewatch feedback fine` a minute after each; slouching: "I'm slouching
    now" once, SAY_AFTER_MIN into it."""


@dataclass
class DayRun:
    prompts: list[tuple[float, str]] = field(default_factory=list)
    """(minutes into the day, title) of each posture prompt."""
    messages: list[str] = field(default_factory=list)
    learned: Learned = field(default_factory=Learned)

    def in_part(self, parts: Sequence[Part], index: int) -> int:
        start = sum(p.minutes for p in parts[:index])
        end = start + parts[index].minutes
        return sum(1 for t, _ in self.prompts if start <= t < end)


def sitting(name: str) -> tuple[list[Observation], list[Observation]]:
    """The upright and the slouched frames of one licensed sitting, in file order."""
    frames = read_recording(FIXTURE)

    def number(obs: Observation) -> int:
        return int(str(obs.path).rsplit("-", 1)[-1].split(".")[0])

    upright = [o for o in frames if str(o.path).startswith(f"{name}/notSlouching")]
    slouched = [o for o in frames if str(o.path).startswith(f"{name}/isSlouching")]
    return sorted(upright, key=number), sorted(slouched, key=number)


def blend(a: Observation, b: Observation, share: float) -> Observation:
    """Landmarks `share` of the way from frame a to frame b: a posture between two
    real ones of the same person (where the fixed thresholds miss or misfire)."""
    if a.pose is None or b.pose is None:
        raise ValueError("both frames need a person")
    points = tuple(
        Landmark(
            p.x + (q.x - p.x) * share,
            p.y + (q.y - p.y) * share,
            p.z + (q.z - p.z) * share,
            min(p.visibility, q.visibility),
        )
        for p, q in zip(a.pose.image, b.pose.image, strict=True)
    )
    return replace(a, pose=Pose(points), path=f"{share:.0%} of the way to {b.path}")


def write_day(path: Path, parts: Sequence[Part], seed: int = 0) -> None:
    """One frame a second, each part's frame with a pixel of sway."""
    rng = np.random.default_rng(seed)
    t = 0.0
    with RecordingWriter(path, "learning day", fps=1.0, overwrite=True) as writer:
        for part in parts:
            for _ in range(round(part.minutes * 60)):
                writer.write(_swayed(part.frame, t, rng))
                t += 1.0


def _swayed(obs: Observation, t: float, rng: np.random.Generator) -> Observation:
    if obs.pose is None:
        return replace(obs, time_s=t)
    dx, dy = rng.normal(0.0, SWAY_PX, 2) / (obs.width, obs.height)
    image = tuple(Landmark(lm.x + dx, lm.y + dy, lm.z, lm.visibility) for lm in obs.pose.image)
    return replace(obs, time_s=t, index=int(t), pose=Pose(image))


def config() -> Config:
    """The defaults, without break prompts (a break prompt's cooldown would hide the
    posture prompts this counts)."""
    return Config(scheduler=SchedulerSettings(break_prompts=False))


def calibrate_on(paths: Paths, frame: Observation) -> Path:
    """A profile from one upright frame, as `posturewatch calibrate` on a photo."""
    path = paths.profile_file("default")
    save_profile(path, calibrate([frame], "front", min_frames=1))
    return path


def day_start(day: int) -> str:
    """START moved `day` days on."""
    return (datetime.fromisoformat(START) + timedelta(days=day)).isoformat(timespec="minutes")


def run_day(
    paths: Paths, parts: Sequence[Part], recording: Path, answer: bool = True, day: int = 0
) -> DayRun:
    """Run the recorded day through the app, `day` days after START; with `answer`,
    the person answers as their parts say."""
    start = day_start(day)
    origin = datetime.fromisoformat(start).timestamp()
    bounds = [sum(p.minutes for p in parts[: i + 1]) for i in range(len(parts))]
    said: set[int] = set()
    unanswered: list[float] = []
    """Times of prompts in a "fine" part not yet answered."""
    result = DayRun()
    holder: list[Application] = []

    def part_at(time_s: float) -> tuple[int, float]:
        minutes = (time_s - origin) / 60.0
        index = next((i for i, end in enumerate(bounds) if minutes < end), len(parts) - 1)
        return index, minutes - (bounds[index] - parts[index].minutes)

    def on_prompt(prompt: Prompt) -> None:
        if prompt.kind != "posture":
            return
        index, _ = part_at(prompt.time_s)
        result.prompts.append(((prompt.time_s - origin) / 60.0, prompt.title))
        if answer and parts[index].answer == "not_slouching":
            reply = PromptAnswer(prompt.id, "not_slouching", prompt.time_s + 10.0)
            holder[0].monitor.answer(reply)
        elif answer and parts[index].answer == "fine":
            unanswered.append(prompt.time_s)

    def on_update(update: DetectorUpdate) -> None:
        index, into = part_at(update.time_s)
        part = parts[index]
        if answer and part.answer == "slouching" and index not in said and into >= SAY_AFTER_MIN:
            said.add(index)
            result.messages.append(str(holder[0].feedback("slouching")["message"]))
        if unanswered and update.time_s - unanswered[0] >= 60.0:
            unanswered.pop(0)
            result.messages.append(str(holder[0].feedback("not_slouching")["message"]))

    options = RunOptions(source=SourceOptions(spec=str(recording)), notifier="none", start_at=start)
    app = Application.open(paths, config(), options, on_update=on_update, on_prompt=on_prompt)
    holder.append(app)
    with app:
        app.run()
        result.learned = app.monitor.learned
    return result


@dataclass(frozen=True)
class Person:
    name: str
    calibration: Observation
    parts: tuple[Part, ...]
    again: int
    """Which part is replayed as the next day (after a restart, after a reset)."""


def people() -> list[Person]:
    up2, slouched2 = sitting(SITTING_2)
    low = blend(up2[0], slouched2[0], LOW_SHARE)
    up1, slouched1 = sitting(SITTING_1)
    small = blend(up1[0], slouched1[0], SMALL_SHARE)
    return [
        Person(
            "A sits a little low and says so",
            up2[0],
            (
                Part("upright", up2[1], 10),
                Part("sitting low", low, 60, "not_slouching"),
                Part("upright", up2[2], 10),
                Part("sitting low again", low, 30, "not_slouching"),
                Part("slouched", slouched2[5], 20),
                Part("upright", up2[3], 10),
            ),
            again=3,
        ),
        Person(
            "B slouches a little, says so once",
            up1[0],
            (
                Part("upright", up1[1], 10),
                Part("small slouch", small, 30, "slouching"),
                Part("upright", up1[2], 20),
                Part("small slouch again", small, 20),
                Part("upright", up1[4], 10),
            ),
            again=3,
        ),
    ]


@dataclass
class PersonResult:
    person: Person
    without: DayRun
    with_answers: DayRun
    after_restart: int
    after_reset: int
    factors_in_bounds: bool


def simulate(person: Person, folder: Path) -> PersonResult:
    paths = Paths(config_dir=folder, data_dir=folder)
    paths.ensure()
    day = folder / "day.jsonl.gz"
    write_day(day, person.parts)
    profile = calibrate_on(paths, person.calibration)
    without = run_day(paths, person.parts, day, answer=False, day=0)
    calibrate_on(paths, person.calibration)
    with_answers = run_day(paths, person.parts, day, answer=True, day=ANSWERED_DAY)
    again = (person.parts[person.again],)
    next_day = folder / "next.jsonl.gz"
    write_day(next_day, again, seed=1)
    restart = run_day(paths, again, next_day, answer=False, day=ANSWERED_DAY + 1)
    learned = load_learned(profile)
    settings = config().learning
    in_bounds = all(
        settings.min_factor - 1e-9 <= f <= settings.max_factor + 1e-9
        for f in learned.factors.values()
    )
    save_learned(profile, Learned())  # what `posturewatch feedback reset` does
    reset = run_day(paths, again, next_day, answer=False, day=ANSWERED_DAY + 2)
    return PersonResult(
        person, without, with_answers, restart.in_part(again, 0), reset.in_part(again, 0), in_bounds
    )


def render(results: Sequence[PersonResult]) -> str:
    lines = ["posture prompts per part of a simulated day (defaults, break prompts off)"]
    for r in results:
        p = r.person
        lines.append("")
        lines.append(f"{p.name} (calibrated on one upright frame):")
        lines.append(f"  {'part':<22} {'min':>4} {'answer':<15} {'without':>8} {'with':>5}")
        for i, part in enumerate(p.parts):
            said = {"": "-", "not_slouching": "Not slouching", "slouching": "I'm slouching"}
            lines.append(
                f"  {part.label:<22} {part.minutes:>4g} {said[part.answer]:<15} "
                f"{r.without.in_part(p.parts, i):>8} {r.with_answers.in_part(p.parts, i):>5}"
            )
        lines.append(f"  learned: {describe(r.with_answers.learned)}")
        for a in r.with_answers.learned.answers:
            shown = sorted(a.readings.items(), key=lambda kv: -kv[1])[:3]
            read = ", ".join(f"{SIGNAL_WORDS[k]} {v:.2f}" for k, v in shown)
            lines.append(f"  {a.kind.replace('_', ' ')} said while reading: {read}")
        for message in r.with_answers.messages:
            lines.append(f"  said: {message}")
        label = p.parts[p.again].label
        lines.append(
            f"  next day, {label} ({p.parts[p.again].minutes:g} min): {r.after_restart} prompts "
            f"after a restart, {r.after_reset} after a reset; factors within bounds: "
            f"{'yes' if r.factors_in_bounds else 'NO'}"
        )
    return "\n".join(lines)


def _verdicts(
    frames: Sequence[Observation], baseline: Baseline, learned: Mapping[str, float] | None = None
) -> list[FrameVerdict]:
    detector = config().detector
    return [frame_verdict(compute_metrics(o, "front"), baseline, detector, learned) for o in frames]


def _most(verdicts: Sequence[FrameVerdict], signal: str) -> float:
    return max(value for v in verdicts for key, value in v.readings.items() if key == signal)


def bounds_on_real_sittings() -> str:
    """What the bounds do to the licensed sittings' own frames, each calibrated on
    its first upright frame: every factor at the least sensitive bound against the
    slouched frames, sinking at the most sensitive against the upright ones."""
    bounds = config().learning
    least = dict.fromkeys(SIGNALS, bounds.min_factor)
    most = {"sinking": bounds.max_factor}
    lines = ["the bounds on the licensed sittings (one upright frame calibrated):"]
    for label, name in (("sitting 1", SITTING_1), ("sitting 2", SITTING_2)):
        upright, slouched = sitting(name)
        baseline = calibrate([upright[0]], "front", min_frames=1)
        plain_up = _verdicts(upright[1:], baseline)
        sink_min = min(v.readings["sinking"] for v in _verdicts(slouched, baseline))
        relaxed = [v.verdict for v in _verdicts(slouched, baseline, least)].count("poor")
        tightened = [v.verdict for v in _verdicts(upright[1:], baseline, most)].count("good")
        lines.append(
            f"  {label}: every factor at {bounds.min_factor:g}: slouched poor {relaxed} of "
            f"{len(slouched)} (sinking reads >= {sink_min:.2f}); sinking at "
            f"{bounds.max_factor:g}: upright good {tightened} of {len(plain_up)} (upright "
            f"reads at most: sinking {_most(plain_up, 'sinking'):.2f}, head forward "
            f"{_most(plain_up, 'head_forward'):.2f}, ears {_most(plain_up, 'neck'):.2f})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="posturewatch-learning-") as tmp:
        for i, person in enumerate(people()):
            results.append(simulate(person, Path(tmp) / f"person{i}"))
    print(render(results))
    print()
    print(bounds_on_real_sittings())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
