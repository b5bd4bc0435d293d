"""The desktop app's logic that needs no display: tray looks, today's figures,
notices told once, sensitivity, settings validation, the Show me action, Skip."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from posturewatch.config import Config, load_config
from posturewatch.core.settings import ConfigError
from posturewatch.desktop import settings as ds
from posturewatch.desktop import status as st
from posturewatch.notifiers import NotifierSettings
from posturewatch.notifiers.dbus import DbusNotifier, notify_actions


def test_tray_state_priorities() -> None:
    assert st.tray_state({"state": "good"}) == "good"
    assert st.tray_state({"state": "good", "dominant": "head_forward"}) == "slipping"
    assert st.tray_state({"state": "poor", "dominant": "both"}) == "poor"
    assert st.tray_state({"state": "away"}) == "away"
    assert st.tray_state({"state": "paused"}) == "paused"
    assert st.tray_state({"state": "good", "recalibrate": True}) == "calibrate"
    assert st.tray_state({"state": "paused", "camera_unavailable_since": 5.0}) == "camera"
    assert st.tray_state({"state": "good"}, profile_missing=True) == "calibrate"
    assert st.tray_state({}) == "starting"
    assert st.tray_state({"state": "weird"}) == "uncertain"


def test_tooltip_says_until_when_paused() -> None:
    now = datetime(2026, 3, 2, 10, 0).timestamp()
    tip = st.tooltip("paused", {"paused_until": now + 3600}, now)
    assert tip == "posturewatch: paused until 11:00"


def test_today_lines() -> None:
    assert st.today_lines(None) == ["Today: no figures yet"]
    lines = st.today_lines(
        {"seated_min": 125.4, "good_share": 0.81, "poor_min": 12, "breaks_done": 2, "prompts": 3}
    )
    assert lines == [
        "Today: seated 2 h 05 min, 81 % upright",
        "Poor posture 12 min, 3 prompts, 2 followed",
    ]
    # A day with minutes has figures, also before any prompt.
    assert st.today_lines({"seated_min": 12.0, "good_share": 1.0, "poor_min": 0}) == [
        "Today: seated 12 min, 100 % upright",
        "Poor posture 0 min, no prompts yet",
    ]
    assert st.today_lines({"seated_min": 0.0, "prompts": 0}) == ["Today: no figures yet"]


def test_the_tray_says_when_the_camera_is_tried_again_and_a_snooze() -> None:
    now = datetime(2026, 3, 2, 10, 0).timestamp()
    status = {"camera_unavailable_since": now - 30, "camera_retry_at_s": now + 115}
    assert st.tray_state(status, profile_missing=True) == "camera"
    tip = st.tooltip("camera", status, now)
    assert tip == "posturewatch: camera busy or missing, trying again in 2 min"
    assert st.next_step(status, now) == "Next: trying the camera again in 2 min."
    assert st.snooze_line({"scheduler": {"snoozed_until": now + 900}}, now) == (
        "Prompts snoozed until 10:15"
    )
    assert st.snooze_line({"scheduler": {"snoozed_until": None}}, now) == ""


def test_pause_until_tomorrow_ends_at_midnight() -> None:
    now = datetime(2026, 3, 2, 15, 30).timestamp()
    assert st.seconds_until_tomorrow(now) == pytest.approx(8.5 * 3600)


def test_notices_are_told_once_per_episode() -> None:
    once = st.NoticeOnce()
    assert once("camera") == st.NOTICES["camera"]
    assert once("camera") is None
    assert once("camera") is None
    assert once("good") is None
    assert once("camera") == st.NOTICES["camera"]  # a new outage is told again
    assert once("calibrate") == st.NOTICES["calibrate"]


def test_the_sensitivity_slider_sets_the_one_factor() -> None:
    config = ds.apply_form(Config(), ds.SettingsForm(sensitivity=1.25), "config.toml")
    assert config.detector.sensitivity == 1.25
    # the thresholds themselves stay the defaults: core/thresholds.py divides them
    assert config.detector.head_threshold_deg == Config().detector.head_threshold_deg
    assert ds.nearest_step(ds.form_from_config(config).sensitivity) == 3
    assert ds.nearest_step(ds.form_from_config(Config()).sensitivity) == 2
    with pytest.raises(ConfigError, match="sensitivity"):
        ds.apply_form(Config(), ds.SettingsForm(sensitivity=50.0), "config.toml")


def test_form_round_trips_through_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    form = ds.SettingsForm(
        sensitivity=0.6,
        break_after_min=40,
        prompt_style="window",
        quiet_hours="12:00-13:00, 19:00-08:00",
        camera="/dev/video2",
    )
    config = ds.apply_form(Config(), form, str(path))
    changed = ds.save_config(path, Config(), config)
    assert "scheduler.break_after_min" in changed and "camera.device" in changed
    assert ds.needs_restart(changed)
    loaded = load_config(path)
    assert loaded == config
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # Only what changed is written: no defaults.
    assert "cooldown_min" not in path.read_text() and "[store]" not in path.read_text()
    # A key the user wrote by hand stays as written when another one changes.
    path.write_text(path.read_text() + "\n[store]\nretention_days = 30\n")
    hand = load_config(path)
    again = ds.apply_form(hand, dataclasses.replace(form, break_after_min=45), str(path))
    assert ds.save_config(path, hand, again) == ["scheduler.break_after_min"]
    assert "retention_days = 30" in path.read_text()
    assert ds.save_config(path, again, again) == []
    back = ds.form_from_config(loaded)
    assert back.prompt_style == "window"
    assert back.quiet_hours == "12:00-13:00, 19:00-08:00"
    assert back.break_after_min == 40
    assert back.camera == "/dev/video2"
    assert ds.nearest_step(back.sensitivity) == 1
    no_quiet = ds.apply_form(loaded, dataclasses.replace(back, quiet_hours=""), str(path))
    assert no_quiet.scheduler.quiet_hours == ()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"break_after_min": 5.0}, "break_after_min"),
        ({"quiet_hours": "25:00-09:00"}, "quiet_hours"),
        ({"prompt_style": "shout"}, "prompt_style"),
    ],
)
def test_a_value_the_loader_refuses_is_named_and_not_saved(
    tmp_path: Path, change: dict[str, object], named: str
) -> None:
    path = tmp_path / "config.toml"
    form = dataclasses.replace(ds.SettingsForm(), **change)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=named):
        ds.apply_form(Config(), form, str(path))
    assert not path.exists()


def test_show_me_is_offered_only_when_someone_listens() -> None:
    caps = frozenset({"actions", "body"})
    assert "show_me" not in notify_actions(caps, True)
    assert notify_actions(caps, True, show_me=True)[-2:] == ["show_me", "Show me"]
    assert notify_actions(frozenset({"body"}), True, show_me=True) == []


def test_show_me_hands_the_prompt_over_and_is_no_answer() -> None:
    notifier = DbusNotifier(NotifierSettings(), clock=lambda: 100.0)
    seen: list[str] = []
    notifier.on_show_me = seen.append
    notifier._remember(7, "prompt-1")
    notifier._current_id = 7
    notifier._conn = None
    notifier._close_notification = lambda _id: None  # type: ignore[method-assign]
    notifier._on_signal("ActionInvoked", (7, "show_me"))
    assert seen == ["prompt-1"]
    assert notifier._pending == []
    notifier._on_signal("ActionInvoked", (7, "done"))
    assert [a.answer for a in notifier._pending] == ["done"]


def test_skip_is_counted_in_the_report() -> None:
    from posturewatch.report.model import PromptCounts
    from posturewatch.store.database import PromptRecord

    fields = {f.name for f in dataclasses.fields(PromptRecord)}
    base = {name: None for name in fields}

    def record(answer: str | None) -> PromptRecord:
        values = dict(base, id=f"p-{answer}", time_s=0.0, kind="posture", answer=answer)
        return PromptRecord(**values)  # type: ignore[arg-type]

    counts = PromptCounts.of([record("skipped"), record("done"), record(None)])
    assert (counts.shown, counts.skipped, counts.done, counts.unanswered) == (3, 1, 1, 1)


def test_autostart_starts_the_gui_and_installs_menu_entry_and_icon(tmp_path: Path) -> None:
    from posturewatch.background import autostart

    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "share")}
    wanted = autostart.autostart_file("linux", env, tmp_path, executable="/usr/bin/python3")
    assert "Exec=/usr/bin/python3 -m posturewatch gui\n" in wanted.content
    assert "Icon=posturewatch\n" in wanted.content
    assert "NoDisplay" not in wanted.content  # the startup-apps tool lists it
    autostart.enable("linux", wanted)
    app_entry = tmp_path / "share" / "applications" / "posturewatch.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "posturewatch.svg"
    assert "Exec=/usr/bin/python3 -m posturewatch gui\n" in app_entry.read_text()
    assert "X-GNOME-Autostart" not in app_entry.read_text()
    assert icon.read_text().startswith("<svg")
    assert autostart.state(wanted, "linux") == "enabled"
    assert autostart.disable("linux", wanted.path)
    assert app_entry.exists() and icon.exists()  # still in the menu, no longer at login
    autostart.enable("linux", wanted)  # ours: replaced without complaint


def test_meeting_mode_and_the_break_heads_up_save_only_their_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[meeting]\nfullscreen = false\n\n[store]\nretention_days = 30\n")
    old = load_config(path)
    form = ds.form_from_config(old)
    assert form.break_heads_up and form.meeting
    assert form.meeting_signals == {"camera", "microphone", "do_not_disturb"}
    new = ds.apply_form(
        old,
        dataclasses.replace(
            form, break_heads_up=False, meeting_signals=form.meeting_signals - {"microphone"}
        ),
        str(path),
    )
    assert ds.save_config(path, old, new) == ["scheduler.break_heads_up", "meeting.microphone"]
    loaded = load_config(path)
    assert not loaded.scheduler.break_heads_up
    assert not loaded.meeting.microphone and not loaded.meeting.fullscreen
    assert loaded.meeting.camera and loaded.meeting.enabled and loaded.store.retention_days == 30
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    back = ds.form_from_config(loaded)
    assert back.meeting_signals == {"camera", "do_not_disturb"} and not back.break_heads_up
    off = ds.apply_form(loaded, dataclasses.replace(back, meeting=False), str(path))
    assert ds.save_config(path, loaded, off) == ["meeting.enabled"]
    assert not load_config(path).meeting.enabled
