"""Fixtures any test file may use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.desktop import desktop  # noqa: F401 - a session fixture, shared by re-export


@pytest.fixture
def tmp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory for this test: POSTUREWATCH_DATA_DIR points at it, so
    nothing a test does reaches the user's real config, profiles or database."""
    data_dir = tmp_path / "posturewatch-data"
    data_dir.mkdir()
    monkeypatch.setenv("POSTUREWATCH_DATA_DIR", str(data_dir))
    return data_dir
