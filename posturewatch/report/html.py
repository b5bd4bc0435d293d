"""The report as one self-contained HTML page: inline CSS and SVG drawn here in
Python, no network, no external file, so it opens offline, can be mailed to
oneself and prints cleanly.

Every number on the page carries `data-key` (its path in the JSON report, e.g.
"minutes.seated" or "hours.9.poor") and `data-value` (the JSON value), so a test or
a script can read the page back and compare it with `posturewatch report --json`.
A Content-Security-Policy forbids loading anything; the one inline script only
records script errors into #js-errors, where a headless browser test reads them.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from posturewatch.core.local_time import local_datetime
from posturewatch.report.export import JsonObject, JsonValue, to_dict
from posturewatch.report.model import DailyReport, TrendDay, WeekReport, local_clock
from posturewatch.report.text import deg, hm, pct

COLOURS = {"good": "#1b9e77", "poor": "#d95f02", "uncertain": "#9e9ac8", "away": "#d9d9d9"}
"""Colour-blind-safe (ColorBrewer Dark2 pair); away is a neutral grey."""
HEAD_COLOUR = "#d95f02"
SHOULDER_COLOUR = "#7570b3"
WIDTH = 960


@dataclass(frozen=True)
class Thresholds:
    """The detector's limits over the baseline, drawn on the angle chart."""

    head_deg: float
    shoulder_deg: float


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _lookup(data: JsonValue, key: str) -> JsonValue:
    for part in key.split("."):
        if isinstance(data, list):
            data = data[int(part)]
        elif isinstance(data, dict):
            data = data[part]
        else:
            raise KeyError(key)
    return data


def _number(value: JsonValue) -> float | None:
    """A JSON number (None for null)."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise TypeError(f"not a number: {value!r}")


class _Page:
    """Builds numbers that carry their JSON path and value."""

    def __init__(self, data: JsonObject) -> None:
        self.data = data

    def attrs(self, key: str) -> str:
        return f'data-key="{_e(key)}" data-value="{_e(json.dumps(_lookup(self.data, key)))}"'

    def num(self, key: str, text: str | None = None) -> str:
        value = _lookup(self.data, key)
        shown = text if text is not None else ("-" if value is None else str(value))
        return f'<span class="num" {self.attrs(key)}>{_e(shown)}</span>'

    def minutes(self, key: str) -> str:
        value = _number(_lookup(self.data, key))
        return self.num(key, "-" if value is None else hm(value))

    def share(self, key: str) -> str:
        return self.num(key, pct(_number(_lookup(self.data, key))))

    def degrees(self, key: str) -> str:
        return self.num(key, deg(_number(_lookup(self.data, key))))


_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d0d7de; --card: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1000px; padding: 24px 20px 48px; color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
h1 { font-size: 26px; margin: 0; }
h2 { font-size: 18px; margin: 28px 0 8px; }
.sub, .note, figcaption { color: var(--muted); }
.note { font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px;
  margin-top: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 12px; }
.card .label { font-size: 13px; color: var(--muted); }
.card > .num { display: block; font-size: 22px; font-weight: 600; }
.card .extra { font-size: 13px; color: var(--muted); }
.empty { padding: 16px; border: 1px dashed var(--line); border-radius: 8px;
  background: var(--card); }
svg { display: block; width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 13px; color: var(--muted);
  margin: 4px 0; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child, table.text td, table.text th { text-align: left; }
#js-errors { color: #b00020; white-space: pre-wrap; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .card, section, figure { break-inside: avoid; }
  .card { border-color: #999; }
  #js-errors { display: none; }
}
"""

