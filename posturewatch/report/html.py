"""The report as one self-contained HTML page: inline CSS and SVG drawn here in
Python, no network, no external file, so it opens offline, can be mailed to
oneself and prints cleanly.

Every number on the page carries `data-key` (its path in the JSON report, e.g.
"minutes.seated" or "hours.9.poor") and `data-value` (the JSON value), and is
drawn from that JSON value, so a test or a script can read the page back and
compare it with `posturewatch report --json`. A Content-Security-Policy forbids
loading anything; the one inline script only records script errors into
#js-errors, where a headless browser test reads them.

The day's charts span the hours seated (whole local hours from the first to the
last with data), not midnight to midnight. Each chart is drawn twice, for a wide
and for a narrow screen (a phone), and CSS shows the one that fits, so the text
in the charts stays readable at both; printing uses the wide one.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from posturewatch.core.local_time import local_datetime
from posturewatch.report.export import JsonObject, JsonValue, to_dict
from posturewatch.report.model import DailyReport, WeekReport
from posturewatch.report.text import deg, hm, pct

COLOURS = {"good": "#1b9e77", "poor": "#d95f02", "uncertain": "#9e9ac8", "away": "#d9d9d9"}
"""Colour-blind-safe (ColorBrewer Dark2 pair); away is a neutral grey."""
HEAD_COLOUR = "#d95f02"
SHOULDER_COLOUR = "#7570b3"
INK = "#1f2328"

ANSWERS: dict[str, tuple[str, str, str]] = {
    "done": ("done", "#1b9e77", "M-3.6,0.2 L-1.2,2.8 L3.6,-2.8"),
    "snoozed": ("snoozed", "#7570b3", "M-3,-3 H3 L-3,3 H3"),
    "ignored": ("ignored", "#d95f02", "M-3,-3 L3,3 M3,-3 L-3,3"),
    "dismissed": ("closed", "#a6761d", "M-3,-3 L3,3 M3,-3 L-3,3"),
    "skipped": ("skipped", "#59636e", "M-3.6,0 H3.6"),
    "not_slouching": ("not slouching", "#1f78b4", "M-3.6,-1 A3.6,3.6 0 0 0 3.6,-1"),
    "open": ("no answer", "#ffffff", ""),
}
"""What became of a prompt: (label, fill of its mark, white glyph drawn on it)."""
KINDS = {"posture": "posture prompt", "break": "break prompt"}


@dataclass(frozen=True)
class Thresholds:
    """The detector's limits over the baseline, drawn on the angle chart."""

    head_deg: float
    shoulder_deg: float


@dataclass(frozen=True)
class Size:
    """One drawing of a chart: its viewBox width and margins. The narrow one is
    about as wide as a phone's screen in CSS pixels, so its text is drawn at the
    size it is read."""

    name: str
    width: int
    left: int
    right: int


WIDE = Size("wide", 960, 48, 16)
NARROW = Size("narrow", 380, 40, 12)
SIZES = (WIDE, NARROW)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _when(day: date, fmt: str) -> str:
    """A date written out (names in the locale's language), escaped."""
    return _e(day.strftime(fmt))


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


def minutes_text(value: float | None) -> str:
    """How the page writes a JSON minute figure."""
    if value is None:
        return "-"
    return "under 1 min" if 0 < value < 0.5 else hm(value)


class _Page:
    """Builds numbers that carry their JSON path and value."""

    def __init__(self, data: JsonObject) -> None:
        self.data = data

    def value(self, key: str) -> float:
        """A JSON number that is never null (minutes, counts)."""
        return _number(_lookup(self.data, key)) or 0.0

    def text(self, key: str) -> str:
        value = _lookup(self.data, key)
        return value if isinstance(value, str) else json.dumps(value)

    def attrs(self, key: str) -> str:
        return f'data-key="{_e(key)}" data-value="{_e(json.dumps(_lookup(self.data, key)))}"'

    def num(self, key: str, text: str | None = None) -> str:
        value = _lookup(self.data, key)
        if text is None:
            text = value if isinstance(value, str) else "-" if value is None else str(value)
        return f'<span class="num" {self.attrs(key)}>{_e(text)}</span>'

    def minutes(self, key: str) -> str:
        return self.num(key, minutes_text(_number(_lookup(self.data, key))))

    def share(self, key: str) -> str:
        return self.num(key, pct(_number(_lookup(self.data, key))))

    def degrees(self, key: str) -> str:
        return self.num(key, deg(_number(_lookup(self.data, key))))

    def hour(self, key: str) -> str:
        return self.num(key, f"{int(self.value(key)):02d}:00")


