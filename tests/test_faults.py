"""Issue 6 acceptance: the background instance rides out the faults of a real desk.

One scripted session (side-view landmarks from the geometric simulator in
calibration/simulator.py: upright, then head forward, with per-frame model noise)
runs through the real service, monitor, detector, scheduler and store, while
faults strike at set moments of the recording's own time:

- the camera disappears for 30 s and comes back,
- the notifier raises on the first prompt,
- another program holds the database locked (BEGIN EXCLUSIVE) for a while,
- the clock jumps two hours forward (a suspended laptop).

Expected: the service keeps running and resumes checking by itself after each
fault, no prompt fires right after the jump, and every sample the monitor took,
before and after each fault, is in the store.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from calibration.simulator import Body, Camera, Posture, simulate
from posturewatch.app import Application
from posturewatch.background.control import send_request
from posturewatch.background.service import ServiceSettings, run_service
from posturewatch.clock import MediaClock
from posturewatch.core.baseline import Baseline, calibrate
from posturewatch.core.detector import Detector, DetectorSettings
from posturewatch.core.sampling import SamplingSettings
from posturewatch.core.scheduler import Scheduler, SchedulerSettings
from posturewatch.core.types import Observation, Prompt
from posturewatch.inputs.routines_file import load_routines
from posturewatch.inputs.sources import CameraUnavailable
from posturewatch.monitor import Monitor
from posturewatch.notifiers import Notifier
from posturewatch.paths import resolve_paths
from posturewatch.store.database import Store, StoreSettings

UPRIGHT_UNTIL_S = 120.0
OUTAGE = (300.0, 30.0)
DB_LOCK = (420.0, 460.0)
JUMP_AT_S = 600.0
JUMP_S = 2 * 3600.0
END_S = JUMP_AT_S + JUMP_S + 900.0

CAMERA = Camera(view="side")
UPRIGHT = Posture(head_forward_deg=10.0)
SLOUCHED = Posture(head_forward_deg=30.0)


def observe(posture: Posture, t: float) -> Observation:
    """What the pose model would report at second t (seeded noise: reproducible)."""
    i = int(t)
    return simulate(Body(), posture, CAMERA, np.random.default_rng(i), time_s=t, index=i)


def upright_baseline() -> Baseline:
    return calibrate([observe(UPRIGHT, float(i)) for i in range(40)], view="side")


class Session:
    """An ObservationSource: upright, then slouched, one frame a second, with a
    suspend (no frames, the source time jumps) at JUMP_AT_S."""

    live = False
    description = "scripted session"

    def __init__(self) -> None:
        self._next_s = 0.0

    def read(self, not_before_s: float | None = None) -> Observation | None:
        t = max(self._next_s, float(not_before_s or 0.0))
        t = float(-(-t // 1))  # frames lie on whole seconds
        if JUMP_AT_S <= t < JUMP_AT_S + JUMP_S:
            t = JUMP_AT_S + JUMP_S  # the lid was closed: no frames in between
        if t >= END_S:
            return None
        self._next_s = t + 1.0
        return observe(UPRIGHT if t < UPRIGHT_UNTIL_S else SLOUCHED, t)

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


class CameraOutage:
    """Raises CameraUnavailable for `seconds` of source time from `start_s`. A failed
    read lets `retry_s` of source time pass, as the monitor's back-off would."""

    def __init__(self, inner: Session, start_s: float, seconds: float, retry_s: float) -> None:
        self.inner, self.start_s, self.end_s, self.retry_s = (
            inner,
            start_s,
            start_s + seconds,
            retry_s,
        )
        self.live, self.description = inner.live, inner.description
        self._cursor = 0.0
        self.failures = 0

    def read(self, not_before_s: float | None = None) -> Observation | None:
        t = max(self._cursor, float(not_before_s or 0.0))
        if self.start_s <= t < self.end_s:
            self._cursor = t + self.retry_s
            self.failures += 1
            raise CameraUnavailable("camera 0 stopped delivering frames")
        obs = self.inner.read(t)
        if obs is not None:
            self._cursor = obs.time_s
        return obs

    def release(self) -> None:
        self.inner.release()

    def close(self) -> None:
        self.inner.close()


class DatabaseHog:
    """Another program holding the database with BEGIN EXCLUSIVE while the source
    time is inside [start_s, end_s); also times how long it held it."""

    def __init__(self, inner: Any, database: Path, start_s: float, end_s: float) -> None:
        self.inner, self.database, self.start_s, self.end_s = inner, database, start_s, end_s
        self.live, self.description = inner.live, inner.description
        self._conn: sqlite3.Connection | None = None
        self._since = 0.0
        self.held_s = 0.0

    def read(self, not_before_s: float | None = None) -> Observation | None:
        obs = self.inner.read(not_before_s)
        t = obs.time_s if obs is not None else float("inf")
        if self._conn is None and self.start_s <= t < self.end_s:
            self._conn = sqlite3.connect(str(self.database), timeout=0, isolation_level=None)
            self._conn.execute("BEGIN EXCLUSIVE")
            self._since = time.monotonic()
        elif self._conn is not None and not self.start_s <= t < self.end_s:
            self.release_lock()
        return obs

    def release_lock(self) -> None:
        if self._conn is not None:
            self._conn.execute("COMMIT")
            self._conn.close()
            self._conn = None
            self.held_s += time.monotonic() - self._since

    def release(self) -> None:
        self.inner.release()

    def close(self) -> None:
        self.release_lock()
        self.inner.close()


