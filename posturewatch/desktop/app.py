"""`posturewatch gui`: the monitor in a worker thread, the tray and the windows in
Qt's main thread.

The monitor runs as the user's one background instance (background/service.py's
run_service: the instance lock, the control channel, pause while the screen is
locked), so `posturewatch status/pause/stop` work against it. Its callbacks run
in the worker thread and reach Qt only through queued signals; the GUI talks back
with app.post(...) and PauseControl, both thread-safe. SIGTERM/SIGINT reach Python
through a wakeup socket the Qt loop watches, so they are handled at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from posturewatch.app import Application, RunOptions, profile_path
from posturewatch.context import Context
from posturewatch.core.types import Prompt, PromptAnswer
from posturewatch.desktop import status as tray_status
from posturewatch.desktop import style
from posturewatch.desktop.drawing import app_icon
from posturewatch.desktop.settings import (
    SaveOutcome,
    SettingsForm,
    apply_form,
    camera_device,
    form_from_config,
    needs_restart,
    plain_refusal,
    save_config,
    saved_message,
    with_camera,
)
from posturewatch.monitor import Answer, Reconfigure
from posturewatch.notifiers import Notifier

log = logging.getLogger(__name__)

STATUS_EVERY_MS = 5000
"""How often the tray asks the monitor for its state (between checks, for a
camera outage or a pause ending); each detector update also refreshes it."""
STOP_GRACE_S = 8.0
"""After a stop request, quit even if the worker has not finished by then."""
PAUSES = {"15m": 15 * 60.0, "1h": 60 * 60.0}
LIVE_STEP_S = 1.0
"""How often the monitor looks while the live view is open."""
HELPER_JOIN_S = 3.0
"""At exit, how long to wait for each helper thread still reading."""
CAMERA_SCAN_MS = 10000
"""Without a calibration and without a camera: how often the app looks for one."""


class _Signals(QObject):
    update = Signal(object)
    prompt = Signal(object)
    show_me = Signal(str)
    status = Signal(object)
    today = Signal(object)
    finished = Signal(int, str)
    feedback = Signal(object)
    observation = Signal(object)
    report = Signal(str, object)


class _HooksCatcher:
    """run_service's tray_factory: hands its TrayHooks to the GUI."""

    def __init__(self, on_hooks: Callable[[Any], None]) -> None:
        self._on_hooks = on_hooks

    def __call__(self, hooks: Any) -> Any:
        self._on_hooks(hooks)
        return self

    def stop(self) -> None:
        pass


