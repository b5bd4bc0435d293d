"""The report as data for scripts: JSON (totals under "minutes": seated, good, poor,
uncertain, away) and CSV (one row per day, the same numbers). Minutes are rounded
to 0.1, shares to 0.001; the HTML page shows the JSON's numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TypeAlias

from posturewatch.report.model import (
    DailyReport,
    Minutes,
    PromptCounts,
    TrendDay,
    WeekReport,
    local_clock,
)

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = "dict[str, JsonValue]"

BOTH_NOTE = "'both' counts toward head_forward and toward shoulder_rounding"


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


def _totals(m: Minutes) -> JsonObject:
    """The "minutes" and "good_share" of a day, a week or a trend day."""
    return {"minutes": dict(_minutes_dict(m)), "good_share": _r(m.good_share, 3)}


def _poor_minutes(
    head_forward: float, shoulder_rounding: float, both: float, sinking: float
) -> JsonObject:
    return {
        "head_forward": _r(head_forward),
        "shoulder_rounding": _r(shoulder_rounding),
        "both": _r(both),
        "sinking": _r(sinking),
        "note": BOTH_NOTE,
    }


def _prompts_dict(p: PromptCounts) -> JsonObject:
    counts: dict[str, int] = {f: getattr(p, f) for f in p.__dataclass_fields__}
    return dict(counts)


def daily_to_dict(r: DailyReport) -> JsonObject:
    """Everything in the report as plain JSON values; minutes rounded to 0.1."""
    out: JsonObject = {
        "kind": "day",
        "date": r.date.isoformat(),
        "timezone": r.timezone,
        "has_data": r.has_data,
        **_totals(r.minutes),
        "poor_minutes": _poor_minutes(
            r.head_forward_min, r.shoulder_rounding_min, r.both_min, r.sinking_min
        ),
        "longest_poor_min": _r(r.longest_poor_min),
        "longest_sitting_min": _r(r.longest_sitting_min),
        "breaks": r.breaks,
        "break_min_minutes": _r(r.break_min_s / 60),
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
                "time": local_clock(p.time_s, r.timezone_info),
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
    previous: JsonObject | None = None
    if c is not None:
        previous = {"days_with_data": c.days}
        for name, d, digits in (
            ("seated", c.seated, 1),
            ("good", c.good, 1),
            ("poor", c.poor, 1),
            ("good_share", c.good_share, 3),
        ):
            previous[name] = {
                "today": _r(d.today, digits),
                "average": _r(d.average, digits),
                "change": _r(d.change, digits),
            }
    out["previous_7_days"] = previous
    out["trend"] = _trend_list(r.trend)
    return out


def _trend_list(trend: Sequence[TrendDay]) -> list[JsonValue]:
    return [{"date": t.date.isoformat(), **_totals(t.minutes)} for t in trend]


def week_to_dict(w: WeekReport) -> JsonObject:
    return {
        "kind": "week",
        "first": w.first.isoformat(),
        "last": w.last.isoformat(),
        "timezone": w.timezone,
        "has_data": w.has_data,
        **_totals(w.minutes),
        "poor_minutes": _poor_minutes(
            sum(d.head_forward_min for d in w.days),
            sum(d.shoulder_rounding_min for d in w.days),
            sum(d.both_min for d in w.days),
            sum(d.sinking_min for d in w.days),
        ),
        "longest_poor_min": _r(max(d.longest_poor_min for d in w.days)),
        "longest_sitting_min": _r(max(d.longest_sitting_min for d in w.days)),
        "breaks": sum(d.breaks for d in w.days),
        "prompts": _prompts_dict(w.prompts),
        "days": [dict(_day_row(d)) for d in w.days],
        "trend": _trend_list(w.trend),
    }


def to_dict(report: DailyReport | WeekReport) -> JsonObject:
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
    "sinking_min",
    "longest_poor_min",
    "longest_sitting_min",
    "breaks",
    "prompts_shown",
    "prompts_done",
    "prompts_snoozed",
    "prompts_ignored",
    "prompts_dismissed",
    "prompts_skipped",
    "prompts_not_slouching",
    "prompts_unanswered",
    "head_forward_deg_mean",
    "head_forward_deg_worst",
    "shoulder_rounding_deg_mean",
    "shoulder_rounding_deg_worst",
)


def _day_row(d: DailyReport) -> dict[str, str | int | float | None]:
    """One day's CSV row (and the week JSON's "days" entry), keyed by CSV_COLUMNS."""
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
        "sinking_min": _r(d.sinking_min),
        "longest_poor_min": _r(d.longest_poor_min),
        "longest_sitting_min": _r(d.longest_sitting_min),
        "breaks": d.breaks,
        "prompts_shown": d.prompts.shown,
        "prompts_done": d.prompts.done,
        "prompts_snoozed": d.prompts.snoozed,
        "prompts_ignored": d.prompts.ignored,
        "prompts_dismissed": d.prompts.dismissed,
        "prompts_skipped": d.prompts.skipped,
        "prompts_not_slouching": d.prompts.not_slouching,
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
