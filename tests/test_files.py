"""The one atomic write and the one private folder: user-only from the first byte, an
existing folder's mode untouched, a failing write leaves the old file and no temp."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from posturewatch.files import create_private, private_dir, write_atomic

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_text_and_bytes_are_written_as_given(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.txt", "line one\r\nzwei: ä\n")
    write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "line one\r\nzwei: ä\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert leftovers(tmp_path) == []


@posix_only
def test_new_file_is_user_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_atomic(tmp_path / "secret.json", "{}")
    finally:
        os.umask(old)
    assert mode(tmp_path / "secret.json") == 0o600


@posix_only
def test_the_mode_can_be_chosen(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "shared.txt", "x", mode=0o644)
    finally:
        os.umask(old)
    assert mode(tmp_path / "shared.txt") == 0o644


@posix_only
def test_temp_file_is_born_with_the_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No window in which another user could open the half-written file."""
    seen: list[int] = []
    real_write = os.write

    def spying_write(fd: int, data: bytes | memoryview) -> int:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", spying_write)
    old = os.umask(0)
    try:
        write_atomic(tmp_path / "secret.json", "{}")
    finally:
        os.umask(old)
    assert seen and set(seen) == {0o600}


def test_existing_target_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "profile.json"
    target.write_text("old\n")
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failing_write_leaves_the_old_content_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "profile.json"
    target.write_bytes(b"old content\n")
    real_write = os.write
    calls = 0

    def write_half_then_fail(fd: int, data: bytes | memoryview) -> int:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise OSError(28, "No space left on device")
        return real_write(fd, bytes(data)[: len(data) // 2])

    def fail(*args: object) -> None:
        raise OSError(5, "Input/output error")

    if failing == "write":
        monkeypatch.setattr(os, "write", write_half_then_fail)
    else:
        monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError):
        write_atomic(target, b"new content that is long enough to need two writes\n")
    assert target.read_bytes() == b"old content\n"
    assert leftovers(tmp_path) == []


def test_a_missing_folder_is_an_error_not_a_guess(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "file.txt", "x")
    assert list(tmp_path.iterdir()) == []


@posix_only
def test_an_unwritable_folder_leaves_the_old_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = private_dir(tmp_path / "locked")
    target = folder / "profile.json"
    write_atomic(target, "old\n")
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            write_atomic(target, "new\n")
        assert target.read_text() == "old\n"
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o700)


@posix_only
def test_private_dir_creates_missing_parents_user_only(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        made = private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    assert made == tmp_path / "a" / "b" / "c"
    for folder in (tmp_path / "a", tmp_path / "a" / "b", made):
        assert folder.is_dir()
        assert mode(folder) == 0o700


@posix_only
def test_private_dir_leaves_an_existing_folder_as_it_is(tmp_path: Path) -> None:
    """A shared --data-dir keeps its sticky bit and group access."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    private_dir(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    inner = private_dir(shared / "posturewatch")
    assert mode(inner) == 0o700
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_private_dir_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(FileExistsError):
        private_dir(tmp_path / "a-file")


@posix_only
def test_create_private_makes_a_user_only_empty_file(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        create_private(tmp_path / "rec.jsonl", exclusive=True)
    finally:
        os.umask(old)
    assert (tmp_path / "rec.jsonl").read_bytes() == b""
    assert mode(tmp_path / "rec.jsonl") == 0o600


def test_create_private_exclusive_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "rec.jsonl"
    target.write_text("kept\n")
    with pytest.raises(FileExistsError):
        create_private(target, exclusive=True)
    create_private(target, exclusive=False)
    assert target.read_text() == "kept\n"
