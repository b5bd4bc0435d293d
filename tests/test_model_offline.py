"""The pose model runs offline: building it and running it makes no network call.

MediaPipe releases from 0.10.35 on look up play.googleapis.com as soon as a
landmarker is created (usage metrics, no opt-out). The pinned release must not: this
test runs the real model under strace and fails on any Internet socket, a DNS query
included. Unix sockets (the desktop's D-Bus) are not counted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PHOTO = ROOT / "tests" / "data" / "side-view-sitting" / "sample_images" / "straight_hf.jpg"

MARKER = "/nonexistent/posturewatch-trace-marker"

SCRIPT = f"""
import socket
import time
import cv2
from posturewatch.core.types import Frame
from posturewatch.inputs.pose import make_estimator

image = cv2.imread({str(PHOTO)!r})
for static in (False, True):
    model = make_estimator(None, static_image_mode=static)
    for i in range(5):
        obs = model.estimate(Frame(index=i, time_s=i / 10, image=image))
        assert obs.pose is not None
    time.sleep(2.0)  # a metrics uploader would start by now
    model.close()
# Proof that the trace sees connect(): one Unix socket to a path that is not there.
try:
    socket.socket(socket.AF_UNIX).connect({MARKER!r})
except OSError:
    pass
print("ran")
"""


@pytest.mark.model
def test_the_pose_model_makes_no_network_call(tmp_path: Path) -> None:
    strace = shutil.which("strace")
    if strace is None:
        if os.environ.get("CI") == "true":
            pytest.fail("strace is missing (scripts/setup.sh --system installs it)")
        pytest.skip("strace is not installed")
    trace = tmp_path / "trace.txt"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmmsg", "-o", str(trace),
         sys.executable, "-c", SCRIPT],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if "ptrace" in done.stderr and done.returncode != 0:
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()}")
    assert done.returncode == 0 and "ran" in done.stdout, done.stderr
    calls = trace.read_text().splitlines()
    internet = [line for line in calls if "AF_INET" in line or "htons(53)" in line]
    assert any(MARKER in line for line in calls), "the trace does not see connect() calls"
    assert not internet, "\n".join(internet[:5])
