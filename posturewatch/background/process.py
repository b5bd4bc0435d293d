"""Starting and stopping the detached background process: its log, the spawn, the
wait until it answers, and stop with a SIGTERM fallback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from posturewatch.background import control
from posturewatch.background.instance import (
    INSTANCE_NAME,
    InstanceInfo,
    instance_running,
    log_file,
    read_instance_info,
)
from posturewatch.background.service import ServiceSettings
from posturewatch.core.errors import UserError
from posturewatch.files import RefusedFile, open_private, open_regular
from posturewatch.paths import Paths

log = logging.getLogger(__name__)

LOG_ROTATE_BYTES = 1_000_000
LOG_TAIL_BYTES = 64 * 1024
"""The last line of the log is looked for in its tail only."""


def _rotate_log(path: Path) -> None:
    """Keep one previous log; the service logs little, so 1 MB is weeks of it."""
    try:
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass


def spawn_detached(argv: Sequence[str], paths: Paths) -> subprocess.Popen[bytes]:
    """Start `argv` as a process that outlives this terminal: its own session, no
    stdin, output appended to the service log."""
    paths.ensure()
    path = log_file(paths)
    _rotate_log(path)
    kwargs: dict[str, Any] = {}
    if sys.platform == "win32":  # pragma: no cover
        kwargs["creationflags"] = (
            getattr(subprocess, "DETACHED_PROCESS", 0)
            | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
            | getattr(subprocess, "CREATE_NO_WINDOW", 0)
        )
    else:
        kwargs["start_new_session"] = True
    try:
        fd = open_private(path, append=True)
    except RefusedFile as exc:
        raise UserError(f"cannot use the service log {exc}") from None
    except OSError as exc:
        raise UserError(f"cannot open the service log {path}: {exc.strerror or exc}") from None
    try:
        return subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, close_fds=True, **kwargs
        )
    finally:
        os.close(fd)


def _last_log_line(path: Path) -> str:
    try:
        fd = open_regular(path)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(fd).st_size
        f.seek(max(0, size - LOG_TAIL_BYTES))
        lines = f.read(LOG_TAIL_BYTES).decode("utf-8", errors="replace").splitlines()
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return ""


def wait_until_ready(
    proc: subprocess.Popen[bytes],
    paths: Paths,
    timeout_s: float,
    transport: control.Transport | None = None,
) -> InstanceInfo:
    """Wait for the instance that answers on the control channel: the one just
    started, or the one that beat it to the lock (then `proc` exits 0 at once)."""
    deadline = time.monotonic() + timeout_s
    runtime_dir = paths.runtime_dir
    while time.monotonic() < deadline:
        code = proc.poll()
        if instance_running(runtime_dir):
            try:
                answer = control.send_request(runtime_dir, {"cmd": "ping"}, 1.0, transport)
            except UserError:
                pass
            else:
                raw = answer["instance"]
                return InstanceInfo(
                    pid=int(raw["pid"]),
                    since_s=float(raw["since_s"]),
                    source=str(raw["source"]),
                    log_file=str(raw.get("log_file", "")),
                )
        elif code is not None:
            reason = _last_log_line(log_file(paths)).removeprefix("posturewatch: ")
            raise UserError(
                f"the background instance exited at start-up ({reason or f'status {code}'}); "
                f"see {log_file(paths)}"
            )
        time.sleep(0.05)
    raise UserError(
        f"the background instance did not answer within {timeout_s:g} s; see {log_file(paths)}"
    )


def wait_for_exit(runtime_dir: Path, timeout_s: float) -> bool:
    """True once no process holds the instance lock (the store is flushed by then)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if not instance_running(runtime_dir):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def stop_instance(
    runtime_dir: Path,
    settings: ServiceSettings | None = None,
    transport: control.Transport | None = None,
) -> str:
    """Stop the running instance: a polite control message first, then SIGTERM (which
    takes the same clean path). Returns 'not running', 'stopped' or 'terminated'."""
    settings = settings or ServiceSettings()
    if not instance_running(runtime_dir):
        return "not running"
    info = read_instance_info(runtime_dir)
    with contextlib.suppress(UserError):
        control.send_request(runtime_dir, {"cmd": "stop"}, settings.stop_timeout_s, transport)
    if wait_for_exit(runtime_dir, settings.stop_timeout_s):
        return "stopped"
    if info is None:
        raise UserError(
            f"the background instance did not stop within {settings.stop_timeout_s:g} s "
            f"and {runtime_dir / INSTANCE_NAME} does not say its pid"
        )
    log.info("no answer to stop; sending SIGTERM to pid %d", info.pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(info.pid, signal.SIGTERM)
    if wait_for_exit(runtime_dir, settings.stop_timeout_s):
        return "terminated"
    raise UserError(
        f"the background instance (pid {info.pid}) did not stop after SIGTERM; "
        "it may be stuck: end it with your system's task manager"
    )
