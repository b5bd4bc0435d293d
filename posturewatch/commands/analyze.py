"""`posturewatch analyze SOURCE`: the posture numbers of every frame, one line each.

Why: to see exactly what the tool sees before trusting it with reminders, to check
a calibration profile against photos (`--calibration`), and to feed the numbers to
other programs (`--json`, one object per line). Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from posturewatch.commands.options import (
    Subparsers,
    add_command,
    add_sensitivity_argument,
    add_source_arguments,
    positive_int,
)
from posturewatch.core.errors import UserError, one_line
from posturewatch.core.types import Observation, PostureMetrics, View
from posturewatch.inputs.pacing import Pacer
from posturewatch.inputs.sources import IMAGE_SUFFIXES, parse_camera
from posturewatch.paths import expand_user

if TYPE_CHECKING:
    from posturewatch.context import Context
    from posturewatch.core.detector import FrameVerdict
    from posturewatch.core.metrics import MetricsSettings
    from posturewatch.inputs.observations import ObservationSource

Judge = Callable[[PostureMetrics | None], "FrameVerdict"]

CAMERA_FPS = 2.0
"""A live camera is sampled this often unless --fps says otherwise."""

METRIC_FIELDS = (
    "head_forward_deg",
    "shoulder_rounding_deg",
    "lean_deg",
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
    "scale",
    "distance_cm",
    "center_x",
    "center_y",
    "quality",
)


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "analyze",
        "print the posture numbers of every frame of a source",
        "Run the pose model on a camera, a video, an image, a folder or glob of images, or "
        "replay a landmark recording, and print one line per frame: head-forward and "
        "shoulder-rounding angles and the rest of the metrics (see docs/metrics.md).",
        [
            "posturewatch analyze photos/ --json",
            "posturewatch analyze --source day.jsonl.gz --calibration desk.json",
        ],
        handler=handle,
    )
    p.add_argument(
        "spec", nargs="?", metavar="SOURCE", help="the source, as with --source (either form)"
    )
    add_source_arguments(p, default="none: a SOURCE is required")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--calibration",
        type=Path,
        metavar="FILE",
        help="a calibration profile: add good/poor/unknown, every deviation from it, the "
        "thresholds in force and, for a poor frame, which signal decided and why",
    )
    add_sensitivity_argument(p)
    p.add_argument(
        "--frames",
        type=positive_int,
        metavar="N",
        help="stop after N frames (a camera otherwise runs until Ctrl-C)",
    )


@dataclass(frozen=True)
class FrameResult:
    """One analysed frame: where it came from, its metrics and, with a profile, its verdict."""

    index: int
    time_s: float
    path: str | None
    metrics: PostureMetrics | None
    verdict: FrameVerdict | None = None


def is_image_spec(spec: str) -> bool:
    """A folder, a glob or an image file: sources whose --fps sets the time stamps."""
    if any(ch in spec for ch in "*?["):
        return True
    path = expand_user(spec, "--source")
    return path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES


def analyze(
    source: ObservationSource,
    view: View | None = None,
    judge: Judge | None = None,
    every_s: float | None = None,
    limit: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    settings: MetricsSettings | None = None,
) -> Iterator[FrameResult]:
    """The frames of `source` with their metrics. A recording is sampled every
    `every_s` seconds of media time (skipping frames undecoded); a camera is paced
    in real time."""
    from posturewatch.core.metrics import compute_metrics

    pacer = Pacer(source, sleep, monotonic)
    count = 0
    while limit is None or count < limit:
        obs: Observation | None = pacer.next(every_s)
        if obs is None:
            return
        metrics = compute_metrics(obs, view, settings)
        verdict = judge(metrics) if judge is not None else None
        yield FrameResult(obs.index, obs.time_s, obs.path, metrics, verdict)
        count += 1


def _number(value: float | None, digits: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def result_to_json(result: FrameResult) -> dict[str, Any]:
    """The JSON object of one frame: every metric (null without a person)."""
    m = result.metrics
    out: dict[str, Any] = {
        "index": result.index,
        "time_s": round(result.time_s, 3),
        "path": result.path,
        "person_found": m is not None,
        "view": m.view if m is not None else None,
    }
    for name in METRIC_FIELDS:
        value = getattr(m, name) if m is not None else None
        out[name] = _number(value, 4 if name in ("scale", "center_x", "center_y") else 2)
    if result.verdict is not None:
        v = result.verdict
        out["verdict"] = v.verdict
        out["head_dev_deg"] = _number(v.head_dev_deg, 2)
        out["shoulder_dev_deg"] = _number(v.shoulder_dev_deg, 2)
        out["reason"] = v.reason
        out["decided_by"] = v.decided_by
        out["why"] = v.why
        out["deviations"] = deviations_json(v)
        out["readings"] = {k: _number(x, 3) for k, x in v.readings.items()}
        out["thresholds"] = v.thresholds.to_json() if v.thresholds is not None else None
    return out


FRONT_DEVIATIONS = (
    "head_forward_deg",
    "untipped_head_forward_deg",
    "judged_head_forward_deg",
    "shoulder_rounding_deg",
    "neck_ratio",
    "head_drop_fw",
    "ear_drop_fw",
    "shoulder_drop_fw",
    "pitch_deg",
    "lean_in_deg",
    "recline_drop_fw",
    "head_sink_fw",
    "shoulder_sink_fw",
    "head_low_fw",
    "sink_cm",
)
"""Every front deviation from the calibration (core/front.FrontDeviation), in --json."""


def deviations_json(v: FrameVerdict) -> dict[str, float | None] | None:
    """A front frame's every deviation from its calibration (None in a side view)."""
    if v.front is None:
        return None
    return {name: _number(getattr(v.front, name), 3) for name in FRONT_DEVIATIONS}


