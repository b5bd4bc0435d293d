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

Every other file is opened through one of two doors. `open_private` for a file the
tool writes (a journal, a log, a recording): no link followed, a regular file of
ours only, 0600. `open_regular` / `read_limited` / `LimitedLines` for a file it
reads: a regular file only (never a FIFO to wait on or a device to read without
end), with a cap on its size or on each line and the whole stream.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import IO

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


def create_private(path: str | os.PathLike[str], *, exclusive: bool) -> None:
    """Make sure `path` exists as a file born 0600, for a file that is then
    streamed to rather than written at once. exclusive: an existing file is
    FileExistsError; otherwise an existing file keeps its content (made 0600), for
    the caller to truncate. Guarded as open_private is."""
    os.close(open_private(path, exclusive=exclusive))


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


# --- guarded opening: the one way a file the tool writes is opened, and the one way a
# file it reads is read. A shared --data-dir (which the README supports) lets another
# user plant a link, a FIFO or a device where the tool's file belongs: a write must
# not follow it, a read must not hang on it or swallow it whole.


class RefusedFile(OSError):
    """A path the tool will not open as asked (a planted link, a FIFO or device,
    another user's file, a file over its size cap). str() is one line naming it,
    so the callers' `except OSError` report it as they report any other."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        super().__init__(errno.EPERM, problem, os.fspath(path))
        self.problem = problem

    def __str__(self) -> str:
        return f"{os.fspath(self.filename)}: {self.problem}"


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def not_regular(path: str | os.PathLike[str]) -> str | None:
    """Why `path` (links followed) is not a regular file to read ("a FIFO", ...),
    or None when it is one or does not exist. stat() never blocks on a FIFO, so a
    caller can refuse one before a library (OpenCV, SQLite) opens it."""
    try:
        st = os.stat(path)
    except OSError:
        return None  # missing, or a link loop: the open that follows says which
    if stat.S_ISREG(st.st_mode):
        return None
    return _kind(st.st_mode)


def _refuse_unless_regular(fd: int, path: str | os.PathLike[str], st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise RefusedFile(path, f"is {_kind(st.st_mode)}, not a regular file; refused")


def _own(st: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def open_private(
    path: str | os.PathLike[str],
    *,
    append: bool = False,
    truncate: bool = False,
    exclusive: bool = False,
    readable: bool = False,
) -> int:
    """A write descriptor on `path`, created 0600. Refused (RefusedFile) when the
    last component is a link (O_NOFOLLOW: the tool never writes through a link it
    did not make), when it is not a regular file (a FIFO is opened non-blocking, so
    one without a reader fails at once instead of hanging) or belongs to another
    user. A file of ours with a looser mode is made 0600. truncate empties it only
    after those checks, so a refused file is never touched."""
    flags = (os.O_RDWR if readable else os.O_WRONLY) | os.O_CREAT
    flags |= _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY
    if append:
        flags |= os.O_APPEND
    if exclusive:
        flags |= os.O_EXCL
    try:
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (
            exc.errno == errno.ENXIO and os.path.exists(path)  # a FIFO with no reader
        ):
            st = os.lstat(path)
            raise RefusedFile(
                path, f"is {_kind(st.st_mode)}, not a regular file; nothing was written"
            ) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RefusedFile(
                path, f"is {_kind(st.st_mode)}, not a regular file; nothing was written"
            )
        if not _own(st):
            raise RefusedFile(path, "belongs to another user; nothing was written")
        if sys.platform != "win32" and st.st_mode & 0o077:
            os.fchmod(fd, PRIVATE_FILE_MODE)
        if truncate:
            os.ftruncate(fd, 0)
        _blocking(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _blocking(fd: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.set_blocking(fd, True)


def open_regular(
    path: str | os.PathLike[str], *, max_bytes: int | None = None, follow: bool = True
) -> int:
    """A read descriptor on `path` (a link is followed: a config kept in a dotfiles
    folder is fine), refused (RefusedFile) unless it is a regular file: opened
    non-blocking, so a FIFO never hangs, then checked, so a device such as /dev/zero
    is never read. max_bytes: a larger file is refused by its size. follow=False
    for a file only the tool makes (its journal): a link there was planted."""
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | _BINARY | (0 if follow else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow and os.path.islink(path):
            raise RefusedFile(
                path, "is a symbolic link, not a file the tool made; refused"
            ) from None
        raise
    try:
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    _refuse_unless_regular(fd, path, st)
    if max_bytes is not None and st.st_size > max_bytes:
        os.close(fd)
        raise RefusedFile(path, f"is larger than {_size(max_bytes)}; refused")
    _blocking(fd)
    return fd


def read_limited(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The whole of a regular file of at most max_bytes (see open_regular); one that
    grows past it while read is refused too."""
    fd = open_regular(path, max_bytes=max_bytes)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise RefusedFile(path, f"is larger than {_size(max_bytes)}; refused")
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text_limited(path: str | os.PathLike[str], max_bytes: int) -> str:
    """read_limited decoded as UTF-8 (UnicodeDecodeError as usual)."""
    return read_limited(path, max_bytes).decode("utf-8")


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


class LimitedLines:
    """Lines of a binary stream, each at most max_line bytes and all together at
    most max_total: a line or a stream past its cap raises RefusedFile, so a gzip
    bomb (1.5 MB that inflates to one 1.5 GB line) costs a bounded read, not the
    memory."""

    def __init__(
        self, stream: IO[bytes], path: str | os.PathLike[str], max_line: int, max_total: int
    ) -> None:
        self.stream = stream
        self.path = path
        self.max_line = max_line
        self.max_total = max_total
        self.total = 0
        self.lines = 0

    def readline(self) -> bytes:
        line = self.stream.readline(self.max_line + 1)
        self.lines += 1
        if len(line) > self.max_line:
            raise RefusedFile(
                self.path, f"line {self.lines} is longer than {_size(self.max_line)}; refused"
            )
        self.total += len(line)
        if self.total > self.max_total:
            raise RefusedFile(self.path, f"holds more than {_size(self.max_total)}; refused")
        return line

    def close(self) -> None:
        self.stream.close()


def reason(exc: OSError) -> str:
    """The why of an OSError for a message that already names the file."""
    if isinstance(exc, RefusedFile):
        return exc.problem
    return exc.strerror or str(exc)


MAX_SMALL_FILE = 1 << 20
"""The cap on a file the tool reads whole: config.toml, a profile, a routines file,
a timeline (each a few KB)."""
SMALL_STATE_BYTES = 64 * 1024
"""The cap on the background instance's own small JSON files (instance.json)."""
