"""Login items for the three platforms, built and written here whatever this machine is."""

from __future__ import annotations

import os
import plistlib
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posturewatch.background import autostart
from posturewatch.core.errors import UserError
from tests.paths import REPO


def read_desktop_exec(content: str) -> list[str]:
    """Decode an Exec line the way a desktop does (Desktop Entry Spec): undo the
    string escapes, then %% -> %, then split honouring double quotes."""
    line = next(x for x in content.splitlines() if x.startswith("Exec="))
    value = line[len("Exec=") :]
    out, i = [], 0
    escapes = {"\\": "\\", "s": " ", "n": "\n", "t": "\t", "r": "\r"}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append(escapes[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return split_exec("".join(out).replace("%%", "%"))


def split_exec(text: str) -> list[str]:
    """Arguments are separated by spaces; a double-quoted one may contain anything,
    with \\", \\`, \\$ and \\\\ standing for the character itself."""
    args: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == " ":
            i += 1
            continue
        arg = []
        if text[i] == '"':
            i += 1
            while text[i] != '"':
                if text[i] == "\\":
                    i += 1
                arg.append(text[i])
                i += 1
            i += 1
        else:
            while i < len(text) and text[i] != " ":
                arg.append(text[i])
                i += 1
        args.append("".join(arg))
    return args


def test_paths_follow_each_platform(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert autostart.autostart_path("linux", {}, home) == (
        home / ".config" / "autostart" / "posturewatch.desktop"
    )
    assert autostart.autostart_path("linux", {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}, home) == (
        tmp_path / "cfg" / "autostart" / "posturewatch.desktop"
    )
    # A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    assert autostart.autostart_path("linux", {"XDG_CONFIG_HOME": "rel"}, home).is_relative_to(home)
    assert autostart.autostart_path("darwin", {}, home) == (
        home / "Library" / "LaunchAgents" / "io.github.posturewatch.plist"
    )
    win = autostart.autostart_path("win32", {"APPDATA": str(tmp_path / "Roaming")}, home)
    assert win == (
        tmp_path
        / "Roaming"
        / "Microsoft"
        / "Windows"
        / "Start Menu"
        / "Programs"
        / "Startup"
        / "posturewatch.cmd"
    )


def test_desktop_entry_runs_start_with_this_python(tmp_path: Path) -> None:
    file = autostart.autostart_file(
        "linux", {}, tmp_path, data_dir=tmp_path / "my data", executable="/opt/py 3/bin/python"
    )
    assert file.content.startswith("[Desktop Entry]\n")
    assert "Type=Application" in file.content
    assert read_desktop_exec(file.content) == [
        "/opt/py 3/bin/python",
        "-m",
        "posturewatch",
        "--data-dir",
        str(tmp_path / "my data"),
        "gui",
    ]


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1),
        min_size=1,
        max_size=4,
    )
)
def test_desktop_exec_round_trips_any_argument(args: list[str]) -> None:
    assert read_desktop_exec(autostart.desktop_entry(args)) == args


def test_launch_agent_runs_in_foreground_and_logs(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    file = autostart.autostart_file(
        "darwin", {}, tmp_path, executable="/usr/bin/python3", log_path=log
    )
    agent = plistlib.loads(file.content.encode())
    assert agent["Label"] == autostart.LAUNCH_AGENT_LABEL
    assert agent["ProgramArguments"] == [
        "/usr/bin/python3",
        "-m",
        "posturewatch",
        "gui",
    ]
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] is False
    assert agent["StandardErrorPath"] == str(log)


def test_windows_cmd_quotes_paths_and_escapes_percent(tmp_path: Path) -> None:
    file = autostart.autostart_file(
        "win32",
        {"APPDATA": str(tmp_path)},
        tmp_path,
        data_dir=Path("C:/Users/Ann/100% data"),
        executable=r"C:\Program Files\Python311\python.exe",
    )
    lines = file.content.split("\r\n")
    assert lines[0] == "@echo off"
    assert file.content.endswith("\r\n")
    start = next(x for x in lines if x.startswith("start "))
    assert start.startswith(
        'start "" /min "C:\\Program Files\\Python311\\python.exe" -m posturewatch'
    )
    assert "100%% data" in start and "100% data" not in start
    assert start.endswith(" gui")


def test_pythonw_is_preferred_when_present(tmp_path: Path) -> None:
    python = tmp_path / "python.exe"
    python.touch()
    assert autostart.windowless_python(str(python)) == str(python)
    (tmp_path / "pythonw.exe").touch()
    assert autostart.windowless_python(str(python)) == str(tmp_path / "pythonw.exe")


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_enable_status_disable_cycle(tmp_path: Path, platform: autostart.Platform) -> None:
    env = {"APPDATA": str(tmp_path / "Roaming"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    wanted = autostart.autostart_file(platform, env, tmp_path / "home")
    assert autostart.state(wanted, platform) == "disabled"
    autostart.enable(platform, wanted)
    assert wanted.path.read_bytes().decode("utf-8") == wanted.content
    assert autostart.state(wanted, platform) == "enabled"
    other = autostart.autostart_file(platform, env, tmp_path / "home", executable="/other/python")
    assert autostart.state(other, platform) == "outdated"
    autostart.enable(platform, other)  # replacing our own older file is fine
    assert autostart.state(other, platform) == "enabled"
    assert autostart.disable(platform, wanted.path) is True
    assert not wanted.path.exists()
    assert autostart.disable(platform, wanted.path) is False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_login_item_and_the_folder_made_for_it_are_user_only(
    tmp_path: Path, platform: autostart.Platform
) -> None:
    env = {"APPDATA": str(tmp_path / "Roaming"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    wanted = autostart.autostart_file(platform, env, tmp_path / "home")
    autostart.enable(platform, wanted)
    autostart.enable(platform, wanted)  # replaced in place, no temp file left
    assert stat.S_IMODE(wanted.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(wanted.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in wanted.path.parent.iterdir()] == [wanted.path.name]


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_someone_elses_file_is_never_replaced_or_removed(
    tmp_path: Path, platform: autostart.Platform
) -> None:
    env = {"APPDATA": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    wanted = autostart.autostart_file(platform, env, tmp_path)
    wanted.path.parent.mkdir(parents=True)
    wanted.path.write_text("a file the user wrote\n")
    assert autostart.state(wanted, platform) == "foreign"
    with pytest.raises(UserError, match="not written by posturewatch"):
        autostart.enable(platform, wanted)
    with pytest.raises(UserError, match="not written by posturewatch"):
        autostart.disable(platform, wanted.path)
    assert wanted.path.read_text() == "a file the user wrote\n"


def test_cli_writes_the_xdg_entry(tmp_path: Path) -> None:
    """End to end through the command on this (Linux) machine."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the CLI writes the current platform's file")
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
        "PATH": "/usr/bin:/bin",
    }
    data = tmp_path / "data"

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "posturewatch", "--data-dir", str(data), "autostart", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert "disabled" in cli("status").stdout
    done = cli("enable")
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "cfg" / "autostart" / "posturewatch.desktop"
    assert read_desktop_exec(entry.read_text()) == [
        sys.executable,
        "-m",
        "posturewatch",
        "--data-dir",
        str(data.resolve()),
        "gui",
    ]
    assert "autostart: enabled" in cli("status").stdout
    assert cli("disable").returncode == 0
    assert not entry.exists()
