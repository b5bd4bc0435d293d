"""Meeting mode: the signals on what they really read (a process table built in a
temporary folder, helper programs' real output formats) and the scheduler on
simulated days with meetings: a prompt that falls in a meeting waits and comes once
after it, if still called for; nothing is lost, nothing doubled."""

from __future__ import annotations

import dataclasses
import itertools
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from posturewatch.core.scheduler import QUIET, Scheduler
from posturewatch.core.settings import ConfigError, from_table
from posturewatch.core.types import DetectorUpdate, Deviation, Prompt
from posturewatch.meeting import linux, macos, windows
from posturewatch.meeting.signals import (
    MeetingDetector,
    MeetingSettings,
    Reading,
    Runner,
    SignalUnavailable,
    make_signals,
)
from tests.test_scheduler import ROUTINES, SETTINGS, WED, at, summary

# --- the scheduler on simulated days with meetings ----------------------------------

Meeting = tuple[str, str]
"""(local start, local end) of a quiet spell."""


def run_day(
    scheduler: Scheduler,
    script: Sequence[tuple[str, str, Deviation | None]],
    meetings: Sequence[Meeting],
    end: str,
    step_s: float = 5,
) -> list[Prompt]:
    """5-second updates through the script; before each, the scheduler is told
    whether a meeting is on, as the monitor does after polling its signals."""
    starts = [at(WED, seg[0]) for seg in script]
    spans = [(at(WED, a), at(WED, b)) for a, b in meetings]
    prompts: list[Prompt] = []
    t, stop, index = starts[0], at(WED, end), 0
    while t < stop:
        while index + 1 < len(starts) and t >= starts[index + 1]:
            index += 1
        _, state, dominant = script[index]
        in_meeting = any(a <= t < b for a, b in spans)
        scheduler.set_quiet("a call holds the camera" if in_meeting else None)
        update = DetectorUpdate(
            time_s=t,
            state=state,  # type: ignore[arg-type]
            dominant=dominant if state == "poor" else None,
        )
        prompts += scheduler.step(update)
        scheduler.expire(t)
        t += step_s
    return prompts


POSTURE_ONLY = dataclasses.replace(SETTINGS, break_prompts=False)


def test_a_posture_prompt_due_in_a_meeting_comes_once_when_it_ends() -> None:
    # poor from 09:10 (confirmed 09:10:30) inside a 09:05-09:40 meeting; still poor
    # at 09:40, so the one catch-up prompt comes then; good from 09:50, so nothing after.
    script = [("09:00", "good", None), ("09:10", "poor", "head_forward"), ("09:50", "good", None)]
    scheduler = Scheduler(POSTURE_ONLY, ROUTINES, tz=SETTINGS_TZ)
    prompts = run_day(scheduler, script, [("09:05", "09:40")], end="11:00")
    assert summary(prompts) == [("09:40:00", "posture", "H1", 0)]
    # Its title counts the slouch from its start, not from the meeting's end.
    assert prompts[0].title == "Head forward for 30 minutes"
    # Without the meeting the same morning prompts at 09:10:30 and, the cooldown
    # over, at 09:30:30: the meeting held them, and gave back one, not two.
    alone = run_day(Scheduler(POSTURE_ONLY, ROUTINES, tz=SETTINGS_TZ), script, [], end="11:00")
    assert summary(alone) == [("09:10:30", "posture", "H1", 0), ("09:30:30", "posture", "H2", 0)]


def test_a_slouch_that_ended_in_the_meeting_gets_no_catch_up() -> None:
    script = [("09:00", "good", None), ("09:10", "poor", "head_forward"), ("09:30", "good", None)]
    scheduler = Scheduler(POSTURE_ONLY, ROUTINES, tz=SETTINGS_TZ)
    assert run_day(scheduler, script, [("09:05", "09:40")], end="11:00") == []


def test_a_break_due_in_a_meeting_comes_once_after_and_posture_waits_its_cooldown() -> None:
    # Sitting since 09:00: a break is due at 09:50, poor posture confirmed 09:30:30,
    # both inside the 09:20-10:30 meeting. At 10:30 one prompt, the break (standing
    # up also fixes the slouch); the posture prompt only after the 20-min cooldown.
    script = [("09:00", "good", None), ("09:30", "poor", "head_forward"), ("11:00", "good", None)]
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=SETTINGS_TZ)
    prompts = run_day(scheduler, script, [("09:20", "10:30")], end="11:00")
    assert summary(prompts) == [("10:30:00", "break", "W", 0), ("10:50:00", "posture", "H1", 0)]