_SCRIPT = """
window.__pwErrors = [];
(function () {
  function note(msg) {
    window.__pwErrors.push(String(msg));
    var box = document.getElementById("js-errors");
    if (box) { box.hidden = false; box.textContent = window.__pwErrors.join("\\n"); }
  }
  window.addEventListener("error", function (e) {
    note(e.message || ((e.target && e.target.tagName) + " failed to load"));
  }, true);
  document.addEventListener("securitypolicyviolation", function (e) {
    note("blocked by the page's policy: " + e.blockedURI);
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (window.__pwErrors.length) { note(window.__pwErrors.pop()); }
    document.body.setAttribute("data-ready", "1");
  });
})();
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def _document(title: str, body: str, kind: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f"<title>{_e(title)}</title>\n"
        f"<script>{_SCRIPT}</script>\n<style>{_CSS}</style>\n</head>\n"
        f'<body data-kind="{kind}">\n{body}\n'
        '<pre id="js-errors" hidden></pre>\n'
        '<p class="note">Made by posturewatch from numbers kept on this computer; '
        "no image was ever stored.</p>\n</body>\n</html>\n"
    )


def _legend(states: Sequence[str]) -> str:
    items = "".join(f'<span><i style="background:{COLOURS[s]}"></i>{_e(s)}</span>' for s in states)
    return f'<div class="legend">{items}</div>'


def _card(label: str, number: str, extra: str = "") -> str:
    tail = f'<span class="extra">{extra}</span>' if extra else ""
    return f'<div class="card"><span class="label">{_e(label)}</span>{number}{tail}</div>'


# --- charts ----------------------------------------------------------------------------


def timeline_svg(r: DailyReport) -> str:
    """The day from midnight to midnight, one coloured band per run of a state."""
    left, right, top, band = 40, 10, 8, 34
    plot_w = WIDTH - left - right
    height = top + band + 26
    span = r.day_end_s - r.day_start_s

    def x(t: float) -> float:
        return left + (t - r.day_start_s) / span * plot_w

    parts = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{band}" fill="#f6f8fa" '
        'stroke="#d0d7de"/>'
    ]
    for s in r.timeline:
        label = f"{s.start}-{s.end} {s.state} ({hm(s.minutes)})"
        parts.append(
            f'<rect class="slot" data-state="{s.state}" x="{x(s.start_s):.2f}" y="{top}" '
            f'width="{max(x(s.end_s) - x(s.start_s), 0.5):.2f}" height="{band}" '
            f'fill="{COLOURS[s.state]}"><title>{_e(label)}</title></rect>'
        )
    t = r.day_start_s
    while t <= r.day_end_s:
        hour = local_datetime(t, r.timezone_info).hour if t < r.day_end_s else 24
        parts.append(
            f'<line x1="{x(t):.2f}" x2="{x(t):.2f}" y1="{top + band}" y2="{top + band + 5}" '
            'stroke="#8c959f"/>'
        )
        if hour % 3 == 0:
            parts.append(
                f'<text x="{x(t):.2f}" y="{top + band + 18}" text-anchor="middle">{hour:02d}</text>'
            )
        t += 3600
    return _svg("timeline", "The day as a timeline coloured by posture state", height, parts)


def angles_svg(r: DailyReport, thresholds: Thresholds | None) -> str:
    """Per-bucket mean deviation over the baseline (or the raw angles when no
    deviation was recorded) against the detector's thresholds."""
    use_dev = any(s.head_dev is not None or s.shoulder_dev is not None for s in r.slots)
    series = [
        (
            "head forward",
            HEAD_COLOUR,
            [(s.start_s, s.head_dev if use_dev else s.head_deg) for s in r.slots],
        ),
        (
            "shoulder rounding",
            SHOULDER_COLOUR,
            [(s.start_s, s.shoulder_dev if use_dev else s.shoulder_deg) for s in r.slots],
        ),
    ]
    values = [v for _, _, pts in series for _, v in pts if v is not None]
    limits = [thresholds.head_deg, thresholds.shoulder_deg] if thresholds and use_dev else []
    left, right, top, plot_h = 40, 10, 10, 180
    plot_w = WIDTH - left - right
    height = top + plot_h + 26
    lo = min([0.0, *values])
    hi = max([5.0, *values, *(v * 1.5 for v in limits)])
    step = 5.0 if hi - lo <= 40 else 10.0
    lo = step * (lo // step)
    hi = step * -(-hi // step)
    span = r.day_end_s - r.day_start_s

    def x(t: float) -> float:
        return left + (t - r.day_start_s) / span * plot_w

    def y(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    parts = []
    tick = lo
    while tick <= hi + 1e-9:
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.2f}" y2="{y(tick):.2f}" '
            'stroke="#eaeef2"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.2f}" text-anchor="end">{tick:g}°</text>'
        )
        tick += step
    t = r.day_start_s
    while t < r.day_end_s:
        hour = local_datetime(t, r.timezone_info).hour
        if hour % 3 == 0:
            parts.append(
                f'<text x="{x(t):.2f}" y="{top + plot_h + 18}" text-anchor="middle">'
                f"{hour:02d}</text>"
            )
        t += 3600
    if thresholds is not None and use_dev:
        for name, colour, value in (
            ("head forward", HEAD_COLOUR, thresholds.head_deg),
            ("shoulder rounding", SHOULDER_COLOUR, thresholds.shoulder_deg),
        ):
            parts.append(
                f'<line class="threshold" data-value="{value}" x1="{left}" x2="{left + plot_w}" '
                f'y1="{y(value):.2f}" y2="{y(value):.2f}" stroke="{colour}" '
                f'stroke-dasharray="6 4" stroke-width="1.5"><title>{_e(name)} threshold '
                f"{value:g}°</title></line>"
            )
    for name, colour, pts in series:
        path = _path(
            [(x(t), y(v)) for t, v in pts if v is not None],
            [t for t, v in pts if v is not None],
            r.bucket_s,
        )
        if path:
            parts.append(
                f'<path class="series" data-series="{_e(name)}" d="{path}" fill="none" '
                f'stroke="{colour}" stroke-width="1.6"><title>{_e(name)}</title></path>'
            )
    what = "deviation over your calibrated posture" if use_dev else "angle"
    return _svg("angles", f"Head forward and shoulder rounding {what}", height, parts)


def _path(points: Sequence[tuple[float, float]], times: Sequence[float], bucket_s: int) -> str:
    """An SVG path that lifts the pen across gaps in the data."""
    out = []
    for i, (px, py) in enumerate(points):
        gap = i == 0 or times[i] - times[i - 1] > bucket_s
        out.append(f"{'M' if gap else 'L'}{px:.1f},{py:.1f}")
    return " ".join(out)


def hours_svg(page: _Page, r: DailyReport) -> str:
    """Minutes per hour of the day, stacked good / poor / uncertain."""
    left, right, top, plot_h = 40, 10, 10, 150
    plot_w = WIDTH - left - right
    height = top + plot_h + 26
    slot_w = plot_w / 24
    peak = max([60.0, *(h.good + h.poor + h.uncertain for h in r.hours)])

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    parts = []
    for m in (0, 15, 30, 45, 60):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(m):.2f}" y2="{y(m):.2f}" '
            f'stroke="#eaeef2"/><text x="{left - 6}" y="{y(m) + 4:.2f}" '
            f'text-anchor="end">{m}</text>'
        )
    for h in r.hours:
        bx = left + h.hour * slot_w + 2
        base = 0.0
        for state in ("good", "poor", "uncertain"):
            value = getattr(h, state)
            if value > 0:
                parts.append(
                    f'<rect class="bar" {page.attrs(f"hours.{h.hour}.{state}")} '
                    f'x="{bx:.2f}" y="{y(base + value):.2f}" width="{slot_w - 4:.2f}" '
                    f'height="{y(base) - y(base + value):.2f}" fill="{COLOURS[state]}">'
                    f"<title>{h.hour:02d}:00 {state}: {hm(value)}</title></rect>"
                )
                base += value
        parts.append(
            f'<text x="{bx + slot_w / 2 - 2:.2f}" y="{top + plot_h + 18}" '
            f'text-anchor="middle">{h.hour:02d}</text>'
        )
    return _svg("hours", "Minutes seated per hour of the day", height, parts)


