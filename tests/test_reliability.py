"""Issue "Nothing stored is ever lost, and bad input always gets one line": every
scenario of the adversarial trial, rerun on real parts (a real SQLite file and
lock, read-only and immutable files, a small tmpfs, a real background instance and
its socket). Each must end with no stored sample lost, no traceback, and one line
naming the problem (exit 2 for bad input)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from posturewatch.background import control
from posturewatch.background.instance import InstanceLock, lock_path
from posturewatch.clock import WallClock
from posturewatch.commands.report import ReportRequest, write_report
from posturewatch.config import Config
from posturewatch.core.types import DetectorUpdate
from posturewatch.paths import Paths
from posturewatch.store.database import (
    Store,
    StoreError,
    StoreSettings,
    backup_path,
    journal_path,
)
from tests.paths import REPO
from tests.reliability import (
    COMMAND,
    IS_ROOT,
    MONDAY_9AM,
    calibrated,
    fill,
    immutable,
    last_line,
    one_line,
    pw,
    small_disk,
    write_recording,
)

T0 = 1_790_000_000.0  # a Monday in 2026, in buckets of 60 s


def update(t: float, state: str = "good") -> DetectorUpdate:
    return DetectorUpdate(time_s=t, state=state)  # type: ignore[arg-type]


def feed(store: Store, start: float, seconds: int) -> float:
    for i in range(seconds + 1):
        store.add_sample(update(start + i), None)
    return start + seconds


def good_seconds(db: Path) -> float:
    check = sqlite3.connect(db)
    try:
        return float(check.execute("SELECT COALESCE(SUM(good_s), 0) FROM buckets").fetchone()[0])
    finally:
        check.close()


def seated_seconds(db: Path) -> float:
    check = sqlite3.connect(db)
    try:
        row = check.execute(
            "SELECT COALESCE(SUM(good_s + poor_head_s + poor_shoulder_s + poor_both_s "
            "+ uncertain_s), 0) FROM buckets"
        ).fetchone()
        return float(row[0])
    finally:
        check.close()


def all_totals(db: Path) -> tuple[float, ...]:
    """Every number the store holds about the run, summed: what must not be lost."""
    from posturewatch.store.database import METRIC_NAMES, SECOND_COLUMNS

    columns = [*SECOND_COLUMNS, "samples", *(f"{m}_n" for m in METRIC_NAMES)]
    check = sqlite3.connect(db)
    try:
        row = check.execute(
            f"SELECT {', '.join(f'COALESCE(SUM({c}), 0)' for c in columns)} FROM buckets"
        ).fetchone()
        return tuple(round(float(v), 6) for v in row)
    finally:
        check.close()


def undisturbed_totals(tmp_path: Path, recording: Path) -> tuple[float, ...]:
    """The same run with no fault, for comparison."""
    control_dir = tmp_path / "undisturbed"
    calibrated(control_dir)
    done = pw(control_dir, "run", "--source", str(recording), "--start-at", MONDAY_9AM)
    assert done.returncode == 0, done.stderr
    return all_totals(control_dir / "posturewatch.sqlite3")


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    return write_recording(tmp_path / "session.jsonl", 600)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    calibrated(folder)
    return folder


# --- data lost ---------------------------------------------------------------------


def test_a_missing_database_never_overwrites_the_only_backup(data: Path, recording: Path) -> None:
    assert pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM).returncode == 0
    db = data / "posturewatch.sqlite3"
    with Store(db) as store:
        store.backup()
    bak = backup_path(db)
    old = time.time() - 3 * 86400
    os.utime(bak, (old, old))
    kept = bak.read_bytes()
    db.unlink()
    done = pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM)
    one_line(done, 2, "missing", "--restore-backup")
    assert bak.read_bytes() == kept and not db.exists()
    assert pw(data, "report", "--restore-backup").returncode == 0
    assert good_seconds(db) > 0


def test_a_fresh_database_never_replaces_an_older_backup(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    now = [T0]
    with Store(db, clock=lambda: now[0]) as store:
        feed(store, T0, 600)
        store.backup()
    history = backup_path(db).read_bytes()
    db.unlink()
    backup_path(db).rename(tmp_path / "aside.bak")
    with Store(db, clock=lambda: now[0]) as store:  # a new file, a later stretch
        feed(store, T0 + 86400 * 3, 60)
    (tmp_path / "aside.bak").rename(backup_path(db))
    now[0] += 5 * 86400
    Store(db, clock=lambda: now[0]).close()  # a backup is due: it must not be this file
    assert backup_path(db).read_bytes() == history


def test_demo_refuses_a_folder_it_did_not_make(data: Path) -> None:
    db = data / "posturewatch.sqlite3"
    with Store(db) as store:
        feed(store, T0, 60)
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    one_line(pw(None, "demo", "--out", str(data)), 2, "not empty")
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before


def test_restore_refuses_a_healthy_database_and_a_running_instance(data: Path) -> None:
    db = data / "posturewatch.sqlite3"
    with Store(db) as store:
        feed(store, T0, 120)
        store.backup()
    healthy = db.read_bytes()
    one_line(pw(data, "report", "--restore-backup"), 2, "healthy")
    assert db.read_bytes() == healthy
    db.write_bytes(b"garbage" * 1000)
    lock = InstanceLock(lock_path(data / "run"))
    assert lock.acquire()  # a running instance holds this lock (a real flock)
    try:
        one_line(pw(data, "report", "--restore-backup"), 2, "running")
        assert db.read_bytes() == b"garbage" * 1000
    finally:
        lock.release()
    assert pw(data, "report", "--restore-backup").returncode == 0


def test_a_lock_held_past_the_end_loses_nothing(
    data: Path, recording: Path, tmp_path: Path
) -> None:
    db = data / "posturewatch.sqlite3"
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program, for longer than close() waits
    try:
        done = pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM)
    finally:
        holder.execute("COMMIT")
        holder.close()
    last_line(done, 1, "journal", "next time")
    assert journal_path(db).exists()
    assert seated_seconds(db) == 0
    Store(db).close()  # the next open merges the journal
    assert not journal_path(db).exists()
    assert all_totals(db) == undisturbed_totals(tmp_path, recording)


def test_an_immutable_database_keeps_the_run_in_the_journal(
    data: Path, recording: Path, tmp_path: Path
) -> None:
    db = data / "posturewatch.sqlite3"
    Store(db).close()
    with immutable(db):
        done = pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM)
        last_line(done, 1, "journal")
    Store(db).close()
    assert all_totals(db) == undisturbed_totals(tmp_path, recording)


def test_a_full_disk_keeps_the_data_and_writes_it_once_space_is_freed(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        db = disk / "log.sqlite3"
        store = Store(db, StoreSettings(lock_timeout_s=0.05))
        feed(store, T0, 10)
        store.flush()
        filler = fill(disk)
        last = feed(store, T0 + 11, 3600)  # an hour the disk has no room for
        assert store.flush() is False and store.pending
        filler.unlink()
        assert store.flush() is True
        store.close()
        assert good_seconds(db) == pytest.approx(last - T0, abs=1)


def test_a_full_disk_at_the_end_is_journalled_from_the_reserve(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        db = disk / "log.sqlite3"
        store = Store(db, StoreSettings(lock_timeout_s=0.05))
        feed(store, T0, 10)
        store.flush()
        filler = fill(disk)
        feed(store, T0 + 11, 478 * 60)  # "could not write the last 478 minutes"
        store.close()
        problem = store.unwritten()
        assert problem is not None and "journal" in problem and "lost" not in problem
        filler.unlink()
        Store(db).close()
        assert good_seconds(db) == pytest.approx(478 * 60 + 11, abs=2)


def test_a_crash_after_journalling_loses_nothing_and_merges_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "log.sqlite3"
    store = Store(db, StoreSettings(lock_timeout_s=0.05))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    feed(store, T0, 300)
    assert store.flush() is False
    holder.execute("COMMIT")
    holder.close()
    # The process dies here (no close): the journal holds what the database lacks.
    with monkeypatch.context() as m:  # ... and the next one dies right after merging it
        m.setattr(Store, "_forget_journal", lambda self: None)
        Store(db).close()
    assert good_seconds(db) == 300 and journal_path(db).exists()
    Store(db).close()
    assert good_seconds(db) == 300  # merged exactly once
    assert not journal_path(db).exists()
    with open(journal_path(db), "ab") as torn:
        torn.write(b'{"id": "x", "buck')  # a crash mid-append
    Store(db).close()
    assert good_seconds(db) == 300


def test_the_wall_clock_stepping_back_does_not_stop_the_seconds() -> None:
    wall, mono = [T0], [100.0]
    clock = WallClock(wall=lambda: wall[0], monotonic=lambda: mono[0])
    stamps = []
    for i in range(120):
        if i == 60:
            wall[0] -= 3600  # NTP steps the clock an hour back
        stamps.append(clock.now())
        wall[0] += 1
        mono[0] += 1
    assert all(b - a == pytest.approx(1) for a, b in itertools.pairwise(stamps))
    wall[0] += 7200  # a suspend: the wall clock leaps, the monotonic one stood still
    assert clock.now() >= wall[0]


def test_seated_time_survives_a_clock_step(tmp_path: Path) -> None:
    wall, mono = [T0], [0.0]
    clock = WallClock(wall=lambda: wall[0], monotonic=lambda: mono[0])
    with Store(tmp_path / "log.sqlite3") as store:
        for i in range(600):
            if i == 300:
                wall[0] -= 1800
            store.add_sample(update(clock.now()), None)
            wall[0] += 1
            mono[0] += 1
    assert good_seconds(tmp_path / "log.sqlite3") == 599


# --- security and privacy --------------------------------------------------------------


def test_data_dir_mode_is_left_and_created_files_are_private(
    tmp_path: Path, recording: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    assert pw(shared, "config", "--init").returncode == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "config.toml").stat().st_mode) == 0o600
    calibrated(shared)
    out = tmp_path / "landmarks.jsonl"
    done = pw(
        shared, "run", "--source", str(recording), "--start-at", MONDAY_9AM, "--record", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    for name in ("profiles", "run"):
        assert stat.S_IMODE((shared / name).stat().st_mode) == 0o700
    for f in shared.rglob("*"):
        if f.is_file():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_the_reports_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    write_report(paths, Config(), ReportRequest(day=date(2026, 11, 23), open_browser=True))
    assert stat.S_IMODE(paths.reports_dir.stat().st_mode) == 0o700
    (page,) = paths.reports_dir.iterdir()
    assert stat.S_IMODE(page.stat().st_mode) == 0o600 and opened


def test_profile_names_are_names(data: Path, recording: Path, tmp_path: Path) -> None:
    done = pw(data, "calibrate", "--profile", "../../escaped", "--source", str(recording))
    one_line(done, 2, "profile name")
    assert not list(tmp_path.rglob("escaped*"))
    one_line(pw(data, "run", "--profile", "/etc/passwd", "--source", str(recording)), 2)


def test_report_refuses_a_missing_folder(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "x.html"
    one_line(pw(data, "report", "--html", str(target)), 2, "does not exist")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    "source", ["camera:http://127.0.0.1:9/x.mjpg", "http://127.0.0.1:9/v.mp4", "rtsp://h/s"]
)
def test_sources_are_local(data: Path, source: str) -> None:
    one_line(pw(data, "run", "--source", source), 2, "network")


# --- the control channel of a real instance -----------------------------------------------


def _start(data: Path, tmp_path: Path) -> None:
    long_rec = write_recording(tmp_path / "long.jsonl", 3600, step_s=5.0)
    done = pw(data, "start", "--source", str(long_rec), "--notifier", "none", timeout=60)
    assert done.returncode == 0, done.stderr


def _raw(runtime: Path, payload: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(control.socket_path(runtime)))
        sock.sendall(payload)
        return sock.recv(65536)


def test_a_malformed_request_gets_an_error_and_the_instance_lives_on(
    data: Path, tmp_path: Path
) -> None:
    if control.default_transport() != "unix":
        pytest.skip("Unix sockets only")
    _start(data, tmp_path)
    try:
        runtime = data / "run"
        answer = json.loads(_raw(runtime, b"[" * 30000 + b"\n"))
        assert answer["ok"] is False and "bad request" in answer["error"]
        assert json.loads(_raw(runtime, b"\xff\xfe\n"))["ok"] is False
        for seconds in (1e308, -1, 0, "x", True):
            with pytest.raises(Exception, match="refused"):
                control.send_request(runtime, {"cmd": "pause", "seconds": seconds})
        assert pw(data, "status").returncode == 0
        assert control.send_request(runtime, {"cmd": "pause", "seconds": 60})["ok"]
        assert pw(data, "status").returncode == 0
        # run beside start on the same database: refused, naming the instance
        rec = write_recording(tmp_path / "short.jsonl", 30)
        one_line(pw(data, "run", "--source", str(rec)), 2, "already running", "pid")
    finally:
        assert pw(data, "stop").returncode == 0


def test_a_socket_folder_of_another_user_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if control.default_transport() != "unix" or os.geteuid() != 0:
        pytest.skip("needs Unix sockets and root (to make a folder another user owns)")
    import shutil
    import tempfile

    short = Path(tempfile.mkdtemp(prefix="pwt"))  # room for a socket path (scripts/test.sh
    # keeps the temp folder short)
    monkeypatch.setattr(tempfile, "tempdir", str(short))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    runtime = tmp_path / ("x" * 120) / "run"
    runtime.mkdir(parents=True)
    theirs = short / f"posturewatch-{os.getuid()}"
    theirs.mkdir(mode=0o777)
    os.chown(theirs, 65534, 65534)
    server = control.open_server(runtime, lambda r: {"ok": True, "pong": 1}, "unix")
    try:
        path = Path(server.address)
        assert path.parent != theirs and path.parent.stat().st_uid == os.getuid()
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert control.send_request(runtime, {"cmd": "ping"}, transport="unix")["pong"] == 1
        assert list(theirs.iterdir()) == []
    finally:
        server.close()
        shutil.rmtree(short, ignore_errors=True)


def test_control_files_in_the_way_are_one_line(data: Path, recording: Path) -> None:
    (data / "run" / "posturewatch.lock").mkdir(parents=True)
    one_line(pw(data, "run", "--source", str(recording)), 2, "posturewatch.lock")
    one_line(pw(data, "start", "--source", str(recording), "--foreground"), 2, "lock")


def test_a_control_socket_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    if control.default_transport() != "unix":
        pytest.skip("Unix sockets only")
    runtime = tmp_path / "run"
    runtime.mkdir()
    control.socket_path(runtime, create=True).mkdir()  # where the socket goes, however deep
    with pytest.raises(control.UserError, match="folder"):
        control.open_server(runtime, lambda r: {"ok": True}, "unix")


# --- tracebacks and silently accepted values ---------------------------------------------


@pytest.mark.parametrize("kind", ["immutable", "file"])
@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--source", "REC"],
        ["start", "--source", "REC", "--foreground"],
        ["calibrate", "--source", "REC"],
        ["config", "--init"],
        ["demo"],
    ],
)
def test_an_unusable_data_dir_is_one_line(
    tmp_path: Path, recording: Path, kind: str, argv: list[str]
) -> None:
    data = tmp_path / "data"
    if kind == "file":
        data.write_text("not a folder")
        ctx = None
    else:
        data.mkdir()
        ctx = immutable(data)
    args = [str(recording) if a == "REC" else a for a in argv]
    if ctx is None:
        one_line(pw(data, *args), 2)
    else:
        with ctx:
            one_line(pw(data, *args), 2)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--source", "REC", "--start-at", "9999-12-31T23:59"],
        ["report", "--date", "9999-12-31"],
        ["report", "--week", "--date", "0001-01-01"],
        ["run", "--source", "REC", "--fps", "nan"],
        ["run", "--source", "REC", "--fps", "inf"],
        ["run", "--source", "REC", "--fps", "0"],
        ["run", "--source", "REC", "--speed", "0"],
        ["run", "--source", "REC", "--speed", "nan"],
        ["calibrate", "--source", "REC", "--seconds", "nan"],
        ["run", "--source", "camera:abc"],
    ],
)
def test_values_out_of_range_are_one_line(data: Path, recording: Path, argv: list[str]) -> None:
    one_line(pw(data, *[str(recording) if a == "REC" else a for a in argv]), 2)


def test_a_recording_whose_time_jumps_is_one_line(data: Path, tmp_path: Path) -> None:
    rec = write_recording(tmp_path / "r.jsonl", 10)
    lines = rec.read_text().splitlines()
    last = json.loads(lines[-1])
    last["time_s"] = 1e12
    rec.write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
    one_line(pw(data, "run", "--source", str(rec), "--start-at", MONDAY_9AM), 2, "time_s")


def test_huge_values_in_a_recording_are_one_line(data: Path, tmp_path: Path) -> None:
    rec = write_recording(tmp_path / "r.jsonl", 10)
    lines = rec.read_text().splitlines()
    frame = json.loads(lines[3])
    frame["image"][0][0] = 1e308
    lines[3] = json.dumps(frame)
    rec.write_text("\n".join(lines) + "\n")
    one_line(pw(data, "run", "--source", str(rec)), 2, "landmark")


@pytest.mark.parametrize("text", ['{"a":' * 100_000, None])
def test_a_hostile_profile_is_one_line(data: Path, recording: Path, text: str | None) -> None:
    profile = data / "profiles" / "default.json"
    if text is None:
        raw = json.loads(profile.read_text())
        first = next(k for k, v in raw["metrics"].items() if v)
        raw["metrics"][first]["centre"] = 1e308
        text = json.dumps(raw)
    profile.write_text(text)
    one_line(pw(data, "run", "--source", str(recording)), 2, "profile")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_non_finite_config_values_are_one_line(data: Path, recording: Path, value: str) -> None:
    (data / "config.toml").write_text(f"[sampling]\ninterval_s = {value}\n")
    one_line(pw(data, "run", "--source", str(recording)), 2, "interval_s")


@pytest.mark.parametrize(
    "tamper",
    [
        "DROP TABLE prompts",
        "UPDATE buckets SET good_s = 'lots'",
        "UPDATE meta SET value = 'wide' WHERE key = 'bucket_s'",
        "ALTER TABLE events RENAME TO gone",
    ],
)
def test_a_tampered_database_is_one_line(data: Path, tamper: str) -> None:
    db = data / "posturewatch.sqlite3"
    with Store(db) as store:
        feed(store, T0, 120)
    conn = sqlite3.connect(db)
    conn.execute(tamper)
    conn.commit()
    conn.close()
    day = time.strftime("%Y-%m-%d", time.localtime(T0))
    one_line(pw(data, "report", "--date", day), 2, str(db))


def test_a_full_disk_during_config_init_and_calibrate(tmp_path: Path, recording: Path) -> None:
    with small_disk(tmp_path / "disk", "1m") as disk:
        data = disk / "data"
        data.mkdir()
        filler = fill(disk)
        one_line(pw(data, "config", "--init"), 2)
        assert not (data / "config.toml").exists()
        filler.unlink()
        calibrated(data)
        before = (data / "profiles" / "default.json").read_bytes()
        filler = fill(disk)
        done = pw(data, "calibrate", "--source", str(recording), "--force")
        one_line(done, 2)
        assert (data / "profiles" / "default.json").read_bytes() == before


def test_doctor_accepts_what_run_accepts(data: Path, recording: Path) -> None:
    from posturewatch.commands.doctor import check_camera

    check = check_camera(str(recording), 640, 480, True)
    assert check.ok, check
    timeline = Path(__file__).parent / "timelines" / "upright_then_slouched.toml"
    from posturewatch.commands.doctor import is_replayed_as_landmarks

    assert is_replayed_as_landmarks(str(timeline))


def test_one_undecodable_image_does_not_end_a_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import cv2
    import numpy as np

    from posturewatch.inputs.sources import open_frame_source

    for i in range(4):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((8, 8, 3), i, np.uint8))
    (tmp_path / "2.png").write_bytes(b"not a png")
    source = open_frame_source(str(tmp_path))
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame.index)
    source.close()
    assert frames == [0, 1, 3]
    assert len([r for r in caplog.records if "2.png" in r.getMessage()]) == 1


def test_a_camera_that_never_opened_is_an_error(data: Path) -> None:
    started = time.monotonic()
    one_line(pw(data, "run", "--source", "camera:7", "--no-store"), 2, "could not be opened")
    assert time.monotonic() - started < 60


def test_a_camera_that_went_away_is_retried() -> None:
    from posturewatch.inputs.sources import CameraUnavailable

    # What the monitor retries: a camera that delivered frames and stopped.
    assert CameraUnavailable("camera 0 stopped delivering frames").never_opened is False


def test_status_thread_safety_of_the_store_journal(tmp_path: Path) -> None:
    """Writers on several threads while the database is locked: nothing lost."""
    db = tmp_path / "log.sqlite3"
    store = Store(db, StoreSettings(lock_timeout_s=0.01, flush_interval_s=1.0))
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    t = [T0]
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(100):
            with lock:
                t[0] += 1
                store.add_sample(update(t[0]), None)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    holder.execute("COMMIT")
    holder.close()
    store.close()
    assert good_seconds(db) == 299


# --- issue 18, files and store: nothing lost, nothing hangs ------------------------------


def journalled(db: Path, start: float, seconds: int) -> None:
    """`seconds` of sitting that the database, locked by another program, did not
    take: left in the journal by a writer that then died."""
    store = Store(db, StoreSettings(lock_timeout_s=0.05))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    feed(store, start, seconds)
    assert store.flush() is False
    holder.execute("COMMIT")
    holder.close()
    store._conn.close()  # dies without close()


def test_a_torn_journal_line_never_swallows_the_next_batch(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    Store(db).close()
    with open(journal_path(db), "ab") as torn:
        torn.write(b'{"id":"x","buck')  # a crash mid-append, no newline
    journalled(db, T0, 120)
    assert b"\n" in journal_path(db).read_bytes()[:40]  # the batch began on its own line
    Store(db).close()
    assert good_seconds(db) == 120


def test_a_journal_line_present_twice_is_merged_once(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    Store(db).close()
    journalled(db, T0, 297)
    line = journal_path(db).read_bytes()
    journal_path(db).write_bytes(line + line)  # a copy tool, a restore from a sync client
    Store(db).close()
    assert good_seconds(db) == 297


def test_a_damaged_journal_line_is_skipped_by_its_checksum(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    Store(db).close()
    journalled(db, T0, 60)
    line = journal_path(db).read_bytes()
    # Its id changed by a bad disk or a careless edit: still valid JSON, but not what
    # was written, so it must not count the minute a second time.
    damaged = line.replace(b'"id":"', b'"id":"f00d', 1)
    assert damaged != line
    journal_path(db).write_bytes(damaged + line)
    Store(db).close()
    assert good_seconds(db) == 60


def test_the_database_removed_under_the_writer_is_recreated(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    store = Store(db, StoreSettings(flush_interval_s=5.0))
    t = feed(store, T0, 300)
    assert store.flush()
    for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        f.unlink(missing_ok=True)  # a cleanup tool
    feed(store, t + 1, 300)
    store.close()
    assert store.unwritten() is None
    assert good_seconds(db) == 601  # the 300 s before the removal were not lost


def test_the_database_replaced_under_the_writer_keeps_the_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "log.sqlite3"
    other = tmp_path / "copy.sqlite3"
    Store(other).close()
    store = Store(db)
    t = feed(store, T0, 120)
    assert store.flush()
    os.replace(other, db)  # a sync client puts its own copy in place
    with caplog.at_level("WARNING"):
        feed(store, t + 1, 300)
        store.close()
    said = [r for r in caplog.records if "replaced" in r.getMessage()]
    assert len(said) == 1, said  # said once, not at every flush
    assert "journal" in (store.unwritten() or "")
    Store(db).close()  # the next start merges the journal into the file now there
    assert good_seconds(db) == 301  # what came after; never the old file's pages
    (kept,) = tmp_path.glob("log.sqlite3.replaced-*")
    assert good_seconds(kept) == 120  # and what came before, kept beside


def test_a_journal_or_log_link_planted_in_a_shared_folder_is_never_written_through(
    tmp_path: Path,
) -> None:
    db = tmp_path / "log.sqlite3"
    Store(db).close()
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs\n")
    journal_path(db).symlink_to(victim)
    store = Store(db, StoreSettings(lock_timeout_s=0.05))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    feed(store, T0, 60)
    assert store.flush() is False
    holder.execute("COMMIT")
    holder.close()
    store.close()
    assert victim.read_text() == "theirs\n"
    assert good_seconds(db) == 60  # written at close, once the lock was gone

    from posturewatch.background.instance import log_file
    from posturewatch.background.process import spawn_detached
    from posturewatch.core.errors import UserError

    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    log_file(paths).symlink_to(victim)
    with pytest.raises(UserError, match="symbolic link"):
        spawn_detached(["true"], paths)
    assert victim.read_text() == "theirs\n"


def no_hang_one_line(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Ended (pw's timeout bounds it), with one line, exit 2, no traceback."""
    return one_line(done, 2, *needles)


