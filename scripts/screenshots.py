"""Screenshots of the real desktop app for the README, into docs/screenshots/.

Starts a private desktop (Xvfb, a private D-Bus, dunst, and trayer as the tray
host; see tests/desktop.py), then runs `posturewatch gui` on a landmark recording
with a fresh data directory and walks through it the way a person would: the
first-run window page by page (keys sent with xdotool), the calibration, the tray
icon and its menu (clicked with xdotool), then every other window and state: the
live view, the settings, today's report, a break window, the first run with no
camera and with a camera that fails. The main windows are taken again in the dark
palette and at 200 % scale (QT_SCALE_FACTOR=2). Each picture is of the real app's
window on that screen (ImageMagick's import).

    python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.desktop import (  # noqa: E402 - after the path is set
    TRAY_PROGRAMS,
    Desktop,
    long_recording,
    missing_programs,
    running_desktop,
    wait_until,
)

DESKTOP_NAME = "Xvfb 1024x768, trayer (XEmbed system tray), dunst notifications, no window manager"


class Session:
    def __init__(self, desktop: Desktop, data_dir: Path, recording: Path, log: Path) -> None:
        self.desktop = desktop
        self.env = dict(desktop.env, POSTUREWATCH_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
        self.recording = recording
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str, source: str | None = "", **env: str) -> None:
        """`posturewatch gui` on the recording (source None: no --source, the
        machine's cameras; a string: that source), with `env` added."""
        out = self.log.open("ab")
        chosen = str(self.recording) if source == "" else source
        where = ["--source", chosen] if chosen is not None else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "posturewatch", "gui", *where, *extra],
            env=dict(self.env, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)

    def run(self, *args: str) -> str:
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=30)
        return done.stdout.strip()

    def window(self, name: str, timeout_s: float = 30.0) -> str:
        found: list[str] = []

        def look() -> bool:
            ids = self.run("xdotool", "search", "--onlyvisible", "--name", f"^{name}$").split()
            found[:] = ids
            return bool(ids)

        wait_until(look, timeout_s, f"a window named {name!r}")
        return found[-1]

    def key(self, window: str, *keys: str) -> None:
        self.run("xdotool", "windowfocus", "--sync", window)
        for key in keys:
            self.run("xdotool", "key", "--window", window, key)
            time.sleep(0.3)

    def grab(self, window: str, path: Path) -> None:
        self.run("import", "-window", window, str(path))
        _shrink(path)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def grab_region(self, geometry: str, path: Path) -> None:
        self.run("import", "-window", "root", "-crop", geometry, "+repage", str(path))
        _shrink(path)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def tray_icon_centre(self) -> tuple[int, int]:
        """Where trayer shows our icon: the one window named posturewatch inside trayer's panel."""
        tree = self.run("xwininfo", "-root", "-tree")
        lines = tree.splitlines()
        inside = False
        for line in lines:
            if '"panel": ("panel" "trayer")' in line:
                inside = True
            elif inside and '"posturewatch"' in line and "+" in line:
                size, _, rest = line.split(")")[-1].strip().partition("+")
                w, h = (int(v) for v in size.split("x"))
                absolute = rest.split()[-1].lstrip("+").split("+")
                return int(absolute[0]) + w // 2, int(absolute[1]) + h // 2
        raise RuntimeError("no posturewatch icon in trayer's panel:\n" + tree)


