"""Fixtures any test file may use."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from tests.desktop import desktop  # noqa: F401 - a session fixture, shared by re-export

# Hypothesis: every example has a deadline (a slow one fails with its input named;
# pytest-timeout is the hard stop for one that never ends). In CI (CI=true) the
# examples are derived from each test's name, not drawn at random, and no example
# database is kept, so two runs of the same code test the same inputs; on a
# developer's machine they are random and failures are remembered in .hypothesis/.
# HYPOTHESIS_PROFILE=ci|dev chooses explicitly.
settings.register_profile("dev", deadline=timedelta(seconds=20))
settings.register_profile(
    "ci", deadline=timedelta(seconds=20), derandomize=True, database=None, print_blob=True
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)


@pytest.fixture
def tmp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory for this test: POSTUREWATCH_DATA_DIR points at it, so
    nothing a test does reaches the user's real config, profiles or database."""
    data_dir = tmp_path / "posturewatch-data"
    data_dir.mkdir()
    monkeypatch.setenv("POSTUREWATCH_DATA_DIR", str(data_dir))
    return data_dir