def test_status_says_in_a_meeting_while_quiet() -> None:
    scheduler = Scheduler(POSTURE_ONLY, ROUTINES, tz=SETTINGS_TZ)
    scheduler.set_quiet("dunst is paused")
    status = scheduler.status(at(WED, "10:00"))
    assert status["blocked_by"] == QUIET == "in a meeting"
    assert status["quiet"] == "dunst is paused"
    scheduler.set_quiet(None)
    assert scheduler.status(at(WED, "10:00"))["blocked_by"] is None


def test_prompts_left_unanswered_in_a_meeting_do_not_escalate() -> None:
    # escalate_after_ignored = 2: two prompts going by unanswered during meetings
    # (each shown just before one started) are no sign of a user who ignores them.
    script = [("09:00", "poor", "head_forward")]
    meetings = [("09:01", "09:20"), ("09:21", "09:40")]
    scheduler = Scheduler(POSTURE_ONLY, ROUTINES, tz=SETTINGS_TZ)
    prompts = run_day(scheduler, script, meetings, end="10:05")
    # 09:00:30 (before the first meeting), 09:20:30 (between them, cooldown over),
    # 09:40:30 after the second: still level 0 (counted, both would make it level 1);
    # that one expires outside a meeting (1 ignored), so 10:00:30 is level 0 too.
    assert summary(prompts) == [
        ("09:00:30", "posture", "H1", 0),
        ("09:20:30", "posture", "H2", 0),
        ("09:40:30", "posture", "HS", 0),
        ("10:00:30", "posture", "H1", 0),
    ]


def hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@pytest.mark.parametrize("seed", range(12))
def test_random_days_with_meetings_hold_each_prompt_and_give_it_back_once(seed: int) -> None:
    """Random posture and meetings over a working day. No prompt inside a meeting,
    the cooldown holds, and at each meeting's end exactly the prompts the rules call
    for: one when the slouch is still on (poor for the confirmation time) and the
    cooldown over, none otherwise. Worked out from the script, not from a run."""
    rng = random.Random(seed)
    script: list[tuple[str, str, Deviation | None]] = []
    poor_from: list[tuple[float, float]] = []
    minute = 9 * 60
    while minute < 17 * 60:
        state = rng.choice(["good", "poor", "poor"])
        length = rng.randint(4, 40)
        script.append((hm(minute), state, "head_forward"))
        if state == "poor":  # back-to-back poor segments are one slouch
            began = at(WED, hm(minute))
            if poor_from and poor_from[-1][1] == began:
                began = poor_from.pop()[0]
            poor_from.append((began, at(WED, hm(minute + length))))
        minute += length
    meetings: list[Meeting] = []
    minute = 9 * 60 + rng.randint(0, 30)
    while minute < 16 * 60:
        length = rng.randint(10, 60)
        meetings.append((hm(minute), hm(minute + length)))
        minute += length + rng.randint(5, 90)
    settings = dataclasses.replace(POSTURE_ONLY, quiet_hours=(), daily_cap=50)
    prompts = run_day(Scheduler(settings, ROUTINES, tz=SETTINGS_TZ), script, meetings, "17:30")
    times = [p.time_s for p in prompts]
    cooldown_s = settings.cooldown_min * 60
    spans = [(at(WED, a), at(WED, b)) for a, b in meetings]
    assert not [t for t in times if any(a <= t < b for a, b in spans)]
    assert all(b - a >= cooldown_s for a, b in itertools.pairwise(times))
    for _, end_s in spans:
        slouched = any(a + settings.poor_confirm_s <= end_s < b for a, b in poor_from)
        before = [t for t in times if t < end_s]
        cooled = not before or end_s - before[-1] >= cooldown_s
        expected = 1 if slouched and cooled else 0
        assert times.count(end_s) == expected, (hhmm_s(end_s), slouched, cooled)


def hhmm_s(time_s: float) -> str:
    return summary([dataclasses.replace(DUMMY, time_s=time_s)])[0][0]


SETTINGS_TZ = ZoneInfo("Europe/Berlin")
DUMMY = Prompt("x", 0.0, "posture", ROUTINES[0], "", "", 0)


# --- settings -----------------------------------------------------------------------


def test_meeting_settings_load_and_name_a_bad_key() -> None:
    settings = from_table(MeetingSettings, {"camera": False, "poll_s": 10}, "meeting")
    assert settings.camera is False and settings.poll_s == 10.0
    with pytest.raises(ConfigError, match=r"config\.toml: \[meeting\] microphone"):
        from_table(MeetingSettings, {"microphone": "no"}, "config.toml", "meeting")
    with pytest.raises(ConfigError, match="poll_s"):
        from_table(MeetingSettings, {"poll_s": 0.1}, "meeting")
    with pytest.raises(ConfigError, match=r"\[meeting\] zoom: unknown key"):
        from_table(MeetingSettings, {"zoom": True}, "config.toml", "meeting")