@pytest.mark.parametrize("place", ["database", "config", "profile", "recording", "source"])
def test_a_fifo_in_place_of_a_file_is_one_line_never_a_hang(
    data: Path, tmp_path: Path, recording: Path, place: str
) -> None:
    source = str(recording)
    target = {
        "database": data / "posturewatch.sqlite3",
        "config": data / "config.toml",
        "profile": data / "profiles" / "default.json",
        "recording": tmp_path / "planted.jsonl",
        "source": tmp_path / "planted.mp4",
    }[place]
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    if place in ("recording", "source"):
        source = str(target)
    line = no_hang_one_line(
        pw(data, "run", "--source", source, "--start-at", MONDAY_9AM, timeout=60), "FIFO"
    )
    assert str(target.name) in line
    if place == "database":
        no_hang_one_line(pw(data, "report", timeout=60), "FIFO")


def test_a_fifo_in_place_of_the_journal_neither_hangs_nor_loses_the_run(
    data: Path, recording: Path
) -> None:
    db = data / "posturewatch.sqlite3"
    Store(db).close()
    os.mkfifo(journal_path(db))
    done = pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM, timeout=60)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert good_seconds(db) > 0
    assert stat.S_ISFIFO(os.lstat(journal_path(db)).st_mode)  # left as it is, never read


