"""Learning each person's own slouch from their answers to the prompts.

An answer says what the thresholds got wrong at one moment: "Not slouching" on a
posture prompt (or `posturewatch feedback fine`) is a false alarm, "I'm slouching
now" (the tray, `posturewatch feedback slouching`) a missed slouch. The detector
says, for that moment, how far each signal was from firing: its deviation as a
fraction of the threshold in force (1.0 = at threshold). A false alarm makes the
signals that fired less sensitive; a miss makes the signals that moved more
sensitive. What is learned is one sensitivity factor per signal (1.0 = as
calibrated, > 1 more sensitive) that the thresholds multiply into the global
sensitivity. Steps are bounded, so one odd answer cannot undo a calibration, and
the factors stay within bounds around the calibrated thresholds, so no number of
answers makes a real slouch invisible or upright sitting poor.

A moment the detector did not judge (a nod, a turned head, leaning back, standing
up, nobody in view) is never learned from: its readings describe no posture.

Pure: no clock, no file; the caller passes the time and stores the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from posturewatch.core.settings import check_between
from posturewatch.core.types import DetectorUpdate

SIGNALS = ("head_forward", "shoulders_rounded", "sinking", "neck", "lean_in")
"""The detector's signals, as core/thresholds.py names them."""
SIGNAL_WORDS = {
    "head_forward": "head forward",
    "shoulders_rounded": "rounded shoulders",
    "sinking": "sinking in the chair",
    "neck": "ears low over the shoulders",
    "lean_in": "leaning in to the screen",
}

FeedbackKind = Literal["not_slouching", "slouching"]
"""not_slouching: a false alarm (the prompt's answer, `feedback fine`);
slouching: a missed slouch (the tray's "I'm slouching now", `feedback slouching`)."""
FEEDBACK_KINDS: tuple[FeedbackKind, ...] = ("not_slouching", "slouching")


@dataclass(frozen=True)
class LearningSettings:
    """How far and how fast answers move the thresholds (`[learning]` in the config)."""

    min_factor: float = 0.6
    """Least sensitivity a signal can be given (its threshold at most 1/0.6 = 1.67
    times the calibrated one): a real slouch stays visible whatever was answered."""
    max_factor: float = 1.6
    """Most sensitivity (threshold at 1/1.6 = 62 % of the calibrated one): still
    above the drift of an upright sitter (about half the default thresholds)."""
    relax_step: float = 0.75
    """One false alarm makes a signal at most this much less sensitive..."""
    relax_target: float = 0.75
    """...aiming to put that moment's reading this far under its threshold (below
    where the hysteresis lets a signal that is out back in, 0.8 by default)."""
    tighten_step: float = 1.5
    """One missed slouch makes a signal at most this much more sensitive..."""
    tighten_target: float = 1.2
    """...aiming to put the strongest signal of that moment this far over its
    threshold, so the same posture prompts the next time."""
    moved_fraction: float = 0.4
    """A signal at this fraction of its threshold or more took part in a missed
    slouch; below, it did not move beyond an upright sitter's drift..."""
    moved_share: float = 0.75
    """...and at this share of the strongest signal's reading or more: the signals
    that carry the slouch are tightened, not every one that twitched with it (an
    upright sitter's head-forward drifts to 0.7 of its threshold on real frames)."""
    fired_fraction: float = 0.8
    """A signal at this fraction or more took part in a false alarm: out (the
    hysteresis keeps a signal out down to 0.8 of its threshold), or so near that,
    the signal that fired relaxed, the same posture would fire it next (sinking
    relaxed, the same drop reads as the head lower)."""
    max_answers: int = 50
    """Answers kept in the profile beside the factors (the newest)."""

    def __post_init__(self) -> None:
        check_between("min_factor", self.min_factor, 0.1, 1.0)
        check_between("max_factor", self.max_factor, 1.0, 10.0)
        check_between("relax_step", self.relax_step, 0.1, 1.0)
        check_between("relax_target", self.relax_target, 0.1, 1.0)
        check_between("tighten_step", self.tighten_step, 1.0, 10.0)
        check_between("tighten_target", self.tighten_target, 1.0, 10.0)
        check_between("moved_fraction", self.moved_fraction, 0.05, 1.0)
        check_between("moved_share", self.moved_share, 0.0, 1.0)
        check_between("fired_fraction", self.fired_fraction, 0.5, 1.0)
        check_between("max_answers", self.max_answers, 1, 1000)


@dataclass(frozen=True)
class Moment:
    """What the detector said at the moment of an answer."""

    readings: Mapping[str, float]
    """Signal -> its deviation as a fraction of the threshold in force (1.0 = at
    threshold); a signal the frame could not show is left out."""
    unjudged: str = ""
    """Why the moment was not judged ('looking down', 'head turned', 'leaning back',
    'standing up', 'nobody in view', ...); '' when it was."""
    time_s: float = 0.0
    decided_by: str | None = None
    """The signal that put the moment out of range, when one did."""


