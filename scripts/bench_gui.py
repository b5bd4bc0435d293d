"""What the desktop app costs over the monitor loop: CPU of `posturewatch gui
--source REC` against `posturewatch run --realtime --source REC` on the same
landmark recording, each for the same wall time, on a private desktop (Xvfb,
D-Bus, dunst, trayer; see tests/desktop.py). Budget: at most 0.5 % of one core.

CPU is user + system time of the process and its children (psutil), sampled after
a warm-up so the start-up (imports, Qt, the first window) is not counted.

    python scripts/bench_gui.py [--seconds 60] [--warmup 10]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.desktop import long_recording, running_desktop  # noqa: E402

BUDGET_PERCENT = 0.5


def cpu_seconds(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def measure(argv: list[str], env: dict[str, str], warmup_s: float, seconds: float) -> float:
    """Percent of one core used by `argv` over `seconds`, after `warmup_s`."""
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        ps = psutil.Process(proc.pid)
        time.sleep(warmup_s)
        if proc.poll() is not None:
            raise SystemExit(f"{' '.join(argv)} exited early ({proc.returncode})")
        start_cpu, start = cpu_seconds(ps), time.monotonic()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(ps) - start_cpu, time.monotonic() - start
        if proc.poll() is not None:
            raise SystemExit(f"{' '.join(argv)} ended during the measurement")
    finally:
        proc.terminate()
        proc.wait(15)
    return 100.0 * used / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="posturewatch-bench-"))
    try:
        minutes = (args.seconds + args.warmup) / 60 + 2
        recording = long_recording(work / "session.jsonl.gz", minutes=minutes)
        with running_desktop(work / "desktop", tray_host=True) as desktop:
            results = {}
            for name, cmd in (
                ("run --realtime", ["run", "--realtime", "--notifier", "dbus"]),
                ("gui", ["gui"]),
            ):
                data = work / f"data-{name.split()[0]}"
                env = dict(
                    desktop.env,
                    POSTUREWATCH_DATA_DIR=str(data),
                    PYTHONPATH=str(ROOT),
                    QT_QPA_PLATFORM="xcb",
                )
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "posturewatch",
                        "calibrate",
                        "--source",
                        str(recording),
                        "--seconds",
                        "10",
                    ],
                    env=env,
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                argv = [sys.executable, "-m", "posturewatch", *cmd, "--source", str(recording)]
                results[name] = measure(argv, env, args.warmup, args.seconds)
                print(f"{name:>15}: {results[name]:.2f} % of one core", flush=True)
        extra = results["gui"] - results["run --realtime"]
        verdict = "within" if extra <= BUDGET_PERCENT else "OVER"
        print(
            f"{'gui extra':>15}: {extra:+.2f} % of one core ({verdict} the {BUDGET_PERCENT} % "
            f"budget; {args.seconds:g} s each after {args.warmup:g} s warm-up)"
        )
        return 0 if extra <= BUDGET_PERCENT else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
