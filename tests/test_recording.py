"""Landmark recordings: what is written is what is replayed, exactly; a bad file is one
clear line naming the file and the line; replaying never loads the model."""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import itertools
import json
import math
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posturewatch.commands import record as record_command
from posturewatch.core.errors import UserError
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.types import LM, N_LANDMARKS, Landmark, Observation, Pose
from posturewatch.inputs.pose import LITE_MODEL_FILE
from posturewatch.inputs.recording import (
    FORMAT,
    LANDMARK_NAMES,
    VERSION,
    RecordingError,
    RecordingReader,
    RecordingTee,
    RecordingWriter,
    read_recording,
)
from tests.paths import PORTRAIT, REPO, SIDE_VIEW

FIXTURES = REPO / "tests" / "fixtures"
SIDE_FIXTURE = FIXTURES / "side_view_photos.jsonl"
PORTRAIT_FIXTURE = FIXTURES / "portrait.jsonl"
SIMULATED_FIXTURE = FIXTURES / "simulated_front_session.jsonl.gz"


def _points(seed: float, world: bool = False) -> tuple[Landmark, ...]:
    """33 distinct landmarks with awkward floats (long reprs, tiny and negative values)."""
    scale = 0.3 if world else 1.0
    return tuple(
        Landmark(
            scale * (0.1 + 0.2) * (i + seed) / 40,
            scale * (1 / 3 + i / 97),
            -(i * 1e-7 + seed * 1e-300),
            (i % 10) / 9,
        )
        for i in range(N_LANDMARKS)
    )


def _observations() -> list[Observation]:
    return [
        Observation(0, 0.0, 640, 480, Pose(_points(0.5), _points(0.5, world=True)), "a.jpg"),
        Observation(1, 0.25, 640, 480, None),
        Observation(2, 0.5, 1280, 720, Pose(_points(1.7), None), None),
        Observation(5, 0.5, 1280, 720, Pose(_points(2.9), _points(2.9, world=True))),
        Observation(9, 7.0, 1280, 720, None, "/somewhere/b.png"),
    ]


def _write(path: Path, observations: list[Observation], **kwargs: object) -> Path:
    with RecordingWriter(path, "test", "model-x", "1.2", **kwargs) as writer:  # type: ignore[arg-type]
        for obs in observations:
            writer.write(obs)
    return path


# --------------------------------------------------------------------------- format


def test_landmark_names_follow_the_shared_indices() -> None:
    assert len(LANDMARK_NAMES) == N_LANDMARKS == len(set(LANDMARK_NAMES))
    for lm in LM:
        assert LANDMARK_NAMES[lm.value] == lm.name.lower()


@pytest.mark.model
def test_landmark_names_are_mediapipes() -> None:
    from mediapipe.tasks.python.vision import PoseLandmark

    assert [p.name.lower() for p in PoseLandmark] == list(LANDMARK_NAMES)


@pytest.mark.parametrize("name", ["s.jsonl", "s.jsonl.gz", "s.ndjson", "s.NDJSON.GZ"])
def test_round_trip_is_exact(tmp_path: Path, name: str) -> None:
    observations = _observations()
    path = _write(tmp_path / name, observations)
    assert read_recording(path) == observations
    header = RecordingReader(path).header
    assert header["format"] == FORMAT and header["version"] == VERSION
    assert header["model"] == {"name": "model-x", "version": "1.2"}
    assert header["frame_size"] == [640, 480]


