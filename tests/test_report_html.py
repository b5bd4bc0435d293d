"""The HTML report: self-contained, numbers that match the JSON report, and (with
headless Chromium) charts that render without a script error."""

from __future__ import annotations

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
from posturewatch.report.html import COLOURS, Thresholds, render_html
from posturewatch.report.model import build_daily, build_week
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
        self._in_svg_text = False

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
            self._in_svg_text = True
            self._text = ""
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
            self._in_svg_text = False
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
    assert {"chart-timeline", "chart-angles", "chart-hours", "chart-trend"} <= set(dom.svg_ids)
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
