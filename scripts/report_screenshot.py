"""Screenshots of the demo's HTML report for the README: docs/report.png at desktop
width (1280 CSS pixels) and docs/report-phone.png at phone width (390).

Runs `posturewatch demo` in a fresh data directory (the bundled 90-minute morning),
measures the page's height at each width in headless Chromium (in a frame of that
width, since a headless window has a minimum width) and takes one screenshot of
the whole page at each.

    python scripts/report_screenshot.py [--out docs]
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"report.png": 1280, "report-phone.png": 390}

_PROBE = """<!doctype html><html><body style="margin:0">
<iframe id="f" style="width:%dpx;height:600px;border:0" srcdoc="%s"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {
  var d = this.contentDocument;
  document.body.setAttribute("data-height", d.documentElement.scrollHeight);
  document.body.setAttribute("data-errors", (this.contentWindow.__pwErrors || []).join("|"));
});
</script></body></html>"""


def chromium(args: list[str], profile: Path) -> str:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise SystemExit(f"chromium failed: {result.stderr[-2000:]}")
    return result.stdout


def page_height(page: str, width: int, work: Path) -> int:
    probe = work / f"probe-{width}.html"
    probe.write_text(_PROBE % (width, html.escape(page, quote=True)), encoding="utf-8")
    dom = chromium(["--dump-dom", probe.as_uri()], work / f"profile-probe-{width}")
    errors = re.search(r'data-errors="([^"]*)"', dom)
    if errors is None or errors.group(1):
        raise SystemExit(f"the page reported errors: {errors.group(1) if errors else dom[:500]}")
    found = re.search(r'data-height="(\d+)"', dom)
    if found is None:
        raise SystemExit("could not measure the page")
    return int(found.group(1))


def demo_page(data_dir: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "posturewatch", "--data-dir", str(data_dir), "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found = re.search(r"^HTML report: (.+)$", result.stdout, re.MULTILINE)
    if found is None:
        raise SystemExit(f"the demo printed no HTML report:\n{result.stdout[-2000:]}")
    return Path(found.group(1).strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        page = demo_page(work / "data")
        text = page.read_text(encoding="utf-8")
        for name, width in WIDTHS.items():
            height = page_height(text, width, work) + 8
            out = args.out / name
            chromium(
                [f"--screenshot={out}", f"--window-size={width},{height}", page.as_uri()],
                work / f"profile-{width}",
            )
            print(f"wrote {out} ({width}x{height})")


if __name__ == "__main__":
    main()
