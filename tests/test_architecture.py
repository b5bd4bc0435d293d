"""The import contracts of pyproject.toml ([tool.importlinter]) hold: core imports
nothing else of the package and no I/O library, and the layers only import downwards.
Run here so the suite (and CI, which runs the suite) enforces them."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO


def test_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "lint-imports missing: install the dev extra (import-linter)"
    done = subprocess.run(
        [lint_imports, "--no-cache", "--no-logo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


CORE = REPO / "posturewatch" / "core"
CLOCK_READS = {"now", "utcnow", "today"}
"""datetime.now(), datetime.utcnow(), date.today(): an import contract cannot see them,
since core may import datetime for date arithmetic."""
IO_BUILTINS = {"open", "print", "input", "breakpoint"}


def test_core_reads_no_clock_and_does_no_io() -> None:
    found = []
    for path in sorted(CORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in CLOCK_READS:
                found.append(f"{path.name}:{node.lineno}: .{func.attr}()")
            if isinstance(func, ast.Name) and func.id in IO_BUILTINS:
                found.append(f"{path.name}:{node.lineno}: {func.id}()")
    assert found == []
