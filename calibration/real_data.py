"""The front view on real people: the real pose model on licensed, labelled photos.

    python -m calibration.real_data [--data DIR] [--backend lite|full] [--model FILE.task]
    python -m calibration.real_data --csv-to-recording OUT.jsonl.gz

What it runs, through the project's own inputs pipeline
(`posturewatch.inputs.observations.open_observations`) and its own calibration and
per-frame verdicts (`calibrate_metrics`, `frame_verdict`):

* the two front-view webcam sittings of `front-view-webcam-slouch/` (MIT): each is
  calibrated on its first six upright frames (notSlouching, in the order of the
  file names' numeric suffix) and, separately, on its first upright frame alone;
  every other frame is judged; it prints the balanced accuracy of the per-frame
  verdicts, the verdicts per class, and how well each signal separates upright from
  slouched (AUC, 1 = every slouched frame above every upright one);
* the landmark CSV of `front-view-webcam-landmarks/` (PostureMax), converted to a
  landmark recording (16:9 frames, 1280x720; visibility 1.0) and read back as one;
* the side-view photographs of tests/data (head forward of every hunchback frame
  against every straight one, and each hunchback judged against a straight one).

The shared data lives beside the repository (`../shared/data`), or wherever
POSTUREWATCH_SHARED_DATA points. The simulator (calibration/evaluate.py,
calibration/metrics_accuracy.py) remains the check of geometry; this is the check
that the front view tells real upright sitting from real slouching.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal

from posturewatch.core.baseline import Baseline, CalibrationError, add_slouch, calibrate_metrics
from posturewatch.core.detector import DetectorSettings, frame_verdict
from posturewatch.core.front import FrontDeviation, front_deviation
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.types import N_LANDMARKS, Landmark, Observation, Pose, PostureMetrics

PoseBackend = Literal["auto", "lite", "full"]
REPO = Path(__file__).resolve().parent.parent
SITTINGS = (
    ("sitting 1", "low-isSlouching__high-notSlouching"),
    ("sitting 2", "low-isSlouching__middle-notSlouching"),
)
SLOUCH_DIR = "front-view-webcam-slouch"
CSV_PATH = Path("front-view-webcam-landmarks") / "posture_dataset.csv"
SIDE_VIEW = REPO / "tests" / "data" / "side-view-sitting" / "sample_images"
CSV_SIZE = (1280, 720)
"""The CSV stores normalised coordinates without the frame size. The face's own
proportions fit a 16:9 frame (width/height about 1.8-1.9), not 4:3."""
CALIBRATION_FRAMES = (6, 1)

SIGNALS: tuple[str, ...] = (
    *(f.name for f in fields(FrontDeviation)),
    "head_sink_fw",
    "shoulder_sink_fw",
    "head_low_fw",
    "judged_head_forward_deg",
)
LOWER_IS_WORSE = frozenset({"neck_ratio"})


def shared_data_dir() -> Path:
    """POSTUREWATCH_SHARED_DATA, else ../shared/data beside the repository."""
    env = os.environ.get("POSTUREWATCH_SHARED_DATA")
    return Path(env).expanduser() if env else (REPO.parent / "shared" / "data")


@dataclass(frozen=True)
class Labelled:
    """One observation and whether the person sat upright in it."""

    key: str
    upright: bool
    obs: Observation


def _suffix_number(name: str) -> int:
    found = re.search(r"(\d+)(?=\.[^.]+$)", name)
    return int(found.group(1)) if found else -1


def label_sitting(observations: Iterable[Observation]) -> list[Labelled]:
    """Upright frames (notSlouching) in the order of the numeric suffix, then the
    slouched ones (isSlouching): the calibration takes the first upright ones."""
    upright: list[Labelled] = []
    slouched: list[Labelled] = []
    for obs in observations:
        path = Path(obs.path or "")
        folder = path.parent.name
        if folder not in ("notSlouching", "isSlouching"):
            continue
        item = Labelled(f"{folder}/{path.name}", folder == "notSlouching", obs)
        (upright if item.upright else slouched).append(item)
    upright.sort(key=lambda x: _suffix_number(x.key))
    slouched.sort(key=lambda x: _suffix_number(x.key))
    return upright + slouched


def observe(
    spec: str, model: Path | None = None, backend: PoseBackend = "auto"
) -> list[Observation]:
    """Every observation of a source, through the project's inputs pipeline."""
    from posturewatch.inputs.observations import open_observations
    from posturewatch.inputs.pose import PoseSettings

    source = open_observations(spec, model_path=model, pose_settings=PoseSettings(backend))
    found: list[Observation] = []
    try:
        while (obs := source.read()) is not None:
            found.append(obs)
    finally:
        source.close()
    return found


