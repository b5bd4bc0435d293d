"""How well the detector finds persistent poor posture in scripted working days.

    python -m calibration.evaluate            # the default settings on three days
    python -m calibration.evaluate --sweep    # the small sweep that chose them

Each day (calibration/sessions.py) is rendered through the simulator and the real
metrics once; then the detector runs on the same metric stream for every setting
tried, so a sweep costs little more than one day. Scoring, per sample:

- poor-posture time: precision, recall and F1 of the samples the detector calls
  poor against the scripted slouches. The first `window_s + 5` s of each slouch
  (when the detector is *meant* to still be waiting) and the first 15 s after it
  ends (smoothing) are not scored; anything called poor during a glance, a turn,
  leaning back, standing up or an absence counts as a false positive;
- false poor episodes: runs of 'poor' that overlap no slouch;
- latency: slouch start to the first 'poor' (median and max);
- camera move: whether the move ended in a recalibration request, how long after,
  and whether any 'poor' (an alert) came after it.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from calibration.sessions import (
    GLANCE_KINDS,
    DayPlan,
    Segment,
    Session,
    Truth,
    calibration_observations,
    samples,
    working_day,
)
from posturewatch.core.baseline import Baseline, calibrate
from posturewatch.core.detector import Detector, DetectorSettings
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.types import DetectorUpdate, PostureMetrics

END_MARGIN_S = 15.0
"""After a slouch ends the smoothed deviation needs a few seconds to fall back,
and poor ends only after release_s back in range."""
LATENCY_SLACK_S = 5.0
"""Acceptance: slouch start -> poor within the window plus this."""


@dataclass(frozen=True)
class Stream:
    """A day as the detector sees it: one metrics sample per tick, with its truth."""

    session: Session
    baseline: Baseline
    times: tuple[float, ...]
    metrics: tuple[PostureMetrics | None, ...]
    truths: tuple[Truth, ...]
    segments: tuple[Segment, ...]
    step_s: float
    render_s: float
    """Seconds spent simulating and computing metrics (the speed figure)."""


@dataclass
class DayResult:
    name: str
    precision: float
    recall: float
    f1: float
    poor_truth_s: float
    poor_called_s: float
    false_episodes: int
    false_from_glances: int
    latencies_s: list[float]
    missed_episodes: int
    recalibration_after_move_s: float | None
    alerts_after_move: int
    setup_change_before_move: bool
    samples: int
    render_s: float
    false_episode_kinds: list[str] = field(default_factory=list)

    @property
    def camera_move_ok(self) -> bool:
        return self.recalibration_after_move_s is not None and self.alerts_after_move == 0


def render(session: Session, rate_hz: float = 1.0, seed: int = 0) -> Stream:
    """Simulate the day and compute its metrics once (the slow part)."""
    began = time.perf_counter()
    baseline = calibrate(
        calibration_observations(session, seed=seed + 1000),
        view=session.camera.view,
        source=session.name,
    )
    times: list[float] = []
    metrics: list[PostureMetrics | None] = []
    truths: list[Truth] = []
    segments: list[Segment] = []
    for sample in samples(session, rate_hz, seed):
        times.append(sample.time_s)
        metrics.append(compute_metrics(sample.observation, baseline.view))
        truths.append(sample.truth)
        segments.append(sample.segment)
    return Stream(
        session,
        baseline,
        tuple(times),
        tuple(metrics),
        tuple(truths),
        tuple(segments),
        1.0 / rate_hz,
        time.perf_counter() - began,
    )


def run_detector(stream: Stream, settings: DetectorSettings) -> list[DetectorUpdate]:
    detector = Detector(stream.baseline, settings)
    return [detector.update(t, m) for t, m in zip(stream.times, stream.metrics, strict=True)]


def score(stream: Stream, settings: DetectorSettings) -> DayResult:
    updates = run_detector(stream, settings)
    called = [u.state == "poor" for u in updates]
    step = stream.step_s
    episodes = _episodes(stream)
    onset_margin = settings.window_s + LATENCY_SLACK_S

    tp = fp = fn = 0
    for i, (t, truth, seg) in enumerate(
        zip(stream.times, stream.truths, stream.segments, strict=True)
    ):
        if truth == "ignore":
            continue
        if truth == "poor":
            start, _end = episodes[seg.episode]  # type: ignore[index]
            if t - start < onset_margin:
                continue
            if called[i]:
                tp += 1
            else:
                fn += 1
            continue
        if truth == "good" and _just_after_slouch(t, episodes):
            continue
        if called[i]:
            fp += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    false_episodes, false_kinds = _false_episodes(stream, called, episodes)
    latencies, missed = _latencies(stream, called, episodes, settings)
    move_at = stream.session.move_at_s
    recal_delay: float | None = None
    alerts_after = 0
    early_change = False
    for t, u, is_poor in zip(stream.times, updates, called, strict=True):
        if move_at is None or t < move_at:
            early_change |= u.recalibrate
            continue
        if u.recalibrate and recal_delay is None:
            recal_delay = t - move_at
        alerts_after += is_poor
    return DayResult(
        name=stream.session.name,
        precision=precision,
        recall=recall,
        f1=f1,
        poor_truth_s=(tp + fn) * step,
        poor_called_s=(tp + fp) * step,
        false_episodes=len(false_episodes),
        false_from_glances=sum(1 for kinds in false_kinds if kinds & GLANCE_KINDS),
        latencies_s=latencies,
        missed_episodes=missed,
        recalibration_after_move_s=recal_delay,
        alerts_after_move=alerts_after,
        setup_change_before_move=early_change,
        samples=len(stream.times),
        render_s=stream.render_s,
        false_episode_kinds=sorted({k for kinds in false_kinds for k in kinds}),
    )


def _episodes(stream: Stream) -> dict[int, tuple[float, float]]:
    """Slouch episode -> (start, end) seconds, glances inside included."""
    spans: dict[int, tuple[float, float]] = {}
    for seg in stream.session.segments:
        if seg.episode is None:
            continue
        start, end = spans.get(seg.episode, (seg.start_s, seg.end_s))
        spans[seg.episode] = (min(start, seg.start_s), max(end, seg.end_s))
    return spans


def _just_after_slouch(t: float, episodes: dict[int, tuple[float, float]]) -> bool:
    return any(end <= t < end + END_MARGIN_S for _start, end in episodes.values())


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """[start, stop) index ranges where flags are true."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start, i))
            start = None
    return out


def _false_episodes(
    stream: Stream, called: list[bool], episodes: dict[int, tuple[float, float]]
) -> tuple[list[tuple[int, int]], list[frozenset[str]]]:
    false_runs: list[tuple[int, int]] = []
    kinds: list[frozenset[str]] = []
    for a, b in _runs(called):
        t0, t1 = stream.times[a], stream.times[b - 1]
        overlaps = any(t0 < end + END_MARGIN_S and t1 >= start for start, end in episodes.values())
        if not overlaps:
            false_runs.append((a, b))
            kinds.append(frozenset(stream.segments[i].kind for i in range(a, b)))
    return false_runs, kinds


def _latencies(
    stream: Stream,
    called: list[bool],
    episodes: dict[int, tuple[float, float]],
    settings: DetectorSettings,
) -> tuple[list[float], int]:
    """Slouch start -> first 'poor', for slouches long enough to be caught."""
    latencies: list[float] = []
    missed = 0
    for start, end in episodes.values():
        if end - start < settings.window_s + LATENCY_SLACK_S:
            continue
        if stream.session.move_at_s is not None and start >= stream.session.move_at_s:
            continue  # after the camera moved nothing is judged, by design
        first = next(
            (t for t, c in zip(stream.times, called, strict=True) if c and start <= t < end),
            None,
        )
        if first is None:
            missed += 1
        else:
            latencies.append(first - start)
    return latencies, missed


# --- aggregate and print ------------------------------------------------------------


@dataclass
class Summary:
    settings: DetectorSettings
    days: list[DayResult]

    @property
    def f1(self) -> float:
        """F1 of the pooled poor-posture time of all days."""
        tp = sum(d.recall * d.poor_truth_s for d in self.days)
        truth = sum(d.poor_truth_s for d in self.days)
        called = sum(d.poor_called_s for d in self.days)
        if tp == 0:
            return 0.0
        return 2 * tp / (truth + called)

    @property
    def false_episodes(self) -> int:
        return sum(d.false_episodes for d in self.days)

    @property
    def latencies(self) -> list[float]:
        return [x for d in self.days for x in d.latencies_s]

    @property
    def max_latency(self) -> float:
        return max(self.latencies, default=float("inf"))

    @property
    def acceptable(self) -> bool:
        s = self.settings
        return (
            self.f1 >= 0.95
            and self.false_episodes == 0
            and all(d.missed_episodes == 0 for d in self.days)
            and self.max_latency <= s.window_s + LATENCY_SLACK_S
            and all(d.camera_move_ok and not d.setup_change_before_move for d in self.days)
        )