@dataclass(frozen=True)
class LearnedAnswer:
    """One answer learned from, kept in the profile."""

    time_s: float
    kind: FeedbackKind
    readings: Mapping[str, float]
    """The moment's readings, as fractions of the thresholds then in force."""
    steps: Mapping[str, float]
    """What it multiplied each signal's factor by (only the signals it changed)."""


@dataclass(frozen=True)
class Learned:
    """What answers taught: a sensitivity factor per signal, and the answers (newest
    last, at most LearningSettings.max_answers of them)."""

    factors: Mapping[str, float] = field(default_factory=dict)
    answers: tuple[LearnedAnswer, ...] = ()
    count: int = 0
    """Answers learned from since the calibration (the list keeps the newest)."""

    def factor(self, signal: str) -> float:
        return self.factors.get(signal, 1.0)

    @property
    def empty(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class Outcome:
    """An answer's effect: the new Learned (the old one when refused) and one
    sentence for the user."""

    learned: Learned
    applied: bool
    message: str


def learn(
    learned: Learned,
    kind: FeedbackKind,
    moment: Moment,
    settings: LearningSettings | None = None,
) -> Outcome:
    """Learn from one answer given at `moment`; a moment that cannot teach anything
    (not judged, nothing fired, nothing moved, already at the bound) is refused
    with the reason."""
    s = settings or LearningSettings()
    if moment.unjudged:
        return Outcome(learned, False, _not_judged(kind, moment.unjudged))
    readings = {k: float(v) for k, v in moment.readings.items() if k in SIGNALS}
    readings = {k: v for k, v in readings.items() if math.isfinite(v)}
    if not readings:
        return Outcome(learned, False, "not learned: no signal could be read at that moment")
    top = max(readings, key=lambda k: readings[k])
    if kind == "not_slouching":
        fired = [k for k, v in readings.items() if v >= s.fired_fraction or k == moment.decided_by]
        if not fired:
            return Outcome(
                learned,
                False,
                "not learned: nothing read as a slouch at that moment "
                f"(nearest: {_reading(top, readings[top])})",
            )
        steps = {k: min(1.0, max(s.relax_step, s.relax_target / readings[k])) for k in fired}
    else:
        if readings[top] >= 1.0 or moment.decided_by is not None:
            return Outcome(
                learned,
                False,
                f"not learned: that already reads as a slouch ({_reading(top, readings[top])}); "
                "a prompt follows if it lasts",
            )
        if readings.get("lean_in", 0.0) <= -1.0 and readings.get("sinking", 0.0) < s.moved_fraction:
            # Back from the screen without going down: a recline, not a slouch.
            return Outcome(learned, False, _not_judged(kind, "leaning back"))
        floor = max(s.moved_fraction, s.moved_share * readings[top])
        moved = [k for k, v in readings.items() if v >= floor]
        if readings[top] < s.moved_fraction:
            return Outcome(
                learned,
                False,
                "not learned: nothing moved from your calibrated posture beyond everyday "
                f"drift (largest: {_reading(top, readings[top])}); if you sat like this "
                "while calibrating, recalibrate sitting well",
            )
        step = min(s.tighten_step, s.tighten_target / max(readings[top], 1e-9))
        steps = dict.fromkeys(moved, step)
    factors = dict(learned.factors)
    applied: dict[str, float] = {}
    for signal, step in steps.items():
        old = learned.factor(signal)
        new = min(s.max_factor, max(s.min_factor, old * step))
        if not math.isclose(new, old, rel_tol=1e-9):
            factors[signal] = new
            applied[signal] = new / old
    if not applied:
        bound = "relaxed" if kind == "not_slouching" else "sensitive"
        names = ", ".join(SIGNAL_WORDS[k] for k in steps)
        return Outcome(
            learned,
            False,
            f"not learned: {names} is already as {bound} as answers may make it; "
            "recalibrate (or reset what was learned) if your sitting changed",
        )
    answer = LearnedAnswer(moment.time_s, kind, readings, applied)
    new_learned = Learned(
        factors={k: factors[k] for k in SIGNALS if k in factors},
        answers=(*learned.answers, answer)[-s.max_answers :],
        count=learned.count + 1,
    )
    return Outcome(new_learned, True, _applied(kind, applied, new_learned))


def _not_judged(kind: FeedbackKind, reason: str) -> str:
    what = "a slouch" if kind == "slouching" else "good posture"
    return f"not learned: that moment was not judged ({reason}), so it cannot be learned as {what}"


def _reading(signal: str, value: float) -> str:
    return f"{SIGNAL_WORDS.get(signal, signal)} at {value:.2f} of its threshold"


def _applied(kind: FeedbackKind, applied: Mapping[str, float], learned: Learned) -> str:
    how = "less" if kind == "not_slouching" else "more"
    names = ", ".join(SIGNAL_WORDS[k] for k in applied)
    return f"learned: {names} now {how} sensitive ({describe(learned)})"


def describe(learned: Learned) -> str:
    """'adjusted from 3 answers: head forward x0.64, sinking x1.20' or 'as calibrated'."""
    if learned.empty:
        return "as calibrated"
    changed = [f"{SIGNAL_WORDS[k]} x{v:.2f}" for k, v in learned.factors.items() if v != 1.0]
    answers = "1 answer" if learned.count == 1 else f"{learned.count} answers"
    return f"adjusted from {answers}" + (": " + ", ".join(changed) if changed else "")


# --- JSON (the profile's "learned" key; store/profiles.py moves the bytes) ---------


def learned_to_json(learned: Learned) -> dict[str, Any]:
    return {
        "factors": {k: learned.factors[k] for k in SIGNALS if k in learned.factors},
        "count": learned.count,
        "answers": [
            {
                "time_s": a.time_s,
                "kind": a.kind,
                "readings": dict(a.readings),
                "steps": dict(a.steps),
            }
            for a in learned.answers
        ],
    }


def learned_from_json(data: Any, settings: LearningSettings | None = None) -> Learned:
    """Inverse of learned_to_json; ValueError('learned.key: problem'). Factors are
    held to the bounds in force (a config that narrowed them narrows what was learned)."""
    s = settings or LearningSettings()
    if data is None:
        return Learned()
    if not isinstance(data, dict):
        raise ValueError("learned: expected an object")
    factors_raw = data.get("factors", {})
    if not isinstance(factors_raw, dict):
        raise ValueError("learned.factors: expected an object")
    factors: dict[str, float] = {}
    for key, value in factors_raw.items():
        if key not in SIGNALS:
            raise ValueError(f"learned.factors.{key}: not a signal (one of {', '.join(SIGNALS)})")
        factors[key] = min(s.max_factor, max(s.min_factor, _finite(value, f"factors.{key}")))
    answers_raw = data.get("answers", [])
    if not isinstance(answers_raw, list):
        raise ValueError("learned.answers: expected a list")
    answers: list[LearnedAnswer] = []
    for i, entry in enumerate(answers_raw[-s.max_answers :]):
        where = f"answers[{i}]"
        if not isinstance(entry, dict):
            raise ValueError(f"learned.{where}: expected an object")
        kind = entry.get("kind")
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"learned.{where}.kind: expected one of {FEEDBACK_KINDS}")
        answers.append(
            LearnedAnswer(
                time_s=_finite(entry.get("time_s"), f"{where}.time_s"),
                kind=kind,
                readings=_signal_map(entry.get("readings", {}), f"{where}.readings"),
                steps=_signal_map(entry.get("steps", {}), f"{where}.steps"),
            )
        )
    count = data.get("count", len(answers))
    if isinstance(count, bool) or not isinstance(count, int) or count < len(answers):
        raise ValueError("learned.count: expected a whole number, at least the answers kept")
    return Learned(factors, tuple(answers), count)


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"learned.{where}: expected a finite number, got {value!r:.40}")
    return float(value)