_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d0d7de; --card: #f6f8fa; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1000px; padding: 24px 20px 48px; color: var(--ink);
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
h1 { font-size: 26px; margin: 0; }
h2 { font-size: 19px; margin: 30px 0 8px; }
.sub, .note, figcaption { color: var(--muted); }
.note { font-size: 14px; }
#summary { font-size: 18px; margin: 14px 0 0; max-width: 46em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px;
  margin-top: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 12px; min-width: 0; }
.card .label { display: block; font-size: 14px; color: var(--muted); }
.card > .num { display: block; font-size: 22px; font-weight: 600; }
.card .extra { display: block; font-size: 14px; color: var(--muted); }
.empty { padding: 16px; border: 1px dashed var(--line); border-radius: 8px;
  background: var(--card); }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font: 13px system-ui, sans-serif; fill: var(--muted); }
svg.chart text.value { fill: var(--ink); }
svg.chart text.today { fill: var(--ink); font-weight: 600; }
svg.chart-narrow { display: none; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 14px; color: var(--muted);
  margin: 6px 0; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }
svg.icon { display: inline-block; width: 16px; height: 16px; margin-right: 4px;
  vertical-align: -3px; }
.kinds { display: grid; grid-template-columns: max-content 1fr max-content; gap: 6px 12px;
  align-items: center; max-width: 640px; font-size: 15px; }
.kinds .track { background: var(--card); border: 1px solid var(--line); border-radius: 4px;
  height: 14px; }
