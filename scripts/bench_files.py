"""What the guarded files cost and what they bound (issue 18).

Prints: the time and peak memory `run` spends refusing a gzip bomb (a small
.jsonl.gz that inflates to one 1.5 GB line), the time to refuse a FIFO and
/dev/zero in place of a config file, and what the writer's check that its database
is still the file it opened adds to a flush (one stat per flush).

    .venv/bin/python scripts/bench_files.py
"""

from __future__ import annotations

import gzip
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.core.types import DetectorUpdate  # noqa: E402
from posturewatch.store.database import Store  # noqa: E402
from scripts.machine import describe  # noqa: E402

BOMB_BYTES = 1536 << 20
"""One line of 1.5 GB once inflated, as the fault battery's bomb."""


def make_bomb(path: Path) -> None:
    chunk = b"x" * (8 << 20)
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(BOMB_BYTES // len(chunk)):
            f.write(chunk)


def timed_run(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, the child's peak RSS in MB, and its last stderr line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=ROOT)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = done.stderr.strip().splitlines() or [""]
    return wall, max(peak, before) / 1024, lines[-1][:120]


def flush_cost(folder: Path, flushes: int = 400) -> tuple[float, float]:
    """Median ms of a flush of one bucket (commit included), and of the identity
    check alone."""
    store = Store(folder / "bench.sqlite3")
    checks = []
    for _ in range(flushes):
        t0 = time.perf_counter()
        store._same_file()
        checks.append(time.perf_counter() - t0)
    times = []
    t = 1_790_000_000.0
    for _ in range(flushes):
        t += 1
        store.add_sample(DetectorUpdate(time_s=t, state="good"), None)
        t0 = time.perf_counter()
        store.flush()
        times.append(time.perf_counter() - t0)
    store.close()
    return statistics.median(times) * 1000, statistics.median(checks) * 1000


def main() -> int:
    print(f"machine: {describe()}")
    command = [sys.executable, "-m", "posturewatch"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bomb = folder / "bomb.jsonl.gz"
        make_bomb(bomb)
        data = folder / "data"
        wall, peak, line = timed_run(
            [*command, "--data-dir", str(data), "calibrate", "--source", str(bomb)]
        )
        print(
            f"gzip bomb ({bomb.stat().st_size / 1e6:.1f} MB -> one {BOMB_BYTES >> 20} MiB "
            f"line): refused in {wall:.2f} s, peak RSS {peak:.0f} MB: {line}"
        )
        for name, make in (
            ("FIFO", lambda p: os.mkfifo(p)),
            ("/dev/zero", lambda p: p.symlink_to("/dev/zero")),
        ):
            case = folder / f"case-{name.strip('/').replace('/', '-')}"
            case.mkdir()
            make(case / "config.toml")
            wall, _, line = timed_run([*command, "--data-dir", str(case), "report"])
            print(f"config.toml that is a {name}: refused in {wall:.2f} s: {line}")
        flush_ms, check_ms = flush_cost(folder)
        print(
            f"a flush of one bucket: {flush_ms:.3f} ms, of which the check that the database "
            f"is still the file opened: {check_ms:.4f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
