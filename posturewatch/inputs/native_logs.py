"""The one stderr silencer, for native libraries that write to file descriptor 2.

MediaPipe's C++ core, TensorFlow Lite and OpenCV's capture backends (V4L2, FFmpeg)
print start-up chatter and their own error lines straight to the process's stderr,
past Python's logging. The CLI promises one line on stderr per problem, so those
calls run with fd 2 pointed at /dev/null and the outcome is reported in our words.
POSTUREWATCH_MODEL_LOGS=1 shows them. libjpeg's warnings ("Premature end of JPEG
file" for a truncated photo, which still decodes) are silenced the same way.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_users = 0
_saved_fd: int | None = None
"""fd 2 is one per process: threads that silence it at once (the pose model on the
loop's thread, an image decoded ahead on another) share one redirection, made by the
first and undone by the last, so stderr always comes back."""


@contextlib.contextmanager
def quiet_native_logs(enabled: bool = True) -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration; Python's own
    sys.stderr is flushed first and works again after (enabled=False for
    `doctor --verbose`)."""
    if not enabled or os.environ.get("POSTUREWATCH_MODEL_LOGS"):
        yield
        return
    if not _enter():
        yield
        return
    try:
        yield
    finally:
        _leave()


def _enter() -> bool:
    global _users, _saved_fd
    with _lock:
        if _users == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (AttributeError, OSError, ValueError):  # no stderr (pythonw, detached)
                return False
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 2)
            finally:
                os.close(devnull)
            _saved_fd = saved
        _users += 1
        return True


def _leave() -> None:
    global _users, _saved_fd
    with _lock:
        _users -= 1
        if _users == 0 and _saved_fd is not None:
            os.dup2(_saved_fd, 2)
            os.close(_saved_fd)
            _saved_fd = None
