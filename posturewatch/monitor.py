"""The loop that wires the stages: observations -> metrics -> detector -> scheduler
-> notifier, with every sample written to the store beside it.

It decides only *when* to look: about once a second while seated, slower while the
person is away or the posture is steady, faster while a deviation is building. A
live camera is let go between checks when the next one is far enough away (its
light goes off), and while paused. Faults at the edges (a busy camera, a notifier
that raises, a locked database) are logged once and waited out; the loop goes on.

The monitor's thread alone owns the detector's, the scheduler's and its own state.
Other threads (the control channel, the tray, windows) send it messages with
`post()`; it wakes for them at once, even between checks, and answers `status()`
from its own thread.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturewatch.clock import Clock
from posturewatch.core.learning import (
    FeedbackKind,
    Learned,
    LearningSettings,
    Moment,
    MomentTracker,
    Outcome,
    describe,
    learn,
)
from posturewatch.core.metrics import MetricsSettings, compute_metrics
from posturewatch.core.sampling import SamplingSettings, next_interval
from posturewatch.core.scheduler import heads_up_text
from posturewatch.core.setups import SetupSettings, SetupWatch, Trigger
from posturewatch.core.types import (
    DetectorUpdate,
    Observation,
    PostureMetrics,
    Prompt,
    PromptAnswer,
    View,
)
from posturewatch.inputs.pacing import Pacer
from posturewatch.inputs.power import PowerWatch
from posturewatch.inputs.sources import CameraUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

    from posturewatch.core.baseline import Baseline
    from posturewatch.core.detector import Detector, DetectorSettings
    from posturewatch.core.scheduler import Scheduler, SchedulerSettings
    from posturewatch.inputs.observations import ObservationSource
    from posturewatch.meeting.signals import MeetingDetector, MeetingSettings
    from posturewatch.notifiers import Notifier
    from posturewatch.store.database import Store

log = logging.getLogger(__name__)

PROFILE_CHECK_S = 10.0
"""How often the running loop looks for a new calibration profile."""
WAKE_POLL_S = 1.0
"""Longest single wait: a stop event set from outside (a signal) is seen this soon."""
STATUS_WAIT_S = 0.5
"""How long status() waits for a fresh answer before it gives the last one (the loop
may be inside a camera open, which can take seconds)."""
SNAPSHOT_EVERY_S = 5.0
"""How often the loop refreshes the status it gives while busy."""
FEEDBACK_PROMPT_S = 15 * 60.0
"""`feedback fine` is about the last posture prompt when it came this recently
(and was not answered "Not slouching" already); otherwise about this moment."""
REMEMBERED_MOMENTS = 32
"""Posture prompts whose moment is kept for a later "Not slouching"."""


@dataclass(frozen=True)
class Pause:
    """Stop checking (camera released, no prompts) until `until_s` (None: resume)."""

    until_s: float | None = None


@dataclass(frozen=True)
class Resume:
    """Check again after a pause."""


@dataclass(frozen=True)
class Answer:
    """The user answered a prompt outside its notification (a window, the tray)."""

    answer: PromptAnswer


@dataclass(frozen=True)
class Reconfigure:
    """New settings from the settings window, applied in the loop's thread: the
    day's sitting time, prompts, cooldown, snooze and pause are kept (a restart
    would forget them)."""

    detector: DetectorSettings
    scheduler: SchedulerSettings
    sampling: SamplingSettings
    metrics: MetricsSettings | None = None
    meeting: MeetingSettings | None = None
    """New [meeting] settings: the signals are made afresh; None keeps them."""


@dataclass
class StatusRequest:
    """Asks the loop for its status; `reply` holds it once `done` is set."""

    done: threading.Event = field(default_factory=threading.Event)
    reply: dict[str, Any] = field(default_factory=dict)


@dataclass
class Feedback:
    """The user says how they sit now: "slouching" (a missed slouch), "not_slouching"
    (a false alarm), or None to forget what answers taught. `reply` holds
    {"applied": bool, "message": str, "learned": str} once `done` is set."""

    kind: FeedbackKind | None
    done: threading.Event = field(default_factory=threading.Event)
    reply: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UseProfile:
    """Judge against the saved profile `name` from now on (a setup just added)."""

    name: str


Message = Pause | Resume | Answer | Reconfigure | StatusRequest | UseProfile | Feedback


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:
        return None


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
    profile_switches: list[str] = field(default_factory=list)
    """The saved profiles switched to, in order (a changed setup, a second monitor)."""


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
        learned: Learned | None = None,
        learning_settings: LearningSettings | None = None,
        profiles_dir: Path | None = None,
        setup_settings: SetupSettings | None = None,
        power: PowerWatch | None = None,
        wait_for_camera: bool = False,
        meeting: MeetingDetector | None = None,
    ) -> None:
        self.source = source
        self.wait_for_camera = wait_for_camera
        """A camera missing from the start is waited for (the desktop app: its tray
        says so) instead of ending the run with the reason."""
        self.clock = clock
        self.detector = detector
        self.scheduler = scheduler
        self.notifier = notifier
        self.store = store
        self.settings = settings or SamplingSettings()
        self.view = view
        self.metrics_settings = metrics_settings
        self.profile_path = profile_path
        self.meeting = meeting
        self._quiet: str | None = None
        """What the meeting signals saw last (prompts wait while it is set)."""
        self._profile_mtime = _mtime(profile_path)
        self._profile_checked_s = -math.inf
        self.learned = learned or Learned()
        """What answers taught (core/learning.py), kept in the profile."""
        self.learning_settings = learning_settings or LearningSettings()
        self._moments: OrderedDict[str, Moment] = OrderedDict()
        """Posture prompt id -> the moment it was shown, for a later "Not slouching"."""
        self._last_posture_prompt: Prompt | None = None
        self._moment = MomentTracker()
        self.profiles_dir = profiles_dir
        """The saved profiles a changed setup may switch to; None: never switch."""
        self.profile_name = profile_path.stem if profile_path is not None else None
        self.setups = SetupWatch(setup_settings)
        self._switched_to: set[str] = set()
        self.power = power
        """On battery, checks are further apart or paused ([power] on_battery)."""
        self._on_battery = False
        self.on_update = on_update
        self.on_prompt = on_prompt
        self.on_observation: Callable[[Observation], None] | None = None
        """Each observation judged (the desktop's live view draws its landmarks)."""
        self.summary = RunSummary()
        self._inbox: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._source_delivered = False
        """Has the source given one observation? A camera that never did is an error."""
        self._running = False
        self._loop_thread: threading.Thread | None = None
        """The thread in run(): its own callbacks (on_update) apply feedback directly."""
        self._stop = threading.Event()
        self._paused = False
        self._paused_until: float | None = None
        self._last_update: DetectorUpdate | None = None
        self._state_since = 0.0
        self._next_check_s: float | None = None
        self._camera_down_since: float | None = None
        self._camera_retry_at: float | None = None
        self._snapshot: dict[str, Any] = {}
        self._snapshot_s = -math.inf
        self._publish()

    # -- messages (any thread) --

    def post(self, message: Message) -> None:
        """Hand the loop a message; it is applied in the loop's thread, at once."""
        self._inbox.put(message)
        self._wake.set()

    def pause(self, until_s: float | None = None) -> None:
        """Stop checking (camera released, no prompts) until `until_s` or resume()."""
        self.post(Pause(until_s))

    def resume(self) -> None:
        self.post(Resume())

    def answer(self, answer: PromptAnswer) -> None:
        """An answer given outside the notification (a window, the tray, the CLI)."""
        self.post(Answer(answer))

    def feedback(self, kind: FeedbackKind | None, timeout_s: float = 5.0) -> dict[str, Any]:
        """Learn from "slouching" / "not_slouching" now (None: forget what was
        learned); the loop applies it at once and says what it did."""
        request = Feedback(kind)
        if not self._running or threading.current_thread() is self._loop_thread:
            self._apply(request)
            return request.reply
        self.post(request)
        if not request.done.wait(timeout_s):
            return {"applied": False, "message": "the monitor did not answer in time"}
        return request.reply

    def stop(self) -> None:
        """End run() soon (the store is flushed, the camera let go)."""
        self._stop.set()
        self._wake.set()

    def status(self) -> dict[str, Any]:
        """The loop's state, as its own thread sees it."""
        if not self._running:
            self._drain()
            return self._status()
        request = StatusRequest()
        self.post(request)
        if not request.done.wait(STATUS_WAIT_S):
            return {**self._snapshot, "as_of_s": self._snapshot_s}
        return request.reply

    def _drain(self) -> None:
        while True:
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return
            self._apply(message)

    def _apply(self, message: Message) -> None:
        if isinstance(message, Pause):
            self._paused, self._paused_until = True, message.until_s
            self.scheduler.pause(message.until_s)
            detail = "" if message.until_s is None else f"until {message.until_s:.0f}"
            self._event("pause", detail)
        elif isinstance(message, Resume):
            if self._paused:
                self._paused, self._paused_until = False, None
                self.scheduler.resume(self.clock.now())
                self._event("resume", "")
        elif isinstance(message, Answer):
            self._record_answer(message.answer)
        elif isinstance(message, Feedback):
            message.reply = self._feedback(message.kind)
            message.done.set()
        elif isinstance(message, Reconfigure):
            self.detector.set_settings(message.detector)
            self.scheduler.set_settings(message.scheduler)
            self.settings = message.sampling
            if message.metrics is not None:
                self.metrics_settings = message.metrics
            if message.meeting is not None:
                self._set_meeting(message.meeting)
            self._event("settings", "")
        elif isinstance(message, UseProfile):
            self._use_saved_profile(message.name)
        else:
            message.reply = self._publish()
            message.done.set()
            return
        self._publish()

    def _publish(self) -> dict[str, Any]:
        """Refresh the status given while the loop is busy (a dict swapped whole, so
        another thread never sees it half-made)."""
        self._snapshot, self._snapshot_s = self._status(), self.clock.now()
        return self._snapshot

    def _status(self) -> dict[str, Any]:
        last = self._last_update
        return {
            "state": "paused"
            if self._paused or self._battery_paused()
            else (last.state if last else "starting"),
            "dominant": last.dominant if last else None,
            "recalibrate": bool(last and last.recalibrate),
            "profile": self.profile_name,
            "power": self._power_status(),
            "reason": last.reason if last else "",
            "paused_until": self._paused_until,
            "paused_on_battery": self._battery_paused() and not self._paused,
            "camera_unavailable_since": self._camera_down_since,
            "camera_retry_at_s": self._camera_retry_at if self._camera_down_since else None,
            "quiet": self._quiet,
            "last_check_s": last.time_s if last else None,
            "next_check_s": self._next_check_s,
            "samples": self.summary.samples,
            "prompts": len(self.summary.prompts),
            "learned": describe(self.learned),
            "learned_answers": self.learned.count,
            "scheduler": self.scheduler.status(self.clock.now()),
        }

    # -- the loop --

    def _sleep(self, seconds: float) -> bool:
        """Wait on the clock; False when cut short by a message or stop."""
        chunks = max(1, math.ceil(seconds / WAKE_POLL_S))
        for _ in range(chunks):
            if self._stop.is_set() or self._wake.is_set():
                return False
            self.clock.sleep(seconds / chunks, self._wake)
        return not (self._stop.is_set() or self._wake.is_set())

    def _wait_for_retry(self, until_s: float, stop: threading.Event) -> None:
        """Wait out a camera retry, answering messages meanwhile (the tray asks for
        the status every few seconds; that must not turn the backoff into a poll).
        A wait that ran its full length ends it, whatever the clock says (a media
        clock does not move while it sleeps)."""
        while not (self._stop.is_set() or stop.is_set() or self._paused):
            left = until_s - self.clock.now()
            if left <= 0:
                return
            self._wake.clear()
            if self._sleep(left):
                return
            self._drain()

    def _is_paused(self, now_s: float) -> bool:
        if self._paused and self._paused_until is not None and now_s >= self._paused_until:
            self._paused, self._paused_until = False, None
            self.scheduler.resume(now_s)
            self._event("resume", "pause ended")
        return self._paused or self._battery_paused()

    # -- power --

    def _battery_paused(self) -> bool:
        return (
            self._on_battery
            and self.power is not None
            and self.power.settings.on_battery == "pause"
        )

    def _check_power(self, now_s: float) -> None:
        """Read the power state when due; a change is said once (log, event, status)."""
        if self.power is None:
            return
        on_battery = self.power.poll(now_s)
        if on_battery == self._on_battery:
            return
        self._on_battery = on_battery
        mode = self.power.settings.on_battery
        if not on_battery:
            told = "back on mains power: checking as usual"
        elif mode == "pause":
            told = "on battery: checking paused until back on mains power"
        elif mode == "slower":
            told = f"on battery: checking {self.power.settings.battery_factor:g}x less often"
        else:
            told = "on battery: checking as usual"
        log.warning("%s", told)
        self._event("power", "battery" if on_battery else "mains")
        self._publish()

    def _power_step(self, step_s: float) -> float:
        """On battery in `slower` mode, the next check further away, but never beyond
        max_sample_gap_s (a sample stands for at most that long, so the report's
        minutes stay right) unless it already was."""
        if self.power is None or not self._on_battery or self.power.settings.on_battery != "slower":
            return step_s
        stretched = step_s * self.power.settings.battery_factor
        return min(stretched, max(step_s, self.detector.settings.max_sample_gap_s))

    def _power_status(self) -> dict[str, Any] | None:
        if self.power is None:
            return None
        return {"on_battery": self._on_battery, "mode": self.power.settings.on_battery}

    def run(self, stop: threading.Event | None = None) -> RunSummary:
        """Check until the recording ends, `stop` is set (seen within WAKE_POLL_S) or
        stop() is called."""
        stop_from_outside = stop or threading.Event()
        pacer = Pacer(self.source, self._sleep, self.clock.now)
        step_s: float | None = None
        retry_s = self.settings.camera_retry_s
        self._loop_thread = threading.current_thread()
        self._running = True
        try:
            while True:
                self._wake.clear()
                self._drain()
                if stop_from_outside.is_set():
                    self._stop.set()
                if self._stop.is_set():
                    break
                self._check_power(self.clock.now())
                if self.source.live and self._is_paused(self.clock.now()):
                    self.source.release()
                    self._sleep(1.0)
                    continue
                if not pacer.wait(step_s):
                    continue
                try:
                    obs = pacer.read()
                except CameraUnavailable as exc:
                    never = exc.never_opened and not self._source_delivered
                    if never and not self.wait_for_camera:
                        raise  # no such camera: say so rather than retry forever
                    self._camera_lost(str(exc))
                    self.source.release()
                    self._camera_retry_at = self.clock.now() + retry_s
                    self._publish()
                    self._wait_for_retry(self._camera_retry_at, stop_from_outside)
                    retry_s = min(retry_s * 2, self.settings.camera_retry_max_s)
                    continue
                if obs is None:
                    break
                self._source_delivered = True
                retry_s = self.settings.camera_retry_s
                while not self.clock.pace(obs.time_s, self._wake, WAKE_POLL_S):
                    if self._stop.is_set() or stop_from_outside.is_set():
                        break
                    self._wake.clear()
                    self._drain()
                if self._stop.is_set() or stop_from_outside.is_set():
                    break
                now_s = self.clock.stamp(obs.time_s)
                self._check_power(now_s)
                if self._camera_down_since is not None:
                    self._camera_back(now_s)
                if not self.source.live and self._is_paused(now_s):
                    step_s = self.settings.interval_s
                    continue
                if self.on_observation is not None:
                    self.on_observation(obs)
                update = self._judge(now_s, compute_metrics(obs, self.view, self.metrics_settings))
                step_s = self._power_step(next_interval(update, self._state_since, self.settings))
                self._next_check_s = now_s + step_s
                if self.source.live and step_s > self.settings.close_camera_above_s:
                    self.source.release()
        finally:
            self._running = False
            self._drain()
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
        from posturewatch.core.errors import UserError
        from posturewatch.store.profiles import load_profile

        try:
            baseline = load_profile(self.profile_path)
        except UserError as exc:  # half-written or broken: keep the old one, say so once
            log.warning("kept the previous calibration: %s", exc)
        else:
            self.detector.set_baseline(baseline)
            self._set_learned(self._load_learned())
            self.summary.recalibrate_requested = False
            self._event("calibration", str(self.profile_path))
            log.warning("new calibration loaded from %s", self.profile_path)
        self._profile_mtime = mtime

    def _switch_setup(self, trigger: Trigger, now_s: float) -> bool:
        """The view changed or the head is held turned: switch to the saved profile
        the recent samples fit (core.setups.match_profile), keeping the day's
        state, pauses and cooldowns (the scheduler is not touched). False when none
        fits; a changed setup then asks for a calibration as before."""
        if self.profiles_dir is None or not self.setups.settings.switch:
            return False
        recent = self.setups.recent(trigger, now_s)
        if not recent:
            return False
        from posturewatch.core.setups import match_profile
        from posturewatch.store.profiles import load_profiles

        profiles, problems = load_profiles(self.profiles_dir)
        for problem in problems:
            log.info("profile skipped: %s", problem)
        name = match_profile(
            profiles,
            recent,
            self.detector.settings,
            exclude=self.profile_name,
            require_upright=trigger != "turned",
        )
        if name is None:
            return False
        why = "head turned" if trigger == "turned" else "setup changed"
        self._switch_to(name, profiles[name], why)
        return True

    def _use_saved_profile(self, name: str) -> None:
        if self.profiles_dir is None:
            return
        from posturewatch.core.errors import UserError
        from posturewatch.store.profiles import load_profile

        try:
            baseline = load_profile(self.profiles_dir / f"{name}.json")
        except UserError as exc:
            log.warning("kept the current profile: %s", exc)
            return
        self._switch_to(name, baseline, "chosen")

    def _switch_to(self, name: str, baseline: Baseline, why: str) -> None:
        """Judge against another saved profile: the detector starts afresh on it;
        the scheduler (cooldowns, the open prompt, pauses, the day) is untouched."""
        assert self.profiles_dir is not None
        self.detector.switch_baseline(baseline)
        self.view = baseline.view
        self.profile_path = self.profiles_dir / f"{name}.json"
        self._profile_mtime = _mtime(self.profile_path)
        self.profile_name = name
        # What answers taught belongs to each setup's profile; readings taken against
        # the old one say nothing about the new.
        self._set_learned(self._load_learned())
        self._moment = MomentTracker()
        self._moments.clear()
        self.setups.reset()
        self.summary.profile_switches.append(name)
        self.summary.recalibrate_requested = False
        self._last_update = None
        # Said once per setup and run: turning to a second monitor and back is not news.
        told = name in self._switched_to
        self._switched_to.add(name)
        log.log(logging.INFO if told else logging.WARNING, "switched to %s", name)
        self._event("profile_switch", f"{name} ({why})")

    def _judge(self, now_s: float, metrics: PostureMetrics | None) -> DetectorUpdate:
        self._reload_profile(now_s)
        update = self.detector.update(now_s, metrics)
        trigger = self.setups.observe(now_s, metrics, update)
        if trigger is not None and self._switch_setup(trigger, now_s):
            update = self.detector.update(now_s, metrics)  # judged afresh by the new profile
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
                "the camera or desk seems to have changed and no saved setup fits: please run "
                "`posturewatch calibrate --profile NAME` for this setup"
            )
            self._event("setup_change", update.reason)
        changed = self._last_update is None or self._last_update.state != update.state
        if changed:
            self._state_since = now_s
        self._last_update = update
        self._moment.add(update)
        self._store_call("add_sample", update, metrics)
        self._check_meeting(now_s)
        for prompt in self.scheduler.step(update):
            self._show(prompt)
        due_s = self.scheduler.heads_up(now_s)
        if due_s is not None:
            self._heads_up(due_s, now_s)
        self._collect_answers(now_s)
        if changed or now_s - self._snapshot_s >= SNAPSHOT_EVERY_S:
            self._publish()
        if self.on_update is not None:
            self.on_update(update)
        return update

    def _show(self, prompt: Prompt) -> None:
        if prompt.kind == "posture":
            self._moments[prompt.id] = self._moment.moment()
            while len(self._moments) > REMEMBERED_MOMENTS:
                self._moments.popitem(last=False)
            self._last_posture_prompt = prompt
        self.summary.prompts.append(prompt)
        self._store_call("add_prompt", prompt)
        try:
            self.notifier.show(prompt)
        except Exception as exc:  # the fallback chain already tried every backend
            log.warning("could not show a notification: %s", exc)
        if self.on_prompt is not None:
            self.on_prompt(prompt)

    def _heads_up(self, due_s: float, now_s: float) -> None:
        title, body = heads_up_text(due_s, now_s)
        try:
            self.notifier.notice(title, body)
        except Exception as exc:  # a notice is a courtesy: never a reason to stop
            log.info("could not show the break heads-up: %s", exc)

    def _collect_answers(self, now_s: float) -> None:
        try:
            answers = list(self.notifier.poll_answers())
        except Exception as exc:
            log.warning("could not read notification answers: %s", exc)
            answers = []
        answers.extend(self.scheduler.expire(now_s))
        for answer in answers:
            if answer.answer == "ignored":
                self.summary.answers.append(answer)
                self._store_call("add_answer", answer)
            else:
                self._record_answer(answer)

    def _record_answer(self, answer: PromptAnswer) -> Outcome | None:
        """Apply, store and count an answer; "Not slouching" on a posture prompt is
        also learned from (the moment the prompt was shown), and its outcome returned."""
        self.scheduler.answer(answer)
        self.summary.answers.append(answer)
        self._store_call("add_answer", answer)
        if answer.answer != "not_slouching":
            return None
        moment = self._moments.pop(answer.prompt_id, None)
        if any(p.id == answer.prompt_id and p.kind != "posture" for p in self.summary.prompts):
            return None  # a break is not a verdict on posture: nothing to learn
        if moment is None:  # a prompt from before a restart: this moment, then
            moment = self._moment.moment()
        return self._learn("not_slouching", moment)

    # -- learning from answers --

    def _feedback(self, kind: FeedbackKind | None) -> dict[str, Any]:
        if kind is None:
            self._set_learned(Learned())
            saved = self._save_learned()
            message = "what was learned from answers is forgotten: thresholds as calibrated"
            self._event("learning_reset", "")
            return {"applied": True, "message": message + saved, "learned": describe(self.learned)}
        prompt = self._last_posture_prompt
        now = self.clock.now()
        outcome: Outcome | None = None
        if (
            kind == "not_slouching"
            and prompt is not None
            and prompt.id in self._moments
            and now - prompt.time_s <= FEEDBACK_PROMPT_S
        ):
            # "That prompt was wrong": the prompt is answered so (the report counts
            # it), and learned from the moment it was shown.
            outcome = self._record_answer(PromptAnswer(prompt.id, "not_slouching", now))
        if outcome is None:
            outcome = self._learn(kind, self._moment.moment())
        return {
            "applied": outcome.applied,
            "message": outcome.message,
            "learned": describe(self.learned),
        }

    def _learn(self, kind: FeedbackKind, moment: Moment) -> Outcome:
        outcome = learn(self.learned, kind, moment, self.learning_settings)
        if outcome.applied:
            self._set_learned(outcome.learned)
            saved = self._save_learned()
            outcome = Outcome(outcome.learned, True, outcome.message + saved)
        log.warning("%s", outcome.message)
        self._event("feedback", f"{kind}: {outcome.message}")
        return outcome

    def _set_learned(self, learned: Learned) -> None:
        self.learned = learned
        self.detector.set_learned(learned.factors)

    def _load_learned(self) -> Learned:
        if self.profile_path is None:
            return Learned()
        from posturewatch.core.errors import UserError
        from posturewatch.store.profiles import load_learned

        try:
            return load_learned(self.profile_path, self.learning_settings)
        except UserError as exc:
            log.warning("what was learned from answers is not used: %s", exc)
            return Learned()

    def _save_learned(self) -> str:
        """Keep what was learned in the profile ('' when saved, else why not, as a
        clause for the message); the loop's own write is not a new calibration."""
        if self.profile_path is None:
            return " (for this run only: no profile file)"
        from posturewatch.core.errors import UserError
        from posturewatch.store.profiles import save_learned

        try:
            save_learned(self.profile_path, self.learned)
        except (UserError, OSError) as exc:
            log.warning("could not keep what was learned in the profile: %s", exc)
            return f" (for this run only: the profile could not be written: {exc})"
        self._profile_mtime = _mtime(self.profile_path)
        return ""

    def _set_meeting(self, settings: MeetingSettings) -> None:
        """New meeting settings: the signals are made afresh and polled at the next
        frame; with none left, a quiet spell in progress ends now."""
        from posturewatch.meeting.signals import make_meeting_detector

        self.meeting = make_meeting_detector(settings)
        if self.meeting is None and self._quiet is not None:
            log.warning("meeting mode off: prompts may come again")
            self._event("quiet_end", "")
            self._quiet = None
            self.scheduler.set_quiet(None)

    def _check_meeting(self, now_s: float) -> None:
        """Poll the meeting signals (they rate-limit themselves) and tell the
        scheduler; the start and end of a quiet spell are logged and stored once."""
        if self.meeting is None:
            return
        why = self.meeting.poll(now_s)
        if why == self._quiet:
            return
        if why is None:
            log.warning("meeting over: prompts may come again")
            self._event("quiet_end", "")
        elif self._quiet is None:
            log.warning("quiet: in a meeting (%s): prompts wait", why)
            self._event("quiet", why)
        self._quiet = why
        self.scheduler.set_quiet(why)
        self._publish()

    def _camera_lost(self, why: str) -> None:
        self._check_meeting(self.clock.now())
        if self._quiet is not None:  # a call took the camera: the person sits on
            self.scheduler.camera_held_in_meeting()
        if self._camera_down_since is None:
            self._camera_down_since = self.clock.now()
            self.summary.camera_outages += 1
            log.warning("%s; checking paused, will retry", why)
            self._event("camera_unavailable", why)

    def _camera_back(self, now_s: float) -> None:
        log.warning("camera available again; checking resumed")
        self._event("camera_available", "")
        self._camera_down_since = None
        self._camera_retry_at = None

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