class DesktopApp:
    def __init__(
        self,
        qt: QApplication,
        ctx: Context,
        options: RunOptions,
        self_command: Sequence[str],
        open_window: str | None = None,
    ) -> None:
        self.qt = qt
        self.ctx = ctx
        # The app waits for a missing or busy camera (its tray says so) instead of
        # ending; `posturewatch status` and `pause` keep answering meanwhile.
        self.options = dataclasses.replace(options, wait_for_camera=True)
        self.self_command = list(self_command)
        self.open_window = open_window
        self.signals = _Signals()
        self.signals.update.connect(self._on_update)
        self.signals.prompt.connect(self._on_prompt)
        self.signals.show_me.connect(self._on_show_me)
        self.signals.status.connect(self._on_status)
        self.signals.today.connect(self._on_today)
        self.signals.finished.connect(self._on_finished)
        self.signals.feedback.connect(self._on_feedback)
        self.signals.observation.connect(self._on_observation)
        self.signals.report.connect(self._on_report)
        from posturewatch.desktop.tray_icon import Tray

        self.tray = Tray()
        self.tray.pause.connect(self.pause)
        self.tray.resume.connect(self.resume)
        self.tray.calibrate.connect(self.calibrate)
        self.tray.slouching.connect(self.slouching_now)
        self.tray.report.connect(self.open_report)
        self.tray.settings.connect(self.open_settings)
        self.tray.live_view.connect(self.open_live_view)
        self.tray.quit.connect(self.quit)
        self.tray.menu_opening.connect(self.refresh_today)
        self.notice = tray_status.NoticeOnce()
        self.windows: dict[str, QWidget] = {}
        self.prompts: dict[str, Prompt] = {}
        self.app: Application | None = None
        self.hooks: Any = None
        self.worker: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.quitting = False
        self.exit_code = 0
        self._restart_after_stop = False
        self._last_status: dict[str, Any] = {}
        self._setups_told: set[str] = set()
        self._poll = QTimer()
        self._poll.setInterval(STATUS_EVERY_MS)
        self._poll.timeout.connect(self.poll_status)
        self._camera_scan = QTimer()
        self._camera_scan.setInterval(CAMERA_SCAN_MS)
        self._camera_scan.timeout.connect(self._look_for_a_camera)
        self._last_update: Any = None
        self._helpers: list[threading.Thread] = []
        self._live_open = False
        """A live view is on screen (read by the monitor's thread: a plain bool)."""

    # ------------------------------------------------------------------ start-up

    @property
    def config(self) -> Any:
        return self.ctx.config

    @property
    def spec(self) -> str:
        return self.options.source.spec_or_camera(self.config)

    def profile(self) -> Path:
        return profile_path(self.ctx.paths, self.config, self.options)

    def start(self) -> None:
        from posturewatch.background.instance import instance_running, read_instance_info

        if instance_running(self.ctx.paths.runtime_dir):
            info = read_instance_info(self.ctx.paths.runtime_dir)
            described = info.describe() if info else "details unknown"
            print(f"posturewatch is already running ({described})")
            self._tell("posturewatch is already running", "Find its icon in the tray.")
            QTimer.singleShot(0, self.qt.quit)
            return
        self.tray.show()
        self.tray.set_watching(False)
        if not self.profile().exists():
            # The first-run window explains it: no notification on top.
            self.set_tray("calibrate", "posturewatch: needs calibration", notify=False)
            self.open_first_run("welcome")
        else:
            self.start_monitor()
        if self.open_window:
            QTimer.singleShot(300, lambda: self.open_named(str(self.open_window)))

    def open_named(self, name: str) -> None:
        """--open: a window at start (for people, and for scripts/screenshots.py)."""
        if name in ("first-run", "welcome", "camera"):
            self.open_first_run("camera" if name == "camera" else "welcome")
        elif name == "settings":
            self.open_settings()
        elif name.startswith("break"):
            self.open_sample_break(name.partition(":")[2])
        elif name == "menu":
            self.tray.popup_menu()
        elif name == "live":
            self.open_live_view()
        elif name == "report":
            self.open_report()

    def start_monitor(self) -> None:
        from posturewatch.background.service import run_service

        if self.worker is not None and self.worker.is_alive():
            return
        self.stop_event = threading.Event()
        self.hooks = None
        config = self.config
        options = self.options
        signals = self.signals

        def open_app() -> Application:
            app = Application.open(
                self.ctx.paths,
                config,
                options,
                on_update=signals.update.emit,
                on_prompt=signals.prompt.emit,
            )
            self.wire(app)
            return app

        def set_hooks(hooks: Any) -> None:
            self.hooks = hooks

        settings = self.ctx.config.service
        stop = self.stop_event

        def work() -> None:
            code, error = 0, ""
            try:
                code = run_service(
                    self.ctx.paths,
                    open_app,
                    self.spec,
                    settings,
                    tray_factory=_HooksCatcher(set_hooks),
                    stop=stop,
                )
            except Exception as exc:  # a UserError (camera, profile) or a bug: say it
                log.warning("the monitor stopped: %s", exc)
                code, error = 1, str(exc)
            finally:
                self.app = None
            signals.finished.emit(code, error)

        self.worker = threading.Thread(target=work, name="posturewatch-monitor", daemon=True)
        self.worker.start()
        self._poll.start()
        self._camera_scan.stop()
        self.tray.set_watching(True)

    def wire(self, app: Application) -> None:
        """Hook an opened application to the windows: Show me, the prompt style, the
        live view."""
        _offer_show_me(app, self.signals.show_me.emit)
        # The prompt style is read at each prompt, so a change in the settings needs
        # no restart: "window" shows the break window instead of a notification.
        app.monitor.notifier = _StyleGate(app.monitor.notifier, self._notifications_on)
        app.monitor.on_observation = self._observed
        self.app = app

    def stop_monitor(self) -> None:
        self.stop_event.set()
        app = self.app
        if app is not None:
            app.stop()

    # ------------------------------------------------------------------ state

    def set_tray(self, state: tray_status.TrayState, tip: str, notify: bool = True) -> None:
        self.tray.set_state(state, tip)
        told = self.notice(state) if notify else None
        if told is not None:
            self._tell(*told)

    def _tell(self, title: str, body: str) -> None:
        """A one-off notice: the desktop's notifications, else the tray's balloon."""
        from posturewatch.notifiers.dbus import send_notice

        if sys.platform.startswith("linux") and send_notice(title, body):
            return
        self.tray.icon.showMessage(title, body, app_icon(), 10000)

    def _show_status(self, status: dict[str, Any]) -> None:
        switched = tray_status.switch_notice(self._last_status, status, self._setups_told)
        self._last_status = status
        if switched is not None:
            self._tell(*switched)
        missing = not self.profile().exists()
        state = tray_status.tray_state(status, profile_missing=missing)
        now = time.time()
        self.set_tray(state, tray_status.tooltip(state, status, now), notify=not missing)
        self.tray.set_snooze(tray_status.snooze_line(status, now))
        live = self.windows.get("live")
        if live is not None:
            from posturewatch.desktop.live_view import LiveViewWindow

            assert isinstance(live, LiveViewWindow)
            live.show_next(tray_status.next_step(status, now))
        self.tray.set_next_break(tray_status.next_break_line(status, now))

    def _on_update(self, update: Any) -> None:
        self._last_update = update
        live = self.windows.get("live")
        if live is not None:
            from posturewatch.desktop.live_view import LiveViewWindow

            assert isinstance(live, LiveViewWindow)
            live.show_update(update, tray_status.update_words(update))
        status = dict(self._last_status)
        status.update(
            state=update.state,
            dominant=update.dominant,
            recalibrate=update.recalibrate,
            reason=update.reason,
            camera_unavailable_since=None,
        )
        if status.get("paused_until") is not None and status.get("state") != "paused":
            status["paused_until"] = None
        self._show_status(status)

    def _helper(self, work: Callable[[], None], name: str) -> None:
        """A short job off the GUI thread that reports back through a signal; kept,
        so the app waits for it before its signals object goes (a signal emitted
        into a deleted object crashes the process at exit)."""
        self._helpers = [t for t in self._helpers if t.is_alive()]
        thread = threading.Thread(target=work, name=name, daemon=True)
        self._helpers.append(thread)
        thread.start()

    def close(self) -> None:
        """After the Qt loop: timers off, the helpers waited for (briefly)."""
        for timer in (self._poll, self._camera_scan):
            timer.stop()
        for thread in self._helpers:
            thread.join(HELPER_JOIN_S)
        if self.worker is not None:
            self.worker.join(HELPER_JOIN_S)

    def poll_status(self) -> None:
        app = self.app
        if app is None:
            return
        signals = self.signals
        self._helper(lambda: signals.status.emit(app.status()), "posturewatch-status")

    def _on_status(self, status: dict[str, Any]) -> None:
        if self.app is not None:
            self._show_status(status)

    def refresh_today(self) -> None:
        """Today's figures from the running monitor's store, or (no monitor: no
        camera, no calibration yet) from the database read-only."""
        app = self.app
        signals = self.signals
        database = self.ctx.paths.database
        config = self.config

        def work() -> None:
            from posturewatch.background.handler import today_summary
            from posturewatch.store.database import Store

            try:
                store = app.store if app is not None else None
                if store is not None:
                    store.flush()
                    signals.today.emit(today_summary(store, app.clock.now()))  # type: ignore[union-attr]
                elif database.exists():
                    reader = Store(database, config.store, read_only=True)
                    try:
                        signals.today.emit(today_summary(reader, time.time()))
                    finally:
                        reader.close()
                else:
                    signals.today.emit(None)
            except Exception as exc:
                log.info("today's figures: %s", exc)

        self._helper(work, "posturewatch-today")

    def _on_today(self, today: dict[str, Any]) -> None:
        self.tray.set_today(today)

    # ------------------------------------------------------------------ menu

    def pause(self, how: str) -> None:
        if self.hooks is None:
            return
        if how == "tomorrow":
            seconds = tray_status.seconds_until_tomorrow(self.hooks.pauses.now())
        else:
            seconds = PAUSES[how]
        until = self.hooks.pauses.pause(seconds)
        self._show_status({**self._last_status, "state": "paused", "paused_until": until})

    def resume(self) -> None:
        if self.hooks is not None:
            self.hooks.pauses.resume()
            self._show_status({**self._last_status, "state": "starting", "paused_until": None})
            self.poll_status()

    def open_report(self) -> None:
        """The text report in a window at once, the full page a button away: always
        something visible, also where no browser opens."""
        from posturewatch.desktop.report_window import ReportWindow

        self._keep("report", ReportWindow())
        page = self.ctx.paths.reports_dir / f"posture-{time.strftime('%Y-%m-%d')}.html"
        command = [*self.self_command, "report", "--html", str(page)]
        signals = self.signals

        def work() -> None:
            try:
                self.ctx.paths.ensure()
                page.parent.mkdir(mode=0o700, exist_ok=True)
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
                )
                text = done.stdout if done.returncode == 0 else (done.stderr or done.stdout)
                signals.report.emit(text, page if done.returncode == 0 else None)
            except (OSError, subprocess.SubprocessError) as exc:
                signals.report.emit(f"The report could not be made: {exc}", None)

        self._helper(work, "posturewatch-report")

    def _on_report(self, text: str, page: Path | None) -> None:
        from posturewatch.desktop.report_window import ReportWindow

        window = self.windows.get("report")
        if isinstance(window, ReportWindow):
            window.show_report(text, page)

    # ------------------------------------------------------------------ live view

    def _observed(self, obs: Any) -> None:
        """The monitor's thread: hand a look at the landmarks to an open live view."""
        if self._live_open:
            self.signals.observation.emit(obs)

    def _on_observation(self, obs: Any) -> None:
        from posturewatch.desktop.live_view import LiveViewWindow

        live = self.windows.get("live")
        if isinstance(live, LiveViewWindow):
            live.show_observation(obs)

    def _notifications_on(self) -> bool:
        return bool(self.config.notifications.prompt_style != "window")

    def _live_closed(self) -> None:
        self._live_open = False
        self._live_pace(False)

    def _live_pace(self, live: bool, meeting: bool = False) -> None:
        """While the live view is open the monitor looks every LIVE_STEP_S (steady
        and away too), so the picture follows; closed, the configured pace again.
        `meeting`: the [meeting] settings changed, so its signals are made afresh."""
        app = self.app
        if app is None:
            return
        config = self.config
        sampling = config.sampling
        if live:
            sampling = dataclasses.replace(
                sampling,
                interval_s=min(sampling.interval_s, LIVE_STEP_S),
                steady_interval_s=min(sampling.steady_interval_s, LIVE_STEP_S),
                borderline_interval_s=min(sampling.borderline_interval_s, LIVE_STEP_S),
                away_interval_s=min(sampling.away_interval_s, LIVE_STEP_S),
            )
        app.post(
            Reconfigure(
                config.detector,
                config.scheduler,
                sampling,
                config.metrics,
                config.meeting if meeting else None,
            )
        )

    def open_live_view(self) -> None:
        from posturewatch.desktop.live_view import LiveViewWindow

        window = LiveViewWindow()
        self._keep("live", window)
        self._live_open = True
        self._live_pace(True)
        window.installEventFilter(_OnClose(window, self._live_closed, self.qt))
        if self._last_update is not None:
            window.show_update(self._last_update, tray_status.update_words(self._last_update))
        window.show_next(tray_status.next_step(self._last_status, time.time()))
        if self.app is None:
            window.canvas.show_message("Not watching yet: calibrate first (tray menu)")

    def quit(self) -> None:
        """Stop the monitor (store flushed, camera let go), then leave the Qt loop."""
        self.quitting = True
        for window in list(self.windows.values()):
            window.close()
        if self.worker is None or not self.worker.is_alive():
            self.qt.quit()
            return
        self.stop_monitor()
        QTimer.singleShot(int(STOP_GRACE_S * 1000), self._give_up)

    def _give_up(self) -> None:
        log.warning("the monitor did not stop within %.0f s; leaving anyway", STOP_GRACE_S)
        self.qt.quit()

    def _on_finished(self, code: int, error: str) -> None:
        self._poll.stop()
        self.hooks = None
        if self._restart_after_stop and not self.quitting:
            self._restart_after_stop = False
            self.start_monitor()
            return
        if self.quitting:
            self.qt.exit(self.exit_code)
            return
        self.tray.set_watching(False)
        if error:
            camera = "camera" in error.lower()
            self.set_tray("camera" if camera else "uncertain", error, notify=False)
            if not (camera and self.notice.told("camera")):
                self._tell("posturewatch stopped watching", error)
            return
        # The recording ended, or `posturewatch stop` asked: the instance is done.
        self.quitting = True
        self.qt.exit(code)

    # ------------------------------------------------------------------ windows

    def _showing(self, name: str) -> bool:
        window = self.windows.get(name)
        return window is not None and window.isVisible()

    def _keep(self, name: str, window: QWidget) -> QWidget:
        old = self.windows.pop(name, None)
        if old is not None:
            old.close()
        self.windows[name] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _cameras(self) -> list[tuple[str, str]]:
        """(spec, label) of the cameras that exist, a --source recording first."""
        from posturewatch.desktop.first_run import camera_choices
        from posturewatch.inputs.sources import list_cameras

        extra = [self.options.source.spec] if self.options.source.spec else []
        return camera_choices(list_cameras(), extra)

    def _open_source(self, spec: str) -> Any:
        return dataclasses.replace(self.options.source, spec=spec).open(self.config)

    def _calibration_job(self, spec: str, profile: str | None = None) -> Any:
        from posturewatch.core.baseline import calibrate_metrics
        from posturewatch.core.metrics import compute_metrics
        from posturewatch.desktop.first_run import CalibrationJob, calibration_words
        from posturewatch.store.profiles import save_profile

        config = self.config
        view = self.options.source.view
        path = self.profile() if profile is None else self.ctx.paths.profile_file(profile)
        name = profile or self.options.profile or config.profile

        def compute(obs: Any) -> Any:
            return compute_metrics(obs, view, config.metrics)

        def calibrate(samples: list[Any], description: str) -> tuple[str, str]:

            baseline = calibrate_metrics(
                samples,
                view=view,
                settings=config.calibration,
                created_s=time.time(),
                source=description,
                profile=name,
            )
            self.ctx.paths.ensure()
            _set_aside_if_corrupt(path)
            save_profile(path, baseline)
            return calibration_words(baseline)

        return CalibrationJob(
            spec=spec, open_source=self._open_source, compute=compute, calibrate=calibrate
        )

    def _slouch_job(self, spec: str, profile: str | None = None) -> Any:
        """The first run's optional second step: 17core's core.baseline.add_slouch
        on the profile just saved (refused with the reason when no different from
        sitting well, a glance, a turn or standing)."""
        from posturewatch.core.baseline import add_slouch, describe_slouch
        from posturewatch.core.metrics import compute_metrics
        from posturewatch.desktop.first_run import CalibrationJob
        from posturewatch.store.profiles import load_profile, save_profile

        config = self.config
        view = self.options.source.view
        path = self.profile() if profile is None else self.ctx.paths.profile_file(profile)

        def compute(obs: Any) -> Any:
            return compute_metrics(obs, view, config.metrics)

        def calibrate(samples: list[Any], description: str) -> tuple[str, str]:
            baseline = add_slouch(load_profile(path), samples, config.detector, source=description)
            save_profile(path, baseline)
            return (
                "Your slouch is noted: posturewatch now notices it from a smaller change.",
                describe_slouch(baseline, config.detector),
            )

        return CalibrationJob(
            spec=spec, open_source=self._open_source, compute=compute, calibrate=calibrate
        )

    def open_first_run(self, page: str = "welcome") -> None:
        from posturewatch.desktop.first_run import FirstRunWindow

        window = FirstRunWindow(
            self._cameras(),
            self._calibration_job,
            self._open_source,
            page,
            find_cameras=self._cameras,
            make_slouch_job=self._slouch_job,
        )
        window.calibrated.connect(self._on_calibrated)
        window.without_camera.connect(self._wait_for_a_camera)
        self._keep("first-run", window)
        window.installEventFilter(_OnClose(window, self._first_run_closed, self.qt))

    def _first_run_closed(self) -> None:
        """Closed before a calibration with no camera there: wait for one (Cancel
        with a camera there is the person's choice: the tray's Calibrate is there)."""
        if not self.profile().exists() and not self._cameras():
            QTimer.singleShot(0, self._wait_for_a_camera)

    def _wait_for_a_camera(self) -> None:
        """Gone on without a camera: say so in the tray, look for one now and then,
        and ask to calibrate when one appears."""
        self.set_tray(
            "camera", "posturewatch: no camera yet; calibrate once one is plugged in", notify=False
        )
        self._camera_scan.start()

    def _look_for_a_camera(self) -> None:
        if self.profile().exists() or self._showing("first-run"):
            self._camera_scan.stop()
            return
        if self._cameras():
            self._camera_scan.stop()
            self._tell("A camera is connected", "Calibrate now to start watching your posture.")
            self.open_first_run("camera")

    def calibrate(self, profile: str | None = None) -> None:
        """Pause the monitor (it lets the camera go), calibrate, resume: the running
        monitor picks up the new profile by itself within seconds. `profile`: a new
        setup's name (Settings > Add this setup); the monitor switches to it."""
        from posturewatch.desktop.first_run import FirstRunWindow

        if self.hooks is not None:
            self.hooks.pauses.pause(None)
        job = self._calibration_job
        slouch_job = self._slouch_job
        if profile is not None:
            job = functools.partial(self._calibration_job, profile=profile)
            slouch_job = functools.partial(self._slouch_job, profile=profile)
        window = FirstRunWindow(
            self._cameras(),
            job,
            self._open_source,
            "calibrate",
            find_cameras=self._cameras,
            make_slouch_job=slouch_job,
        )
        window.calibrated.connect(self._on_calibrated)
        if profile is not None:
            window.calibrated.connect(lambda *_: self._use_profile(profile))
        window.select_camera(self.spec)
        self._keep("calibrate", window)
        window.installEventFilter(_OnClose(window, self.resume, self.qt))

    def add_setup(self, name: str) -> str | None:
        """Settings > Add this setup: calibrate a named profile for where the user sits
        now. Returns why the name is refused, or None."""
        from posturewatch.core.errors import UserError
        from posturewatch.paths import check_profile_name

        try:
            check_profile_name(name)
        except UserError as exc:
            return str(exc)
        self.calibrate(profile=name)
        return None

    def _use_profile(self, name: str) -> None:
        from posturewatch.monitor import UseProfile

        if self.app is not None:
            self.app.post(UseProfile(name))

    def _on_calibrated(self, spec: str) -> None:
        if not self.options.source.spec and spec.startswith(("camera:", "/dev/")):
            device = camera_device(spec)
            if device != self.config.camera.device:
                self._save_config(with_camera(self.config, device))
        if self.worker is None or not self.worker.is_alive():
            self.start_monitor()
        self._show_status({**self._last_status, "recalibrate": False})

    def _save_config(self, config: Any) -> list[str]:
        changed = save_config(self.ctx.paths.config_file, self.config, config)
        self.ctx._config = config
        return changed

    def open_settings(self) -> None:
        from posturewatch.desktop.settings_window import SettingsWindow

        form = form_from_config(self.config, start_at_login=_autostart_enabled(self.ctx))
        cameras = [
            (camera_device(spec), label)
            for spec, label in self._cameras()
            if spec.startswith("camera:")
        ]
        window = SettingsWindow(
            form,
            cameras,
            self.save_settings,
            add_setup=self.add_setup,
            learned=self._learned_text(),
            reset_learned=self.reset_learned,
        )
        self._keep("settings", window)

    # ------------------------------------------------------------------ learning

    def slouching_now(self) -> None:
        """The tray's "I'm slouching now": the running monitor learns from this
        moment (in a thread: it may be inside a camera read); the answer is told."""
        hooks = self.hooks
        if hooks is None or hooks.feedback is None:
            self._tell("posturewatch", "Not watching right now: nothing to learn from.")
            return
        signals = self.signals
        threading.Thread(
            target=lambda: signals.feedback.emit(hooks.feedback("slouching")),
            name="posturewatch-feedback",
            daemon=True,
        ).start()

    def _on_feedback(self, reply: dict[str, Any]) -> None:
        self._tell("posturewatch", str(reply.get("message", "")))

    def _learned_text(self) -> str:
        from posturewatch.core.errors import UserError
        from posturewatch.core.learning import describe
        from posturewatch.store.profiles import load_learned

        try:
            return describe(load_learned(self.profile(), self.config.learning))
        except UserError:
            return "as calibrated"

    def reset_learned(self) -> str:
        """The settings' Reset: back to the calibrated thresholds, in the running
        monitor when there is one, else in the profile."""
        from posturewatch.core.errors import UserError
        from posturewatch.core.learning import Learned
        from posturewatch.store.profiles import save_learned

        hooks = self.hooks
        if hooks is not None and hooks.feedback is not None:
            hooks.feedback(None)
        else:
            try:
                save_learned(self.profile(), Learned())
            except (UserError, OSError) as exc:
                return f"not reset: {exc}"
        return self._learned_text()

    def save_settings(self, form: SettingsForm) -> SaveOutcome:
        """Validate with the loader, write the changed keys to config.toml, set the
        login item, and hand the running monitor the new settings (its day, pauses
        and cooldown kept); only a new camera restarts it."""
        from posturewatch.core.errors import UserError

        where = str(self.ctx.paths.config_file)
        try:
            config = apply_form(self.config, form, where)
            changed = self._save_config(config)
            _set_autostart(self.ctx, form.start_at_login)
        except UserError as exc:
            return SaveOutcome(False, plain_refusal(str(exc), where))
        except OSError as exc:
            return SaveOutcome(False, f"cannot write {where}: {exc}")
        restart = needs_restart(changed)
        running = self.worker is not None and self.worker.is_alive()
        if running and restart:
            self._restart_after_stop = True
            self.stop_monitor()
        elif self.app is not None and changed:
            # The new settings, at the live view's pace.
            self._live_pace(self._live_open, any(k.startswith("meeting.") for k in changed))
        return SaveOutcome(
            True, saved_message(changed, restart and running, time.strftime("%H:%M"))
        )

    def open_sample_break(self, routine_id: str = "") -> None:
        """A break window for a routine without waiting for a prompt (--open break:ID)."""
        from posturewatch.inputs.routines_file import load_routines

        config = self.config
        routines = load_routines(config.routines_file or None)
        routine = next((r for r in routines if r.id == routine_id), routines[0])
        from posturewatch.core.scheduler import example_prompt

        self.show_break(example_prompt(routine, config.scheduler, time.time()))

    def _on_prompt(self, prompt: Prompt) -> None:
        self.prompts[prompt.id] = prompt
        while len(self.prompts) > 20:
            self.prompts.pop(next(iter(self.prompts)))
        if self.config.notifications.prompt_style == "window":
            self.show_break(prompt)

    def _on_show_me(self, prompt_id: str) -> None:
        prompt = self.prompts.get(prompt_id)
        if prompt is not None:
            self.show_break(prompt)

    def show_break(self, prompt: Prompt) -> None:
        from posturewatch.desktop.break_window import BreakWindow

        window = BreakWindow(prompt)
        window.answered.connect(lambda kind, p=prompt: self.answer(p, kind))
        self._keep("break", window)

    def answer(self, prompt: Prompt, kind: str) -> None:
        app = self.app
        if app is None or prompt.id.startswith("sample-"):
            return
        app.post(Answer(PromptAnswer(prompt.id, kind, app.clock.now())))  # type: ignore[arg-type]


