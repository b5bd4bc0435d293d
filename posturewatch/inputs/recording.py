"""Landmark recordings: a session kept as numbers only, to replay or share (issue 7).

A recording holds what the pose model said of each analysed frame, never a pixel,
so a day of sitting can be replayed through calibration, the detector and the
report in seconds, without a camera or the model, and handed to someone else
without handing over a picture of one's face. The format is JSON lines
(gzip when the name ends in .gz); docs/landmark-recordings.md describes it field by
field so other tools and other 33-point BlazePose-topology models can write it.

This module imports neither mediapipe nor OpenCV: replaying must not load them.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import logging
import math
import os
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from itertools import chain, starmap
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from posturewatch.closing import Closing
from posturewatch.core.errors import UserError
from posturewatch.core.types import N_LANDMARKS, Landmark, Observation, Pose
from posturewatch.files import LimitedLines, RefusedFile, open_private, open_regular

if TYPE_CHECKING:
    from posturewatch.inputs.observations import ObservationSource

log = logging.getLogger(__name__)

FORMAT = "posturewatch-landmarks"
VERSION = 1
RECORDING_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
"""BlazePose topology, in the order every landmark list of a recording follows."""

_TIME_SLACK_S = 1e-9
"""Same tolerance as the frame sources when skipping to a requested time."""


class _Skipped:
    """A checked line before the time asked for."""


SKIPPED = _Skipped()


class RecordingError(UserError):
    """A recording that cannot be read or written; one line naming the file, and the
    line number when the problem is inside it."""


def _is_recording_name(path: Path) -> bool:
    return path.name.lower().endswith(RECORDING_SUFFIXES)


def _is_gzip_name(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _open_for_writing(path: Path, overwrite: bool) -> IO[str]:
    """Born readable by the user alone (it is their body, frame by frame), through
    the one guarded open: never through a link planted at `path`, never into a FIFO,
    device or another user's file; an existing file is emptied only after those
    checks (and made 0600)."""
    fd = open_private(path, exclusive=not overwrite, truncate=overwrite)
    raw = os.fdopen(fd, "wb")
    if _is_gzip_name(path):
        packed = gzip.GzipFile(filename=path.name, mode="wb", compresslevel=6, fileobj=raw)
        packed.myfileobj = raw  # type: ignore[assignment]  # closed with it (gzip keeps a handed-in file open)
        return io.TextIOWrapper(packed, encoding="utf-8")
    return io.TextIOWrapper(raw, encoding="utf-8")


MAX_LINE_BYTES = 1 << 20
"""A frame line is a few KB (33 landmarks twice); a longer one is not a recording."""
MAX_INFLATED_BYTES = 16 << 30
"""A recording is read as a stream; this caps what a gzip bomb can make it inflate
(a day at 30 frames a second is about 8 GB)."""


def _open_for_reading(path: Path) -> LimitedLines:
    """Bytes, decoded line by line, so a decoding error names its own line; a
    regular file only (a FIFO or /dev/zero is refused, never waited on or read),
    each line and the whole inflated stream capped."""
    raw = os.fdopen(open_regular(path), "rb")
    stream: IO[bytes] = raw
    if _is_gzip_name(path):
        packed = gzip.GzipFile(fileobj=raw, mode="rb")
        packed.myfileobj = raw  # type: ignore[assignment]  # closed with it
        stream = cast(IO[bytes], packed)
    return LimitedLines(stream, path, MAX_LINE_BYTES, MAX_INFLATED_BYTES)


# ---------------------------------------------------------------------------- writing


def _rows(landmarks: tuple[Landmark, ...]) -> list[list[float]]:
    return [[p.x, p.y, p.z, p.visibility] for p in landmarks]


def observation_to_json(obs: Observation) -> str:
    """One frame line, without the newline. json writes floats with repr, which
    parses back to the very same float, so replayed metrics equal live ones."""
    record: dict[str, Any] = {
        "index": obs.index,
        "time_s": obs.time_s,
        "width": obs.width,
        "height": obs.height,
    }
    if obs.path is not None:
        record["path"] = obs.path
    pose = obs.pose
    record["person"] = pose is not None
    record["image"] = _rows(pose.image) if pose is not None else None
    record["world"] = _rows(pose.world) if pose is not None and pose.world is not None else None
    try:
        return json.dumps(record, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise ValueError(f"frame {obs.index}: a landmark value is NaN or infinite") from None


class RecordingWriter(Closing):
    """Writes observations to a recording as they come.

    The file is created at once (an existing one is never overwritten unless asked),
    so a bad --out fails before the model loads. The header is written with the
    first frame, by when a live source knows which model it runs; lines are flushed
    every `flush_every` frames and every `flush_every_s` seconds of source time, so
    a crash loses at most that much and leaves a file the reader accepts.
    `file_names_only` drops the folders from frame paths, which may name the user.
    """

    def __init__(
        self,
        path: str | Path,
        source: str,
        model_name: str = "",
        model_version: str = "",
        *,
        fps: float | None = None,
        notes: str = "",
        overwrite: bool = False,
        created: datetime | None = None,
        flush_every: int = 30,
        flush_every_s: float = 5.0,
        file_names_only: bool = False,
    ) -> None:
        self.path = Path(path)
        if not _is_recording_name(self.path):
            raise RecordingError(
                f"{self.path}: a landmark recording's name must end in "
                f"{', '.join(RECORDING_SUFFIXES)} so it can be replayed"
            )
        self.source = source
        self.model_name = model_name
        self.model_version = model_version
        self.fps = fps
        self.notes = notes
        self.created = created or datetime.now(timezone.utc)
        self.flush_every = max(1, flush_every)
        self.flush_every_s = flush_every_s
        self.file_names_only = file_names_only
        self.frames = 0
        self.frames_with_person = 0
        self._header_written = False
        self._last_time_s: float | None = None
        self._unflushed = 0
        self._flushed_at_s = -math.inf
        try:
            self._file: IO[str] | None = _open_for_writing(self.path, overwrite)
        except FileExistsError:
            raise RecordingError(
                f"{self.path} already exists; choose another name (a recording is never "
                "replaced unless asked)"
            ) from None
        except OSError as exc:
            raise RecordingError(f"cannot write recording {self.path}: {exc.strerror}") from None

    @property
    def header_written(self) -> bool:
        return self._header_written

    def set_model(self, name: str, version: str) -> None:
        """Name the model once the source knows it; only before the first frame."""
        if self._header_written:
            raise ValueError("the recording's header is already written")
        self.model_name, self.model_version = name, version

    def adopt_model_of(self, source: object) -> None:
        """Take the model's name from a source that has read its first frame
        (EstimatedObservations, or a RecordingReader being re-recorded)."""
        if self._header_written or self.model_name:
            return
        name = getattr(source, "model_name", "")
        if isinstance(name, str) and name:
            self.set_model(name, str(getattr(source, "model_version", "")))

    def header(self, first: Observation | None = None) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "created": self.created.isoformat(timespec="seconds"),
            "source": self.source,
            "model": {"name": self.model_name, "version": self.model_version},
            "landmark_names": list(LANDMARK_NAMES),
            "frame_size": [first.width, first.height] if first is not None else None,
            "fps": self.fps,
            "notes": self.notes,
        }

    def _write_line(self, line: str) -> None:
        if self._file is None:
            raise ValueError(f"recording {self.path} is closed")
        try:
            self._file.write(line + "\n")
        except OSError as exc:
            raise RecordingError(f"cannot write recording {self.path}: {exc.strerror}") from None

    def _write_header(self, first: Observation | None) -> None:
        self._write_line(json.dumps(self.header(first), ensure_ascii=False))
        self._header_written = True

    def write(self, obs: Observation) -> None:
        if self._last_time_s is not None and obs.time_s < self._last_time_s:
            raise ValueError(
                f"frame {obs.index}: time {obs.time_s} s is before "
                f"the previous frame's {self._last_time_s} s"
            )
        if self.file_names_only and obs.path is not None:
            obs = dataclasses.replace(obs, path=Path(obs.path).name)
        line = observation_to_json(obs)
        if not self._header_written:
            self._write_header(obs)
        self._write_line(line)
        self._last_time_s = obs.time_s
        self.frames += 1
        self.frames_with_person += obs.pose is not None
        self._unflushed += 1
        if (
            self._unflushed >= self.flush_every
            or obs.time_s - self._flushed_at_s >= self.flush_every_s
        ):
            self.flush()
            self._flushed_at_s = obs.time_s

    def flush(self) -> None:
        if self._file is not None:
            try:
                self._file.flush()
            except OSError as exc:
                raise RecordingError(
                    f"cannot write recording {self.path}: {exc.strerror}"
                ) from None
            self._unflushed = 0

    def close(self) -> None:
        """Finish the file; a recording with no frame still gets its header."""
        if self._file is None:
            return
        try:
            if not self._header_written:
                self._write_header(None)
        finally:
            file, self._file = self._file, None
            try:
                file.close()
            except OSError as exc:
                raise RecordingError(
                    f"cannot write recording {self.path}: {exc.strerror}"
                ) from None


# ---------------------------------------------------------------------------- reading


def _is_int(value: object) -> bool:
    return type(value) is int


MAX_MEDIA_TIME_S = 1e9
"""The latest media time a recording may carry (31 years): beyond it, the epoch
times it labels leave the calendar (a jump of 1e12 s)."""
MAX_LANDMARK_VALUE = 1e4
"""Landmarks are fractions of the image (a little outside it when cut off) or metres."""
MAX_SIDE_PX = 100_000


def _is_number(value: object) -> bool:
    return (type(value) is float or type(value) is int) and math.isfinite(value)


_NUMBER_TYPES = frozenset({float, int})
_LIST_TYPE = {list}
_FOUR = {4}


class RecordingReader(Closing):
    """Replays a recording as an ObservationSource, line by line.

    Every line is checked as it is read (nothing is trusted because a file says it
    is a recording) and any problem is a RecordingError naming the file, the line
    and what is wrong. A last line cut short by a crash, with no newline, ends the
    recording with a warning instead: a crashed session keeps what was written.
    """

    live = False

    def __init__(self, path: str | Path, *, max_abs_value: float | None = None) -> None:
        self.path = Path(path)
        self.description = str(self.path)
        self.max_abs_value = max_abs_value
        """A run judges what it reads: a landmark beyond this (1e308) is refused then.
        None (read_recording): every finite value replays bit for bit."""
        self._lineno = 0
        self._last_time_s = -math.inf
        self._last_time_line = 0
        self._done = False
        try:
            self._file: LimitedLines | None = _open_for_reading(self.path)
        except FileNotFoundError:
            raise RecordingError(f"recording not found: {self.path}") from None
        except IsADirectoryError:
            raise RecordingError(f"{self.path}: is a folder, not a landmark recording") from None
        except OSError as exc:
            raise RecordingError(f"cannot read recording {self.path}: {exc.strerror}") from None
        try:
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise
        model = self.header["model"]
        self.model_name: str = model["name"]
        self.model_version: str = model["version"]
        self.source: str = self.header.get("source") or ""
        self.created: str = self.header.get("created") or ""

    # -- errors and raw lines

    def _error(self, problem: str, lineno: int | None = None) -> RecordingError:
        return RecordingError(f"{self.path}: line {lineno or self._lineno}: {problem}")

    def _next_line(self) -> tuple[str, bool] | None:
        """The next non-blank line and whether it was complete (ended by a newline)."""
        if self._file is None:
            return None
        while True:
            try:
                raw = self._file.readline()
            except EOFError:
                # A gzip stream that stops without its trailer: the writer crashed.
                log.warning(
                    "%s: ends abruptly after line %d; replaying what it holds",
                    self.path,
                    self._lineno,
                )
                return None
            except RefusedFile as exc:
                raise RecordingError(str(exc)) from None
            except (OSError, zlib.error) as exc:
                self._lineno += 1
                raise self._error(f"cannot read ({exc})") from None
            if not raw:
                return None
            self._lineno += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise self._error("not UTF-8 text") from None
            if line.strip():
                return line, line.endswith("\n")

    # -- header

    def _read_header(self) -> dict[str, Any]:
        got = self._next_line()
        if got is None:
            raise RecordingError(f"{self.path}: line 1: empty file, expected a {FORMAT} header")
        line, _complete = got
        try:
            header = json.loads(line)
        except json.JSONDecodeError as exc:
            raise self._error(f"bad JSON in the header ({exc.msg}, column {exc.colno})") from None
        if type(header) is not dict:
            raise self._error(f"the header must be a JSON object, as in {FORMAT} version {VERSION}")
        if header.get("format") != FORMAT:
            raise self._error(
                f"not a posturewatch landmark recording (format is {header.get('format')!r}, "
                f"expected {FORMAT!r})"
            )
        if "version" not in header:
            raise self._error("missing field 'version' in the header")
        if header["version"] != VERSION:
            raise self._error(
                f"unsupported version {header['version']!r} "
                f"(this posturewatch reads version {VERSION})"
            )
        model = header.get("model")
        if model is None:
            raise self._error("missing field 'model' in the header")
        if type(model) is not dict:
            raise self._error("header field 'model' must be an object with 'name' and 'version'")
        for key in ("name", "version"):
            if key not in model:
                raise self._error(f"missing field 'model.{key}' in the header")
            if type(model[key]) is not str:
                raise self._error(f"header field 'model.{key}' must be a string")
        if "landmark_names" not in header:
            raise self._error("missing field 'landmark_names' in the header")
        if header["landmark_names"] != list(LANDMARK_NAMES):
            raise self._error(
                f"'landmark_names' must be the {N_LANDMARKS} BlazePose names in order "
                "(see docs/landmark-recordings.md)"
            )
        for key in ("source", "created", "notes"):
            if header.get(key) is not None and type(header[key]) is not str:
                raise self._error(f"header field '{key}' must be a string")
        fps = header.get("fps")
        if fps is not None and not (_is_number(fps) and fps > 0):
            raise self._error("header field 'fps' must be a positive number or null")
        return header

    # -- frames

    def _check_landmarks(self, rows: Any, key: str) -> list[list[float]]:
        if type(rows) is not list:
            raise self._error(f"field '{key}' must be a list of {N_LANDMARKS} landmarks")
        if len(rows) != N_LANDMARKS:
            raise self._error(f"field '{key}' has {len(rows)} landmarks, expected {N_LANDMARKS}")
        # Whole-list checks in C first (a long replay reads millions of values); the
        # loop only runs to name the bad landmark.
        if set(map(type, rows)) != _LIST_TYPE or set(map(len, rows)) != _FOUR:
            for i, row in enumerate(rows):
                if type(row) is not list or len(row) != 4:
                    raise self._error(f"field '{key}': landmark {i} must be [x, y, z, visibility]")
        values = list(chain.from_iterable(rows))
        if not set(map(type, values)) <= _NUMBER_TYPES:
            raise self._error(f"field '{key}': a landmark value is not a number")
        if not all(map(math.isfinite, values)):
            raise self._error(f"field '{key}': a landmark value is not finite")
        limit = self.max_abs_value
        if limit is not None and values and max(map(abs, values)) > limit:
            raise self._error(
                f"field '{key}': a landmark value is beyond ±{limit:g} "
                "(coordinates are fractions of the image, or metres)"
            )
        return rows

    def _parse(
        self, line: str, complete: bool, not_before_s: float | None
    ) -> Observation | _Skipped | None:
        """The line's observation; SKIPPED when it is checked but lies before
        `not_before_s` (no Landmark objects are built for it); None when the
        recording ends here with a line cut short."""
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            if not complete:
                log.warning(
                    "%s: line %d was cut short (a crash while recording?); replaying up to it",
                    self.path,
                    self._lineno,
                )
                return None
            raise self._error(f"bad JSON ({exc.msg}, column {exc.colno})") from None
        if type(obj) is not dict:
            raise self._error("a frame must be a JSON object")
        try:
            index = obj["index"]
            time_s = obj["time_s"]
            width = obj["width"]
            height = obj["height"]
            person = obj["person"]
            image = obj["image"]
        except KeyError as exc:
            raise self._error(f"missing field {exc.args[0]!r}") from None
        if not (_is_int(index) and index >= 0):
            raise self._error("field 'index' must be a whole number >= 0")
        if not (_is_number(time_s) and 0 <= time_s <= MAX_MEDIA_TIME_S):
            raise self._error(f"field 'time_s' must be a number from 0 to {MAX_MEDIA_TIME_S:g} s")
        if not (
            _is_int(width)
            and 0 < width <= MAX_SIDE_PX
            and _is_int(height)
            and 0 < height <= MAX_SIDE_PX
        ):
            raise self._error(
                f"fields 'width' and 'height' must be whole numbers from 1 to {MAX_SIDE_PX}"
            )
        if type(person) is not bool:
            raise self._error("field 'person' must be true or false")
        path = obj.get("path")
        if path is not None and type(path) is not str:
            raise self._error("field 'path' must be a string or null")
        if time_s < self._last_time_s:
            raise self._error(
                f"landmarks out of order: time_s {time_s} is before {self._last_time_s} "
                f"on line {self._last_time_line}"
            )
        self._last_time_s = time_s
        self._last_time_line = self._lineno
        world = obj.get("world")
        if not person:
            if image is not None or world is not None:
                raise self._error("'person' is false but landmarks are given")
            pose = None
        else:
            if image is None:
                raise self._error("'person' is true but field 'image' is null")
            image = self._check_landmarks(image, "image")
            if world is not None:
                world = self._check_landmarks(world, "world")
        if not_before_s is not None and time_s + _TIME_SLACK_S < not_before_s:
            return SKIPPED
        if person:
            pose = Pose(
                tuple(starmap(Landmark, image)),
                tuple(starmap(Landmark, world)) if world is not None else None,
            )
        return Observation(index, time_s, width, height, pose, path)

    def read(self, not_before_s: float | None = None) -> Observation | None:
        """The next frame at or after `not_before_s`; None at the end. Skipped lines
        are still checked, so a bad line is reported wherever it is."""
        while not self._done:
            got = self._next_line()
            if got is None:
                self._done = True
                break
            obs = self._parse(*got, not_before_s)
            if obs is None:
                self._done = True
                break
            if isinstance(obs, Observation):
                return obs
        return None

    def __iter__(self) -> Iterator[Observation]:
        while (obs := self.read()) is not None:
            yield obs

    def release(self) -> None:
        """Nothing to let go of between checks: a file is not a camera."""

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            try:
                file.close()
            except OSError:
                pass


def read_recording(path: str | Path) -> list[Observation]:
    """Every observation of a (small) recording, e.g. a test fixture."""
    with RecordingReader(path) as reader:
        return list(reader)


# ---------------------------------------------------------------------------- live tee


class RecordingTee(Closing):
    """An ObservationSource that passes every observation on and records it, for
    `posturewatch run --record FILE`. Closing it closes both the source and the file.
    The model's name, known to the source only after its first frame, goes into the
    recording's header."""

    def __init__(self, source: ObservationSource, writer: RecordingWriter) -> None:
        self.source = source
        self.writer = writer
        self.live = source.live
        self.description = source.description

    def read(self, not_before_s: float | None = None) -> Observation | None:
        obs = self.source.read(not_before_s)
        if obs is None:
            return None
        self.writer.adopt_model_of(self.source)
        self.writer.write(obs)
        return obs

    def release(self) -> None:
        self.writer.flush()
        self.source.release()

    def close(self) -> None:
        try:
            self.source.close()
        finally:
            self.writer.close()
