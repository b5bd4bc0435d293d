"""The daily report: numbers of scripted days, renderings, and the report command."""

from __future__ import annotations

import argparse
import csv
import io
import json
import stat
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from posturewatch.commands import report as report_command
from posturewatch.context import Context
from posturewatch.core.errors import UserError
from posturewatch.core.local_time import local_day_bounds
from posturewatch.core.scheduler import SchedulerSettings
from posturewatch.core.types import (
    DetectorUpdate,
    Prompt,
    PromptAnswer,
    PromptKind,
    Routine,
)
from posturewatch.report.export import render_csv, render_json, to_dict
from posturewatch.report.model import EmptySource, ReportSettings, build_daily, build_week
from posturewatch.report.text import render_text
from posturewatch.store.database import Store, StoreSettings, backup_path
from tests.samples import side_metrics

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2024, 3, 12)  # a Tuesday

Span = tuple[str, str | None, float]
"""(state, dominant, minutes)"""


def at(day: date, hh: int, mm: int = 0, ss: int = 0, tz: ZoneInfo = BERLIN) -> float:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=tz).timestamp()


def play(target: Store | Path, start_s: float, spans: Sequence[Span], step_s: float = 1.0) -> float:
    """A detector's output at one sample per step_s: a first sample at start_s, then
    each span's state for exactly its minutes. Given a path, the samples are written
    by a run of their own (as by a fresh service), so the first sample accounts for
    nothing; given an open store, it accounts for the (capped) time since the last."""
    if isinstance(target, Path):
        with Store(target, StoreSettings()) as own:
            return play(own, start_s, spans, step_s)
    store = target
    t = start_s
    first_state, first_dom, _ = spans[0]
    store.add_sample(DetectorUpdate(t, first_state, first_dom), side_metrics(10.0, 5.0))  # type: ignore[arg-type]
    for state, dominant, minutes in spans:
        for _ in range(round(minutes * 60 / step_s)):
            t += step_s
            poor = state == "poor"
            store.add_sample(
                DetectorUpdate(
                    t,
                    state,  # type: ignore[arg-type]
                    dominant,  # type: ignore[arg-type]
                    head_dev_deg=12.0 if poor else 2.0,
                    shoulder_dev_deg=4.0 if poor else 1.0,
                ),
                None if state == "away" else side_metrics(22.0 if poor else 12.0, 6.0),
            )
    return t