def observe_sitting(
    folder: Path, model: Path | None = None, backend: PoseBackend = "auto"
) -> list[Labelled]:
    return label_sitting(observe(str(folder / "*" / "*.jpg"), model, backend))


# --- the evaluation's core: no model, no files ------------------------------------


def auc(worse: Sequence[float], better: Sequence[float]) -> float:
    """P(a worse frame's value > an upright frame's), ties counting a half."""
    if not worse or not better:
        return math.nan
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in worse for b in better)
    return wins / (len(worse) * len(better))


@dataclass(frozen=True)
class Evaluation:
    name: str
    calibration_frames: int
    refused: str
    """The calibration's refusal ('' when it calibrated)."""
    counts: dict[bool, Counter[str]]
    """upright? -> verdict (poor:<deviation>, good, unknown:<reason>) -> frames."""
    separation: dict[str, float]
    """Signal -> AUC (slouched worse than upright) over the judged frames."""
    ranges: dict[str, tuple[float, float, float, float]]
    """Signal -> (upright min, upright max, slouched min, slouched max)."""

    def rate(self, upright: bool) -> float:
        c = self.counts[upright]
        n = sum(c.values())
        right = c["good"] if upright else sum(v for k, v in c.items() if k.startswith("poor"))
        return right / n if n else math.nan

    @property
    def balanced_accuracy(self) -> float:
        return (self.rate(True) + self.rate(False)) / 2


def evaluate(
    name: str,
    frames: Sequence[Labelled],
    calibration_frames: int,
    settings: DetectorSettings | None = None,
    slouch_frames: int = 0,
) -> Evaluation:
    """Calibrate on the first `calibration_frames` upright frames with a person in
    them (and, with `slouch_frames`, show the first that many slouched frames as the
    person's slouch: core.baseline.add_slouch), judge every other frame on its own
    (frame_verdict)."""
    settings = settings or DetectorSettings()
    measured = [(f, compute_metrics(f.obs, "front")) for f in frames]
    upright = [(f, m) for f, m in measured if f.upright and m is not None]
    slouched = [(f, m) for f, m in measured if not f.upright and m is not None]
    chosen = upright[:calibration_frames]
    shown = slouched[:slouch_frames]
    used = {f.key for f, _ in chosen + shown}
    counts: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    title = name + (f", slouch shown on {slouch_frames} frame(s)" if slouch_frames else "")
    try:
        baseline: Baseline | None = calibrate_metrics(
            [m for _, m in chosen], view="front", min_frames=calibration_frames, source=name
        )
        if shown and baseline is not None:
            baseline = add_slouch(baseline, [m for _, m in shown], settings, source=name)
    except CalibrationError as exc:
        return Evaluation(title, calibration_frames, str(exc), counts, {}, {})
    assert baseline is not None
    name = title
    values: dict[bool, dict[str, list[float]]] = {True: {}, False: {}}
    for f, m in measured:
        if f.key in used:
            continue
        v = frame_verdict(m, baseline, settings)
        label: str = v.verdict
        if v.verdict == "poor" and v.decided_by:
            label = f"poor:{v.decided_by}"
        elif v.verdict == "unknown":
            label = f"unknown:{v.reason}"
        counts[f.upright][label] += 1
        d = front_deviation(m, baseline) if m is not None else None
        if d is None or v.verdict == "unknown":
            continue
        for signal in SIGNALS:
            values[f.upright].setdefault(signal, []).append(getattr(d, signal))
        values[f.upright].setdefault("uncalibrated head_forward_deg", []).append(_uncalibrated(m))
    separation: dict[str, float] = {}
    ranges: dict[str, tuple[float, float, float, float]] = {}
    for signal, good in values[True].items():
        bad = values[False].get(signal, [])
        if not bad:
            continue
        a = auc(bad, good)
        separation[signal] = 1.0 - a if signal in LOWER_IS_WORSE else a
        ranges[signal] = (min(good), max(good), min(bad), max(bad))
    return Evaluation(name, calibration_frames, "", counts, separation, ranges)


def _uncalibrated(m: PostureMetrics | None) -> float:
    return m.head_forward_deg if m is not None else math.nan