def thresholds_line(v: FrameVerdict) -> str:
    """The thresholds in force, one line for the text table's head."""
    t = v.thresholds
    if t is None:
        return ""
    if v.front is None:
        return (
            f"# thresholds in force (sensitivity {t.sensitivity:g}): head forward "
            f"{t.head_threshold_deg:.1f} deg, trunk {t.shoulder_threshold_deg:.1f} deg"
        )
    return (
        f"# thresholds in force (sensitivity {t.sensitivity:g}): head forward "
        f"{t.head_threshold_deg:.1f} deg or head {t.head_low_fw:.2f} F lower; ears at "
        f"{t.min_neck_ratio:.3f} of their height; lean in {t.lean_in_deg:.1f} deg; sinking "
        f"head {t.sink_head_fw:.2f} F and shoulders {t.sink_shoulder_fw:.2f} F lower; rounded "
        f"shoulders {t.front_shoulder_threshold_deg:.1f} deg (F = face widths)"
    )


@dataclass(frozen=True)
class _Column:
    title: str
    width: int
    cell: Callable[[FrameResult], str]
    left: bool = False


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _metric(name: str, digits: int = 1) -> Callable[[FrameResult], str]:
    def cell(r: FrameResult) -> str:
        return _fmt(getattr(r.metrics, name), digits) if r.metrics is not None else ""

    return cell


def _front(name: str, digits: int = 1) -> Callable[[FrameResult], str]:
    def cell(r: FrameResult) -> str:
        front = r.verdict.front if r.verdict else None
        return _fmt(getattr(front, name), digits) if front is not None else ""

    return cell


def _why(r: FrameResult) -> str:
    """Why poor (the deciding signal in words), or why not judged."""
    v = r.verdict
    if v is None:
        return ""
    if v.why and v.reason:
        return f"{v.why} ({v.reason})"
    return v.why or v.reason


def table_columns(show_path: bool, with_verdict: bool) -> list[_Column]:
    """The readable table: degrees to one decimal, the file name for image folders."""
    columns = [
        _Column("frame", 6, lambda r: str(r.index)),
        _Column("time_s", 8, lambda r: f"{r.time_s:.2f}"),
    ]
    if show_path:
        # A recording's `path` is text from a file: escaped, never raw on the terminal.
        columns.append(
            _Column("file", 24, lambda r: one_line(Path(r.path or "").name, limit=None), left=True)
        )
    columns += [
        _Column("view", 5, lambda r: r.metrics.view if r.metrics else "", left=True),
        _Column("head_fwd", 8, _metric("head_forward_deg")),
        _Column("shoulder", 8, _metric("shoulder_rounding_deg")),
        _Column("lean", 6, _metric("lean_deg")),
        _Column("yaw", 6, _metric("head_yaw_deg")),
        _Column("pitch", 6, _metric("head_pitch_deg")),
        _Column("roll", 6, _metric("head_roll_deg")),
        _Column("dist_cm", 7, _metric("distance_cm", 0)),
        _Column("quality", 7, _metric("quality", 2)),
    ]
    if with_verdict:
        columns += [
            _Column("verdict", 7, lambda r: r.verdict.verdict if r.verdict else "", left=True),
            _Column("head_dev", 8, lambda r: _fmt(r.verdict.head_dev_deg) if r.verdict else ""),
            _Column("shld_dev", 8, lambda r: _fmt(r.verdict.shoulder_dev_deg) if r.verdict else ""),
            _Column("sink_h", 6, _front("head_sink_fw", 2)),
            _Column("sink_s", 6, _front("shoulder_sink_fw", 2)),
            _Column("neck", 5, _front("neck_ratio", 2)),
            _Column("lean_in", 7, _front("lean_in_deg")),
            _Column("why", 0, _why, left=True),
        ]
    return columns