def test_a_setting_turns_each_signal_off_on_every_platform() -> None:
    for platform in ("linux", "win32", "darwin"):
        every = {s.setting for s in make_signals(MeetingSettings(), platform)}
        assert every == {"camera", "microphone", "fullscreen", "do_not_disturb"}, platform
        for key in sorted(every):
            left = make_signals(MeetingSettings(**{key: False}), platform)
            assert key not in {s.setting for s in left}
        assert make_signals(MeetingSettings(enabled=False), platform) == []


# --- Linux: the camera from a process table -----------------------------------------


def fake_proc(root: Path, holders: dict[int, tuple[str, list[str]]]) -> Path:
    """A /proc-shaped tree: <pid>/comm and <pid>/fd/<n> symlinks to `targets`."""
    for pid, (program, targets) in holders.items():
        fd = root / str(pid) / "fd"
        fd.mkdir(parents=True)
        (root / str(pid) / "comm").write_text(program + "\n", encoding="utf-8")
        for n, target in enumerate(targets):
            os.symlink(target, fd / str(n))
    (root / "self").mkdir(exist_ok=True)  # non-numeric entries are passed over
    return root


def test_another_process_holding_a_video_node_means_the_camera_is_in_use(tmp_path: Path) -> None:
    proc = fake_proc(
        tmp_path,
        {
            100: ("bash", ["/dev/pts/0", "/dev/null"]),
            200: ("zoom", ["/dev/null", "socket:[123]", "/dev/video0"]),
        },
    )
    reading = linux.ProcCameraSignal(proc, own_pid=1).read()
    assert reading.quiet and "zoom (pid 200)" in reading.detail and "/dev/video0" in reading.detail


MAPS_IDLE = (
    "55d0c0a00000-55d0c0a2e000 r--p 00000000 fd:01 1835 /usr/bin/pipewire\n"
    "7f1c2a000000-7f1c2a021000 rw-p 00000000 00:00 0 \n"
    "7ffd4b1e9000-7ffd4b20a000 rw-p 00000000 00:00 0                          [stack]\n"
)
MAPS_STREAMING = "7f1c28000000-7f1c28096000 rw-s 00000000 00:05 612 /dev/video2\n"
"""/proc/<pid>/maps lines: a V4L2 buffer mapped while the device streams."""


def test_our_own_camera_and_idle_media_daemons_do_not_count(tmp_path: Path) -> None:
    proc = fake_proc(
        tmp_path,
        {
            300: ("posturewatch", ["/dev/video0"]),  # ourselves
            400: ("pipewire", ["/dev/media0", "/dev/media1"]),  # kept open while idle
            500: ("wireplumber", ["/dev/media0"]),
            600: ("videostuff", ["/dev/video-loopback-config", "/dev/videos"]),
        },
    )
    assert linux.ProcCameraSignal(proc, own_pid=300).read().quiet is False
    # PipeWire holds a capture node open while idle too, without streaming...
    os.symlink("/dev/video2", proc / "400" / "fd" / "9")
    (proc / "400" / "maps").write_text(MAPS_IDLE, encoding="utf-8")
    assert linux.ProcCameraSignal(proc, own_pid=300).read().quiet is False
    # ...and streaming for a browser through the camera portal, its buffers mapped.
    (proc / "400" / "maps").write_text(MAPS_IDLE + MAPS_STREAMING, encoding="utf-8")
    reading = linux.ProcCameraSignal(proc, own_pid=300).read()
    assert reading.quiet and "pipewire (pid 400)" in reading.detail
    # ...and a media controller held by a program (a libcamera app) does too.
    fake_proc(tmp_path / "other", {700: ("cam", ["/dev/media0"])})
    assert linux.ProcCameraSignal(tmp_path / "other", own_pid=1).read().quiet is True


def test_an_unreadable_process_is_passed_over_and_a_missing_table_is_unavailable(
    tmp_path: Path,
) -> None:
    proc = fake_proc(tmp_path / "proc", {800: ("zoom", ["/dev/video0"])})
    (proc / "900").mkdir()  # no fd folder: another user's process, or one that ended
    assert linux.ProcCameraSignal(proc, own_pid=1).read().quiet is True
    with pytest.raises(SignalUnavailable, match="not a process table"):
        linux.ProcCameraSignal(tmp_path / "nowhere", own_pid=1).read()


