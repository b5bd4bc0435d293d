"""Property tests of every reader of outside input (the CLI, the config, a profile,
a landmark recording, the database): whatever it is given, it ends in success or
in one `posturewatch: ...` line with exit 2, never a traceback. In process (fast);
max_examples stays modest so the suite stays well inside CI's time."""

from __future__ import annotations

import io
import json
import math
import sqlite3
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posturewatch.cli import main, print_error
from posturewatch.config import load_config
from posturewatch.core.errors import UserError
from posturewatch.inputs.recording import RecordingReader
from posturewatch.inputs.timeline import load_timeline
from posturewatch.store.database import Store
from posturewatch.store.profiles import load_profile
from tests.reliability import calibrated, write_recording

pytestmark = pytest.mark.timeout(180)
"""40 examples take seconds; one that hangs fails its test well before the global limit."""

FAST = settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

weird_text = st.one_of(
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "0",
            "-1",
            "1e308",
            "1e-308",
            "",
            " ",
            "../x",
            "/etc",
            "9999-12-31",
            "0001-01-01",
            "today",
            "camera:7",
            "http://x",
            "[" * 50,
            "\x00",
            "1h",
            "é",
        ]
    ),
    st.text(max_size=20),
    st.floats().map(repr),
    st.integers().map(str),
)


def run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue()


def assert_shown_as_one_line(exc: UserError) -> None:
    """What the user sees of a reader's error (the CLI's printer) is one printable line
    of at most about 300 characters, whatever the input quoted in it."""
    shown = io.StringIO()
    print_error(str(exc), shown)
    text = shown.getvalue()
    assert str(exc) and text.endswith("\n") and text.count("\n") == 1, text
    assert text.startswith("posturewatch: ") and len(text) <= 320, text
    assert text[:-1].isprintable(), text


def check_outcome(code: int, err: str) -> None:
    assert "Traceback" not in err
    assert code in (0, 1, 2), (code, err)
    for line in err.splitlines():  # ours, one printable line each: no library's chatter
        assert line.startswith("posturewatch") and line.isprintable() and len(line) <= 360, err
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("posturewatch: "), err


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pw-props")
    calibrated(root / "data")
    # A 3-second recording too, for the paced runs (--speed): paced at the slowest
    # speed accepted (1, real time) it ends in 3 s.
    write_recording(root / "short.jsonl", 3)
    return root / "data", write_recording(root / "rec.jsonl", 30)


@FAST
@given(
    command=st.sampled_from(
        [
            ["report", "--date"],
            ["report", "--week", "--date"],
            ["run", "--no-store", "--notifier", "none", "--source", "REC", "--fps"],
            ["run", "--no-store", "--notifier", "none", "--source", "SHORT", "--speed"],
            ["run", "--no-store", "--notifier", "none", "--source", "REC", "--start-at"],
            ["run", "--no-store", "--notifier", "none", "--source", "REC", "--profile"],
            ["run", "--no-store", "--notifier", "none", "--source"],
            ["calibrate", "--source", "REC", "--seconds"],
            ["calibrate", "--source", "REC", "--force", "--profile"],
            ["config", "--path", "--bogus"],
            ["pause"],
            ["feedback"],
            ["feedback", "slouching", "--source", "REC", "--seconds"],
        ]
    ),
    value=weird_text,
)
def test_the_cli_ends_in_success_or_one_line(
    world: tuple[Path, Path], command: list[str], value: str
) -> None:
    data, rec = world
    short = rec.with_name("short.jsonl")
    named = {"REC": str(rec), "SHORT": str(short)}
    argv = ["--data-dir", str(data), *[named.get(a, a) for a in command]]
    if argv[-1].startswith("--") and argv[-1] != "--bogus":
        if argv[-1] == "--source" and (
            "camera" in value or value.strip().isdigit() or value.startswith("/dev")
        ):
            return  # a camera would be opened: covered by test_reliability
        argv[-1] = f"{argv[-1]}={value}"
    else:
        argv.append(value)
    code, err = run_cli(argv)
    check_outcome(code, err)


