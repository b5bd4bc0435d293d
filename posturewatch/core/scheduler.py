"""When to interrupt the user, and with which routine.

The detector says what the posture is; this module decides whether that is worth a
notification right now. It is deliberately conservative: a tool that nags gets
uninstalled, so every prompt must clear quiet hours, working days, a cooldown, a
daily cap, snoozes, pauses and grace periods after the user comes back.

All time comes from the updates and arguments (epoch seconds); local time is derived
with the tz given at construction, so a whole working day can be replayed in a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from posturewatch.core.local_time import local_datetime
from posturewatch.core.types import (
    DetectorUpdate,
    Deviation,
    Prompt,
    PromptAnswer,
    PromptKind,
    Routine,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Index = datetime.weekday()."""

QUIET = "in a meeting"
"""blocked_reason() while a quiet signal holds (a call, a presentation, do not disturb)."""

BREAK_TARGET = "long_sitting"
SNOOZE_SECONDS = {"snooze_15m": 15 * 60, "snooze_1h": 60 * 60}


@dataclass(frozen=True)
class SchedulerSettings:
    """Tunables of the [scheduler] config section. Minutes unless the name says _s."""

    posture_prompts: bool = True
    """Prompt a routine when poor posture persists."""
    break_prompts: bool = True
    """Prompt a stand-up break after long unbroken sitting."""
    poor_confirm_s: float = 30.0
    """Extra seconds of continuous `poor` (on top of the detector's own persistence)
    before a posture prompt, so a detector flicker never notifies."""
    break_after_min: float = 50.0
    """Unbroken sitting before a stand-up break is suggested."""
    cooldown_min: float = 20.0
    """Minimum gap between any two prompts."""
    daily_cap: int = 8
    """Most prompts per local day, whatever else happens (escalation included)."""
    quiet_hours: tuple[str, ...] = ()
    """Local "HH:MM-HH:MM" ranges without prompts, e.g. ["18:00-09:00"]; a range may
    wrap midnight. Opt-in: by default the tool prompts whenever it runs, since someone
    who starts it early, late or on a Saturday wants it to work then."""
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    """Local days on which prompts may appear (opt-in to fewer)."""
    return_grace_min: float = 3.0
    """No prompt this soon after the user comes back into view: let them settle."""
    resume_gap_s: float = 120.0
    """A jump between consecutive updates longer than this means the machine slept."""
    resume_grace_min: float = 3.0
    """No prompt this soon after such a resume."""
    away_break_min: float = 5.0
    """Away this long counts as a break and resets the sitting timer; shorter
    absences only pause it."""
    escalate_after_ignored: int = 3
    """After this many prompts in a row went unanswered, prompts use the level-1
    wording (0 = never). Escalation changes wording only: never more prompts."""
    prompt_expiry_min: float = 10.0
    """A prompt unanswered this long counts as ignored."""

    def __post_init__(self) -> None:
        _check_range("poor_confirm_s", self.poor_confirm_s, 0, 600)
        _check_range("break_after_min", self.break_after_min, 10, 240)
        _check_range("cooldown_min", self.cooldown_min, 1, 240)
        _check_range("daily_cap", self.daily_cap, 1, 50)
        _check_range("return_grace_min", self.return_grace_min, 0, 60)
        _check_range("resume_gap_s", self.resume_gap_s, 30, 3600)
        _check_range("resume_grace_min", self.resume_grace_min, 0, 60)
        _check_range("away_break_min", self.away_break_min, 1, 120)
        _check_range("escalate_after_ignored", self.escalate_after_ignored, 0, 20)
        _check_range("prompt_expiry_min", self.prompt_expiry_min, 1, 240)
        for text in self.quiet_hours:
            parse_quiet_range(text)
        if not self.working_days:
            raise ValueError("working_days: empty; list at least one of " + ", ".join(WEEKDAYS))
        for day in self.working_days:
            if day not in WEEKDAYS:
                raise ValueError(f"working_days: {day!r} is not one of {', '.join(WEEKDAYS)}")
        if len(set(self.working_days)) != len(self.working_days):
            raise ValueError("working_days: a day is listed twice")


