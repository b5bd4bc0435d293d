"""`posturewatch record`: keep the landmarks of a session, never its images (issue 7).

A recording replays through `analyze`, `calibrate` and `run` as the source did,
without a camera or the model, and can be shared to reproduce a problem without
sharing a picture of anyone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from posturewatch.commands.options import (
    SECONDS,
    Subparsers,
    add_command,
    add_source_arguments,
)
from posturewatch.core.errors import UserError
from posturewatch.inputs.observations import ObservationSource, open_observations
from posturewatch.inputs.pacing import Pacer
from posturewatch.inputs.recording import RecordingWriter
from posturewatch.inputs.sources import parse_camera
from posturewatch.paths import expand_user
from posturewatch.store.owned import refuse_owned

if TYPE_CHECKING:
    from posturewatch.context import Context


@dataclass(frozen=True)
class RecordSummary:
    frames: int
    with_person: int
    interrupted: bool = False


def record(
    source: ObservationSource,
    writer: RecordingWriter,
    every_s: float | None = None,
    duration_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> RecordSummary:
    """Copy the source's observations into the writer: to the end, or for
    `duration_s` of source time, one per `every_s` seconds when given. A recording
    is skipped through by source time; a camera only has "now", so it is paced by
    waiting. Ctrl-C ends a camera session and keeps what was recorded."""
    pacer = Pacer(source, sleep, monotonic)
    start_s: float | None = None
    interrupted = False
    try:
        while (obs := pacer.next(every_s)) is not None:
            if start_s is None:
                start_s = obs.time_s
                writer.adopt_model_of(source)
            if duration_s is not None and obs.time_s - start_s >= duration_s:
                break
            writer.write(obs)
    except KeyboardInterrupt:
        interrupted = True
    return RecordSummary(writer.frames, writer.frames_with_person, interrupted)


def run_record(args: argparse.Namespace, ctx: Context) -> int:
    spec = args.source or ctx.config.camera.source_spec
    out = expand_user(args.out, "--out")
    source_path = expand_user(spec, "--source")
    if source_path.exists() and out.exists() and source_path.resolve() == out.resolve():
        raise UserError(f"--out {args.out} is the source itself; choose another file")
    refuse_owned(ctx.paths, out, "--out")
    if out.exists() and not args.force:
        raise UserError(f"{out} already exists; choose another name or pass --force to replace it")
    # The output file is created first, so a bad --out fails before the model loads.
    writer = RecordingWriter(
        out,
        spec,
        fps=args.fps,
        notes=args.notes,
        overwrite=args.force,
        file_names_only=not args.keep_folders,
    )
    summary: RecordSummary | None = None
    try:
        width = height = None
        if parse_camera(spec) is not None:
            width, height = ctx.config.camera.width, ctx.config.camera.height
        source = open_observations(
            spec, args.fps, args.model, width, height, pose_settings=ctx.config.pose
        )
        try:
            summary = record(source, writer, args.every, args.duration)
        finally:
            source.close()
    finally:
        writer.close()
        if summary is None and writer.frames == 0:
            out.unlink(missing_ok=True)  # nothing recorded: leave no empty file behind
    stopped = " (stopped by Ctrl-C)" if summary.interrupted else ""
    print(
        f"recorded {summary.frames} frames, {summary.with_person} with a person, to {out}{stopped}"
    )
    return 0


def register(sub: Subparsers) -> None:
    parser = add_command(
        sub,
        "record",
        "save the landmarks of every analysed frame (never the images)",
        "Run the pose model over a camera, a video or a folder of images and save what it "
        "found, frame by frame, as a landmark recording: numbers only, never pixels. Replay "
        "it anywhere a SOURCE is accepted (see docs/landmark-recordings.md).",
        [
            "posturewatch record --out today.jsonl.gz --duration 600",
            "posturewatch record --source session.mp4 --out session.jsonl.gz --every 1",
        ],
        handler=run_record,
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the recording to write: FILE.jsonl, or FILE.jsonl.gz to compress it",
    )
    parser.add_argument(
        "--every",
        type=SECONDS,
        metavar="SECONDS",
        help="keep one frame per SECONDS of source time (default: every frame)",
    )
    parser.add_argument(
        "--duration",
        type=SECONDS,
        metavar="SECONDS",
        help="stop after SECONDS of source time (a camera otherwise records until Ctrl-C)",
    )
    parser.add_argument("--notes", default="", help="free text kept in the recording's header")
    parser.add_argument(
        "--keep-folders",
        action="store_true",
        help="store each image's full path, not only its file name",
    )
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
