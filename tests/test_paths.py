"""The folders the tool makes are the user's alone; a folder it is pointed at keeps its mode."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from posturewatch.paths import Paths, resolve_paths

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ensure_makes_every_folder_user_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        paths = resolve_paths(tmp_path / "new" / "data")
        paths.ensure()
    finally:
        os.umask(old)
    for folder in (tmp_path / "new", paths.data_dir, paths.profiles_dir, paths.runtime_dir):
        assert mode(folder) == 0o700, folder


def test_ensure_leaves_a_shared_data_dir_as_it_is(tmp_path: Path) -> None:
    """--data-dir pointing at a shared folder must not take away its sticky bit."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    config = tmp_path / "config"
    config.mkdir()
    config.chmod(0o755)
    paths = Paths(config_dir=config, data_dir=shared)
    paths.ensure()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert mode(config) == 0o755
    assert mode(paths.profiles_dir) == 0o700
    assert mode(paths.runtime_dir) == 0o700


def test_ensure_twice_changes_nothing(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "d")
    paths.ensure()
    paths.profiles_dir.chmod(0o750)  # the user's own choice, later
    paths.ensure()
    assert mode(paths.profiles_dir) == 0o750
