"""Property tests of every reader of outside input (the CLI, the config, a profile,
a landmark recording, the database): whatever it is given, it ends in success or
in one `posturewatch: ...` line with exit 2, never a traceback. In process (fast);
max_examples stays modest so the suite stays well inside CI's time."""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posturewatch.cli import main
from posturewatch.config import load_config
from posturewatch.core.errors import UserError
from posturewatch.inputs.recording import RecordingReader
from posturewatch.store.database import Store
from posturewatch.store.profiles import load_profile
from tests.reliability import calibrated, write_recording

FAST = settings(
    max_examples=40,
    deadline=None,
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


def check_outcome(code: int, err: str) -> None:
    assert "Traceback" not in err
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("posturewatch: "), err


@pytest.fixture(scope="module")
def world() -> tuple[Path, Path]:
    root = Path(tempfile.mkdtemp(prefix="pw-props-"))
    calibrated(root / "data")
    return root / "data", write_recording(root / "rec.jsonl", 30)


@FAST
@given(
    command=st.sampled_from(
        [
            ["report", "--date"],
            ["report", "--week", "--date"],
            ["run", "--no-store", "--notifier", "none", "--source", "REC", "--fps"],
            ["run", "--no-store", "--notifier", "none", "--source", "REC", "--speed"],
            ["run", "--no-store", "--notifier", "none", "--source", "REC", "--start-at"],
            ["run", "--no-store", "--notifier", "none", "--source", "REC", "--profile"],
            ["run", "--no-store", "--notifier", "none", "--source"],
            ["calibrate", "--source", "REC", "--seconds"],
            ["calibrate", "--source", "REC", "--force", "--profile"],
            ["config", "--path", "--bogus"],
            ["pause"],
        ]
    ),
    value=weird_text,
)
def test_the_cli_ends_in_success_or_one_line(
    world: tuple[Path, Path], command: list[str], value: str
) -> None:
    data, rec = world
    argv = ["--data-dir", str(data), *[str(rec) if a == "REC" else a for a in command]]
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
        "bogus",
    ]
)
keys = st.sampled_from(
    [
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
        assert str(exc) and "\n" not in str(exc)


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
        assert str(exc) and "\n" not in str(exc)


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
        assert str(exc) and "\n" not in str(exc)


sql_values = st.one_of(
    st.none(),
    st.integers(),
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
        assert str(exc) and "\n" not in str(exc)


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
            row = [1_790_000_040.0 + 60 * i, n] + [0] * (len(_BUCKET_COLUMNS) - 2)
            batch = _Batch(f"b{i}", [tuple(row)], [], [], [])
            if op == "batch":
                assert store._append_journal(batch)
                lines.append(batch.to_line())
                expected += n
            elif op == "torn":
                whole = batch.to_line()
                cut = min(n, len(whole) - 2)
                with open(journal_path(db), "ab") as f:
                    f.write(whole[:cut])
                if cut == len(whole) - len(b" 0123abcd\n"):
                    expected += n  # torn just before its checksum: whole JSON, kept
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
