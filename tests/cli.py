"""The `posturewatch` command run as a user runs it, for the end-to-end tests: this
checkout's code (`python -m posturewatch` from the repository root), its own data
directory, and a failure carrying the command's stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import REPO

COMMAND = [sys.executable, "-m", "posturewatch"]


def posturewatch(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout_s: float = 300.0
) -> str:
    """Run the command; fail the test with its stderr if it fails or prints a traceback."""
    done = subprocess.run(
        [*COMMAND, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 0, f"posturewatch {' '.join(args)}: {done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout
