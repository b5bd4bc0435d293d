"""The one stderr silencer, for native libraries that write to file descriptor 2.

MediaPipe's C++ core, TensorFlow Lite and OpenCV's capture backends (V4L2, FFmpeg)
print start-up chatter and their own error lines straight to the process's stderr,
past Python's logging. The CLI promises one line on stderr per problem, so those
calls run with fd 2 pointed at /dev/null and the outcome is reported in our words.
POSTUREWATCH_MODEL_LOGS=1 shows them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_logs(enabled: bool = True) -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration; Python's own
    sys.stderr is flushed first and works again after (enabled=False for
    `doctor --verbose`)."""
    if not enabled or os.environ.get("POSTUREWATCH_MODEL_LOGS"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no stderr at all (pythonw, detached)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