@pytest.mark.parametrize("place", ["config", "profile", "routines", "recording"])
def test_a_link_to_dev_zero_is_refused_not_read_whole(
    data: Path, tmp_path: Path, recording: Path, place: str
) -> None:
    source = str(recording)
    link = {
        "config": data / "config.toml",
        "profile": data / "profiles" / "default.json",
        "routines": tmp_path / "routines.toml",
        "recording": tmp_path / "zero.jsonl",
    }[place]
    link.unlink(missing_ok=True)
    link.symlink_to("/dev/zero")
    if place == "routines":
        (data / "config.toml").write_text(f'routines_file = "{link}"\n')
    if place == "recording":
        source = str(link)
    done = pw(data, "run", "--source", source, "--start-at", MONDAY_9AM, timeout=60)
    no_hang_one_line(done, "device")


def test_a_journal_that_is_dev_zero_is_skipped_and_the_run_kept(
    data: Path, recording: Path
) -> None:
    db = data / "posturewatch.sqlite3"
    Store(db).close()
    journal_path(db).symlink_to("/dev/zero")
    done = pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM, timeout=60)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert good_seconds(db) > 0


def test_a_gzip_bomb_recording_is_one_line(data: Path, tmp_path: Path) -> None:
    import gzip

    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        chunk = b"x" * (1 << 20)
        for _ in range(64):  # 64 MiB of one line, a few hundred KB on disk
            f.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    done = pw(data, "run", "--source", str(bomb), "--start-at", MONDAY_9AM, timeout=60)
    no_hang_one_line(done, "line 1 is longer than 1 MiB")


