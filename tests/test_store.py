"""The posture log: aggregation, batching, crashes, locks, corruption, backups, pruning."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from posturewatch.core.detector import DetectorSettings
from posturewatch.core.errors import UserError
from posturewatch.core.local_time import local_day_bounds
from posturewatch.core.types import DetectorUpdate, Prompt, PromptAnswer, Routine
from posturewatch.store.database import (
    SCHEMA_VERSION,
    Store,
    StoreError,
    StoreSettings,
    backup_path,
    restore_backup,
)
from tests.samples import side_metrics

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2024, 3, 12, 9, 0, tzinfo=BERLIN).timestamp()  # a Tuesday, on a minute boundary


def update(t: float, state: str = "good", dominant: str | None = None) -> DetectorUpdate:
    return DetectorUpdate(time_s=t, state=state, dominant=dominant)  # type: ignore[arg-type]


def feed(store: Store, t0: float, spans: Sequence[tuple[str, str | None, int]]) -> float:
    """One sample a second: a first sample at t0 (which accounts for nothing), then
    each span's state for its whole length. Returns the time of the last sample."""
    t = t0
    store.add_sample(update(t, spans[0][0], spans[0][1]), side_metrics())
    for state, dominant, seconds in spans:
        for _ in range(seconds):
            t += 1
            store.add_sample(
                update(t, state, dominant), None if state == "away" else side_metrics()
            )
    return t


def open_store(path: Path, max_sample_gap_s: float | None = None, **kw: object) -> Store:
    """A store with StoreSettings(**kw); max_sample_gap_s is the detector's setting."""
    if max_sample_gap_s is None:
        return Store(path, StoreSettings(**kw))  # type: ignore[arg-type]
    return Store(path, StoreSettings(**kw), max_sample_gap_s=max_sample_gap_s)  # type: ignore[arg-type]