def day_table(results: Iterable[DayResult]) -> str:
    head = (
        f"{'day':<22} {'prec':>6} {'recall':>6} {'F1':>6} {'poor min':>8} {'false ep':>8} "
        f"{'lat med':>7} {'lat max':>7} {'missed':>6} {'move->recal':>11} {'alerts after':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lat = r.latencies_s
        recal = (
            f"{r.recalibration_after_move_s:.0f} s"
            if r.recalibration_after_move_s is not None
            else "NO"
        )
        if r.setup_change_before_move:
            recal += " (early!)"
        lines.append(
            f"{r.name:<22} {r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f} "
            f"{r.poor_truth_s / 60:8.1f} {r.false_episodes:8d} "
            f"{_fmt(statistics.median(lat) if lat else None):>7} {_fmt(max(lat, default=None)):>7} "
            f"{r.missed_episodes:6d} {recal:>11} {r.alerts_after_move:12d}"
        )
    return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f} s"


def render_days(
    seeds: Sequence[int], views: Sequence[Literal["front", "side"]], rate_hz: float, hours: float
) -> list[Stream]:
    plan = DayPlan() if hours == 8.0 else scaled_plan(hours)
    return [
        render(working_day(seed, view, plan), rate_hz, seed) for view in views for seed in seeds
    ]


def scaled_plan(hours: float) -> DayPlan:
    """A shorter day with proportionally fewer events (for quick runs)."""
    base = DayPlan()
    f = hours / base.hours
    return DayPlan(
        hours=hours,
        slouches=max(3, round(base.slouches * f)),
        keyboard_glances=max(3, round(base.keyboard_glances * f)),
        menu_glances=max(2, round(base.menu_glances * f)),
        monitor_turns=max(2, round(base.monitor_turns * f)),
        lean_backs=max(1, round(base.lean_backs * f)),
        walk_aways=max(1, round(base.walk_aways * f)),
        passersby=max(2, round(base.passersby * f)),
        dropouts=max(3, round(base.dropouts * f)),
        glances_in_slouch=1,
        camera_move_at_h=hours * 7 / 8,
    )


SWEEP: dict[str, tuple[float, ...]] = {
    "head_threshold_deg": (8.0, 10.0, 12.0),
    "shoulder_threshold_deg": (6.0, 8.0, 10.0),
    "window_s": (60.0, 90.0, 120.0),
    "poor_fraction": (0.6, 0.7, 0.8),
    "smoothing_s": (2.0, 4.0, 8.0),
}


def sweep(streams: Sequence[Stream], base: DetectorSettings) -> list[Summary]:
    """Every combination of the SWEEP grid, scored on every stream."""
    names = list(SWEEP)
    out = []
    for values in itertools.product(*(SWEEP[n] for n in names)):
        changes = dict(zip(names, values, strict=True))
        try:
            settings = replace(base, **changes)
        except ValueError:
            continue
        out.append(Summary(settings, [score(s, settings) for s in streams]))
    return out


def grid_position(settings: DetectorSettings) -> tuple[int, ...]:
    return tuple(SWEEP[name].index(getattr(settings, name)) for name in SWEEP)


def robustness(results: Sequence[Summary]) -> dict[tuple[int, ...], int]:
    """For each setting: how many of its grid neighbours (one step along one axis)
    are acceptable too. A default in the middle of the acceptable region survives
    a simulator that is a little off; one on its edge may not."""
    acceptable = {grid_position(r.settings) for r in results if r.acceptable}
    counts: dict[tuple[int, ...], int] = {}
    for r in results:
        pos = grid_position(r.settings)
        n = 0
        for axis in range(len(pos)):
            for step in (-1, 1):
                other = list(pos)
                other[axis] += step
                n += tuple(other) in acceptable
        counts[pos] = n
    return counts


def settings_row(r: Summary) -> str:
    s = r.settings
    lat = r.latencies
    return (
        f"{s.head_threshold_deg:5.0f} {s.shoulder_threshold_deg:5.0f} {s.window_s:6.0f} "
        f"{s.poor_fraction:5.2f} {s.smoothing_s:4.0f} {r.f1:6.3f} {r.false_episodes:5d} "
        f"{_fmt(statistics.median(lat) if lat else None):>7} {_fmt(r.max_latency):>7} "
        f"{'yes' if r.acceptable else 'no':>4}"
    )


MIN_SMOOTHING_S = 4.0
"""The monitor samples every 1-3 s once the state is steady; a shorter time constant
would hardly smooth at all there, whatever it scores at one sample a second."""
MIN_NEIGHBOURS = 6
"""Of a setting's (up to 10) grid neighbours, at least this many must be acceptable."""