def test_no_camera_device_skips_the_process_table(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path / "proc", {200: ("zoom", ["/dev/video0"])})
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "null").touch()
    reading = linux.ProcCameraSignal(proc, own_pid=1, dev_root=dev).read()
    assert reading == Reading(False, f"no camera device in {dev}")
    (dev / "video0").touch()
    assert linux.ProcCameraSignal(proc, own_pid=1, dev_root=dev).read().quiet is True


def test_the_real_process_table_is_read_and_our_own_process_never_counts() -> None:
    reading = linux.ProcCameraSignal(Path("/proc")).read()
    assert reading.quiet is False or str(os.getpid()) not in reading.detail


# --- Linux: helper programs' output --------------------------------------------------

PACTL_SOURCES = (
    "0\talsa_output.pci-0000_00_1f.3.analog-stereo.monitor\tmodule-alsa-card.c"
    "\ts16le 2ch 44100Hz\tSUSPENDED\n"
    "1\talsa_input.pci-0000_00_1f.3.analog-stereo\tmodule-alsa-card.c"
    "\ts16le 2ch 44100Hz\tRUNNING\n"
)


PACTL_OUTPUTS = (
    "Source Output #42\n"
    "\tDriver: protocol-native.c\n"
    "\tOwner Module: 10\n"
    "\tClient: 37\n"
    "\tSource: {source}\n"
    "\tSample Specification: float32le 1ch 48000Hz\n"
    "\tChannel Map: mono\n"
    '\tFormat: pcm, format.sample_format = "\\"float32le\\""  format.rate = "48000"\n'
    "\tCorked: {corked}\n"
    "\tMute: no\n"
    "\tVolume: mono: 65536 / 100% / 0.00 dB\n"
    "\t        balance 0.00\n"
    "\tProperties:\n"
    '\t\tmedia.name = "{media}"\n'
    '\t\tapplication.name = "Firefox"\n'
    '\t\tapplication.process.binary = "firefox"\n'
)
"""`pactl list source-outputs` as pulseaudio-utils 16 prints it (LC_ALL=C)."""


def pactl(
    source: str = "1", corked: str = "no", media: str = "RecordStream", status: int = 0
) -> Runner:
    def run(argv: Sequence[str]) -> tuple[int, str]:
        assert argv[0] == "pactl"
        if argv[2] == "sources":
            return 0, PACTL_SOURCES
        long = PACTL_OUTPUTS.format(source=source, corked=corked, media=media)
        if argv[-1] == "short":
            return status, f"42\t{source}\t37\tprotocol-native.c\tfloat32le 1ch 48000Hz\n"
        return status, long

    return run


def test_a_recording_stream_means_the_microphone_is_in_use() -> None:
    reading = linux.PulseMicrophoneSignal(pactl()).read()
    assert reading == Reading(True, "Firefox records from the microphone")
    # A level meter on the speakers' monitor, a corked (paused) stream, a volume
    # control's peak meter: nobody is heard.
    assert not linux.PulseMicrophoneSignal(pactl(source="0")).read().quiet
    assert not linux.PulseMicrophoneSignal(pactl(corked="yes")).read().quiet
    assert not linux.PulseMicrophoneSignal(pactl(media="Peak detect")).read().quiet
    with pytest.raises(SignalUnavailable):
        linux.PulseMicrophoneSignal(pactl(status=1)).read()


def test_nothing_recording_is_one_cheap_call() -> None:
    calls: list[Sequence[str]] = []

    def run(argv: Sequence[str]) -> tuple[int, str]:
        calls.append(argv)
        return 0, ""

    assert not linux.PulseMicrophoneSignal(run).read().quiet
    assert calls == [["pactl", "list", "source-outputs", "short"]]


PW_DUMP = [
    {"id": 30, "type": "PipeWire:Interface:Node", "info": {"state": "suspended", "props": {
        "media.class": "Audio/Source", "node.name": "alsa_input.pci"}}},
    {"id": 71, "type": "PipeWire:Interface:Node", "info": {"state": "running", "props": {
        "media.class": "Stream/Input/Audio", "application.name": "Chromium"}}},
    {"id": 72, "type": "PipeWire:Interface:Node", "info": {"state": "running", "props": {
        "media.class": "Stream/Input/Audio", "application.name": "OBS",
        "stream.capture.sink": "true"}}},
    {"id": 5, "type": "PipeWire:Interface:Client", "info": {"props": {}}},
]  # fmt: skip
"""What `pw-dump` prints, trimmed: a microphone, a browser recording from it, a
recorder capturing what plays (a sink), a client."""


