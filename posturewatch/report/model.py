"""The daily posture report: the day's numbers from the store, and their renderings.

Everything is derived from the store's time buckets (one minute by default), so
durations are exact sums of sampled time while stretches (longest poor spell,
longest unbroken sitting, breaks) are measured to the bucket: a bucket belongs to
a stretch when that state fills most of it, and the partial buckets at each end
add their share. Local days follow the tz passed in (None: the system's zone), so
a DST day has 23 or 25 hours.

Renderers: terminal text, JSON (totals under "minutes": seated, good, poor,
uncertain, away) and CSV (one row per day, the same numbers). The HTML page is in
report_html.py.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any, Literal, Protocol

from posturewatch.store.database import (
    Bucket,
    EventRecord,
    PromptRecord,
    local_datetime,
    local_day_bounds,
)

SlotState = Literal["good", "poor", "uncertain", "away"]


@dataclass(frozen=True)
class ReportSettings:
    break_min_s: float = 300.0
    """Away at least this long is a break and ends a sitting stretch; shorter
    absences (fetching a coffee) do not. Keep it equal to the scheduler's."""
    worst_hours: int = 3
    """How many of the worst hours the report names."""
    trend_days: int = 30

    def __post_init__(self) -> None:
        if not 60 <= self.break_min_s <= 3600:
            raise ValueError("break_min_s: must be between 60 and 3600 seconds")
        if not 1 <= self.worst_hours <= 24:
            raise ValueError("worst_hours: must be between 1 and 24")
        if not 7 <= self.trend_days <= 366:
            raise ValueError("trend_days: must be between 7 and 366")


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


@dataclass(frozen=True)
class Minutes:
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
    """Consecutive buckets of one state, for the timeline."""

    start: str
    end: str
    state: SlotState
    minutes: float


@dataclass(frozen=True)
class AngleStats:
    mean: float | None
    worst: float | None


