"""The desktop app's controller with real parts under Qt's offscreen platform:
settings saved while the app watches take effect in the running monitor (the
day's state, a pause and a cooldown are kept; a restart used to forget them) and
config.toml gets only the keys that changed, user-only; without a camera the app
waits and asks to calibrate when one appears."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from posturewatch.app import Application, RunOptions, SourceOptions
from posturewatch.config import Config
from posturewatch.context import Context
from posturewatch.core.baseline import calibrate
from posturewatch.core.scheduler import SchedulerSettings
from posturewatch.core.types import DetectorUpdate
from posturewatch.desktop.app import DesktopApp
from posturewatch.desktop.first_run import NO_CAMERA_PAGE
from posturewatch.desktop.settings import SettingsForm, form_from_config
from posturewatch.inputs.recording import read_recording
from posturewatch.paths import Paths
from posturewatch.store.profiles import save_profile
from tests.desktop import FRONT_SESSION, long_recording

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_saving_settings_keeps_the_pause_the_cooldown_and_the_day(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    paths.ensure()
    save_profile(paths.profile_file("default"), calibrate(read_recording(FRONT_SESSION)[:10]))
    config = Config(scheduler=SchedulerSettings(break_after_min=10.0, quiet_hours=()))
    ctx = Context(paths, config)
    recording = long_recording(tmp_path / "session.jsonl.gz", minutes=30)
    options = RunOptions(
        source=SourceOptions(spec=str(recording)), notifier="none", start_at="2026-11-23T10:00"
    )
    desktop = DesktopApp(qtbot_app(qtbot), ctx, options, ["posturewatch"])
    outcomes = []
    before: dict[str, object] = {}

    def at_each_update(update: DetectorUpdate) -> None:
        app = desktop.app
        if app is None or outcomes or not app.monitor.summary.prompts:
            return
        # A prompt was just shown (the cooldown runs); pause, then save new settings.
        app.pause(None)
        before.update(app.monitor.scheduler.status(update.time_s), at=update.time_s)
        form = SettingsForm(
            sensitivity=1.4,
            break_after_min=40.0,
            prompt_style="window",
            quiet_hours="",
            camera=form_from_config(config).camera,
        )
        outcomes.append(desktop.save_settings(form))

    app = Application.open(paths, config, options, on_update=at_each_update)
    desktop.wire(app)
    try:
        app.run()
        status = app.status()
    finally:
        app.close()

    assert outcomes and outcomes[0].ok, outcomes
    assert "in effect now" in outcomes[0].message
    monitor = app.monitor
    # The new settings reached the running monitor...
    assert monitor.scheduler.settings.break_after_min == 40.0
    assert monitor.detector.settings.sensitivity == 1.4
    assert monitor.detector.thresholds.sensitivity == 1.4  # the thresholds followed
    # ...and the pause, the cooldown and the day's figures are still there.
    assert status["state"] == "paused"
    after = status["scheduler"]
    assert after["prompts_today"] == before["prompts_today"] == 1
    assert after["sitting_min"] >= before["sitting_min"] > 0
    resumed_at = float(before["at"]) + 60.0  # type: ignore[arg-type]
    monitor.scheduler.resume(resumed_at)
    assert monitor.scheduler.blocked_reason(resumed_at) == "cooldown"
    # config.toml: only what changed, user-only.
    written = paths.config_file
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    table = tomllib.loads(written.read_text(encoding="utf-8"))
    assert set(table) == {"detector", "scheduler", "notifications"}
    assert table["notifications"] == {"prompt_style": "window"}
    # The new prompt style needed no restart: the notifier is silenced at once.
    assert not desktop._notifications_on()
    assert not monitor.notifier.enabled()  # type: ignore[attr-defined]
    assert set(table["scheduler"]) == {"break_after_min"}
    assert set(table["detector"]) == {"sensitivity"}


def qtbot_app(qtbot):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    qt = QApplication.instance()
    assert isinstance(qt, QApplication)
    return qt


def test_without_a_camera_the_app_waits_and_asks_when_one_appears(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    found: list[tuple[str, str]] = []

    class NoCameraYet(DesktopApp):
        def _cameras(self) -> list[tuple[str, str]]:  # the machine's camera list
            return list(found)

        def _tell(self, title: str, body: str) -> None:
            told.append(title)

    told: list[str] = []
    desktop = NoCameraYet(qtbot_app(qtbot), Context(paths, Config()), RunOptions(), ["pw"])
    desktop.start()
    window = desktop.windows["first-run"]
    qtbot.mouseClick(window.welcome_next, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert window.pages.currentIndex() == NO_CAMERA_PAGE  # type: ignore[attr-defined]
    window.without_button.click()  # type: ignore[attr-defined]
    assert not window.isVisible()
    assert desktop.tray.state == "camera" and desktop._camera_scan.isActive()
    desktop._look_for_a_camera()
    assert told == [] and not desktop._showing("first-run")  # still none
    found.append(("camera:0", "USB Camera (camera 0)"))
    desktop._look_for_a_camera()
    assert told == ["A camera is connected"]
    assert desktop._showing("first-run") and not desktop._camera_scan.isActive()
    reopened = desktop.windows["first-run"]
    assert reopened.chosen_camera() == "camera:0"  # type: ignore[attr-defined]
    for window in desktop.windows.values():
        window.close()
    desktop.tray.hide()


def test_the_live_view_looks_every_second_while_open(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    paths.ensure()
    save_profile(paths.profile_file("default"), calibrate(read_recording(FRONT_SESSION)[:10]))
    options = RunOptions(source=SourceOptions(spec=str(FRONT_SESSION)), notifier="none")
    ctx = Context(paths, Config())
    desktop = DesktopApp(qtbot_app(qtbot), ctx, options, ["posturewatch"])
    app = Application.open(paths, ctx.config, options)
    try:
        desktop.wire(app)
        desktop.open_live_view()
        app.status()  # the loop (not running here) applies what was posted
        assert app.monitor.settings.steady_interval_s == 1.0
        assert app.monitor.settings.away_interval_s == 1.0
        desktop.windows["live"].close()
        app.status()
        assert app.monitor.settings == Config().sampling
    finally:
        app.close()
        desktop.tray.hide()
