"""`posturewatch analyze`: one line per frame, verdicts against a profile, and one
clear line (exit 2) for every kind of bad input.

Most tests replay landmark recordings made with the simulator, so they need no
model and run in milliseconds; the expected numbers come from compute_metrics on
the same stored observations, not from copies of earlier output.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from calibration.simulator import Body, Camera, Posture, simulate
from posturewatch.cli import main
from posturewatch.commands.analyze import analyze
from posturewatch.core.baseline import calibrate
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.types import Observation
from posturewatch.inputs.recording import RecordingWriter, read_recording
from posturewatch.store.profiles import save_profile
from tests.paths import REPO, SIDE_VIEW

UPRIGHT = Posture(head_forward_deg=8.0)
SLOUCHED = Posture(head_forward_deg=35.0, shoulder_protraction_deg=10.0, trunk_flex_deg=10.0)


def _record(path: Path, postures: list[Posture], fps: float = 2.0) -> Path:
    camera = Camera(distance_m=0.65, height_m=-0.1, pitch_deg=3.0)
    with RecordingWriter(path, source="simulator", fps=fps) as writer:
        for i, posture in enumerate(postures):
            writer.write(simulate(Body(), posture, camera, index=i, time_s=i / fps))
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def session(tmp_path: Path) -> Path:
    postures = [UPRIGHT] * 3 + [Posture(present=False)] + [SLOUCHED] * 3
    return _record(tmp_path / "session.jsonl", postures)


def test_json_lines_carry_every_metric_of_each_frame(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["--data-dir", str(tmp_path), "analyze", str(session), "--json"], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    stored = read_recording(session)
    assert [r["index"] for r in rows] == [obs.index for obs in stored]
    for row, obs in zip(rows, stored, strict=True):
        assert row["time_s"] == pytest.approx(obs.time_s)
        expected = compute_metrics(obs)
        assert row["person_found"] is (expected is not None)
        if expected is None:
            assert row["head_forward_deg"] is None and row["view"] is None
            continue
        assert row["view"] == expected.view
        for name in ("head_forward_deg", "shoulder_rounding_deg", "head_yaw_deg", "quality"):
            assert row[name] == pytest.approx(getattr(expected, name), abs=0.01), name
        for name in ("lean_deg", "head_pitch_deg", "head_roll_deg", "scale", "distance_cm"):
            assert name in row
        assert "verdict" not in row
    # The slouched frames read clearly more head-forward than the upright ones.
    assert rows[-1]["head_forward_deg"] > rows[0]["head_forward_deg"] + 10


def test_table_is_aligned_and_marks_frames_without_a_person(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["--data-dir", str(tmp_path), "analyze", str(session)], capsys)
    assert code == 0
    header, *lines = out.splitlines()
    assert header.split()[:4] == ["frame", "time_s", "view", "head_fwd"]
    assert len(lines) == 7
    assert "no person found" in lines[3]
    # Numbers end under the end of their column title.
    end = header.index("head_fwd") + len("head_fwd")
    for line in lines[:3] + lines[4:]:
        assert line[end - 1] != " " and line[end] == " "
        float(line[:end].split()[-1])


def test_calibration_adds_verdicts_and_deviations(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calibration_frames = read_recording(_record(tmp_path / "calib.jsonl", [UPRIGHT] * 6))
    profile = tmp_path / "profile.json"
    save_profile(profile, calibrate(calibration_frames, source="test"))
    argv = ["--data-dir", str(tmp_path), "analyze", str(session), "--json"]
    code, out, err = _run([*argv, "--calibration", str(profile)], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["verdict"] for r in rows] == ["good"] * 3 + ["unknown"] + ["poor"] * 3
    assert all(abs(r["head_dev_deg"]) < 1.0 for r in rows[:3])
    assert all(r["head_dev_deg"] > 10 and r["shoulder_dev_deg"] > 3 for r in rows[4:])
    assert rows[3]["head_dev_deg"] is None and rows[3]["reason"]

    for row in rows:
        assert row["thresholds"]["head_threshold_deg"] > 0
        assert (row["decided_by"] is not None) is (row["verdict"] == "poor")
    # the simulated slouch carries the head forward and the trunk toward the screen
    assert rows[-1]["decided_by"] in ("head_forward", "neck", "lean_in") and rows[-1]["why"]

    code, out, _ = _run([*argv[:-1], "--calibration", str(profile)], capsys)
    thresholds, header, *lines = out.splitlines()
    assert thresholds.startswith("# thresholds in force (sensitivity 1)")
    assert "verdict" in header and "head_dev" in header and "why" in header
    assert "poor" in lines[-1].split() and rows[-1]["why"] in lines[-1]


def test_a_front_slouch_says_which_signal_decided_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The licensed front-view sitting (landmarks the real model gave for it),
    calibrated on its first upright frame: every deviation, the thresholds in force,
    the deciding signal and the words; --sensitivity reaches them."""
    sitting = [
        o
        for o in read_recording(SITTINGS)
        if (o.path or "").startswith("low-isSlouching__high-notSlouching/")
    ]
    upright = next(o for o in sitting if "/notSlouching/" in (o.path or ""))
    slouched = [o for o in sitting if "/isSlouching/" in (o.path or "")][:4]
    profile = tmp_path / "profile.json"
    save_profile(profile, calibrate([upright], view="front", source="test"))
    frames = tmp_path / "frames.jsonl"
    with RecordingWriter(frames, source="licensed sitting 1", fps=1.0) as writer:
        for i, obs in enumerate([upright, *slouched]):
            writer.write(dataclasses.replace(obs, index=i, time_s=float(i)))
    argv = ["--data-dir", str(tmp_path), "analyze", str(frames), "--calibration", str(profile)]
    code, out, err = _run([*argv, "--json"], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["verdict"] for r in rows] == ["good"] + ["poor"] * 4
    for row in rows:
        deviations = row["deviations"]
        assert set(deviations) >= {"head_sink_fw", "shoulder_sink_fw", "neck_ratio", "lean_in_deg"}
        assert row["thresholds"]["sink_head_fw"] > 0 and 0 < row["thresholds"]["min_neck_ratio"] < 1
        assert set(row["readings"]) == {
            "head_forward",
            "shoulders_rounded",
            "sinking",
            "neck",
            "lean_in",
        }
    for row in rows[1:]:
        assert row["decided_by"] == "sinking"
        head, shoulders = row["deviations"]["head_sink_fw"], row["deviations"]["shoulder_sink_fw"]
        said = re.fullmatch(
            r"sinking: head (\S+) and shoulders (\S+) face widths lower than calibrated",
            row["why"],
        )
        assert said is not None, row["why"]
        assert float(said[1]) == pytest.approx(head, abs=0.006)
        assert float(said[2]) == pytest.approx(shoulders, abs=0.006)
        assert row["readings"]["sinking"] > 1.0
    code, out, _ = _run([*argv, "--json", "--sensitivity", "0.2"], capsys)
    relaxed = [json.loads(line) for line in out.splitlines()]
    assert relaxed[1]["thresholds"]["sink_head_fw"] == pytest.approx(
        5 * rows[1]["thresholds"]["sink_head_fw"], abs=1e-3
    )
    assert [r["verdict"] for r in relaxed] == ["good"] * 5
    code, out, _ = _run(argv, capsys)
    assert code == 0
    assert "sinking: head" in out.splitlines()[-1]