toml_scalar = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.floats().map(
        lambda f: (
            "nan"
            if f != f
            else ("inf" if f == float("inf") else "-inf" if f == float("-inf") else repr(f))
        )
    ),
    st.text(max_size=10).map(json.dumps),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.just("[1, 2]"),
)
sections = st.sampled_from(
    [
        "sampling",
        "detector",
        "scheduler",
        "store",
        "camera",
        "notifications",
        "service",
        "metrics",
        "report",
        "learning",
        "bogus",
    ]
)
keys = st.sampled_from(
    [
        "max_factor",
        "max_answers",
        "interval_s",
        "steady_interval_s",
        "bucket_s",
        "retention_days",
        "flush_interval_s",
        "lock_timeout_s",
        "device",
        "width",
        "backend",
        "head_threshold_deg",
        "x",
    ]
)


@FAST
@given(
    entries=st.lists(st.tuples(sections, keys, toml_scalar), max_size=6),
    garbage=st.one_of(st.none(), st.text(max_size=30)),
)
def test_the_config_reader_accepts_or_names_the_problem(
    tmp_path_factory: pytest.TempPathFactory,
    entries: list[tuple[str, str, str]],
    garbage: str | None,
) -> None:
    folder = tmp_path_factory.mktemp("cfg")
    by_section: dict[str, dict[str, str]] = {}
    for section, key, value in entries:
        by_section.setdefault(section, {})[key] = value
    text = "".join(
        f"[{s}]\n" + "".join(f"{k} = {v}\n" for k, v in kv.items()) for s, kv in by_section.items()
    )
    path = folder / "config.toml"
    path.write_text(text + (garbage or ""), encoding="utf-8")
    try:
        load_config(path)
    except UserError as exc:
        assert_shown_as_one_line(exc)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@FAST
@given(mutation=st.tuples(st.sampled_from(["replace", "set"]), json_values, st.integers(0, 40)))
def test_the_profile_reader_accepts_or_names_the_problem(
    world: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
    mutation: tuple[str, object, int],
) -> None:
    data, _ = world
    good = json.loads((data / "profiles" / "default.json").read_text())
    how, value, pick = mutation
    if how == "replace":
        doc: object = value
    else:
        doc = good
        metrics = good["metrics"]
        names = [*good.keys(), *(f"metrics.{k}" for k in metrics)]
        target = names[pick % len(names)]
        if target.startswith("metrics."):
            metrics[target.split(".", 1)[1]] = value
        else:
            good[target] = value
    path = tmp_path_factory.mktemp("prof") / "p.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    try:
        load_profile(path)
    except UserError as exc:
        assert_shown_as_one_line(exc)


@FAST
@given(
    line_no=st.integers(0, 12),
    field=st.sampled_from(
        [
            "index",
            "time_s",
            "width",
            "height",
            "person",
            "image",
            "world",
            "path",
            "format",
            "version",
            "landmark_names",
            None,
        ]
    ),
    value=json_values,
    raw=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_the_recording_reader_accepts_or_names_the_problem(
    world: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
    line_no: int,
    field: str | None,
    value: object,
    raw: bytes | None,
) -> None:
    _, rec = world
    lines = rec.read_bytes().splitlines()
    i = line_no % len(lines)
    if raw is not None:
        lines[i] = raw
    else:
        obj = json.loads(lines[i])
        if field is None:
            obj = value
        else:
            obj[field] = value
        lines[i] = json.dumps(obj, allow_nan=True).encode()
    path = tmp_path_factory.mktemp("rec") / "r.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    try:
        with RecordingReader(path, max_abs_value=1e4) as reader:
            for _ in reader:
                pass
    except UserError as exc:
        assert_shown_as_one_line(exc)


sql_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),  # what SQLite can hold
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.binary(max_size=8),
)


