"""The report as terminal text, and the number formats the HTML page shares with it
(minutes, shares, degrees), so the two always print a number alike."""

from __future__ import annotations

import math

from posturewatch.core.errors import one_line
from posturewatch.report.model import DailyReport, HourBar, WeekReport


def hm(minutes: float) -> str:
    """Whole minutes as '2 h 05 min' or '45 min', halves rounded up: the page shows
    the JSON's one-decimal figure, the terminal the exact one, and both must agree."""
    total = math.floor(minutes + 0.5)
    h, m = divmod(total, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def pct(share: float | None) -> str:
    """A share as '80 %' ('-' without one)."""
    return "-" if share is None else f"{round(share * 100)} %"


def deg(x: float | None) -> str:
    """An angle as '12.3°' ('-' without one)."""
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


def _terminal_text(lines: list[str]) -> str:
    """The report's lines for a terminal: text that came from the database (an event's
    kind, a time zone's name) may hold anything, so control characters are escaped
    here, on output, and never reach the terminal raw (no escape sequences, no extra
    lines)."""
    return "".join(one_line(line, limit=None) + "\n" for line in lines)


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
        return _terminal_text(lines)
    m = r.minutes
    lines += [
        "Time at the desk",
        _line("Seated", hm(m.seated)),
        _line("  good posture", hm(m.good), f"{pct(m.good_share)} of seated time"),
        _line("  poor posture", hm(m.poor)),
        _line("  not judged (uncertain)", hm(m.uncertain)),
        _line("Away", hm(m.away)),
        "",
        "Poor posture",
        _line("Head forward", hm(r.head_forward_min)),
        _line("Rounded shoulders", hm(r.shoulder_rounding_min)),
        _line("Sunk in the chair", hm(r.sinking_min)),
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
            lines.append(f"  {label:<36}{deg(a.mean):>8}{deg(a.worst):>12}")
    p = r.prompts
    lines += [
        "",
        "Breaks",
        _line("Longest unbroken sitting", hm(r.longest_sitting_min)),
        _line(f"Breaks (away {hm(r.break_min_s / 60)} or more)", str(r.breaks)),
        _line(
            "Prompts shown",
            str(p.shown),
            f"done {p.done}, snoozed {p.snoozed}, ignored {p.ignored}, "
            f"dismissed {p.dismissed}, skipped {p.skipped}, "
            f"marked not slouching {p.not_slouching}, open {p.unanswered}",
        ),
    ]
    if r.events:
        lines.append("  Events: " + ", ".join(f"{k} {v}" for k, v in sorted(r.events.items())))
    c = r.comparison
    lines.append("")
    if c is None:
        lines.append("No data in the previous 7 days to compare with.")
    else:
        lines.append(f"Compared with the previous 7 days (average of {c.days} day(s) with data)")
        for label, d in (("Seated", c.seated), ("Good posture", c.good), ("Poor posture", c.poor)):
            lines.append(_line(label, _signed_minutes(d.change), f"average {hm(d.average or 0)}"))
        if c.good_share.change is not None:
            pts = round(c.good_share.change * 100)
            lines.append(
                _line("Share good", f"{pts:+d} pts", f"average {pct(c.good_share.average)}")
            )
    lines += ["", "Hours (= good, # poor, ? uncertain; one mark = 2 min)"]
    for h in r.hours:
        if h.good + h.poor + h.uncertain + h.away > 0:
            lines.append(f"  {h.hour:02d}  {_bar(h):<30}  {hm(h.good + h.poor + h.uncertain)}")
    return _terminal_text(lines)


def _render_week_text(w: WeekReport) -> str:
    title = f"Posture report for the week {w.first:%d %b} - {w.last:%d %b %Y} ({w.timezone})"
    lines = [title, "=" * len(title), ""]
    if not w.has_data:
        lines.append("No posture data in these seven days: posturewatch was not running.")
        return _terminal_text(lines)
    header = f"  {'day':<12}{'seated':>12}{'good':>12}{'poor':>12}{'share':>8}{'sitting':>12}"
    lines += [header, "  " + "-" * (len(header) - 2)]
    for d in w.days:
        m = d.minutes
        if not d.has_data:
            lines.append(f"  {d.date:%a %d %b}  {'no data':>12}")
            continue
        lines.append(
            f"  {d.date:%a %d %b}  {hm(m.seated):>12}{hm(m.good):>12}{hm(m.poor):>12}"
            f"{pct(m.good_share):>8}{hm(d.longest_sitting_min):>12}"
        )
    m = w.minutes
    p = w.prompts
    lines += [
        "  " + "-" * (len(header) - 2),
        f"  {'total':<12}{hm(m.seated):>12}{hm(m.good):>12}{hm(m.poor):>12}{pct(m.good_share):>8}",
        "",
        _line("Head forward", hm(sum(d.head_forward_min for d in w.days))),
        _line("Rounded shoulders", hm(sum(d.shoulder_rounding_min for d in w.days))),
        _line("Sunk in the chair", hm(sum(d.sinking_min for d in w.days))),
        _line("Breaks taken", str(sum(d.breaks for d in w.days))),
        _line(
            "Prompts shown",
            str(p.shown),
            f"done {p.done}, snoozed {p.snoozed}, ignored {p.ignored}",
        ),
        "",
        "(sitting = longest unbroken sitting of the day)",
    ]
    return _terminal_text(lines)
