"""Matching saved setups (core.setups), the detector's signal that the view changed
(shoulders held above the calibrated line), and a running monitor that switches
profiles without losing or doubling a prompt (real detector, scheduler, SQLite)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from posturewatch.clock import MediaClock
from posturewatch.core.baseline import Baseline, CalibrationSettings, calibrate_metrics
from posturewatch.core.detector import Detector, DetectorSettings
from posturewatch.core.scheduler import Scheduler, SchedulerSettings
from posturewatch.core.setups import SetupSettings, SetupWatch, match_profile, setup_fit
from posturewatch.core.types import DetectorUpdate, PostureMetrics, PromptAnswer
from posturewatch.inputs.observations import ObservationSource
from posturewatch.inputs.routines_file import load_routines
from posturewatch.monitor import Monitor
from posturewatch.notifiers import NotifierSettings, make_notifier
from posturewatch.store.database import Store, StoreSettings
from posturewatch.store.profiles import save_profile

SETTINGS = DetectorSettings()
T0 = 1795424400.0


def front(
    shoulder: float = 0.9, sink: float = 0.0, yaw: float = 0.0, center_x: float = 0.5
) -> PostureMetrics:
    """A front-view frame: the shoulder line `shoulder` face widths below the
    picture's centre, head and shoulders `sink` lower still (sinking in the chair)."""
    nose = shoulder - 1.3
    return PostureMetrics(
        view="front",
        head_forward_deg=12.0,
        shoulder_rounding_deg=0.0,
        lean_deg=0.0,
        head_yaw_deg=yaw,
        head_pitch_deg=0.0,
        head_roll_deg=0.0,
        scale=0.3,
        distance_cm=65.0,
        center_x=center_x,
        center_y=0.6,
        quality=0.9,
        face_size=0.1,
        nose_level_fw=nose + 1.5 * sink,
        shoulder_level_fw=shoulder + sink,
        ear_height_fw=1.25,
        nose_height_fw=1.3,
        shoulder_width_fw=2.4,
    )


def _profile(name: str, frame: PostureMetrics) -> Baseline:
    settings = CalibrationSettings(max_abs_yaw_deg=60.0)  # a second monitor's, turned
    return replace(calibrate_metrics([frame] * 5, settings=settings), profile=name)


DESK = _profile("desk", front(shoulder=0.9))
LAPTOP = _profile("laptop", front(shoulder=0.5))
MONITOR2 = _profile("monitor2", front(shoulder=0.9, yaw=35.0))
PROFILES = {"desk": DESK, "laptop": LAPTOP, "monitor2": MONITOR2}


def test_the_recent_frames_pick_the_setup_they_were_taken_in() -> None:
    assert match_profile(PROFILES, [front(shoulder=0.5)] * 10, SETTINGS) == "laptop"
    assert match_profile(PROFILES, [front(shoulder=0.9)] * 10, SETTINGS) == "desk"
    # Slightly sunk at the laptop (under the sinking thresholds: shoulders 0.10 and
    # head 0.18 face widths) still fits it better than the desk.
    assert match_profile(PROFILES, [front(shoulder=0.5, sink=0.06)] * 10, SETTINGS) == "laptop"
    # The profile just found not to fit is not offered again.
    assert match_profile(PROFILES, [front(shoulder=0.5)] * 10, SETTINGS, exclude="laptop") is None
    # A setup nobody calibrated: shoulders far higher than in any, or off to the side.
    assert match_profile(PROFILES, [front(shoulder=0.0)] * 10, SETTINGS) is None
    assert match_profile(PROFILES, [front(center_x=0.8)] * 10, SETTINGS) is None
    why = setup_fit(DESK, [front(shoulder=0.5)] * 10, SETTINGS).why
    assert "higher" in why


def test_a_head_turned_to_the_second_monitor_fits_that_monitors_profile() -> None:
    turned = [front(yaw=33.0)] * 10
    assert match_profile(PROFILES, turned, SETTINGS, exclude="desk") == "monitor2"
    assert match_profile(PROFILES, [front(yaw=2.0)] * 10, SETTINGS, exclude="monitor2") == "desk"
    # Judged against that monitor's calibration, the turned head is no longer "turned".
    detector = Detector(MONITOR2)
    for i in range(30):
        update = detector.update(float(i), front(yaw=35.0))
    assert update.state == "good" and update.reason == ""
    assert Detector(DESK).update(0.0, front(yaw=35.0)).reason in ("head turned", "")


