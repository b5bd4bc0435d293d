"""The posture log: one local SQLite file of numbers, never pixels.

Samples are not stored one by one: each sample adds the time since the previous
sample (capped, so a paused or crashed service does not invent seated minutes) to
a time bucket, together with sums and maxima of the angles. A working year is a
few hundred thousand small rows, and the report reads a day in milliseconds.

Writes are batched in memory and committed every `flush_interval_s` of sample
time, so a sample costs a few dictionary updates and a crash loses at most the
last few seconds. A batch the database will not take (locked by another process,
a full disk, a read-only or immutable file) never raises into the caller and is
never dropped: it is appended to the journal beside the database
(`<db>.journal`, one fsync-ed JSON line per batch) and merged into the database
at the next flush that can write, or by the next open, exactly once (each merged
batch's id is recorded in the same transaction). What cannot reach the journal
either (the disk is full) stays in memory and is retried. `unwritten()` says what
is still outside the database, so a run can say so and exit non-zero. A corrupt file
is reported (StoreError) and never overwritten; `restore_backup` puts the daily
backup back in place and keeps the damaged file beside it.

Commands that only read (`report`, `status`) open the store with read_only=True:
SQLite's read-only mode, which never creates, migrates, backs up or chmods
anything, and leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import secrets
import shutil
import sqlite3
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from pathlib import Path
from typing import ClassVar, cast

from posturewatch.closing import Closing
from posturewatch.core.detector import DetectorSettings
from posturewatch.core.errors import UserError
from posturewatch.core.local_time import local_day_bounds, local_days_bounds
from posturewatch.core.settings import check_between
from posturewatch.core.types import DetectorUpdate, PostureMetrics, Prompt, PromptAnswer
from posturewatch.files import RefusedFile, not_regular, open_private, open_regular, private_dir

log = logging.getLogger(__name__)

BACKUP_INTERVAL_S = 86400.0
"""A backup is taken at open when the last one is older than this."""

RESTORE_HINT = "run `posturewatch report --restore-backup` to restore the last daily backup"


def restore_hint(path: Path) -> str:
    """What to do about a damaged database: restore its backup where there is one,
    else move the file aside (never advise a restore that would answer "no backup")."""
    if backup_path(path).exists():
        return RESTORE_HINT
    return (
        f"there is no backup to restore; move the file aside (e.g. to {path.name}.damaged) "
        "and posturewatch starts a new database"
    )


# Event kinds written by the monitor and the service (free strings; these are the known ones).
EVENT_CALIBRATION = "calibration"
EVENT_SETUP_CHANGE = "setup_change"
EVENT_PAUSE = "pause"
EVENT_RESUME = "resume"


class StoreError(UserError):
    """The database cannot be used (corrupt, from a newer version, not ours). The
    message names the file and the way out; the file itself is left untouched."""


@dataclass(frozen=True)
class StoreSettings:
    RETIRED_KEYS: ClassVar[frozenset[str]] = frozenset({"max_sample_gap_s"})
    """Now the detector's max_sample_gap_s."""

    bucket_s: int = 60
    """Width of a time bucket. Must divide 900 s so buckets line up with local
    midnight in every time zone (all UTC offsets are whole quarter hours)."""
    retention_days: int = 365
    """prune() deletes everything older than this."""
    flush_interval_s: float = 5.0
    """Sample time between commits: the most a crash can lose."""
    lock_timeout_s: float = 0.5
    """How long a flush waits for another process's write lock before keeping the
    batch for the next flush (close() waits longer)."""

    def __post_init__(self) -> None:
        if not 10 <= self.bucket_s <= 900 or 900 % self.bucket_s:
            raise ValueError("bucket_s: must divide 900 (e.g. 30, 60, 300, 900)")
        if self.retention_days < 1:
            raise ValueError("retention_days: must be at least 1")
        if not 0 < self.flush_interval_s <= 600:
            raise ValueError("flush_interval_s: must be between 0 and 600 seconds")
        check_between("lock_timeout_s", self.lock_timeout_s, 0, 30, "seconds")


# --- what the report reads -------------------------------------------------------------

SECOND_COLUMNS = (
    "good_s",
    "poor_head_s",
    "poor_shoulder_s",
    "poor_both_s",
    "poor_sink_s",
    "uncertain_s",
    "away_s",
)
"""poor_sink_s: sunk in the chair (head and shoulders lower together), schema 2."""
METRIC_NAMES = ("head", "shoulder", "head_dev", "shoulder_dev")
"""head/shoulder: head_forward_deg and shoulder_rounding_deg of the metrics;
head_dev/shoulder_dev: the detector's smoothed deviations from the baseline."""


@dataclass(frozen=True)
class Bucket:
    """One time bucket (or a sum of buckets). Seconds per state; angle statistics
    over judged samples (good or poor) only, since 'uncertain' means the angles are
    not to be trusted (looking down, head turned)."""

    start_s: float
    good_s: float = 0.0
    poor_head_s: float = 0.0
    poor_shoulder_s: float = 0.0
    poor_both_s: float = 0.0
    poor_sink_s: float = 0.0
    uncertain_s: float = 0.0
    away_s: float = 0.0
    samples: int = 0
    head_n: int = 0
    head_sum: float = 0.0
    head_max: float | None = None
    shoulder_n: int = 0
    shoulder_sum: float = 0.0
    shoulder_max: float | None = None
    head_dev_n: int = 0
    head_dev_sum: float = 0.0
    head_dev_max: float | None = None
    shoulder_dev_n: int = 0
    shoulder_dev_sum: float = 0.0
    shoulder_dev_max: float | None = None

    @property
    def poor_s(self) -> float:
        return self.poor_head_s + self.poor_shoulder_s + self.poor_both_s + self.poor_sink_s

    @property
    def seated_s(self) -> float:
        return self.good_s + self.poor_s + self.uncertain_s

    def mean(self, name: str) -> float | None:
        """Mean of one of METRIC_NAMES, None without judged samples."""
        n: int = getattr(self, f"{name}_n")
        return getattr(self, f"{name}_sum") / n if n else None


@dataclass(frozen=True)
class PromptRecord:
    """A prompt and the user's last answer to it (None while unanswered)."""

    id: str
    time_s: float
    kind: str
    routine_id: str
    title: str
    level: int
    answer: str | None
    answer_s: float | None


@dataclass(frozen=True)
class EventRecord:
    time_s: float
    kind: str
    detail: str


# --- schema ----------------------------------------------------------------------------

