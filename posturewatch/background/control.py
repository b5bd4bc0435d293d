"""The local control channel between the CLI (`stop`, `status`, `pause`, ...) and the
background instance: one JSON request line in, one JSON response line out.

Only the user may reach it. On Linux and macOS it is a Unix domain socket, mode
0600, inside the 0700 runtime directory. Windows has no such file permissions on
sockets, so there it is a TCP port on 127.0.0.1 plus a random token kept in a file
only the user can read; every request must carry the token. Both transports sit
behind `open_server` / `send_request`, and both run on every platform that has the
socket family, so the tests exercise each of them here.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import socket
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from posturewatch.core.errors import UserError
from posturewatch.files import (
    PRIVATE_DIR_MODE,
    SMALL_STATE_BYTES,
    private_dir,
    read_limited,
    write_atomic,
)

log = logging.getLogger(__name__)

Transport = Literal["unix", "tcp"]
Message = dict[str, Any]
Handler = Callable[[Message], Message]

SOCKET_NAME = "control.sock"
TCP_INFO_NAME = "control.json"
MAX_MESSAGE_BYTES = 64 * 1024
"""Requests and answers are a few hundred bytes; anything larger is not ours."""
_SUN_PATH_LIMIT = 100
"""sun_path holds 108 bytes on Linux and 104 on macOS, including the NUL."""
_ACCEPT_POLL_S = 0.2
"""How often the accept loop looks at the close flag, so close() returns quickly."""
CLIENT_DEADLINE_S = 2.0
"""A client has this long in all to send its request line: one that connects and
waits, or drips a byte at a time, is cut off then, and never delays anyone else."""
LISTEN_BACKLOG = 128
"""Connections the kernel queues before accept: a burst of CLI calls (a status bar
polling, scripts) is queued, not refused."""
MAX_CLIENTS = 64
"""Connections served at once (a thread each); one more is told the channel is busy."""


class NotRunning(UserError):
    """No background instance answers on the control channel."""

    def __init__(self, message: str = "posturewatch is not running in the background") -> None:
        super().__init__(message, exit_code=1)


def default_transport() -> Transport:
    return "tcp" if sys.platform == "win32" or not hasattr(socket, "AF_UNIX") else "unix"


_SHORT_DIR_CANDIDATES = 8
"""Folders tried under the temp directory when the runtime path is too long; one
another user created first is skipped, never used."""


def socket_path(runtime_dir: Path, *, create: bool = False) -> Path:
    """Where the Unix socket lives: in the runtime directory, or, when that path is
    too long for a socket address (deep test folders, long home paths), in a short
    per-user 0700 folder: $XDG_RUNTIME_DIR when it is ours, else the first of a few
    `posturewatch-<uid>[-n]` folders under the temp directory (then under /tmp, when
    $TMPDIR itself is too deep) that is ours (a real folder, owned by us, 0700; with
    create=True the first one that does not exist yet is made). A folder another
    user made first is skipped, so nobody can block or intercept the channel by
    creating it; when every candidate is taken the channel is refused with one line."""
    path = runtime_dir / SOCKET_NAME
    if len(os.fsencode(path)) < _SUN_PATH_LIMIT:
        return path
    digest = hashlib.sha256(os.fsencode(runtime_dir.resolve())).hexdigest()[:16]
    name = f"{digest}.sock"
    candidates: list[Path] = []
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg):
        candidates.append(Path(xdg) / "posturewatch")
    bases = [Path(tempfile.gettempdir())]
    if Path("/tmp").is_dir() and bases[0] != Path("/tmp"):
        bases.append(Path("/tmp"))  # a $TMPDIR too deep for a socket address
    for folder in bases:
        base = folder / f"posturewatch-{os.getuid()}"
        candidates.append(base)
        candidates += [Path(f"{base}-{n}") for n in range(1, _SHORT_DIR_CANDIDATES)]
    base = bases[0] / f"posturewatch-{os.getuid()}"
    for folder in candidates:
        if len(os.fsencode(folder / name)) >= _SUN_PATH_LIMIT:
            continue
        if _is_own_private_dir(folder):
            return folder / name
        if create and not os.path.lexists(folder):
            try:
                if folder.parent.is_dir():
                    os.mkdir(folder, PRIVATE_DIR_MODE)
            except OSError:
                continue
            if _is_own_private_dir(folder):
                return folder / name
    raise UserError(
        f"no private folder for the control socket of {runtime_dir}: the path is too long "
        f"for a socket and {base} (and the alternatives) belong to someone else; "
        "use a shorter --data-dir"
    )


def _is_own_private_dir(folder: Path) -> bool:
    """A real folder (not a symlink), owned by us, readable by us alone."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or sys.platform == "win32":
        return stat.S_ISDIR(info.st_mode)
    if info.st_uid != os.getuid():
        return False
    if stat.S_IMODE(info.st_mode) != PRIVATE_DIR_MODE:
        try:
            os.chmod(folder, PRIVATE_DIR_MODE, follow_symlinks=False)
        except (OSError, NotImplementedError):
            return False
    return True


