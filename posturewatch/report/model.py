"""The daily posture report's numbers: a day (or a week) built from the store.

Everything is derived from the store's time buckets (one minute by default), so
durations are exact sums of sampled time while stretches (longest poor spell,
longest unbroken sitting, breaks) are measured to the bucket: a bucket belongs to
a stretch when that state fills most of it, and the partial buckets at each end
add their share. Local days follow the tz passed in (None: the system's zone), so
a DST day has 23 or 25 hours. An absence ends a sitting stretch (and is a break)
from the scheduler's `away_break_min` on, the same rule the break prompts follow.

The renderings are beside this module: export.py (JSON and CSV), text.py (the
terminal) and html.py (one page).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta, tzinfo
from typing import ClassVar, Literal, Protocol, TypeVar

from posturewatch.core.local_time import local_datetime, local_day_bounds
from posturewatch.core.scheduler import SchedulerSettings
from posturewatch.core.settings import check_between
from posturewatch.store.database import Bucket, EventRecord, PromptRecord

SlotState = Literal["good", "poor", "uncertain", "away"]


@dataclass(frozen=True)
class ReportSettings:
    """The [report] config section. What counts as a break is the scheduler's
    `away_break_min` (build_daily's `scheduler`), so prompts and report agree."""

    RETIRED_KEYS: ClassVar[frozenset[str]] = frozenset({"break_min_s"})
    """Now the scheduler's away_break_min."""

    worst_hours: int = 3
    """How many of the worst hours the report names."""
    trend_days: int = 30

    def __post_init__(self) -> None:
        check_between("worst_hours", self.worst_hours, 1, 24)
        check_between("trend_days", self.trend_days, 7, 366)


class ReportSource(Protocol):
    """What the report reads; posturewatch.store.Store is one."""

    bucket_s: int

    def buckets_between(self, start_s: float, end_s: float) -> list[Bucket]: ...
    def totals_between(self, start_s: float, end_s: float) -> Bucket: ...
    def prompts_between(self, start_s: float, end_s: float) -> list[PromptRecord]: ...
    def events_between(self, start_s: float, end_s: float) -> list[EventRecord]: ...


class EmptySource:
    """A log with nothing in it, for a database that does not exist yet."""

    bucket_s = 60

    def buckets_between(self, start_s: float, end_s: float) -> list[Bucket]:
        return []

    def totals_between(self, start_s: float, end_s: float) -> Bucket:
        return Bucket(start_s)

    def prompts_between(self, start_s: float, end_s: float) -> list[PromptRecord]:
        return []

    def events_between(self, start_s: float, end_s: float) -> list[EventRecord]:
        return []


# --- the numbers -----------------------------------------------------------------------

_TallyT = TypeVar("_TallyT", bound="_Tally")


@dataclass(frozen=True)
class _Tally:
    """Numbers that add up field by field: the days' minutes or prompts of a week."""

    def __add__(self: _TallyT, other: _TallyT) -> _TallyT:
        return replace(
            self, **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class Minutes(_Tally):
    seated: float = 0.0
    """good + poor + uncertain."""
    good: float = 0.0
    poor: float = 0.0
    uncertain: float = 0.0
    away: float = 0.0

    @classmethod
    def of(cls, b: Bucket) -> Minutes:
        return cls(b.seated_s / 60, b.good_s / 60, b.poor_s / 60, b.uncertain_s / 60, b.away_s / 60)

    @property
    def good_share(self) -> float | None:
        """Share of seated time in good posture (None without seated time)."""
        return self.good / self.seated if self.seated > 0 else None


@dataclass(frozen=True)
class HourBar:
    hour: int
    good: float
    poor: float
    uncertain: float
    away: float


@dataclass(frozen=True)
class Slot:
    """One bucket of the day: its dominant state and mean angles (judged samples)."""

    start_s: float
    state: SlotState
    head_deg: float | None
    shoulder_deg: float | None
    head_dev: float | None
    shoulder_dev: float | None


@dataclass(frozen=True)
class Stretch:
    """Consecutive buckets of one state, for the timeline: local clock times
    ("HH:MM") and the epoch seconds they stand for."""

    start: str
    end: str
    state: SlotState
    minutes: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class AngleStats:
    mean: float | None
    worst: float | None


@dataclass(frozen=True)
class PromptCounts(_Tally):
    shown: int = 0
    done: int = 0
    snoozed: int = 0
    ignored: int = 0
    dismissed: int = 0
    skipped: int = 0
    """Declined with Skip in the break window."""
    not_slouching: int = 0
    """Posture prompts marked "Not slouching": false alarms the thresholds learned from."""
    unanswered: int = 0
    posture: int = 0
    """Shown for poor posture ..."""
    breaks: int = 0
    """... or for long sitting."""
    breaks_done: int = 0
    """Break prompts answered with done: the suggested breaks taken."""

    @classmethod
    def of(cls, prompts: Iterable[PromptRecord]) -> PromptCounts:
        counts = dict.fromkeys((f.name for f in fields(cls)), 0)
        for p in prompts:
            counts["shown"] += 1
            counts["breaks" if p.kind == "break" else "posture"] += 1
            if p.answer is None:
                counts["unanswered"] += 1
            elif p.answer.startswith("snooze"):
                counts["snoozed"] += 1
            elif p.answer in counts:
                counts[p.answer] += 1
            if p.kind == "break" and p.answer == "done":
                counts["breaks_done"] += 1
        return cls(**counts)


@dataclass(frozen=True)
class Delta:
    today: float | None
    average: float | None
    change: float | None


@dataclass(frozen=True)
class Comparison:
    """Against the average of the previous seven days that have data."""

    days: int
    seated: Delta
    good: Delta
    poor: Delta
    good_share: Delta


@dataclass(frozen=True)
class TrendDay:
    date: date
    minutes: Minutes


@dataclass(frozen=True)
class DailyReport:
    date: date
    timezone: str
    bucket_s: int
    day_start_s: float
    day_end_s: float
    minutes: Minutes
    head_forward_min: float
    """Poor with the head forward; 'both' counts here and in shoulder_rounding_min."""
    shoulder_rounding_min: float
    both_min: float
    longest_poor_min: float
    longest_sitting_min: float
    """Longest seated stretch; absences shorter than break_min_s do not end it."""
    breaks: int
    """Absences of at least break_min_s between seated stretches."""
    break_min_s: float
    """The shortest absence that is a break: the scheduler's away_break_min."""
    worst_hours: tuple[int, ...]
    hours: tuple[HourBar, ...]
    slots: tuple[Slot, ...]
    angles: dict[str, AngleStats]
    prompts: PromptCounts
    prompt_list: tuple[PromptRecord, ...]
    events: dict[str, int]
    comparison: Comparison | None = None
    trend: tuple[TrendDay, ...] = ()
    settings: ReportSettings = field(default_factory=ReportSettings)
    sinking_min: float = 0.0
    """Poor by sinking in the chair (head and shoulders lower together)."""
    timezone_info: tzinfo | None = None

    @property
    def has_data(self) -> bool:
        return bool(self.slots)

    @property
    def timeline(self) -> tuple[Stretch, ...]:
        return _stretches(self.slots, self.bucket_s, self.timezone_info)


@dataclass(frozen=True)
class WeekReport:
    first: date
    last: date
    timezone: str
    days: tuple[DailyReport, ...]
    trend: tuple[TrendDay, ...]
    settings: ReportSettings = field(default_factory=ReportSettings)

    @property
    def minutes(self) -> Minutes:
        return sum((d.minutes for d in self.days), Minutes())

    @property
    def has_data(self) -> bool:
        return any(d.has_data for d in self.days)

    @property
    def prompts(self) -> PromptCounts:
        return sum((d.prompts for d in self.days), PromptCounts())


_ANGLE_NAMES = {
    "head_forward_deg": "head",
    "shoulder_rounding_deg": "shoulder",
    "head_dev_deg": "head_dev",
    "shoulder_dev_deg": "shoulder_dev",
}


def build_daily(
    source: ReportSource,
    day: date,
    tz: tzinfo | None = None,
    settings: ReportSettings | None = None,
    *,
    scheduler: SchedulerSettings | None = None,
    context: bool = True,
) -> DailyReport:
    """The report of one local day. Absences of the scheduler's away_break_min or
    longer are breaks (None: the scheduler's defaults). context=False leaves out the
    comparison with the previous week and the trend (the week report does not need
    them per day)."""
    settings = settings or ReportSettings()
    break_min_s = (scheduler or SchedulerSettings()).away_break_min * 60
    start_s, end_s = local_day_bounds(day, tz)
    bs = source.bucket_s
    buckets = [b for b in source.buckets_between(start_s, end_s) if b.samples or b.seated_s]
    total = _sum_buckets(start_s, buckets)
    n_slots = round((end_s - start_s) / bs)
    seated = [0.0] * n_slots
    poor = [0.0] * n_slots
    hours = {h: [0.0, 0.0, 0.0, 0.0] for h in range(24)}
    slots: list[Slot] = []
    for b in buckets:
        i = int((b.start_s - start_s) // bs)
        seated[i] = b.seated_s
        poor[i] = b.poor_s
        bar = hours[local_datetime(b.start_s, tz).hour]
        bar[0] += b.good_s / 60
        bar[1] += b.poor_s / 60
        bar[2] += b.uncertain_s / 60
        bar[3] += b.away_s / 60
        if b.seated_s + b.away_s > 0:
            slots.append(
                Slot(
                    b.start_s,
                    _dominant(b),
                    b.mean("head"),
                    b.mean("shoulder"),
                    b.mean("head_dev"),
                    b.mean("shoulder_dev"),
                )
            )
    hour_bars = tuple(HourBar(h, *v) for h, v in hours.items())
    ranked = sorted((b for b in hour_bars if b.poor > 0), key=lambda b: (-b.poor, b.hour))
    breaks, longest_sitting = _sitting(seated, bs, break_min_s)
    prompts = source.prompts_between(start_s, end_s)
    events: dict[str, int] = {}
    for e in source.events_between(start_s, end_s):
        events[e.kind] = events.get(e.kind, 0) + 1
    angles = {
        name: AngleStats(total.mean(key), getattr(total, f"{key}_max"))
        for name, key in _ANGLE_NAMES.items()
    }
    minutes = Minutes.of(total)
    comparison = None
    trend: tuple[TrendDay, ...] = ()
    if context:
        trend = build_trend(source, day, tz, settings.trend_days)
        comparison = _compare(minutes, [t.minutes for t in trend[-8:-1] if t.minutes.seated > 0])
    return DailyReport(
        date=day,
        timezone=timezone_name(tz, start_s),
        bucket_s=bs,
        day_start_s=start_s,
        day_end_s=end_s,
        minutes=minutes,
        head_forward_min=(total.poor_head_s + total.poor_both_s) / 60,
        shoulder_rounding_min=(total.poor_shoulder_s + total.poor_both_s) / 60,
        both_min=total.poor_both_s / 60,
        sinking_min=total.poor_sink_s / 60,
        longest_poor_min=_longest(poor, bs) / 60,
        longest_sitting_min=longest_sitting / 60,
        breaks=breaks,
        break_min_s=break_min_s,
        worst_hours=tuple(b.hour for b in ranked[: settings.worst_hours]),
        hours=hour_bars,
        slots=tuple(slots),
        angles=angles,
        prompts=PromptCounts.of(prompts),
        prompt_list=tuple(prompts),
        events=events,
        comparison=comparison,
        trend=trend,
        settings=settings,
        timezone_info=tz,
    )


def build_week(
    source: ReportSource,
    last: date,
    tz: tzinfo | None = None,
    settings: ReportSettings | None = None,
    *,
    scheduler: SchedulerSettings | None = None,
) -> WeekReport:
    """The seven local days ending with `last`, and the trend up to it."""
    settings = settings or ReportSettings()
    days = tuple(
        build_daily(
            source,
            last - timedelta(days=6 - i),
            tz,
            settings,
            scheduler=scheduler,
            context=False,
        )
        for i in range(7)
    )
    return WeekReport(
        first=days[0].date,
        last=last,
        timezone=timezone_name(tz, days[0].day_start_s),
        days=days,
        trend=build_trend(source, last, tz, settings.trend_days),
        settings=settings,
    )


def build_trend(
    source: ReportSource, last: date, tz: tzinfo | None, n_days: int
) -> tuple[TrendDay, ...]:
    """Day totals of the n_days local days ending with `last` (days without data are zeros)."""
    out: list[TrendDay] = []
    for i in range(n_days):
        day = last - timedelta(days=n_days - 1 - i)
        out.append(TrendDay(day, Minutes.of(source.totals_between(*local_day_bounds(day, tz)))))
    return tuple(out)


def timezone_name(tz: tzinfo | None, at_s: float) -> str:
    """The zone's key ("Europe/Berlin") or, for the system zone, its name at `at_s`."""
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    return local_datetime(at_s, tz).tzname() or "local time"


def _sum_buckets(start_s: float, buckets: Sequence[Bucket]) -> Bucket:
    """The buckets summed into one (maxima of the _max fields), as the store's
    totals_between does in SQL for the buckets it holds."""
    sums: dict[str, float | None] = {}
    for name in Bucket.__dataclass_fields__:
        if name == "start_s":
            continue
        values: list[float | None] = [getattr(b, name) for b in buckets]
        if name.endswith("_max"):
            present = [v for v in values if v is not None]
            sums[name] = max(present) if present else None
        else:
            sums[name] = sum(v for v in values if v is not None)
    return Bucket(start_s, **sums)  # type: ignore[arg-type]


def _dominant(b: Bucket) -> SlotState:
    """The state that filled most of the bucket (ties: poor, uncertain, good, away)."""
    candidates: list[tuple[float, int, SlotState]] = [
        (b.poor_s, 3, "poor"),
        (b.uncertain_s, 2, "uncertain"),
        (b.good_s, 1, "good"),
        (b.away_s, 0, "away"),
    ]
    return max(candidates)[2]


def _runs(xs: Sequence[float], bucket_s: int) -> list[tuple[int, int, float]]:
    """Maximal runs of buckets that x fills more than half of, as (first, end, seconds):
    seconds are x over the run plus x in the bucket just before and just after, which
    hold the run's ragged ends."""
    runs: list[tuple[int, int, float]] = []
    i, n = 0, len(xs)
    while i < n:
        if xs[i] * 2 > bucket_s:
            j = i
            while j < n and xs[j] * 2 > bucket_s:
                j += 1
            seconds = sum(xs[i:j]) + (xs[i - 1] if i > 0 else 0.0) + (xs[j] if j < n else 0.0)
            runs.append((i, j, seconds))
            i = j
        else:
            i += 1
    return runs


def _longest(xs: Sequence[float], bucket_s: int) -> float:
    """Longest stretch of x in seconds (a stretch shorter than half a bucket is that
    bucket's share)."""
    return max([r[2] for r in _runs(xs, bucket_s)] + list(xs) + [0.0])


def _sitting(seated: Sequence[float], bucket_s: int, break_min_s: float) -> tuple[int, float]:
    """(breaks, longest unbroken sitting in seconds) from per-bucket seated seconds.
    Everything not seated inside a bucket (away, or no data) is absence; an absence
    of break_min_s or more is a break, shorter ones count as part of the sitting."""
    used = [i for i, s in enumerate(seated) if s > 0]
    if not used:
        return 0, 0.0
    first, last = used[0], used[-1]
    absent = [max(bucket_s - s, 0.0) for s in seated[first : last + 1]]
    runs = [(a + first, b + first) for a, b, s in _runs(absent, bucket_s) if s >= break_min_s]
    in_break: dict[int, tuple[int, int]] = {}
    for a, b in runs:
        for i in range(a, b):
            in_break[i] = (a, b)
    longest = current = 0.0
    for i in range(first, last + 1):
        run = in_break.get(i)
        if run is not None:
            a, b = run
            if i == a:  # the seated part of a run's first bucket came before leaving
                longest = max(longest, current + seated[i])
                current = 0.0
            elif i == b - 1:  # ... and of its last bucket after coming back
                current = seated[i]
        elif i in (first, last) or (i - 1) in in_break or (i + 1) in in_break:
            current += seated[i]  # the absent part is before, after, or part of a break
        else:
            current += bucket_s  # seated, with at most a short absence inside
    return len(runs), max(longest, current)


def _compare(today: Minutes, previous: Sequence[Minutes]) -> Comparison | None:
    if not previous:
        return None

    def delta(now: float | None, values: Sequence[float | None]) -> Delta:
        present = [v for v in values if v is not None]
        avg = sum(present) / len(present) if present else None
        change = now - avg if now is not None and avg is not None else None
        return Delta(now, avg, change)

    return Comparison(
        days=len(previous),
        seated=delta(today.seated, [m.seated for m in previous]),
        good=delta(today.good, [m.good for m in previous]),
        poor=delta(today.poor, [m.poor for m in previous]),
        good_share=delta(today.good_share, [m.good_share for m in previous]),
    )


def _stretches(slots: Sequence[Slot], bucket_s: int, tz: tzinfo | None) -> tuple[Stretch, ...]:
    out: list[Stretch] = []
    i = 0
    while i < len(slots):
        j = i + 1
        while (
            j < len(slots)
            and slots[j].state == slots[i].state
            and slots[j].start_s == slots[j - 1].start_s + bucket_s
        ):
            j += 1
        start_s, end_s = slots[i].start_s, slots[j - 1].start_s + bucket_s
        out.append(
            Stretch(
                local_clock(start_s, tz),
                local_clock(end_s, tz),
                slots[i].state,
                (end_s - start_s) / 60,
                start_s,
                end_s,
            )
        )
        i = j
    return tuple(out)


def local_clock(time_s: float, tz: tzinfo | None) -> str:
    """Local wall-clock time "HH:MM" of epoch seconds (tz None: the system's zone)."""
    return local_datetime(time_s, tz).strftime("%H:%M")
