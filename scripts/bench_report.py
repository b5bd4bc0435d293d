"""How fast the posture log fills and the report reads: 90 days of a full-time user.

Builds a store in a temporary directory through the real Store API (8 hours a day,
one sample a second, ~2.6 million samples, 45 minutes of poor posture and a few
breaks a day), then times opening it and building + rendering the daily and the
weekly report (text, JSON, HTML). Target: a daily report in under one second.

    .venv/bin/python scripts/bench_report.py [--days 90] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.core.types import DetectorUpdate, PostureMetrics  # noqa: E402
from posturewatch.report.export import render_json  # noqa: E402
from posturewatch.report.html import Thresholds, render_html  # noqa: E402
from posturewatch.report.model import build_daily, build_week  # noqa: E402
from posturewatch.report.text import render_text  # noqa: E402
from posturewatch.store.database import Store, StoreSettings  # noqa: E402
from scripts.machine import describe  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")


def working_day(store: Store, day: date, rng: random.Random) -> int:
    """08:30-16:30 local at 1 Hz: mostly good, spells of poor, a lunch break."""
    t = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ).timestamp()
    end = t + 8 * 3600
    n = 0
    while t < end:
        state = rng.choices(("good", "poor", "uncertain", "away"), (70, 10, 10, 10))[0]
        dominant = (
            rng.choice(("head_forward", "shoulder_rounding", "both")) if state == "poor" else None
        )
        for _ in range(rng.randint(30, 900)):
            t += 1.0
            if t >= end:
                break
            if state == "away":
                store.add_sample(DetectorUpdate(t, "away"), None)
            else:
                head = rng.gauss(14.0 if state == "poor" else 4.0, 2.0)
                metrics = PostureMetrics(
                    "side", 10 + head, 6.0, 2.0, 0.0, 3.0, 0.0, 0.3, 60.0, 0.5, 0.5, 0.9
                )
                store.add_sample(
                    DetectorUpdate(t, state, dominant, head_dev_deg=head, shoulder_dev_deg=2.0),  # type: ignore[arg-type]
                    metrics,
                )
            n += 1
    return n


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    print(f"machine: {describe()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    rng = random.Random(7)
    last = date(2024, 6, 28)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "posturewatch.sqlite3"
        store = Store(db, StoreSettings())
        start = time.perf_counter()
        samples = 0
        for k in range(args.days):
            samples += working_day(store, last - timedelta(days=args.days - 1 - k), rng)
        store.close()
        build_s = time.perf_counter() - start
        size = db.stat().st_size
        print(
            f"build: {args.days} days, {samples:,} samples in {build_s:.1f} s "
            f"({build_s / samples * 1e6:.1f} us per sample incl. making it), "
            f"database {size / 1e6:.1f} MB"
        )

        # As `posturewatch report` opens it: read-only, the integrity check only.
        open_s, _ = timed(lambda: Store(db, StoreSettings(), read_only=True).close(), args.repeat)
        print(f"open read-only (integrity check): {open_s * 1000:.0f} ms")
        with Store(db, StoreSettings(), read_only=True) as reader:
            thresholds = Thresholds(8.0, 8.0)
            build_day_s, day = timed(lambda: build_daily(reader, last, TZ), args.repeat)
            build_week_s, week = timed(lambda: build_week(reader, last, TZ), args.repeat)
        rows = []
        for name, report, build_s_ in (("daily", day, build_day_s), ("weekly", week, build_week_s)):
            text_s, _ = timed(lambda r=report: render_text(r), args.repeat)  # type: ignore[misc]
            json_s, _ = timed(lambda r=report: render_json(r), args.repeat)  # type: ignore[misc]
            html_s, page = timed(lambda r=report: render_html(r, thresholds), args.repeat)  # type: ignore[misc]
            total = open_s + build_s_ + text_s + json_s + html_s
            rows.append((name, build_s_, text_s, json_s, html_s, total, len(str(page))))
        print(
            f"{'report':<8}{'build':>9}{'text':>9}{'json':>9}{'html':>9}{'total*':>9}{'page':>10}"
        )
        for name, b, t, j, h, total, page_len in rows:
            print(
                f"{name:<8}{b * 1000:>7.0f}ms{t * 1000:>7.0f}ms{j * 1000:>7.0f}ms"
                f"{h * 1000:>7.0f}ms{total * 1000:>7.0f}ms{page_len / 1000:>8.0f}kB"
            )
        print("* total = open + build + all three renderings (median of the repeats)")
        verdict = "OK" if rows[0][5] < 1.0 else "SLOW"
        print(f"daily report under one second: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