@pytest.mark.parametrize("flag", ["--html", "--csv"])
@pytest.mark.parametrize(
    "owned", ["posturewatch.sqlite3", "posturewatch.sqlite3.bak", "config.toml"]
)
def test_report_never_writes_over_a_file_the_store_owns(
    data: Path, recording: Path, flag: str, owned: str
) -> None:
    assert pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM).returncode == 0
    db = data / "posturewatch.sqlite3"
    with Store(db) as store:
        store.backup()
    (data / "config.toml").write_text("# mine\n")
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    one_line(pw(data, "report", flag, str(data / owned)), 2, owned)
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before
    # Through a link or another name of the same folder too.
    alias = data.parent / "alias"
    alias.symlink_to(data)
    one_line(pw(data, "report", flag, str(alias / owned)), 2)
    assert db.read_bytes() == before[db]


def test_calibrate_and_record_refuse_the_database_as_output(data: Path, recording: Path) -> None:
    db = data / "posturewatch.sqlite3"
    Store(db).close()
    kept = db.read_bytes()
    one_line(pw(data, "calibrate", "--source", str(recording), "--output", str(db)), 2, "database")
    wal_named = data / "posturewatch.sqlite3.journal"
    one_line(pw(data, "record", "--source", str(recording), "--out", str(wal_named)), 2)
    assert db.read_bytes() == kept


