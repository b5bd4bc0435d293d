"""On battery the monitor looks less often (or pauses), says so, and goes back to
normal on mains; the readers of each platform's power state. The Linux reader
runs on a fake /sys/class/power_supply tree; the runs are real (the real pose
model on the licensed webcam sitting, a real SQLite store, the run's own clock)."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from posturewatch.clock import MediaClock
from posturewatch.config import parse_config
from posturewatch.core.baseline import calibrate
from posturewatch.core.detector import Detector, DetectorSettings
from posturewatch.core.sampling import SamplingSettings
from posturewatch.core.scheduler import Scheduler, SchedulerSettings
from posturewatch.core.settings import ConfigError
from posturewatch.core.types import DetectorUpdate, Observation
from posturewatch.inputs.observations import open_observations
from posturewatch.inputs.pose import PoseSettings
from posturewatch.inputs.power import (
    PowerSettings,
    PowerWatch,
    SysfsPower,
    ac_line_on_battery,
    parse_pmset,
)
from posturewatch.inputs.routines_file import load_routines
from posturewatch.monitor import Monitor
from posturewatch.notifiers import NotifierSettings, make_notifier
from posturewatch.store.database import Store, StoreSettings
from tests.paths import TESTS

TIMELINE = TESTS / "timelines" / "front_sitting1_slouch.toml"
MONDAY_10AM = 1795424400.0


def _supply(root: Path, name: str, **files: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for key, value in files.items():
        (folder / key).write_text(value + "\n")
    return folder


def _laptop(root: Path, online: bool) -> None:
    """A laptop's tree: the adapter and the system battery (charging on mains)."""
    _supply(root, "AC", type="Mains", online="1" if online else "0")
    _supply(root, "BAT0", type="Battery", status="Charging" if online else "Discharging")


def test_the_linux_reader_tells_battery_from_mains(tmp_path: Path) -> None:
    laptop = tmp_path / "laptop"
    _laptop(laptop, online=True)
    assert SysfsPower(laptop).on_battery() is False
    _laptop(laptop, online=False)
    assert SysfsPower(laptop).on_battery() is True
    # A USB-C charger online is mains, whatever the AC adapter says.
    _supply(laptop, "ucsi-source-psy-USBC000:001", type="USB", online="1")
    assert SysfsPower(laptop).on_battery() is False
    # A desktop with a wireless mouse's battery: no system battery, so not on battery.
    desktop = tmp_path / "desktop"
    _supply(desktop, "hidpp_battery_0", type="Battery", scope="Device", status="Discharging")
    assert SysfsPower(desktop).on_battery() is None
    # A battery without an adapter listed: its own status decides.
    bare = tmp_path / "bare"
    _supply(bare, "BAT1", type="Battery", status="Full")
    assert SysfsPower(bare).on_battery() is False
    _supply(bare, "BAT1", type="Battery", status="Discharging")
    assert SysfsPower(bare).on_battery() is True
    assert SysfsPower(tmp_path / "missing").on_battery() is None


def test_macos_and_windows_readings() -> None:
    battery = (
        "Now drawing from 'Battery Power'\n"
        " -InternalBattery-0 (id=4653155)\t87%; discharging; 5:12 remaining present: true\n"
    )
    mains = "Now drawing from 'AC Power'\n -InternalBattery-0 (id=4653155)\t100%; charged;\n"
    assert parse_pmset(battery) is True
    assert parse_pmset(mains) is False
    assert parse_pmset("") is None
    assert ac_line_on_battery(0, 1) is True
    assert ac_line_on_battery(1, 8) is False
    assert ac_line_on_battery(1, 128) is None  # no system battery
    assert ac_line_on_battery(255, 1) is None


def test_power_settings_are_checked_by_name() -> None:
    assert parse_config('[power]\non_battery = "pause"\n', "c").power.on_battery == "pause"
    with pytest.raises(ConfigError, match="on_battery"):
        parse_config('[power]\non_battery = "sometimes"\n', "c")
    with pytest.raises(ConfigError, match="battery_factor"):
        parse_config("[power]\nbattery_factor = 0.5\n", "c")


def test_the_watch_reads_again_only_when_due(tmp_path: Path) -> None:
    _laptop(tmp_path, online=True)
    watch = PowerWatch(SysfsPower(tmp_path), PowerSettings(poll_s=30.0))
    assert watch.poll(0.0) is False
    _laptop(tmp_path, online=False)
    assert watch.poll(29.0) is False  # not read again yet
    assert watch.poll(30.0) is True


class _Unplugged(PowerWatch):
    """The fake supply goes off mains for a stretch of the run's own time (the
    adapter unplugged), then the real reader reads it."""

    def __init__(
        self,
        source: SysfsPower,
        settings: PowerSettings,
        root: Path,
        battery: tuple[float, float] | None,
    ) -> None:
        super().__init__(source, settings)
        self.root, self.battery = root, battery

    def poll(self, now_s: float) -> bool:
        if self.battery is not None:
            t = now_s - MONDAY_10AM
            _laptop(self.root, online=not self.battery[0] <= t < self.battery[1])
        return super().poll(now_s)