class _StyleGate(Notifier):
    """The app's notifier, silent while the prompt style is "window" (the break
    window shows the prompt then); answers and closing pass through."""

    name = "desktop"

    def __init__(self, inner: Notifier, enabled: Callable[[], bool]) -> None:
        self.inner, self.enabled = inner, enabled

    def show(self, prompt: Prompt) -> None:
        if self.enabled():
            self.inner.show(prompt)

    def _show(self, prompt: Prompt) -> None:
        self.inner.show(prompt)

    def poll_answers(self) -> list[PromptAnswer]:
        return self.inner.poll_answers()

    def close(self) -> None:
        self.inner.close()

    def available(self) -> tuple[bool, str]:
        return self.inner.available()


class _OnClose(QObject):
    """Calls `callback` when the watched window closes."""

    def __init__(self, window: QWidget, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj: QObject, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.Close:
            self._callback()
        return False


def _offer_show_me(app: Application, callback: Callable[[str], None]) -> None:
    """Show me opens this app's break window (in place of the command line's)."""
    from posturewatch.notifiers.show_me import offer_show_me

    offer_show_me(app.monitor.notifier, callback)


def _set_aside_if_corrupt(path: Path) -> None:
    from datetime import datetime

    from posturewatch.store.profiles import check_existing

    if check_existing(path, force=True):
        os.replace(path, path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d-%H%M%S}"))


def _autostart_file(ctx: Context) -> Any:

    from posturewatch.background.autostart import login_item

    return login_item(ctx.paths)


def _autostart_enabled(ctx: Context) -> bool:
    from posturewatch.background import autostart

    try:
        wanted = _autostart_file(ctx)
        return autostart.state(wanted, autostart.platform_kind()) in ("enabled", "outdated")
    except Exception:
        return False


def _set_autostart(ctx: Context, enabled: bool) -> None:
    from posturewatch.background import autostart

    platform = autostart.platform_kind()
    wanted = _autostart_file(ctx)
    if enabled:
        if autostart.state(wanted, platform) != "enabled":
            autostart.enable(platform, wanted)
    elif wanted.path.exists() and autostart.is_ours(platform, wanted.path):
        autostart.disable(platform, wanted.path)


@contextlib.contextmanager
def signals_into_qt(stop: Callable[[], None]) -> Any:
    """SIGTERM/SIGINT/SIGHUP call `stop` while the Qt loop runs: Python's handler
    runs as soon as the loop wakes for the wakeup socket (no polling timer)."""
    from posturewatch.signals import stop_on_signals

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)

    notifier.activated.connect(drain)
    try:
        with stop_on_signals(stop):
            yield
    finally:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()


def run_gui(
    ctx: Context, options: RunOptions, self_command: Sequence[str], open_window: str | None
) -> int:
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt, QApplication)
    qt.setApplicationName("posturewatch")
    qt.setDesktopFileName("posturewatch")
    qt.setWindowIcon(app_icon())
    qt.setQuitOnLastWindowClosed(False)
    style.apply(qt)
    desktop = DesktopApp(qt, ctx, options, self_command, open_window)
    with signals_into_qt(desktop.quit):
        QTimer.singleShot(0, desktop.start)
        code = qt.exec()
    desktop.tray.hide()
    desktop.close()
    return int(code)