class BrokenOnceNotifier(Notifier):
    """Raises on the first prompt (a notification daemon that crashed), then works."""

    name = "broken-once"

    def __init__(self) -> None:
        self.failed: list[Prompt] = []
        self.shown: list[Prompt] = []

    def _show(self, prompt: Prompt) -> None:
        if not self.failed:
            self.failed.append(prompt)
            raise RuntimeError("org.freedesktop.Notifications vanished")
        self.shown.append(prompt)

    def available(self) -> tuple[bool, str]:
        return True, "test backend"


def test_service_rides_out_camera_notifier_database_and_clock_faults(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data")
    paths.ensure()
    baseline = upright_baseline()
    # A Wednesday morning, so no quiet hours or weekend rule hides a prompt.
    origin = datetime(2026, 11, 25, 10, 0).timestamp()
    clock = MediaClock(origin)
    sampling = SamplingSettings()
    store = Store(paths.database, StoreSettings())
    session = Session()
    outage = CameraOutage(session, *OUTAGE, retry_s=sampling.camera_retry_s)
    source = DatabaseHog(outage, paths.database, *DB_LOCK)
    notifier = BrokenOnceNotifier()
    scheduler_settings = SchedulerSettings(
        quiet_hours=(), working_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    monitor = Monitor(
        source=source,
        clock=clock,
        detector=Detector(baseline, DetectorSettings()),
        scheduler=Scheduler(scheduler_settings, load_routines()),
        notifier=notifier,
        store=store,
        settings=sampling,
        view="side",
    )
    statuses: list[dict[str, Any]] = []

    def closer() -> None:
        source.close()
        store.close()

    def build() -> Application:
        return Application(monitor, [closer])

    def ask_status_while_running() -> None:
        # The control channel answers throughout (first answers may race the start).
        for _ in range(200):
            try:
                statuses.append(send_request(paths.runtime_dir, {"cmd": "status"}, 2.0))
            except Exception:
                pass
            if statuses:
                return
            time.sleep(0.01)

    asker = threading.Thread(target=ask_status_while_running)
    asker.start()
    code = run_service(paths, build, "scripted session", ServiceSettings(pause_while_locked=False))
    asker.join(10)
    assert code == 0

    summary = monitor.summary
    # The run reached the end of the recording: it kept going through every fault.
    assert summary.last_s is not None and summary.last_s >= origin + END_S - 10
    assert summary.camera_outages == 1
    assert outage.failures >= 2
    assert source.held_s > 0.5, "the database lock did not hold long enough to matter"

    # Checking resumed by itself after each fault: samples right after each one.
    def samples_between(a: float, b: float) -> int:
        with Store(paths.database, StoreSettings()) as reader:
            return reader.totals_between(origin + a, origin + b).samples

    assert samples_between(OUTAGE[0] + OUTAGE[1], OUTAGE[0] + OUTAGE[1] + 60) > 0
    assert samples_between(DB_LOCK[1], DB_LOCK[1] + 60) > 0
    assert samples_between(JUMP_AT_S + JUMP_S, JUMP_AT_S + JUMP_S + 60) > 0
    assert samples_between(OUTAGE[0] + 1, OUTAGE[0] + OUTAGE[1] - 1) == 0

    # Every sample the monitor took is in the store: none lost to the lock.
    with Store(paths.database, StoreSettings()) as reader:
        stored = reader.totals_between(origin - 60, origin + END_S + 60)
        events = [e.kind for e in reader.events_between(origin - 60, origin + END_S + 60)]
    assert stored.samples == summary.samples
    assert "camera_unavailable" in events and "camera_available" in events

    # The notifier fault cost one notification, not the loop; prompts went on.
    assert len(notifier.failed) == 1
    prompt_times = [p.time_s - origin for p in summary.prompts]
    assert prompt_times, "a slouched session produced no prompt at all"
    # No prompt right after the jump (the scheduler's resume grace) ...
    grace_s = scheduler_settings.resume_grace_min * 60
    resumed = JUMP_AT_S + JUMP_S
    assert not [t for t in prompt_times if resumed <= t < resumed + grace_s]
    # ... yet the slouch after it is still prompted for, later.
    assert [t for t in prompt_times if t >= resumed + grace_s]
    assert notifier.shown, "prompts after the failed one were shown"


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_status_answers_during_a_camera_outage(tmp_path: Path, transport: Any) -> None:
    """While the camera is gone the instance still answers and says so."""
    paths = resolve_paths(tmp_path / "data")
    baseline = upright_baseline()
    stop = threading.Event()
    answered: list[dict[str, Any]] = []

    class GoneCamera:
        live = False
        description = "camera 0"

        def read(self, not_before_s: float | None = None) -> Observation | None:
            if not answered:
                try:
                    answered.append(
                        send_request(paths.runtime_dir, {"cmd": "status"}, 2.0, transport)
                    )
                except Exception as exc:  # pragma: no cover - shows in the assert below
                    answered.append({"error": str(exc)})
            else:
                stop.set()
            raise CameraUnavailable("camera 0 could not be opened: it is busy")

        def release(self) -> None:
            pass

        def close(self) -> None:
            pass

    monitor = Monitor(
        source=GoneCamera(),
        clock=MediaClock(time.time()),
        detector=Detector(baseline),
        scheduler=Scheduler(SchedulerSettings(), load_routines()),
        notifier=BrokenOnceNotifier(),
        store=None,
    )
    code = run_service(
        paths,
        lambda: Application(monitor),
        "camera 0",
        ServiceSettings(pause_while_locked=False),
        transport=transport,
        stop=stop,
    )
    assert code == 0
    assert answered and answered[0].get("ok"), answered
    assert answered[0]["instance"]["source"] == "camera 0"
