"""An eight-hour landmark recording replays through `posturewatch run` without the
pose model (its speed is measured by scripts/bench_replay.py)."""

from __future__ import annotations

import json
from itertools import takewhile
from pathlib import Path

from calibration.long_day import write_day
from posturewatch.core.baseline import calibrate
from posturewatch.core.sampling import SamplingSettings
from posturewatch.inputs.recording import RecordingReader
from posturewatch.store.profiles import save_profile
from scripts.bench_replay import replay


def test_an_eight_hour_day_replays_through_run_without_the_model(tmp_path: Path) -> None:
    recording = tmp_path / "day.jsonl"
    frames = write_day(recording, hours=8.0)
    with RecordingReader(recording) as reader:
        first_minute = list(takewhile(lambda obs: obs.time_s < 60, iter(reader.read, None)))
    data_dir = tmp_path / "data"
    save_profile(data_dir / "profiles" / "default.json", calibrate(first_minute))

    _, stderr = replay(data_dir, recording)

    assert "MODEL_IMPORTED False False" in stderr
    summary = json.loads(next(line for line in stderr.splitlines() if line.startswith("{")))
    # Sampled over the whole day (slower while steady or away, never slower than the
    # away interval), never more than once a frame.
    slowest_s = SamplingSettings().away_interval_s
    assert frames / slowest_s < summary["samples"] <= frames
    # Eight hours with a 12-minute slouch and 40 minutes of sitting in every hour.
    assert summary["prompts"] >= 8
    assert summary["minutes_by_state"]["away"] > 7 * 7