def test_pw_dump_gives_the_recording_program_where_pactl_is_missing() -> None:
    import json

    def pw_dump(objects: object) -> Runner:
        return lambda argv: (0, json.dumps(objects))

    reading = linux.PipeWireMicrophoneSignal(pw_dump(PW_DUMP)).read()
    assert reading == Reading(True, "Chromium records from the microphone")
    paused = [dict(PW_DUMP[1], info=dict(PW_DUMP[1]["info"], state="idle"))]  # type: ignore[arg-type]
    assert not linux.PipeWireMicrophoneSignal(pw_dump(paused + PW_DUMP[2:])).read().quiet
    with pytest.raises(SignalUnavailable):
        linux.PipeWireMicrophoneSignal(lambda argv: (0, "not json")).read()


def test_xprop_output_is_read_for_the_active_window_and_its_state() -> None:
    assert linux.active_window("_NET_ACTIVE_WINDOW(WINDOW): window id # 0x1a00003\n") == 0x1A00003
    assert linux.active_window("_NET_ACTIVE_WINDOW(WINDOW): window id # 0x0\n") is None
    with pytest.raises(SignalUnavailable, match="_NET_ACTIVE_WINDOW"):
        linux.active_window("_NET_ACTIVE_WINDOW:  not found.\n")
    full = (
        "_NET_WM_STATE(ATOM) = _NET_WM_STATE_FOCUSED, _NET_WM_STATE_FULLSCREEN\n"
        "_NET_WM_WINDOW_TYPE(ATOM) = _NET_WM_WINDOW_TYPE_NORMAL\n"
        'WM_CLASS(STRING) = "Navigator", "firefox"\n'
    )
    assert linux.is_fullscreen(full) and linux.window_program(full) == "firefox"
    assert not linux.is_fullscreen("_NET_WM_STATE(ATOM) = _NET_WM_STATE_MAXIMIZED_VERT\n")
    assert not linux.is_fullscreen("_NET_WM_STATE:  not found.\nWM_CLASS:  not found.\n")
    # The desktop's own icon window is screen-sized but never a presentation.
    desktop = "_NET_WM_STATE(ATOM) = _NET_WM_STATE_FULLSCREEN\n" + (
        "_NET_WM_WINDOW_TYPE(ATOM) = _NET_WM_WINDOW_TYPE_DESKTOP\n"
    )
    assert not linux.is_fullscreen(desktop)


def test_gnome_banners_off_is_do_not_disturb_on_gnome_only() -> None:
    def gsettings(answer: str) -> Runner:
        return lambda argv: (0, answer)

    assert linux.GnomeDndSignal(gsettings("false\n"), desktop="ubuntu:GNOME").read().quiet
    assert not linux.GnomeDndSignal(gsettings("true\n"), desktop="GNOME").read().quiet
    with pytest.raises(SignalUnavailable, match="not a GNOME desktop"):
        linux.GnomeDndSignal(gsettings("false\n"), desktop="KDE").read()


# --- Windows and macOS: what their APIs answer ----------------------------------------


def test_windows_notification_states() -> None:
    assert windows.notification_state_reading(4) == Reading(True, "presentation mode is on")
    assert windows.notification_state_reading(2).quiet
    assert windows.notification_state_reading(3).quiet
    assert not windows.notification_state_reading(5).quiet  # accepts notifications
    assert not windows.notification_state_reading(1).quiet  # locked: not a meeting


def test_windows_consent_store_entries_in_use_now_but_not_ourselves() -> None:
    entries = [
        ("Microsoft.WindowsCamera_8wekyb3d8bbwe", 133_000_000_000_000_000, 133_000_000_100_000_000),
        ("C:#Program Files#Zoom#bin#Zoom.exe", 133_000_000_200_000_000, 0),
        ("C:#Python312#python.exe", 133_000_000_300_000_000, 0),
        ("never.used", 0, 0),
    ]
    assert windows.apps_in_use(entries, r"C:\Python312\python.exe") == [
        "C:#Program Files#Zoom#bin#Zoom.exe"
    ]


def test_macos_focus_and_full_screen_answers() -> None:
    on = (
        '{"data":[{"storeAssertionRecords":[{"assertionDetails":'
        '{"assertionDetailsModeIdentifier":"com.apple.donotdisturb.mode.default"}}]}]}'
    )
    assert macos.focus_on(on)
    assert not macos.focus_on('{"data":[{"storeAssertionRecords":[]}]}')
    assert not macos.focus_on('{"data":[]}')
    with pytest.raises(SignalUnavailable):
        macos.focus_on("not json")
    assert macos.fullscreen_answer("true\n") is True
    assert macos.fullscreen_answer("false\n") is False
    assert macos.fullscreen_answer("execution error: not allowed assistive access") is None


