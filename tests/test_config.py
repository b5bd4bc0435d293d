"""The one typed config: defaults, round trip, and one clear error per bad key."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from posturewatch.cli import main
from posturewatch.config import Config, dump_config, load_config, parse_config
from posturewatch.core.settings import ConfigError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "config.toml") == Config()


def test_defaults_round_trip_through_toml() -> None:
    text = dump_config(Config())
    assert parse_config(text, "defaults") == Config()


def test_values_are_read_into_their_sections() -> None:
    config = parse_config(
        '[detector]\nwindow_s = 120\n[scheduler]\nquiet_hours = ["22:00-07:00"]\n'
        '[camera]\ndevice = "/dev/video2"\n',
        "c.toml",
    )
    assert config.detector.window_s == 120.0
    assert isinstance(config.detector.window_s, float)
    assert config.camera.source_spec == "camera:/dev/video2"
    assert tuple(config.scheduler.quiet_hours) == ("22:00-07:00",)


@pytest.mark.parametrize(
    "text, named",
    [
        # The file apart from the section and the key it holds.
        ("[detector]\nwindow = 3\n", "c.toml: [detector] window: unknown key"),
        ("[detector]\nwindow_s = 'long'\n", "c.toml: [detector] window_s: expected a number"),
        ("[detector]\nwindow_s = -5\n", "c.toml: [detector] window_s"),
        ("[sampling]\ninterval_s = 0\n", "interval_s must be positive"),
        ("[camera]\nwidth = true\n", "c.toml: [camera] width: expected a whole number"),
        ("[nonsense]\nx = 1\n", "c.toml: nonsense: unknown key"),
        ("profile = 3\n", "c.toml: profile: expected a string"),
        ("scheduler = 3\n", "c.toml: scheduler: expected a table, got 3"),
        ("[detector\n", "c.toml: not valid TOML"),
    ],
)
def test_a_bad_key_or_value_is_named(text: str, named: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "c.toml")
    assert named in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_reports_a_corrupt_config_in_one_line_and_leaves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[scheduler]\ncooldown = 'x'\n")
    before = config.read_bytes()
    status = main(["--data-dir", str(tmp_path), "config"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("posturewatch: ") and err.count("\n") == 1
    assert "cooldown" in err and str(config) in err
    assert config.read_bytes() == before


def test_config_init_writes_defaults_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "config", "--init"]) == 0
    written = (tmp_path / "config.toml").read_text()
    assert parse_config(written, "written") == Config()
    (tmp_path / "config.toml").write_text('profile = "desk"\n')
    assert main(["--data-dir", str(tmp_path), "config", "--init"]) == 0
    assert (tmp_path / "config.toml").read_text() == 'profile = "desk"\n'


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_config_init_writes_a_user_only_file(tmp_path: Path) -> None:
    assert main(["--data-dir", str(tmp_path / "d"), "config", "--init"]) == 0
    assert stat.S_IMODE((tmp_path / "d" / "config.toml").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o700


def test_a_malformed_routines_file_named_in_the_config_stops_run_with_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routines = tmp_path / "mine.toml"
    routines.write_text(
        '[[routine]]\nid = "presses"\ntitle = "Presses"\ntargets = ["shoulders"]\n'
        'duration_s = 60\nsteps = ["squeeze"]\n'
    )
    (tmp_path / "config.toml").write_text(f'routines_file = "{routines}"\n')
    status = main(["--data-dir", str(tmp_path), "run", "--source", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and str(routines) in err and "presses" in err