def recommend(results: Sequence[Summary], neighbours: dict[tuple[int, ...], int]) -> Summary | None:
    """The rule that chose the defaults: acceptable, smoothing of at least
    MIN_SMOOTHING_S, at least MIN_NEIGHBOURS acceptable grid neighbours (so not on
    the edge of the acceptable region); of those, the quickest to call a slouch
    (lowest max latency), then the highest F1."""
    candidates = [
        r
        for r in results
        if r.acceptable
        and r.settings.smoothing_s >= MIN_SMOOTHING_S
        and neighbours[grid_position(r.settings)] >= MIN_NEIGHBOURS
    ]
    return min(candidates, key=lambda r: (r.max_latency, -r.f1), default=None)


def write_tsv(
    path: str, results: Sequence[Summary], neighbours: dict[tuple[int, ...], int]
) -> None:
    names = list(SWEEP)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\t".join([*names, "f1", "false_episodes", "max_latency_s", "ok", "nbrs"]) + "\n")
        for r in results:
            cells = [f"{getattr(r.settings, n):g}" for n in names]
            cells += [f"{r.f1:.4f}", str(r.false_episodes), f"{r.max_latency:.0f}"]
            cells += [str(int(r.acceptable)), str(neighbours[grid_position(r.settings)])]
            fh.write("\t".join(cells) + "\n")


SETTINGS_HEAD = (
    f"{'head':>5} {'shld':>5} {'window':>6} {'frac':>5} {'tau':>4} {'F1':>6} {'false':>5} "
    f"{'lat med':>7} {'lat max':>7} {'ok':>4}"
)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m calibration.evaluate", description=__doc__.split("\n")[0]
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--views", nargs="+", choices=("front", "side"), default=["front", "side"])
    p.add_argument("--rate", type=float, default=1.0, help="samples per second (default 1)")
    p.add_argument("--hours", type=float, default=8.0)
    p.add_argument("--sweep", action="store_true", help="try the SWEEP grid and rank it")
    p.add_argument("--tsv", metavar="FILE", help="with --sweep: write every row to FILE")
    args = p.parse_args(argv)

    streams = render_days(args.seeds, args.views, args.rate, args.hours)
    total = sum(len(s.times) for s in streams)
    render_s = sum(s.render_s for s in streams)
    print(
        f"rendered {len(streams)} day(s), {total} samples in {render_s:.1f} s "
        f"({total / render_s:.0f} samples/s: simulator + metrics)"
    )
    defaults = DetectorSettings()
    summary = Summary(defaults, [score(s, defaults) for s in streams])
    print("\ndefault DetectorSettings:")
    print(day_table(summary.days))
    limit = defaults.window_s + LATENCY_SLACK_S
    print(
        f"pooled F1 {summary.f1:.3f}, false poor episodes {summary.false_episodes}, "
        f"max latency {summary.max_latency:.0f} s (limit {limit:.0f} s), "
        f"acceptable: {'yes' if summary.acceptable else 'NO'}"
    )
    if args.sweep:
        began = time.perf_counter()
        results = sweep(streams, defaults)
        spent = time.perf_counter() - began
        neighbours = robustness(results)
        ok = sorted(
            (r for r in results if r.acceptable),
            key=lambda r: (-neighbours[grid_position(r.settings)], -round(r.f1, 3), r.max_latency),
        )
        print(
            f"\nsweep: {len(results)} settings in {spent:.0f} s, {len(ok)} acceptable; ranked by "
            "acceptable grid neighbours (of up to 10), then F1, then max latency:"
        )
        print(SETTINGS_HEAD + " nbrs")
        for r in ok[:15]:
            print(f"{settings_row(r)} {neighbours[grid_position(r.settings)]:4d}")
        print("least F1:")
        for r in sorted(results, key=lambda r: r.f1)[:5]:
            print(settings_row(r))
        best = recommend(results, neighbours)
        if best is not None:
            chosen = {name: getattr(best.settings, name) for name in SWEEP}
            now = {name: getattr(defaults, name) for name in SWEEP}
            print(
                f"recommended (smoothing >= {MIN_SMOOTHING_S:g} s, >= {MIN_NEIGHBOURS} acceptable "
                f"neighbours, then lowest max latency): {chosen}; "
                f"the defaults {'are' if chosen == now else 'are NOT'} this"
            )
        if args.tsv:
            write_tsv(args.tsv, results, neighbours)
            print(f"all {len(results)} rows written to {args.tsv}")
    return 0 if summary.acceptable else 1


if __name__ == "__main__":
    sys.exit(main())
