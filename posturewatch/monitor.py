"""The loop that wires the stages: observations -> metrics -> detector -> scheduler
-> notifier, with every sample written to the store beside it.

It decides only *when* to look: about once a second while seated, slower while the
person is away or the posture is steady, faster while a deviation is building. A
live camera is let go between checks when the next one is far enough away (its
light goes off), and while paused. Faults at the edges (a busy camera, a notifier
that raises, a locked database) are logged once and waited out; the loop goes on.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturewatch.clock import Clock
from posturewatch.core.metrics import MetricsSettings, compute_metrics
from posturewatch.core.types import DetectorUpdate, PostureMetrics, Prompt, PromptAnswer, View
from posturewatch.inputs.sources import CameraUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

    from posturewatch.core.detector import Detector
    from posturewatch.core.scheduler import Scheduler
    from posturewatch.inputs.observations import ObservationSource
    from posturewatch.notifiers import Notifier
    from posturewatch.store.database import Store

log = logging.getLogger(__name__)

PROFILE_CHECK_S = 10.0
"""How often the running loop looks for a new calibration profile."""


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:
        return None


@dataclass(frozen=True)
class CameraSettings:
    """Which camera `run` and `calibrate` use by default."""

    device: str = "0"
    """Index (0, 1, ...) or device path (/dev/video2)."""
    width: int = 640
    height: int = 480

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError("width and height must be positive")

    @property
    def source_spec(self) -> str:
        return f"camera:{self.device}"


@dataclass(frozen=True)
class SamplingSettings:
    """How often to look. One pose estimate costs ~20-30 ms of one core, so one a
    second is ~3% of a core; steady and away periods are sampled more slowly."""

    interval_s: float = 1.0
    """While seated and the posture is changing."""
    steady_interval_s: float = 3.0
    """While the state has not changed for `steady_after_s`."""
    steady_after_s: float = 30.0
    borderline_interval_s: float = 0.5
    """While a deviation is building but not yet judged poor."""
    away_interval_s: float = 5.0
    close_camera_above_s: float = 4.0
    """Release the camera between checks when the next one is further away than this
    (so it is off while nobody is there and while paused; reopening costs a webcam
    about half a second of auto-exposure, and a light blinking every few seconds
    while you sit would be a distraction)."""
    camera_retry_s: float = 5.0
    camera_retry_max_s: float = 300.0

    def __post_init__(self) -> None:
        for name in (
            "interval_s",
            "steady_interval_s",
            "borderline_interval_s",
            "away_interval_s",
            "camera_retry_s",
            "camera_retry_max_s",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.camera_retry_max_s < self.camera_retry_s:
            raise ValueError("camera_retry_max_s must be at least camera_retry_s")


def next_interval(
    update: DetectorUpdate, state_since_s: float, settings: SamplingSettings
) -> float:
    """Seconds until the next check, from the latest judgement (pure)."""
    if update.state == "away":
        return settings.away_interval_s
    if update.state == "good" and update.dominant is not None:
        return settings.borderline_interval_s
    if update.time_s - state_since_s >= settings.steady_after_s:
        return settings.steady_interval_s
    return settings.interval_s


@dataclass
class RunSummary:
    samples: int = 0
    persons: int = 0
    prompts: list[Prompt] = field(default_factory=list)
    answers: list[PromptAnswer] = field(default_factory=list)
    seconds_by_state: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    first_s: float | None = None
    last_s: float | None = None
    recalibrate_requested: bool = False
    camera_outages: int = 0


class Monitor:
    """Runs the pipeline until the recording ends or `stop` is set."""

    def __init__(
        self,
        source: ObservationSource,
        clock: Clock,
        detector: Detector,
        scheduler: Scheduler,
        notifier: Notifier,
        store: Store | None,
        settings: SamplingSettings | None = None,
        view: View | None = None,
        on_update: Callable[[DetectorUpdate], None] | None = None,
        on_prompt: Callable[[Prompt], None] | None = None,
        metrics_settings: MetricsSettings | None = None,
        profile_path: Path | None = None,
    ) -> None:
        self.source = source
        self.clock = clock
        self.detector = detector
        self.scheduler = scheduler
        self.notifier = notifier
        self.store = store
        self.settings = settings or SamplingSettings()
        self.view = view
        self.metrics_settings = metrics_settings
        self.profile_path = profile_path
        self._profile_mtime = _mtime(profile_path)
        self._profile_checked_s = -math.inf
        self.on_update = on_update
        self.on_prompt = on_prompt
        self.summary = RunSummary()
        self._lock = threading.Lock()
        self._paused = False
        self._paused_until: float | None = None
        self._last_update: DetectorUpdate | None = None
        self._state_since = 0.0
        self._next_check_s: float | None = None
        self._camera_down_since: float | None = None

    # -- control (called from other threads: the control channel, the tray) --

    def pause(self, until_s: float | None = None) -> None:
        """Stop checking (camera released, no prompts) until `until_s` or resume()."""
        with self._lock:
            self._paused, self._paused_until = True, until_s
        self.scheduler.pause(until_s)
        self._event("pause", "" if until_s is None else f"until {until_s:.0f}")

    def resume(self) -> None:
        with self._lock:
            was_paused = self._paused
            self._paused, self._paused_until = False, None
        if was_paused:
            self.scheduler.resume(self.clock.now())
            self._event("resume", "")

    def status(self) -> dict[str, Any]:
        last = self._last_update
        with self._lock:
            paused, until = self._paused, self._paused_until
        return {
            "state": "paused" if paused else (last.state if last else "starting"),
            "dominant": last.dominant if last else None,
            "recalibrate": bool(last and last.recalibrate),
            "paused_until": until,
            "camera_unavailable_since": self._camera_down_since,
            "last_check_s": last.time_s if last else None,
            "next_check_s": self._next_check_s,
            "samples": self.summary.samples,
            "prompts": len(self.summary.prompts),
            "scheduler": self.scheduler.status(self.clock.now()),
        }

    # -- the loop --

    def _is_paused(self, now_s: float) -> bool:
        with self._lock:
            if self._paused and self._paused_until is not None and now_s >= self._paused_until:
                self._paused, self._paused_until = False, None
                resumed = True
            else:
                resumed = False
            paused = self._paused
        if resumed:
            self.scheduler.resume(now_s)
            self._event("resume", "pause ended")
        return paused

    def run(self, stop: threading.Event | None = None) -> RunSummary:
        stop = stop or threading.Event()
        want_source_s: float | None = None
        retry_s = self.settings.camera_retry_s
        try:
            while not stop.is_set():
                if self.source.live and self._is_paused(self.clock.now()):
                    self.source.release()
                    self.clock.sleep(1.0, stop)
                    continue
                try:
                    obs = self.source.read(want_source_s)
                except CameraUnavailable as exc:
                    self._camera_lost(str(exc))
                    self.source.release()
                    self.clock.sleep(retry_s, stop)
                    retry_s = min(retry_s * 2, self.settings.camera_retry_max_s)
                    continue
                if obs is None:
                    break
                retry_s = self.settings.camera_retry_s
                self.clock.pace(obs.time_s, stop)
                if stop.is_set():
                    break
                now_s = self.clock.stamp(obs.time_s)
                if self._camera_down_since is not None:
                    self._camera_back(now_s)
                if not self.source.live and self._is_paused(now_s):
                    want_source_s = obs.time_s + self.settings.interval_s
                    continue
                update = self._judge(now_s, compute_metrics(obs, self.view, self.metrics_settings))
                interval = next_interval(update, self._state_since, self.settings)
                self._next_check_s = now_s + interval
                want_source_s = obs.time_s + interval
                if self.source.live:
                    if interval > self.settings.close_camera_above_s:
                        self.source.release()
                    self.clock.sleep(max(0.0, self._next_check_s - self.clock.now()), stop)
        finally:
            self._flush()
            self.source.release()
        return self.summary

    def _reload_profile(self, now_s: float) -> None:
        """A new calibration (`posturewatch calibrate` while this runs, e.g. after a
        setup change) takes effect within seconds, without a restart."""
        if self.profile_path is None or now_s - self._profile_checked_s < PROFILE_CHECK_S:
            return
        self._profile_checked_s = now_s
        mtime = _mtime(self.profile_path)
        if mtime is None or mtime == self._profile_mtime:
            return
        from posturewatch.core.baseline import load_profile
        from posturewatch.core.errors import UserError

        try:
            baseline = load_profile(self.profile_path)
        except UserError as exc:  # half-written or broken: keep the old one, say so once
            log.warning("kept the previous calibration: %s", exc)
        else:
            self.detector.set_baseline(baseline)
            self.summary.recalibrate_requested = False
            self._event("calibration", str(self.profile_path))
            log.warning("new calibration loaded from %s", self.profile_path)
        self._profile_mtime = mtime

    def _judge(self, now_s: float, metrics: PostureMetrics | None) -> DetectorUpdate:
        self._reload_profile(now_s)
        update = self.detector.update(now_s, metrics)
        s = self.summary
        if s.last_s is not None and update.time_s > s.last_s:
            # Like the store: a sample stands for the time since the previous one.
            s.seconds_by_state[update.state] += min(
                update.time_s - s.last_s, self.detector.settings.max_sample_gap_s
            )
        s.first_s = now_s if s.first_s is None else s.first_s
        s.last_s = now_s
        s.samples += 1
        s.persons += metrics is not None
        if update.recalibrate and not s.recalibrate_requested:
            s.recalibrate_requested = True
            log.warning(
                "the camera or desk seems to have changed: please run `posturewatch calibrate`"
            )
            self._event("setup_change", update.reason)
        if self._last_update is None or self._last_update.state != update.state:
            self._state_since = now_s
        self._last_update = update
        self._store_call("add_sample", update, metrics)
        for prompt in self.scheduler.step(update):
            self._show(prompt)
        self._collect_answers(now_s)
        if self.on_update is not None:
            self.on_update(update)
        return update

    def _show(self, prompt: Prompt) -> None:
        self.summary.prompts.append(prompt)
        self._store_call("add_prompt", prompt)
        try:
            self.notifier.show(prompt)
        except Exception as exc:  # the fallback chain already tried every backend
            log.warning("could not show a notification: %s", exc)
        if self.on_prompt is not None:
            self.on_prompt(prompt)

    def _collect_answers(self, now_s: float) -> None:
        try:
            answers = list(self.notifier.poll_answers())
        except Exception as exc:
            log.warning("could not read notification answers: %s", exc)
            answers = []
        answers.extend(self.scheduler.expire(now_s))
        for answer in answers:
            if answer.answer != "ignored":
                self.scheduler.answer(answer)
            self.summary.answers.append(answer)
            self._store_call("add_answer", answer)

    def answer(self, answer: PromptAnswer) -> None:
        """An answer given outside the notification (the CLI or the tray)."""
        self.scheduler.answer(answer)
        self.summary.answers.append(answer)
        self._store_call("add_answer", answer)

    def _camera_lost(self, why: str) -> None:
        if self._camera_down_since is None:
            self._camera_down_since = self.clock.now()
            self.summary.camera_outages += 1
            log.warning("%s; checking paused, will retry", why)
            self._event("camera_unavailable", why)

    def _camera_back(self, now_s: float) -> None:
        log.warning("camera available again; checking resumed")
        self._event("camera_available", "")
        self._camera_down_since = None

    def _event(self, kind: str, detail: str) -> None:
        self._store_call("add_event", self.clock.now(), kind, detail)

    def _store_call(self, method: str, *args: Any) -> None:
        if self.store is None:
            return
        try:
            getattr(self.store, method)(*args)
        except Exception as exc:  # the store keeps its batch and retries at the next flush
            log.warning("could not write to the store (%s): %s", method, exc)

    def _flush(self) -> None:
        if self.store is None:
            return
        try:
            self.store.flush()
        except Exception as exc:
            log.warning("could not flush the store: %s", exc)