def test_gzip_name_means_gzip_content(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl.gz", _observations())
    with gzip.open(path, "rt", encoding="utf-8") as f:
        assert json.loads(f.readline())["format"] == FORMAT


def test_frames_hold_numbers_only(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", _observations())
    lines = path.read_text().splitlines()
    first = json.loads(lines[1])
    assert set(first) == {"index", "time_s", "width", "height", "path", "person", "image", "world"}
    assert len(first["image"]) == N_LANDMARKS and all(len(p) == 4 for p in first["image"])
    nobody = json.loads(lines[2])
    assert nobody["person"] is False and nobody["image"] is None and nobody["world"] is None


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=40)
@given(
    values=st.lists(finite, min_size=4 * N_LANDMARKS, max_size=4 * N_LANDMARKS),
    time_s=st.floats(min_value=0, max_value=1e9),
)
def test_any_finite_float_replays_bit_for_bit(
    tmp_path_factory: pytest.TempPathFactory, values: list[float], time_s: float
) -> None:
    points = tuple(Landmark(*values[i : i + 4]) for i in range(0, len(values), 4))
    obs = Observation(3, time_s, 10, 20, Pose(points, points[::-1]))
    path = _write(tmp_path_factory.mktemp("h") / "h.jsonl", [obs])
    (back,) = read_recording(path)
    assert back == obs and back.pose is not None
    replayed = [v for p in back.pose.image for v in (p.x, p.y, p.z, p.visibility)]
    # Equal floats can differ in sign only as 0.0 and -0.0: that must survive too.
    assert [math.copysign(1, v) for v in replayed] == [math.copysign(1, v) for v in values]


def test_non_finite_landmarks_are_refused_by_the_writer(tmp_path: Path) -> None:
    bad = Observation(0, 0.0, 10, 10, Pose((Landmark(math.nan, 0, 0),) * N_LANDMARKS))
    with (
        RecordingWriter(tmp_path / "s.jsonl", "t") as writer,
        pytest.raises(ValueError, match="NaN"),
    ):
        writer.write(bad)


def test_writer_refuses_time_going_backwards(tmp_path: Path) -> None:
    with RecordingWriter(tmp_path / "s.jsonl", "t") as writer:
        writer.write(Observation(0, 2.0, 10, 10, None))
        with pytest.raises(ValueError, match="before"):
            writer.write(Observation(1, 1.0, 10, 10, None))


def test_an_existing_file_is_never_replaced_unless_asked(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", _observations())
    before = path.read_bytes()
    with pytest.raises(RecordingError, match="already exists"):
        RecordingWriter(path, "t")
    assert path.read_bytes() == before
    _write(path, _observations()[:1], overwrite=True)
    assert len(read_recording(path)) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.parametrize("name", ["s.jsonl", "s.jsonl.gz"])
def test_a_recording_is_readable_by_the_user_alone(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, _observations())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(read_recording(path)) == len(_observations())


def test_a_name_that_would_not_replay_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"\.jsonl"):
        RecordingWriter(tmp_path / "s.json", "t")
    assert not (tmp_path / "s.json").exists()


def test_an_empty_recording_still_has_a_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", [])
    reader = RecordingReader(path)
    assert reader.read() is None and reader.header["frame_size"] is None


def test_file_names_only_drops_folders(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", _observations(), file_names_only=True)
    assert [o.path for o in read_recording(path)] == ["a.jpg", None, None, None, "b.png"]


# --------------------------------------------------------------------------- replay


def test_read_skips_to_the_requested_time(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", _observations())
    reader = RecordingReader(path)
    assert reader.live is False and str(path) in reader.description
    assert reader.read(0.3).index == 2  # type: ignore[union-attr]
    assert reader.read(0.5).index == 5  # type: ignore[union-attr]  # equal times are kept
    assert reader.read(1.0).index == 9  # type: ignore[union-attr]
    assert reader.read() is None and reader.read(0.0) is None
    reader.release()
    reader.close()


def test_a_crash_keeps_what_was_flushed(tmp_path: Path) -> None:
    for name in ("live.jsonl", "live.jsonl.gz"):
        writer = RecordingWriter(tmp_path / name, "camera 0", flush_every=1)
        for obs in _observations()[:3]:
            writer.write(obs)
        # Not closed, as after a crash: another process must still read every frame.
        assert read_recording(tmp_path / name) == _observations()[:3]
        writer.close()


def test_a_last_line_cut_short_ends_the_recording(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", _observations())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the last frame loses its end and its newline
    assert read_recording(path) == _observations()[:-1]


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", _observations())
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([lines[0], "\n", *lines[1:3], "  \n", *lines[3:], "\n"]))
    assert read_recording(path) == _observations()


def test_fixtures_replay(tmp_path: Path) -> None:
    side = read_recording(SIDE_FIXTURE)
    assert len(side) == 13 and all(o.pose is not None for o in side)
    assert sorted(o.path for o in side) == sorted(p.name for p in SIDE_VIEW.glob("*.jpg"))  # type: ignore[type-var]
    assert [o.time_s for o in side] == [float(i) for i in range(13)]
    (portrait,) = read_recording(PORTRAIT_FIXTURE)
    assert (portrait.width, portrait.height) == (512, 512) and portrait.pose is not None
    simulated = read_recording(SIMULATED_FIXTURE)
    assert len(simulated) == 48 and sum(o.pose is None for o in simulated) == 4


# --------------------------------------------------------------------------- bad files


def _frame_line(index: int, time_s: float) -> dict[str, object]:
    rows = [[0.5, 0.5, 0.0, 1.0]] * N_LANDMARKS
    return {
        "index": index,
        "time_s": time_s,
        "width": 640,
        "height": 480,
        "person": True,
        "image": rows,
        "world": None,
    }


def _header() -> dict[str, object]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": {"name": "hand-written", "version": "0"},
        "landmark_names": list(LANDMARK_NAMES),
    }


def _with(d: dict[str, object], **changes: object) -> dict[str, object]:
    out = dict(d)
    for key, value in changes.items():
        if value is _DROP:
            del out[key]
        else:
            out[key] = value
    return out


_DROP = object()
_GOOD = json.dumps(_frame_line(0, 0.0))

BAD_FILES: dict[str, tuple[list[str], int, str]] = {
    # case: (lines, line number of the problem, words in the message)
    "bad JSON": ([json.dumps(_header()), _GOOD, '{"index": 1, "time_s": 1.0,, }'], 3, "bad JSON"),
    "not an object": ([json.dumps(_header()), "[1, 2]"], 2, "JSON object"),
    "wrong version": ([json.dumps(_with(_header(), version=2)), _GOOD], 1, "unsupported version 2"),
    "wrong format": (
        [json.dumps(_with(_header(), format="something-else")), _GOOD],
        1,
        "not a posturewatch landmark recording",
    ),
    "missing header field": (
        [json.dumps(_with(_header(), model=_DROP))],
        1,
        "missing field 'model'",
    ),
    "other landmark names": (
        [json.dumps(_with(_header(), landmark_names=list(LANDMARK_NAMES)[::-1]))],
        1,
        "landmark_names",
    ),
    "missing frame field": (
        [json.dumps(_header()), json.dumps(_with(_frame_line(0, 0.0), time_s=_DROP))],
        2,
        "missing field 'time_s'",
    ),
    "out of order": (
        [json.dumps(_header()), json.dumps(_frame_line(0, 5.0)), json.dumps(_frame_line(1, 4.0))],
        3,
        "landmarks out of order",
    ),
    "too few landmarks": (
        [
            json.dumps(_header()),
            json.dumps(_with(_frame_line(0, 0.0), image=[[0.5, 0.5, 0, 1]] * 32)),
        ],
        2,
        "32 landmarks, expected 33",
    ),
    "a landmark of three numbers": (
        [
            json.dumps(_header()),
            json.dumps(_with(_frame_line(0, 0.0), image=[[0.5, 0.5, 0, 1]] * 32 + [[1, 2, 3]])),
        ],
        2,
        "landmark 32 must be [x, y, z, visibility]",
    ),
    "non-numeric value": (
        [
            json.dumps(_header()),
            json.dumps(_with(_frame_line(0, 0.0), world=[[0.5, "0.5", 0, 1]] * 33)),
        ],
        2,
        "'world': a landmark value is not a number",
    ),
    "NaN": (
        [json.dumps(_header()), json.dumps(_frame_line(0, 0.0)).replace("0.0, 1.0]]", "NaN, 1]]")],
        2,
        "not finite",
    ),
    "time not a number": (
        [json.dumps(_header()), json.dumps(_with(_frame_line(0, 0.0), time_s="noon"))],
        2,
        "time_s",
    ),
    "no person but landmarks": (
        [json.dumps(_header()), json.dumps(_with(_frame_line(0, 0.0), person=False))],
        2,
        "'person' is false",
    ),
    "empty file": ([], 1, "empty file"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_recording_is_one_line_naming_file_line_and_problem(
    tmp_path: Path, case: str
) -> None:
    lines, line_no, words = BAD_FILES[case]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    with pytest.raises(RecordingError) as info, RecordingReader(path) as reader:
        while reader.read() is not None:
            pass
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: line {line_no}: ")
    assert words in message
    assert isinstance(info.value, UserError) and info.value.exit_code == 2


def test_reading_is_lazy_so_good_frames_come_before_the_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps(_header()), _GOOD, json.dumps(_frame_line(1, 1.0)), "{oops"]
    path.write_text("".join(line + "\n" for line in lines))
    reader = RecordingReader(path)
    assert reader.read() is not None and reader.read() is not None
    with pytest.raises(RecordingError, match="line 4: bad JSON"):
        reader.read()


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="recording not found"):
        RecordingReader(tmp_path / "missing.jsonl")
    not_gzip = tmp_path / "plain.jsonl.gz"
    not_gzip.write_text(json.dumps(_header()) + "\n")
    with pytest.raises(RecordingError, match=f"{not_gzip}: line 1: cannot read"):
        RecordingReader(not_gzip)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(json.dumps(_header()).encode() + b"\n\xff\xfe\n")
    with pytest.raises(RecordingError, match="line 2: not UTF-8"):
        read_recording(latin)


# --------------------------------------------------------------------------- the tee


class _ListSource:
    """A stand-in live source (a camera cannot run here) that knows its model once
    its first frame is out, as EstimatedObservations does."""

    def __init__(self, observations: list[Observation]) -> None:
        self.observations = list(observations)
        self.live = True
        self.description = "camera 0"
        self.model_name = ""
        self.model_version = ""
        self.closed = False
        self.released = 0

    def read(self, not_before_s: float | None = None) -> Observation | None:
        self.model_name, self.model_version = "mediapipe-pose-full", "0.10.21"
        return self.observations.pop(0) if self.observations else None

    def release(self) -> None:
        self.released += 1

    def close(self) -> None:
        self.closed = True


def test_tee_passes_everything_on_and_records_it(tmp_path: Path) -> None:
    source = _ListSource(_observations())
    writer = RecordingWriter(tmp_path / "live.jsonl.gz", source.description)
    with RecordingTee(source, writer) as tee:
        assert tee.live and tee.description == "camera 0"
        passed = []
        while (obs := tee.read()) is not None:
            passed.append(obs)
        tee.release()
    assert passed == _observations()
    assert source.closed and source.released == 1
    assert read_recording(tmp_path / "live.jsonl.gz") == passed
    assert RecordingReader(tmp_path / "live.jsonl.gz").header["model"] == {
        "name": "mediapipe-pose-full",
        "version": "0.10.21",
    }


# --------------------------------------------------------------------------- the record command


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    record_command.register(parser.add_subparsers())
    return parser.parse_args(["record", *argv])


def _run(argv: list[str]) -> int:
    from posturewatch.context import Context

    args = _parse(argv)
    return int(args.handler(args, Context.from_args(None)))


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_data_dir: Path) -> None:
    """The record command reads the config: never the user's."""


def test_record_a_recording_every_three_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "every3.jsonl.gz"
    assert _run(["--source", str(SIDE_FIXTURE), "--out", str(out), "--every", "3"]) == 0
    copied = read_recording(out)
    assert [o.time_s for o in copied] == [0.0, 3.0, 6.0, 9.0, 12.0]
    originals = {o.time_s: o for o in read_recording(SIDE_FIXTURE)}
    assert all(o == originals[o.time_s] for o in copied)
    assert RecordingReader(out).header["model"]["name"] == f"mediapipe-tasks:{LITE_MODEL_FILE}"
    assert "recorded 5 frames, 5 with a person" in capsys.readouterr().out


def test_record_stops_after_duration(tmp_path: Path) -> None:
    out = tmp_path / "short.jsonl"
    assert _run(["--source", str(SIMULATED_FIXTURE), "--out", str(out), "--duration", "10"]) == 0
    assert [o.time_s for o in read_recording(out)] == [float(i) for i in range(10)]


def test_record_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "keep.jsonl"
    out.write_text("precious\n")
    with pytest.raises(UserError, match="already exists"):
        _run(["--source", str(PORTRAIT_FIXTURE), "--out", str(out)])
    assert out.read_text() == "precious\n"
    assert _run(["--source", str(PORTRAIT_FIXTURE), "--out", str(out), "--force"]) == 0
    assert len(read_recording(out)) == 1


def test_record_refuses_to_overwrite_its_source(tmp_path: Path) -> None:
    src = tmp_path / "src.jsonl"
    src.write_bytes(PORTRAIT_FIXTURE.read_bytes())
    with pytest.raises(UserError, match="source itself"):
        _run(["--source", str(src), "--out", str(src), "--force"])
    assert src.read_bytes() == PORTRAIT_FIXTURE.read_bytes()


def test_record_leaves_no_file_when_the_source_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from posturewatch.cli import main

    out = tmp_path / "none.jsonl"
    with pytest.raises(UserError, match="not found"):
        _run(["--source", str(tmp_path / "nothing-here"), "--out", str(out)])
    assert not out.exists()
    capsys.readouterr()
    argv = ["record", "--source", str(PORTRAIT_FIXTURE), "--out", str(out), "--every", "0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--every" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_record_paces_a_camera_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    clock = {"now": 100.0}

    class Camera(_ListSource):
        def read(self, not_before_s: float | None = None) -> Observation | None:
            if len(self.observations) >= 4:
                raise KeyboardInterrupt
            obs = Observation(len(self.observations), clock["now"] - 100.0, 64, 48, None)
            self.observations.append(obs)
            clock["now"] += 0.05  # decoding takes a little time
            return obs

    def sleep(seconds: float) -> None:
        clock["now"] += seconds

    camera = Camera([])
    with RecordingWriter(tmp_path / "cam.jsonl", "camera 0") as writer:
        summary = record_command.record(
            camera, writer, every_s=2.0, sleep=sleep, monotonic=lambda: clock["now"]
        )
    assert summary.interrupted and summary.frames == 4
    times = [o.time_s for o in read_recording(tmp_path / "cam.jsonl")]
    assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([2.0] * 3)


def _cli_available() -> bool:
    try:
        from posturewatch.cli import build_parser

        build_parser()
    except ImportError:
        return False
    return True


def test_cli_exit_status_2_and_one_line_for_a_bad_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not _cli_available():
        pytest.skip("posturewatch.cli cannot import every sub-command yet")
    from posturewatch.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_with(_header(), version=9)) + "\n")
    code = main(["--data-dir", str(tmp_path / "d"), "record", "--source", str(bad), "--out",
                 str(tmp_path / "o.jsonl")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and f"{bad}: line 1: unsupported version 9" in err
    assert not (tmp_path / "o.jsonl").exists()


# --------------------------------------------------------------------------- no model on replay

REPLAY_SCRIPT = """
import sys
from posturewatch.inputs.observations import open_observations
source = open_observations(sys.argv[1])
from posturewatch.core.metrics import compute_metrics
count = 0
while (obs := source.read()) is not None:
    count += 1
    compute_metrics(obs)
source.close()
loaded = sorted(m for m in ("mediapipe", "cv2", "tensorflow") if m in sys.modules)
print(count, ",".join(loaded) or "-")
"""


@pytest.mark.parametrize("fixture", [SIDE_FIXTURE, SIMULATED_FIXTURE])
def test_replaying_never_imports_the_model_or_opencv(fixture: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", REPLAY_SCRIPT, str(fixture)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        timeout=120,
    )
    count, loaded = result.stdout.split()
    assert int(count) == len(read_recording(fixture))
    assert loaded == "-"


# --------------------------------------------------------------------------- a long day


def _long_day(seeds: list[Observation], frames: int) -> Iterator[str]:
    """Frame lines for an 8-hour day at 1 frame/s: the photo fixture's poses, each in
    seven slightly shifted variants, every 50th frame without a person. Built from
    pre-serialised variants, so the test spends its time in the reader."""
    variants = []
    for seed in seeds:
        assert seed.pose is not None
        for k in range(7):
            d = k * 1e-3
            image = [[p.x + d, p.y - d, p.z, p.visibility] for p in seed.pose.image]
            variants.append(json.dumps(image))
    for i in range(frames):
        head = f'{{"index":{i},"time_s":{float(i)},"width":720,"height":1280,'
        if i % 50 == 49:
            yield head + '"person":false,"image":null,"world":null}'
        else:
            v = variants[(i * 7 + i // 13) % len(variants)]
            yield head + f'"person":true,"image":{v},"world":null}}'


def test_an_eight_hour_recording_replays_in_full(tmp_path: Path) -> None:
    frames = 8 * 3600
    path = tmp_path / "day.jsonl"
    header = json.dumps(_with(_header(), model={"name": "mediapipe-pose-full", "version": "x"}))
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for line in _long_day(read_recording(SIDE_FIXTURE), frames):
            f.write(line + "\n")
    count = people = 0
    last = -1.0
    with RecordingReader(path) as reader:
        while (obs := reader.read()) is not None:
            assert obs.time_s > last
            last = obs.time_s
            count += 1
            people += obs.pose is not None
    assert count == frames and people == frames - frames // 50
    assert last == frames - 1


# --------------------------------------------------------------------------- with the real model


def _model_observations(spec: str) -> list[Observation]:
    from posturewatch.inputs.observations import open_observations

    source = open_observations(spec, fps=1.0)
    try:
        return list(iter(source.read, None))
    finally:
        source.close()


@pytest.mark.model
def test_photos_replay_with_the_same_landmarks_and_metrics(tmp_path: Path) -> None:
    photos = _model_observations(str(SIDE_VIEW))
    (portrait,) = _model_observations(str(PORTRAIT))
    live = [*photos, dataclasses.replace(portrait, index=len(photos), time_s=float(len(photos)))]
    assert all(o.pose is not None for o in live)
    path = _write(tmp_path / "photos.jsonl.gz", live)
    replayed = read_recording(path)
    assert replayed == live  # every landmark, bit for bit
    for a, b in zip(live, replayed, strict=True):
        ma, mb = compute_metrics(a), compute_metrics(b)
        assert ma is not None and mb is not None
        for field in dataclasses.fields(ma):
            value = getattr(ma, field.name)
            if isinstance(value, float):
                assert getattr(mb, field.name) == pytest.approx(value, abs=1e-6), field.name
            else:
                assert getattr(mb, field.name) == value, field.name


@pytest.mark.model
def test_committed_fixture_matches_the_model(tmp_path: Path) -> None:
    live = _model_observations(str(SIDE_VIEW))
    committed = read_recording(SIDE_FIXTURE)
    assert [Path(o.path).name for o in live] == [o.path for o in committed]  # type: ignore[arg-type]
    for a, b in zip(live, committed, strict=True):
        assert a.pose is not None and b.pose is not None
        for p, q in zip(a.pose.image, b.pose.image, strict=True):
            assert (p.x, p.y) == pytest.approx((q.x, q.y), abs=1e-3)


@pytest.mark.model
def test_record_command_with_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "photos.jsonl"
    assert _run(["--source", str(SIDE_VIEW), "--out", str(out)]) == 0
    assert "recorded 13 frames, 13 with a person" in capsys.readouterr().out
    recorded = read_recording(out)
    assert all(o.path is not None and "/" not in o.path for o in recorded)
    assert RecordingReader(out).header["model"]["name"] == f"mediapipe-tasks:{LITE_MODEL_FILE}"


def test_record_defaults_to_the_configured_camera(tmp_data_dir: Path, tmp_path: Path) -> None:
    (tmp_data_dir / "config.toml").write_text('[camera]\ndevice = "/dev/video-not-here"\n')
    out = tmp_path / "cam.jsonl"
    with pytest.raises(UserError, match="camera /dev/video-not-here could not be opened"):
        _run(["--out", str(out)])
    assert not out.exists()


@pytest.mark.model
def test_record_a_video_one_frame_per_second(tmp_path: Path) -> None:
    import cv2

    photos = sorted(SIDE_VIEW.glob("straight*.jpg"))
    video = tmp_path / "sitting.avi"
    fourcc = cv2.VideoWriter_fourcc(*"MJPG")  # type: ignore[attr-defined]
    writer = cv2.VideoWriter(str(video), fourcc, 4.0, (360, 640))
    for photo in photos:
        frame = cv2.resize(cv2.imread(str(photo)), (360, 640))
        for _ in range(4):  # each photo held for one second
            writer.write(frame)
    writer.release()
    out = tmp_path / "sitting.jsonl"
    assert _run(["--source", str(video), "--out", str(out), "--every", "1"]) == 0
    recorded = read_recording(out)
    assert [o.time_s for o in recorded] == [0.0, 1.0, 2.0]
    assert [o.index for o in recorded] == [0, 4, 8]
    assert all(o.pose is not None and o.path is None for o in recorded)
    assert (recorded[0].width, recorded[0].height) == (360, 640)


def test_skipped_lines_are_still_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    short = _with(_frame_line(1, 1.0), image=[[0.5, 0.5, 0, 1]] * 32)
    lines = [json.dumps(_header()), _GOOD, json.dumps(short), json.dumps(_frame_line(2, 9.0))]
    path.write_text("".join(line + "\n" for line in lines))
    with pytest.raises(RecordingError, match="line 3: field 'image' has 32 landmarks"):
        RecordingReader(path).read(not_before_s=5.0)
