"""The desktop app's windows, driven with pytest-qt on Qt's offscreen platform:
the break window's answers and timer, the settings window's validation, the
first-run window's calibration outcomes and placement check, the tray menu."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from posturewatch.core.types import Landmark, Observation, Pose, Prompt, Routine
from posturewatch.desktop.break_window import BreakWindow, timer_text
from posturewatch.desktop.first_run import (
    CALIBRATE,
    CAMERA,
    NO_CAMERA_PAGE,
    WELCOME,
    CalibrationJob,
    FirstRunWindow,
    camera_choices,
    explain_refusal,
    in_view,
)
from posturewatch.desktop.settings import SaveOutcome, SettingsForm
from posturewatch.desktop.settings_window import SettingsWindow
from posturewatch.inputs.sources import CameraInfo, list_cameras

ROUTINE = Routine(
    id="chin-tucks",
    title="Chin tucks",
    targets=("head_forward",),
    duration_s=3,
    steps=("Sit tall.", "Glide your chin back."),
    safety=("Move slowly.",),
    kind="exercise",
)
PROMPT = Prompt("p1", 0.0, "posture", ROUTINE, "Head forward for a while", "Try chin tucks.")


def test_break_window_shows_steps_safety_and_answers(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = BreakWindow(PROMPT)
    qtbot.addWidget(window)
    window.show()
    texts = " ".join(label.text() for label in window.findChildren(type(window.timer_label)))
    assert "Glide your chin back." in texts
    assert "Move slowly." in texts
    assert set(window.buttons) == {
        "done",
        "snooze_15m",
        "snooze_1h",
        "snooze_day",
        "skipped",
        "not_slouching",
    }
    with qtbot.waitSignal(window.answered) as blocker:
        qtbot.mouseClick(window.buttons["skipped"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["skipped"]
    assert not window.isVisible()


def test_break_window_not_slouching_on_posture_prompts_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = BreakWindow(PROMPT)
    qtbot.addWidget(window)
    assert window.buttons["not_slouching"].text() == "Not slouching"
    with qtbot.waitSignal(window.answered) as blocker:
        qtbot.mouseClick(window.buttons["not_slouching"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["not_slouching"]
    walk = BreakWindow(Prompt("p2", 0.0, "break", ROUTINE, "Seated for 50 minutes", "Walk."))
    qtbot.addWidget(walk)
    assert "not_slouching" not in walk.buttons


def test_settings_window_round_trips_meeting_mode_and_the_heads_up(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from posturewatch.config import load_config
    from posturewatch.desktop import settings as ds

    path = tmp_path / "config.toml"
    path.write_text("[meeting]\nenabled = false\nmicrophone = false\n")
    config = load_config(path)
    written: list[list[str]] = []

    def save(form: SettingsForm) -> SaveOutcome:
        written.append(ds.save_config(path, config, ds.apply_form(config, form, str(path))))
        return SaveOutcome(True, "Saved.")

    form = ds.form_from_config(config)
    window = SettingsWindow(form, [("0", "Camera 0")], save)
    qtbot.addWidget(window)
    window.show()
    assert window.form() == form  # what the file holds, shown and given back unchanged
    assert not window.meeting.isChecked() and window.heads_up.isChecked()
    assert not window.meeting_signals["microphone"].isChecked()
    assert window.meeting_signals["camera"].isChecked()
    assert not any(box.isEnabled() for box in window.meeting_signals.values())
    window.on_save()
    assert written == [[]]
    qtbot.mouseClick(window.meeting, Qt.MouseButton.LeftButton)
    assert all(box.isEnabled() for box in window.meeting_signals.values())
    qtbot.mouseClick(window.meeting_signals["fullscreen"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.heads_up, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.saved):
        window.on_save()
    assert written[-1] == ["scheduler.break_heads_up", "meeting.enabled", "meeting.fullscreen"]
    loaded = load_config(path)
    assert loaded.meeting.enabled and not loaded.meeting.fullscreen
    assert not loaded.meeting.microphone and not loaded.scheduler.break_heads_up
    assert window.confirmation.text() == "Saved."


def test_settings_window_shows_what_was_learned_with_a_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    resets: list[bool] = []

    def reset() -> str:
        resets.append(True)
        return "as calibrated"

    window = SettingsWindow(
        SettingsForm(),
        [],
        lambda form: None,
        learned="adjusted from 3 answers: sinking in the chair x0.64",
        reset_learned=reset,
    )
    qtbot.addWidget(window)
    assert window.learned.text().startswith("adjusted from 3 answers")
    assert window.reset_learned.isEnabled()
    qtbot.mouseClick(window.reset_learned, Qt.MouseButton.LeftButton)
    assert resets == [True]
    assert window.learned.text() == "as calibrated"
    assert not window.reset_learned.isEnabled()
    plain = SettingsWindow(SettingsForm(), [], lambda form: None)
    qtbot.addWidget(plain)
    assert plain.learned.text() == "as calibrated" and not plain.reset_learned.isEnabled()


def test_break_window_timer_counts_down(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = BreakWindow(PROMPT)
    qtbot.addWidget(window)
    assert window.timer_label.text() == "0:03"
    window._tick.setInterval(20)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.timer_label.text() == "well done", timeout=3000)
    assert timer_text(75) == "1:15"


def test_settings_window_shows_a_refusal_and_keeps_open(qtbot) -> None:  # type: ignore[no-untyped-def]
    saved: list[SettingsForm] = []

    def save(form: SettingsForm) -> SaveOutcome:
        saved.append(form)
        return SaveOutcome(False, "[scheduler] break_after_min: 5.0 is outside 10..240")

    window = SettingsWindow(SettingsForm(), [("0", "Camera 0"), ("1", "Camera 1")], save)
    qtbot.addWidget(window)
    window.show()
    window.break_after.setValue(5)
    window.on_save()
    assert saved[-1].break_after_min == 5
    assert window.error.isVisible()
    assert "break_after_min" in window.error.text()
    assert window.isVisible()
    assert not window.confirmation.isVisible()


def test_settings_window_form_reflects_the_controls(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = SettingsWindow(
        SettingsForm(sensitivity=1.4, quiet_hours="", camera="1"),
        [("0", "Integrated Webcam (camera 0)"), ("/dev/video2", "USB camera (camera 2)")],
        lambda f: SaveOutcome(True, "Saved at 10:00, in effect now."),
    )
    qtbot.addWidget(window)
    window.show()
    assert window.sensitivity.value() == 3
    assert not window.quiet.isEnabled()
    window.quiet_on.setChecked(True)
    window.prompt_style.setCurrentIndex(1)
    assert window.camera.currentText() == "camera 1 (not found now)"  # configured, unplugged
    window.camera.setCurrentIndex(window.camera.findData("/dev/video2"))
    window.login.setChecked(True)
    form = window.form()
    assert form.sensitivity == 1.4
    assert form.quiet_hours == "18:00-09:00"
    assert form.prompt_style == "window"
    assert form.camera == "/dev/video2"
    assert form.start_at_login
    height = window.sizeHint().height()
    for step in range(5):  # the longest sensitivity text does not grow the window
        window.sensitivity.setValue(step)
        assert window.sizeHint().height() == height
    with qtbot.waitSignal(window.saved):
        window.on_save()
    assert window.isVisible()  # stays open with the confirmation
    assert window.confirmation.text() == "Saved at 10:00, in effect now."
    assert window.close_button.text() == "Close"


class _Source:
    description = "fake"

    def __init__(self, obs: list[Observation | None]) -> None:
        self.obs = obs

    def read(self, not_before_s: float | None = None) -> Observation | None:
        return self.obs.pop(0) if self.obs else None

    def close(self) -> None:
        pass

    def release(self) -> None:
        pass

    live = False


def _obs(i: int, visible: bool = True) -> Observation:
    points = tuple(Landmark(0.5, 0.5, 0.0, 0.9 if visible else 0.1) for _ in range(33))
    return Observation(i, float(i), 640, 480, Pose(points))


def _job(result: Exception | str) -> CalibrationJob:
    def calibrate(samples: list[object], description: str) -> tuple[str, str]:
        assert samples, "captured nothing"
        if isinstance(result, Exception):
            raise result
        return result, "head forward 10.9 deg"

    return CalibrationJob(
        spec="fake",
        open_source=lambda spec: _Source([_obs(i) for i in range(20)]),
        compute=lambda obs: obs,
        calibrate=calibrate,
        countdown_s=1,
        seconds=3,
    )


def test_calibration_refusal_says_why_and_what_to_change(qtbot) -> None:  # type: ignore[no-untyped-def]
    from posturewatch.core.baseline import CalibrationError

    error = CalibrationError(
        "calibration failed: too much movement (angle spread 9.0 deg); sit still and upright, "
        "then try again"
    )
    window = FirstRunWindow([("fake", "fake")], lambda spec: _job(error), start_page="calibrate")
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not calibrated" in window.result.text(), timeout=5000)
    assert "Why: Too much movement" in window.result.text()
    assert "What to change: Sit still and upright" in window.result.text()
    assert window.start_button.text() == "Try again"


def test_calibration_success_emits_the_camera(qtbot) -> None:  # type: ignore[no-untyped-def]
    words = "Calibrated: sitting upright, camera in front of you, about 60 cm from the screen."
    window = FirstRunWindow([("fake", "fake")], lambda spec: _job(words))
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.welcome_next, Qt.MouseButton.LeftButton)
    assert window.pages.currentIndex() == CAMERA
    qtbot.mouseClick(window.camera_next, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.calibrated, timeout=5000) as blocker:
        qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["fake"]
    assert words in window.result.text()
    assert "deg" not in window.result.text()  # the numbers wait under Details
    assert window.finish_button.isVisibleTo(window)
    assert not window.details.isVisibleTo(window)
    window.details_button.click()
    assert window.details.isVisibleTo(window) and "10.9" in window.details.text()


def test_preview_draws_landmarks_and_checks_placement(qtbot) -> None:  # type: ignore[no-untyped-def]
    frames = [_obs(i) for i in range(3)]
    window = FirstRunWindow(
        [("fake", "fake")], lambda spec: _job("x"), open_source=lambda spec: _Source(list(frames))
    )
    qtbot.addWidget(window)
    window.show()
    window.show_page(CAMERA)
    assert not window.camera_next.isEnabled()  # until the camera's first picture
    qtbot.waitUntil(lambda: window.view_check.text().startswith("Good"), timeout=5000)
    assert window.camera_next.isEnabled()
    qtbot.waitUntil(lambda: "ended" in window.view_check.text(), timeout=5000)
    window.close()


def test_placement_words() -> None:
    assert in_view(None).startswith("Nobody in view")
    assert in_view(_obs(0)) == "Good: face and both shoulders are in view."
    assert "face and both shoulders" in in_view(_obs(0, visible=False))
    assert explain_refusal("calibration failed: no person found (3 frames); sit facing it") == (
        "No person found (3 frames)",
        "Sit facing it",
    )


def test_camera_list_offers_only_cameras_that_exist_with_their_names(tmp_path: Path) -> None:
    sys_root, dev = tmp_path / "sys", tmp_path / "dev"
    for node, name, index in (
        ("video0", "Integrated Webcam: Integrated C", "0"),
        ("video1", "Integrated Webcam: Integrated C", "1"),  # its metadata node
        ("video2", "USB Camera", "0"),
        ("video4", "Gone", "0"),  # in sysfs, no device node: not offered
    ):
        (sys_root / node).mkdir(parents=True)
        (sys_root / node / "name").write_text(name + "\n")
        (sys_root / node / "index").write_text(index + "\n")
    dev.mkdir()
    for node in ("video0", "video1", "video2"):
        (dev / node).touch()
    cameras = list_cameras(sys_root, dev)
    assert [c.spec for c in cameras] == ["camera:0", "camera:2"]
    assert cameras[0].label == "Integrated Webcam: Integrated C (camera 0)"
    assert list_cameras(tmp_path / "none", dev) == []  # no camera: an empty list
    assert [c.spec for c in list_cameras(tmp_path / "none", dev, probe=lambda i: i == 1)] == [
        "camera:1"
    ]
    assert camera_choices(cameras, ["rec.jsonl"]) == [
        ("rec.jsonl", "rec.jsonl"),
        ("camera:0", "Integrated Webcam: Integrated C (camera 0)"),
        ("camera:2", "USB Camera (camera 2)"),
    ]
    assert CameraInfo("camera:3").label == "Camera 3"


def _failing_source(spec: str) -> object:
    from posturewatch.inputs.sources import CameraUnavailable

    raise CameraUnavailable("camera 0 could not be opened", never_opened=True)


def test_a_failing_camera_disables_next_and_says_what_to_do(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = FirstRunWindow(
        [("camera:0", "Camera 0")], lambda spec: _job("x"), open_source=_failing_source
    )
    qtbot.addWidget(window)
    window.show()
    window.show_page(CAMERA)
    qtbot.waitUntil(lambda: "cannot be used" in window.view_check.text(), timeout=5000)
    assert not window.camera_next.isEnabled()
    assert "Close the program" in window.view_check.text()
    # The calibration page's camera failure names the camera, not the light.
    calibrating = FirstRunWindow(
        [("camera:0", "Camera 0")],
        lambda spec: CalibrationJob(spec, _failing_source, lambda o: o, lambda s, d: ("", "")),
        start_page="calibrate",
    )
    qtbot.addWidget(calibrating)
    calibrating.show()
    qtbot.mouseClick(calibrating.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not calibrated" in calibrating.result.text(), timeout=5000)
    assert "choose another camera" in calibrating.result.text()
    assert "light" not in calibrating.result.text()
    assert calibrating.start_button.isEnabled()


def test_every_page_has_a_way_back_or_out_and_no_camera_offers_to_go_on(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QPushButton

    found: list[list[tuple[str, str]]] = [[]]
    window = FirstRunWindow([], lambda spec: _job("x"), find_cameras=lambda: found[0])
    qtbot.addWidget(window)
    window.show()
    for index in (WELCOME, CAMERA, NO_CAMERA_PAGE, CALIBRATE):
        labels = {b.text() for b in window.pages.widget(index).findChildren(QPushButton)}
        assert "Cancel" in labels, (index, labels)
        assert index == WELCOME or "Back" in labels, (index, labels)
    qtbot.mouseClick(window.welcome_next, Qt.MouseButton.LeftButton)
    assert window.pages.currentIndex() == NO_CAMERA_PAGE  # nothing to choose: said plainly
    found[0] = [("camera:0", "Camera 0")]  # one is plugged in
    window._rescan()
    assert window.pages.currentIndex() == CAMERA
    assert window.chosen_camera() == "camera:0"
    found[0] = []
    window._rescan()
    assert window.pages.currentIndex() == NO_CAMERA_PAGE
    with qtbot.waitSignal(window.without_camera):
        qtbot.mouseClick(window.without_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_tray_menu_follows_the_state(qtbot) -> None:  # type: ignore[no-untyped-def]
    from posturewatch.desktop.tray_icon import Tray

    tray = Tray()
    tray.set_state("paused", "posturewatch: paused until 11:00")
    assert tray.resume_action.isVisible()
    assert not tray.pause_actions["15m"].isVisible()
    assert not tray.slouching_action.isVisible()
    assert tray.headline.text() == "Paused until 11:00"
    tray.set_state("good", "posturewatch: posture good")
    assert not tray.resume_action.isVisible()
    # The tooltip's lines side by side in the menu, the setup's name as written.
    tray.set_state("good", "posturewatch: posture good\nsetup: Laptop")
    assert tray.headline.text() == "Posture good · setup: Laptop"
    tray.set_today({"seated_min": 30, "good_share": 0.5, "poor_min": 3, "prompts": 1})
    assert tray.today[0].text() == "Today: seated 30 min, 50 % upright"
    assert tray.today[1].text() == "Poor posture 3 min, 1 prompt, 0 followed"
    assert not tray.snooze.isVisible()
    tray.set_snooze("Prompts snoozed until 11:05")
    assert tray.snooze.isVisible()
    tray.set_watching(False)
    assert not tray.live_action.isEnabled() and not tray.pause_actions["1h"].isEnabled()
    tray.set_watching(True)
    with qtbot.waitSignal(tray.pause) as blocker:
        tray.pause_actions["1h"].trigger()
    assert blocker.args == ["1h"]
    assert tray.slouching_action.text() == "I'm slouching now"
    assert tray.slouching_action.isVisible()
    with qtbot.waitSignal(tray.slouching):
        tray.slouching_action.trigger()


def test_each_tray_look_has_its_own_colour(qtbot) -> None:  # type: ignore[no-untyped-def]
    from posturewatch.desktop.drawing import routine_picture, state_pixmap
    from posturewatch.desktop.status import LOOKS

    images = {state: state_pixmap(state, 64).toImage() for state in LOOKS}  # type: ignore[arg-type]
    edges = {state: image.pixelColor(6, 32).name() for state, image in images.items()}
    shown = {state: colour for state, colour in edges.items() if state != "starting"}
    assert len(set(shown.values())) == len(shown), edges  # starting: away's grey, no figure
    assert all(image.pixelColor(0, 0).alpha() == 0 for image in images.values())
    for kind in ("exercise", "stretch", "self_massage", "movement", "unknown"):
        assert not routine_picture(kind, 120, 120).isNull()


def test_cancel_during_a_calibration_saves_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    saved = threading.Event()

    def calibrate(samples: list[object], description: str) -> tuple[str, str]:
        saved.set()
        return "Calibrated.", ""

    job = CalibrationJob(
        "fake",
        lambda spec: _Source([_obs(i) for i in range(40)]),
        lambda obs: obs,
        calibrate,
        countdown_s=1,
        seconds=3,
    )
    window = FirstRunWindow([("fake", "fake")], lambda spec: job, start_page="calibrate")
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.countdown.text() == "1", timeout=5000)
    window.close()
    assert not saved.wait(2.0)


def test_the_optional_slouch_step_comes_after_sitting_well(qtbot) -> None:  # type: ignore[no-untyped-def]
    from posturewatch.core.baseline import CalibrationError

    steps: list[str] = []

    def slouch_job(spec: str) -> CalibrationJob:
        def calibrate(samples: list[object], description: str) -> tuple[str, str]:
            steps.append("slouch")
            if len(steps) == 1:
                raise CalibrationError(
                    "slouch not taken: no different from sitting well; slump as you do when tired"
                )
            return "Your slouch is noted.", "slouch shown (12 frames)"

        return dataclasses.replace(_job("x"), calibrate=calibrate)

    window = FirstRunWindow(
        [("fake", "fake")],
        lambda spec: _job("Calibrated: sitting upright."),
        start_page="calibrate",
        make_slouch_job=slouch_job,
    )
    qtbot.addWidget(window)
    window.show()
    told: list[str] = []
    window.calibrated.connect(told.append)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.slouch_button.isVisible(), timeout=5000)
    assert told == []  # the monitor must not take the camera before the slouch step
    qtbot.mouseClick(window.slouch_button, Qt.MouseButton.LeftButton)
    assert "tired" in window.instructions.text()
    assert window.finish_button.text() == "&Skip"
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Slouch not taken" in window.result.text(), timeout=5000)
    assert "No different from sitting well" in window.result.text()
    assert window.finish_button.text() == "&Finish without it"
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Your slouch is noted." in window.result.text(), timeout=5000)
    assert not window.slouch_button.isVisible()
    window.close()
    assert told == ["fake"] and steps == ["slouch", "slouch"]


def test_live_view_shows_each_reading_against_its_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    from posturewatch.core.types import DetectorUpdate
    from posturewatch.desktop.live_view import LiveViewWindow, share_text

    window = LiveViewWindow()
    qtbot.addWidget(window)
    window.show()
    update = DetectorUpdate(
        0.0, "good", dominant="head_forward", readings={"head_forward": 0.8, "sinking": -2.3}
    )
    size = window.size()
    window.show_update(update, "Building up: head forward.")
    window.show_observation(_obs(0))
    assert window.figures["head_forward"].text() == "80 %"
    assert window.figures["sinking"].text() == "0 %"  # higher than calibrated: not negative
    assert window.figures["lean_in"].text() == "–"  # no reading
    assert window.gauges["head_forward"].share == 0.8
    assert window.canvas.obs is not None and window.canvas.message == ""
    assert window.size() == size
    assert share_text(1.234) == "123 %"


def test_report_window_shows_the_text_and_where_the_page_is(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from posturewatch.desktop.report_window import ReportWindow

    window = ReportWindow()
    qtbot.addWidget(window)
    window.show()
    assert not window.open_button.isEnabled()  # nothing to open while it is made
    window.show_report("posturewatch: no data yet", tmp_path / "missing.html")
    assert "no data yet" in window.text.toPlainText()
    assert not window.open_button.isEnabled() and window.where.text() == ""
    page = tmp_path / "posture-2026-12-06.html"
    page.write_text("<html></html>")
    window.show_report("Posture report for Sunday", page)
    assert window.open_button.isEnabled()
    assert str(page) in window.where.text()