def test_demo_never_empties_its_old_folder_once_it_holds_real_data(tmp_path: Path) -> None:
    from posturewatch.commands.demo import DEMO_MARKER, claim_demo_folder

    out = tmp_path / "demo"
    claim_demo_folder(out)  # an earlier demo made it ...
    assert (out / DEMO_MARKER).is_file()
    db = out / "posturewatch.sqlite3"
    with Store(db) as store:  # ... and then someone used it as their data folder
        feed(store, T0, 600)
        store.backup()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    one_line(pw(None, "demo", "--out", str(out)), 2, "did not write")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # Nor is the data folder itself (or its profiles folder, even empty) a demo's.
    fresh = tmp_path / "fresh"
    (fresh / "profiles").mkdir(parents=True)
    one_line(pw(fresh, "demo", "--out", str(fresh / "profiles")), 2, "profiles folder")
    assert not any((fresh / "profiles").iterdir())


@pytest.mark.parametrize("where", ["--data-dir", "env", "--source", "routines_file"])
def test_an_unknown_user_in_a_path_is_one_line(data: Path, where: str) -> None:
    stranger = "~nosuchuser-posturewatch/x"
    if where == "--data-dir":
        done = pw(None, "--data-dir", stranger, "report")
    elif where == "env":
        env = dict(os.environ, PYTHONPATH=str(REPO), POSTUREWATCH_DATA_DIR=stranger)
        done = subprocess.run(
            [*COMMAND, "report"], capture_output=True, text=True, timeout=60, env=env, cwd=REPO
        )
    elif where == "--source":
        done = pw(data, "run", "--source", stranger + ".jsonl")
    else:
        (data / "config.toml").write_text(f'routines_file = "{stranger}.toml"\n')
        done = pw(data, "run", "--source", "whatever.jsonl")
    one_line(done, 2, "nosuchuser")