def test_round_trip_sums_durations_by_state(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with open_store(db) as store:
        feed(
            store,
            T0,
            [
                ("good", None, 600),
                ("poor", "head_forward", 120),
                ("poor", "shoulder_rounding", 60),
                ("poor", "both", 30),
                ("uncertain", None, 45),
                ("away", None, 90),
            ],
        )
    with open_store(db) as store:
        total = store.totals_between(T0 - 3600, T0 + 3600)
    assert total.good_s == 600
    assert total.poor_head_s == 120
    assert total.poor_shoulder_s == 60
    assert total.poor_both_s == 30
    assert total.uncertain_s == 45
    assert total.away_s == 90
    assert total.seated_s == 600 + 210 + 45
    assert total.samples == 1 + 600 + 210 + 45 + 90


def test_a_sample_accounts_for_at_most_the_gap_cap(tmp_path: Path) -> None:
    with open_store(tmp_path / "log.sqlite3", max_sample_gap_s=10.0) as store:
        store.add_sample(update(T0), side_metrics())
        store.add_sample(update(T0 + 4), side_metrics())  # 4 s
        store.add_sample(update(T0 + 3604, "poor", "head_forward"), side_metrics())  # paused: 10 s
        store.add_sample(update(T0 + 3000), side_metrics())  # clock went back: nothing
        store.add_sample(update(T0 + 3002), side_metrics())  # 2 s
        total = store.totals_between(T0 - 60, T0 + 7200)
    assert total.good_s == 6
    assert total.poor_head_s == 10


def test_time_is_split_exactly_at_bucket_boundaries(tmp_path: Path) -> None:
    with open_store(tmp_path / "log.sqlite3", bucket_s=10, max_sample_gap_s=30.0) as store:
        store.add_sample(update(T0 + 9.5), side_metrics())
        store.add_sample(update(T0 + 10.5), side_metrics())  # 0.5 s in each of two buckets
        store.add_sample(update(T0 + 35.0, "away"), None)  # 24.5 s over three buckets
        buckets = {b.start_s - T0: b for b in store.buckets_between(T0 - 60, T0 + 60)}
    assert sorted(buckets) == [0, 10, 20, 30]
    assert buckets[0].good_s == pytest.approx(0.5)
    assert buckets[10].good_s == pytest.approx(0.5)
    assert buckets[10].away_s == pytest.approx(9.5)
    assert buckets[20].away_s == pytest.approx(10.0)
    assert buckets[30].away_s == pytest.approx(5.0)
    assert [buckets[k].samples for k in (0, 10, 20, 30)] == [1, 1, 0, 1]


def test_angles_come_from_judged_samples_only(tmp_path: Path) -> None:
    with open_store(tmp_path / "log.sqlite3") as store:
        store.add_sample(
            DetectorUpdate(T0, "good", head_dev_deg=1.0, shoulder_dev_deg=2.0), side_metrics(10, 4)
        )
        store.add_sample(
            DetectorUpdate(T0 + 1, "poor", "head_forward", head_dev_deg=11.0, shoulder_dev_deg=3.0),
            side_metrics(20, 6),
        )
        # Looking down: the angles are not to be trusted and must not count.
        store.add_sample(
            DetectorUpdate(T0 + 2, "uncertain", head_dev_deg=40.0), side_metrics(50, 30)
        )
        store.add_sample(DetectorUpdate(T0 + 3, "away"), None)
        total = store.totals_between(T0 - 60, T0 + 60)
    assert (total.head_n, total.mean("head"), total.head_max) == (2, 15.0, 20.0)
    assert (total.mean("shoulder"), total.shoulder_max) == (5.0, 6.0)
    assert (total.mean("head_dev"), total.head_dev_max) == (6.0, 11.0)
    assert (total.mean("shoulder_dev"), total.shoulder_dev_max) == (2.5, 3.0)


def test_maxima_merge_across_flushes(tmp_path: Path) -> None:
    with open_store(tmp_path / "log.sqlite3") as store:
        store.add_sample(update(T0 + 1), side_metrics(head=30))
        store.flush()
        store.add_sample(update(T0 + 2), side_metrics(head=12))
        store.flush()
        store.add_sample(update(T0 + 3, "away"), None)
        (bucket,) = store.buckets_between(T0, T0 + 60)
    assert bucket.head_max == 30
    assert bucket.head_n == 2


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2024, 3, 31), 23), (date(2024, 10, 27), 25), (date(2024, 6, 1), 24)],
)
def test_local_days_follow_dst(tmp_path: Path, day: date, hours: int) -> None:
    start, end = local_day_bounds(day, BERLIN)
    assert end - start == hours * 3600
    with open_store(tmp_path / "log.sqlite3", max_sample_gap_s=30.0) as store:
        t = start - 600
        while t <= end + 600:  # from before midnight to after the next one, every 20 s
            store.add_sample(update(t), side_metrics())
            t += 20
        buckets = store.buckets_for_days(day, day, BERLIN)
        totals = store.daily_totals(day, day, BERLIN)
    assert len(buckets) == hours * 60
    assert buckets[0].start_s == start
    assert datetime.fromtimestamp(buckets[-1].start_s, BERLIN).strftime("%H:%M") == "23:59"
    assert sum(b.good_s for b in buckets) == hours * 3600
    assert totals[day].good_s == hours * 3600


