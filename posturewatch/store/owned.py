"""Which files the store owns, and the one check that a file the user names for
output (a report, a recording, a profile, the demo's folder) is none of them.

`report --html FILE` with FILE the database would replace the posture log with a
web page; the same goes for its -wal, journal and backup, the profiles and the
config. Every command that writes where the user says asks `refuse_owned` first.
"""

from __future__ import annotations

import os
from pathlib import Path

from posturewatch.core.errors import UserError
from posturewatch.paths import Paths
from posturewatch.store.database import backup_path, journal_path, reserve_path

SERVICE_LOG = "service.log"
"""The background instance's log in the data folder (background.instance.LOG_NAME)."""


def database_files(db: Path) -> list[tuple[Path, str]]:
    """The database and every file SQLite and the store keep beside it."""
    return [
        (db, "the database"),
        (db.with_name(db.name + "-wal"), "the database's write-ahead log"),
        (db.with_name(db.name + "-shm"), "the database's shared memory file"),
        (journal_path(db), "the database's journal"),
        (backup_path(db), "the database's backup"),
        (reserve_path(db), "the database's reserve"),
    ]


def owned_files(paths: Paths, *, profiles: bool = True) -> list[tuple[Path, str]]:
    """Every file the store owns, with what it is: the database family, the config,
    the profiles (and their backups), the service log, the run/ folder's files, and
    the folders that hold them (the demo's --out must be none of them)."""
    owned = database_files(paths.database)
    owned.append((paths.config_file, "the config file"))
    owned += [
        (paths.data_dir, "the data folder"),
        (paths.config_dir, "the config folder"),
        (paths.profiles_dir, "the profiles folder"),
        (paths.runtime_dir, "the background instance's folder"),
    ]
    log = paths.data_dir / SERVICE_LOG
    owned += [(log, "the service log"), (log.with_name(log.name + ".1"), "the service log")]
    folders = [(paths.runtime_dir, "a file of the background instance")]
    if profiles:
        folders.append((paths.profiles_dir, "a calibration profile"))
    for folder, what in folders:
        try:
            owned += [(entry, what) for entry in folder.iterdir()]
        except OSError:
            pass
    return owned


def _same(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError):
        pass
    try:
        return os.path.samefile(a, b)  # a hard link or another name of the same file
    except OSError:
        return False


def refuse_owned(paths: Paths, out: Path, flag: str, *, profiles: bool = True) -> None:
    """UserError when `out` is (by name, link or inode) a file the store owns.
    profiles=False lets `calibrate --output` name a profile file, which is its job."""
    for path, what in owned_files(paths, profiles=profiles):
        if _same(out, path):
            raise UserError(
                f"{flag} {str(out)[:200]} is {what} ({path}); nothing was written: "
                "choose another file"
            )