def report(e: Evaluation) -> str:
    lines = [f"== {e.name}, calibrated on {e.calibration_frames} upright frame(s)"]
    if e.refused:
        lines.append(f"   REFUSED: {e.refused}")
        return "\n".join(lines)
    lines.append(
        f"   balanced accuracy {e.balanced_accuracy:.3f} "
        f"(upright judged good {e.rate(True):.3f}, slouched judged poor {e.rate(False):.3f})"
    )
    lines.append(f"   upright  -> {dict(sorted(e.counts[True].items()))}")
    lines.append(f"   slouched -> {dict(sorted(e.counts[False].items()))}")
    for signal, a in e.separation.items():
        lo, hi, slo, shi = e.ranges[signal]
        lines.append(
            f"   {signal:32s} AUC {a:.2f}   upright {lo:+7.2f}..{hi:+7.2f}   "
            f"slouched {slo:+7.2f}..{shi:+7.2f}"
        )
    return "\n".join(lines)


SWEEP_FACTORS = (0.35, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.4, 2.0)
"""Sensitivity factors of the sweep (the settings slider's steps among them)."""


def sensitivity_sweep(sittings: Sequence[tuple[str, Sequence[Labelled]]]) -> str:
    """Balanced accuracy of every sitting (one upright frame calibrated) and the
    frames called poor, per sensitivity factor: where the licensed sittings stop
    being told apart on either side of the default."""
    head = f"   {'factor':>6}  " + "  ".join(
        f"{name + ' BA':>13} {'up poor':>7} {'sl poor':>7}" for name, _ in sittings
    )
    lines = ["== sensitivity sweep (one upright frame calibrated)", head]
    for factor in SWEEP_FACTORS:
        settings = replace(DetectorSettings(), sensitivity=factor)
        cells = []
        for name, frames in sittings:
            e = evaluate(name, frames, 1, settings)
            up = sum(v for k, v in e.counts[True].items() if k.startswith("poor"))
            sl = sum(v for k, v in e.counts[False].items() if k.startswith("poor"))
            n_up, n_sl = sum(e.counts[True].values()), sum(e.counts[False].values())
            cells.append(f"{e.balanced_accuracy:13.3f} {up:3d}/{n_up:<3d} {sl:3d}/{n_sl:<3d}")
        lines.append(f"   {factor:6.2f}  " + "  ".join(cells))
    return "\n".join(lines)


# --- the landmark CSV -----------------------------------------------------------------

_CSV_NAMES = [
    "NOSE",
    "LEFT_EYE_INNER",
    "LEFT_EYE",
    "LEFT_EYE_OUTER",
    "RIGHT_EYE_INNER",
    "RIGHT_EYE",
    "RIGHT_EYE_OUTER",
    "LEFT_EAR",
    "RIGHT_EAR",
    "MOUTH_LEFT",
    "MOUTH_RIGHT",
    "LEFT_SHOULDER",
    "RIGHT_SHOULDER",
    "LEFT_ELBOW",
    "RIGHT_ELBOW",
    "LEFT_WRIST",
    "RIGHT_WRIST",
    "LEFT_PINKY",
    "RIGHT_PINKY",
    "LEFT_INDEX",
    "RIGHT_INDEX",
    "LEFT_THUMB",
    "RIGHT_THUMB",
    "LEFT_HIP",
    "RIGHT_HIP",
    "LEFT_KNEE",
    "RIGHT_KNEE",
    "LEFT_ANKLE",
    "RIGHT_ANKLE",
    "LEFT_HEEL",
    "RIGHT_HEEL",
    "LEFT_FOOT_INDEX",
    "RIGHT_FOOT_INDEX",
]
assert len(_CSV_NAMES) == N_LANDMARKS