def test_macos_focus_file_is_read_from_disk(tmp_path: Path) -> None:
    store = tmp_path / "Assertions.json"
    with pytest.raises(SignalUnavailable, match="not readable"):
        macos.FocusSignal(store).read()
    store.write_text('{"data":[{"storeAssertionRecords":[{"x":1}]}]}', encoding="utf-8")
    assert macos.FocusSignal(store).read().quiet


# --- the detector: polled at a modest rate -----------------------------------------


def test_the_detector_reads_at_most_every_poll_s_and_twice_a_real_second(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {200: ("zoom", ["/dev/video0"])})
    wall = [0.0]
    detector = MeetingDetector(
        [linux.ProcCameraSignal(proc, own_pid=1)], poll_s=15, monotonic=lambda: wall[0]
    )
    assert detector.poll(1000.0) is not None
    (proc / "200" / "fd" / "0").unlink()  # the call ends
    wall[0] = 5.0
    assert detector.poll(1010.0) is not None  # 10 s later: not read again yet
    assert detector.poll(1015.0) is None  # 15 s: read
    os.symlink("/dev/video0", proc / "200" / "fd" / "0")
    wall[0] = 5.1
    assert detector.poll(1100.0) is None  # a fast replay: a tenth of a real second on
    wall[0] = 5.6
    assert detector.poll(1101.0) is not None


def test_an_unavailable_signal_is_skipped_and_the_others_still_count(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path / "proc", {200: ("zoom", ["/dev/video0"])})
    detector = MeetingDetector(
        [
            linux.ProcCameraSignal(tmp_path / "missing", own_pid=1),
            linux.ProcCameraSignal(proc, own_pid=1),
        ]
    )
    assert detector.read() is not None and "zoom" in str(detector.read())


# --- what doctor, status and the tray say -------------------------------------------


def test_doctor_has_a_line_per_signal_and_a_platform_without_one_says_so(tmp_path: Path) -> None:
    from posturewatch.commands.doctor import check_meeting_signals

    proc = fake_proc(tmp_path, {200: ("zoom", ["/dev/video0"])})
    checks = check_meeting_signals(MeetingSettings(proc_root=str(proc)), "linux")
    by_name = {c.name: c for c in checks}
    camera = by_name["meeting mode (camera in use)"]
    assert camera.status == "OK" and "prompts wait now: zoom (pid 200)" in camera.detail
    assert len(by_name) == len(make_signals(MeetingSettings(), "linux"))
    assert all(c.status in ("OK", "WARN") for c in checks)  # never blocks `run`
    mac = {c.name: c for c in check_meeting_signals(MeetingSettings(), "darwin")}
    assert mac["meeting mode (camera in use)"].status == "WARN"
    assert "not available: macOS does not tell" in mac["meeting mode (camera in use)"].detail
    off = check_meeting_signals(MeetingSettings(camera=False, proc_root=str(proc)), "linux")
    assert "meeting mode (camera in use)" not in {c.name for c in off}
    assert off[-1].detail == "turned off: camera"
    assert [c.detail for c in check_meeting_signals(MeetingSettings(enabled=False))] == [
        "off ([meeting] enabled = false)"
    ]


def test_status_and_tray_say_quiet_in_a_meeting() -> None:
    from posturewatch.commands.service import format_status
    from posturewatch.desktop import status as tray

    scheduler = Scheduler(POSTURE_ONLY, ROUTINES, tz=SETTINGS_TZ)
    scheduler.set_quiet("dunst is paused")
    monitor = {
        "state": "poor",
        "dominant": "head_forward",
        "quiet": "dunst is paused",
        "scheduler": scheduler.status(at(WED, "10:00")),
    }
    text = format_status({"running": True, "instance": {"pid": 1}, "monitor": monitor})
    assert "quiet: in a meeting (dunst is paused); prompts wait until it ends" in text
    # No "next prompt possible" time: a meeting's end cannot be foreseen.
    assert "next prompt possible" not in text
    scheduler.set_quiet(None)
    monitor = {**monitor, "quiet": None, "scheduler": scheduler.status(at(WED, "10:00"))}
    calm = format_status({"running": True, "instance": {"pid": 1}, "monitor": monitor})
    assert "quiet" not in calm and "next prompt possible" in calm
    monitor["quiet"] = "dunst is paused"
    state = tray.tray_state(monitor)
    assert state == "quiet"
    assert tray.tooltip(state, monitor, 0.0) == "posturewatch: quiet: in a meeting"
    # A camera held by the call is the meeting, not a camera problem to be told about.
    busy = {**monitor, "camera_unavailable_since": 5.0}
    assert tray.tray_state(busy) == "quiet"
    assert tray.NoticeOnce()(tray.tray_state(busy)) is None
    assert tray.tray_state({**busy, "quiet": None}) == "camera"
    assert tray.tray_state({**monitor, "state": "paused"}) == "paused"