def _check_range(key: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValueError(f"{key}: {value} is outside {low}..{high}")


# --- pure helpers: local time -------------------------------------------------------


def parse_clock(text: str) -> int:
    """Minutes after midnight of "HH:MM"; ValueError otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if (
        not sep
        or not (hours.isdigit() and minutes.isdigit())
        or len(minutes) != 2
        or not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59)
    ):
        raise ValueError(f"quiet_hours: {text!r} is not a time like 18:30")
    return int(hours) * 60 + int(minutes)


def parse_quiet_range(text: str) -> tuple[int, int]:
    """(start, end) minutes of "HH:MM-HH:MM"; start > end wraps past midnight."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"quiet_hours: {text!r} is not a range like 18:00-09:00")
    span = parse_clock(start), parse_clock(end)
    if span[0] == span[1]:
        raise ValueError(f"quiet_hours: {text!r} is empty; remove it to have no quiet hours")
    return span


def _in_range(seconds_of_day: float, span: tuple[int, int]) -> bool:
    start, end = span[0] * 60, span[1] * 60
    if start < end:
        return start <= seconds_of_day < end
    return seconds_of_day >= start or seconds_of_day < end


def _seconds_of_day(local_time: time) -> float:
    return local_time.hour * 3600 + local_time.minute * 60 + local_time.second


def is_quiet(local_time: time, settings: SchedulerSettings) -> bool:
    """True inside any quiet range (start inclusive, end exclusive)."""
    seconds = _seconds_of_day(local_time)
    return any(_in_range(seconds, parse_quiet_range(r)) for r in settings.quiet_hours)


def is_working_day(local_date: date, settings: SchedulerSettings) -> bool:
    return WEEKDAYS[local_date.weekday()] in settings.working_days


def local_instant(day: date, minutes: int, tz: tzinfo | None) -> float:
    """Epoch seconds of `minutes` after local midnight of `day`."""
    at = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes)
    return at.timestamp()


def next_local_midnight(time_s: float, tz: tzinfo | None) -> float:
    """Start of the local day after the one containing `time_s` (DST-safe)."""
    return local_instant(local_datetime(time_s, tz).date() + timedelta(days=1), 0, tz)


def quiet_end(time_s: float, settings: SchedulerSettings, tz: tzinfo | None) -> float | None:
    """When the quiet range containing `time_s` ends, or None if it is not quiet."""
    local = local_datetime(time_s, tz)
    seconds = _seconds_of_day(local.time())
    for text in settings.quiet_hours:
        span = parse_quiet_range(text)
        if not _in_range(seconds, span):
            continue
        wraps_to_tomorrow = span[0] > span[1] and seconds >= span[0] * 60
        day = local.date() + timedelta(days=1 if wraps_to_tomorrow else 0)
        return local_instant(day, span[1], tz)
    return None


def snooze_until(answer: str, time_s: float, tz: tzinfo | None) -> float | None:
    """End of the snooze an answer asks for; snooze_day lasts until local midnight."""
    if answer in SNOOZE_SECONDS:
        return time_s + SNOOZE_SECONDS[answer]
    if answer == "snooze_day":
        return next_local_midnight(time_s, tz)
    return None


# --- pure helpers: routines and wording ---------------------------------------------


def deviation_targets(dominant: Deviation | None) -> tuple[str, ...]:
    """Routine targets that address a deviation; both/unknown accept either."""
    if dominant in ("head_forward", "shoulder_rounding", "sinking"):
        return (dominant,)
    return ("head_forward", "shoulder_rounding")


SINKING_FALLBACK = ("head_forward", "shoulder_rounding")
"""A routines file with no routine for sinking (written before it existed) offers
these for it: sitting back up is what both kinds of routine begin with."""


def routine_pool(routines: Sequence[Routine], targets: tuple[str, ...]) -> list[Routine]:
    """Routines aimed at any of `targets`, in file order."""
    pool = [r for r in routines if any(t in r.targets for t in targets)]
    if not pool and targets == ("sinking",):
        return routine_pool(routines, SINKING_FALLBACK)
    return pool


def pick_routine(
    pool: Sequence[Routine], cursor: int, last_id: str | None
) -> tuple[Routine, int] | None:
    """Round-robin through `pool` from `cursor`, skipping the routine suggested last
    time (unless it is the only one). Returns the routine and the next cursor.
    Deterministic on purpose: the user sees variety, a test sees exact routines."""
    if not pool:
        return None
    for offset in range(len(pool)):
        index = (cursor + offset) % len(pool)
        if pool[index].id != last_id or len(pool) == 1:
            return pool[index], (index + 1) % len(pool)
    return None  # unreachable: len(pool) > 1 means some id differs from last_id


TITLE_MAX = 60
"""Longest notification summary: most notification servers cut the rest."""
BODY_MAX = 200
"""Longest notification body: three short lines at a glance; the steps and the
safety notes are in the break window and on the routine's page."""