@FAST
@given(
    table_column=st.sampled_from(
        [
            ("buckets", "good_s"),
            ("buckets", "start_s"),
            ("buckets", "head_max"),
            ("buckets", "samples"),
            ("prompts", "time_s"),
            ("prompts", "title"),
            ("prompts", "level"),
            ("answers", "answer"),
            ("events", "kind"),
            ("events", "time_s"),
            ("meta", "value"),
        ]
    ),
    value=sql_values,
    drop=st.sampled_from([None, "prompts", "answers", "events", "meta", "buckets"]),
)
def test_the_database_reader_accepts_or_names_the_problem(
    tmp_path_factory: pytest.TempPathFactory,
    table_column: tuple[str, str],
    value: object,
    drop: str | None,
) -> None:
    from posturewatch.commands.report import ReportRequest, write_report
    from posturewatch.config import Config
    from posturewatch.core.types import DetectorUpdate, Prompt, PromptAnswer, Routine
    from posturewatch.paths import Paths

    folder = tmp_path_factory.mktemp("db")
    paths = Paths(config_dir=folder, data_dir=folder)
    t0 = 1_790_000_000.0
    with Store(paths.database) as store:
        for i in range(120):
            store.add_sample(DetectorUpdate(time_s=t0 + i, state="good"), None)
        routine = Routine("r", "R", ("head_forward",), 60, ("Do it.",))
        store.add_prompt(Prompt("p1", t0 + 10, "posture", routine, "T", "body"))
        store.add_answer(PromptAnswer("p1", "done", t0 + 20))
        store.add_event(t0, "start", "x")
    conn = sqlite3.connect(paths.database)
    table, column = table_column
    try:
        conn.execute(f"UPDATE {table} SET {column} = ?", (value,))
    except sqlite3.IntegrityError:
        pass  # NOT NULL: SQLite itself refuses this tampering
    if drop is not None:
        conn.execute(f"DROP TABLE {drop}")
    conn.commit()
    conn.close()
    day = date.fromtimestamp(t0)
    err = io.StringIO()
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            write_report(paths, Config(), ReportRequest(day=day, json=True))
    except UserError as exc:
        assert_shown_as_one_line(exc)


timeline_numbers = st.one_of(
    st.floats(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -1, 1e12, 1e-300, 1e300]),
)


@FAST
@given(
    key=st.sampled_from(["fps", "sway_px", "calibrate_seconds", "minutes", "segment", "start_at"]),
    value=st.one_of(timeline_numbers, st.text(max_size=12), st.just([1, 2])),
)
def test_a_timeline_is_refused_or_bounded(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: object
) -> None:
    """Whatever number a timeline holds, it is refused with one line or gives a script
    that ends: finite, at most a million observations, a sway that stays in pixels."""
    folder = tmp_path_factory.mktemp("timeline")
    literal = toml_literal(value)
    head = f"{key} = {literal}\n" if key not in ("minutes",) else ""
    minutes = literal if key == "minutes" else "2"
    body = "" if key == "segment" else f'[[segment]]\nimage = ""\nminutes = {minutes}\n'
    path = folder / "t.toml"
    path.write_text(head + body, encoding="utf-8")
    try:
        timeline = load_timeline(path)
    except UserError as exc:
        assert_shown_as_one_line(exc)
        return
    assert math.isfinite(timeline.duration_s) and timeline.duration_s > 0
    assert 0 < timeline.fps <= 30 and timeline.duration_s * timeline.fps <= 1_000_000
    assert 0 <= timeline.sway_px <= 50


def toml_literal(value: object) -> str:
    if isinstance(value, float):
        return (
            "nan"
            if value != value
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value)