SITTINGS = Path(__file__).resolve().parent / "fixtures" / "front_view_sittings.jsonl.gz"


def test_fps_samples_a_recording_and_frames_stops_early(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = _record(tmp_path / "ten.jsonl", [UPRIGHT] * 20, fps=10.0)
    base = ["--data-dir", str(tmp_path), "analyze", str(recording), "--json"]
    _, out, _ = _run([*base, "--fps", "2"], capsys)
    assert [json.loads(line)["index"] for line in out.splitlines()] == [0, 5, 10, 15]
    _, out, _ = _run([*base, "--frames", "3"], capsys)
    assert [json.loads(line)["index"] for line in out.splitlines()] == [0, 1, 2]


def test_forced_view_is_used(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--data-dir", str(tmp_path), "analyze", str(session), "--json", "--view", "side"]
    _, out, _ = _run(argv, capsys)
    views = {json.loads(line)["view"] for line in out.splitlines()}
    assert views == {"side", None}


# --- bad input: one line on stderr, exit 2 --------------------------------------------


BAD_CASES = (
    "missing path",
    "empty folder",
    "glob matching nothing",
    "non-image file",
    "unreadable image",
    "bad fps",
    "bad frame count",
    "missing profile",
    "corrupt profile",
    "missing model file",
)


def _bad_inputs(tmp: Path) -> dict[str, list[str]]:
    (tmp / "empty").mkdir()
    (tmp / "notes.txt").write_text("not a picture\n")
    (tmp / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (tmp / "corrupt.json").write_text('{"format": "posturewatch-profile", ')
    good = str(SIDE_VIEW / "straight_hf.jpg")
    return {
        "missing path": [str(tmp / "nowhere")],
        "empty folder": [str(tmp / "empty")],
        "glob matching nothing": [str(tmp / "*.png")],
        "non-image file": [str(tmp / "notes.txt")],
        "unreadable image": [str(tmp / "broken.jpg")],
        "bad fps": [good, "--fps", "0"],
        "bad frame count": [good, "--frames", "-1"],
        "missing profile": [good, "--calibration", str(tmp / "none.json")],
        "corrupt profile": [good, "--calibration", str(tmp / "corrupt.json")],
        "missing model file": [good, "--model", str(tmp / "pose.task")],
    }


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_one_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _bad_inputs(tmp_path)[case]
    code, out, err = _run(["--data-dir", str(tmp_path), "analyze", *argv], capsys)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("posturewatch: "), err
    assert "Traceback" not in err


def _installed_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "posturewatch"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "posturewatch"]
    return subprocess.run(
        [*command, "--data-dir", str(tmp_path), "analyze", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_installed_command_reports_a_missing_source_in_one_line(tmp_path: Path) -> None:
    done = _installed_cli(tmp_path, str(tmp_path / "missing.mp4"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"posturewatch: source not found: {tmp_path / 'missing.mp4'}"
    ]


def test_a_camera_that_cannot_open_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = _installed_cli(tmp_path, "camera:/dev/video-posturewatch-none")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "could not be opened" in lines[0], done.stderr


# --- real photographs, real model ---------------------------------------------------


@pytest.mark.model
def test_photo_folder_gives_one_json_line_per_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["--data-dir", str(tmp_path), "analyze", str(SIDE_VIEW), "--json"], capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    images = sorted(p.name for p in SIDE_VIEW.iterdir() if p.suffix == ".jpg")
    assert [Path(r["path"]).name for r in rows] == images
    assert [r["time_s"] for r in rows] == [float(i) for i in range(len(images))]
    assert all(r["person_found"] and r["view"] == "side" for r in rows)


@pytest.mark.model
def test_installed_command_keeps_stderr_free_of_model_chatter(tmp_path: Path) -> None:
    # MediaPipe and TensorFlow Lite write start-up lines straight to stderr; the
    # product promises stderr only for problems, one line each.
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("straight_hf.jpg", "hunchback.jpg"):
        (photos / name).write_bytes((SIDE_VIEW / name).read_bytes())
    done = _installed_cli(tmp_path, str(photos), "--json")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


# --- a live camera, faked -----------------------------------------------------------


class _FakeCamera:
    """A live source that yields simulated frames, then Ctrl-C after `frames`."""

    live = True
    description = "fake camera"

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.reads = 0
        self.closed = False

    def read(self, not_before_s: float | None = None) -> Observation | None:
        if self.reads >= self.frames:
            raise KeyboardInterrupt
        obs = simulate(Body(), UPRIGHT, Camera(), index=self.reads, time_s=0.1 * self.reads)
        self.reads += 1
        return obs

    def release(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def test_a_camera_is_paced_and_stops_at_the_frame_limit() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    results = list(
        analyze(_FakeCamera(10), every_s=0.5, limit=3, sleep=sleep, monotonic=lambda: now[0])
    )
    assert [r.index for r in results] == [0, 1, 2]
    assert waits == [0.5, 0.5]
    assert all(r.metrics is not None for r in results)


def test_ctrl_c_ends_a_camera_session_cleanly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import posturewatch.inputs.observations

    camera = _FakeCamera(2)
    monkeypatch.setattr(
        posturewatch.inputs.observations, "open_observations", lambda *a, **k: camera
    )
    argv = ["--data-dir", str(tmp_path), "analyze", "camera:0", "--json", "--fps", "1000"]
    code, out, err = _run(argv, capsys)
    assert code == 0, err
    assert len(out.splitlines()) == 2
    assert camera.closed


def test_a_sensitivity_out_of_range_is_one_line(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calibration_frames = read_recording(_record(tmp_path / "calib.jsonl", [UPRIGHT] * 6))
    profile = tmp_path / "profile.json"
    save_profile(profile, calibrate(calibration_frames, source="test"))
    for command in (
        ["analyze", str(session), "--calibration", str(profile)],
        ["run", "--no-store", "--notifier", "none", "--source", str(session)],
    ):
        argv = ["--data-dir", str(tmp_path), *command, "--sensitivity", "9"]
        if command[0] == "run":
            argv += ["--calibration", str(profile)]
        code, _, err = _run(argv, capsys)
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 2 and lines == ["posturewatch: --sensitivity: must be between 0.2 and 5"]