def format_row(columns: list[_Column], cells: list[str]) -> str:
    parts = [
        c.ljust(col.width) if col.left else c.rjust(col.width)
        for col, c in zip(columns, cells, strict=True)
    ]
    return "  ".join(parts).rstrip()


def format_result(columns: list[_Column], result: FrameResult) -> str:
    if result.metrics is None and result.verdict is None:
        # Keep the frame's place in the table and say why it has no numbers.
        cells = [col.cell(result) for col in columns[:2]]
        if len(columns) > 2 and columns[2].title == "file":
            cells.append(columns[2].cell(result))
        return format_row(columns[: len(cells)], cells) + "  no person found"
    return format_row(columns, [col.cell(result) for col in columns])


def _make_judge(path: Path, ctx: Context, sensitivity: float | None = None) -> tuple[Judge, View]:
    """Verdicts against a profile, with the detector's own per-frame rule and the
    thresholds in force (--sensitivity in place of the configured one)."""
    from posturewatch.core.detector import frame_verdict
    from posturewatch.core.thresholds import thresholds_in_force
    from posturewatch.store.profiles import load_profile

    baseline = load_profile(path)
    settings = ctx.config.detector
    if sensitivity is not None:
        try:
            settings = dataclasses.replace(settings, sensitivity=sensitivity)
        except ValueError as exc:
            raise UserError(f"--{exc}") from None
    thresholds = thresholds_in_force(settings, baseline)

    def judge(metrics: PostureMetrics | None) -> FrameVerdict:
        return frame_verdict(metrics, baseline, settings, thresholds=thresholds)

    return judge, baseline.view


def handle(args: argparse.Namespace, ctx: Context, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.spec and args.source and args.spec != args.source:
        raise UserError(f"two sources given: {args.spec} and --source {args.source}")
    spec = args.spec or args.source
    if not spec:
        raise UserError(
            "analyze needs a SOURCE: an image, a folder, a video, a recording or camera"
        )
    if args.model is not None and not args.model.is_file():
        raise UserError(f"pose model file not found: {args.model}")

    judge: Judge | None = None
    view: View | None = args.view
    if args.calibration is not None:
        judge, calibrated_view = _make_judge(args.calibration, ctx, args.sensitivity)
        view = view or calibrated_view

    from posturewatch.inputs.observations import open_observations

    camera = parse_camera(spec) is not None
    if camera:
        # OpenCV's own warnings about a missing device would add lines to our one.
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
    images = not camera and is_image_spec(spec)
    every_s: float | None = None
    if camera:
        every_s = 1.0 / (args.fps or CAMERA_FPS)
    elif not images and args.fps:
        every_s = 1.0 / args.fps
    source = open_observations(
        spec, args.fps if images else None, args.model, pose_settings=ctx.config.pose
    )
    header_done = False

    columns = table_columns(show_path=images, with_verdict=judge is not None)
    try:
        results = analyze(source, view, judge, every_s, args.frames, settings=ctx.config.metrics)
        for result in results:
            if args.json:
                line = json.dumps(result_to_json(result), allow_nan=False)
            else:
                if not header_done:
                    # After the first frame: a source that fails prints nothing on stdout.
                    if result.verdict is not None:
                        print(thresholds_line(result.verdict), file=out)
                    print(format_row(columns, [c.title for c in columns]), file=out)
                    header_done = True
                line = format_result(columns, result)
            print(line, file=out, flush=source.live)
    except KeyboardInterrupt:
        if not source.live:
            raise
    finally:
        source.close()
    return 0
