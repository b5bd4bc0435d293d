"""The loop that wires the stages: when it looks, and what it does between looks."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from posturewatch.clock import MediaClock
from posturewatch.core.baseline import calibrate
from posturewatch.core.detector import Detector
from posturewatch.core.sampling import SamplingSettings, next_interval
from posturewatch.core.scheduler import Scheduler, SchedulerSettings
from posturewatch.core.types import DetectorUpdate
from posturewatch.inputs.recording import RecordingReader, read_recording
from posturewatch.inputs.routines_file import load_routines
from posturewatch.monitor import PROFILE_CHECK_S, Monitor
from posturewatch.notifiers import NotifierSettings, make_notifier
from posturewatch.store.database import Store, StoreSettings
from posturewatch.store.profiles import save_profile
from tests.paths import TESTS

SESSION = TESTS / "fixtures" / "simulated_front_session.jsonl.gz"
MONDAY_10AM = 1795424400.0  # 2026-11-23 10:00 Europe/Berlin; a working day in any zone near it
S = SamplingSettings()


@pytest.mark.parametrize(
    "update, since, expected",
    [
        (DetectorUpdate(100.0, "away"), 0.0, S.away_interval_s),
        (DetectorUpdate(100.0, "good", dominant="head_forward"), 99.0, S.borderline_interval_s),
        (DetectorUpdate(100.0, "good"), 99.0, S.interval_s),
        (DetectorUpdate(100.0, "good"), 100.0 - S.steady_after_s, S.steady_interval_s),
        (
            DetectorUpdate(100.0, "poor", dominant="both"),
            100.0 - S.steady_after_s,
            S.steady_interval_s,
        ),
        (DetectorUpdate(100.0, "uncertain"), 95.0, S.interval_s),
    ],
)
def test_next_interval_looks_slower_when_steady_or_away_and_faster_when_borderline(
    update: DetectorUpdate, since: float, expected: float
) -> None:
    assert next_interval(update, since, S) == expected


def _monitor(tmp_path: Path, profile: Path, settings: SamplingSettings | None = None) -> Monitor:
    observations = read_recording(SESSION)
    baseline = calibrate(observations[:10])
    save_profile(profile, baseline)
    store = Store(tmp_path / "db.sqlite3", StoreSettings())
    return Monitor(
        source=RecordingReader(SESSION),
        clock=MediaClock(MONDAY_10AM),
        detector=Detector(baseline),
        scheduler=Scheduler(SchedulerSettings(), load_routines()),
        notifier=make_notifier("none", NotifierSettings(), MONDAY_10AM),
        store=store,
        settings=settings or SamplingSettings(interval_s=1.0, steady_interval_s=1.0),
        profile_path=profile,
    )


def test_a_new_profile_is_picked_up_while_running(tmp_path: Path) -> None:
    profile = tmp_path / "default.json"
    monitor = _monitor(tmp_path, profile)
    first = monitor.detector.baseline
    rewritten: list[float] = []

    def recalibrate(update: DetectorUpdate) -> None:
        if not rewritten and update.time_s - MONDAY_10AM >= 5.0:
            save_profile(profile, replace(first, profile="moved desk"))
            stat = profile.stat()
            os.utime(profile, (stat.st_atime, stat.st_mtime + 5))  # a visibly newer file
            rewritten.append(update.time_s)

    monitor.on_update = recalibrate
    summary = monitor.run()
    assert monitor.store is not None
    monitor.store.close()
    assert rewritten
    assert monitor.detector.baseline.profile == "moved desk"
    assert summary.samples > PROFILE_CHECK_S


def test_pause_on_a_recording_skips_its_time_and_resumes_by_itself(tmp_path: Path) -> None:
    monitor = _monitor(tmp_path, tmp_path / "p.json")
    monitor.pause(MONDAY_10AM + 20.0)
    summary = monitor.run()
    assert monitor.store is not None
    monitor.store.close()
    assert summary.first_s is not None and summary.first_s >= MONDAY_10AM + 20.0
    assert monitor.status()["state"] != "paused"


def test_every_sample_reaches_the_store(tmp_path: Path) -> None:
    monitor = _monitor(tmp_path, tmp_path / "p.json")
    summary = monitor.run()
    assert monitor.store is not None
    monitor.store.close()
    store = Store(tmp_path / "db.sqlite3", StoreSettings())
    try:
        total = store.totals_between(MONDAY_10AM - 1, MONDAY_10AM + 3600)
    finally:
        store.close()
    assert total.samples == summary.samples
