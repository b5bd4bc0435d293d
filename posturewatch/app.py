"""The application object: one typed place that wires the stages of a run.

frame source -> pose estimator -> metrics -> detector -> scheduler -> notifier, with
the store beside it. `posturewatch run`, `start`, `demo`, the desktop app and the
tests describe what they want as RunOptions and get a running Application; none of
them builds the pipeline itself, so a new option is added in one place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posturewatch.clock import Clock, MediaClock, WallClock, parse_start_at
from posturewatch.closing import Closing
from posturewatch.config import Config
from posturewatch.core.baseline import Baseline
from posturewatch.core.detector import Detector, DetectorSettings
from posturewatch.core.errors import UserError
from posturewatch.core.learning import FeedbackKind, Learned
from posturewatch.core.scheduler import Scheduler
from posturewatch.core.types import DetectorUpdate, Prompt, View
from posturewatch.inputs.observations import ObservationSource, open_observations
from posturewatch.inputs.power import PowerWatch, open_power
from posturewatch.inputs.sources import check_source_spec
from posturewatch.monitor import Answer, Message, Monitor, RunSummary
from posturewatch.notifiers import Notifier, check_backend_name, make_notifier
from posturewatch.notifiers.show_me import ShowMe, offer_show_me
from posturewatch.paths import Paths
from posturewatch.store.database import Store
from posturewatch.store.owned import refuse_owned

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceOptions:
    """Where frames come from; every command that reads frames takes these."""

    spec: str | None = None
    """camera, camera:N, /dev/videoN, a video, an image folder or glob, a landmark
    recording or a timeline; None: the configured camera."""
    fps: float | None = None
    """Frames a second of an image folder."""
    view: View | None = None
    """Camera placement; None: detected (or the calibration's)."""
    model: Path | None = None
    """A MediaPipe Tasks .task pose model instead of the bundled one."""

    def spec_or_camera(self, config: Config) -> str:
        return self.spec or config.camera.source_spec

    def open(self, config: Config) -> ObservationSource:
        return open_observations(
            self.spec_or_camera(config),
            self.fps,
            self.model,
            config.camera.width,
            config.camera.height,
            config.pose,
        )


@dataclass(frozen=True)
class RunOptions:
    """Everything a run may be asked for beyond the config file."""

    source: SourceOptions = field(default_factory=SourceOptions)
    notifier: str | None = None
    """auto, console, dbus, plyer, notify-send, none; None: the configured one."""
    profile: str | None = None
    """Calibration profile name; None: the configured one."""
    calibration: Path | None = None
    """A calibration profile file instead of a named profile."""
    realtime: bool = False
    """Pace a recording as a camera would deliver it."""
    speed: float | None = None
    """Pace a recording this many times faster than real time (implies realtime)."""
    start_at: str | None = None
    """Local date and time a recording starts at (ISO); None: now."""
    record: Path | None = None
    """Also save the landmarks to this file."""
    keep_store: bool = True
    """Write every sample, prompt and answer to the database."""
    json_prompts: bool | None = None
    """Console prompts as JSON lines (True) or text (False); None: JSON unless
    standard output is a terminal."""
    wait_for_camera: bool = False
    """A camera missing from the start is waited for with backoff (the desktop app)
    instead of ending the run."""
    sensitivity: float | None = None
    """The one factor over every threshold; None: [detector] sensitivity."""


def _both(
    first: Callable[[Prompt], None], then: Callable[[Prompt], None] | None
) -> Callable[[Prompt], None]:
    def call(prompt: Prompt) -> None:
        first(prompt)
        if then is not None:
            then(prompt)

    return call


def detector_settings(config: Config, options: RunOptions) -> DetectorSettings:
    """The configured detector settings with --sensitivity, when given, in place of
    [detector] sensitivity (out of range: one line naming the option)."""
    if options.sensitivity is None:
        return config.detector
    try:
        return dataclasses.replace(config.detector, sensitivity=options.sensitivity)
    except ValueError as exc:
        raise UserError(f"--{exc}") from None


def profile_path(paths: Paths, config: Config, options: RunOptions) -> Path:
    """The calibration file a run judges against."""
    if options.calibration is not None:
        return options.calibration
    return paths.profile_file(options.profile or config.profile)


def load_baseline(path: Path) -> Baseline:
    """The calibration at `path`; a missing one says how to make it."""
    from posturewatch.store.profiles import load_profile

    if not path.exists():
        raise UserError(
            f"no calibration profile at {path}: sit well and run `posturewatch calibrate` first"
        )
    return load_profile(path)


def _power_watch(config: Config) -> PowerWatch | None:
    """A camera's run looks less often (or not) on battery; a recording replays
    as recorded, whatever the machine's power."""
    if config.power.on_battery == "normal":
        return None
    return PowerWatch(open_power(config.power), config.power)


def make_clock(source: ObservationSource, options: RunOptions) -> Clock:
    """The wall clock for a camera; a recording's own media time otherwise."""
    if source.live:
        return WallClock()
    realtime = options.realtime or options.speed is not None
    return MediaClock(
        parse_start_at(options.start_at), realtime=realtime, speed=options.speed or 1.0
    )


class Application(Closing):
    """A wired pipeline: run() it, post() it messages from other threads, close() it.

    Build one with Application.open(); the constructor takes a ready monitor and
    what to release after it (tests wire their own parts this way)."""

    def __init__(
        self, monitor: Monitor, closers: Sequence[Callable[[], None]] = (), description: str = ""
    ) -> None:
        self.monitor = monitor
        self.description = description or monitor.source.description
        self._closers = list(closers)

    @classmethod
    def open(
        cls,
        paths: Paths,
        config: Config,
        options: RunOptions,
        *,
        observations: ObservationSource | None = None,
        notifier: Notifier | None = None,
        on_update: Callable[[DetectorUpdate], None] | None = None,
        on_prompt: Callable[[Prompt], None] | None = None,
    ) -> Application:
        """Open every stage named by `config` and `options`. `observations` and
        `notifier` replace the ones they name (the demo reuses photos it already
        estimated; the desktop app shows prompts itself)."""
        from posturewatch.inputs.routines_file import load_routines
        from posturewatch.store.profiles import load_learned

        routines = load_routines(config.routines_file or None)
        spec = options.source.spec_or_camera(config)
        # What the user typed is checked before the calibration is looked for, so a
        # typo is named as such rather than hidden behind "no calibration".
        if observations is None:
            check_source_spec(spec)
        if notifier is None:
            check_backend_name(options.notifier or config.notifications.backend)
        path = profile_path(paths, config, options)
        baseline = load_baseline(path)
        try:
            learned = load_learned(path, config.learning)
        except UserError as exc:  # only what answers taught is damaged: judge as calibrated
            log.warning("what was learned from answers is not used: %s", exc)
            learned = Learned()
        with contextlib.ExitStack() as undo:  # a failure half-way releases what was opened
            source = observations or options.source.open(config)
            undo.callback(source.close)
            if options.record is not None:
                from posturewatch.inputs.recording import RecordingTee, RecordingWriter

                refuse_owned(paths, options.record, "--record")

                source = RecordingTee(source, RecordingWriter(options.record, source.description))
                undo.callback(source.close)
            clock = make_clock(source, options)
            origin = clock.now()
            if notifier is None:
                notifier = make_notifier(
                    options.notifier or config.notifications.backend,
                    config.notifications,
                    origin,
                    clock=clock.now,
                    console_json=options.json_prompts,
                )
                # Show me on the notification; the desktop app offers its own window.
                show_me = ShowMe(lambda a: monitor.post(Answer(a)), clock.now)
                if offer_show_me(notifier, show_me):
                    on_prompt = _both(show_me.remember, on_prompt)
            undo.callback(notifier.close)
            store = None
            if options.keep_store:
                paths.ensure()
                store = Store(
                    paths.database,
                    config.store,
                    max_sample_gap_s=config.detector.max_sample_gap_s,
                )
                undo.callback(store.close)
                if source.live:  # never prune on a replay dated in the past
                    store.prune(origin)
                store.add_event(origin, "start", spec)
            from posturewatch.meeting.signals import make_meeting_detector

            monitor = Monitor(
                source=source,
                clock=clock,
                detector=Detector(baseline, detector_settings(config, options), learned.factors),
                scheduler=Scheduler(config.scheduler, routines),
                notifier=notifier,
                store=store,
                settings=config.sampling,
                view=options.source.view or baseline.view,
                on_update=on_update,
                on_prompt=on_prompt,
                metrics_settings=config.metrics,
                profile_path=path,
                learned=learned,
                learning_settings=config.learning,
                wait_for_camera=options.wait_for_camera,
                profiles_dir=paths.profiles_dir if options.calibration is None else None,
                setup_settings=config.setups,
                power=_power_watch(config) if source.live else None,
                meeting=make_meeting_detector(config.meeting),
            )
            undo.pop_all()

        def closer() -> None:
            with contextlib.ExitStack() as stack:  # every part is released, whatever fails
                if store is not None:
                    stack.callback(store.close)
                    stack.callback(lambda: store.add_event(clock.now(), "stop", ""))
                stack.callback(notifier.close)
                stack.callback(source.close)

        return cls(monitor, [closer], spec)

    def run(self, stop: threading.Event | None = None) -> RunSummary:
        """Run until the recording ends, `stop` is set or stop() is called."""
        return self.monitor.run(stop)

    def post(self, message: Message) -> None:
        """Hand the running loop a message (thread-safe)."""
        self.monitor.post(message)

    def status(self) -> dict[str, Any]:
        return self.monitor.status()

    def pause(self, until_s: float | None = None) -> None:
        self.monitor.pause(until_s)

    def resume(self) -> None:
        self.monitor.resume()

    def feedback(self, kind: FeedbackKind | None) -> dict[str, Any]:
        """ "slouching" / "not_slouching" now, or None to forget what answers taught
        (core/learning.py); applied by the loop at once."""
        return self.monitor.feedback(kind)

    @property
    def clock(self) -> Clock:
        return self.monitor.clock

    @property
    def store(self) -> Store | None:
        return self.monitor.store

    def stop(self) -> None:
        self.monitor.stop()

    def close(self) -> None:
        with contextlib.ExitStack() as stack:
            for close in reversed(self._closers):
                stack.callback(close)
        self._closers.clear()