def _run(
    tmp_path: Path, name: str, mode: str, battery: tuple[float, float] | None
) -> tuple[Monitor, list[DetectorUpdate], Store]:
    """The 24-minute sitting-1 stretch through the monitor; the fake supply goes to
    battery at `battery[0]` seconds into it and back to mains at `battery[1]`."""
    root = tmp_path / f"{name}-power"
    _laptop(root, online=True)
    pose = PoseSettings()
    source = open_observations(str(TIMELINE), None, None, 640, 480, pose)
    first: list[Observation] = []
    while len(first) < 20:
        obs = source.read()
        assert obs is not None
        first.append(obs)
    source.close()
    baseline = calibrate(first)
    store = Store(tmp_path / f"{name}.sqlite3", StoreSettings())
    updates: list[DetectorUpdate] = []
    settings = PowerSettings(on_battery=mode, poll_s=30.0)  # type: ignore[arg-type]
    monitor = Monitor(
        source=open_observations(str(TIMELINE), None, None, 640, 480, pose),
        clock=MediaClock(MONDAY_10AM),
        detector=Detector(baseline),
        scheduler=Scheduler(SchedulerSettings(), load_routines()),
        notifier=make_notifier("none", NotifierSettings(), MONDAY_10AM),
        store=store,
        power=_Unplugged(SysfsPower(root), settings, root, battery),
        on_update=updates.append,
    )
    monitor.run()
    monitor.source.close()
    store.flush()
    return monitor, updates, store


def _gaps(updates: list[DetectorUpdate], start: float, end: float) -> list[float]:
    times = [u.time_s - MONDAY_10AM for u in updates]
    return [b - a for a, b in itertools.pairwise(times) if start <= a and b <= end]


def _events(database: Path) -> list[tuple[float, str]]:
    db = sqlite3.connect(database)
    try:
        rows = db.execute(
            "SELECT time_s, detail FROM events WHERE kind = 'power' ORDER BY time_s"
        ).fetchall()
    finally:
        db.close()
    return [(t - MONDAY_10AM, detail) for t, detail in rows]


@pytest.mark.model
def test_on_battery_checks_slow_down_and_come_back_and_the_minutes_stay_right(
    tmp_path: Path,
) -> None:
    mains, mains_updates, mains_store = _run(tmp_path, "mains", "slower", None)
    battery, updates, store = _run(tmp_path, "battery", "slower", (120.0, 600.0))
    try:
        # Seated before and after, with a slouch from 4 min: checks spread out on
        # battery (each interval 3x, at most max_sample_gap_s) and come back on mains.
        sampling, gap = SamplingSettings(), DetectorSettings().max_sample_gap_s
        seated_max = max(
            sampling.interval_s, sampling.steady_interval_s, sampling.borderline_interval_s
        )
        before, during, after = (
            _gaps(updates, 0.0, 120.0),
            _gaps(updates, 200.0, 600.0),
            _gaps(updates, 700.0, 1140.0),
        )
        assert max(before) <= seated_max and max(after) <= seated_max, (before, after)
        assert seated_max < max(during) <= gap, during
        assert len(during) < 0.7 * len(_gaps(mains_updates, 200.0, 600.0))
        events = _events(tmp_path / "battery.sqlite3")
        assert [d for _, d in events] == ["battery", "mains"], events
        assert 120 <= events[0][0] <= 120 + 30 + 10 and 600 <= events[1][0] <= 600 + 30 + 10
        assert battery.status()["power"] == {"on_battery": False, "mode": "slower"}
        # The report's minutes: the same as the run that stayed on mains.
        end = MONDAY_10AM + 3600
        a, b = (
            mains_store.totals_between(MONDAY_10AM - 60, end),
            store.totals_between(MONDAY_10AM - 60, end),
        )
        seated_a = a.good_s + a.poor_s + a.uncertain_s
        seated_b = b.good_s + b.poor_s + b.uncertain_s
        assert abs(seated_a - 19 * 60) <= 30, seated_a  # 4 upright + 15 slouched minutes
        assert abs(seated_b - seated_a) <= 15, (seated_a, seated_b)
        assert abs(b.poor_s - a.poor_s) <= 30, (a.poor_s, b.poor_s)
        assert abs(b.away_s - a.away_s) <= 15, (a.away_s, b.away_s)
        # Prompts neither lost nor doubled: the slouch prompts the same number of times.
        assert len(battery.summary.prompts) == len(mains.summary.prompts) >= 1
    finally:
        mains_store.close()
        store.close()


@pytest.mark.model
def test_pause_on_battery_stops_checking_until_mains(tmp_path: Path) -> None:
    monitor, updates, store = _run(tmp_path, "pause", "pause", (120.0, 600.0))
    try:
        times = [u.time_s - MONDAY_10AM for u in updates]
        assert not [t for t in times if 160 < t < 600], "checked while paused on battery"
        assert [t for t in times if t >= 600] and [t for t in times if t <= 120]
        assert [d for _, d in _events(tmp_path / "pause.sqlite3")] == ["battery", "mains"]
        # The slouch (4-19 min) is still prompted once checking resumes.
        assert monitor.summary.prompts
        assert all(p.time_s - MONDAY_10AM >= 600 for p in monitor.summary.prompts)
    finally:
        store.close()


def test_doctor_says_what_the_machine_runs_on(tmp_path: Path) -> None:
    from posturewatch.commands.doctor import check_power

    _laptop(tmp_path, online=False)
    check = check_power(PowerSettings(sysfs_root=str(tmp_path), on_battery="pause"))
    assert check.ok and check.detail.startswith("on battery; on battery checking pauses")
    _laptop(tmp_path, online=True)
    assert check_power(PowerSettings(sysfs_root=str(tmp_path))).detail.startswith("on mains")
    empty = tmp_path / "desktop"
    empty.mkdir()
    assert "no battery found" in check_power(PowerSettings(sysfs_root=str(empty))).detail
