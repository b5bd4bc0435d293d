"""The one way the tool writes its files and makes its folders: atomically, and
readable by the user alone.

`write_atomic` writes to a temporary file beside the target, created with its final
mode (no umask race: nobody else can open it between creation and a chmod),
flushes it to the disk, renames it over the target and makes the rename durable.
A crash or a failing write leaves the old file or the new one, never half of each,
and no temporary file behind.

`create_private` makes an empty file with that mode for a file that is streamed to
(a recording). `private_dir` creates a folder and any missing parents readable by the user alone,
and never changes the mode of a folder that already exists: `--data-dir` may name
a shared folder (its sticky bit or group access are not ours to take away).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700

_TEMP_ATTEMPTS = 8
"""Random temp names collide only when another writer races us; a few tries suffice."""


def write_atomic(
    path: str | os.PathLike[str], data: bytes | str, mode: int = PRIVATE_FILE_MODE
) -> None:
    """Replace `path` with `data` (text is written as UTF-8, line endings as given).

    The folder must exist (see private_dir). OSError from any step propagates after
    the temporary file is removed; the old content of `path` is then untouched."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = _create_temp(target, mode)
    try:
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


def _create_temp(target: Path, mode: int) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for attempt in range(_TEMP_ATTEMPTS):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            if attempt == _TEMP_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    """Make a rename in `directory` durable (POSIX); Windows has no directory handles,
    and a file system that cannot fsync a folder is left to do its best."""
    if sys.platform == "win32":
        return
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def create_private(
    path: str | os.PathLike[str], *, exclusive: bool, mode: int = PRIVATE_FILE_MODE
) -> None:
    """Make sure `path` exists as a file born with `mode`, for a file that is then
    streamed to rather than written at once (a landmark recording). exclusive: an
    existing file is FileExistsError; otherwise an existing file is left as it is
    (its content and mode), for the caller to truncate."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else 0)
    os.close(os.open(path, flags, mode))


def private_dir(path: str | os.PathLike[str]) -> Path:
    """`path` as a folder: created, with any missing parents, with mode 0700; an
    existing folder is left exactly as it is. FileExistsError if it is a file."""
    folder = Path(path)
    if folder.is_dir():
        return folder
    parent = folder.parent
    if parent != folder:
        private_dir(parent)
    try:
        os.mkdir(folder, PRIVATE_DIR_MODE)
    except FileExistsError:
        if not folder.is_dir():
            raise
    return folder