def _private_dir(directory: Path) -> None:
    """Create `directory` readable by the user alone, and refuse one someone else owns
    (another user could otherwise swap our socket for theirs). Unlike a data folder
    (files.private_dir leaves an existing one as it is), the socket's folder is ours
    alone by name, so an existing one of ours is also narrowed to 0700."""
    private_dir(directory)
    if sys.platform == "win32":
        return
    info = directory.lstat()
    if stat.S_ISLNK(info.st_mode):
        # Possibly planted in a shared --data-dir: its target is not ours to re-mode.
        raise UserError(f"{directory} is a symbolic link; refusing to use it for the socket")
    if info.st_uid != os.getuid():
        raise UserError(
            f"{directory} belongs to another user (uid {info.st_uid}); refusing to use it"
        )
    if stat.S_IMODE(info.st_mode) != PRIVATE_DIR_MODE:
        os.chmod(directory, PRIVATE_DIR_MODE)


def _read_line(conn: socket.socket, deadline: float | None = None) -> bytes:
    """One line (without its newline) or what came before the peer closed; with a
    `deadline` (time.monotonic()), TimeoutError once it has passed, however the bytes
    trickle in."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete request in time")
            conn.settimeout(remaining)
        chunk = conn.recv(4096)
        if not chunk:
            break
        newline = chunk.find(b"\n")
        if newline >= 0:
            chunks.append(chunk[:newline])
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_MESSAGE_BYTES:
            raise ValueError("message too long")
    return b"".join(chunks)


def _encode(message: Message) -> bytes:
    return json.dumps(message, default=str, separators=(",", ":")).encode("utf-8") + b"\n"


class ControlServer:
    """Answers requests on a listening socket: a daemon thread accepts, and each
    connection is read on a thread of its own with a deadline (CLIENT_DEADLINE_S), so
    idle or slow clients never hold up the others. The handler itself runs one request
    at a time (they take microseconds, and the handler need not be thread-safe).
    `handler` gets the decoded request and returns the answer; an exception in it
    becomes {"ok": false, "error": ...}, never a crash."""

    def __init__(
        self,
        sock: socket.socket,
        handler: Handler,
        address: str,
        token: str | None = None,
        cleanup: Callable[[], None] | None = None,
    ) -> None:
        self.address = address
        self._sock = sock
        self._handler = handler
        self._token = token
        self._cleanup = cleanup
        self._closed = threading.Event()
        self._handler_lock = threading.Lock()
        self._clients = threading.BoundedSemaphore(MAX_CLIENTS)
        self._thread = threading.Thread(
            target=self._accept_loop, name="posturewatch-control", daemon=True
        )

    def start(self) -> ControlServer:
        self._sock.settimeout(_ACCEPT_POLL_S)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop answering and remove the socket or port file."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2 * _ACCEPT_POLL_S + 1.0)
        self._sock.close()
        if self._cleanup is not None:
            self._cleanup()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._closed.is_set():
                    return
                continue
            if not self._clients.acquire(blocking=False):
                with conn:
                    self._reply(conn, {"ok": False, "error": "busy: too many clients at once"})
                    with contextlib.suppress(OSError):  # what it sent, so TCP closes cleanly
                        conn.settimeout(0)
                        conn.recv(MAX_MESSAGE_BYTES)
                continue
            try:
                threading.Thread(
                    target=self._serve_client,
                    args=(conn,),
                    name="posturewatch-control-client",
                    daemon=True,
                ).start()
            except RuntimeError:  # no thread to be had: this one client is refused
                self._clients.release()
                conn.close()

    def _serve_client(self, conn: socket.socket) -> None:
        try:
            with conn:
                self._serve(conn, time.monotonic() + CLIENT_DEADLINE_S)
        except Exception:  # nothing a client sends may end the channel
            log.exception("control connection failed")
        finally:
            self._clients.release()

    def _serve(self, conn: socket.socket, deadline: float) -> None:
        try:
            line = _read_line(conn, deadline)
            request = json.loads(line.decode("utf-8"))
            if not isinstance(request, dict):
                raise ValueError("request is not a JSON object")
        except RecursionError:
            self._reply(conn, {"ok": False, "error": "bad request: nested too deeply"})
            return
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            self._reply(conn, {"ok": False, "error": f"bad request: {str(exc)[:200]}"})
            return
        if self._token is not None:
            given = request.pop("token", "")
            if not isinstance(given, str) or not hmac.compare_digest(given, self._token):
                self._reply(conn, {"ok": False, "error": "bad token"})
                return
        try:
            if self._closed.is_set():
                raise RuntimeError("the control channel is closing")
            with self._handler_lock:
                answer = self._handler(request)
        except Exception as exc:  # the instance must outlive a bad request
            log.exception("control request %r failed", request.get("cmd"))
            answer = {"ok": False, "error": str(exc) or type(exc).__name__}
        self._reply(conn, answer)

    @staticmethod
    def _reply(conn: socket.socket, answer: Message) -> None:
        try:
            conn.settimeout(CLIENT_DEADLINE_S)  # a client that does not read is let go
            conn.sendall(_encode(answer))
        except OSError:
            pass  # the client gave up; nothing to tell it


def open_server(
    runtime_dir: Path, handler: Handler, transport: Transport | None = None
) -> ControlServer:
    """Bind the control channel for the one running instance (the caller holds the
    instance lock, so any socket or port file left here is stale)."""
    transport = transport or default_transport()
    _private_dir(runtime_dir)
    if transport == "unix":
        return _open_unix_server(runtime_dir, handler)
    return _open_tcp_server(runtime_dir, handler)


def _open_unix_server(runtime_dir: Path, handler: Handler) -> ControlServer:
    path = socket_path(runtime_dir, create=True)
    _private_dir(path.parent)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if stat.S_ISDIR(info.st_mode):
            raise UserError(f"cannot create control socket {path}: a folder is in its place")
        try:
            path.unlink()
        except OSError as exc:
            raise UserError(
                f"cannot replace control socket {path}: {exc.strerror or exc}"
            ) from None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # the socket is born 0600: no window where others could connect
    try:
        sock.bind(str(path))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot create control socket {path}: {exc.strerror or exc}") from None
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    sock.listen(LISTEN_BACKLOG)

    def cleanup() -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    return ControlServer(sock, handler, str(path), cleanup=cleanup).start()


def _open_tcp_server(runtime_dir: Path, handler: Handler) -> ControlServer:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot open a local control port: {exc.strerror or exc}") from None
    sock.listen(LISTEN_BACKLOG)
    port = int(sock.getsockname()[1])
    token = secrets.token_urlsafe(32)
    info = runtime_dir / TCP_INFO_NAME
    write_atomic(info, json.dumps({"port": port, "token": token, "pid": os.getpid()}))

    def cleanup() -> None:
        with contextlib.suppress(FileNotFoundError):
            info.unlink()

    return ControlServer(sock, handler, f"127.0.0.1:{port}", token=token, cleanup=cleanup).start()


def send_request(
    runtime_dir: Path,
    request: Message,
    timeout_s: float = 3.0,
    transport: Transport | None = None,
) -> Message:
    """Send one request to the running instance and return its answer; NotRunning
    when nothing listens, UserError when it answers with an error."""
    transport = transport or default_transport()
    message = dict(request)
    if transport == "unix":
        try:
            path = socket_path(runtime_dir)
        except UserError:
            raise NotRunning() from None  # no folder of ours: nothing of ours listens
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: Any = str(path)
    else:
        info_file = runtime_dir / TCP_INFO_NAME
        try:
            info = json.loads(read_limited(info_file, SMALL_STATE_BYTES))
            port, token = int(info["port"]), str(info["token"])
        except FileNotFoundError:
            raise NotRunning() from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{info_file}: unreadable control file ({exc})") from None
        message["token"] = token
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = ("127.0.0.1", port)
    with sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(target)
        except (FileNotFoundError, ConnectionRefusedError):
            raise NotRunning() from None
        except OSError as exc:
            raise NotRunning(
                f"posturewatch is not answering on its control channel ({exc})"
            ) from None
        try:
            try:
                sock.sendall(_encode(message))
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered and closed before reading (busy): the answer is still there
            line = _read_line(sock)
        except TimeoutError:
            raise UserError(
                f"the background instance did not answer within {timeout_s:g} s"
            ) from None
        except (OSError, ValueError) as exc:
            raise UserError(f"control channel failed: {exc}") from None
    if not line:
        raise NotRunning("the background instance closed the control channel without answering")
    try:
        answer = json.loads(line.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise UserError("the background instance sent an unreadable answer") from None
    if not isinstance(answer, dict):
        raise UserError("the background instance sent an unreadable answer")
    if not answer.get("ok", False):
        raise UserError(f"the background instance refused: {answer.get('error', 'no reason')}")
    return answer
