"""The HTML report: self-contained, numbers that match the JSON report, and (with
headless Chromium) charts that render without a script error."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from posturewatch.core.types import Prompt, PromptAnswer, Routine
from posturewatch.report.export import render_json
from posturewatch.report.html import COLOURS, Thresholds, minutes_text, render_html
from posturewatch.report.model import build_daily, build_week
from posturewatch.report.text import deg, pct
from posturewatch.store.database import Store, StoreSettings
from tests.test_report import BERLIN, DAY, KNOWN_DAY, at, play

CHROMIUM = "/usr/bin/chromium"


class PageReader(HTMLParser):
    """Collects what a test needs from a page: numbers, charts, the error box."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: list[tuple[str, Any, str]] = []
        self.svg_ids: list[str] = []
        self.tags: dict[str, int] = {}
        self.body: dict[str, str | None] = {}
        self.errors_text = ""
        self.urls: list[str] = []
        self._open_num: list[tuple[str, str, Any]] = []
        self._text = ""
        self._in_errors = False
        self._svg: str | None = None
        self.charts: dict[str, list[tuple[str, Any, str]]] = {}
        """Numbers per chart (svg id), as in `numbers`."""
        self.chart_text: dict[str, list[str]] = {}
        """Every <text> of each chart."""
        self.marks: dict[str, list[dict[str, str | None]]] = {}
        """The prompt marks of each chart, their attributes."""
        self.summary = ""
        self._in_summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "body":
            self.body = a
        if tag == "svg" and a.get("id"):
            self.svg_ids.append(str(a["id"]))
            self._svg = str(a["id"])
            self.charts[self._svg] = []
            self.chart_text[self._svg] = []
            self.marks[self._svg] = []
        if tag == "pre" and a.get("id") == "js-errors":
            self._in_errors = True
        if tag == "p" and a.get("id") == "summary":
            self._in_summary = True
        if tag == "text" and self._svg:
            self._text = ""
        if tag == "tspan":
            self._text += " "  # a line break in the chart
        if a.get("class") == "prompt-mark" and self._svg:
            self.marks[self._svg].append(a)
        if "data-key" in a:
            value = json.loads(str(a["data-value"]))
            if tag in ("span", "text"):
                self._open_num.append((tag, str(a["data-key"]), value))
                self._text = ""
            else:
                self._add((str(a["data-key"]), value, ""))

    def _add(self, number: tuple[str, Any, str]) -> None:
        self.numbers.append(number)
        if self._svg:
            self.charts[self._svg].append(number)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("span", "text") and self._open_num and self._open_num[-1][0] == tag:
            _, key, value = self._open_num.pop()
            self._add((key, value, " ".join(self._text.split())))
        if tag == "text" and self._svg:
            self.chart_text[self._svg].append(" ".join(self._text.split()))
        if tag == "svg":
            self._svg = None
        if tag == "pre":
            self._in_errors = False
        if tag == "p":
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        self._text += data
        if self._in_errors:
            self.errors_text += data
        if self._in_summary:
            self.summary += data


def read_page(text: str) -> PageReader:
    reader = PageReader()
    reader.feed(text)
    return reader


def lookup(data: Any, key: str) -> Any:
    for part in key.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


@pytest.fixture
def busy_store(tmp_path: Path) -> Iterator[Store]:
    """A week of data ending with the known day, with prompts and a poor spell of both."""
    db = tmp_path / "log.sqlite3"
    for k in range(1, 9):
        play(db, at(DAY - timedelta(days=k), 9), [("good", None, 60 + 5 * k), ("poor", "both", k)])
    play(db, at(DAY, 9), [*KNOWN_DAY, ("uncertain", None, 12), ("poor", "both", 6)])
    store = Store(db, StoreSettings())
    routine = Routine("chin_tucks", "Chin tucks", ("head_forward",), 60, ("Tuck.",))
    store.add_prompt(Prompt("p1", at(DAY, 11, 30), "posture", routine, "Posture <break>", "b"))
    store.add_answer(PromptAnswer("p1", "done", at(DAY, 11, 31)))
    yield store
    store.close()


