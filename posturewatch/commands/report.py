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
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from posturewatch.commands.options import (
    Subparsers,
    add_command,
)
from posturewatch.config import Config
from posturewatch.context import Context
from posturewatch.core.errors import UserError
from posturewatch.files import private_dir, write_atomic
from posturewatch.paths import Paths
from posturewatch.report.export import render_csv, render_json
from posturewatch.report.html import Thresholds, render_html
from posturewatch.report.model import (
    DailyReport,
    EmptySource,
    ReportSource,
    WeekReport,
    build_daily,
    build_week,
)
from posturewatch.report.text import render_text
from posturewatch.store.database import RESTORE_HINT, Store, backup_path, restore_backup
from posturewatch.store.owned import refuse_owned


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
        handler=handle,
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


def parse_day(text: str, today: date) -> date:
    """today | yesterday | YYYY-MM-DD."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise UserError(f"--date: expected today, yesterday or YYYY-MM-DD, got {text!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UserError(
            f"--date: {day.isoformat()} is out of range "
            f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"
        )
    return day


FIRST_DAY = date(1971, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""The days a report can be about (the clock's range of plausible dates)."""


@dataclass(frozen=True)
class ReportRequest:
    """What report to make and where it goes (`report`'s options, typed)."""

    day: date
    week: bool = False
    json: bool = False
    """Print JSON instead of the terminal text."""
    csv: str | None = None
    """A CSV file, or '-' for stdout (instead of the text)."""
    html: Path | None = None
    open_browser: bool = False
    """Open the HTML page (written to the reports folder unless `html` is given)."""


def handle(args: argparse.Namespace, ctx: Context) -> int:
    database = ctx.paths.database
    if args.restore_backup:
        from posturewatch.background.instance import instance_running

        if instance_running(ctx.paths.runtime_dir):
            raise UserError(
                "the background instance is running and writing to the database; "
                "stop it with `posturewatch stop` first, then restore"
            )
        aside = restore_backup(database)
        kept = f"; the damaged file was kept as {aside}" if aside else ""
        print(f"restored {database} from its backup{kept}")
        return 0
    request = ReportRequest(
        day=parse_day(args.date, date.today()),
        week=args.week,
        json=args.json,
        csv=args.csv,
        html=Path(args.html) if args.html else None,
        open_browser=args.open,
    )
    return write_report(ctx.paths, ctx.config, request)


def write_report(paths: Paths, config: Config, request: ReportRequest) -> int:
    """Build the report from the store (opened read-only) and write what is asked."""
    targets = (
        ("--html", request.html),
        ("--csv", Path(request.csv) if request.csv not in (None, "-") else None),
    )
    for flag, target in targets:
        if target is not None:
            refuse_owned(paths, target, flag)
            _check_folder(target)
    database = paths.database
    day = request.day
    settings = config.report
    store: Store | None = None
    source: ReportSource
    if database.exists():
        store = Store(database, config.store, read_only=True)
        source = store
    elif backup_path(database).exists():
        # The history is in the backup: "no data yet" would hide it.
        raise UserError(
            f"the database is missing but its backup {backup_path(database)} holds the "
            f"history: {RESTORE_HINT}"
        )
    else:
        if request.json or request.csv == "-":  # the text report says it itself, once
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
            if request.week
            else build_daily(source, day, None, settings, scheduler=scheduler)
        )
    finally:
        if store is not None:
            store.close()

    if request.csv == "-":
        sys.stdout.write(render_csv(report))
    elif request.json:
        sys.stdout.write(render_json(report))
    else:
        sys.stdout.write(render_text(report))
    if request.csv and request.csv != "-":
        _write(Path(request.csv), render_csv(report))
    html_path = request.html
    if html_path is None and request.open_browser:
        name = f"posture-week-{day.isoformat()}" if request.week else f"posture-{day.isoformat()}"
        html_path = paths.reports_dir / f"{name}.html"
        private_dir(paths.reports_dir)
    if html_path is not None:
        detector = config.detector
        thresholds = Thresholds(detector.head_threshold_deg, detector.shoulder_threshold_deg)
        _write(html_path, render_html(report, thresholds))
        if request.open_browser:
            webbrowser.open(html_path.resolve().as_uri())
    return 0


def _check_folder(path: Path) -> None:
    """Refuse, before any work, a file whose folder's folder is missing too."""
    folder = path.parent
    if not folder.is_dir() and not folder.parent.is_dir():
        raise UserError(f"cannot write {path}: the folder {folder.parent} does not exist")


def _write(path: Path, text: str) -> None:
    """Write a report file readable by the user alone, atomically. Its folder may be
    made (user-only) inside one that exists; a deeper missing path is a typo to
    refuse, not a tree to invent."""
    folder = path.parent
    _check_folder(path)
    try:
        private_dir(folder)
        write_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}", file=sys.stderr)