def test_shoulders_held_above_the_calibrated_line_are_a_changed_setup() -> None:
    detector = Detector(DESK)
    shrug = [detector.update(float(t), front(shoulder=0.5)) for t in range(20)]
    back = [detector.update(float(t), front()) for t in range(20, 40)]
    assert not any(u.recalibrate for u in shrug + back)  # a 20 s stretch is not a move
    moved = [detector.update(float(t), front(shoulder=0.5)) for t in range(40, 120)]
    assert moved[-1].recalibrate and not moved[10].recalibrate


def test_the_watch_asks_once_per_window_and_once_per_turn() -> None:
    watch = SetupWatch(SetupSettings(window_s=30.0, turn_hold_s=10.0))
    changed = DetectorUpdate(0.0, "uncertain", recalibrate=True, reason="setup changed")
    triggers = [watch.observe(float(t), front(), replace(changed, time_s=t)) for t in range(61)]
    assert [t for t, x in enumerate(triggers) if x] == [0, 30, 60]
    watch.reset()
    turned = DetectorUpdate(0.0, "uncertain", reason="head turned")
    got = [watch.observe(100.0 + t, front(yaw=35.0), turned) for t in range(30)]
    assert got.count("turned") == 1 and got.index("turned") == 10
    assert all(m.head_yaw_deg == 35.0 for m in watch.recent("turned", 129.0))


class _Frames(ObservationSource):
    """No source is read: the test hands the monitor metrics (see _judge)."""

    live = False
    description = "metrics"

    def read(self, not_before_s: float | None = None) -> None:
        return None

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_switch_keeps_cooldowns_and_pauses_and_neither_loses_nor_doubles_a_prompt(
    tmp_path: Path,
) -> None:
    profiles = tmp_path / "profiles"
    for name, baseline in PROFILES.items():
        save_profile(profiles / f"{name}.json", baseline)
    store = Store(tmp_path / "db.sqlite3", StoreSettings())
    monitor = Monitor(
        source=_Frames(),
        clock=MediaClock(T0),
        detector=Detector(DESK),
        scheduler=Scheduler(SchedulerSettings(), load_routines()),
        notifier=make_notifier("none", NotifierSettings(), T0),
        store=store,
        profile_path=profiles / "desk.json",
        profiles_dir=profiles,
    )
    t = T0

    def feed(seconds: int, frame: PostureMetrics) -> None:
        nonlocal t
        for _ in range(seconds):
            t += 1.0
            monitor._judge(t, frame)

    try:
        feed(60, front())
        feed(240, front(sink=0.5))  # sunk at the desk: one prompt
        assert len(monitor.summary.prompts) == 1
        first = monitor.summary.prompts[0]
        feed(150, front(shoulder=0.5))  # at the laptop now
        assert monitor.summary.profile_switches == ["laptop"]
        assert monitor.status()["profile"] == "laptop"
        # The prompt shown before the switch is still open, and answered once.
        assert [p.id for p in monitor.scheduler.pending(t)] == [first.id]
        monitor.answer(PromptAnswer(first.id, "done", t))
        monitor._drain()
        assert [(a.prompt_id, a.answer) for a in monitor.summary.answers] == [(first.id, "done")]
        feed(300, front(shoulder=0.5, sink=0.5))  # sunk at the laptop, within cooldown
        assert monitor.summary.prompts == [first], "a prompt doubled across the switch"
        # After the cooldown the slouch at the new setup prompts again: not lost.
        feed(20 * 60, front(shoulder=0.5, sink=0.5))
        assert len(monitor.summary.prompts) >= 2
        assert monitor.summary.prompts[1].time_s - first.time_s >= 20 * 60
        # A pause taken before a switch outlasts it.
        monitor.pause(None)
        monitor._drain()
        feed(150, front(shoulder=0.9))
        assert monitor._paused and monitor.status()["state"] == "paused"
    finally:
        store.close()


