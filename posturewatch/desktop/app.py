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
from posturewatch.desktop.drawing import app_icon
from posturewatch.desktop.settings import (
    SettingsForm,
    apply_form,
    camera_device,
    form_from_config,
    save_config,
    with_camera,
)
from posturewatch.monitor import Answer

log = logging.getLogger(__name__)

STATUS_EVERY_MS = 5000
"""How often the tray asks the monitor for its state (between checks, for a
camera outage or a pause ending); each detector update also refreshes it."""
STOP_GRACE_S = 8.0
"""After a stop request, quit even if the worker has not finished by then."""
PAUSES = {"15m": 15 * 60.0, "1h": 60 * 60.0}


class _Signals(QObject):
    update = Signal(object)
    prompt = Signal(object)
    show_me = Signal(str)
    status = Signal(object)
    today = Signal(object)
    finished = Signal(int, str)


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
        self.options = options
        self.self_command = list(self_command)
        self.open_window = open_window
        self.signals = _Signals()
        self.signals.update.connect(self._on_update)
        self.signals.prompt.connect(self._on_prompt)
        self.signals.show_me.connect(self._on_show_me)
        self.signals.status.connect(self._on_status)
        self.signals.today.connect(self._on_today)
        self.signals.finished.connect(self._on_finished)
        from posturewatch.desktop.tray_icon import Tray

        self.tray = Tray()
        self.tray.pause.connect(self.pause)
        self.tray.resume.connect(self.resume)
        self.tray.calibrate.connect(self.calibrate)
        self.tray.report.connect(self.open_report)
        self.tray.settings.connect(self.open_settings)
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

    def start_monitor(self) -> None:
        from posturewatch.background.service import run_service

        if self.worker is not None and self.worker.is_alive():
            return
        self.stop_event = threading.Event()
        self.hooks = None
        config = self.config
        options = self.options
        if config.notifications.prompt_style == "window":
            options = dataclasses.replace(options, notifier="none")
        signals = self.signals

        def open_app() -> Application:
            app = Application.open(
                self.ctx.paths,
                config,
                options,
                on_update=signals.update.emit,
                on_prompt=signals.prompt.emit,
            )
            _offer_show_me(app, signals.show_me.emit)
            self.app = app
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
        self.set_tray(state, tray_status.tooltip(state, status, time.time()), notify=not missing)

    def _on_update(self, update: Any) -> None:
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

    def poll_status(self) -> None:
        app = self.app
        if app is None:
            return
        signals = self.signals
        threading.Thread(
            target=lambda: signals.status.emit(app.status()),
            name="posturewatch-status",
            daemon=True,
        ).start()

    def _on_status(self, status: dict[str, Any]) -> None:
        if self.app is not None:
            self._show_status(status)

    def refresh_today(self) -> None:
        app = self.app
        if app is None or app.store is None:
            self.tray.set_today(None)
            return
        signals = self.signals

        def work() -> None:
            from posturewatch.background.handler import today_summary

            try:
                store = app.store
                assert store is not None
                store.flush()
                signals.today.emit(today_summary(store, app.clock.now()))
            except Exception as exc:
                log.info("today's figures: %s", exc)

        threading.Thread(target=work, name="posturewatch-today", daemon=True).start()

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
        subprocess.Popen(
            [*self.self_command, "report", "--open"],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

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
        if error:
            self.set_tray("camera" if "camera" in error.lower() else "uncertain", error)
            self._tell("posturewatch stopped watching", error)
            return
        # The recording ended, or `posturewatch stop` asked: the instance is done.
        self.quitting = True
        self.qt.exit(code)

    # ------------------------------------------------------------------ windows

    def _keep(self, name: str, window: QWidget) -> QWidget:
        old = self.windows.pop(name, None)
        if old is not None:
            old.close()
        self.windows[name] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _cameras(self) -> list[str]:
        from posturewatch.desktop.first_run import list_cameras

        extra = [self.options.source.spec] if self.options.source.spec else []
        return list_cameras(self.config.camera.source_spec, extra)

    def _open_source(self, spec: str) -> Any:
        return dataclasses.replace(self.options.source, spec=spec).open(self.config)

    def _calibration_job(self, spec: str, profile: str | None = None) -> Any:
        from posturewatch.core.baseline import calibrate_metrics, describe
        from posturewatch.core.metrics import compute_metrics
        from posturewatch.desktop.first_run import CalibrationJob
        from posturewatch.store.profiles import save_profile

        config = self.config
        view = self.options.source.view
        path = self.profile() if profile is None else self.ctx.paths.profile_file(profile)
        name = profile or self.options.profile or config.profile

        def compute(obs: Any) -> Any:
            return compute_metrics(obs, view, config.metrics)

        def calibrate(samples: list[Any], description: str) -> str:

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
            return describe(baseline)

        return CalibrationJob(
            spec=spec, open_source=self._open_source, compute=compute, calibrate=calibrate
        )

    def open_first_run(self, page: str = "welcome") -> None:
        from posturewatch.desktop.first_run import FirstRunWindow

        window = FirstRunWindow(self._cameras(), self._calibration_job, self._open_source, page)
        window.calibrated.connect(self._on_calibrated)
        window.destroyed.connect(lambda *_: self.windows.pop("first-run", None))
        self._keep("first-run", window)

    def calibrate(self, profile: str | None = None) -> None:
        """Pause the monitor (it lets the camera go), calibrate, resume: the running
        monitor picks up the new profile by itself within seconds. `profile`: a new
        setup's name (Settings > Add this setup); the monitor switches to it."""
        from posturewatch.desktop.first_run import FirstRunWindow

        if self.hooks is not None:
            self.hooks.pauses.pause(None)
        job = self._calibration_job
        if profile is not None:
            job = functools.partial(self._calibration_job, profile=profile)
        window = FirstRunWindow(self._cameras(), job, self._open_source, "calibrate")
        window.calibrated.connect(self._on_calibrated)
        if profile is not None:
            window.calibrated.connect(lambda *_: self._use_profile(profile))
        window.camera.setCurrentText(self.spec)
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

    def _save_config(self, config: Any) -> None:
        save_config(self.ctx.paths.config_file, config)
        self.ctx._config = config

    def open_settings(self) -> None:
        from posturewatch.desktop.settings_window import SettingsWindow

        form = form_from_config(self.config, start_at_login=_autostart_enabled(self.ctx))
        window = SettingsWindow(
            form, self._cameras()[1:] or [], self.save_settings, add_setup=self.add_setup
        )
        self._keep("settings", window)

    def save_settings(self, form: SettingsForm) -> str | None:
        """Validate with the loader, write config.toml, set the login item; the
        monitor restarts with the new settings. Returns the refusal, or None."""
        from posturewatch.core.errors import UserError

        where = str(self.ctx.paths.config_file)
        try:
            config = apply_form(self.config, form, where)
            self._save_config(config)
            _set_autostart(self.ctx, form.start_at_login)
        except UserError as exc:
            return str(exc)
        except OSError as exc:
            return f"cannot write {where}: {exc}"
        if self.worker is not None and self.worker.is_alive():
            self._restart_after_stop = True
            self.stop_monitor()
        return None

    def open_sample_break(self, routine_id: str = "") -> None:
        """A break window for a routine without waiting for a prompt (--open break:ID)."""
        from posturewatch.inputs.routines_file import load_routines

        config = self.config
        routines = load_routines(config.routines_file or None)
        routine = next((r for r in routines if r.id == routine_id), routines[0])
        prompt = Prompt(
            id=f"sample-{routine.id}",
            time_s=time.time(),
            kind="posture",
            routine=routine,
            title="Time for a short break",
            body="Your head has been forward of your calibrated posture for a while.",
        )
        self.show_break(prompt)

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
    """Give the D-Bus backend (if in the chain) its Show me button."""
    from posturewatch.notifiers.dbus import DbusNotifier

    notifier = app.monitor.notifier
    for backend in (*getattr(notifier, "backends", ()), notifier):
        if isinstance(backend, DbusNotifier):
            backend.on_show_me = callback


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
    desktop = DesktopApp(qt, ctx, options, self_command, open_window)
    with signals_into_qt(desktop.quit):
        QTimer.singleShot(0, desktop.start)
        code = qt.exec()
    desktop.tray.hide()
    return int(code)