_BUCKET_COLUMNS = (
    "start_s",
    *SECOND_COLUMNS,
    "samples",
    *(f"{m}_{x}" for m in METRIC_NAMES for x in ("n", "sum", "max")),
)

_SCHEMA1_SECOND_COLUMNS = (
    "good_s",
    "poor_head_s",
    "poor_shoulder_s",
    "poor_both_s",
    "uncertain_s",
    "away_s",
)
"""The seconds columns the initial schema created (migration 0 -> 1 must not change)."""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: the initial schema.
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE buckets (start_s INTEGER PRIMARY KEY, "
        + ", ".join(f"{c} REAL NOT NULL DEFAULT 0" for c in _SCHEMA1_SECOND_COLUMNS)
        + ", samples INTEGER NOT NULL DEFAULT 0, "
        + ", ".join(
            f"{m}_n INTEGER NOT NULL DEFAULT 0, {m}_sum REAL NOT NULL DEFAULT 0, {m}_max REAL"
            for m in METRIC_NAMES
        )
        + ")",
        "CREATE TABLE prompts (id TEXT PRIMARY KEY, time_s REAL NOT NULL, kind TEXT NOT NULL, "
        "routine_id TEXT NOT NULL, title TEXT NOT NULL, level INTEGER NOT NULL)",
        "CREATE INDEX prompts_time ON prompts(time_s)",
        "CREATE TABLE answers (prompt_id TEXT NOT NULL, answer TEXT NOT NULL, "
        "time_s REAL NOT NULL)",
        "CREATE INDEX answers_prompt ON answers(prompt_id, time_s)",
        "CREATE TABLE events (time_s REAL NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL)",
        "CREATE INDEX events_time ON events(time_s)",
    ),
    # 1 -> 2: time sunk in the chair, a deviation of its own.
    ("ALTER TABLE buckets ADD COLUMN poor_sink_s REAL NOT NULL DEFAULT 0",),
)
"""MIGRATIONS[i] takes a database from `PRAGMA user_version` i to i + 1. Append, never edit."""

SCHEMA_VERSION = len(MIGRATIONS)

_UPSERT_BUCKET = (
    f"INSERT INTO buckets ({', '.join(_BUCKET_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _BUCKET_COLUMNS)}) ON CONFLICT(start_s) DO UPDATE SET "
    + ", ".join(
        [f"{c} = {c} + excluded.{c}" for c in (*SECOND_COLUMNS, "samples")]
        + [f"{m}_{x} = {m}_{x} + excluded.{m}_{x}" for m in METRIC_NAMES for x in ("n", "sum")]
        + [
            f"{m}_max = CASE WHEN {m}_max IS NULL OR excluded.{m}_max > {m}_max "
            f"THEN excluded.{m}_max ELSE {m}_max END"
            for m in METRIC_NAMES
        ]
    )
)

# Accumulator layout: a flat list per bucket, cheap to update once a second.
_N_SECONDS = len(SECOND_COLUMNS)
_SAMPLES = _N_SECONDS
_METRIC0 = _SAMPLES + 1  # then (n, sum, max) per metric
_ACC_LEN = _METRIC0 + 3 * len(METRIC_NAMES)
_GOOD, _POOR_HEAD, _POOR_SHOULDER, _POOR_BOTH, _POOR_SINK, _UNCERTAIN, _AWAY = range(_N_SECONDS)
_POOR_COLUMN = {
    "head_forward": _POOR_HEAD,
    "shoulder_rounding": _POOR_SHOULDER,
    "both": _POOR_BOTH,
    "sinking": _POOR_SINK,
}


def _new_acc() -> list[float]:
    acc = [0.0] * _ACC_LEN
    for i in range(len(METRIC_NAMES)):
        acc[_METRIC0 + 3 * i + 2] = -math.inf
    return acc


def _state_column(update: DetectorUpdate) -> int:
    """Where a sample's time goes. Seated time is split by the posture of the
    moment (`poor_now`), not by the persistent state that gates prompts: a
    slouch counts from when it began, not from when it had lasted long enough
    to prompt."""
    if update.state == "away":
        return _AWAY
    if update.state == "uncertain":
        return _UNCERTAIN
    if update.poor_now is not None:
        return _POOR_COLUMN[update.poor_now]
    if update.state == "good":
        return _GOOD
    if update.dominant is not None:
        return _POOR_COLUMN[update.dominant]
    # Poor without a named deviation: blame the larger one, or both when unknown.
    h, s = update.head_dev_deg, update.shoulder_dev_deg
    if h is not None and s is not None and h != s:
        return _POOR_HEAD if h > s else _POOR_SHOULDER
    return _POOR_BOTH


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    msg = str(exc).lower()
    return any(
        s in msg for s in ("not a database", "malformed", "corrupt", "disk image", "encrypted")
    )


def _is_read_only(exc: sqlite3.Error) -> bool:
    msg = str(exc).lower()
    return "readonly" in msg or "read-only" in msg


def _is_busy(exc: sqlite3.Error) -> bool:
    msg = str(exc).lower()
    return "locked" in msg or "busy" in msg


def _create_private_file(path: Path) -> None:
    """Create an empty file only the user can read (SQLite gives its -wal and -shm
    files the same mode)."""
    os.close(open_private(path, exclusive=True))


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _side_files(path: Path) -> tuple[Path, Path]:
    """SQLite's -wal and -shm beside the database."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def journal_path(path: Path) -> Path:
    """Batches measured but not yet in the database (see the module docstring)."""
    return path.with_name(path.name + ".journal")


def reserve_path(path: Path) -> Path:
    """Room kept on the disk for the journal: freed when the disk is full at the end."""
    return path.with_name(path.name + ".reserve")


MAX_JOURNAL_LINE = 64 << 20
"""A batch is a few KB (a day kept in memory by a failing disk, a few hundred KB);
a longer line is not one of ours and is skipped, never read whole."""

RESERVE_BYTES = 256 * 1024
"""Enough for the journal of a day's buckets that a full disk kept out of the database."""

_JOURNAL_MARK = "journal:"
"""meta key prefix of a journal batch already merged (its id follows)."""

Rows = list[tuple[object, ...]]


