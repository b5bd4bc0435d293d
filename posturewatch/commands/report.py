"""`posturewatch report`: the day's (or week's) posture numbers from the local log.

Text on the terminal by default; --json for scripts, --csv and --html to files.
A database that does not exist yet is not an error: the report says there is no
data and exits 0 (with --json an all-zero report with "has_data": false). A
damaged database is one line naming the file and the way out (exit 2), and the
file is left as it is; --restore-backup puts the daily backup back. The report
opens the database read-only: reading it changes nothing on disk.
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from datetime import date, timedelta
from pathlib import Path

from posturewatch.commands.options import (
    Subparsers,
    add_command,
)
from posturewatch.context import Context
from posturewatch.core.errors import UserError
from posturewatch.files import private_dir, write_atomic
from posturewatch.report.export import render_csv, render_json
from posturewatch.report.html import Thresholds, render_html
from posturewatch.report.model import (
    DailyReport,
    EmptySource,
    ReportSettings,
    ReportSource,
    WeekReport,
    build_daily,
    build_week,
)
from posturewatch.report.text import render_text
from posturewatch.store.database import Store, restore_backup


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "report",
        "show today's posture report (or another day's, or the week's)",
        "The daily posture report from the local log. A missing database means no data yet "
        "(exit 0); a damaged one is reported with exit status 2.",
        [
            "posturewatch report",
            "posturewatch report --date yesterday --html day.html --open",
            "posturewatch report --week --json",
        ],
    )
    p.add_argument(
        "--date",
        default="today",
        metavar="DAY",
        help="today (default), yesterday or YYYY-MM-DD, in the local time zone",
    )
    p.add_argument("--week", action="store_true", help="the seven days ending with --date")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--html", metavar="FILE", help="write the report as one HTML page")
    p.add_argument(
        "--open",
        action="store_true",
        help="open the HTML page in the web browser (written to the reports folder "
        "of the data directory unless --html is given)",
    )
    p.add_argument("--csv", metavar="FILE", help="write one CSV row per day ('-' for stdout)")
    p.add_argument(
        "--restore-backup",
        action="store_true",
        help="replace a damaged database with its last daily backup (the damaged file "
        "is kept beside it); stop the background service first",
    )
    p.set_defaults(handler=handle)


def parse_day(text: str, today: date) -> date:
    """today | yesterday | YYYY-MM-DD."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UserError(f"--date: expected today, yesterday or YYYY-MM-DD, got {text!r}") from None


def handle(args: argparse.Namespace, ctx: Context) -> int:
    database = ctx.paths.database
    if args.restore_backup:
        aside = restore_backup(database)
        kept = f"; the damaged file was kept as {aside}" if aside else ""
        print(f"restored {database} from its backup{kept}")
        return 0
    day = parse_day(args.date, date.today())
    config = ctx.config
    settings = getattr(config, "report", None) or ReportSettings()
    store: Store | None = None
    source: ReportSource
    if database.exists():
        store = Store(database, config.store, read_only=True)
        source = store
    else:
        print(
            f"posturewatch: no data yet ({database} does not exist); "
            "`posturewatch run` or `posturewatch start` records posture",
            file=sys.stderr,
        )
        source = EmptySource()
    try:
        scheduler = config.scheduler
        report: DailyReport | WeekReport = (
            build_week(source, day, None, settings, scheduler=scheduler)
            if args.week
            else build_daily(source, day, None, settings, scheduler=scheduler)
        )
    finally:
        if store is not None:
            store.close()

    if args.csv == "-":
        sys.stdout.write(render_csv(report))
    elif args.json:
        sys.stdout.write(render_json(report))
    else:
        sys.stdout.write(render_text(report))
    if args.csv and args.csv != "-":
        _write(Path(args.csv), render_csv(report))
    html_path = Path(args.html) if args.html else None
    if html_path is None and args.open:
        name = f"posture-week-{day.isoformat()}" if args.week else f"posture-{day.isoformat()}"
        html_path = ctx.paths.reports_dir / f"{name}.html"
    if html_path is not None:
        detector = config.detector
        thresholds = Thresholds(detector.head_threshold_deg, detector.shoulder_threshold_deg)
        _write(html_path, render_html(report, thresholds))
        if args.open:
            webbrowser.open(html_path.resolve().as_uri())
    return 0


def _write(path: Path, text: str) -> None:
    """Write a report file readable by the user alone, atomically."""
    try:
        private_dir(path.parent)
        write_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}", file=sys.stderr)
