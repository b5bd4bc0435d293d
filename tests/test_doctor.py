"""`posturewatch doctor`: every check really tries, a failure names its fix, and the
exit status says whether `run` can work. This machine has no camera, so the
camera check must fail cleanly with a fix rather than crash."""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import pytest

from posturewatch.commands import doctor
from posturewatch.commands.doctor import (
    Check,
    check_camera,
    check_data_dir,
    check_notifications,
    check_profile,
    exit_status,
    format_check,
)
from posturewatch.context import Context
from posturewatch.core.baseline import calibrate_metrics
from posturewatch.core.types import PostureMetrics
from posturewatch.notifiers import NotifierSettings
from posturewatch.store.profiles import save_profile
from tests.desktop import Desktop
from tests.paths import SIDE_VIEW

MISSING_CAMERA = "/dev/video-posturewatch-missing"


def run_doctor(data_dir: Path, *argv: str) -> tuple[int, dict[str, str]]:
    """Run the command as the CLI would; returns the exit status and each check's line."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    doctor.register(sub)
    args = parser.parse_args(["doctor", *argv])
    ctx = Context.from_args(data_dir)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = args.handler(args, ctx)
    lines = out.getvalue().splitlines()
    by_name = {line.split(":", 1)[0].split(None, 1)[1]: line for line in lines[:-1]}
    return status, by_name


def write_config(data_dir: Path, text: str) -> None:
    (data_dir / "config.toml").write_text(text, encoding="utf-8")


def write_profile(path: Path) -> None:
    """A real calibration from steady upright samples, saved with the real writer."""
    samples = [
        PostureMetrics(
            view="side",
            head_forward_deg=12.0 + 0.3 * (i % 3),
            shoulder_rounding_deg=8.0 + 0.2 * (i % 2),
            lean_deg=2.0,
            head_yaw_deg=0.0,
            head_pitch_deg=3.0,
            head_roll_deg=0.0,
            scale=0.35,
            distance_cm=70.0,
            center_x=0.5,
            center_y=0.45,
            quality=0.9,
        )
        for i in range(20)
    ]
    save_profile(path, calibrate_metrics(samples))


# -- pure pieces -------------------------------------------------------------------------------


def test_lines_name_status_and_fix_and_only_required_failures_count() -> None:
    ok = Check("camera", True, "camera 0 delivers frames")
    warn = Check("notifications", False, "none", "start dunst", required=False)
    fail = Check("calibration", False, "no profile", "run calibrate")
    assert format_check(ok) == "OK   camera: camera 0 delivers frames"
    assert format_check(warn) == "WARN notifications: none -> fix: start dunst"
    assert format_check(fail) == "FAIL calibration: no profile -> fix: run calibrate"
    assert exit_status([ok, warn]) == 0
    assert exit_status([ok, warn, fail]) == 1


def test_data_dir_checks(tmp_path: Path) -> None:
    assert check_data_dir(tmp_path).ok
    assert list(tmp_path.iterdir()) == []  # the probe file is gone again
    later = check_data_dir(tmp_path / "new" / "deeper")
    assert later.ok and "will be created" in later.detail
    (tmp_path / "a-file").write_text("x")
    blocked = check_data_dir(tmp_path / "a-file")
    assert not blocked.ok and "--data-dir" in blocked.fix


def test_a_missing_camera_fails_with_a_fix() -> None:
    check = check_camera(f"camera:{MISSING_CAMERA}", 640, 480, from_option=False)
    assert not check.ok and check.required
    assert MISSING_CAMERA in check.detail
    assert "webcam" in check.fix and "[camera]" in check.fix


def test_profile_checks(tmp_path: Path) -> None:
    missing = check_profile(tmp_path / "default.json")
    assert not missing.ok and "posturewatch calibrate" in missing.fix
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{ not json")
    broken = check_profile(corrupt)
    assert not broken.ok and str(corrupt) in broken.detail
    good = tmp_path / "good.json"
    write_profile(good)
    loaded = check_profile(good)
    assert loaded.ok, loaded.detail
    assert "side view" in loaded.detail


def test_notifications_without_a_desktop_warn_but_do_not_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    check = check_notifications(NotifierSettings())
    assert check.status == "WARN"
    assert "terminal" in check.detail and "session bus" in check.fix
    assert check_notifications(NotifierSettings(backend="console")).ok


@pytest.mark.desktop
def test_notifications_on_a_desktop_name_the_daemon(desktop: Desktop) -> None:
    check = check_notifications(NotifierSettings())
    assert check.ok
    assert check.detail.startswith("dbus (dunst")


# -- the whole command (runs the real pose model) ------------------------------------------------


@pytest.mark.model
def test_doctor_without_camera_reports_it_and_exits_1(tmp_data_dir: Path) -> None:
    write_config(tmp_data_dir, f'[camera]\ndevice = "{MISSING_CAMERA}"\n')
    status, lines = run_doctor(tmp_data_dir)
    assert status == 1
    assert lines["config"].startswith("OK")
    assert lines["data directory"].startswith("OK")
    assert lines["camera"].startswith("FAIL") and "-> fix:" in lines["camera"]
    model = lines["pose model"]
    assert model.startswith("OK") and "pose_landmarker_lite.task" in model and "offline" in model
    assert lines["calibration"].startswith("FAIL")
    assert {name for name in lines if not name.startswith("meeting mode (")} == {
        "config",
        "data directory",
        "camera",
        "pose model",
        "notifications",
        "calibration",
        "power",
    }


@pytest.mark.model
def test_doctor_is_ready_with_a_working_source_and_a_profile(tmp_data_dir: Path) -> None:
    write_profile(tmp_data_dir / "profiles" / "default.json")
    photo = sorted(SIDE_VIEW.glob("straight*.jpg"))[0]
    status, lines = run_doctor(tmp_data_dir, "--source", str(photo))
    assert lines["source"].startswith("OK"), lines["source"]
    assert lines["calibration"].startswith("OK"), lines["calibration"]
    assert status == 0, lines


@pytest.mark.model
def test_a_broken_config_is_named_and_the_other_checks_still_run(tmp_data_dir: Path) -> None:
    write_config(tmp_data_dir, "[camera]\nwidth = -5\n")
    status, lines = run_doctor(tmp_data_dir, "--source", MISSING_CAMERA, "--profile", "desk")
    assert status == 1
    assert lines["config"].startswith("FAIL") and "camera" in lines["config"]
    assert lines["source"].startswith("FAIL")
    assert lines["pose model"].startswith("OK")
    assert "desk.json" in lines["calibration"]
