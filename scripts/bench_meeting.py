"""What meeting mode costs: CPU per read of each quiet signal (this process plus the
helper programs it starts: xprop, pactl, gsettings), and what that makes at the
default poll interval as a share of one core. Run on a private desktop (Xvfb,
D-Bus, dunst, openbox showing a full-screen window; see tests/desktop.py) so
every Linux signal that can run here does. The camera signal is timed twice: as
it runs (it skips the process table when /dev has no camera) and forced to read
every process's fds (what a machine with a webcam pays).

    python scripts/bench_meeting.py [--reads 40]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.meeting.linux import ProcCameraSignal  # noqa: E402
from posturewatch.meeting.signals import (  # noqa: E402
    MeetingSettings,
    QuietSignal,
    SignalUnavailable,
    make_signals,
)
from scripts.machine import describe  # noqa: E402
from tests.desktop import running_desktop  # noqa: E402

WINDOW = (
    "import sys\nfrom PySide6.QtWidgets import QApplication, QLabel\n"
    "app = QApplication(sys.argv)\nw = QLabel('x')\nw.showFullScreen()\napp.exec()\n"
)


def cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def time_reads(signal: QuietSignal, reads: int) -> tuple[float, float, str]:
    """(median wall ms, mean CPU ms) per read, and what the last read said."""
    walls: list[float] = []
    cpu_start = cpu_now()
    said = ""
    for _ in range(reads):
        started = time.perf_counter()
        try:
            reading = signal.read()
            said = ("quiet: " if reading.quiet else "") + reading.detail
        except SignalUnavailable as exc:
            said = f"not available: {exc}"
        walls.append((time.perf_counter() - started) * 1000)
    return statistics.median(walls), (cpu_now() - cpu_start) * 1000 / reads, said


@contextmanager
def desktop_with_a_fullscreen_window(work: Path) -> Iterator[None]:
    with running_desktop(work / "desktop") as desktop:
        saved = {k: os.environ.get(k) for k in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
        os.environ.update(DISPLAY=desktop.display, DBUS_SESSION_BUS_ADDRESS=desktop.bus_address)
        procs = []
        if shutil.which("openbox"):
            procs.append(
                subprocess.Popen(
                    ["openbox", "--sm-disable"],
                    env=desktop.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            time.sleep(1.0)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", WINDOW], env={**desktop.env, "QT_QPA_PLATFORM": "xcb"}
                )
            )
            time.sleep(3.0)
        try:
            yield
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(timeout=10)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=40)
    args = parser.parse_args()
    settings = MeetingSettings()
    print(f"machine: {describe()}")
    processes = sum(1 for name in os.listdir("/proc") if name.isdigit())
    with (
        tempfile.TemporaryDirectory(prefix="bench-meeting-") as tmp,
        desktop_with_a_fullscreen_window(Path(tmp)),
    ):
        signals: list[tuple[str, QuietSignal]] = [(s.name, s) for s in make_signals(settings)]
        signals.append(
            (f"camera in use, every fd of {processes} processes read", ProcCameraSignal())
        )
        total_ms = 0.0
        for label, signal in signals:
            wall_ms, cpu_ms, said = time_reads(signal, args.reads)
            if "every fd" not in label:
                total_ms += cpu_ms
            print(f"{label}: {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU per read ({said})")
    share = total_ms / (settings.poll_s * 1000) * 100
    print(
        f"all signals as they run here: {total_ms:.1f} ms CPU per poll, every "
        f"{settings.poll_s:g} s: {share:.3f} % of one core"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