def trend_svg(page: _Page, trend: Sequence[TrendDay], key: str = "trend") -> str:
    """Seated minutes per day, stacked good / poor / uncertain, with the good share."""
    left, right, top, plot_h = 40, 10, 22, 150
    plot_w = WIDTH - left - right
    height = top + plot_h + 26
    n = max(len(trend), 1)
    slot_w = plot_w / n
    peak = max([60.0, *(t.minutes.seated for t in trend)])
    peak = 60.0 * -(-peak // 60)

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    parts = []
    m = 0.0
    while m <= peak:
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(m):.2f}" y2="{y(m):.2f}" '
            f'stroke="#eaeef2"/><text x="{left - 6}" y="{y(m) + 4:.2f}" '
            f'text-anchor="end">{m / 60:g} h</text>'
        )
        m += 60.0 if peak <= 240 else 120.0
    for i, t in enumerate(trend):
        bx = left + i * slot_w + 1.5
        base = 0.0
        for state in ("good", "poor", "uncertain"):
            value = getattr(t.minutes, state)
            if value > 0:
                parts.append(
                    f'<rect class="bar" {page.attrs(f"{key}.{i}.minutes.{state}")} '
                    f'x="{bx:.2f}" y="{y(base + value):.2f}" width="{max(slot_w - 3, 1):.2f}" '
                    f'height="{y(base) - y(base + value):.2f}" fill="{COLOURS[state]}">'
                    f"<title>{t.date:%a %d %b} {state}: {hm(value)}</title></rect>"
                )
                base += value
        share = t.minutes.good_share
        if share is not None:
            parts.append(
                f'<text x="{bx + slot_w / 2 - 1.5:.2f}" y="{y(base) - 4:.2f}" '
                f'text-anchor="middle">{round(share * 100)}</text>'
            )
        if n <= 7 or i % 7 == (n - 1) % 7:
            parts.append(
                f'<text x="{bx + slot_w / 2 - 1.5:.2f}" y="{top + plot_h + 18}" '
                f'text-anchor="middle">{t.date:%d %b}</text>'
            )
    return _svg(key, "Seated time per day, good share in percent above each bar", height, parts)


