"""The desktop app's windows, driven with pytest-qt on Qt's offscreen platform:
the break window's answers and timer, the settings window's validation, the
first-run window's calibration outcomes and placement check, the tray menu."""

from __future__ import annotations

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
    CalibrationJob,
    FirstRunWindow,
    explain_refusal,
    in_view,
    list_cameras,
)
from posturewatch.desktop.settings import SettingsForm
from posturewatch.desktop.settings_window import SettingsWindow

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

    def save(form: SettingsForm) -> str | None:
        saved.append(form)
        return "config.toml.scheduler: break_after_min: 5.0 is outside 10..240"

    window = SettingsWindow(SettingsForm(), ["camera:1"], save)
    qtbot.addWidget(window)
    window.show()
    window.break_after.setValue(5)
    window.on_save()
    assert saved[-1].break_after_min == 5
    assert window.error.isVisible()
    assert "break_after_min" in window.error.text()
    assert window.isVisible()


def test_settings_window_form_reflects_the_controls(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = SettingsWindow(
        SettingsForm(sensitivity=1.4, quiet_hours="", camera="1"), ["/dev/video2"], lambda f: None
    )
    qtbot.addWidget(window)
    assert window.sensitivity.value() == 3
    assert not window.quiet.isEnabled()
    window.quiet_on.setChecked(True)
    window.prompt_style.setCurrentIndex(1)
    window.camera.setCurrentText("/dev/video2")
    window.login.setChecked(True)
    form = window.form()
    assert form.sensitivity == 1.4
    assert form.quiet_hours == "18:00-09:00"
    assert form.prompt_style == "window"
    assert form.camera == "/dev/video2"
    assert form.start_at_login
    with qtbot.waitSignal(window.saved):
        window.on_save()


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
    def calibrate(samples: list[object], description: str) -> str:
        assert samples, "captured nothing"
        if isinstance(result, Exception):
            raise result
        return result

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
    window = FirstRunWindow(["fake"], lambda spec: _job(error), start_page="calibrate")
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not calibrated" in window.result.text(), timeout=5000)
    assert "Why: Too much movement" in window.result.text()
    assert "What to change: Sit still and upright" in window.result.text()
    assert window.start_button.text() == "Try again"


def test_calibration_success_emits_the_camera(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = FirstRunWindow(["fake"], lambda spec: _job("calibrated from 12 frames"))
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.welcome_next, Qt.MouseButton.LeftButton)
    assert window.pages.currentIndex() == 1
    qtbot.mouseClick(window.camera_next, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.calibrated, timeout=5000) as blocker:
        qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["fake"]
    assert "Calibrated." in window.result.text()
    assert window.finish_button.isVisibleTo(window)


def test_preview_draws_landmarks_and_checks_placement(qtbot) -> None:  # type: ignore[no-untyped-def]
    frames = [_obs(i) for i in range(3)]
    window = FirstRunWindow(
        ["fake"], lambda spec: _job("x"), open_source=lambda spec: _Source(list(frames))
    )
    qtbot.addWidget(window)
    window.show()
    window.show_page(1)
    qtbot.waitUntil(lambda: window.view_check.text().startswith("Good"), timeout=5000)
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


def test_camera_list(tmp_path: Path) -> None:
    (tmp_path / "video2").touch()
    (tmp_path / "video0").touch()
    assert list_cameras("camera:0", ["rec.jsonl"], tmp_path) == [
        "rec.jsonl",
        "camera:0",
        str(tmp_path / "video0"),
        str(tmp_path / "video2"),
    ]


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
    tray.set_today({"seated_min": 30, "good_share": 0.5, "poor_min": 3})
    assert tray.today[0].text() == "Today: seated 30 min, 50 % upright"
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