def test_numbers_on_the_page_are_the_json_numbers(busy_store: Store) -> None:
    report = build_daily(busy_store, DAY, BERLIN)
    data = json.loads(render_json(report))
    page = read_page(render_html(report, Thresholds(8.0, 8.0)))
    keys = {key for key, _, _ in page.numbers}
    for needed in ("seated", "good", "poor", "uncertain", "away"):
        assert f"minutes.{needed}" in keys
    assert {"good_share", "longest_poor_min", "longest_sitting_min", "breaks"} <= keys
    for key, value, _ in page.numbers:
        assert value == lookup(data, key), key
    shown = {key: text for key, _, text in page.numbers if text}
    assert shown["minutes.good"] == "2 h 00 min"
    assert shown["minutes.away"] == "20 min"
    assert shown["good_share"] == f"{round(data['good_share'] * 100)} %"
    for chart in ("chart-hours", "chart-hours-narrow"):  # drawn for wide and narrow screens
        hour_bars = [v for k, v, _ in page.charts[chart] if k.startswith("hours.")]
        assert sum(hour_bars) == pytest.approx(data["minutes"]["seated"], abs=0.5)


def test_the_page_is_self_contained(busy_store: Store) -> None:
    for report in (build_daily(busy_store, DAY, BERLIN), build_week(busy_store, DAY, BERLIN)):
        text = render_html(report)
        page = read_page(text)
        assert page.urls == []
        for remote in ("http:", "https:", "//", "url(", "@import"):
            assert remote not in text.replace("http-equiv", ""), remote
        assert "Content-Security-Policy" in text and "default-src 'none'" in text
        assert "Posture &lt;break&gt;" in text or report.__class__.__name__ == "WeekReport"


def test_week_page_numbers_match_week_json(busy_store: Store) -> None:
    report = build_week(busy_store, DAY, BERLIN)
    data = json.loads(render_json(report))
    page = read_page(render_html(report))
    assert page.body["data-kind"] == "week"
    assert {"minutes.seated", "days.6.good_min", "trend.29.minutes.good"} <= {
        k for k, _, _ in page.numbers
    }
    for key, value, _ in page.numbers:
        assert value == lookup(data, key), key


def test_an_empty_day_says_so(tmp_path: Path) -> None:
    with Store(tmp_path / "log.sqlite3", StoreSettings()) as store:
        text = render_html(build_daily(store, date(2024, 1, 2), BERLIN))
    assert 'id="no-data"' in text and "No posture data" in text


def shown_as(key: str, value: Any) -> str:
    """How the page writes the JSON value at `key`."""
    last = key.split(".")[-1]
    if key.startswith("trend.") and last == "good_share":  # over a bar of the trend chart
        return str(round(value * 100))
    if last == "good_share":
        return pct(value)
    if key.startswith("worst_hours."):
        return f"{value:02d}:00"
    if key.startswith("angles."):
        return deg(value)
    if isinstance(value, str):
        return value
    if key.startswith(("minutes.", "poor_minutes.", "timeline.", "hours.")) or last.endswith(
        ("_min", "seated", "good", "poor", "uncertain", "away")
    ):
        return minutes_text(value)
    return str(value)


def test_every_number_shown_is_its_json_value_written_out(busy_store: Store) -> None:
    """Not only data-value: the text a person reads (cards, sentence, tables, chart
    labels) is the JSON number, formatted."""
    for report in (build_daily(busy_store, DAY, BERLIN), build_week(busy_store, DAY, BERLIN)):
        data = json.loads(render_json(report))
        page = read_page(render_html(report, Thresholds(8.0, 8.0)))
        shown = [(k, v, text) for k, v, text in page.numbers if text]
        assert len(shown) > 20
        for key, value, text in shown:
            assert value == lookup(data, key), key
            assert text == shown_as(key, value), key


def test_the_day_in_one_sentence(busy_store: Store) -> None:
    page = read_page(render_html(build_daily(busy_store, DAY, BERLIN)))
    assert " ".join(page.summary.split()) == (
        "You sat 2 h 48 min; 71 % of it upright and 12 min not judged. Posture slipped most "
        "between 11:00 and 12:00, mostly with the head forward; no break was suggested."
    )