def test_samples_are_batched_until_the_flush_interval(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    store = open_store(db, flush_interval_s=5.0)
    reader = sqlite3.connect(db)

    def stored_seconds() -> float:
        return float(reader.execute("SELECT COALESCE(SUM(good_s), 0) FROM buckets").fetchone()[0])

    store.add_sample(update(T0), side_metrics())
    for i in range(1, 5):
        store.add_sample(update(T0 + i), side_metrics())
    assert stored_seconds() == 0
    assert store.pending
    store.add_sample(update(T0 + 5), side_metrics())  # five seconds of sample time: committed
    assert stored_seconds() == 5
    assert not store.pending
    store.add_sample(update(T0 + 6), side_metrics())
    store.add_sample(update(T0 + 7), side_metrics())
    assert stored_seconds() == 5
    store.close()
    assert stored_seconds() == 7
    reader.close()


def test_a_crash_loses_at_most_the_unflushed_seconds(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    crashed = open_store(db, flush_interval_s=5.0)
    last = feed(crashed, T0, [("good", None, 123)])
    assert crashed.pending  # some seconds were never written; the process "dies" now
    with open_store(db) as survivor:
        total = survivor.totals_between(T0 - 60, last + 60)
    assert 123 - 5 <= total.good_s < 123


def test_a_locked_database_does_not_raise_and_catches_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "log.sqlite3"
    store = open_store(db, flush_interval_s=5.0, lock_timeout_s=0.05)
    store.add_sample(update(T0), side_metrics())
    store.flush()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.WARNING, logger="posturewatch.store.database"):
        for i in range(1, 31):  # several flush attempts while locked
            store.add_sample(update(T0 + i), side_metrics())
        assert store.flush() is False
        assert store.pending
    assert len([r for r in caplog.records if "locked" in r.getMessage()]) == 1
    other.execute("COMMIT")
    assert store.flush() is True
    assert store.totals_between(T0 - 60, T0 + 60).good_s == 30
    other.close()
    store.close()


def test_close_waits_for_a_short_lock(tmp_path: Path) -> None:
    import threading

    db = tmp_path / "log.sqlite3"
    store = open_store(db, lock_timeout_s=0.05)
    feed(store, T0, [("good", None, 3)])
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    store.close()
    with open_store(db) as again:
        assert again.totals_between(T0 - 60, T0 + 60).good_s == 3
    other.close()


def _real_database(path: Path) -> bytes:
    with open_store(path) as store:
        feed(store, T0, [("good", None, 3000), ("poor", "both", 600)])
    return path.read_bytes()


@pytest.mark.parametrize("cut", [0.02, 0.5, 0.9])
def test_a_truncated_database_is_reported_and_left_alone(tmp_path: Path, cut: float) -> None:
    data = _real_database(tmp_path / "good.sqlite3")
    db = tmp_path / "log.sqlite3"
    db.write_bytes(data[: int(len(data) * cut)])
    before = db.read_bytes()
    with pytest.raises(StoreError) as err:
        Store(db, StoreSettings())
    assert str(db) in str(err.value)
    # No backup beside it: the advice is to move it aside, not a restore that fails.
    assert "--restore-backup" not in str(err.value) and "no backup" in str(err.value)
    assert isinstance(err.value, UserError)
    assert db.read_bytes() == before
    assert not backup_path(db).exists()


def test_a_file_that_is_not_a_database_is_reported_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    db.write_bytes(b"these are not the bytes of an SQLite database\n" * 200)
    before = db.read_bytes()
    with pytest.raises(StoreError, match=r"log\.sqlite3"):
        Store(db, StoreSettings())
    assert db.read_bytes() == before


def test_restore_from_backup_keeps_the_damaged_file(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with open_store(db) as store:
        feed(store, T0, [("good", None, 600)])
        store.backup()
        feed(store, T0 + 3600, [("poor", "head_forward", 60)])
    data = bytearray(db.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema page is garbage now
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        Store(db, StoreSettings())
    aside = restore_backup(db, now_s=T0)
    assert aside is not None and aside.name.startswith("log.sqlite3.corrupt-")
    assert aside.read_bytes() == bytes(data)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with open_store(db) as store:
        total = store.totals_between(T0 - 60, T0 + 7200)
    assert total.good_s == 600  # what the backup held
    assert total.poor_s == 0  # written after the backup: gone, but still in the aside file


def test_an_emptied_database_with_a_backup_is_not_started_afresh(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with open_store(db) as store:
        feed(store, T0, [("good", None, 60)])
        store.backup()
    db.write_bytes(b"")
    with pytest.raises(StoreError, match="restore-backup"):
        Store(db, StoreSettings())
    assert db.read_bytes() == b""
    restore_backup(db)
    with open_store(db) as store:
        assert store.totals_between(T0 - 60, T0 + 120).good_s == 60


def test_restore_without_a_backup_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    db.write_bytes(b"garbage")
    with pytest.raises(StoreError, match=r"no backup .*log\.sqlite3\.bak"):
        restore_backup(db)
    assert db.read_bytes() == b"garbage"


def test_backup_is_taken_at_open_once_a_day(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    now = [T0]
    with Store(db, StoreSettings(), clock=lambda: now[0]) as store:
        feed(store, T0, [("good", None, 60)])
    assert not backup_path(db).exists()  # a new, empty database is not backed up
    Store(db, StoreSettings(), clock=lambda: now[0]).close()
    bak = backup_path(db)
    first = bak.stat().st_mtime
    assert stat.S_IMODE(bak.stat().st_mode) == 0o600
    now[0] += 3600
    Store(db, StoreSettings(), clock=lambda: now[0]).close()
    assert bak.stat().st_mtime == first
    now[0] += 86400
    Store(db, StoreSettings(), clock=lambda: now[0]).close()
    assert bak.stat().st_mtime == now[0]
    check = sqlite3.connect(bak)
    assert check.execute("SELECT SUM(good_s) FROM buckets").fetchone()[0] == 60
    check.close()


def _prompt(pid: str, t: float) -> Prompt:
    routine = Routine("chin_tucks", "Chin tucks", ("head_forward",), 60, ("Tuck your chin.",))
    return Prompt(pid, t, "posture", routine, "Posture break: Chin tucks", "body")


def test_prompts_keep_their_last_answer(tmp_path: Path) -> None:
    with open_store(tmp_path / "log.sqlite3") as store:
        store.add_prompt(_prompt("p1", T0))
        store.add_prompt(_prompt("p2", T0 + 100))
        store.add_prompt(_prompt("p3", T0 + 200))
        store.add_answer(PromptAnswer("p1", "snooze_15m", T0 + 10))
        store.add_answer(PromptAnswer("p1", "done", T0 + 900))
        store.add_answer(PromptAnswer("p2", "ignored", T0 + 400))
        store.add_event(T0 + 5, "calibration", "side view")
        prompts = store.prompts_between(T0, T0 + 3600)
        events = store.events_between(T0, T0 + 3600)
    assert [(p.id, p.answer) for p in prompts] == [("p1", "done"), ("p2", "ignored"), ("p3", None)]
    assert prompts[0].routine_id == "chin_tucks" and prompts[0].answer_s == T0 + 900
    assert [(e.kind, e.detail) for e in events] == [("calibration", "side view")]


def test_prune_deletes_only_what_is_older_than_retention(tmp_path: Path) -> None:
    day = 86400.0
    with open_store(tmp_path / "log.sqlite3", retention_days=30) as store:
        feed(store, T0 - 40 * day, [("good", None, 120)])
        store.add_prompt(_prompt("old", T0 - 40 * day))
        store.add_answer(PromptAnswer("old", "done", T0 - 40 * day + 5))
        store.add_event(T0 - 40 * day, "pause")
        store.flush()
        # The first sample after a long silence accounts for max_sample_gap_s (10 s).
        store.add_sample(update(T0 - 10 * day), side_metrics())
        feed(store, T0 - 10 * day, [("poor", "both", 60)])
        store.add_prompt(_prompt("new", T0 - 10 * day))
        store.add_event(T0 - 10 * day, "resume")
        deleted = store.prune(T0)
        total = store.totals_between(0, T0 + day)
        prompts = store.prompts_between(0, T0 + day)
        events = store.events_between(0, T0 + day)
        answers = store._conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    assert deleted == 3  # the old series touched three minute buckets
    assert total.good_s == 10 and total.poor_both_s == 60
    assert [p.id for p in prompts] == ["new"]
    assert [e.kind for e in events] == ["resume"]
    assert answers == 0


def test_migrates_an_empty_version_0_file(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    sqlite3.connect(db).close()  # what an interrupted first start leaves: version 0, no tables
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 0
    with open_store(db) as store:
        feed(store, T0, [("good", None, 10)])
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"buckets", "prompts", "answers", "events", "meta"} <= tables
    assert con.execute("SELECT SUM(good_s) FROM buckets").fetchone()[0] == 10
    con.close()


def test_refuses_a_newer_schema_and_foreign_files_untouched(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    foreign = tmp_path / "foreign.sqlite3"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.commit()
    con.close()
    for path, why in ((newer, "newer posturewatch"), (foreign, "did not create")):
        before = path.read_bytes()
        with pytest.raises(StoreError, match=why):
            Store(path, StoreSettings())
        assert path.read_bytes() == before


def test_database_is_private_and_its_directory_created(tmp_path: Path) -> None:
    db = tmp_path / "new" / "dir" / "log.sqlite3"
    with open_store(db) as store:
        feed(store, T0, [("good", None, 10)])
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        wal = db.with_name(db.name + "-wal")
        assert not wal.exists() or stat.S_IMODE(wal.stat().st_mode) == 0o600


def test_the_bucket_width_of_an_existing_file_wins(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    open_store(db, bucket_s=300).close()
    with open_store(db, bucket_s=60) as store:
        assert store.bucket_s == 300
        feed(store, T0, [("good", None, 600)])
        buckets = store.buckets_between(T0, T0 + 3600)
    # The sample at T0 + 600 closes the second bucket and opens a third with no time yet.
    assert [b.good_s for b in buckets] == [300, 300, 0]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("bucket_s", 7),
        ("bucket_s", 3600),
        ("retention_days", 0),
        ("flush_interval_s", 0.0),
    ],
)
def test_settings_reject_out_of_range_values(key: str, value: float) -> None:
    with pytest.raises(ValueError, match=key):
        StoreSettings(**{key: value})  # type: ignore[arg-type]


def test_the_sample_gap_cap_is_the_detectors_and_must_be_positive(tmp_path: Path) -> None:
    """max_sample_gap_s moved from StoreSettings to DetectorSettings (one definition);
    the store takes the same value and refuses a bad one before touching any file."""
    assert "max_sample_gap_s" not in StoreSettings.__dataclass_fields__
    with pytest.raises(ValueError, match="max_sample_gap_s"):
        DetectorSettings(max_sample_gap_s=-1.0)
    with pytest.raises(ValueError, match="max_sample_gap_s"):
        Store(tmp_path / "log.sqlite3", max_sample_gap_s=-1.0)
    assert list(tmp_path.iterdir()) == []
    with Store(tmp_path / "log.sqlite3") as store:
        assert store.max_sample_gap_s == DetectorSettings().max_sample_gap_s


# --- read-only opening (report, status) ------------------------------------------------


def files_of(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file in a folder with its bytes, mtime and mode."""
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode))
        for p in sorted(folder.iterdir())
    }


def test_a_read_only_open_changes_no_file_and_still_reads(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with open_store(db) as store:
        feed(store, T0, [("good", None, 60), ("poor", "head_forward", 30)])
        store.add_prompt(_prompt("p1", T0 + 10))
        store.add_event(T0, "pause")
    os.chmod(db, 0o644)  # a writable open would make it private again
    before = files_of(tmp_path)
    assert set(before) == {"log.sqlite3"}  # no backup yet: the writer found an empty file
    with Store(db, StoreSettings(), read_only=True) as reader:
        total = reader.totals_between(T0 - 60, T0 + 120)
        assert (total.good_s, total.poor_head_s) == (60, 30)
        assert [p.id for p in reader.prompts_between(T0 - 60, T0 + 120)] == ["p1"]
        assert [e.kind for e in reader.events_between(T0 - 60, T0 + 120)] == ["pause"]
        with pytest.raises(RuntimeError, match="read-only"):
            reader.add_sample(update(T0 + 200), side_metrics())
        for write in (reader.backup, lambda: reader.prune(T0)):
            with pytest.raises(RuntimeError, match="read-only"):
                write()
    assert files_of(tmp_path) == before  # no .bak, no -wal/-shm, no chmod, same bytes


def test_a_read_only_open_reads_what_a_running_writer_committed(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with open_store(db) as writer:
        feed(writer, T0, [("good", None, 30)])
        writer.flush()
        names = set(files_of(tmp_path))
        with Store(db, StoreSettings(), read_only=True) as reader:
            assert reader.totals_between(T0 - 60, T0 + 120).good_s == 30
        assert set(files_of(tmp_path)) == names
        feed(writer, T0 + 30, [("poor", "both", 10)])
    with Store(db, StoreSettings(), read_only=True) as reader:
        assert reader.totals_between(T0 - 60, T0 + 120).poor_both_s == 10


def test_a_read_only_open_creates_nothing_and_refuses_damage(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "log.sqlite3"
    with pytest.raises(StoreError, match="cannot open"):
        Store(missing, StoreSettings(), read_only=True)
    assert not missing.parent.exists()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="damaged"):
        Store(damaged, StoreSettings(), read_only=True)
    assert set(files_of(tmp_path)) == {"damaged.sqlite3"}


def test_a_read_only_open_reads_an_empty_file_as_no_data(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    db.write_bytes(b"")  # an interrupted first start; a writable open would migrate it
    before = files_of(tmp_path)
    with Store(db, StoreSettings(), read_only=True) as reader:
        assert reader.buckets_between(0, T0) == []
        assert reader.totals_between(0, T0).samples == 0
    assert files_of(tmp_path) == before


def test_a_read_only_open_of_an_older_schema_says_how_to_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from posturewatch.store import database

    db = tmp_path / "log.sqlite3"
    with open_store(db) as store:
        feed(store, T0, [("good", None, 10)])
    before = files_of(tmp_path)
    # As if this posturewatch knew one migration more than the file has had.
    monkeypatch.setattr(database, "MIGRATIONS", (*database.MIGRATIONS, ("CREATE TABLE x (y)",)))
    monkeypatch.setattr(database, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError) as caught:
        Store(db, StoreSettings(), read_only=True)
    message = str(caught.value)
    assert "\n" not in message and str(db) in message and "run `posturewatch run` once" in message
    assert files_of(tmp_path) == before
    with open_store(db) as store:  # a writable open upgrades it
        assert store.totals_between(T0 - 60, T0 + 60).good_s == 10
    with Store(db, StoreSettings(), read_only=True) as reader:
        assert reader.totals_between(T0 - 60, T0 + 60).good_s == 10