@dataclass(frozen=True)
class PromptCounts:
    shown: int = 0
    done: int = 0
    snoozed: int = 0
    ignored: int = 0
    dismissed: int = 0
    unanswered: int = 0
    posture: int = 0
    """Shown for poor posture ..."""
    breaks: int = 0
    """... or for long sitting."""

    @classmethod
    def of(cls, prompts: Iterable[PromptRecord]) -> PromptCounts:
        counts = dict.fromkeys(
            ("shown", "done", "snoozed", "ignored", "dismissed", "unanswered", "posture", "breaks"),
            0,
        )
        for p in prompts:
            counts["shown"] += 1
            counts["breaks" if p.kind == "break" else "posture"] += 1
            if p.answer is None:
                counts["unanswered"] += 1
            elif p.answer.startswith("snooze"):
                counts["snoozed"] += 1
            elif p.answer in counts:
                counts[p.answer] += 1
        return cls(**counts)

    def __add__(self, other: PromptCounts) -> PromptCounts:
        return PromptCounts(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )


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
        return Minutes(
            *(sum(getattr(d.minutes, f) for d in self.days) for f in Minutes.__dataclass_fields__)
        )

    @property
    def has_data(self) -> bool:
        return any(d.has_data for d in self.days)

    @property
    def prompts(self) -> PromptCounts:
        total = PromptCounts()
        for d in self.days:
            total = total + d.prompts
        return total


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
    context: bool = True,
) -> DailyReport:
    """The report of one local day. context=False leaves out the comparison with
    the previous week and the trend (the week report does not need them per day)."""
    settings = settings or ReportSettings()
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
    breaks, longest_sitting = _sitting(seated, bs, settings.break_min_s)
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
) -> WeekReport:
    """The seven local days ending with `last`, and the trend up to it."""
    settings = settings or ReportSettings()
    days = tuple(
        build_daily(source, last - timedelta(days=6 - i), tz, settings, context=False)
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
    out = []
    for i in range(n_days):
        day = last - timedelta(days=n_days - 1 - i)
        out.append(TrendDay(day, Minutes.of(source.totals_between(*local_day_bounds(day, tz)))))
    return tuple(out)


def timezone_name(tz: tzinfo | None, at_s: float) -> str:
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    return local_datetime(at_s, tz).tzname() or "local time"


def _sum_buckets(start_s: float, buckets: Sequence[Bucket]) -> Bucket:
    sums: dict[str, Any] = {}
    for name in Bucket.__dataclass_fields__:
        if name == "start_s":
            continue
        values = [getattr(b, name) for b in buckets]
        if name.endswith("_max"):
            present = [v for v in values if v is not None]
            sums[name] = max(present) if present else None
        else:
            sums[name] = sum(values)
    return Bucket(start_s, **sums)


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
    runs = []
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
        end_s = slots[j - 1].start_s + bucket_s
        out.append(
            Stretch(
                _clock(slots[i].start_s, tz),
                _clock(end_s, tz),
                slots[i].state,
                (end_s - slots[i].start_s) / 60,
            )
        )
        i = j
    return tuple(out)


def _clock(time_s: float, tz: tzinfo | None) -> str:
    return local_datetime(time_s, tz).strftime("%H:%M")


# --- JSON and CSV ----------------------------------------------------------------------


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


def _minutes_dict(m: Minutes) -> dict[str, float | None]:
    return {
        "seated": _r(m.seated),
        "good": _r(m.good),
        "poor": _r(m.poor),
        "uncertain": _r(m.uncertain),
        "away": _r(m.away),
    }


def _prompts_dict(p: PromptCounts) -> dict[str, int]:
    return {f: getattr(p, f) for f in p.__dataclass_fields__}


def daily_to_dict(r: DailyReport) -> dict[str, Any]:
    """Everything in the report as plain JSON values; minutes rounded to 0.1."""
    out: dict[str, Any] = {
        "kind": "day",
        "date": r.date.isoformat(),
        "timezone": r.timezone,
        "has_data": r.has_data,
        "minutes": _minutes_dict(r.minutes),
        "good_share": _r(r.minutes.good_share, 3),
        "poor_minutes": {
            "head_forward": _r(r.head_forward_min),
            "shoulder_rounding": _r(r.shoulder_rounding_min),
            "both": _r(r.both_min),
            "sinking": _r(r.sinking_min),
            "note": "'both' counts toward head_forward and toward shoulder_rounding",
        },
        "longest_poor_min": _r(r.longest_poor_min),
        "longest_sitting_min": _r(r.longest_sitting_min),
        "breaks": r.breaks,
        "break_min_minutes": _r(r.settings.break_min_s / 60),
        "worst_hours": list(r.worst_hours),
        "hours": [
            {
                "hour": h.hour,
                "good": _r(h.good),
                "poor": _r(h.poor),
                "uncertain": _r(h.uncertain),
                "away": _r(h.away),
            }
            for h in r.hours
        ],
        "timeline": [
            {"start": s.start, "end": s.end, "state": s.state, "minutes": _r(s.minutes)}
            for s in r.timeline
        ],
        "angles": {
            name: {"mean": _r(a.mean), "worst": _r(a.worst)} for name, a in r.angles.items()
        },
        "prompts": _prompts_dict(r.prompts),
        "prompt_list": [
            {
                "time": _clock(p.time_s, r.timezone_info),
                "kind": p.kind,
                "routine": p.routine_id,
                "title": p.title,
                "level": p.level,
                "answer": p.answer,
            }
            for p in r.prompt_list
        ],
        "events": dict(sorted(r.events.items())),
    }
    c = r.comparison
    out["previous_7_days"] = (
        None
        if c is None
        else {
            "days_with_data": c.days,
            **{
                name: {
                    "today": _r(d.today, digits),
                    "average": _r(d.average, digits),
                    "change": _r(d.change, digits),
                }
                for name, d, digits in (
                    ("seated", c.seated, 1),
                    ("good", c.good, 1),
                    ("poor", c.poor, 1),
                    ("good_share", c.good_share, 3),
                )
            },
        }
    )
    out["trend"] = _trend_list(r.trend)
    return out


def _trend_list(trend: Sequence[TrendDay]) -> list[dict[str, Any]]:
    return [
        {
            "date": t.date.isoformat(),
            "minutes": _minutes_dict(t.minutes),
            "good_share": _r(t.minutes.good_share, 3),
        }
        for t in trend
    ]


def week_to_dict(w: WeekReport) -> dict[str, Any]:
    m = w.minutes
    return {
        "kind": "week",
        "first": w.first.isoformat(),
        "last": w.last.isoformat(),
        "timezone": w.timezone,
        "has_data": w.has_data,
        "minutes": _minutes_dict(m),
        "good_share": _r(m.good_share, 3),
        "poor_minutes": {
            "head_forward": _r(sum(d.head_forward_min for d in w.days)),
            "shoulder_rounding": _r(sum(d.shoulder_rounding_min for d in w.days)),
            "both": _r(sum(d.both_min for d in w.days)),
            "sinking": _r(sum(d.sinking_min for d in w.days)),
            "note": "'both' counts toward head_forward and toward shoulder_rounding",
        },
        "longest_poor_min": _r(max(d.longest_poor_min for d in w.days)),
        "longest_sitting_min": _r(max(d.longest_sitting_min for d in w.days)),
        "breaks": sum(d.breaks for d in w.days),
        "prompts": _prompts_dict(w.prompts),
        "days": [_day_row(d) for d in w.days],
        "trend": _trend_list(w.trend),
    }


def to_dict(report: DailyReport | WeekReport) -> dict[str, Any]:
    return daily_to_dict(report) if isinstance(report, DailyReport) else week_to_dict(report)


def render_json(report: DailyReport | WeekReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "date",
    "seated_min",
    "good_min",
    "poor_min",
    "uncertain_min",
    "away_min",
    "good_share",
    "head_forward_min",
    "shoulder_rounding_min",
    "both_min",
    "longest_poor_min",
    "longest_sitting_min",
    "breaks",
    "prompts_shown",
    "prompts_done",
    "prompts_snoozed",
    "prompts_ignored",
    "prompts_dismissed",
    "prompts_unanswered",
    "head_forward_deg_mean",
    "head_forward_deg_worst",
    "shoulder_rounding_deg_mean",
    "shoulder_rounding_deg_worst",
)


def _day_row(d: DailyReport) -> dict[str, Any]:
    m = _minutes_dict(d.minutes)
    return {
        "date": d.date.isoformat(),
        "seated_min": m["seated"],
        "good_min": m["good"],
        "poor_min": m["poor"],
        "uncertain_min": m["uncertain"],
        "away_min": m["away"],
        "good_share": _r(d.minutes.good_share, 3),
        "head_forward_min": _r(d.head_forward_min),
        "shoulder_rounding_min": _r(d.shoulder_rounding_min),
        "both_min": _r(d.both_min),
        "longest_poor_min": _r(d.longest_poor_min),
        "longest_sitting_min": _r(d.longest_sitting_min),
        "breaks": d.breaks,
        "prompts_shown": d.prompts.shown,
        "prompts_done": d.prompts.done,
        "prompts_snoozed": d.prompts.snoozed,
        "prompts_ignored": d.prompts.ignored,
        "prompts_dismissed": d.prompts.dismissed,
        "prompts_unanswered": d.prompts.unanswered,
        "head_forward_deg_mean": _r(d.angles["head_forward_deg"].mean),
        "head_forward_deg_worst": _r(d.angles["head_forward_deg"].worst),
        "shoulder_rounding_deg_mean": _r(d.angles["shoulder_rounding_deg"].mean),
        "shoulder_rounding_deg_worst": _r(d.angles["shoulder_rounding_deg"].worst),
    }


def render_csv(report: DailyReport | WeekReport) -> str:
    """One row per day (one for a day report, seven for a week), empty cells for
    values that do not exist (no seated time, no angles)."""
    days = (report,) if isinstance(report, DailyReport) else report.days
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for d in days:
        writer.writerow({k: "" if v is None else v for k, v in _day_row(d).items()})
    return buf.getvalue()


# --- terminal text ---------------------------------------------------------------------


def hm(minutes: float) -> str:
    """Whole minutes as '2 h 05 min' or '45 min', halves rounded up: the page shows
    the JSON's one-decimal figure, the terminal the exact one, and both must agree."""
    total = math.floor(minutes + 0.5)
    h, m = divmod(total, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{round(share * 100)} %"


def _deg(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}°"


def _signed_minutes(x: float | None) -> str:
    if x is None:
        return "-"
    sign = "+" if round(x) > 0 else "-" if round(x) < 0 else "±"
    return f"{sign}{hm(abs(x))}"


def _line(label: str, value: str, note: str = "") -> str:
    return f"  {label:<28}{value:>12}" + (f"   {note}" if note else "")


def _hour_range(hour: int) -> str:
    return f"{hour:02d}:00-{(hour + 1) % 24:02d}:00"


def _bar(h: HourBar, width_per_hour: int = 30) -> str:
    """good '=', poor '#', uncertain '?' in 2-minute characters (a full hour is 30)."""
    scale = width_per_hour / 60
    good, poor, unc = round(h.good * scale), round(h.poor * scale), round(h.uncertain * scale)
    return ("=" * good + "#" * poor + "?" * unc)[:width_per_hour]


def render_text(report: DailyReport | WeekReport) -> str:
    if isinstance(report, WeekReport):
        return _render_week_text(report)
    r = report
    title = f"Posture report for {r.date:%A %d %B %Y} ({r.timezone})"
    lines = [title, "=" * len(title), ""]
    if not r.has_data:
        lines.append("No posture data for this day: posturewatch was not running.")
        if r.comparison is None and not any(t.minutes.seated for t in r.trend):
            lines.append("Start it with `posturewatch run` (or `posturewatch start`).")
        return "\n".join(lines) + "\n"
    m = r.minutes
    lines += [
        "Time at the desk",
        _line("Seated", hm(m.seated)),
        _line("  good posture", hm(m.good), f"{_pct(m.good_share)} of seated time"),
        _line("  poor posture", hm(m.poor)),
        _line("  not judged (uncertain)", hm(m.uncertain)),
        _line("Away", hm(m.away)),
        "",
        "Poor posture",
        _line("Head forward", hm(r.head_forward_min)),
        _line("Rounded shoulders", hm(r.shoulder_rounding_min)),
    ]
    if r.both_min >= 0.5:
        lines.append(f"  ({hm(r.both_min)} with both, counted in each line above)")
    lines.append(_line("Longest poor stretch", hm(r.longest_poor_min)))
    if r.worst_hours:
        worst = ", ".join(f"{_hour_range(h)} ({hm(r.hours[h].poor)})" for h in r.worst_hours)
        lines.append(f"  Worst hours: {worst}")
    lines += ["", "Angles (judged time)                      mean       worst"]
    for label, key in (
        ("Head forward angle", "head_forward_deg"),
        ("Shoulder rounding angle", "shoulder_rounding_deg"),
        ("Head forward, over baseline", "head_dev_deg"),
        ("Shoulders, over baseline", "shoulder_dev_deg"),
    ):
        a = r.angles[key]
        if a.mean is not None:
            lines.append(f"  {label:<36}{_deg(a.mean):>8}{_deg(a.worst):>12}")
    p = r.prompts
    lines += [
        "",
        "Breaks",
        _line("Longest unbroken sitting", hm(r.longest_sitting_min)),
        _line(f"Breaks (away {hm(r.settings.break_min_s / 60)} or more)", str(r.breaks)),
        _line(
            "Prompts shown",
            str(p.shown),
            f"done {p.done}, snoozed {p.snoozed}, ignored {p.ignored}, "
            f"dismissed {p.dismissed}, open {p.unanswered}",
        ),
    ]
    if r.events:
        lines.append("  Events: " + ", ".join(f"{k} {v}" for k, v in sorted(r.events.items())))
    c = r.comparison
    lines.append("")
    if c is None:
        lines.append("No data in the previous 7 days to compare with.")
    else:
        lines += [
            f"Compared with the previous 7 days (average of {c.days} day(s) with data)",
            _line(
                "Seated", _signed_minutes(c.seated.change), f"average {hm(c.seated.average or 0)}"
            ),
            _line(
                "Good posture", _signed_minutes(c.good.change), f"average {hm(c.good.average or 0)}"
            ),
            _line(
                "Poor posture", _signed_minutes(c.poor.change), f"average {hm(c.poor.average or 0)}"
            ),
        ]
        if c.good_share.change is not None:
            pts = round(c.good_share.change * 100)
            lines.append(
                _line("Share good", f"{pts:+d} pts", f"average {_pct(c.good_share.average)}")
            )
    lines += ["", "Hours (= good, # poor, ? uncertain; one mark = 2 min)"]
    for h in r.hours:
        if h.good + h.poor + h.uncertain + h.away > 0:
            lines.append(f"  {h.hour:02d}  {_bar(h):<30}  {hm(h.good + h.poor + h.uncertain)}")
    return "\n".join(lines) + "\n"


def _render_week_text(w: WeekReport) -> str:
    title = f"Posture report for the week {w.first:%d %b} - {w.last:%d %b %Y} ({w.timezone})"
    lines = [title, "=" * len(title), ""]
    if not w.has_data:
        lines.append("No posture data in these seven days: posturewatch was not running.")
        return "\n".join(lines) + "\n"
    header = f"  {'day':<12}{'seated':>12}{'good':>12}{'poor':>12}{'share':>8}{'sitting':>12}"
    lines += [header, "  " + "-" * (len(header) - 2)]
    for d in w.days:
        m = d.minutes
        if not d.has_data:
            lines.append(f"  {d.date:%a %d %b}  {'no data':>12}")
            continue
        lines.append(
            f"  {d.date:%a %d %b}  {hm(m.seated):>12}{hm(m.good):>12}{hm(m.poor):>12}"
            f"{_pct(m.good_share):>8}{hm(d.longest_sitting_min):>12}"
        )
    m = w.minutes
    p = w.prompts
    lines += [
        "  " + "-" * (len(header) - 2),
        f"  {'total':<12}{hm(m.seated):>12}{hm(m.good):>12}{hm(m.poor):>12}{_pct(m.good_share):>8}",
        "",
        _line("Head forward", hm(sum(d.head_forward_min for d in w.days))),
        _line("Rounded shoulders", hm(sum(d.shoulder_rounding_min for d in w.days))),
        _line("Breaks taken", str(sum(d.breaks for d in w.days))),
        _line(
            "Prompts shown",
            str(p.shown),
            f"done {p.done}, snoozed {p.snoozed}, ignored {p.ignored}",
        ),
        "",
        "(sitting = longest unbroken sitting of the day)",
    ]
    return "\n".join(lines) + "\n"