@pytest.mark.parametrize("kind", ["loop", "devnull"])
def test_a_data_dir_that_is_a_link_loop_or_not_a_folder_is_one_line(
    tmp_path: Path, kind: str
) -> None:
    if kind == "loop":
        (tmp_path / "a").symlink_to(tmp_path / "b")
        (tmp_path / "b").symlink_to(tmp_path / "a")
        data = tmp_path / "a"
    else:
        data = Path("/dev/null")
    for args in (["report"], ["run", "--source", "x.jsonl"], ["config", "--init"]):
        one_line(pw(data, *args, timeout=60), 2)


def test_the_report_names_the_backup_when_the_database_is_missing(
    data: Path, recording: Path
) -> None:
    assert pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM).returncode == 0
    db = data / "posturewatch.sqlite3"
    with Store(db) as store:
        store.backup()
    db.unlink()
    one_line(
        pw(data, "report", "--date", "2026-11-23"),
        2,
        "posturewatch.sqlite3.bak",
        "--restore-backup",
    )


def test_record_force_never_writes_through_a_link_and_makes_the_file_private(
    data: Path, recording: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs\n")
    out = tmp_path / "planted.jsonl"
    out.symlink_to(victim)
    one_line(pw(data, "record", "--source", str(recording), "--out", str(out), "--force"), 2)
    assert victim.read_text() == "theirs\n" and out.is_symlink()
    loose = tmp_path / "loose.jsonl"
    loose.write_text("old\n")
    loose.chmod(0o644)
    done = pw(data, "record", "--source", str(recording), "--out", str(loose), "--force")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600


def test_a_link_planted_at_the_database_or_run_folder_is_refused(
    data: Path, recording: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (data / "posturewatch.sqlite3").symlink_to(elsewhere / "posturewatch.sqlite3")
    run = ("run", "--source", str(recording), "--start-at", MONDAY_9AM)
    one_line(pw(data, *run), 2, "symbolic link")
    assert not (elsewhere / "posturewatch.sqlite3").exists()
    (data / "posturewatch.sqlite3").unlink()
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    shutil.rmtree(data / "run", ignore_errors=True)
    (data / "run").symlink_to(shared)
    one_line(pw(data, *run), 2, "symbolic link")
    one_line(pw(data, "start", "--source", str(recording), "--foreground"), 2, "symbolic link")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # not re-moded
    assert not any(shared.iterdir())  # no lock, no socket left in the other folder


def test_the_two_doors_refuse_links_fifos_devices_and_strangers_files(tmp_path: Path) -> None:
    from posturewatch.files import RefusedFile, open_private, read_limited

    victim = tmp_path / "victim"
    victim.write_text("theirs\n")
    link = tmp_path / "link"
    link.symlink_to(victim)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (link, fifo, Path("/dev/null")):
        with pytest.raises(RefusedFile):
            os.close(open_private(path, append=True, readable=True))
        with pytest.raises(RefusedFile):
            os.close(open_private(path, truncate=True))
    assert victim.read_text() == "theirs\n"
    for path in (fifo, Path("/dev/zero"), tmp_path / "zero-link"):
        if path.name == "zero-link":
            path.symlink_to("/dev/zero")
        with pytest.raises(RefusedFile, match=r"FIFO|device"):
            read_limited(path, 1024)
    with pytest.raises(RefusedFile, match="larger"):
        read_limited(victim, 4)
    loose = tmp_path / "loose"
    loose.write_text("mine\n")
    loose.chmod(0o644)
    os.close(open_private(loose, append=True))
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600 and loose.read_text() == "mine\n"
    if IS_ROOT:  # a file of another user, planted where ours belongs
        os.chown(victim, 65534, 65534)
        with pytest.raises(RefusedFile, match="another user"):
            os.close(open_private(victim, truncate=True))
        assert victim.read_text() == "theirs\n"
        db = tmp_path / "theirs.sqlite3"
        Store(db).close()
        os.chown(db, 65534, 65534)
        with pytest.raises(StoreError, match="another user"):
            Store(db)


def test_a_run_whose_database_is_removed_midway_keeps_everything_and_says_so(
    tmp_path: Path, data: Path, recording: Path
) -> None:
    expected = undisturbed_totals(tmp_path, recording)
    db = data / "posturewatch.sqlite3"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("POSTUREWATCH_DATA_DIR", None)
    argv = [*COMMAND, "--data-dir", str(data), "run", "--source", str(recording)]
    argv += ["--start-at", MONDAY_9AM, "--speed", "30", "--notifier", "none"]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (db.exists() and good_seconds(db) > 0):
            time.sleep(0.2)
        assert good_seconds(db) > 0, "nothing flushed yet"
        for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            f.unlink(missing_ok=True)  # a cleanup tool, mid-run
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert sum("removed" in line for line in err.splitlines()) == 1, err  # said once
    assert all_totals(db) == expected  # nothing lost, nothing counted twice


# --- numbers in range, one short line, a channel that serves everyone (issue 18) ----------


@pytest.mark.parametrize(
    "text",
    [
        'fps = 0\n[[segment]]\nimage = ""\nminutes = 1\n',
        'fps = -1\n[[segment]]\nimage = ""\nminutes = 1\n',
        'sway_px = 1e300\n[[segment]]\nimage = ""\nminutes = 1\n',
        "segment = 5\n",
        '[[segment]]\nimage = ""\nminutes = nan\n',
        '[[segment]]\nimage = ""\nminutes = inf\n',
        '[[segment]]\nimage = ""\nminutes = 1e12\n',
        'start_at = "25:99"\n[[segment]]\nimage = ""\nminutes = 1\n',
    ],
)
def test_a_timeline_out_of_range_is_one_line(data: Path, tmp_path: Path, text: str) -> None:
    """Every number of a timeline is finite and in range before a frame is made: no
    ZeroDivisionError, no TypeError, no replay that never ends."""
    timeline = tmp_path / "t.toml"
    timeline.write_text(text)
    one_line(pw(data, "run", "--source", str(timeline), timeout=60), 2, str(timeline))


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--source", "REC", "--speed", "1e-300"],
        ["run", "--source", "REC", "--realtime", "--fps", "1e-300"],
        ["calibrate", "--source", "REC", "--seconds", "1e300"],
        ["record", "--source", "REC", "--out", "OUT", "--every", "1e300"],
        ["calibrate", "--source", "REC", "--profile", ""],
        ["run", "--source", "REC", "--profile", ""],
        ["pause", ""],
    ],
)
def test_command_line_values_that_cannot_finish_are_one_line(
    data: Path, tmp_path: Path, argv: list[str]
) -> None:
    rec = write_recording(tmp_path / "r.jsonl", 30)
    named = {"REC": str(rec), "OUT": str(tmp_path / "out.jsonl")}
    profile = (data / "profiles" / "default.json").read_bytes()
    one_line(pw(data, *[named.get(a, a) for a in argv], timeout=60), 2)
    assert (data / "profiles" / "default.json").read_bytes() == profile
    assert not (data / "profiles" / ".json").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--source", "REC", "--start-at", "2026-11-23T09:00" + "x" * 10_000],
        ["run", "--source", "/nonexistent/" + "long-folder-name/" * 300 + "x.jsonl"],
        ["run", "--source", "REC", "--start-at", "2026\n\x1b[31m11-23"],
    ],
)
def test_long_or_control_input_is_echoed_short_and_escaped(
    data: Path, recording: Path, argv: list[str]
) -> None:
    line = one_line(pw(data, *[str(recording) if a == "REC" else a for a in argv]), 2)
    assert "\x1b" not in line  # one_line checks the length and that it is printable


