"""`posturewatch demo`: the whole product on a bundled recording, no webcam needed.

Real photographs (upright, slouched, nobody in view) replayed as a morning at the
desk go through the real pose model; the demo calibrates on the first seconds,
monitors the rest on the recording's own clock, prints the prompts it would show,
and writes the day's report. It keeps its state in its own folder (`demo/` in the
data directory), so the user's real history is never touched.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shlex
import sys
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path

from posturewatch.app import Application, RunOptions, SourceOptions
from posturewatch.commands.options import (
    Subparsers,
    add_command,
)
from posturewatch.context import Context
from posturewatch.core.errors import UserError
from posturewatch.core.types import Observation, Prompt
from posturewatch.files import private_dir, read_limited, write_atomic
from posturewatch.inputs.observations import ObservationSource
from posturewatch.meeting.signals import MeetingSettings
from posturewatch.paths import Paths, expand_user
from posturewatch.store.owned import refuse_owned


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "demo",
        "run the whole product on a bundled recording (no webcam needed)",
        "Calibrate, monitor and report on a bundled recording of real photographs: upright, "
        "slouched, away.",
        ["posturewatch demo", "posturewatch demo --notifier auto"],
        handler=handle,
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the demo's state and report (default: DATA_DIR/demo)",
    )
    p.add_argument(
        "--notifier",
        metavar="NAME",
        default="none",
        help="also send the prompts to this notifier (e.g. auto); default: print them only",
    )


def timeline_path() -> Path:
    return Path(str(resources.files("posturewatch") / "data" / "demo" / "timeline.toml"))


def handle(args: argparse.Namespace, ctx: Context) -> int:
    out = expand_user(args.out or ctx.paths.data_dir / "demo", "--out").resolve()
    refuse_owned(ctx.paths, out, "--out")
    claim_demo_folder(out)
    # Fresh state each time: only files the demo itself made live here (claim checked).
    for path in _state_files(out):
        path.unlink(missing_ok=True)
    try:
        return _run_demo(args, out)
    finally:
        _seal_demo_folder(out)


def _run_demo(args: argparse.Namespace, out: Path) -> int:
    from posturewatch.commands.report import ReportRequest, write_report
    from posturewatch.core.baseline import calibrate
    from posturewatch.inputs.timeline import TimelineSource, estimate_photos, load_timeline
    from posturewatch.store.profiles import save_profile

    demo = Context(paths=Paths(config_dir=out, data_dir=out))
    demo.paths.ensure()

    timeline = load_timeline(timeline_path())
    day = date.today()
    hh, mm = (int(x) for x in timeline.start_at.split(":"))
    start = datetime.combine(day, time(hh, mm)).astimezone()
    print(f"posturewatch demo: a bundled recording of {timeline.duration_s / 60:.0f} minutes")
    print("  " + ", then ".join(f"{s.label} {s.seconds / 60:.0f} min" for s in timeline.segments))
    print("  (real photographs through the real pose model; nothing is written but numbers)")

    photos = estimate_photos({s.image for s in timeline.segments if s.image is not None})

    # 1. Calibrate on the first seconds, as a user sitting well would.
    cal = TimelineSource(timeline, photos, until_s=timeline.calibrate_seconds)
    baseline = calibrate(_drain(cal), view=None)
    profile = demo.paths.profile_file("default")
    save_profile(profile, baseline)
    print(f"\n1. calibrated on the first {timeline.calibrate_seconds:.0f} s -> {profile}")

    # 2. Monitor the whole recording on its own clock.
    print(f"\n2. monitoring {start:%A %d %B}, from {start:%H:%M} (the recording's clock):")

    def show(prompt: Prompt) -> None:
        when = datetime.fromtimestamp(prompt.time_s).astimezone().strftime("%H:%M")
        print(f"   {when}  {prompt.kind:<7} {prompt.title}")

    options = RunOptions(
        source=SourceOptions(spec=str(timeline_path())),
        notifier=args.notifier,
        profile="default",
        start_at=start.isoformat(),
    )
    # A meeting on this desktop now is not one in the recorded morning.
    config = dataclasses.replace(demo.config, meeting=MeetingSettings(enabled=False))
    with Application.open(
        demo.paths,
        config,
        options,
        observations=TimelineSource(timeline, photos),
        on_prompt=show,
    ) as app:
        summary = app.run()
    if not summary.prompts:
        print("   (no prompts)")

    # 3. The day's report, in the terminal and as a page.
    html = out / "reports" / f"posturewatch-{day.isoformat()}.html"
    private_dir(html.parent)
    print("\n3. the day's report:\n")
    sys.stdout.flush()
    status = write_report(demo.paths, demo.config, ReportRequest(day=day, html=html))
    print(f"\nHTML report: {html}")
    folder = shlex.quote(str(out))
    print(f"Open it with: `posturewatch --data-dir {folder} report --date {day} --open`")
    return status


DEMO_MARKER = ".posturewatch-demo"
"""The file that says a folder is the demo's own, to empty at each demo. It holds
the fingerprints of the state the demo left (JSON: file name -> SHA-256), so a
folder the demo made that now holds real data (someone ran `posturewatch
--data-dir` on it) is recognised and refused, not emptied."""

_STATE_NAMES = (
    "posturewatch.sqlite3",
    "posturewatch.sqlite3-wal",
    "posturewatch.sqlite3-shm",
    "posturewatch.sqlite3.bak",
    "posturewatch.sqlite3.journal",
    "config.toml",
)
_MAX_DEMO_STATE = 64 << 20
"""The demo's database is a few hundred KB; a larger file is real data."""


