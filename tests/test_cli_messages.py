"""What the command says to a person: a run on a terminal, a missing display, and
what the user typed named before anything else is complained about."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from tests.cli import COMMAND, posturewatch
from tests.paths import REPO, TESTS

TIMELINE = TESTS / "timelines" / "upright_then_slouched.toml"


def _run(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    done = subprocess.run(
        [*COMMAND, "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=300, cwd=REPO, env=env,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout, done.stderr


def test_gui_without_a_display_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    code, out, err = _run(tmp_path, "gui", env=env)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "no display" in err, err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("run", "--source", "http://example.org/cam.mp4"), "network address"),
        (("run", "--source", "no-such-video.mp4"), "source not found: no-such-video.mp4"),
        (("run", "--source", "camera:front"), "expected a camera index"),
        (("run", "--notifier", "bogus"), "unknown notification backend 'bogus'"),
        (("start", "--foreground", "--notifier", "bogus"), "unknown notification backend"),
        (("start", "--notifier", "bogus"), "unknown notification backend 'bogus'"),
        (("start", "--source", "no-such-video.mp4"), "source not found: no-such-video.mp4"),
    ],
)
def test_what_the_user_typed_is_named_before_a_missing_calibration(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    code, _, err = _run(tmp_path, *args)
    assert code == 2 and said in err and "calibration" not in err, err


@pytest.mark.model
def test_run_on_a_terminal_says_what_it_watches_and_prints_prompts_as_text(
    tmp_path: Path,
) -> None:
    """On a real pseudo-terminal: a start line, then each prompt as a title and its
    body; piped, the same run prints JSON lines (and --json asks for them anywhere)."""
    seconds = "20"
    posturewatch(tmp_path, "calibrate", "--source", str(TIMELINE), "--seconds", seconds)
    args = ["run", "--source", str(TIMELINE), "--notifier", "console", "--no-store"]
    leader, follower = pty.openpty()
    done = subprocess.run(
        [*COMMAND, "--data-dir", str(tmp_path), *args, "--start-at", "2026-11-23T10:00"],
        stdout=follower, stderr=follower, timeout=300, cwd=REPO,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    screen = b"".join(chunks).decode().replace("\r\n", "\n")
    assert done.returncode == 0, screen
    lines = screen.splitlines()
    assert lines[0].startswith("posturewatch: replaying ") and "profile default" in lines[0]
    prompt = next(i for i, line in enumerate(lines) if line.startswith("[10:"))
    assert "for" in lines[prompt] and "{" not in screen, screen
    assert "about" in lines[prompt + 1] and lines[prompt + 2].startswith(" " * 8)

    piped = posturewatch(tmp_path, *args, "--start-at", "2026-11-23T10:00")
    assert piped.startswith('{"time_s"'), piped
    code, forced, _ = _run(tmp_path, *args, "--json", "--start-at", "2026-11-23T10:00")
    assert code == 0 and forced == piped


@pytest.mark.model
def test_a_heads_up_comes_a_minute_before_the_stand_up_break(tmp_path: Path) -> None:
    """Twelve minutes sitting upright with breaks every 10: the terminal shows the
    quiet heads-up, then the break about a minute later, each once."""
    import io

    from posturewatch.app import Application, RunOptions, SourceOptions
    from posturewatch.config import Config
    from posturewatch.context import Context
    from posturewatch.core.scheduler import SchedulerSettings
    from posturewatch.notifiers.console import ConsoleNotifier

    photo = TESTS / "data" / "side-view-sitting" / "sample_images" / "straight_hf.jpg"
    timeline = tmp_path / "sitting.toml"
    timeline.write_text(
        f'fps = 1.0\nsway_px = 2.0\ncalibrate_seconds = 20\n\n[[segment]]\nimage = "{photo}"\n'
        'minutes = 12\nlabel = "upright"\n'
    )
    data = tmp_path / "data"
    posturewatch(data, "calibrate", "--source", str(timeline), "--seconds", "20")
    config = Config(scheduler=SchedulerSettings(break_after_min=10, posture_prompts=False))
    out = io.StringIO()
    options = RunOptions(
        source=SourceOptions(spec=str(timeline)), start_at="2026-11-23T10:00", keep_store=False
    )
    with Application.open(
        Context.from_args(data).paths, config, options,
        notifier=ConsoleNotifier(0.0, out, as_json=False),
    ) as app:  # fmt: skip
        app.run()
    lines = out.getvalue().splitlines()
    heads_up = [i for i, line in enumerate(lines) if "Break in a minute" in line]
    breaks = [i for i, line in enumerate(lines) if line.startswith("[10:10] Seated for 10")]
    assert len(heads_up) == 1 and len(breaks) == 1, lines
    assert heads_up[0] < breaks[0]


def test_calibrate_without_a_camera_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "calibrate", "--source", "camera:9", "--seconds", "2")
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "camera 9 could not be opened" in err
    assert "connect a webcam" in err and "doctor` says more" in err