def test_a_profile_key_with_a_newline_is_one_line(data: Path, recording: Path) -> None:
    """The error names the key, and the key holds a newline and an escape sequence."""
    profile = data / "profiles" / "default.json"
    raw = json.loads(profile.read_text())
    raw["metrics"]["bad\nkey\x1b[2J"] = 1e308
    profile.write_text(json.dumps(raw))
    line = one_line(pw(data, "run", "--source", str(recording)), 2, "profile")
    assert "bad\\nkey" in line and "\x1b" not in line


def test_a_damaged_database_page_is_one_line(data: Path, recording: Path) -> None:
    assert pw(data, "run", "--source", str(recording), "--start-at", MONDAY_9AM).returncode == 0
    db = data / "posturewatch.sqlite3"
    raw = bytearray(db.read_bytes())
    page = 4096
    raw[page + 8 : 2 * page] = b"\xa5" * (page - 8)  # the second page: garbage
    db.write_bytes(bytes(raw))
    done = pw(data, "report", "--date", MONDAY_9AM[:10])
    one_line(done, 2)


def test_escape_sequences_in_the_database_never_reach_the_terminal(data: Path) -> None:
    """Text from the database (event kinds, the time zone) is escaped on output."""
    start = date.fromisoformat(MONDAY_9AM[:10])
    t0 = time.mktime(start.timetuple()) + 9 * 3600
    with Store(data / "posturewatch.sqlite3") as store:
        feed(store, t0, 600)
        store.add_event(t0 + 5, "\x1b]0;owned\x07\x1b[2J\nfake line", "x\x1b[31m")
    done = pw(data, "report", "--date", MONDAY_9AM[:10])
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "\nfake line" not in done.stdout and "\\x1b]0;owned" in done.stdout