@dataclass
class _Batch:
    """One batch as the database takes it: bucket rows (UPSERT, additive), prompts,
    answers and events, with the id that makes merging it idempotent."""

    id: str
    buckets: Rows
    prompts: Rows
    answers: Rows
    events: Rows

    def to_line(self) -> bytes:
        data = {
            "id": self.id,
            "buckets": self.buckets,
            "prompts": self.prompts,
            "answers": self.answers,
            "events": self.events,
        }
        body = json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
        return body + b" %08x\n" % zlib.crc32(body)

    @classmethod
    def from_line(cls, line: bytes) -> _Batch:
        """ValueError for anything but a batch this module wrote: each line ends in
        the CRC-32 of its JSON, so a torn or damaged line is told from a whole one
        (a line without one is from an older posturewatch, and read as JSON)."""
        line = line.strip()
        body, _, crc = line.rpartition(b" ")
        if body and len(crc) == 8 and not line.endswith(b"}"):
            try:
                expected = int(crc, 16)
            except ValueError:
                raise ValueError("not a batch") from None
            if zlib.crc32(body) != expected:
                raise ValueError("checksum mismatch (a torn or damaged line)")
            line = body
        data = json.loads(line)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ValueError("not a batch")
        shapes = {
            "buckets": len(_BUCKET_COLUMNS),
            "prompts": 6,
            "answers": 3,
            "events": 3,
        }
        parts: dict[str, Rows] = {}
        for name, width in shapes.items():
            rows = data.get(name)
            if not isinstance(rows, list):
                raise ValueError(f"{name}: not a list")
            out: Rows = []
            for row in rows:
                if not isinstance(row, list) or len(row) != width:
                    raise ValueError(f"{name}: a row of the wrong shape")
                for v in row:
                    if isinstance(v, bool) or not (v is None or isinstance(v, str | int | float)):
                        raise ValueError(f"{name}: a value of the wrong type")
                    if isinstance(v, float) and not math.isfinite(v):
                        raise ValueError(f"{name}: a non-finite number")
                out.append(tuple(row))
            parts[name] = out
        return cls(
            data["id"], parts["buckets"], parts["prompts"], parts["answers"], parts["events"]
        )

    def apply(self, conn: sqlite3.Connection) -> None:
        _add_buckets(conn, self.buckets)
        conn.executemany(
            "INSERT OR IGNORE INTO prompts (id, time_s, kind, routine_id, title, level) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            self.prompts,
        )
        conn.executemany(
            "INSERT INTO answers (prompt_id, answer, time_s) VALUES (?, ?, ?)", self.answers
        )
        conn.executemany("INSERT INTO events (time_s, kind, detail) VALUES (?, ?, ?)", self.events)

    @property
    def minutes(self) -> int:
        return len(self.buckets)


_OVERLAP_TOLERANCE_S = 0.5
"""Rounding between flushes of one run never comes near this; a second run over the
same minutes does."""
_overlap_told: set[int] = set()
"""Connections (one per open store, so one per run; by id, as they take no weak
reference) that have said so already."""


def _add_buckets(conn: sqlite3.Connection, rows: Rows) -> None:
    """Add bucket rows without ever putting more time into a bucket than it spans.

    Buckets are additive, so a second replay or timeline over hours already stored (a
    recording run twice, two recordings of the same morning, a clock set back between
    runs) would count the same minutes twice. The time already stored is kept: an
    incoming row is scaled down to the room left in its bucket (nothing when it is
    full), and the run says so once."""
    if not rows:
        return
    width = _stored_bucket_width(conn)
    stored = _stored_seconds(conn, [row[0] for row in rows])
    first = _BUCKET_COLUMNS.index(SECOND_COLUMNS[0])
    kept: Rows = []
    overlap_from: float | None = None
    for row in rows:
        try:
            seconds = sum(float(cast(float, v)) for v in row[first : first + len(SECOND_COLUMNS)])
            room = max(0.0, width - stored.get(int(cast(int, row[0])), 0.0))
        except (TypeError, ValueError):  # not numbers: SQLite's affinity decides, as before
            kept.append(row)
            continue
        if seconds <= room + _OVERLAP_TOLERANCE_S:
            kept.append(row)
            continue
        if overlap_from is None:
            overlap_from = float(cast(float, row[0]))
        if room > _OVERLAP_TOLERANCE_S:
            with contextlib.suppress(TypeError, ValueError):  # a row no store wrote: refused
                kept.append(_scaled_row(row, room / seconds, first))
    conn.executemany(_UPSERT_BUCKET, kept)
    if overlap_from is not None and id(conn) not in _overlap_told:
        _overlap_told.add(id(conn))
        try:
            since = time.strftime("%Y-%m-%d %H:%M", time.localtime(overlap_from))
        except (OverflowError, OSError, ValueError):
            since = f"{overlap_from:.0f}"
        log.warning(
            "the time from %s on is already in the database (another run or recording of "
            "the same hours): the stored time is kept, and this run's time there is not "
            "counted again",
            since,
        )


def _stored_bucket_width(conn: sqlite3.Connection) -> float:
    row = conn.execute("SELECT value FROM meta WHERE key = 'bucket_s'").fetchone()
    try:
        width = float(row[0]) if row else 60.0
    except (TypeError, ValueError):
        width = 60.0
    return width if math.isfinite(width) and width > 0 else 60.0


def _stored_seconds(conn: sqlite3.Connection, keys: list[object]) -> dict[int, float]:
    """The time each of `keys`' buckets holds already."""
    total = " + ".join(SECOND_COLUMNS)
    out: dict[int, float] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        for key, seconds in conn.execute(
            f"SELECT start_s, {total} FROM buckets WHERE start_s IN ({marks})", chunk
        ):
            with contextlib.suppress(TypeError, ValueError):
                out[int(key)] = float(seconds)
    return out


def _scaled_row(row: tuple[object, ...], share: float, first: int) -> tuple[object, ...]:
    """`row` with its seconds, samples and angle counts and sums scaled by `share`
    (the angle means and maxima stay what they were)."""
    out = list(row)
    for i in range(first, first + len(SECOND_COLUMNS)):
        out[i] = float(cast(float, row[i])) * share
    samples = first + len(SECOND_COLUMNS)
    out[samples] = round(int(cast(int, row[samples])) * share)
    for m in range(len(METRIC_NAMES)):
        n_i = samples + 1 + 3 * m
        n = round(int(cast(int, row[n_i])) * share)
        out[n_i] = n
        out[n_i + 1] = float(cast(float, row[n_i + 1])) * share
        if n == 0:
            out[n_i + 2] = None
    return tuple(out)


def _refuse_emptied(path: Path) -> None:
    """An emptied database (a full disk, a bad copy) with a backup beside it is an
    error: starting afresh would let the next daily backup replace the good one."""
    if path.is_file() and path.stat().st_size == 0 and backup_path(path).exists():
        raise StoreError(f"the database {path} is empty but has a backup: {RESTORE_HINT}")


