"""`posturewatch calibrate` end to end: from recordings (fast) and image folders (real
model), the refusals a user meets, and a profile file that is never lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from calibration.simulator import Body, Camera, Posture, simulate
from posturewatch.cli import main
from posturewatch.inputs.recording import RecordingWriter
from posturewatch.store.profiles import load_profile
from tests.paths import SIDE_VIEW, TESTS

SESSION = TESTS / "fixtures" / "simulated_front_session.jsonl.gz"
"""12 s upright, then a slouch, an absence and upright again (see its header)."""


def write_recording(path: Path, postures: list[Posture], fps: float = 2.0) -> Path:
    rng = np.random.default_rng(5)
    writer = RecordingWriter(path, "test", "posturewatch-simulator", "1", fps=fps)
    for i, posture in enumerate(postures):
        writer.write(simulate(Body(), posture, Camera(), rng, time_s=i / fps, index=i))
    writer.close()
    return path


def calibrate(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), "calibrate", *args])


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("posturewatch: ")
    assert "Traceback" not in err
    return lines[0]


def test_calibrating_from_a_recording_writes_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10") == 0
    out = capsys.readouterr().out
    profile = tmp_path / "profiles" / "default.json"
    baseline = load_profile(profile)
    assert baseline.view == "front"
    assert baseline.frame_count >= 8
    assert str(SESSION) in baseline.source
    assert "head forward" in out and "shoulder rounding" in out
    assert f"saved {profile}" in out
    # Only the first 10 s (upright) were used: nothing from the slouch that follows.
    assert baseline.spread("center_y") < 0.02


def test_recalibrating_keeps_the_previous_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert calibrate(tmp_path, "--source", str(SESSION), "--seconds", "5", "--profile", "desk") == 0
    first = (tmp_path / "profiles" / "desk.json").read_text()
    assert (
        calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10", "--profile", "desk") == 0
    )
    assert (tmp_path / "profiles" / "desk.json.bak").read_text() == first
    assert "previous kept as desk.json.bak" in capsys.readouterr().out


def test_output_file_is_written_where_asked(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "me.json"
    assert (
        calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10", "--output", str(target))
        == 0
    )
    assert load_profile(target).view == "front"
    assert not (tmp_path / "profiles" / "default.json").exists()


def test_fps_and_seconds_pick_frames_by_source_time(tmp_path: Path) -> None:
    source = write_recording(tmp_path / "ten_fps.jsonl", [Posture()] * 80, fps=10.0)
    out = tmp_path / "p.json"
    assert calibrate(tmp_path, "--source", str(source), "--fps", "2", "--output", str(out)) == 0
    assert load_profile(out).frames_seen == 16  # 8 s at 2 frames/s
    args = ["--source", str(source), "--fps", "2", "--seconds", "3", "--output", str(out)]
    assert calibrate(tmp_path, *args) == 0
    assert load_profile(out).frames_seen == 7  # 0, 0.5, ... 3.0 s


def test_no_person_in_the_recording_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_recording(tmp_path / "empty.jsonl", [Posture(present=False)] * 10)
    assert calibrate(tmp_path, "--source", str(source)) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "no person found" in line
    assert not (tmp_path / "profiles" / "default.json").exists()


def test_one_usable_frame_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_recording(tmp_path / "one.jsonl", [Posture()] + [Posture(present=False)] * 9)
    assert calibrate(tmp_path, "--source", str(source)) == 2
    assert "too few usable frames" in one_error_line(capsys.readouterr().err)


def test_a_turned_head_is_refused_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_recording(tmp_path / "turned.jsonl", [Posture(head_yaw_deg=30.0)] * 12)
    assert calibrate(tmp_path, "--source", str(source)) == 2
    assert "face turned away" in one_error_line(capsys.readouterr().err)


def test_a_refused_calibration_leaves_the_old_profile_alone(tmp_path: Path) -> None:
    assert calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10") == 0
    profile = tmp_path / "profiles" / "default.json"
    before = profile.read_bytes()
    empty = write_recording(tmp_path / "empty.jsonl", [Posture(present=False)] * 5)
    assert calibrate(tmp_path, "--source", str(empty)) == 2
    assert profile.read_bytes() == before


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 3],  # truncated by a crash or a full disk
        lambda text: "not json at all",
        lambda text: json.dumps({**json.loads(text), "version": 99}),
    ],
)
def test_a_corrupt_profile_is_never_overwritten_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: object
) -> None:
    assert calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10") == 0
    profile = tmp_path / "profiles" / "default.json"
    broken = damage(profile.read_text())  # type: ignore[operator]
    profile.write_text(broken)
    capsys.readouterr()

    assert calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10") == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(profile) in line and "--force" in line
    assert profile.read_text() == broken

    assert calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10", "--force") == 0
    kept = list(profile.parent.glob("default.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == broken
    assert load_profile(profile).view == "front"
    assert "corrupt profile was kept as" in capsys.readouterr().out


def test_preview_without_a_display_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert calibrate(tmp_path, "--source", str(SESSION), "--seconds", "10", "--preview") == 0
    assert "preview skipped" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--seconds", "0"], ["--fps", "-1"]])
def test_nonsense_options_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert calibrate(tmp_path, "--source", str(SESSION), *args) == 2
    one_error_line(capsys.readouterr().err)


# --- image folders through the real model ------------------------------------------


def blank_images(folder: Path, count: int) -> None:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        image = np.full((480, 640, 3), 40 + 20 * i, dtype=np.uint8)
        cv2.imwrite(str(folder / f"empty_{i}.png"), image)


@pytest.mark.model
def test_folder_without_a_person_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "empty"
    blank_images(folder, 3)
    assert calibrate(tmp_path, "--source", str(folder)) == 2
    assert "no person found" in one_error_line(capsys.readouterr().err)


@pytest.mark.model
def test_folder_with_one_usable_frame_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "one"
    blank_images(folder, 3)
    shutil.copy(SIDE_VIEW / "straight_hf.jpg", folder / "straight_hf.jpg")
    assert calibrate(tmp_path, "--source", str(folder), "--view", "side") == 2
    assert "too few usable frames" in one_error_line(capsys.readouterr().err)
