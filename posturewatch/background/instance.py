"""One instance per user: an OS file lock held for the process's lifetime (it
vanishes with the process, even after a crash, so a stale pid file can never block
a start), and instance.json beside it saying who holds it, for `status` and a
second `start`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from posturewatch.core.errors import UserError
from posturewatch.files import (
    SMALL_STATE_BYTES,
    open_private,
    private_dir,
    read_limited,
    write_atomic,
)
from posturewatch.paths import Paths

log = logging.getLogger(__name__)

LOCK_NAME = "posturewatch.lock"
INSTANCE_NAME = "instance.json"
LOG_NAME = "service.log"


class InstanceLock:
    """A non-blocking exclusive lock on a file: fcntl.flock on Linux and macOS,
    msvcrt.locking on Windows. The OS drops it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """True if this process now holds the lock; False if another one does."""
        if self._fd is not None:
            return True
        private_dir(self.path.parent)
        if self.path.parent.is_symlink():
            # Planted in a shared --data-dir: the lock (and socket) belong in a folder
            # of ours, not wherever the link points.
            raise UserError(
                f"{self.path.parent} is a symbolic link; refusing to keep the instance lock there"
            )
        # Not inherited by children (the guarded open's O_CLOEXEC), so a helper process
        # the service starts cannot keep "the instance" alive after it exits. Never
        # through a symlink, never a FIFO or another user's file: the lock is ours alone.
        try:
            fd = open_private(self.path, readable=True)
        except OSError as exc:
            raise UserError(
                f"cannot use the instance lock {self.path}: {exc.strerror or exc}"
                + ("; it should be a file, move it away" if self.path.is_dir() else "")
            ) from None
        if _try_lock(fd):
            self._fd = fd
            return True
        os.close(fd)
        return False

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            _unlock(self._fd)
        os.close(self._fd)
        self._fd = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path(runtime_dir: Path) -> Path:
    return runtime_dir / LOCK_NAME


def instance_running(runtime_dir: Path) -> bool:
    """Is some process holding the instance lock right now?"""
    if not lock_path(runtime_dir).exists():
        return False
    probe = InstanceLock(lock_path(runtime_dir))
    if probe.acquire():
        probe.release()
        return False
    return True


@dataclass(frozen=True)
class InstanceInfo:
    """Who holds the lock, for `status` and for a second `start`."""

    pid: int
    since_s: float
    source: str
    log_file: str = ""

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.since_s))
        return f"pid {self.pid}, since {since}, source {self.source}"


def write_instance_info(runtime_dir: Path, info: InstanceInfo) -> None:
    write_atomic(runtime_dir / INSTANCE_NAME, json.dumps(asdict(info)))


def read_instance_info(runtime_dir: Path) -> InstanceInfo | None:
    """The running instance's description, or None if missing or unreadable (it is
    only a description: the lock decides whether an instance runs)."""
    try:
        raw = json.loads(read_limited(runtime_dir / INSTANCE_NAME, SMALL_STATE_BYTES))
        return InstanceInfo(
            pid=int(raw["pid"]),
            since_s=float(raw["since_s"]),
            source=str(raw["source"]),
            log_file=str(raw.get("log_file", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def foreground_instance(paths: Paths, source: str) -> Iterator[None]:
    """Hold the one-instance lock for a foreground `run` that writes the database,
    so `run` and `start` never write the same file at once; a held lock is one
    line naming the running instance."""
    private_dir(paths.runtime_dir)
    lock = InstanceLock(lock_path(paths.runtime_dir))
    if not lock.acquire():
        other = read_instance_info(paths.runtime_dir)
        described = other.describe() if other else "details unknown"
        raise UserError(
            f"posturewatch is already running ({described}) and writes to the same "
            "database; stop it first (`posturewatch stop`) or run with --no-store"
        )
    try:
        write_instance_info(
            paths.runtime_dir,
            InstanceInfo(pid=os.getpid(), since_s=time.time(), source=f"run: {source}"),
        )
        yield
    finally:
        with contextlib.suppress(OSError):
            (paths.runtime_dir / INSTANCE_NAME).unlink()
        lock.release()


def log_file(paths: Paths) -> Path:
    return paths.data_dir / LOG_NAME