def _svg(name: str, label: str, height: float, parts: Sequence[str]) -> str:
    return (
        f'<svg id="chart-{_e(name)}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-label="{_e(label)}">'
        f"<title>{_e(label)}</title>{''.join(parts)}</svg>"
    )


# --- pages -----------------------------------------------------------------------------


def render_html(report: DailyReport | WeekReport, thresholds: Thresholds | None = None) -> str:
    """The whole page as one string."""
    if isinstance(report, WeekReport):
        return _week_page(report)
    return _day_page(report, thresholds)


def _day_page(r: DailyReport, thresholds: Thresholds | None) -> str:
    page = _Page(to_dict(r))
    title = f"Posture report {r.date.isoformat()}"
    out = [
        f'<header><h1>Posture report</h1><p class="sub">{r.date:%A %d %B %Y} · '
        f"{_e(r.timezone)}</p></header>"
    ]
    if not r.has_data:
        out.append(
            '<p class="empty" id="no-data">No posture data for this day: posturewatch was '
            "not running.</p>"
        )
    else:
        c = r.comparison
        change = ""
        if c is not None and c.good_share.change is not None:
            change = f"{round(c.good_share.change * 100):+d} pts against the previous 7 days"
        out.append('<section class="cards">')
        out += [
            _card("Seated", page.minutes("minutes.seated")),
            _card(
                "Good posture",
                page.minutes("minutes.good"),
                page.share("good_share") + " of seated time",
            ),
            _card("Poor posture", page.minutes("minutes.poor")),
            _card(
                "Not judged", page.minutes("minutes.uncertain"), "uncertain: looking down, turned"
            ),
            _card("Away", page.minutes("minutes.away")),
            _card("Share in good posture", page.share("good_share"), _e(change)),
            _card("Head forward", page.minutes("poor_minutes.head_forward")),
            _card("Rounded shoulders", page.minutes("poor_minutes.shoulder_rounding")),
            _card("Sunk in the chair", page.minutes("poor_minutes.sinking")),
            _card("Longest poor stretch", page.minutes("longest_poor_min")),
            _card("Longest unbroken sitting", page.minutes("longest_sitting_min")),
            _card("Breaks", page.num("breaks"), f"away {hm(r.break_min_s / 60)} or more"),
            _card(
                "Prompts",
                page.num("prompts.shown"),
                f"done {page.num('prompts.done')}, snoozed {page.num('prompts.snoozed')}, "
                f"ignored {page.num('prompts.ignored')}",
            ),
        ]
        out.append("</section>")
        if r.both_min > 0:
            out.append(
                f'<p class="note">{page.minutes("poor_minutes.both")} had both the head forward '
                "and the shoulders rounded; they count in both cards.</p>"
            )
        if r.worst_hours:
            worst = ", ".join(
                f"{h:02d}:00 ({page.minutes(f'hours.{h}.poor')})" for h in r.worst_hours
            )
            out.append(f'<p id="worst-hours">Worst hours: {worst}</p>')
        out += [
            "<section><h2>The day</h2>",
            timeline_svg(r),
            _legend(("good", "poor", "uncertain", "away")),
            "</section>",
            "<section><h2>Head and shoulders</h2>",
            angles_svg(r, thresholds),
            '<div class="legend">'
            f'<span><i style="background:{HEAD_COLOUR}"></i>head forward</span>'
            f'<span><i style="background:{SHOULDER_COLOUR}"></i>shoulder rounding</span>'
            "<span>dashed: the limit above which posture counts as poor</span></div>",
            _angle_table(page),
            "</section>",
            "<section><h2>Hours of the day</h2>",
            hours_svg(page, r),
            _legend(("good", "poor", "uncertain")),
            "</section>",
        ]
        if r.prompt_list:
            out.append(_prompt_table(r))
    if r.trend:
        out += [
            f"<section><h2>Last {len(r.trend)} days</h2>",
            trend_svg(page, r.trend),
            _legend(("good", "poor", "uncertain")),
            "</section>",
        ]
    return _document(title, "\n".join(out), "day")