def _state_files(out: Path) -> list[Path]:
    """The files of `out` a demo run replaces: the database family and the profiles."""
    files = [out / name for name in _STATE_NAMES if os.path.lexists(out / name)]
    try:
        files += sorted(p for p in (out / "profiles").iterdir())
    except OSError:
        pass
    return files


def _fingerprint(path: Path) -> str | None:
    """SHA-256 of a regular file of at most _MAX_DEMO_STATE; None for anything else."""
    try:
        return hashlib.sha256(read_limited(path, _MAX_DEMO_STATE)).hexdigest()
    except OSError:
        return None


def _recorded(marker: Path) -> dict[str, str]:
    """The fingerprints in the marker; {} for a marker without any (one of an older
    posturewatch, or a demo that never finished)."""
    try:
        data = json.loads(read_limited(marker, 1 << 20))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items()}


def claim_demo_folder(out: Path) -> None:
    """Make `out` the demo's folder: a new or empty folder gets the marker; one the
    demo made before has it and holds nothing but what the demo left there (each
    file's fingerprint matches); any other folder (a real data directory, a home, a
    demo folder since used for real data) is refused with one line, and nothing in
    it is touched."""
    marker = out / DEMO_MARKER
    if out.is_dir() and not marker.is_file():
        if any(out.iterdir()):
            raise UserError(
                f"--out {out}: the folder is not empty and was not made by the demo; "
                "the demo writes only into a new or empty folder (or one it made)"
            )
    elif out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: not a folder")
    elif marker.is_file():
        recorded = _recorded(marker)
        for path in _state_files(out):
            name = path.relative_to(out).as_posix()
            if recorded.get(name) is None or _fingerprint(path) != recorded[name]:
                raise UserError(
                    f"--out {out}: {name} there holds data the demo did not write (or an "
                    "unfinished or older demo left); nothing was deleted: choose another "
                    "folder for the demo, or remove this one yourself"
                )
    private_dir(out)
    if not marker.is_file():
        _write_marker(marker, {})


def _seal_demo_folder(out: Path) -> None:
    """Record the fingerprints of what this demo left, for the next demo's claim."""
    files = {}
    for path in _state_files(out):
        digest = _fingerprint(path)
        if digest is not None:
            files[path.relative_to(out).as_posix()] = digest
    try:
        _write_marker(out / DEMO_MARKER, files)
    except OSError:
        pass  # the next demo refuses the folder rather than guess


def _write_marker(marker: Path, files: dict[str, str]) -> None:
    note = "This folder belongs to `posturewatch demo`, which empties it."
    write_atomic(marker, json.dumps({"note": note, "files": files}, indent=1) + "\n")


def _drain(source: ObservationSource) -> list[Observation]:
    out = []
    while (obs := source.read()) is not None:
        out.append(obs)
    return out