RETRY_MAX_S = 30.0
"""After a failed write the database is tried again after 1, 2, 4 ... s, at most this
(of real time); meanwhile batches go straight to the journal, without a lock wait."""

OPEN_TIMEOUT_S = 5.0
"""How long opening (and migrating) waits for another process's lock."""


@contextmanager
def _immediate(conn: sqlite3.Connection, timeout_s: float) -> Iterator[None]:
    """One write transaction: the write lock up front (waiting up to timeout_s for
    another process's), committed at the end, rolled back on any error."""
    conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _migrate(conn: sqlite3.Connection, bucket_s: int) -> list[int]:
    """Apply the MIGRATIONS a database lacks; returns the versions it went through."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    reached: list[int] = []
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with _immediate(conn, OPEN_TIMEOUT_S):
            for statement in MIGRATIONS[target - 1]:
                conn.execute(statement)
            if target == 1:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('bucket_s', ?)", (str(bucket_s),)
                )
            conn.execute(f"PRAGMA user_version = {target}")
        reached.append(target)
    return reached


class Store(Closing):
    """The posture log of one user. One writer (the service) and any number of
    readers (reports, `status`) may have the file open at once; methods are
    thread-safe within a process.

    read_only=True opens the file as it is, for commands that only read: nothing is
    created, migrated, backed up or chmod-ed, and the add_* methods, prune and
    backup raise. max_sample_gap_s is the detector's (DetectorSettings): a sample
    accounts for the time since the previous one, at most that long."""

    def __init__(
        self,
        path: Path,
        settings: StoreSettings | None = None,
        clock: Callable[[], float] | None = None,
        *,
        read_only: bool = False,
        max_sample_gap_s: float = DetectorSettings.max_sample_gap_s,
    ) -> None:
        if not max_sample_gap_s > 0:
            raise ValueError("max_sample_gap_s: must be positive")
        self.path = Path(path)
        self.settings = settings or StoreSettings()
        self.read_only = read_only
        self.max_sample_gap_s = max_sample_gap_s
        self._clock = clock or time.time
        self._lock = threading.RLock()
        self._pending: dict[int, list[float]] = {}
        self._prompts: list[tuple[str, float, str, str, str, int]] = []
        self._answers: list[tuple[str, str, float]] = []
        self._events: list[tuple[float, str, str]] = []
        self._last_sample_s: float | None = None
        self._last_flush_s: float | None = None
        self._write_failing = False
        self._journaled = 0
        self._failures = 0
        self._retry_at = 0.0
        self._last_error: str | None = None
        self._closed = False
        self._replaced_said = False
        self._conn = self._open_read_only() if read_only else self._open()
        self._identity = None if read_only else _identity(self.path)
        try:
            self.bucket_s = self._bucket_width()
            if not read_only:
                self._journaled = len(self._read_journal())
                if self._journaled:
                    log.info("merging %s into %s", journal_path(self.path), self.path)
                    self._write(OPEN_TIMEOUT_S, retry=True)
                if self._backup_due():
                    self.backup()
                self._keep_reserve()
        except BaseException:
            self._conn.close()
            raise

    # --- opening -----------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        path = self.path
        try:
            private_dir(path.parent)
            if path.is_symlink():
                # Planted in a shared folder, it would send the posture log elsewhere.
                raise StoreError(
                    f"the database {path} is a symbolic link; refusing to write through it "
                    "(move the real file there)"
                )
            kind = not_regular(path)
            if kind is not None:
                raise StoreError(f"the database {path} is {kind}, not a file")
            for side in _side_files(path):
                if side.is_symlink() or not_regular(side) is not None:
                    raise StoreError(
                        f"{side} is not a regular file; refusing to open the database beside it"
                    )
            if not path.exists():
                if backup_path(path).exists():
                    # Starting afresh would let the next daily backup replace the good one.
                    raise StoreError(
                        f"the database {path} is missing but its backup "
                        f"{backup_path(path)} exists: {RESTORE_HINT}"
                    )
                _create_private_file(path)
            else:
                if not path.is_file():
                    raise StoreError(f"the database {path} is not a file")
                _refuse_emptied(path)
                if hasattr(os, "geteuid") and path.stat().st_uid != os.geteuid():
                    raise StoreError(
                        f"the database {path} belongs to another user; refusing to write to it"
                    )
                if sys.platform != "win32" and path.stat().st_mode & 0o077:
                    try:
                        os.chmod(path, 0o600)
                    except OSError as exc:
                        log.warning("cannot make %s private: %s", path, exc.strerror or exc)
        except OSError as exc:
            raise StoreError(f"cannot create the database {path}: {exc.strerror or exc}") from None
        conn = self._connect(str(path))
        try:
            # Read-only checks first: nothing is written to a file that fails them.
            self._check(conn)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.OperationalError as exc:
                # A read-only or immutable file: measured data goes to the journal.
                log.warning("the database %s cannot be written (%s)", path, exc)
            try:
                for version in _migrate(conn, self.settings.bucket_s):
                    log.info("database %s migrated to schema %d", path, version)
            except sqlite3.Error as exc:
                raise StoreError(
                    f"cannot prepare the database {path} ({exc}); "
                    "is it read-only, or is the disk full?"
                ) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        path = self.path
        kind = not_regular(path)
        if kind is not None:
            raise StoreError(f"the database {path} is {kind}, not a file")
        try:
            _refuse_emptied(path)
        except OSError as exc:
            raise StoreError(f"cannot open the database {path}: {exc.strerror or exc}") from None
        # A reader of a WAL database goes through its -wal and -shm files, and SQLite
        # creates them when they are missing. They exist while a writer (the service)
        # has the file open, and then this reads the writer's latest commits through
        # them. Without a -wal no process has the file open and all of it is in the
        # file itself: read it as immutable, which creates nothing beside it.
        wal = path.with_name(path.name + "-wal")
        query = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
        conn = self._connect(f"{path.resolve().as_uri()}?{query}", uri=True)
        try:
            version = self._check(conn)
        except BaseException:
            conn.close()
            raise
        if version == SCHEMA_VERSION:
            return conn
        conn.close()
        if version > 0:
            raise StoreError(
                f"the database {path} has the schema of an older posturewatch ({version}, "
                f"this one reads {SCHEMA_VERSION}); run `posturewatch run` once to upgrade it"
            )
        # An empty file (_check refuses any other SQLite file without a schema
        # version): read it as the empty log it is, from memory.
        empty = self._connect(":memory:")
        _migrate(empty, self.settings.bucket_s)
        return empty

    def _connect(self, database: str, uri: bool = False) -> sqlite3.Connection:
        try:
            return sqlite3.connect(
                database,
                timeout=OPEN_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
                uri=uri,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from None

    def _check(self, conn: sqlite3.Connection) -> int:
        """Refuse a damaged, newer or foreign file; returns its schema version."""
        path = self.path
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            result = [r[0] for r in conn.execute("PRAGMA quick_check")]
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc) and not _is_corruption(exc):
                raise StoreError(
                    f"the database {path} is locked by another program; try again"
                ) from None
            if isinstance(exc, sqlite3.OperationalError) and not _is_corruption(exc):
                raise StoreError(f"cannot read the database {path}: {exc}") from None
            raise StoreError(
                f"the database {path} is damaged ({exc}); it was left untouched: "
                f"{restore_hint(path)}"
            ) from None
        if result != ["ok"]:
            raise StoreError(
                f"the database {path} is damaged ({result[0]}); it was left untouched: "
                f"{restore_hint(path)}"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database {path} was written by a newer posturewatch (schema "
                f"{version}, this one knows {SCHEMA_VERSION}); upgrade posturewatch"
            )
        if version == 0 and tables:
            raise StoreError(
                f"{path} is an SQLite file that posturewatch did not create; "
                "move it away or choose another data directory"
            )
        if version > 0:
            self._check_schema(conn, version)
        return version

    def _check_schema(self, conn: sqlite3.Connection, version: int) -> None:
        """A tampered file (a table dropped, a column renamed) is one line, not a
        traceback in the middle of a report."""
        expected = {
            "meta": ("key", "value"),
            "buckets": _BUCKET_COLUMNS,
            "prompts": ("id", "time_s", "kind", "routine_id", "title", "level"),
            "answers": ("prompt_id", "answer", "time_s"),
            "events": ("time_s", "kind", "detail"),
        }
        for table, columns in expected.items():
            try:
                have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            except sqlite3.DatabaseError as exc:  # pragma: no cover - quick_check passed
                raise StoreError(
                    f"the database {self.path} is damaged ({exc}): {restore_hint(self.path)}"
                ) from None
            missing = [c for c in columns if c not in have]
            if missing:
                what = f"table {table} is missing" if not have else f"{table} lacks {missing[0]}"
                raise StoreError(
                    f"the database {self.path} is damaged ({what}); it was left untouched: "
                    f"{restore_hint(self.path)}"
                )

    def _bucket_width(self) -> int:
        """The bucket width the file was created with wins over the settings, so one
        file never mixes widths."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'bucket_s'").fetchone()
        try:
            width = int(row[0]) if row else self.settings.bucket_s
            StoreSettings(bucket_s=width)
        except (TypeError, ValueError):
            raise StoreError(
                f"the database {self.path} is damaged (meta bucket_s is {row[0]!r}, not a "
                f"bucket width): {restore_hint(self.path)}"
            ) from None
        if width != self.settings.bucket_s:
            log.info("database %s keeps its bucket width of %d s", self.path, width)
        return width

    # --- writing -----------------------------------------------------------------------

    def _acc(self, key: int) -> list[float]:
        acc = self._pending.get(key)
        if acc is None:
            acc = self._pending[key] = _new_acc()
        return acc

    def _writable(self) -> None:
        if self.read_only:
            raise RuntimeError(f"the database {self.path} was opened read-only")

    def add_sample(self, update: DetectorUpdate, metrics: PostureMetrics | None) -> None:
        """Account for the time since the previous sample (at most max_sample_gap_s)
        in the state of this one, split exactly at bucket boundaries."""
        self._writable()
        t = float(update.time_s)
        if not math.isfinite(t):
            return
        col = _state_column(update)
        bs = self.bucket_s
        with self._lock:
            prev = self._last_sample_s
            self._last_sample_s = t
            duration = 0.0 if prev is None or t <= prev else min(t - prev, self.max_sample_gap_s)
            key = int(t // bs) * bs
            acc = self._acc(key)
            if duration > 0.0:
                begin = t - duration
                if begin >= key:
                    acc[col] += duration
                else:
                    acc[col] += t - key
                    k = key - bs
                    while k + bs > begin:
                        self._acc(k)[col] += (k + bs) - max(begin, k)
                        k -= bs
            acc[_SAMPLES] += 1
            if update.state in ("good", "poor"):
                values = (
                    metrics.head_forward_deg if metrics is not None else None,
                    metrics.shoulder_rounding_deg if metrics is not None else None,
                    update.head_dev_deg,
                    update.shoulder_dev_deg,
                )
                for i, v in enumerate(values):
                    if v is not None and math.isfinite(v):
                        j = _METRIC0 + 3 * i
                        acc[j] += 1
                        acc[j + 1] += v
                        if v > acc[j + 2]:
                            acc[j + 2] = v
            self._maybe_flush(t)

    def add_prompt(self, prompt: Prompt) -> None:
        self._writable()
        with self._lock:
            self._prompts.append(
                (
                    prompt.id,
                    float(prompt.time_s),
                    prompt.kind,
                    prompt.routine.id,
                    prompt.title,
                    int(prompt.level),
                )
            )
            self._maybe_flush(prompt.time_s)

    def add_answer(self, answer: PromptAnswer) -> None:
        self._writable()
        with self._lock:
            self._answers.append((answer.prompt_id, answer.answer, float(answer.time_s)))
            self._maybe_flush(answer.time_s)

    def add_event(self, time_s: float, kind: str, detail: str = "") -> None:
        """Calibrations, setup changes, pauses, starts and stops (see EVENT_*)."""
        self._writable()
        with self._lock:
            self._events.append((float(time_s), kind, detail))
            self._maybe_flush(time_s)

    def _maybe_flush(self, time_s: float) -> None:
        last = self._last_flush_s
        if last is None or time_s < last:
            self._last_flush_s = time_s
        elif time_s - last >= self.settings.flush_interval_s:
            self._last_flush_s = time_s
            self._write(self.settings.lock_timeout_s)

    @property
    def pending(self) -> bool:
        """True while something measured is not yet in the database (in memory, or
        in the journal waiting to be merged)."""
        return bool(
            self._pending or self._prompts or self._answers or self._events or self._journaled
        )

    def unwritten(self) -> str | None:
        """None when everything measured is in the database; otherwise a sentence
        saying what is not and where it is (the journal, or nowhere but memory)."""
        with self._lock:
            parts = []
            if self._journaled:
                parts.append(
                    f"{self._journaled} batch(es) of posture data could not be written to "
                    f"{self.path} ({self._last_error or 'unknown error'}); they are kept in "
                    f"{journal_path(self.path)} and go into the database the next time it "
                    "can be written"
                )
            if self._pending or self._prompts or self._answers or self._events:
                parts.append(
                    f"could not write the last {len(self._pending)} minute(s) of posture data "
                    f"to {self.path} or its journal ({self._last_error or 'unknown error'}); "
                    "they are lost"
                )
            return "; ".join(parts) or None

    def flush(self) -> bool:
        """Write the batch (and any journal) now. False when the database was busy or
        failing: the batch went to the journal (or stays in memory) for the next flush."""
        with self._lock:
            if self._closed:
                return not self.pending
            return self._write(self.settings.lock_timeout_s, retry=True)

    def _take_batch(self) -> _Batch | None:
        if not (self._pending or self._prompts or self._answers or self._events):
            return None
        rows: Rows = [
            (
                key,
                *acc[:_METRIC0],
                *(
                    v
                    for i in range(len(METRIC_NAMES))
                    for v in (
                        int(acc[_METRIC0 + 3 * i]),
                        acc[_METRIC0 + 3 * i + 1],
                        acc[_METRIC0 + 3 * i + 2] if acc[_METRIC0 + 3 * i] else None,
                    )
                ),
            )
            for key, acc in sorted(self._pending.items())
        ]
        return _Batch(
            secrets.token_hex(8), rows, list(self._prompts), list(self._answers), list(self._events)
        )

    def _clear_memory(self) -> None:
        self._pending.clear()
        self._prompts.clear()
        self._answers.clear()
        self._events.clear()

    def _read_journal(self) -> list[_Batch]:
        """The journal's batches; a torn last line (a crash mid-append) or a line this
        module did not write is skipped with a warning."""
        path = journal_path(self.path)
        try:
            fd = open_regular(path, follow=False)
        except FileNotFoundError:
            return []
        except OSError as exc:
            # A FIFO or device planted there: never waited on nor read; nothing of ours.
            log.warning("%s", exc if isinstance(exc, RefusedFile) else f"{path}: {exc}")
            return []
        batches = []
        with os.fdopen(fd, "rb") as f:
            n = 0
            while line := f.readline(MAX_JOURNAL_LINE + 1):
                n += 1
                if len(line) > MAX_JOURNAL_LINE:
                    log.warning("%s line %d is too long; skipped", path, n)
                    while line and not line.endswith(b"\n"):
                        line = f.readline(MAX_JOURNAL_LINE)
                    continue
                if not line.strip():
                    continue
                try:
                    batches.append(_Batch.from_line(line))
                except (ValueError, RecursionError) as exc:
                    log.warning("%s line %d is unreadable (%s); skipped", path, n, exc)
        return batches

    def _append_journal(self, batch: _Batch) -> bool:
        """Append one batch durably (fsync); False when even that fails (full disk)."""
        path = journal_path(self.path)
        line = batch.to_line()
        try:
            fd = open_private(path, append=True, readable=True)
            try:
                # A torn last line (a crash mid-append) ends here, on its own line,
                # instead of swallowing this batch.
                if os.lseek(fd, 0, os.SEEK_END) and (
                    os.lseek(fd, -1, os.SEEK_END) >= 0 and os.read(fd, 1) != b"\n"
                ):
                    line = b"\n" + line
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            # A partial line is skipped as torn on reading; the batch stays in memory.
            self._last_error = (
                str(exc) if isinstance(exc, RefusedFile) else exc.strerror or str(exc)
            )
            return False
        return True

    def _same_file(self) -> bool:
        """Is the file at self.path still the one the connection writes? A sync
        client, a cleanup tool or the user may remove or replace it under a running
        writer, which would then write into a file nobody can see. Removed: it is
        recreated from the open connection (everything it held, nothing lost).
        Replaced: the new file is not ours to write blind; batches go to the journal
        and into that file at the next start. Said once, in a warning."""
        if self._identity is None or _identity(self.path) == self._identity:
            return True
        if _identity(self.path) is None and self._recreate():
            log.warning(
                "the database %s was removed while posturewatch was writing to it; it was "
                "recreated with everything this run had written (nothing lost)",
                self.path,
            )
            return True
        self._last_error = "the database file was removed or replaced while running"
        if not self._replaced_said:
            self._replaced_said = True
            kept = self._keep_replaced()
            log.warning(
                "the database %s was removed or replaced while posturewatch was writing to "
                "it; %snew data is kept in %s and goes into the file there at the next start",
                self.path,
                f"what this run had written is kept in {kept}; " if kept else "",
                journal_path(self.path),
            )
        return False

    def _keep_replaced(self) -> Path | None:
        """The replaced file's content, copied beside as `<db>.replaced-<time>`, and its
        write-ahead log folded in and removed, so the next opener of the new file never
        replays pages of the old one (SQLite leaves the -wal of a replaced file)."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._clock()))
        target = self.path.with_name(f"{self.path.name}.replaced-{stamp}")
        kept: Path | None = target
        try:
            _create_private_file(target)
            dst = sqlite3.connect(str(target))
            try:
                self._conn.backup(dst)
            finally:
                dst.close()
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not keep a copy of the replaced database: %s", exc)
            kept = None
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error:
            pass
        return kept

    def _recreate(self) -> bool:
        """Copy the open connection's database (SQLite's online backup) to a new file
        at self.path, never over one that appeared meanwhile, and switch to it."""
        path = self.path
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.recreate")
        try:
            private_dir(path.parent)
            _create_private_file(tmp)
            try:
                dst = sqlite3.connect(str(tmp))
                try:
                    self._conn.backup(dst)
                finally:
                    dst.close()
                os.link(tmp, path)  # fails if something took the name meanwhile
            finally:
                tmp.unlink(missing_ok=True)
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not recreate the database %s: %s", path, exc)
            return False
        try:
            new = self._connect(str(path))
        except StoreError as exc:
            log.warning("%s", exc)
            return False
        old, self._conn = self._conn, new
        old.close()  # checkpoints into the removed file; its -wal and -shm go with it
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            pass
        self._identity = _identity(path)
        return True

    def _write(self, timeout_s: float, *, retry: bool = False) -> bool:
        if not self.pending:
            return True
        batch = self._take_batch()
        if not self._same_file():
            if batch is not None and self._append_journal(batch):
                self._clear_memory()
                self._journaled += 1
            return False
        if self._write_failing and not retry and time.monotonic() < self._retry_at:
            # Backing off from a failing database: straight to the journal, no lock wait.
            if batch is not None and self._append_journal(batch):
                self._clear_memory()
                self._journaled += 1
            return False
        conn = self._conn
        journal = self._read_journal() if self._journaled else []
        try:
            with _immediate(conn, timeout_s):
                if journal:
                    done = {
                        str(r[0])[len(_JOURNAL_MARK) :]
                        for r in conn.execute(
                            "SELECT key FROM meta WHERE key LIKE ?", (_JOURNAL_MARK + "%",)
                        )
                    }
                    for old in journal:
                        if old.id not in done:
                            done.add(old.id)
                            old.apply(conn)
                            conn.execute(
                                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, '1')",
                                (_JOURNAL_MARK + old.id,),
                            )
                if batch is not None:
                    batch.apply(conn)
        except sqlite3.Error as exc:
            self._failures += 1
            self._retry_at = time.monotonic() + min(RETRY_MAX_S, 0.5 * 2**self._failures)
            self._last_error = "locked by another program" if _is_busy(exc) else str(exc)
            if not self._write_failing:
                why = "is locked by another program" if _is_busy(exc) else f"failed ({exc})"
                log.warning(
                    "writing to the database %s %s; keeping the data in %s and retrying",
                    self.path,
                    why,
                    journal_path(self.path),
                )
                self._write_failing = True
            if batch is not None and self._append_journal(batch):
                self._clear_memory()
                self._journaled += 1
            return False
        self._clear_memory()
        if self._journaled:
            self._forget_journal()
        if self._write_failing:
            log.warning("the database %s is writable again; nothing was lost", self.path)
            self._write_failing = False
        self._failures = 0
        return True

    def _keep_reserve(self) -> None:
        """Hold RESERVE_BYTES of the disk in a file beside the database while the
        store is open, so a disk that fills up during a run still has room for its
        journal at the end (close() removes it)."""
        reserve = reserve_path(self.path)
        if reserve.exists():
            return
        try:
            fd = os.open(reserve, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            return
        try:
            os.write(fd, b"\0" * RESERVE_BYTES)
            os.fsync(fd)
        except OSError:
            os.close(fd)
            fd = -1
            reserve.unlink(missing_ok=True)  # no room even for that: nothing to reserve
        finally:
            if fd >= 0:
                os.close(fd)

    def _use_reserve(self) -> bool:
        """Free the reserved room (the disk is full): True when there was some."""
        try:
            reserve_path(self.path).unlink()
        except OSError:
            return False
        return True

    def _forget_journal(self) -> None:
        """Every journal batch is in the database: remove the file, then the marks
        (a crash in between leaves marks of batches no journal holds: harmless)."""
        self._journaled = 0
        try:
            journal_path(self.path).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", journal_path(self.path), exc)
            return
        try:
            with _immediate(self._conn, self.settings.lock_timeout_s):
                self._conn.execute("DELETE FROM meta WHERE key LIKE ?", (_JOURNAL_MARK + "%",))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        """Write what is pending (waiting up to a few seconds for a lock) and close.
        What could not be written is in the journal (or lost): see unwritten()."""
        with self._lock:
            if self._closed:
                return
            if not self._write(self._patient_timeout_s, retry=True):
                batch = self._take_batch()
                if batch is not None and self._use_reserve() and self._append_journal(batch):
                    self._clear_memory()
                    self._journaled += 1
                log.info("%s", self.unwritten())
            if not self.read_only:
                self._use_reserve()  # held only while the store is open
            self._closed = True
            self._conn.close()

    @property
    def _patient_timeout_s(self) -> float:
        """The lock wait of close() and prune(), which must not give up as soon as a
        flush does."""
        return max(5.0, self.settings.lock_timeout_s)

    # --- maintenance -------------------------------------------------------------------

    def prune(self, now_s: float) -> int:
        """Delete everything older than retention_days; returns the buckets deleted."""
        self._writable()
        cutoff = now_s - self.settings.retention_days * 86400.0
        with self._lock:
            self._write(self.settings.lock_timeout_s)
            conn = self._conn
            with _immediate(conn, self._patient_timeout_s):
                n = conn.execute("DELETE FROM buckets WHERE start_s < ?", (cutoff,)).rowcount
                conn.execute(
                    "DELETE FROM answers WHERE prompt_id IN "
                    "(SELECT id FROM prompts WHERE time_s < ?)",
                    (cutoff,),
                )
                conn.execute("DELETE FROM prompts WHERE time_s < ?", (cutoff,))
                conn.execute("DELETE FROM events WHERE time_s < ?", (cutoff,))
            return int(n)

    def _backup_due(self) -> bool:
        bak = backup_path(self.path)
        kind = not_regular(bak) or ("a symbolic link" if bak.is_symlink() else None)
        if kind is not None:
            # Never waited on (a FIFO) nor written through (a planted link).
            log.warning("%s is %s, not a backup; no backup was taken", bak, kind)
            return False
        if not bak.exists():
            # A brand-new, empty database needs no backup (and must not replace an old one).
            return self._conn.execute("SELECT 1 FROM buckets LIMIT 1").fetchone() is not None
        if self._clock() - bak.stat().st_mtime < BACKUP_INTERVAL_S:
            return False
        return self._continues_backup(bak)

    def _continues_backup(self, bak: Path) -> bool:
        """Does this database carry on the backup's history? A database that starts
        after the backup's last bucket is a fresh start (a lost file, a new folder):
        copying it over the backup would lose the history, so the backup is kept."""
        try:
            check = sqlite3.connect(f"{bak.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                row = check.execute("SELECT MAX(start_s) FROM buckets").fetchone()
            finally:
                check.close()
        except sqlite3.Error:
            return True  # a damaged backup is worth replacing
        bak_last = row[0] if row else None
        first = self._conn.execute("SELECT MIN(start_s) FROM buckets").fetchone()[0]
        if isinstance(bak_last, int | float) and (first is None or first > bak_last):
            log.warning(
                "%s holds history that %s lacks; keeping the backup as it is", bak, self.path
            )
            return False
        return True

    def backup(self) -> Path:
        """Copy the database to `<db>.bak` with SQLite's online backup (consistent
        while another process writes), replacing the previous backup atomically."""
        self._writable()
        bak = backup_path(self.path)
        tmp = bak.with_name(bak.name + ".tmp")
        with self._lock:
            self._write(self.settings.lock_timeout_s)
            try:
                tmp.unlink(missing_ok=True)
                _create_private_file(tmp)
                dst = sqlite3.connect(str(tmp))
                try:
                    self._conn.backup(dst)
                finally:
                    dst.close()
                os.replace(tmp, bak)
                now = self._clock()
                os.utime(bak, (now, now))
            except (OSError, sqlite3.Error) as exc:
                tmp.unlink(missing_ok=True)
                log.warning("could not back up %s: %s", self.path, exc)
        return bak

    # --- reading -----------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[object, ...], kinds: str) -> list[tuple[object, ...]]:
        """Rows of a read, each value checked against `kinds` (n: a finite number,
        N: a number or NULL, s: text, S: text or NULL): a tampered file (text in a
        number column) is a StoreError naming the file, not a traceback later on."""
        with self._lock:
            if self.pending and not self._closed:
                self._write(self.settings.lock_timeout_s)
            try:
                rows = list(self._conn.execute(sql, params))
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    f"cannot read the database {self.path} ({exc}): {restore_hint(self.path)}"
                ) from None
        for row in rows:
            for value, kind in zip(row, kinds, strict=True):
                if value is None and kind in "NS":
                    continue
                ok = (
                    isinstance(value, str)
                    if kind in "sS"
                    else isinstance(value, int | float) and math.isfinite(value)
                )
                if not ok:
                    raise StoreError(
                        f"the database {self.path} is damaged (a value {value!r:.40} where a "
                        f"{'text' if kind in 'sS' else 'number'} belongs): "
                        f"{restore_hint(self.path)}"
                    )
        return rows

    def buckets_between(self, start_s: float, end_s: float) -> list[Bucket]:
        """Buckets starting in [start_s, end_s), in time order."""
        rows = self._query(
            f"SELECT {', '.join(_BUCKET_COLUMNS)} FROM buckets "
            "WHERE start_s >= ? AND start_s < ? ORDER BY start_s",
            (start_s, end_s),
            "n" * (len(SECOND_COLUMNS) + 2) + "nnN" * len(METRIC_NAMES),
        )
        return [Bucket(*row) for row in rows]  # type: ignore[arg-type]

    def totals_between(self, start_s: float, end_s: float) -> Bucket:
        """All buckets starting in [start_s, end_s) summed into one."""
        sums = [f"COALESCE(SUM({c}), 0)" for c in (*SECOND_COLUMNS, "samples")]
        for m in METRIC_NAMES:
            sums += [f"COALESCE(SUM({m}_n), 0)", f"COALESCE(SUM({m}_sum), 0)", f"MAX({m}_max)"]
        (row,) = self._query(
            f"SELECT {', '.join(sums)} FROM buckets WHERE start_s >= ? AND start_s < ?",
            (start_s, end_s),
            "n" * (len(SECOND_COLUMNS) + 1) + "nnN" * len(METRIC_NAMES),
        )
        return Bucket(start_s, *row)  # type: ignore[arg-type]

    def prompts_between(self, start_s: float, end_s: float) -> list[PromptRecord]:
        """Prompts shown in [start_s, end_s) with the last answer given to each."""
        rows = self._query(
            "SELECT p.id, p.time_s, p.kind, p.routine_id, p.title, p.level, a.answer, a.time_s "
            "FROM prompts p LEFT JOIN answers a ON a.rowid = ("
            "  SELECT rowid FROM answers WHERE prompt_id = p.id "
            "  ORDER BY time_s DESC, rowid DESC LIMIT 1) "
            "WHERE p.time_s >= ? AND p.time_s < ? ORDER BY p.time_s, p.id",
            (start_s, end_s),
            "snsssnSN",
        )
        return [PromptRecord(*row) for row in rows]  # type: ignore[arg-type]

    def events_between(self, start_s: float, end_s: float) -> list[EventRecord]:
        rows = self._query(
            "SELECT time_s, kind, detail FROM events WHERE time_s >= ? AND time_s < ? "
            "ORDER BY time_s, rowid",
            (start_s, end_s),
            "nss",
        )
        return [EventRecord(*row) for row in rows]  # type: ignore[arg-type]

    def buckets_for_days(self, first: date, last: date, tz: tzinfo | None) -> list[Bucket]:
        """Buckets of the local days first..last inclusive."""
        return self.buckets_between(*local_days_bounds(first, last, tz))

    def prompts_for_days(self, first: date, last: date, tz: tzinfo | None) -> list[PromptRecord]:
        return self.prompts_between(*local_days_bounds(first, last, tz))

    def events_for_days(self, first: date, last: date, tz: tzinfo | None) -> list[EventRecord]:
        return self.events_between(*local_days_bounds(first, last, tz))

    def daily_totals(self, first: date, last: date, tz: tzinfo | None) -> dict[date, Bucket]:
        """One summed bucket per local day first..last that has data."""
        out: dict[date, Bucket] = {}
        day = first
        while day <= last:
            totals = self.totals_between(*local_day_bounds(day, tz))
            if totals.samples:
                out[day] = totals
            day += timedelta(days=1)
        return out


def restore_backup(path: Path, now_s: float | None = None) -> Path | None:
    """Put `<db>.bak` in place of the database. The current file (and its -wal and
    -shm) is moved aside as `<db>.corrupt-<timestamp>`, never deleted. Returns where
    it went (None when there was no database). Only a missing, emptied or damaged
    database is replaced: a healthy one is refused (StoreError), since restoring it
    would throw away everything since the backup. The caller makes sure no instance
    is writing (it would keep writing to the moved file)."""
    path = Path(path)
    bak = backup_path(path)
    if not bak.is_file():
        raise StoreError(f"there is no backup {bak} to restore {path} from")
    if path.is_file() and path.stat().st_size > 0:
        try:
            Store(path, read_only=True).close()
        except StoreError:
            pass  # damaged: restore it
        else:
            raise StoreError(
                f"the database {path} is healthy; restoring the backup would lose what was "
                "recorded since it, so nothing was changed"
            )
    try:
        check = sqlite3.connect(f"file:{bak}?mode=ro&immutable=1", uri=True)
        try:
            result = [r[0] for r in check.execute("PRAGMA quick_check")]
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the backup {bak} is damaged too ({exc}); nothing was changed") from None
    if result != ["ok"]:
        raise StoreError(f"the backup {bak} is damaged too ({result[0]}); nothing was changed")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now_s is None else now_s))
    aside: Path | None = None
    try:
        if path.exists():
            aside = path.with_name(f"{path.name}.corrupt-{stamp}")
            n = 1
            while aside.exists():
                n += 1
                aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
            os.replace(path, aside)
            for suffix in ("-wal", "-shm"):
                side = path.with_name(path.name + suffix)
                if side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
        tmp = path.with_name(path.name + ".restore")
        tmp.unlink(missing_ok=True)
        _create_private_file(tmp)
        with open(bak, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"could not restore {path} from {bak}: {exc}") from None
    return aside