_WHY = {
    "head_forward": "Head forward",
    "shoulder_rounding": "Shoulders rounded",
    "both": "Head forward, shoulders rounded",
    "sinking": "Sunk into your chair",
}


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def prompt_title(kind: PromptKind, dominant: str | None, lasted_s: float) -> str:
    """The why, at a glance: what deviated and for how long, or how long you sat."""
    if kind == "break":
        return f"Seated for {_minutes(lasted_s)}: time to stand up"
    why = _WHY.get(dominant or "", "Posture slipping")
    return f"{why} for {_minutes(lasted_s)}"[:TITLE_MAX]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def prompt_body(routine: Routine, level: int, ignored: int) -> str:
    """The routine in a line, its first step in another, and at level 1 one gentle
    line: at most three lines and BODY_MAX characters."""
    minutes = max(1, round(routine.duration_s / 60))
    lines = [f"Try {routine.title} (about {minutes} min)."]
    if level > 0:
        lines.append(f"The last {ignored} reminders went by; even one minute helps.")
    room = BODY_MAX - sum(len(line) + 1 for line in lines)
    if routine.steps and room > 20:
        lines.insert(1, _clip(routine.steps[0], room))
    return "\n".join(lines)


# --- the stateful part --------------------------------------------------------------


class Scheduler:
    """Turns a stream of DetectorUpdates into the occasional Prompt.

    Keeps a sitting timer (sample-and-hold: the interval after an update takes that
    update's state), a poor-posture timer, and the prompt history of the local day.
    """

    def __init__(
        self,
        settings: SchedulerSettings,
        routines: Sequence[Routine],
        tz: tzinfo | None = None,
    ) -> None:
        if not routines:
            raise ValueError("Scheduler needs at least one routine")
        self.settings = settings
        self.routines = tuple(routines)
        self.tz = tz
        self._last_t: float | None = None
        self._last_present = False
        self._accounted_s = -math.inf
        self._sitting_s = 0.0
        self._break_due_at_sitting_s = settings.break_after_min * 60
        self._away_since: float | None = None
        self._poor_since: float | None = None
        self._deviating_since: float | None = None
        """When the current deviation began to build (before it persisted into poor):
        the prompt's title says how long it has lasted."""
        self._grace_until = -math.inf
        self._snooze_until = -math.inf
        self._paused_until = -math.inf
        self._quiet: str | None = None
        self._held_in_meeting = False
        """Did a meeting hold the camera since the previous update (see
        camera_held_in_meeting)?"""
        self._last_prompt_s: float | None = None
        self._day: date | None = None
        self._prompts_today = 0
        self._ignored_streak = 0
        self._seq = 0
        self._last_routine_id: str | None = None
        self._cursors: dict[tuple[str, ...], int] = {}
        self._open: dict[str, Prompt] = {}
        self._kinds: dict[str, PromptKind] = {}
        self._expired: list[PromptAnswer] = []

    # -- inputs ----------------------------------------------------------------------

    def step(self, update: DetectorUpdate) -> list[Prompt]:
        """Account for one update; returns the prompt to show, if any (at most one)."""
        t = update.time_s
        self._expire(t)
        self._roll_day(t)
        self._track_presence(update)
        self._track_poor(update)
        if update.state == "away" or self.blocked_reason(t) is not None:
            return []
        kind = self._due_kind(update)
        # Long sitting needs only presence; a posture prompt needs a posture the
        # detector could judge against a baseline that still fits the desk.
        judged = update.state in ("good", "poor") and not update.recalibrate
        if kind is None or (kind == "posture" and not judged):
            return []
        prompt = self._make_prompt(kind, update)
        return [prompt] if prompt is not None else []

    def answer(self, answer: PromptAnswer) -> None:
        """Apply what the user did. Unknown ids (e.g. from before a restart) still snooze."""
        kind = self._kinds.get(answer.prompt_id)
        was_open = self._open.pop(answer.prompt_id, None) is not None
        if answer.answer == "ignored":
            if was_open:
                self._ignored_streak += 1
            return
        self._ignored_streak = 0
        until = snooze_until(answer.answer, answer.time_s, self.tz)
        if until is not None:
            self._snooze_until = max(self._snooze_until, until)
            if kind == "break":
                # Snoozing a break postpones it; it must not re-arm a whole new interval.
                self._break_due_at_sitting_s = min(self._break_due_at_sitting_s, self._sitting_s)
        elif answer.answer == "done":
            if kind == "break":
                self._reset_sitting(answer.time_s)
            elif kind == "posture":
                self._poor_since = self._deviating_since = None
        elif answer.answer == "not_slouching" and kind == "posture":
            # A false alarm: this episode is over; a new one must build up afresh.
            self._poor_since = self._deviating_since = None

    def set_settings(self, settings: SchedulerSettings) -> None:
        """New settings (the settings window) keep the day's state: sitting time,
        prompts, cooldown, snooze, pause; a changed break interval moves the break
        due by the difference."""
        self._break_due_at_sitting_s += (
            settings.break_after_min - self.settings.break_after_min
        ) * 60
        self.settings = settings

    def pause(self, until_s: float | None) -> None:
        """No prompts until `until_s` (None = until resume())."""
        self._paused_until = math.inf if until_s is None else until_s

    def resume(self, now_s: float) -> None:
        self._paused_until = -math.inf

    def set_quiet(self, why: str | None) -> None:
        """Prompts wait while `why` (what a meeting signal saw) is set. Nothing is lost
        and nothing piles up: the posture and sitting timers keep running, so when it
        ends the one prompt still called for comes (break first), then the cooldown."""
        self._quiet = why

    def camera_held_in_meeting(self) -> None:
        """The updates stopped because a meeting holds the camera: the person is at
        the desk, so the gap until the next update counts as sitting (a break due
        comes after the call), not as an absence or a sleep."""
        self._held_in_meeting = True

    # -- outputs ---------------------------------------------------------------------

    def pending(self, now_s: float) -> list[Prompt]:
        """Prompts shown and still awaiting an answer at `now_s`."""
        expiry = self.settings.prompt_expiry_min * 60
        return [p for p in self._open.values() if now_s < p.time_s + expiry]

    def expire(self, now_s: float) -> list[PromptAnswer]:
        """'ignored' answers for prompts that went unanswered too long, including those
        step() already expired since the last call; the monitor stores them."""
        self._expire(now_s)
        out, self._expired = self._expired, []
        return out

    def blocked_reason(self, now_s: float) -> str | None:
        """Why no prompt may appear at `now_s` whatever the posture, or None."""
        s = self.settings
        local = local_datetime(now_s, self.tz)
        if now_s < self._paused_until:
            return "paused"
        if self._quiet is not None:
            return QUIET
        if not is_working_day(local.date(), s):
            return "not a working day"
        if is_quiet(local.time(), s):
            return "quiet hours"
        if self._prompts_on(local.date()) >= s.daily_cap:
            return "daily cap reached"
        if now_s < self._snooze_until:
            return "snoozed"
        if self._last_prompt_s is not None and now_s - self._last_prompt_s < s.cooldown_min * 60:
            return "cooldown"
        if now_s < self._grace_until:
            return "settling in"
        return None

    def next_possible_prompt(self, now_s: float) -> float | None:
        """Earliest time a prompt could appear if posture called for one (None = paused
        indefinitely). Walks past pause, snooze, cooldown, grace, cap, quiet hours and
        days off; a meeting's end cannot be foreseen, so it is not counted here (the
        status's `quiet` says prompts wait for it)."""
        s = self.settings
        t = max(now_s, self._paused_until, self._snooze_until, self._grace_until)
        if self._last_prompt_s is not None:
            t = max(t, self._last_prompt_s + s.cooldown_min * 60)
        for _ in range(64):
            if math.isinf(t):
                return None
            local = local_datetime(t, self.tz)
            if not is_working_day(local.date(), s) or self._prompts_on(local.date()) >= s.daily_cap:
                t = next_local_midnight(t, self.tz)
                continue
            end = quiet_end(t, s, self.tz)
            if end is None:
                return t
            t = end
        return None

    def status(self, now_s: float) -> dict[str, Any]:
        """A JSON-ready snapshot for `posturewatch status` and the tray."""
        today = local_datetime(now_s, self.tz).date()
        return {
            "sitting_min": round(self._sitting_s / 60, 1),
            "prompts_today": self._prompts_on(today),
            "daily_cap": self.settings.daily_cap,
            "ignored_in_a_row": self._ignored_streak,
            "snoozed_until": self._snooze_until if self._snooze_until > now_s else None,
            "paused": now_s < self._paused_until,
            "paused_until": self._paused_until
            if now_s < self._paused_until and not math.isinf(self._paused_until)
            else None,
            "pending": [p.id for p in self.pending(now_s)],
            "quiet": self._quiet,
            "blocked_by": self.blocked_reason(now_s),
            "next_possible_prompt_s": self.next_possible_prompt(now_s),
        }

    # -- internals -------------------------------------------------------------------

    def _prompts_on(self, day: date) -> int:
        return self._prompts_today if day == self._day else 0

    def _roll_day(self, t: float) -> None:
        """A new local day: fresh cap, and yesterday's ignored prompts do not escalate."""
        day = local_datetime(t, self.tz).date()
        if day != self._day:
            self._day = day
            self._prompts_today = 0
            self._ignored_streak = 0

    def _reset_sitting(self, at_s: float) -> None:
        self._sitting_s = 0.0
        self._accounted_s = max(self._accounted_s, at_s)
        self._break_due_at_sitting_s = self.settings.break_after_min * 60

    def _track_presence(self, update: DetectorUpdate) -> None:
        s = self.settings
        t = update.time_s
        present = update.state != "away"
        gap = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        in_a_call = self._held_in_meeting and self._last_present
        self._held_in_meeting = False
        if self._last_t is not None and gap > s.resume_gap_s and in_a_call:
            # No updates because a call held the camera: the person sat through it,
            # so the break timer runs on (a break due comes after the call); the
            # posture in between is unknown.
            self._sitting_s += max(0.0, t - max(self._last_t, self._accounted_s))
            self._poor_since = self._deviating_since = None
        elif self._last_t is not None and gap > s.resume_gap_s:
            # The machine slept (or the monitor was stopped): nobody was watched, so
            # the gap is an absence (joined to any away spell before it), and the user
            # gets time to settle.
            absent_since = self._last_t if self._away_since is None else self._away_since
            if t - absent_since >= s.away_break_min * 60:
                self._reset_sitting(t)
            self._grace_until = max(self._grace_until, t + s.resume_grace_min * 60)
            self._away_since = None
            self._poor_since = self._deviating_since = None
        elif self._last_present and self._last_t is not None:
            self._sitting_s += max(0.0, t - max(self._last_t, self._accounted_s))
        self._accounted_s = max(self._accounted_s, t)

        if not present:
            if self._away_since is None:
                self._away_since = t
            if t - self._away_since >= s.away_break_min * 60:
                self._reset_sitting(t)
        elif self._away_since is not None:
            if t - self._away_since >= s.away_break_min * 60:
                self._reset_sitting(t)
            self._away_since = None
            self._grace_until = max(self._grace_until, t + s.return_grace_min * 60)
        self._last_t = t
        self._last_present = present

    def _track_poor(self, update: DetectorUpdate) -> None:
        judged = update.state in ("good", "poor") and not update.recalibrate
        if judged and update.dominant is not None:
            if self._deviating_since is None:
                self._deviating_since = update.time_s
        else:
            self._deviating_since = None
        if update.state == "poor" and not update.recalibrate:
            if self._poor_since is None:
                self._poor_since = update.time_s
        else:
            self._poor_since = None

    def _due_kind(self, update: DetectorUpdate) -> PromptKind | None:
        """Break first: standing up also fixes the slouch."""
        s = self.settings
        if s.break_prompts and self._sitting_s >= self._break_due_at_sitting_s:
            return "break"
        if (
            s.posture_prompts
            and self._poor_since is not None
            and update.time_s - self._poor_since >= s.poor_confirm_s
        ):
            return "posture"
        return None

    def _make_prompt(self, kind: PromptKind, update: DetectorUpdate) -> Prompt | None:
        targets = (BREAK_TARGET,) if kind == "break" else deviation_targets(update.dominant)
        picked = pick_routine(
            routine_pool(self.routines, targets),
            self._cursors.get(targets, 0),
            self._last_routine_id,
        )
        if picked is None:
            return None
        routine, self._cursors[targets] = picked
        s = self.settings
        level = (
            1
            if s.escalate_after_ignored and self._ignored_streak >= s.escalate_after_ignored
            else 0
        )
        self._seq += 1
        t = update.time_s
        began = self._deviating_since or self._poor_since or t
        lasted_s = self._sitting_s if kind == "break" else t - began
        prompt = Prompt(
            id=f"p{self._seq}-{int(t)}",
            time_s=t,
            kind=kind,
            routine=routine,
            title=prompt_title(kind, update.dominant, lasted_s),
            body=prompt_body(routine, level, self._ignored_streak),
            level=level,
        )
        self._last_routine_id = routine.id
        self._last_prompt_s = t
        self._prompts_today += 1
        self._open[prompt.id] = prompt
        self._kinds[prompt.id] = kind
        if len(self._kinds) > 256:
            self._kinds.pop(next(iter(self._kinds)))
        if kind == "break":
            self._break_due_at_sitting_s = self._sitting_s + s.break_after_min * 60
        return prompt

    def _expire(self, now_s: float) -> None:
        expiry = self.settings.prompt_expiry_min * 60
        for prompt in list(self._open.values()):
            if now_s >= prompt.time_s + expiry:
                del self._open[prompt.id]
                if self._quiet is None:  # unanswered in a meeting is not ignored
                    self._ignored_streak += 1
                self._expired.append(PromptAnswer(prompt.id, "ignored", prompt.time_s + expiry))