KNOWN_DAY: list[Span] = [("good", None, 120), ("away", None, 20), ("poor", "head_forward", 30)]
"""09:00-11:00 good, 11:00-11:20 away, 11:20-11:50 poor with the head forward."""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "log.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    """The reader; tests write through play(db, ...), one run per series."""
    s = Store(db, StoreSettings())
    yield s
    s.close()


def test_a_known_day_gives_exact_numbers(db: Path, store: Store) -> None:
    play(db, at(DAY, 9), KNOWN_DAY)
    r = build_daily(store, DAY, BERLIN)
    m = to_dict(r)["minutes"]
    assert m == {"seated": 150.0, "good": 120.0, "poor": 30.0, "uncertain": 0.0, "away": 20.0}
    assert r.minutes.good_share == pytest.approx(0.8)
    assert (r.head_forward_min, r.shoulder_rounding_min, r.both_min) == (30.0, 0.0, 0.0)
    assert r.longest_poor_min == 30.0
    assert r.longest_sitting_min == 120.0
    assert r.breaks == 1
    assert r.worst_hours == (11,)
    assert (r.hours[9].good, r.hours[10].good, r.hours[11].poor, r.hours[11].away) == (
        60.0,
        60.0,
        30.0,
        20.0,
    )
    assert sum(h.good + h.poor + h.uncertain + h.away for h in r.hours) == 170.0
    assert [(s.start, s.end, s.state) for s in r.timeline] == [
        ("09:00", "11:00", "good"),
        ("11:00", "11:20", "away"),
        ("11:20", "11:50", "poor"),
    ]
    head = r.angles["head_forward_deg"]
    assert head.mean == pytest.approx((120 * 60 * 12.0 + 30 * 60 * 22.0 + 10.0) / (150 * 60 + 1))
    assert head.worst == 22.0
    assert r.angles["head_dev_deg"].worst == 12.0


def test_stretches_do_not_depend_on_minute_alignment(db: Path, store: Store) -> None:
    play(db, at(DAY, 9, 0, 30), KNOWN_DAY)  # half a minute off the bucket grid
    r = build_daily(store, DAY, BERLIN)
    assert (r.minutes.seated, r.minutes.away) == (150.0, 20.0)
    assert r.longest_poor_min == pytest.approx(30.0)
    assert r.longest_sitting_min == pytest.approx(120.0)
    assert r.breaks == 1


def test_both_counts_toward_head_and_shoulders(db: Path, store: Store) -> None:
    play(
        store,
        at(DAY, 14),
        [("poor", "both", 10), ("good", None, 5), ("poor", "shoulder_rounding", 5)],
    )
    r = build_daily(store, DAY, BERLIN)
    assert r.minutes.poor == 15.0
    assert (r.head_forward_min, r.shoulder_rounding_min, r.both_min) == (10.0, 15.0, 10.0)
    assert r.longest_poor_min == 10.0
    poor = to_dict(r)["poor_minutes"]
    assert (poor["head_forward"], poor["shoulder_rounding"], poor["both"]) == (10.0, 15.0, 10.0)


def test_short_absences_do_not_break_sitting(db: Path, store: Store) -> None:
    day = [
        ("good", None, 50),
        ("away", None, 3),  # fetching a coffee: still one sitting
        ("uncertain", None, 50),
        ("away", None, 6),  # a break
        ("good", None, 20),
    ]
    play(db, at(DAY, 9), day)
    r = build_daily(store, DAY, BERLIN)
    assert r.breaks == 1
    assert r.longest_sitting_min == pytest.approx(103.0)
    strict = build_daily(store, DAY, BERLIN, scheduler=SchedulerSettings(away_break_min=2))
    assert strict.breaks == 2
    assert strict.longest_sitting_min == pytest.approx(50.0)


def test_time_without_data_is_not_away_but_ends_a_sitting(db: Path, store: Store) -> None:
    play(db, at(DAY, 9), [("good", None, 60)])
    play(db, at(DAY, 10, 30), [("good", None, 40)])  # the service was stopped for 30 minutes
    r = build_daily(store, DAY, BERLIN)
    assert r.minutes.away == 0.0
    assert r.minutes.good == 100.0
    assert r.longest_sitting_min == pytest.approx(60.0)


def test_worst_hours_rank_poor_minutes(db: Path, store: Store) -> None:
    play(db, at(DAY, 9), [("poor", "head_forward", 10), ("good", None, 50)])
    play(db, at(DAY, 13), [("poor", "head_forward", 40), ("good", None, 20)])
    play(db, at(DAY, 16), [("poor", "shoulder_rounding", 25), ("good", None, 5)])
    play(db, at(DAY, 17), [("good", None, 30)])
    r = build_daily(store, DAY, BERLIN, ReportSettings(worst_hours=2))
    assert r.worst_hours == (13, 16)
    assert r.longest_poor_min == pytest.approx(40.0)


def routine() -> Routine:
    return Routine("wall_angels", "Wall angels", ("shoulder_rounding",), 90, ("Slide.",))


def test_prompt_answers_are_counted(db: Path, store: Store) -> None:
    play(db, at(DAY, 9), [("good", None, 60)])
    answers = ["done", "snooze_15m", "snooze_day", "ignored", "dismissed", "not_slouching", None]
    for i, answer in enumerate(answers):
        t = at(DAY, 9, 5 * i)
        kind: PromptKind = "break" if i == 0 else "posture"
        store.add_prompt(Prompt(f"p{i}", t, kind, routine(), "Posture break: Wall angels", "b"))
        if answer is not None:
            store.add_answer(PromptAnswer(f"p{i}", answer, t + 30))  # type: ignore[arg-type]
    store.add_prompt(Prompt("other-day", at(DAY, 9) - 86400, "posture", routine(), "t", "b"))
    store.add_event(at(DAY, 9, 1), "calibration")
    store.add_event(at(DAY, 9, 2), "pause")
    store.add_event(at(DAY, 9, 3), "resume")
    r = build_daily(store, DAY, BERLIN)
    p = r.prompts
    assert (p.shown, p.done, p.snoozed, p.ignored, p.dismissed, p.unanswered) == (7, 1, 2, 1, 1, 1)
    assert (p.posture, p.breaks, p.not_slouching) == (6, 1, 1)
    assert r.events == {"calibration": 1, "pause": 1, "resume": 1}
    listed = to_dict(r)["prompt_list"]
    assert [x["time"] for x in listed[:2]] == ["09:00", "09:05"]
    assert listed[0]["answer"] == "done" and listed[-1]["answer"] is None
    assert to_dict(r)["prompts"]["not_slouching"] == 1
    assert "marked not slouching 1" in render_text(r)


def test_comparison_with_the_previous_seven_days(db: Path, store: Store) -> None:
    play(db, at(DAY - timedelta(days=1), 9), [("good", None, 100)])
    play(db, at(DAY - timedelta(days=3), 9), [("good", None, 60), ("poor", "both", 20)])
    play(db, at(DAY - timedelta(days=8), 9), [("poor", "both", 300)])  # outside the week
    play(db, at(DAY, 9), KNOWN_DAY)
    r = build_daily(store, DAY, BERLIN)
    c = r.comparison
    assert c is not None and c.days == 2
    assert (c.seated.average, c.seated.change) == (90.0, 60.0)
    assert (c.good.average, c.poor.average) == (80.0, 10.0)
    assert c.good_share.average == pytest.approx((1.0 + 0.75) / 2)
    assert c.good_share.change == pytest.approx(0.8 - 0.875)
    assert len(r.trend) == 30 and r.trend[-1].date == DAY and r.trend[0].date == DAY - timedelta(29)
    by_day = {t.date: t.minutes for t in r.trend}
    assert by_day[DAY - timedelta(days=8)].poor == 300.0
    assert by_day[DAY - timedelta(days=2)].seated == 0.0
    previous = to_dict(r)["previous_7_days"]
    assert previous["days_with_data"] == 2 and previous["seated"]["change"] == 60.0


def test_week_adds_up_its_days(db: Path, store: Store) -> None:
    for k in range(9):  # nine days: the first two fall outside the week
        play(db, at(DAY - timedelta(days=k), 9), [("good", None, 30 + k), ("poor", "both", 10)])
    w = build_week(store, DAY, BERLIN)
    assert [d.date for d in w.days] == [DAY - timedelta(days=6 - i) for i in range(7)]
    assert w.minutes.good == sum(30 + k for k in range(7))
    assert w.minutes.poor == 70.0
    data = to_dict(w)
    assert data["kind"] == "week" and data["first"] == (DAY - timedelta(days=6)).isoformat()
    assert data["minutes"]["good"] == sum(30 + k for k in range(7))
    assert [row["good_min"] for row in data["days"]] == [36.0, 35.0, 34.0, 33.0, 32.0, 31.0, 30.0]
    rows = list(csv.DictReader(io.StringIO(render_csv(w))))
    assert [float(row["poor_min"]) for row in rows] == [10.0] * 7
    text = render_text(w)
    assert "Tue 12 Mar" in text and "total" in text


@pytest.mark.parametrize(
    ("day", "hours", "hour_2"),
    [(date(2024, 3, 31), 23, 0.0), (date(2024, 10, 27), 25, 120.0), (date(2024, 6, 3), 24, 60.0)],
)
def test_dst_days_have_their_real_length(
    db: Path, store: Store, day: date, hours: int, hour_2: float
) -> None:
    start, _ = local_day_bounds(day, BERLIN)
    play(db, start, [("good", None, hours * 60)], step_s=10.0)
    r = build_daily(store, day, BERLIN, context=False)
    assert r.minutes.good == hours * 60
    assert r.hours[2].good == hour_2
    assert r.longest_sitting_min == hours * 60
    assert r.timeline[0].start == "00:00" and r.timeline[-1].end == "00:00"


def test_a_day_without_data_says_so(db: Path, store: Store) -> None:
    play(db, at(DAY - timedelta(days=1), 9), [("good", None, 10)])
    r = build_daily(store, DAY, BERLIN)
    assert not r.has_data
    assert "No posture data for this day" in render_text(r)
    data = json.loads(render_json(r))
    assert data["has_data"] is False
    assert data["minutes"] == dict.fromkeys(("seated", "good", "poor", "uncertain", "away"), 0.0)
    assert data["good_share"] is None
    empty = build_daily(EmptySource(), DAY, BERLIN)
    assert "No posture data" in render_text(empty)


def test_json_csv_and_text_carry_the_same_numbers(db: Path, store: Store) -> None:
    play(db, at(DAY, 9), [*KNOWN_DAY, ("uncertain", None, 7.5), ("poor", "both", 4)])
    r = build_daily(store, DAY, BERLIN)
    data = json.loads(render_json(r))
    assert set(data["minutes"]) == {"seated", "good", "poor", "uncertain", "away"}
    assert data["minutes"]["uncertain"] == 7.5
    (row,) = list(csv.DictReader(io.StringIO(render_csv(r))))
    for name in ("seated", "good", "poor", "uncertain", "away"):
        assert float(row[f"{name}_min"]) == data["minutes"][name]
    assert float(row["good_share"]) == data["good_share"]
    assert float(row["head_forward_min"]) == data["poor_minutes"]["head_forward"] == 34.0
    assert float(row["shoulder_rounding_min"]) == data["poor_minutes"]["shoulder_rounding"] == 4.0
    assert int(row["breaks"]) == data["breaks"]
    text = render_text(r)
    assert "2 h 00 min" in text and "2 h 42 min" in text  # good; seated 150 + 7.5 + 4
    desk = text.split("Time at the desk\n")[1].split("\n\n")[0].splitlines()
    assert len({line.index("min") for line in desk}) == 1  # values right-aligned in one column


def test_no_tz_means_the_system_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        for day in (date(2024, 3, 31), date(2024, 10, 27), DAY):
            assert local_day_bounds(day, None) == local_day_bounds(day, BERLIN)
    finally:
        monkeypatch.undo()
        time.tzset()


# --- the command -------------------------------------------------------------------------


def run_report(data_dir: Path, *argv: str) -> int:
    """The report command as the CLI runs it (UserError -> one line, its exit code)."""
    parser = argparse.ArgumentParser(prog="posturewatch")
    report_command.register(parser.add_subparsers())
    args = parser.parse_args(["report", *argv])
    try:
        return int(args.handler(args, Context.from_args(data_dir)))
    except UserError as exc:
        print(f"posturewatch: {exc}", file=__import__("sys").stderr)
        return exc.exit_code


@pytest.fixture
def berlin_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command reports in the system zone: make that Europe/Berlin."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _fill(data_dir: Path) -> Path:
    db = Context.from_args(data_dir).paths.database
    play(db, at(DAY, 9), KNOWN_DAY)
    return db


def test_command_without_a_database_reports_no_data(
    tmp_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_report(tmp_data_dir) == 0
    out, err = capsys.readouterr()
    assert "No posture data" in out
    assert "no data yet" in err and "posturewatch.sqlite3" in err
    assert run_report(tmp_data_dir, "--json", "--date", "2024-03-12") == 0
    assert json.loads(capsys.readouterr().out)["has_data"] is False
    assert not (tmp_data_dir / "posturewatch.sqlite3").exists()  # reading creates nothing


def test_command_json_csv_and_html(
    tmp_data_dir: Path, capsys: pytest.CaptureFixture[str], berlin_clock: None
) -> None:
    _fill(tmp_data_dir)
    csv_file, html_file = tmp_data_dir / "out" / "day.csv", tmp_data_dir / "day.html"
    code = run_report(
        tmp_data_dir,
        "--date",
        "2024-03-12",
        "--json",
        "--csv",
        str(csv_file),
        "--html",
        str(html_file),
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["date"] == "2024-03-12"
    assert data["minutes"] == {
        "seated": 150.0,
        "good": 120.0,
        "poor": 30.0,
        "uncertain": 0.0,
        "away": 20.0,
    }
    (row,) = list(csv.DictReader(csv_file.open()))
    assert float(row["away_min"]) == 20.0
    assert "<svg" in html_file.read_text()
    for f in (csv_file, html_file):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert run_report(tmp_data_dir, "--date", "2024-03-13", "--week") == 0
    assert "Tue 12 Mar" in capsys.readouterr().out


def test_command_rejects_a_bad_date(tmp_data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_report(tmp_data_dir, "--date", "12/03/2024") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "posturewatch: --date: expected today, yesterday or YYYY-MM-DD, got '12/03/2024'"
    ]


def test_command_on_a_corrupt_database_then_restore(
    tmp_data_dir: Path, capsys: pytest.CaptureFixture[str], berlin_clock: None
) -> None:
    db = _fill(tmp_data_dir)
    Store(db, StoreSettings()).close()  # opening a database with data takes the daily backup
    assert backup_path(db).exists()
    damaged = db.read_bytes()[:3000] + b"\x00garbage" * 100
    db.write_bytes(damaged)
    assert run_report(tmp_data_dir, "--date", "2024-03-12") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(db) in err[0] and "--restore-backup" in err[0]
    assert db.read_bytes() == damaged
    assert run_report(tmp_data_dir, "--restore-backup") == 0
    assert "restored" in capsys.readouterr().out
    assert [p.read_bytes() for p in tmp_data_dir.glob("posturewatch.sqlite3.corrupt-*")] == [
        damaged
    ]
    assert run_report(tmp_data_dir, "--date", "2024-03-12", "--json") == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["minutes"]["good"] == 120.0


def test_report_and_status_read_without_changing_any_file(
    tmp_data_dir: Path, capsys: pytest.CaptureFixture[str], berlin_clock: None
) -> None:
    from posturewatch.commands.service import today_from_store

    db = _fill(tmp_data_dir)
    folder = db.parent

    def files() -> dict[str, tuple[bytes, int, int]]:
        return {
            p.name: (p.read_bytes(), p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode))
            for p in sorted(folder.iterdir())
            if p.is_file()
        }

    before = files()
    assert not backup_path(db).exists()  # a writable open of a file with data would make one
    assert run_report(tmp_data_dir, "--date", "2024-03-12", "--json") == 0
    assert json.loads(capsys.readouterr().out)["minutes"]["good"] == 120.0
    assert run_report(tmp_data_dir, "--date", "2024-03-12", "--week") == 0
    assert "Tue 12 Mar" in capsys.readouterr().out
    today = today_from_store(Context.from_args(tmp_data_dir))  # `status` without a service
    assert today is not None and today["seated_min"] == 0.0  # nothing recorded today
    assert files() == before  # no backup, no migration, no -wal/-shm, no chmod