def test_status_tray_and_notice_say_the_setup_and_the_battery() -> None:
    from posturewatch.commands.service import format_status
    from posturewatch.desktop.status import switch_notice, tooltip

    monitor = {
        "state": "good",
        "samples": 3,
        "prompts": 0,
        "profile": "laptop",
        "power": {"on_battery": True, "mode": "slower"},
    }
    text = format_status(
        {"running": True, "instance": {"pid": 7, "since_s": 1.0e9}, "monitor": monitor}
    )
    assert "setup: laptop" in text and "on battery: checking less often" in text
    paused = {**monitor, "power": {"on_battery": True, "mode": "pause"}}
    battery_pause = {**paused, "state": "paused", "paused_on_battery": True}
    text = format_status(
        {"running": True, "instance": {"pid": 7, "since_s": 1.0e9}, "monitor": battery_pause}
    )
    assert "state: paused (on battery), until back on mains power" in text
    assert "paused until back on mains" in tooltip("paused", paused, 1.0e9)
    assert "on battery" not in tooltip("good", {**monitor, "power": None}, 1.0e9)
    said: set[str] = set()
    told = switch_notice({"profile": "desk"}, monitor, said)
    assert told is not None and told[0] == "posturewatch switched to laptop"
    assert switch_notice({"profile": "desk"}, monitor, said) is None  # once per setup
    assert switch_notice(monitor, monitor, set()) is None
    assert switch_notice({}, monitor, set()) is None


def test_a_setup_just_added_is_used_at_once(tmp_path: Path) -> None:
    from posturewatch.monitor import UseProfile

    profiles = tmp_path / "profiles"
    save_profile(profiles / "desk.json", DESK)
    save_profile(profiles / "laptop.json", LAPTOP)
    monitor = Monitor(
        source=_Frames(),
        clock=MediaClock(T0),
        detector=Detector(DESK),
        scheduler=Scheduler(SchedulerSettings(), load_routines()),
        notifier=make_notifier("none", NotifierSettings(), T0),
        store=None,
        profile_path=profiles / "desk.json",
        profiles_dir=profiles,
    )
    monitor.post(UseProfile("laptop"))
    monitor.post(UseProfile("missing"))  # kept: said in the log, not an error
    monitor._drain()
    assert monitor.profile_name == "laptop" and monitor.detector.baseline == LAPTOP
    assert monitor.summary.profile_switches == ["laptop"]


def test_a_slouch_goes_on_counting_when_the_head_turns_to_the_second_monitor(
    tmp_path: Path,
) -> None:
    profiles = tmp_path / "profiles"
    for name, baseline in PROFILES.items():
        save_profile(profiles / f"{name}.json", baseline)

    def monitor() -> Monitor:
        return Monitor(
            source=_Frames(),
            clock=MediaClock(T0),
            detector=Detector(DESK),
            scheduler=Scheduler(SchedulerSettings(), load_routines()),
            notifier=make_notifier("none", NotifierSettings(), T0),
            store=None,
            profile_path=profiles / "desk.json",
            profiles_dir=profiles,
        )

    def first_poor(m: Monitor, frames: list[PostureMetrics]) -> float | None:
        for i, frame in enumerate(frames):
            if m._judge(T0 + i, frame).state == "poor":
                return float(i)
        return None

    sunk, sunk_turned = front(sink=0.5), front(sink=0.5, yaw=35.0)
    straight_on = first_poor(monitor(), [front()] * 30 + [sunk] * 200)
    turning = monitor()
    turned = first_poor(turning, [front()] * 30 + [sunk] * 40 + [sunk_turned] * 160)
    assert turning.summary.profile_switches == ["monitor2"]  # slouched, but turned
    assert straight_on is not None and turned is not None
    # The 40 s sunk at the desk still count at the second monitor: poor comes no
    # later than the 10 s the turn took to switch, plus the smoothing's few seconds.
    assert turned - straight_on <= 20, (straight_on, turned)


def test_doctor_names_the_other_setups(tmp_path: Path) -> None:
    from posturewatch.commands.doctor import check_profile

    for name, baseline in PROFILES.items():
        save_profile(tmp_path / f"{name}.json", baseline)
    check = check_profile(tmp_path / "desk.json")
    assert check.ok and check.detail.endswith("other setups it switches to: laptop, monitor2")
