"""The next break is always visible: in words for the tray and `posturewatch status`."""

from __future__ import annotations

import time
from datetime import datetime

from posturewatch.commands.service import format_status
from posturewatch.core.scheduler import next_break_text
from posturewatch.desktop.status import next_break_line

NOW = datetime(2026, 11, 23, 10, 0).timestamp()


def test_next_break_in_minutes_within_the_hour_then_at_a_clock_time() -> None:
    assert next_break_text(None, NOW) == ""
    assert next_break_text(NOW + 20, NOW) == "Next break: now"
    assert next_break_text(NOW + 12 * 60, NOW) == "Next break in 12 min"
    assert next_break_text(NOW + 59 * 60, NOW) == "Next break in 59 min"
    assert next_break_text(NOW + 3 * 3600, NOW) == "Next break at 13:00"
    tomorrow = datetime(2026, 11, 24, 9, 30).timestamp()
    assert next_break_text(tomorrow, NOW) == "Next break at Tue 09:30"


def test_the_tray_line_follows_the_status_and_hides_while_paused() -> None:
    status = {"state": "good", "scheduler": {"next_break_s": NOW + 25 * 60}}
    assert next_break_line(status, NOW) == "Next break in 25 min"
    assert next_break_line({**status, "state": "paused"}, NOW) == ""
    assert next_break_line({"state": "starting"}, NOW) == ""


def test_posturewatch_status_says_when_the_next_break_is_due() -> None:
    now = time.time()
    scheduler = {"sitting_min": 20.0, "prompts_today": 0, "daily_cap": 8}
    running = {"state": "good", "scheduler": {**scheduler, "next_break_s": now + 30 * 60 + 5}}
    text = format_status({"running": True, "monitor": running})
    assert "next break in 30 min" in text, text
    paused = {"state": "paused", "scheduler": {**scheduler, "next_break_s": now + 600}}
    assert "next break" not in format_status({"running": True, "monitor": paused})