def test_a_call_that_holds_the_camera_counts_as_sitting_and_the_break_comes_after() -> None:
    # Seated from 09:30; at 10:00 a call takes the camera: no updates until 10:40,
    # while the meeting signal holds. 70 minutes seated by then: the break comes at
    # 10:40 once, at once (no settling-in grace: nobody came back).
    scheduler = Scheduler(SETTINGS, ROUTINES, tz=SETTINGS_TZ)
    assert run_day(scheduler, [("09:30", "good", None)], [], end="10:00") == []
    scheduler.set_quiet("zoom (pid 4242) uses the camera (/dev/video0)")
    scheduler.camera_held_in_meeting()
    scheduler.set_quiet(None)
    prompts = run_day(scheduler, [("10:40", "good", None)], [], end="11:00")
    assert summary(prompts) == [("10:40:00", "break", "W", 0)]
    assert prompts[0].title == "Seated for 70 minutes: time for a break"
    # The same gap without a call is a sleep or an absence: the sitting timer restarts.
    other = Scheduler(SETTINGS, ROUTINES, tz=SETTINGS_TZ)
    run_day(other, [("09:30", "good", None)], [], end="10:00")
    assert run_day(other, [("10:40", "good", None)], [], end="11:00") == []


def test_a_quiet_signal_that_fails_once_stays_quiet_for_that_poll(tmp_path: Path) -> None:
    """A helper timing out mid-call must not let a prompt through; failing again,
    the signal no longer counts (the program that told it may be gone)."""
    proc = fake_proc(tmp_path / "proc", {200: ("zoom", ["/dev/video0"])})
    signal = linux.ProcCameraSignal(proc, own_pid=1)
    detector = MeetingDetector([signal])
    assert detector.read() is not None
    signal.proc_root = tmp_path / "gone"  # reading fails from now on
    held = detector.read()
    assert held is not None and "zoom (pid 200)" in held
    assert detector.read() is None


# --- the monitor: a call that takes the camera ---------------------------------------


class CallTakesTheCamera:
    """A camera over a landmark recording that a call takes from `start_s` for
    `seconds` of its time: reads raise CameraUnavailable, each letting `retry_s`
    pass as the monitor's back-off would, while `holder` (an fd link in a process
    table) says another program uses /dev/video0; at the end the call lets go.
    Time goes on while the camera is away, as a live camera's wall clock does."""

    live = False
    clock: Any = None

    def __init__(
        self, inner: Any, start_s: float, seconds: float, holder: Path, retry_s: float = 30.0
    ) -> None:
        self.inner, self.start_s, self.end_s = inner, start_s, start_s + seconds
        self.holder, self.retry_s = holder, retry_s
        self.description = inner.description
        self._cursor = 0.0

    def read(self, not_before_s: float | None = None) -> Any:
        from posturewatch.inputs.sources import CameraUnavailable

        t = max(self._cursor, float(not_before_s or 0.0))
        if self.start_s <= t < self.end_s:
            if not self.holder.is_symlink():
                os.symlink("/dev/video0", self.holder)
            self._cursor = t + self.retry_s
            self.clock.stamp(t)
            raise CameraUnavailable("camera 0 is busy")
        self.holder.unlink(missing_ok=True)
        obs = self.inner.read(t)
        if obs is not None:
            self._cursor = obs.time_s
        return obs

    def release(self) -> None:
        self.inner.release()

    def close(self) -> None:
        self.inner.close()