def test_the_sentence_counts_suggested_breaks_taken(busy_store: Store) -> None:
    routine = Routine("walk", "Walk", ("long_sitting",), 120, ("Walk.",))
    for i, answer in enumerate(("done", "skipped")):
        busy_store.add_prompt(Prompt(f"b{i}", at(DAY, 10, 20 * i), "break", routine, "Up", "b"))
        busy_store.add_answer(PromptAnswer(f"b{i}", answer, at(DAY, 10, 20 * i + 1)))
    page = read_page(render_html(build_daily(busy_store, DAY, BERLIN)))
    assert page.summary.strip().endswith("you took 1 of 2 suggested breaks.")
    week = read_page(render_html(build_week(busy_store, DAY, BERLIN)))
    assert week.summary.strip().endswith("you took 1 of 2 suggested breaks.")


def test_the_sentence_is_honest_without_data(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    play(db, at(DAY, 9), [("away", None, 30)])
    play(db, at(DAY + timedelta(days=1), 9), [("good", None, 40)])
    with Store(db, StoreSettings()) as store:
        empty = read_page(render_html(build_daily(store, DAY - timedelta(days=1), BERLIN)))
        away = read_page(render_html(build_daily(store, DAY, BERLIN)))
        good = read_page(render_html(build_daily(store, DAY + timedelta(days=1), BERLIN)))
        week = read_page(render_html(build_week(store, DAY - timedelta(days=1), BERLIN)))
    assert "No posture was recorded on this day" in empty.summary
    assert "No posture was recorded in these seven days" in week.summary
    assert "saw no one at the desk" in away.summary and "30 min" in away.summary
    assert " ".join(good.summary.split()) == (
        "You sat 40 min; 100 % of it upright. Posture never counted as poor; "
        "no break was suggested."
    )


def test_sinking_in_the_chair_is_shown(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    play(db, at(DAY, 9), [("good", None, 30), ("poor", "sinking", 10), ("poor", "head_forward", 4)])
    with Store(db, StoreSettings()) as store:
        report = build_daily(store, DAY, BERLIN)
    data = json.loads(render_json(report))
    assert data["poor_minutes"]["sinking"] == 10.0
    text = render_html(report)
    page = read_page(text)
    sinking = [t for k, _, t in page.numbers if k == "poor_minutes.sinking"]
    assert sinking == ["10 min"]
    assert "Sunk in the chair" in text
    assert "mostly sunk in the chair" in page.summary


def axis_labels(page: PageReader, chart: str) -> list[str]:
    return [t for t in page.chart_text[chart] if t.endswith(":00")]


def test_the_day_charts_span_the_hours_seated(busy_store: Store) -> None:
    """09:00 to 12:08 of data: the axis runs 09:00-13:00, not 00-24, in each drawing."""
    page = read_page(render_html(build_daily(busy_store, DAY, BERLIN), Thresholds(8.0, 8.0)))
    for chart in ("timeline", "angles", "hours"):
        for suffix in ("", "-narrow"):
            labels = axis_labels(page, f"chart-{chart}{suffix}")
            assert labels[0] == "09:00" and labels[-1] == "13:00", (chart, suffix, labels)
    hours = {k.split(".")[1] for k, _, _ in page.charts["chart-hours"]}
    assert hours == {"9", "10", "11", "12"}


def test_an_evening_past_midnight_is_not_cut(tmp_path: Path) -> None:
    """A stretch ending at 23:40 spans to 24:00, the day's end, not past it."""
    db = tmp_path / "log.sqlite3"
    play(db, at(DAY, 22, 50), [("good", None, 50)])
    with Store(db, StoreSettings()) as store:
        page = read_page(render_html(build_daily(store, DAY, BERLIN)))
    assert axis_labels(page, "chart-timeline") == ["22:00", "23:00", "24:00"]


def test_prompt_marks_on_the_timeline(busy_store: Store) -> None:
    routine = Routine("walk", "Walk", ("long_sitting",), 120, ("Walk.",))
    answers = ("snooze_15m", "ignored", "skipped", None, "not_slouching")
    for i, answer in enumerate(answers):
        kind = "break" if i % 2 else "posture"
        pid = f"m{i}"
        busy_store.add_prompt(Prompt(pid, at(DAY, 9, 10 + 3 * i), kind, routine, f"<t{i}>", "b"))
        if answer is not None:
            busy_store.add_answer(PromptAnswer(pid, answer, at(DAY, 9, 11 + 3 * i)))  # type: ignore[arg-type]
    report = build_daily(busy_store, DAY, BERLIN)
    data = json.loads(render_json(report))
    text = render_html(report)
    page = read_page(text)
    listed = data["prompt_list"]
    assert len(listed) == 6
    for chart in ("chart-timeline", "chart-timeline-narrow"):
        marks = page.marks[chart]
        assert [m["data-key"] for m in marks] == [f"prompt_list.{i}.time" for i in range(6)]
        for mark, prompt in zip(marks, listed, strict=True):
            assert json.loads(str(mark["data-value"])) == prompt["time"]
            assert mark["data-kind"] == prompt["kind"]
            assert mark["data-answer"] == (prompt["answer"] or "")
    assert "&lt;t0&gt;" in text and "<t0>" not in text
    for label in ("snoozed (15 min)", "ignored", "skipped", "no answer", "done", "not slouching"):
        assert label in text
    assert 'id="prompt-legend"' in text


def test_the_week_chart_on_the_day_and_the_week_page(busy_store: Store) -> None:
    day = build_daily(busy_store, DAY, BERLIN)
    day_data = json.loads(render_json(day))
    page = read_page(render_html(day))
    for chart in ("chart-week", "chart-week-narrow"):
        numbers = page.charts[chart]
        days = sorted({int(k.split(".")[1]) for k, _, _ in numbers})
        assert days == list(range(23, 30))  # the last seven of the 30 trend days
        for i in days:
            bars = [v for k, v, t in numbers if k.startswith(f"trend.{i}.minutes.") and not t]
            seated = day_data["trend"][i]["minutes"]["seated"]
            assert sum(bars) == pytest.approx(seated, abs=0.15)
            assert (f"trend.{i}.minutes.seated", seated, minutes_text(seated)) in numbers
    assert day_data["trend"][-1]["date"] == DAY.isoformat()

    week = build_week(busy_store, DAY, BERLIN)
    week_page = read_page(render_html(week))
    keys = {k for k, _, _ in week_page.charts["chart-week"]}
    assert {f"days.{i}.good_min" for i in range(7)} <= keys
    assert {f"days.{i}.poor_min" for i in range(7)} <= keys


# --- in a real browser -------------------------------------------------------------------


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("headless Chromium is required in CI: apt-get install chromium")
    pytest.skip("headless Chromium is not installed")


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    command = [
        chromium_or_skip(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def dump_dom(page: Path, profile: Path) -> str:
    result = chromium(["--dump-dom", page.as_uri()], profile)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.browser
def test_chromium_renders_the_day_without_errors(busy_store: Store, tmp_path: Path) -> None:
    from PIL import Image

    report = build_daily(busy_store, DAY, BERLIN)
    data = json.loads(render_json(report))
    page_file = tmp_path / "day.html"
    page_file.write_text(render_html(report, Thresholds(8.0, 8.0)), encoding="utf-8")
    profile = tmp_path / "chromium-profile"

    dom = read_page(dump_dom(page_file, profile))
    assert dom.body.get("data-ready") == "1"  # the page's script ran ...
    assert dom.errors_text.strip() == ""  # ... and caught no error
    charts = {"chart-timeline", "chart-angles", "chart-hours", "chart-week", "chart-trend"}
    assert charts | {f"{c}-narrow" for c in charts} <= set(dom.svg_ids)
    assert len(dom.marks["chart-timeline"]) == len(data["prompt_list"]) == 1
    assert dom.tags.get("rect", 0) > 20 and dom.tags.get("path", 0) >= 2
    assert dom.numbers, "no numbers in the rendered page"
    for key, value, _ in dom.numbers:
        assert value == lookup(data, key), key

    shot = tmp_path / "day.png"
    result = chromium(
        ["--screenshot=" + str(shot), "--window-size=1280,2000", page_file.as_uri()], profile
    )
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, charts and bars, not a blank page
    present = {c for _, c in colours}
    for state in ("good", "poor"):
        hex_colour = COLOURS[state].lstrip("#")
        rgb_colour = tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
        assert rgb_colour in present, f"no {state} colour drawn"


@pytest.mark.browser
def test_the_error_box_catches_errors(busy_store: Store, tmp_path: Path) -> None:
    """Proves the check above can fail: a broken script and a remote image (blocked
    by the page's policy, so nothing is fetched) both land in #js-errors."""
    text = render_html(build_daily(busy_store, DAY, BERLIN))
    broken = text.replace(
        "</body>",
        '<img src="https://example.invalid/pixel.png" alt="">'
        "<script>notAFunction();</script></body>",
    )
    page_file = tmp_path / "broken.html"
    page_file.write_text(broken, encoding="utf-8")
    dom = read_page(dump_dom(page_file, tmp_path / "chromium-profile"))
    assert "notAFunction" in dom.errors_text
    assert "blocked" in dom.errors_text


def test_break_prompts_done_are_counted(busy_store: Store) -> None:
    """The day's sentence says how many suggested breaks were taken: break prompts
    answered done, not posture prompts done."""
    routine = Routine("walk", "Walk", ("long_sitting",), 120, ("Walk.",))
    for i, answer in enumerate(("done", "skipped", None)):
        pid = f"b{i}"
        busy_store.add_prompt(Prompt(pid, at(DAY, 10, 5 * i), "break", routine, "Stand up", "b"))
        if answer is not None:
            busy_store.add_answer(PromptAnswer(pid, answer, at(DAY, 10, 5 * i + 1)))
    prompts = json.loads(render_json(build_daily(busy_store, DAY, BERLIN)))["prompts"]
    assert (prompts["breaks"], prompts["breaks_done"], prompts["done"]) == (3, 1, 2)


_PROBE = """<!doctype html><html><body>
<iframe id="f" style="width:%dpx;height:900px;border:0" srcdoc="%s"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {
  var d = this.contentDocument, w = this.contentWindow, shown = [], small = 99;
  d.querySelectorAll("svg.chart").forEach(function (svg) {
    if (w.getComputedStyle(svg).display === "none") { return; }
    shown.push(svg.id);
    svg.querySelectorAll("text").forEach(function (t) {
      var h = t.getBoundingClientRect().height;
      if (h > 0 && h < small) { small = h; }
    });
  });
  var fonts = [];
  d.querySelectorAll("p, td, th, .label, .extra, .legend span").forEach(function (el) {
    fonts.push(parseFloat(w.getComputedStyle(el).fontSize));
  });
  var b = document.body;
  b.setAttribute("data-scroll-width", d.documentElement.scrollWidth);
  b.setAttribute("data-client-width", d.documentElement.clientWidth);
  b.setAttribute("data-shown", shown.join(" "));
  b.setAttribute("data-smallest-chart-text", small.toFixed(1));
  b.setAttribute("data-smallest-font", Math.min.apply(null, fonts));
  b.setAttribute("data-errors", (w.__pwErrors || ["the page's script did not run"]).join("|"));
});
</script></body></html>"""


def measure(page_html: str, width: int, tmp_path: Path) -> dict[str, str | None]:
    """The page laid out in a frame `width` CSS pixels wide (a headless window has a
    minimum width, a frame does not): which charts show, how small their text is
    drawn, whether anything is wider than the screen."""
    probe = tmp_path / f"probe-{width}.html"
    probe.write_text(_PROBE % (width, html.escape(page_html, quote=True)), encoding="utf-8")
    return read_page(dump_dom(probe, tmp_path / f"profile-{width}")).body


@pytest.mark.browser
def test_readable_on_a_phone_and_on_a_desktop(busy_store: Store, tmp_path: Path) -> None:
    routine = Routine("walk", "Walk", ("long_sitting",), 120, ("Walk.",))
    busy_store.add_prompt(Prompt("b", at(DAY, 10), "break", routine, "Stand up " * 8, "b"))
    for report in (build_daily(busy_store, DAY, BERLIN), build_week(busy_store, DAY, BERLIN)):
        text = render_html(report, Thresholds(8.0, 8.0))
        phone = measure(text, 390, tmp_path)
        assert phone["data-errors"] == ""
        assert phone["data-scroll-width"] == phone["data-client-width"]  # nothing sticks out
        shown = str(phone["data-shown"]).split()
        assert shown and all(s.endswith("-narrow") for s in shown)
        assert float(str(phone["data-smallest-chart-text"])) >= 12  # ~11 px type, not 4
        assert float(str(phone["data-smallest-font"])) >= 13

        desktop = measure(text, 1280, tmp_path)
        shown = str(desktop["data-shown"]).split()
        assert shown and not any(s.endswith("-narrow") for s in shown)
        assert float(str(desktop["data-smallest-chart-text"])) >= 12