def test_a_truncated_jpeg_leaves_no_library_line(data: Path, tmp_path: Path) -> None:
    """libjpeg's "Premature end of JPEG file" went straight to stderr with exit 0."""
    from tests.paths import REPO

    photo = REPO / "tests/data/side-view-sitting/sample_images/straight_hf.jpg"
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(photo.read_bytes()[: photo.stat().st_size * 6 // 10])
    done = pw(data, "analyze", str(truncated))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


def _hold_idle(runtime: Path, count: int) -> list[socket.socket]:
    held = []
    for _ in range(count):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(control.socket_path(runtime)))
        held.append(sock)
    return held


def test_idle_and_slow_clients_do_not_stop_status_or_pause(data: Path, tmp_path: Path) -> None:
    """Five connections that send nothing and one that drips a byte every 1.5 s: the
    channel served one connection at a time with a 2 s read timeout, so `status`
    and `pause` timed out behind them."""
    if control.default_transport() != "unix":
        pytest.skip("Unix sockets only")
    _start(data, tmp_path)
    runtime = data / "run"
    stop = threading.Event()
    held: list[socket.socket] = []

    def drip() -> None:
        while not stop.is_set():
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.connect(str(control.socket_path(runtime)))
                    for byte in b'{"cmd": "status"':
                        if stop.wait(1.5):
                            return
                        sock.sendall(bytes([byte]))
            except OSError:
                continue

    dripper = threading.Thread(target=drip, daemon=True)
    try:
        held = _hold_idle(runtime, 5)
        dripper.start()
        time.sleep(0.5)
        for argv in (["status"], ["pause", "5m"], ["status"], ["resume"]):
            done = pw(data, *argv, timeout=30)
            assert done.returncode == 0, (argv, done.stderr)
    finally:
        stop.set()
        for sock in held:
            sock.close()
        dripper.join(5)
        assert pw(data, "stop").returncode == 0


def test_a_burst_of_requests_from_many_clients_is_all_answered(data: Path, tmp_path: Path) -> None:
    """400 requests from 20 clients at once: the listen backlog of 8 refused 226."""
    if control.default_transport() != "unix":
        pytest.skip("Unix sockets only")
    _start(data, tmp_path)
    runtime = data / "run"
    answers: list[bool] = []
    failures: list[str] = []
    go = threading.Barrier(20)

    def client() -> None:
        go.wait()
        for _ in range(20):
            try:
                answers.append(bool(control.send_request(runtime, {"cmd": "ping"})["ok"]))
            except Exception as exc:
                failures.append(str(exc))

    threads = [threading.Thread(target=client) for _ in range(20)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        assert pw(data, "stop").returncode == 0
    assert failures == [] and answers == [True] * 400, failures[:3]


def test_replays_over_the_same_hours_do_not_invent_minutes(data: Path, tmp_path: Path) -> None:
    """Two replays overlapping in time counted 80 minutes seated in one hour: a bucket
    never holds more time than it spans, the stored time is kept, and the run says so
    once."""
    rec = write_recording(tmp_path / "hour.jsonl", 3600, step_s=2.0)
    db = data / "posturewatch.sqlite3"
    first = pw(data, "run", "--source", str(rec), "--start-at", MONDAY_9AM)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    once = all_totals(db)
    again = pw(data, "run", "--source", str(rec), "--start-at", MONDAY_9AM)
    assert again.returncode == 0, again.stderr
    told = [line for line in again.stderr.splitlines() if "already in the database" in line]
    assert len(told) == 1 and len(again.stderr.splitlines()) == 1, again.stderr
    # The seconds columns: the same hour again adds nothing but what the minutes at
    # the first run's edges had room for (not another hour).
    assert sum(once[:7]) <= sum(all_totals(db)[:7]) <= sum(once[:7]) + 2 * 60
    # Half an hour later: only the new half hour is added (09:00-10:30 is 90 minutes).
    later = pw(data, "run", "--source", str(rec), "--start-at", "2026-11-23T09:30")
    assert later.returncode == 0, later.stderr
    check = sqlite3.connect(db)
    try:
        total, fullest = check.execute(
            "SELECT SUM(t), MAX(t) FROM (SELECT good_s + poor_head_s + poor_shoulder_s + "
            "poor_both_s + poor_sink_s + uncertain_s + away_s AS t FROM buckets)"
        ).fetchone()
    finally:
        check.close()
    assert fullest <= 60.5 and 88 * 60 <= total <= 90 * 60 + 2 * 60, (total, fullest)


@pytest.mark.parametrize("argv", [["report"], ["status"], ["config", "--path"]])
def test_a_data_dir_that_is_not_a_folder_is_one_line(tmp_path: Path, argv: list[str]) -> None:
    """`--data-dir /dev/null report` said "no data yet" with exit 0."""
    afile = tmp_path / "a-file"
    afile.write_text("x")
    for folder in ("/dev/null", str(afile)):
        one_line(pw(Path(folder), *argv), 2, "not a folder")
    assert afile.read_text() == "x"


def test_a_file_name_with_escape_sequences_is_escaped_in_analyze(
    data: Path, tmp_path: Path
) -> None:
    """The table of an image folder names each file; a name is text from the disk."""
    from tests.paths import REPO

    photo = REPO / "tests/data/side-view-sitting/sample_images/straight_hf.jpg"
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "\x1b]0;owned\x07\x1b[2J.jpg").write_bytes(photo.read_bytes())
    done = pw(data, "analyze", str(folder))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\\x1b]0;owned" in done.stdout, done.stdout