def csv_observations(
    path: Path, width: int = CSV_SIZE[0], height: int = CSV_SIZE[1], fps: float = 1.0
) -> list[Observation]:
    """One Observation per CSV row, in row order (the rows are in recording order),
    one per 1/fps seconds. A landmark missing from the CSV gets visibility 0 at the
    frame centre; a missing `_v`/`_visibility` column means visibility 1.0. The
    frame's path is `row<N>-<label>`, so the label travels with the recording."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    found: list[Observation] = []
    for i, row in enumerate(rows):
        points = []
        for name in _CSV_NAMES:
            if f"{name}_x" not in row:
                points.append(Landmark(0.5, 0.5, 0.0, 0.0))
                continue
            vis = row.get(f"{name}_v") or row.get(f"{name}_visibility")
            points.append(
                Landmark(
                    float(row[f"{name}_x"]),
                    float(row[f"{name}_y"]),
                    float(row.get(f"{name}_z") or 0.0),
                    float(vis) if vis not in (None, "") else 1.0,
                )
            )
        label = (row.get("label") or "unknown").strip()
        found.append(
            Observation(i, i / fps, width, height, Pose(tuple(points)), path=f"row{i:04d}-{label}")
        )
    return found


def write_recording(observations: Sequence[Observation], out: Path, source: str) -> None:
    """The observations as a landmark recording (docs/landmark-recordings.md)."""
    from posturewatch.inputs.recording import RecordingWriter

    writer = RecordingWriter(
        out, source, notes="converted by calibration.real_data", overwrite=True
    )
    try:
        for obs in observations:
            writer.write(obs)
    finally:
        writer.close()


def label_csv(observations: Iterable[Observation]) -> list[Labelled]:
    """Rows labelled good are upright; anything else slouched."""
    return [
        Labelled(obs.path or str(obs.index), (obs.path or "").endswith("-good"), obs)
        for obs in observations
    ]


# --- side view --------------------------------------------------------------------------


def side_view_report(observations: Sequence[Observation]) -> str:
    by_name = {Path(o.path or "").name: o for o in observations}
    metrics = {n: compute_metrics(o) for n, o in by_name.items()}
    head = {n: m.head_forward_deg for n, m in metrics.items() if m is not None}
    hunch = {n: v for n, v in head.items() if n.startswith("hunchback")}
    straight = {n: v for n, v in head.items() if n.startswith("straight")}
    lines = [
        "== side-view photographs (uncalibrated head_forward_deg)",
        "   straight:  " + ", ".join(f"{n} {v:.1f}" for n, v in sorted(straight.items())),
        "   hunchback: " + ", ".join(f"{n} {v:.1f}" for n, v in sorted(hunch.items())),
        f"   every hunchback above every straight: {min(hunch.values()) > max(straight.values())}",
    ]
    settings = DetectorSettings()
    poor = 0
    for n in sorted(hunch):
        ref = n.replace("hunchback", "straight")
        if ref not in metrics:
            ref = "straight_hf_flip.jpg" if "flip" in n else "straight_hf.jpg"
        baseline = calibrate_metrics([metrics[ref]], min_frames=1, source=ref)
        v = frame_verdict(metrics[n], baseline, settings)
        poor += v.verdict == "poor"
        lines.append(f"   {n} against {ref}: {v.verdict} (head +{v.head_dev_deg:.1f} deg)")
    lines.append(f"   hunchback judged poor against a straight calibration: {poor} of {len(hunch)}")
    return "\n".join(lines)


# --- command line -----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder")
    parser.add_argument("--model", type=Path, default=None, help="a MediaPipe Tasks .task model")
    parser.add_argument(
        "--backend",
        choices=("auto", "lite", "full"),
        default="auto",
        help="the pose model (full needs mediapipe 0.10.21; default: the product's)",
    )
    parser.add_argument(
        "--csv-to-recording",
        type=Path,
        default=None,
        metavar="OUT",
        help="only convert the landmark CSV to a landmark recording OUT and stop",
    )
    parser.add_argument(
        "--record-sittings",
        type=Path,
        default=None,
        metavar="OUT",
        help="also write the sittings' observations as a landmark recording OUT",
    )
    args = parser.parse_args(argv)
    data = args.data or shared_data_dir()
    csv_path = data / CSV_PATH
    if args.csv_to_recording is not None:
        write_recording(csv_observations(csv_path), args.csv_to_recording, str(CSV_PATH))
        print(f"wrote {args.csv_to_recording}")
        return 0
    slouch = data / SLOUCH_DIR
    if not slouch.is_dir():
        print(f"no front-view sittings at {slouch}; set POSTUREWATCH_SHARED_DATA", file=sys.stderr)
        return 2
    recorded: list[Observation] = []
    sittings: list[tuple[str, Sequence[Labelled]]] = []
    for name, folder in SITTINGS:
        frames = observe_sitting(slouch / folder, args.model, args.backend)
        recorded += [
            replace(
                f.obs,
                index=len(recorded) + i,
                time_s=float(len(recorded) + i),
                path=f"{folder}/{f.key}",
            )
            for i, f in enumerate(frames)
        ]
        for n in CALIBRATION_FRAMES:
            print(report(evaluate(name, frames, n)))
        for n in CALIBRATION_FRAMES:
            print(report(evaluate(name, frames, n, slouch_frames=1)))
        sittings.append((name, frames))
    print(sensitivity_sweep(sittings))
    if args.record_sittings is not None:
        write_recording(recorded, args.record_sittings, SLOUCH_DIR)
    if csv_path.is_file():
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            rec = Path(tmp) / "posture_dataset.jsonl.gz"
            write_recording(csv_observations(csv_path), rec, str(CSV_PATH))
            rows = label_csv(observe(str(rec)))
        for n in CALIBRATION_FRAMES:
            print(report(evaluate("landmark CSV (one recording, 1280x720)", rows, n)))
    print(side_view_report(observe(str(SIDE_VIEW / "*.jpg"), args.model, args.backend)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