def _signal_map(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"learned.{where}: expected an object")
    return {k: _finite(v, f"{where}.{k}") for k, v in value.items() if k in SIGNALS}


def moment_of(update: DetectorUpdate | None) -> Moment:
    """The moment a detector update describes: its readings, or why it was not
    judged."""
    if update is None:
        return Moment({}, "nothing judged yet")
    readings = dict(update.readings or {})
    unjudged = ""
    if update.recalibrate:
        unjudged = "setup changed"
    elif update.state == "away":
        unjudged = update.reason or "nobody in view"
    elif update.state == "uncertain":
        unjudged = update.reason or "not judged"
    elif not readings:
        unjudged = "nothing judged yet"
    return Moment(readings, unjudged, update.time_s, update.decided_by)


SETTLE_S = 10.0
"""A moment is learned from only when every update of the last this many seconds
was judged: a nod or a turn that flickers into a judged frame or two (noise on the
pitch, the grace the detector gives a blip) is still a nod or a turn."""


class MomentTracker:
    """The moment to learn from, fed the detector's updates in order."""

    def __init__(self, settle_s: float = SETTLE_S) -> None:
        self.settle_s = settle_s
        self._last: DetectorUpdate | None = None
        self._unjudged: tuple[float, str] | None = None
        """(time, reason) of the latest update that was not judged."""

    def add(self, update: DetectorUpdate) -> None:
        self._last = update
        moment = moment_of(update)
        if moment.unjudged:
            self._unjudged = (update.time_s, moment.unjudged)

    def moment(self) -> Moment:
        moment = moment_of(self._last)
        if moment.unjudged or self._unjudged is None:
            return moment
        since, reason = self._unjudged
        if moment.time_s - since < self.settle_s:
            return replace(moment, unjudged=f"{reason} {moment.time_s - since:.0f} s ago")
        return moment