.kinds .fill { background: #d95f02; height: 100%; border-radius: 3px; }
.kinds .num { text-align: right; }
table { border-collapse: collapse; width: 100%; font-size: 15px; }
th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child, table.text td, table.text th { text-align: left; }
table.prompts td:first-child, table.prompts td:last-child { white-space: nowrap; }
table.prompts td:nth-child(2) { overflow-wrap: anywhere; }
#js-errors { color: #b00020; white-space: pre-wrap; }
@media (max-width: 700px) {
  body { padding: 14px 12px 32px; }
  h1 { font-size: 23px; }
  #summary { font-size: 17px; }
  .cards { grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
  .card > .num { font-size: 20px; }
  svg.chart-wide { display: none; }
  svg.chart-narrow { display: block; }
  th, td { padding: 4px 5px; }
  table.days thead { display: none; }
  table.days tr { display: grid; grid-template-columns: 1fr 1fr; gap: 2px 12px;
    padding: 8px 0; border-bottom: 1px solid var(--line); }
  table.days td { display: flex; justify-content: space-between; gap: 6px; padding: 0;
    border: 0; font-size: 14px; white-space: nowrap; }
  table.days td:first-child { grid-column: 1 / -1; font-weight: 600; }
  table.days td[data-label]::before { content: attr(data-label); color: var(--muted); }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .card, section, figure { break-inside: avoid; }
  .card { border-color: #999; }
  svg.chart-wide { display: block; }
  svg.chart-narrow { display: none; }
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


def _plural(n: float, word: str) -> str:
    return word if n == 1 else word + "s"


# --- the hours seated --------------------------------------------------------------------


@dataclass(frozen=True)
class HourSpan:
    """Whole local hours, the x axis of the day's charts."""

    start_s: float
    end_s: float
    tz: tzinfo | None

    @property
    def hours(self) -> int:
        return max(round((self.end_s - self.start_s) / 3600), 1)

    def ticks(self) -> list[tuple[float, int]]:
        """(epoch seconds, local hour) of each hour boundary, the end included."""
        out = []
        for i in range(self.hours + 1):
            t = self.start_s + 3600 * i
            out.append((t, local_datetime(t, self.tz).hour))
        return out


def _hour_floor(t: float, tz: tzinfo | None) -> float:
    d = local_datetime(t, tz)
    return t - (d.minute * 60 + d.second + d.microsecond / 1e6)


def seated_hours(r: DailyReport) -> HourSpan:
    """From the first to the last local hour with data (a bucket or a prompt), in
    whole hours; the whole day when there is none."""
    starts = [s.start_s for s in r.slots] + [p.time_s for p in r.prompt_list]
    ends = [s.start_s + r.bucket_s for s in r.slots] + [p.time_s + 1 for p in r.prompt_list]
    if not starts:
        return HourSpan(r.day_start_s, r.day_end_s, r.timezone_info)
    first = max(_hour_floor(min(starts), r.timezone_info), r.day_start_s)
    last = max(ends)
    end = _hour_floor(last, r.timezone_info)
    if end < last:
        end += 3600
    return HourSpan(first, min(max(end, first + 3600), r.day_end_s), r.timezone_info)


class _Axis:
    """Time to x over an HourSpan, in one Size."""

    def __init__(self, span: HourSpan, size: Size) -> None:
        self.span = span
        self.left = size.left
        self.plot_w = size.width - size.left - size.right

    def x(self, t: float) -> float:
        return self.left + (t - self.span.start_s) / (self.span.end_s - self.span.start_s) * (
            self.plot_w
        )

    def stride(self) -> int:
        """Label every n-th hour so that labels ("09:00") stay at least 56 apart."""
        per_hour = self.plot_w / self.span.hours
        return next((n for n in (1, 2, 3, 4, 6, 12) if per_hour * n >= 56), 24)

    def labels(self, y_tick: float, y_text: float, tick_len: float = 5) -> list[str]:
        parts = []
        stride = self.stride()
        for i, (t, hour) in enumerate(self.span.ticks()):
            x = self.x(t)
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_tick:.1f}" y2="{y_tick + tick_len:.1f}" '
                'stroke="#8c959f"/>'
            )
            if i % stride == 0:
                shown = 24 if i == self.span.hours and hour == 0 and i else hour
                anchor = "start" if i == 0 else "end" if i == self.span.hours else "middle"
                parts.append(
                    f'<text x="{x:.1f}" y="{y_text:.1f}" text-anchor="{anchor}">'
                    f"{shown:02d}:00</text>"
                )
        return parts


# --- charts ----------------------------------------------------------------------------


def _svg(name: str, size: Size, label: str, height: float, parts: Sequence[str]) -> str:
    suffix = "" if size is WIDE else f"-{size.name}"
    return (
        f'<svg id="chart-{_e(name)}{suffix}" class="chart chart-{size.name}" '
        f'viewBox="0 0 {size.width} {height:.0f}" role="img" aria-label="{_e(label)}">'
        f"<title>{_e(label)}</title>{''.join(parts)}</svg>"
    )


def _both(draw: Callable[..., str], *args: object) -> str:
    """The wide and the narrow drawing of one chart."""
    return "".join(draw(*args, size) for size in SIZES)


def _answer_group(answer: str | None) -> str:
    if answer is None:
        return "open"
    if answer.startswith("snooze"):
        return "snoozed"
    return answer if answer in ANSWERS else "dismissed"


def _answer_label(answer: str | None) -> str:
    group = _answer_group(answer)
    if group == "snoozed" and answer is not None:
        how_long = {"snooze_15m": "15 min", "snooze_1h": "1 h", "snooze_day": "the day"}
        return f"snoozed ({how_long.get(answer, answer.removeprefix('snooze_'))})"
    return ANSWERS[group][0]


def _mark(kind: str, answer: str | None) -> str:
    """A prompt's symbol centred on 0,0: a circle for posture, a square for a break,
    filled by what became of it, with a white glyph (none while unanswered)."""
    _, fill, glyph = ANSWERS[_answer_group(answer)]
    stroke = INK if fill == "#ffffff" else "#ffffff"
    if kind == "break":
        shape = f'<rect x="-7.5" y="-7.5" width="15" height="15" rx="2.5" fill="{fill}" '
    else:
        shape = f'<circle r="8" fill="{fill}" '
    shape += f'stroke="{stroke}" stroke-width="1.2"/>'
    if glyph:
        shape += (
            f'<path d="{glyph}" fill="none" stroke="#ffffff" stroke-width="1.8" '
            'stroke-linecap="round" stroke-linejoin="round"/>'
        )
    return shape


def _icon(kind: str, answer: str | None) -> str:
    return f'<svg class="icon" viewBox="-9 -9 18 18" aria-hidden="true">{_mark(kind, answer)}</svg>'


def timeline_svg(page: _Page, r: DailyReport, span: HourSpan, size: Size) -> str:
    """The hours seated as a band coloured by posture state, and above it a mark
    for each prompt (when, which kind, what became of it)."""
    axis = _Axis(span, size)
    xs = [axis.x(p.time_s) for p in r.prompt_list]
    rows: list[int] = []
    for i, x in enumerate(xs):  # a mark too close to the one before goes one row up
        row = 0
        while any(abs(x - xs[j]) < 17 and rows[j] == row for j in range(i)):
            row += 1
        rows.append(min(row, 2))
    n_rows = max(rows, default=-1) + 1
    top = 6 + 19 * n_rows
    band = 34
    height = top + band + 24
    parts = [
        f'<rect x="{axis.left}" y="{top}" width="{axis.plot_w}" height="{band}" fill="#f6f8fa" '
        'stroke="#d0d7de"/>'
    ]
    for i, s in enumerate(r.timeline):
        key = f"timeline.{i}"
        label = (
            f"{page.text(key + '.start')}-{page.text(key + '.end')} {s.state} "
            f"({minutes_text(page.value(key + '.minutes'))})"
        )
        parts.append(
            f'<rect class="slot" data-state="{_e(s.state)}" {page.attrs(key + ".minutes")} '
            f'x="{axis.x(s.start_s):.2f}" y="{top}" '
            f'width="{max(axis.x(s.end_s) - axis.x(s.start_s), 0.5):.2f}" height="{band}" '
            f'fill="{COLOURS[s.state]}"><title>{_e(label)}</title></rect>'
        )
    for i, p in enumerate(r.prompt_list):
        key = f"prompt_list.{i}"
        cy = top - 11 - 19 * rows[i]
        label = (
            f"{page.text(key + '.time')} {KINDS.get(p.kind, p.kind)}: {p.title} "
            f"({_answer_label(p.answer)})"
        )
        parts.append(
            f'<g class="prompt-mark" {page.attrs(key + ".time")} data-kind="{_e(p.kind)}" '
            f'data-answer="{_e(p.answer or "")}"><title>{_e(label)}</title>'
            f'<line x1="{xs[i]:.1f}" x2="{xs[i]:.1f}" y1="{cy:.1f}" y2="{top + band}" '
            f'stroke="{INK}" stroke-width="1" stroke-opacity="0.55"/>'
            f'<g transform="translate({xs[i]:.1f} {cy:.1f})">{_mark(p.kind, p.answer)}</g></g>'
        )
    parts += axis.labels(top + band, top + band + 19)
    return _svg(
        "timeline",
        size,
        "The hours seated coloured by posture state, with the prompts",
        height,
        parts,
    )


def angles_svg(r: DailyReport, span: HourSpan, thresholds: Thresholds | None, size: Size) -> str:
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
    axis = _Axis(span, size)
    top, plot_h = 10, 180 if size is WIDE else 150
    height = top + plot_h + 26
    lo = min([0.0, *values])
    hi = max([5.0, *values, *(v * 1.5 for v in limits)])
    step = 5.0 if hi - lo <= 40 else 10.0
    if size is NARROW and (hi - lo) / step > 6:
        step *= 2
    lo = step * (lo // step)
    hi = step * -(-hi // step)

    def y(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    parts = []
    tick = lo
    while tick <= hi + 1e-9:
        parts.append(
            f'<line x1="{axis.left}" x2="{axis.left + axis.plot_w}" y1="{y(tick):.2f}" '
            f'y2="{y(tick):.2f}" stroke="#eaeef2"/>'
            f'<text x="{axis.left - 6}" y="{y(tick) + 4:.2f}" text-anchor="end">{tick:g}°</text>'
        )
        tick += step
    parts += axis.labels(top + plot_h, top + plot_h + 19)
    if thresholds is not None and use_dev:
        for name, colour, value in (
            ("head forward", HEAD_COLOUR, thresholds.head_deg),
            ("shoulder rounding", SHOULDER_COLOUR, thresholds.shoulder_deg),
        ):
            parts.append(
                f'<line class="threshold" data-value="{value}" x1="{axis.left}" '
                f'x2="{axis.left + axis.plot_w}" y1="{y(value):.2f}" y2="{y(value):.2f}" '
                f'stroke="{colour}" stroke-dasharray="6 4" stroke-width="1.5"><title>'
                f"{_e(name)} threshold {value:g}°</title></line>"
            )
    for name, colour, pts in series:
        present = [(t, v) for t, v in pts if v is not None]
        path = _path(
            [(axis.x(t + r.bucket_s / 2), y(v)) for t, v in present],
            [t for t, _ in present],
            r.bucket_s,
        )
        if path:
            parts.append(
                f'<path class="series" data-series="{_e(name)}" d="{path}" fill="none" '
                f'stroke="{colour}" stroke-width="1.8" stroke-linejoin="round"><title>{_e(name)}'
                "</title></path>"
            )
    what = "deviation over your calibrated posture" if use_dev else "angle"
    return _svg("angles", size, f"Head forward and shoulder rounding {what}", height, parts)


def _path(points: Sequence[tuple[float, float]], times: Sequence[float], bucket_s: int) -> str:
    """An SVG path that lifts the pen across gaps in the data."""
    out = []
    for i, (px, py) in enumerate(points):
        gap = i == 0 or times[i] - times[i - 1] > bucket_s
        out.append(f"{'M' if gap else 'L'}{px:.1f},{py:.1f}")
    return " ".join(out)


def hours_svg(page: _Page, r: DailyReport, span: HourSpan, size: Size) -> str:
    """Minutes per hour seated, stacked good / poor / uncertain, on the timeline's axis."""
    axis = _Axis(span, size)
    top, plot_h = 10, 150 if size is WIDE else 120
    height = top + plot_h + 26
    seen: set[int] = set()
    hours = []
    for t, hour in span.ticks()[:-1]:
        if hour not in seen:  # a repeated hour (the night clocks go back) is one bar
            seen.add(hour)
            hours.append((t, hour))
    peak = max(
        [60.0, *(r.hours[h].good + r.hours[h].poor + r.hours[h].uncertain for _, h in hours)]
    )

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    parts = []
    for m in (0, 15, 30, 45, 60) if size is WIDE else (0, 30, 60):
        parts.append(
            f'<line x1="{axis.left}" x2="{axis.left + axis.plot_w}" y1="{y(m):.2f}" '
            f'y2="{y(m):.2f}" stroke="#eaeef2"/><text x="{axis.left - 6}" y="{y(m) + 4:.2f}" '
            f'text-anchor="end">{m}</text>'
        )
    slot_w = axis.plot_w / span.hours
    gap = min(4.0, slot_w * 0.15)
    for t, hour in hours:
        bx = axis.x(t) + gap / 2
        base = 0.0
        for state in ("good", "poor", "uncertain"):
            key = f"hours.{hour}.{state}"
            value = page.value(key)
            if value > 0:
                parts.append(
                    f'<rect class="bar" {page.attrs(key)} x="{bx:.2f}" '
                    f'y="{y(base + value):.2f}" width="{slot_w - gap:.2f}" '
                    f'height="{y(base) - y(base + value):.2f}" fill="{COLOURS[state]}">'
                    f"<title>{hour:02d}:00 {state}: {_e(minutes_text(value))}</title></rect>"
                )
                base += value
    parts += axis.labels(top + plot_h, top + plot_h + 19)
    return _svg("hours", size, "Minutes seated in each hour", height, parts)


@dataclass(frozen=True)
class DayBar:
    """One day of a bar chart: its date and the JSON keys of its minutes."""

    date: date
    good: str
    poor: str
    uncertain: str
    seated: str
    share: str


def _trend_bars(trend_key: str, dates: Sequence[date], first: int = 0) -> list[DayBar]:
    bars = []
    for i, d in enumerate(dates):
        k = f"{trend_key}.{first + i}"
        bars.append(
            DayBar(
                d,
                f"{k}.minutes.good",
                f"{k}.minutes.poor",
                f"{k}.minutes.uncertain",
                f"{k}.minutes.seated",
                f"{k}.good_share",
            )
        )
    return bars


def _hours_axis(peak_min: float) -> tuple[float, float]:
    """(top of the axis, step) in minutes for a bar chart of seated time."""
    if peak_min <= 60:
        return 60.0, 15.0
    top = 60.0 * -(-peak_min // 60)
    return top, 60.0 if top <= 360 else 120.0


def _minutes_grid(
    page: _Page, bars: Sequence[DayBar], left: int, plot_w: int, top: int, plot_h: int
) -> tuple[Callable[[float], float], list[str]]:
    """A bar chart of minutes seated per day: the y of a number of minutes, and the
    grid lines with their labels (minutes up to an hour, else hours)."""
    peak, step = _hours_axis(max([0.0, *(page.value(b.seated) for b in bars)]))

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    parts = []
    m = 0.0
    while m <= peak + 1e-9:
        label = f"{m:g}" if peak <= 60 else f"{m / 60:g} h"
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(m):.2f}" y2="{y(m):.2f}" '
            f'stroke="#eaeef2"/><text x="{left - 6}" y="{y(m) + 4:.2f}" '
            f'text-anchor="end">{label}</text>'
        )
        m += step
    return y, parts


def _stacked_bar(
    page: _Page, b: DayBar, y: Callable[[float], float], x: float, width: float
) -> tuple[list[str], float]:
    """One day's bar, good / poor / not judged from the bottom up, and the minutes
    it reaches."""
    parts = []
    base = 0.0
    for state, key in (("good", b.good), ("poor", b.poor), ("uncertain", b.uncertain)):
        value = page.value(key)
        if value > 0:
            parts.append(
                f'<rect class="bar" {page.attrs(key)} x="{x:.2f}" '
                f'y="{y(base + value):.2f}" width="{width:.2f}" '
                f'height="{y(base) - y(base + value):.2f}" fill="{COLOURS[state]}">'
                f"<title>{_when(b.date, '%a %d %b')} {state}: "
                f"{_e(minutes_text(value))}</title></rect>"
            )
            base += value
    return parts, base


def week_svg(page: _Page, bars: Sequence[DayBar], highlight: date | None, size: Size) -> str:
    """Seven days side by side: minutes seated, good / poor / not judged, the time
    seated over each bar."""
    left, right = size.left, size.right
    plot_w = size.width - left - right
    top, plot_h = 40, 150 if size is WIDE else 130
    height = top + plot_h + 44
    slot_w = plot_w / max(len(bars), 1)
    y, parts = _minutes_grid(page, bars, left, plot_w, top, plot_h)
    gap = slot_w * 0.25
    for i, b in enumerate(bars):
        bx = left + i * slot_w + gap / 2
        cx = bx + (slot_w - gap) / 2
        rects, base = _stacked_bar(page, b, y, bx, slot_w - gap)
        parts += rects
        seated = page.value(b.seated)
        if seated > 0:
            text = minutes_text(seated)
            lines = text.split(" h ") if size is NARROW and " h " in text else [text]
            if len(lines) == 2:
                lines[0] += " h"
            ty = y(base) - 6 - 15 * (len(lines) - 1)
            spans = "".join(
                f'<tspan x="{cx:.1f}" dy="{0 if j == 0 else 15}">{_e(line)}</tspan>'
                for j, line in enumerate(lines)
            )
            parts.append(
                f'<text class="value" {page.attrs(b.seated)} x="{cx:.1f}" y="{ty:.1f}" '
                f'text-anchor="middle">{spans}</text>'
            )
        cls = ' class="today"' if b.date == highlight else ""
        parts.append(
            f'<text{cls} x="{cx:.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
            f"{_when(b.date, '%a')}</text>"
            f'<text{cls} x="{cx:.1f}" y="{top + plot_h + 35}" text-anchor="middle">'
            f"{b.date.day}{'' if size is NARROW else ' ' + _when(b.date, '%b')}</text>"
        )
    return _svg("week", size, "Minutes seated on each of the seven days", height, parts)


def trend_svg(page: _Page, bars: Sequence[DayBar], size: Size) -> str:
    """Seated minutes per day, stacked good / poor / uncertain, with the good share."""
    left, right = size.left, size.right
    plot_w = size.width - left - right
    top, plot_h = 24, 150 if size is WIDE else 120
    height = top + plot_h + 26
    n = max(len(bars), 1)
    slot_w = plot_w / n
    y, parts = _minutes_grid(page, bars, left, plot_w, top, plot_h)
    for i, b in enumerate(bars):
        bx = left + i * slot_w + 1.5
        rects, base = _stacked_bar(page, b, y, bx, max(slot_w - 3, 1))
        parts += rects
        share = _number(_lookup(page.data, b.share))
        if share is not None and slot_w >= 22:  # the percent, without its sign to fit
            parts.append(
                f'<text {page.attrs(b.share)} x="{bx + slot_w / 2 - 1.5:.2f}" '
                f'y="{y(base) - 5:.2f}" text-anchor="middle">{round(share * 100)}</text>'
            )
        if n <= 7 or i % 7 == (n - 1) % 7:
            lx = bx + slot_w / 2 - 1.5
            anchor = "end" if lx + 24 > size.width else "middle"
            lx = min(lx, size.width - 2.0)
            parts.append(
                f'<text x="{lx:.2f}" y="{top + plot_h + 19}" '
                f'text-anchor="{anchor}">{b.date.day} {_when(b.date, "%b")}</text>'
            )
    label = "Minutes seated per day"
    if slot_w >= 22:
        label += ", the good share in percent above each bar"
    return _svg("trend", size, label, height, parts)


# --- the sentence -------------------------------------------------------------------------

_KIND_WORDS = {
    "head_forward": "with the head forward",
    "shoulder_rounding": "with the shoulders rounded",
    "sinking": "sunk in the chair",
}


def _mostly(page: _Page) -> str:
    """Which deviation filled most of the poor time ('' when none did)."""
    minutes = {k: page.value(f"poor_minutes.{k}") for k in _KIND_WORDS}
    most = max(minutes.values())
    if most <= 0:
        return ""
    top = [k for k, v in minutes.items() if v == most]
    if top == ["head_forward", "shoulder_rounding"]:
        return "with the head forward and the shoulders rounded"
    return " and ".join(_KIND_WORDS[k] for k in top)


def _breaks_clause(page: _Page) -> str:
    suggested = int(page.value("prompts.breaks"))
    if suggested == 0:
        return "no break was suggested"
    taken = page.num("prompts.breaks_done")
    return (
        f"you took {taken} of {page.num('prompts.breaks')} suggested {_plural(suggested, 'break')}"
    )


def day_sentence(page: _Page) -> str:
    """One plain sentence (two, really) on the day, from the JSON numbers; says so
    when there is nothing to say."""
    if not _lookup(page.data, "has_data"):
        return "No posture was recorded on this day: posturewatch was not running."
    if page.value("minutes.seated") == 0:
        return (
            f"posturewatch ran, but saw no one at the desk (away {page.minutes('minutes.away')})."
        )
    first = f"You sat {page.minutes('minutes.seated')}; {page.share('good_share')} of it upright"
    if page.value("minutes.uncertain") >= 0.5:
        first += f" and {page.minutes('minutes.uncertain')} not judged"
    worst = _lookup(page.data, "worst_hours")
    if page.value("minutes.poor") > 0 and isinstance(worst, list) and worst:
        hour = int(page.value("worst_hours.0"))
        second = (
            f"Posture slipped most between {page.hour('worst_hours.0')} "
            f"and {(hour + 1) % 24:02d}:00"
        )
        mostly = _mostly(page)
        if mostly:
            second += f", mostly {mostly}"
    else:
        second = "Posture never counted as poor"
    return f"{first}. {second}; {_breaks_clause(page)}."


def week_sentence(page: _Page) -> str:
    if not _lookup(page.data, "has_data"):
        return "No posture was recorded in these seven days: posturewatch was not running."
    if page.value("minutes.seated") == 0:
        return "posturewatch ran, but saw no one at the desk in these seven days."
    out = (
        f"In these seven days you sat {page.minutes('minutes.seated')}; "
        f"{page.share('good_share')} of it upright"
    )
    mostly = _mostly(page) if page.value("minutes.poor") > 0 else ""
    out += f". Poor posture was mostly {mostly}" if mostly else ". Posture never counted as poor"
    return f"{out}; {_breaks_clause(page)}."


# --- pages -----------------------------------------------------------------------------


def render_html(report: DailyReport | WeekReport, thresholds: Thresholds | None = None) -> str:
    """The whole page as one string."""
    if isinstance(report, WeekReport):
        return _week_page(report)
    return _day_page(report, thresholds)


def _prompt_legend() -> str:
    kinds = "".join(
        f"<span>{_icon(kind, 'open')}{_e(label)}</span>" for kind, label in KINDS.items()
    )
    answers = "".join(
        f"<span>{_icon('posture', None if group == 'open' else group)}{_e(label)}</span>"
        for group, (label, _, _) in ANSWERS.items()
        if group != "open"
    )
    return f'<div class="legend" id="prompt-legend">{kinds}{answers}</div>'


def _poor_kinds(page: _Page) -> str:
    """How the poor time went wrong: head forward, rounded shoulders, sunk in the chair."""
    poor = page.value("minutes.poor")
    rows = []
    for label, key in (
        ("Head forward", "poor_minutes.head_forward"),
        ("Rounded shoulders", "poor_minutes.shoulder_rounding"),
        ("Sunk in the chair", "poor_minutes.sinking"),
    ):
        share = min(page.value(key) / poor, 1.0) if poor > 0 else 0.0
        rows.append(
            f"<span>{_e(label)}</span>"
            f'<div class="track"><div class="fill" style="width:{share * 100:.1f}%"></div></div>'
            f"{page.minutes(key)}"
        )
    note = ""
    if page.value("poor_minutes.both") > 0:
        note = (
            f'<p class="note">{page.minutes("poor_minutes.both")} had both the head forward and '
            "the shoulders rounded; they count in both rows.</p>"
        )
    return (
        '<section id="poor-kinds"><h2>What went wrong</h2>'
        f'<div class="kinds">{"".join(rows)}</div>{note}</section>'
    )


def _day_page(r: DailyReport, thresholds: Thresholds | None) -> str:
    page = _Page(to_dict(r))
    title = f"Posture report {r.date.isoformat()}"
    out = [
        f'<header><h1>Posture report</h1><p class="sub">{_when(r.date, "%A %d %B %Y")} · '
        f'{_e(r.timezone)}</p><p id="summary">{day_sentence(page)}</p></header>'
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
        p = "prompts."
        out.append('<section class="cards">')
        out += [
            _card("Seated", page.minutes("minutes.seated")),
            _card(
                "Good posture",
                page.minutes("minutes.good"),
                page.share("good_share") + " of seated time",
            ),
            _card("Poor posture", page.minutes("minutes.poor")),
            _card("Not judged", page.minutes("minutes.uncertain"), "looking down, turned away"),
            _card("Away", page.minutes("minutes.away")),
            _card("Share in good posture", page.share("good_share"), _e(change)),
            _card("Longest poor stretch", page.minutes("longest_poor_min")),
            _card("Longest unbroken sitting", page.minutes("longest_sitting_min")),
            _card("Breaks", page.num("breaks"), f"away {hm(r.break_min_s / 60)} or more"),
            _card(
                "Prompts",
                page.num(p + "shown"),
                f"done {page.num(p + 'done')}, snoozed {page.num(p + 'snoozed')}, "
                f"ignored {page.num(p + 'ignored')}, skipped {page.num(p + 'skipped')}, "
                f"not slouching {page.num(p + 'not_slouching')}",
            ),
        ]
        out.append("</section>")
        if r.worst_hours:
            worst = ", ".join(
                f"{page.hour(f'worst_hours.{i}')} ({page.minutes(f'hours.{h}.poor')})"
                for i, h in enumerate(r.worst_hours)
            )
            out.append(f'<p id="worst-hours">Worst hours: {worst}</p>')
        span = seated_hours(r)
        out += [
            "<section><h2>The hours seated</h2>",
            _both(timeline_svg, page, r, span),
            _legend(("good", "poor", "uncertain", "away")),
            _prompt_legend() if r.prompt_list else "",
            "</section>",
            _poor_kinds(page),
            "<section><h2>Head and shoulders</h2>",
            _both(angles_svg, r, span, thresholds),
            '<div class="legend">'
            f'<span><i style="background:{HEAD_COLOUR}"></i>head forward</span>'
            f'<span><i style="background:{SHOULDER_COLOUR}"></i>shoulder rounding</span>'
            "<span>dashed: the limit above which posture counts as poor</span></div>",
            _angle_table(page),
            "</section>",
            "<section><h2>Minutes seated per hour</h2>",
            _both(hours_svg, page, r, span),
            _legend(("good", "poor", "uncertain")),
            "</section>",
        ]
        if r.prompt_list:
            out.append(_prompt_table(page, r))
    if len(r.trend) >= 7:
        first = len(r.trend) - 7
        bars = _trend_bars("trend", [t.date for t in r.trend[first:]], first)
        out += [
            "<section><h2>The week</h2>",
            _both(week_svg, page, bars, r.date),
            _legend(("good", "poor", "uncertain")),
            "</section>",
        ]
    if r.trend:
        out += _trend_section(page, [t.date for t in r.trend])
    return _document(title, "\n".join(out), "day")


def _trend_section(page: _Page, dates: Sequence[date]) -> list[str]:
    return [
        f"<section><h2>Last {len(dates)} days</h2>",
        _both(trend_svg, page, _trend_bars("trend", dates)),
        _legend(("good", "poor", "uncertain")),
        "</section>",
    ]


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


def _prompt_table(page: _Page, r: DailyReport) -> str:
    rows = [
        f"<tr><td>{page.num(f'prompt_list.{i}.time')}</td>"
        f"<td>{_icon(p.kind, p.answer)} {_e(p.title)}</td>"
        f"<td>{_e(_answer_label(p.answer))}</td></tr>"
        for i, p in enumerate(r.prompt_list)
    ]
    return (
        '<section id="prompts"><h2>Prompts</h2><table class="text prompts"><thead><tr>'
        "<th>Time</th><th>Prompt</th><th>Answer</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _week_page(w: WeekReport) -> str:
    page = _Page(to_dict(w))
    title = f"Posture report {w.first.isoformat()} to {w.last.isoformat()}"
    out = [
        f'<header><h1>Posture report: the week</h1><p class="sub">{_when(w.first, "%d %B")} - '
        f"{_when(w.last, '%d %B %Y')} · {_e(w.timezone)}</p>"
        f'<p id="summary">{week_sentence(page)}</p></header>'
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
            _card("Breaks", page.num("breaks")),
            _card(
                "Prompts done", page.num("prompts.done"), f"of {page.num('prompts.shown')} shown"
            ),
            "</section>",
            _poor_kinds(page),
        ]
    bars = [
        DayBar(
            d.date,
            f"days.{i}.good_min",
            f"days.{i}.poor_min",
            f"days.{i}.uncertain_min",
            f"days.{i}.seated_min",
            f"days.{i}.good_share",
        )
        for i, d in enumerate(w.days)
    ]
    out += [
        "<section><h2>The week</h2>",
        _both(week_svg, page, bars, None),
        _legend(("good", "poor", "uncertain")),
        "</section>",
    ]
    if w.has_data:
        columns = (
            ("Seated", "seated_min"),
            ("Good", "good_min"),
            ("Poor", "poor_min"),
            ("Sunk", "sinking_min"),
            ("Longest sitting", "longest_sitting_min"),
            ("Share good", "good_share"),
            ("Breaks", "breaks"),
        )
        rows = []
        for i, d in enumerate(w.days):
            cells = []
            for label, k in columns:
                key = f"days.{i}.{k}"
                value = (
                    page.share(key)
                    if k == "good_share"
                    else (page.num(key) if k == "breaks" else page.minutes(key))
                )
                cells.append(f'<td data-label="{_e(label)}">{value}</td>')
            rows.append(f"<tr><td>{_when(d.date, '%a %d %b')}</td>{''.join(cells)}</tr>")
        head = "".join(f"<th>{_e(label)}</th>" for label, _ in columns)
        out.append(
            '<section><h2>Day by day</h2><table class="days"><thead><tr><th>Day</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    out += _trend_section(page, [t.date for t in w.trend])
    return _document(title, "\n".join(out), "week")
