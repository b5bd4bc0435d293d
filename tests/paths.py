"""Where the test photographs are (copied into the repo with their licences)."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"
SIDE_VIEW = DATA / "side-view-sitting" / "sample_images"
PORTRAIT = DATA / "front-view-portrait" / "astronaut.png"