def test_a_library_warning_is_one_of_our_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A numpy RuntimeWarning during a command came out as two raw lines (file, line
    and source) with exit 0; now it is one `posturewatch: WARNING: ...` line."""
    import numpy as np

    from posturewatch.commands import config as config_command

    def overflowing(args: object, ctx: object) -> int:
        _ = np.float64(1e308) * np.float64(10.0)
        return 0

    monkeypatch.setattr(config_command, "handle", overflowing)
    code, err = run_cli(["config", "--path"])
    assert code == 0
    assert err.count("\n") == 1 and err.startswith("posturewatch: WARNING: RuntimeWarning"), err


@FAST
@given(
    runs=st.lists(
        st.tuples(st.integers(0, 3600), st.integers(1, 600), st.sampled_from([1.0, 2.0, 5.0])),
        min_size=1,
        max_size=4,
    )
)
def test_runs_over_the_same_hours_never_count_a_minute_twice(
    tmp_path_factory: pytest.TempPathFactory, runs: list[tuple[int, int, float]]
) -> None:
    """Runs of any length, start and pace, overlapping or not, each into its own
    opening of the store: no bucket holds more time than it spans, and the stored
    time exceeds the time the runs covered together only in the minutes at a run's
    edges (a bucket is the finest grain: two runs' seconds in one minute that is not
    full are both kept)."""
    from posturewatch.core.types import DetectorUpdate

    db = tmp_path_factory.mktemp("overlap") / "log.sqlite3"
    t0 = 1_790_000_000.0
    covered: set[int] = set()
    for start, seconds, step in runs:
        with Store(db) as store:
            t = 0.0
            while t <= seconds:
                store.add_sample(DetectorUpdate(time_s=t0 + start + t, state="good"), None)
                t += step
        covered.update(range(start, start + seconds))
    conn = sqlite3.connect(db)
    try:
        fullest, total = conn.execute(
            "SELECT MAX(t), SUM(t) FROM (SELECT good_s + poor_head_s + poor_shoulder_s + "
            "poor_both_s + poor_sink_s + uncertain_s + away_s AS t FROM buckets)"
        ).fetchone()
    finally:
        conn.close()
    assert fullest <= 60 + 0.5 * len(runs)
    assert total <= len(covered) + 2 * 60 * len(runs)


# --- issue 18: the journal's framing ------------------------------------------------------

journal_ops = st.lists(
    st.one_of(
        st.tuples(st.just("batch"), st.integers(1, 60)),  # a batch of that many seconds
        st.tuples(st.just("torn"), st.integers(1, 200)),  # a crash mid-append: a prefix
        st.tuples(st.just("again"), st.integers(0, 20)),  # a line written twice
    ),
    max_size=12,
)


@FAST
@given(ops=journal_ops)
def test_the_journal_merges_every_whole_batch_exactly_once(ops: list[tuple[str, int]]) -> None:
    """Whatever torn lines and repeated lines the journal holds, each batch appended
    whole is merged once, and a torn line never takes the batch after it along."""
    from posturewatch.store.database import _BUCKET_COLUMNS, _Batch, journal_path

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "log.sqlite3"
        Store(db).close()
        store = Store(db)
        lines: list[bytes] = []
        expected = 0
        for i, (op, n) in enumerate(ops):
            seconds = 1 + n % 60  # a bucket never holds more than the minute it spans
            row = [1_790_000_040.0 + 60 * i, seconds] + [0] * (len(_BUCKET_COLUMNS) - 2)
            batch = _Batch(f"b{i}", [tuple(row)], [], [], [])
            if op == "batch":
                assert store._append_journal(batch)
                lines.append(batch.to_line())
                expected += seconds
            elif op == "torn":
                whole = batch.to_line()
                cut = min(n, len(whole) - 2)
                with open(journal_path(db), "ab") as f:
                    f.write(whole[:cut])
                if cut == len(whole) - len(b" 0123abcd\n"):
                    expected += seconds  # torn just before its checksum: whole JSON, kept
            elif lines:
                with open(journal_path(db), "ab") as f:
                    f.write(b"\n" + lines[n % len(lines)])
        store._conn.close()  # dies without merging
        Store(db).close()
        check = sqlite3.connect(db)
        try:
            got = check.execute("SELECT COALESCE(SUM(good_s), 0) FROM buckets").fetchone()[0]
        finally:
            check.close()
        assert got == expected
