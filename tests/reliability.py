"""Shared parts of the reliability tests: a real `posturewatch` process on the code
under test, a small simulated recording and its calibration, and the faults a real
machine has (read-only and immutable files, a full disk, a held lock)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from calibration.simulator import Body, Camera, Posture, simulate
from posturewatch.core.baseline import calibrate
from posturewatch.core.types import Observation
from posturewatch.inputs.recording import RecordingWriter
from posturewatch.paths import Paths
from posturewatch.store.profiles import save_profile
from tests.paths import REPO

COMMAND = [sys.executable, "-m", "posturewatch"]
MONDAY_9AM = "2026-11-23T09:00"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
IN_CI = os.environ.get("CI", "").lower() == "true"

CAMERA = Camera(view="side")
UPRIGHT = Posture(head_forward_deg=10.0)
SLOUCHED = Posture(head_forward_deg=30.0)


def observe(posture: Posture, t: float) -> Observation:
    i = int(t)
    return simulate(Body(), posture, CAMERA, np.random.default_rng(i), time_s=t, index=i)


def write_recording(path: Path, seconds: int, step_s: float = 1.0) -> Path:
    """`seconds` of upright then slouched sitting, one frame every step_s."""
    with RecordingWriter(path, "simulated test session") as writer:
        t = 0.0
        while t < seconds:
            writer.write(observe(UPRIGHT if t < seconds / 2 else SLOUCHED, t))
            t += step_s
    return path


def calibrated(data_dir: Path) -> Paths:
    """A data dir with a default profile calibrated on upright sitting."""
    paths = Paths(config_dir=data_dir, data_dir=data_dir)
    paths.ensure()
    baseline = calibrate([observe(UPRIGHT, float(i)) for i in range(40)], view="side")
    save_profile(paths.profile_file(), baseline)
    return paths


def pw(data_dir: Path | None, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the worktree's `posturewatch` (not the console script's copy)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("POSTUREWATCH_DATA_DIR", None)
    argv = [*COMMAND, *(("--data-dir", str(data_dir)) if data_dir is not None else ()), *args]
    if args and args[0] in ("run", "start") and "--notifier" not in args:
        argv += ["--notifier", "none"]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=str(REPO)
    )


def one_line(done: subprocess.CompletedProcess[str], code: int = 2, *needles: str) -> str:
    """The run ended with exit `code` and exactly one `posturewatch: ...` line on
    stderr, containing every needle; no traceback."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == code, (done.returncode, done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("posturewatch: "), lines[0]
    # Short and printable whatever the input quoted in it (core.errors.one_line).
    assert len(lines[0]) <= 360 and lines[0].isprintable(), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def last_line(done: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """A fault met during a run: warnings as it happens may come first, and the
    last line says what became of the data; exit `code`, no traceback."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("posturewatch: ") for line in lines), done.stderr
    for needle in needles:
        assert needle in lines[-1], lines[-1]
    return lines[-1]


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """chattr +i: not even root may write it. Skips where chattr cannot."""
    if not IS_ROOT or shutil.which("chattr") is None:
        pytest.skip("chattr +i needs root and chattr")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder` (root only; in CI it must work)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT:
        if IN_CI:
            pytest.fail("CI runs as root: the tmpfs must be mountable")
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        if IN_CI:
            pytest.fail(f"cannot mount a tmpfs in CI: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the disk holding `folder` to the last byte; returns the filler to delete."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while f.write(b"\0" * size):
                    pass
    return filler
