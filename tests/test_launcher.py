"""After setup a new login shell finds `posturewatch` and the menu has the app; every
hint the tool prints works in a new shell, whether or not it is on the PATH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posturewatch.background.launcher import PROFILE_MARK
from posturewatch.invocation import me
from tests.cli import COMMAND
from tests.paths import REPO

BARE_PATH = "/usr/bin:/bin"


def _launcher(home: Path) -> subprocess.CompletedProcess[str]:
    """setup.sh's launcher step, as it runs it, with `home` as HOME."""
    env = {"HOME": str(home), "PATH": BARE_PATH, "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "posturewatch.background.launcher"],
        env=env, capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip


def _login_shell(home: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": BARE_PATH, "LANG": "C.UTF-8"}
    return subprocess.run(
        ["bash", "-l", "-c", command], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG layout and a bash login shell")
def test_setup_links_the_command_for_new_login_shells_and_adds_a_menu_entry(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    script = Path(sys.executable).parent / "posturewatch"
    if not script.is_file():
        pytest.skip("the package is not installed with its console script in this venv")
    done = _launcher(home)
    assert done.returncode == 0, done.stderr
    link = home / ".local" / "bin" / "posturewatch"
    assert link.is_symlink() and link.resolve() == script.resolve()
    assert f"linked {link}" in done.stdout and ".profile" in done.stdout
    found = _login_shell(home, "command -v posturewatch && posturewatch --version")
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [str(link), found.stdout.splitlines()[1]]
    assert found.stdout.splitlines()[1].startswith("posturewatch ")
    entry = (home / ".local/share/applications/posturewatch.desktop").read_text()
    assert f"Exec={sys.executable} -m posturewatch gui" in entry
    assert (home / ".local/share/icons/hicolor/scalable/apps/posturewatch.svg").is_file()

    again = _launcher(home)  # safe to run again: nothing doubled
    assert again.returncode == 0 and "already runs" in again.stdout
    assert (home / ".profile").read_text().count(PROFILE_MARK) == 1


def test_setup_leaves_a_command_that_is_not_its_own(tmp_path: Path) -> None:
    home = tmp_path / "home"
    mine = home / ".local" / "bin" / "posturewatch"
    mine.parent.mkdir(parents=True)
    mine.write_text("#!/bin/sh\necho mine\n")
    done = _launcher(home)
    assert done.returncode == 2 and "not replacing" in done.stderr
    assert mine.read_text() == "#!/bin/sh\necho mine\n"


def test_me_is_the_name_only_where_it_finds_this_installation(tmp_path: Path) -> None:
    script = tmp_path / "venv" / "bin" / "posturewatch"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    python = str(script.parent / "python")
    assert me(str(script), python, lambda _: str(script)) == "posturewatch"
    assert me(str(script), python, lambda _: None) == str(script)
    other = tmp_path / "other" / "posturewatch"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\n")
    assert me(str(script), python, lambda _: str(other)) == str(script)
    # python -m posturewatch: the name on the PATH must sit beside this interpreter.
    assert me("-m", python, lambda _: str(script)) == "posturewatch"
    assert me("-m", "/usr/bin/python3", lambda _: str(script)) == "/usr/bin/python3 -m posturewatch"


def test_a_hint_printed_without_posturewatch_on_the_path_works_in_a_new_shell(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PATH": BARE_PATH}
    done = subprocess.run(
        [*COMMAND, "--data-dir", str(tmp_path), "run", "--source", "camera:0"],
        env=env, capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 2
    hints = re.findall(r"`([^`]*posturewatch calibrate[^`]*)`", done.stderr)
    assert hints and not hints[0].startswith("posturewatch "), done.stderr
    assert shutil.which(hints[0].split()[0], path=BARE_PATH) is None or hints[0].startswith("/")
    again = subprocess.run(
        ["bash", "-c", f"cd / && {hints[0]} --help"],
        env={"HOME": str(tmp_path), "PATH": BARE_PATH}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert again.returncode == 0 and "calibrate" in again.stdout, again.stderr