def _shrink(path: Path) -> None:
    """Small PNGs for the repository: 8-bit palette, metadata stripped."""
    subprocess.run(
        ["mogrify", "-strip", "-colors", "128", "-define", "png:compression-level=9", str(path)],
        check=False,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    missing = missing_programs((*TRAY_PROGRAMS, "Xvfb", "dunst", "dbus-daemon", "mogrify"))
    if missing:
        print(f"screenshots need {', '.join(missing)} (bash scripts/setup.sh --system)")
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="posturewatch-shots-"))
    try:
        recording = long_recording(work / "session.jsonl.gz", minutes=30)
        with running_desktop(work / "desktop", tray_host=True) as desktop:
            s = Session(desktop, work / "data", recording, work / "gui.log")
            walk_through(s, out)
            busy_camera_and_saved_settings(s, out)
            single_windows(s, out, VARIANTS[:2])
            other_states(s, work, out, VARIANTS[1:2])
        # 200 %: a screen as large as one people use at that scale (2560x1600).
        with running_desktop(work / "desktop-2x", screen="2560x1600x24") as desktop:
            s = Session(desktop, work / "data", recording, work / "gui.log")
            single_windows(s, out, VARIANTS[2:])
            other_states(s, work, out, VARIANTS[2:], first_run=False)
        (out / "README.md").write_text(
            "Screenshots of `posturewatch gui`, made by `python scripts/screenshots.py` on: "
            f"{DESKTOP_NAME}; Qt {_qt_version()}, {_platform()}. Names ending -dark use the "
            "dark palette, -2x QT_SCALE_FACTOR=2.\n",
            encoding="utf-8",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def walk_through(s: Session, out: Path) -> None:
    """A first run as a person does it: welcome, camera, calibration, the tray."""
    s.start()
    try:
        welcome = s.window("Welcome to posturewatch")
        time.sleep(1.0)
        s.grab(welcome, out / "first-run-welcome.png")
        s.key(welcome, "space")  # Next: the camera
        time.sleep(3.0)  # the live preview plays the recording
        s.grab(welcome, out / "first-run-camera.png")
        s.key(welcome, "space")  # Next: calibration
        s.key(welcome, "space")  # Start calibration
        time.sleep(1.2)
        s.grab(welcome, out / "first-run-countdown.png")
        time.sleep(4.0)
        s.grab(welcome, out / "first-run-calibrated.png")
        s.key(welcome, "alt+d")  # Details
        time.sleep(0.5)
        s.grab(welcome, out / "first-run-details.png")
        s.key(welcome, "alt+d", "alt+s")  # the optional slouch step
        time.sleep(0.5)
        s.grab(welcome, out / "first-run-slouch.png")
        s.key(welcome, "space")  # Start
        time.sleep(5.5)
        s.grab(welcome, out / "first-run-slouch-result.png")
        s.key(welcome, "alt+f")  # Finish
        time.sleep(8.0)  # the monitor starts; the tray turns to the state
        x, y = s.tray_icon_centre()
        s.grab_region("64x40+960+0", out / "tray-icon.png")
        s.run("xdotool", "mousemove", str(x), str(y), "click", "1")
        time.sleep(1.5)
        s.grab_region("420x360+604+0", out / "tray-menu.png")
        s.run("xdotool", "key", "Escape")
    finally:
        s.stop()


VARIANTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("", {}),
    ("-dark", {"POSTUREWATCH_THEME": "dark"}),
    ("-2x", {"QT_SCALE_FACTOR": "2"}),
)
WINDOWS = (
    ("live", "live-view", "posturewatch live view", 6.0),
    ("settings", "settings", "posturewatch settings", 1.0),
    ("report", "report", "posturewatch: today's report", 4.0),
    ("break:chin-tucks", "break-window", "posturewatch: .*", 1.0),
)


def busy_camera_and_saved_settings(s: Session, out: Path) -> None:
    """The tray while the camera cannot be opened (calibrated, camera:7), and the
    settings window after Save (a sensitivity step stricter)."""
    s.start(source="camera:7")
    try:
        time.sleep(8.0)  # the first retry is scheduled
        x, y = s.tray_icon_centre()
        s.run("xdotool", "mousemove", str(x), str(y), "click", "1")
        time.sleep(1.5)
        s.grab_region("480x360+544+0", out / "tray-menu-camera-busy.png")
        s.run("xdotool", "key", "Escape")
    finally:
        s.stop()
    s.start("--open", "settings")
    try:
        wid = s.window("posturewatch settings")
        time.sleep(1.0)
        s.key(wid, "Right", "alt+s")  # the slider (focused first) one step stricter, Save
        time.sleep(1.0)
        s.grab(wid, out / "settings-saved.png")
    finally:
        s.stop()
    (Path(s.env["POSTUREWATCH_DATA_DIR"]) / "config.toml").unlink(missing_ok=True)


def single_windows(s: Session, out: Path, variants: tuple[tuple[str, dict[str, str]], ...]) -> None:
    """Each window on its own (--open), in each of `variants`."""
    for suffix, env in variants:
        for window, name, title, settle_s in WINDOWS:
            if suffix and window == "report":
                continue
            s.start("--open", window, **env)
            try:
                wid = s.window(title)
                time.sleep(settle_s)
                s.grab(wid, out / f"{name}{suffix}.png")
            finally:
                s.stop()


def other_states(
    s: Session,
    work: Path,
    out: Path,
    variants: tuple[tuple[str, dict[str, str]], ...],
    first_run: bool = True,
) -> None:
    """The first run with no camera at all, and with a camera that cannot be opened;
    the welcome and camera pages in each of `variants`."""
    fresh = Session(s.desktop, work / "fresh", s.recording, s.log)
    for source, name in ((None, "first-run-no-camera"), ("camera:7", "first-run-camera-failed")):
        if not first_run:
            break
        fresh.start(source=source)
        try:
            welcome = fresh.window("Welcome to posturewatch")
            time.sleep(1.0)
            fresh.key(welcome, "space")  # Next
            time.sleep(3.0)
            fresh.grab(welcome, out / f"{name}.png")
        finally:
            fresh.stop()
    for suffix, env in variants:
        fresh.start(**env)
        try:
            welcome = fresh.window("Welcome to posturewatch")
            time.sleep(1.0)
            fresh.grab(welcome, out / f"first-run-welcome{suffix}.png")
            fresh.key(welcome, "space")
            time.sleep(3.0)
            fresh.grab(welcome, out / f"first-run-camera{suffix}.png")
        finally:
            fresh.stop()


def _qt_version() -> str:
    import PySide6

    return f"PySide6 {PySide6.__version__}"


def _platform() -> str:
    try:
        pretty = next(
            line.split("=", 1)[1].strip('"')
            for line in Path("/etc/os-release").read_text().splitlines()
            if line.startswith("PRETTY_NAME=")
        )
    except (OSError, StopIteration):
        pretty = sys.platform
    return f"{pretty}, Python {sys.version.split()[0]}"


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
