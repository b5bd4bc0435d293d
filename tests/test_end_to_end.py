"""The whole product as a user runs it: the `posturewatch` command on recordings of
real photographs, the real pose model, a real notification daemon, a real SQLite
file and the report read back from it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from posturewatch.inputs.routines_file import load_routines
from posturewatch.inputs.timeline import load_timeline
from tests.cli import COMMAND, posturewatch
from tests.desktop import Desktop, wait_until
from tests.paths import TESTS

TIMELINES = TESTS / "timelines"
MONDAY_10AM = "2026-11-23T10:00"

pytestmark = pytest.mark.model


def calibrate(data_dir: Path, timeline: Path) -> None:
    seconds = load_timeline(timeline).calibrate_seconds
    posturewatch(data_dir, "calibrate", "--source", str(timeline), "--seconds", str(seconds))


def test_run_on_a_scripted_morning_reports_the_scripted_minutes(tmp_path: Path) -> None:
    timeline_file = TIMELINES / "desk_morning.toml"
    script = load_timeline(timeline_file)
    calibrate(tmp_path, timeline_file)
    posturewatch(
        tmp_path,
        "run",
        "--source",
        str(timeline_file),
        "--notifier",
        "console",
        "--start-at",
        MONDAY_10AM,
    )
    report = json.loads(posturewatch(tmp_path, "report", "--date", "2026-11-23", "--json"))
    minutes = report["minutes"]

    scripted = {"upright": 0.0, "slouched": 0.0, "away": 0.0}
    for seg in script.segments:
        scripted[seg.label] += seg.seconds / 60
    bucket_min = 1.0
    # The script's first second has no time before it; the store counts from there.
    assert minutes["seated"] == pytest.approx(
        scripted["upright"] + scripted["slouched"], abs=bucket_min
    )
    assert minutes["away"] == pytest.approx(scripted["away"], abs=bucket_min)
    assert minutes["poor"] == pytest.approx(scripted["slouched"], abs=bucket_min)
    assert minutes["good"] == pytest.approx(scripted["upright"], abs=bucket_min)
    assert minutes["uncertain"] <= bucket_min


def test_a_slouch_reaches_the_desktop_and_done_is_recorded(
    tmp_path: Path, desktop: Desktop
) -> None:
    timeline = TIMELINES / "upright_then_slouched.toml"
    calibrate(tmp_path, timeline)
    desktop.close_all()
    env = {**os.environ, **desktop.env}
    run = subprocess.Popen(
        [
            *COMMAND,
            "--data-dir",
            str(tmp_path),
            "run",
            "--source",
            str(timeline),
            "--notifier",
            "dbus",
            "--start-at",
            MONDAY_10AM,
            "--speed",
            "15",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: desktop.on_screen() >= 1 or run.poll() is not None, 60, "a prompt")
        assert run.poll() is None, f"run ended before any prompt: {run.communicate()[1]}"
        desktop.invoke_action("Done")
        _, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr

    db = sqlite3.connect(tmp_path / "posturewatch.sqlite3")
    prompts = db.execute("SELECT id, kind, routine_id, title FROM prompts").fetchall()
    answers = db.execute("SELECT prompt_id, answer FROM answers").fetchall()
    db.close()
    assert prompts, "no prompt was stored"
    prompt_id, kind, routine_id, title = prompts[0]
    assert kind == "posture"
    assert routine_id in {r.id for r in load_routines()}
    # The summary says why: what deviated and for how long.
    assert title.startswith(("Head forward", "Shoulders rounded", "Sunk")), title
    assert " for " in title and len(title) <= 60
    # The daemon showed it: it is in dunst's history once closed.
    desktop.close_all()
    wait_until(lambda: title in desktop.history_summaries(), 5, "the prompt in dunst's history")
    assert (prompt_id, "done") in answers
    # What the daemon showed fits a glance: a summary of at most 60 characters that
    # names what deviated, a body of at most 3 lines and 200 characters.
    shown = next(h for h in desktop.history() if h["summary"] == title)
    body = str(shown["body"])
    assert len(str(shown["summary"])) <= 60
    assert len(body) <= 200 and len(body.splitlines()) <= 3, body


def test_demo_finishes_and_names_an_existing_report(tmp_path: Path) -> None:
    out = posturewatch(tmp_path, "demo")
    html_lines = [line for line in out.splitlines() if line.startswith("HTML report: ")]
    assert html_lines, out
    html = Path(html_lines[0].removeprefix("HTML report: "))
    assert html.is_file() and html.stat().st_size > 1000
    assert "posture" in out and "break" in out  # it prompted both kinds


def test_a_saturday_morning_slouch_prompts_with_every_setting_at_its_default(
    tmp_path: Path,
) -> None:
    """Someone who starts early on a weekend hears from it: no quiet hours or working
    days unless chosen. Real photographs: 2 min upright, then slouched."""
    from datetime import datetime

    timeline_file = TIMELINES / "upright_then_slouched.toml"
    script = load_timeline(timeline_file)
    calibrate(tmp_path, timeline_file)
    saturday = "2026-11-28T07:30"
    assert datetime.fromisoformat(saturday).weekday() == 5
    posturewatch(
        tmp_path, "run", "--source", str(timeline_file), "--notifier", "console",
        "--start-at", saturday,
    )  # fmt: skip
    db = sqlite3.connect(tmp_path / "posturewatch.sqlite3")
    prompts = db.execute("SELECT kind, time_s FROM prompts ORDER BY time_s").fetchall()
    db.close()
    start_s = datetime.fromisoformat(saturday).astimezone().timestamp()
    slouch_from_s = start_s + script.segments[0].seconds
    slouch_to_s = slouch_from_s + script.segments[1].seconds
    posture = [t for kind, t in prompts if kind == "posture"]
    assert posture, f"no posture prompt on a Saturday at 07:30: {prompts}"
    assert all(slouch_from_s < t <= slouch_to_s for t in posture)