def _angle_table(page: _Page) -> str:
    rows = []
    for label, key in (
        ("Head forward angle", "head_forward_deg"),
        ("Shoulder rounding angle", "shoulder_rounding_deg"),
        ("Head forward over baseline", "head_dev_deg"),
        ("Shoulders over baseline", "shoulder_dev_deg"),
    ):
        if _lookup(page.data, f"angles.{key}.mean") is None:
            continue
        rows.append(
            f"<tr><td>{_e(label)}</td><td>{page.degrees(f'angles.{key}.mean')}</td>"
            f"<td>{page.degrees(f'angles.{key}.worst')}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<table><thead><tr><th>Judged time</th><th>mean</th><th>worst</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _prompt_table(r: DailyReport) -> str:
    rows = [
        f"<tr><td>{_e(local_clock(p.time_s, r.timezone_info))}</td><td>{_e(p.title)}</td>"
        f"<td>{_e(p.answer or 'no answer')}</td></tr>"
        for p in r.prompt_list
    ]
    return (
        '<section><h2>Prompts</h2><table class="text"><thead><tr><th>Time</th><th>Prompt</th>'
        f"<th>Answer</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _week_page(w: WeekReport) -> str:
    page = _Page(to_dict(w))
    title = f"Posture report {w.first.isoformat()} to {w.last.isoformat()}"
    out = [
        f'<header><h1>Posture report: the week</h1><p class="sub">{w.first:%d %B} - '
        f"{w.last:%d %B %Y} · {_e(w.timezone)}</p></header>"
    ]
    if not w.has_data:
        out.append(
            '<p class="empty" id="no-data">No posture data in these seven days: posturewatch '
            "was not running.</p>"
        )
    else:
        out += [
            '<section class="cards">',
            _card("Seated", page.minutes("minutes.seated")),
            _card("Good posture", page.minutes("minutes.good"), page.share("good_share")),
            _card("Poor posture", page.minutes("minutes.poor")),
            _card("Away", page.minutes("minutes.away")),
            _card("Head forward", page.minutes("poor_minutes.head_forward")),
            _card("Rounded shoulders", page.minutes("poor_minutes.shoulder_rounding")),
            _card("Sunk in the chair", page.minutes("poor_minutes.sinking")),
            _card("Breaks", page.num("breaks")),
            _card(
                "Prompts done", page.num("prompts.done"), f"of {page.num('prompts.shown')} shown"
            ),
            "</section>",
        ]
        rows = []
        for i, d in enumerate(w.days):
            cells = "".join(
                f"<td>{page.minutes(f'days.{i}.{k}')}</td>"
                for k in ("seated_min", "good_min", "poor_min", "longest_sitting_min")
            )
            rows.append(
                f"<tr><td>{d.date:%a %d %b}</td>{cells}"
                f"<td>{page.share(f'days.{i}.good_share')}</td>"
                f"<td>{page.num(f'days.{i}.breaks')}</td></tr>"
            )
        out.append(
            "<section><h2>Day by day</h2><table><thead><tr><th>Day</th><th>Seated</th>"
            "<th>Good</th><th>Poor</th><th>Longest sitting</th><th>Share good</th>"
            f"<th>Breaks</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    out += [
        f"<section><h2>Last {len(w.trend)} days</h2>",
        trend_svg(page, w.trend),
        _legend(("good", "poor", "uncertain")),
        "</section>",
    ]
    return _document(title, "\n".join(out), "week")