def sit_through_a_call(tmp_path: Path, meeting: bool) -> list[Prompt]:
    """Ten upright minutes of a real recorded session (looped), a 45-minute call
    that holds the camera, then more sitting; the monitor wired as the app wires it
    (the meeting signal reading a process table) when `meeting`."""
    from posturewatch.clock import MediaClock
    from posturewatch.core.baseline import calibrate
    from posturewatch.core.detector import Detector
    from posturewatch.core.sampling import SamplingSettings
    from posturewatch.core.scheduler import SchedulerSettings
    from posturewatch.inputs.recording import RecordingReader, read_recording
    from posturewatch.inputs.routines_file import load_routines
    from posturewatch.monitor import Monitor
    from posturewatch.notifiers import NotifierSettings, make_notifier
    from tests.desktop import long_recording

    tmp_path.mkdir(parents=True)
    recording = long_recording(tmp_path / "session.jsonl.gz", minutes=70)
    baseline = calibrate(read_recording(recording)[:10])
    proc = fake_proc(tmp_path / "proc", {4242: ("zoom", ["/dev/null"])})
    start = at(WED, "09:00")
    prompts: list[Prompt] = []
    source = CallTakesTheCamera(
        RecordingReader(recording), 600.0, 45 * 60.0, proc / "4242" / "fd" / "7"
    )
    source.clock = MediaClock(start)
    monitor = Monitor(
        source=source,
        clock=source.clock,
        detector=Detector(baseline),
        scheduler=Scheduler(
            SchedulerSettings(posture_prompts=False), load_routines(), tz=SETTINGS_TZ
        ),
        notifier=make_notifier("none", NotifierSettings(), start),
        store=None,
        settings=SamplingSettings(camera_retry_s=30.0, camera_retry_max_s=30.0),
        on_prompt=prompts.append,
        meeting=MeetingDetector(
            [linux.ProcCameraSignal(proc, own_pid=1)], poll_s=1.0, min_wall_s=0.0
        )
        if meeting
        else None,
    )
    monitor.run()
    return prompts


def test_the_monitor_counts_a_call_that_holds_the_camera_as_sitting(tmp_path: Path) -> None:
    # 10 minutes seated + 45 in the call = 55 >= 50: the break comes once, as soon
    # as the camera is back (09:55), not 3 minutes of "settling in" later.
    prompts = sit_through_a_call(tmp_path / "call", meeting=True)
    assert [(p.kind, hhmm_s(p.time_s)[:5]) for p in prompts] == [("break", "09:55")]
    # Without meeting mode the same 45 minutes are an absence: sitting starts over.
    assert sit_through_a_call(tmp_path / "alone", meeting=False) == []


class _NoFrames:
    """A camera that is never read: the test drives the meeting checks itself."""

    description = "none"
    live = False

    def read(self, not_before_s: float | None = None) -> None:
        return None

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_new_meeting_settings_from_the_settings_window_apply_to_the_running_monitor(
    tmp_path: Path,
) -> None:
    """The settings window's Save posts a Reconfigure with the [meeting] settings:
    turned off, a quiet spell ends at once; turned on again with only the camera
    signal, that one signal is read at the next look, without a restart."""
    from posturewatch.clock import MediaClock
    from posturewatch.core.baseline import Baseline
    from posturewatch.core.detector import Detector, DetectorSettings
    from posturewatch.core.sampling import SamplingSettings
    from posturewatch.monitor import Monitor, Reconfigure
    from posturewatch.notifiers import NotifierSettings, make_notifier

    proc = fake_proc(tmp_path / "proc", {4242: ("zoom", ["/dev/video0"])})
    start = at(WED, "09:00")
    scheduler = Scheduler(POSTURE_ONLY, ROUTINES, tz=SETTINGS_TZ)
    monitor = Monitor(
        source=_NoFrames(),  # type: ignore[arg-type]
        clock=MediaClock(start),
        detector=Detector(Baseline("front", {}, 0, start)),
        scheduler=scheduler,
        notifier=make_notifier("none", NotifierSettings(), start),
        store=None,
        settings=SamplingSettings(),
        meeting=MeetingDetector([linux.ProcCameraSignal(proc, own_pid=1)], min_wall_s=0.0),
    )

    def reconfigure(meeting: MeetingSettings) -> None:
        monitor.post(
            Reconfigure(DetectorSettings(), POSTURE_ONLY, SamplingSettings(), meeting=meeting)
        )
        monitor.status()  # not running: the message is applied here

    monitor._check_meeting(start)
    assert "zoom" in str(monitor.status()["quiet"])
    reconfigure(MeetingSettings(enabled=False, proc_root=str(proc)))
    assert monitor.meeting is None and monitor.status()["quiet"] is None
    monitor._check_meeting(start + 30)
    assert monitor.status()["quiet"] is None
    only_camera = MeetingSettings(
        proc_root=str(proc), microphone=False, fullscreen=False, do_not_disturb=False
    )
    reconfigure(only_camera)
    assert monitor.meeting is not None and len(monitor.meeting.signals) == 1
    monitor._check_meeting(start + 60)
    assert "zoom" in str(monitor.status()["quiet"])
