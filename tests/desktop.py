"""A private desktop for tests: Xvfb, a private D-Bus session bus and the dunst
notification daemon, so notification backends are tested against a real daemon
instead of a mock.

Nothing of the user's session is touched: the bus has its own config (no service
activation, so no other daemon can start), Xvfb picks a free display itself, and
dunst reads a tiny dunstrc that keeps every notification in its history. dunst's
context menu ("dmenu") is a script that picks the line with a chosen label: that
is how a test clicks a notification's button.

Skipped with the reason when the programs are missing, except when CI=true: CI
installs them (scripts/setup.sh --system), so a missing one there is a failure.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PROGRAMS = ("Xvfb", "dbus-daemon", "dbus-send", "dunst", "dunstctl", "notify-send")
TRAY_PROGRAMS = ("trayer", "xdotool", "xwininfo", "import")
"""What the desktop app's tests need beside PROGRAMS: a tray host (trayer, an XEmbed
system tray), xdotool to click, xwininfo to look, ImageMagick's import for pictures."""
START_TIMEOUT_S = 15.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

DUNSTRC = """[global]
    dmenu = {picker}
    history_length = 200
    sticky_history = yes
    stack_duplicates = false
    notification_limit = 0
    idle_threshold = 0
    show_indicators = no
    markup = full
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"""

# dunst pipes its context menu here, one "#Label (summary) [id,key]" line per
# action, and invokes the action whose line comes back.
PICKER = """#!/bin/sh
cat > "{root}/menu.tmp"
mv "{root}/menu.tmp" "{root}/menu.txt"
grep -F -m1 -- "$(cat "{root}/choice")" "{root}/menu.txt"
"""


def missing_programs(programs: tuple[str, ...] = PROGRAMS) -> list[str]:
    return [p for p in programs if shutil.which(p) is None]


@dataclass
class Desktop:
    """A running private desktop; `env` is what subprocesses need to reach it."""

    root: Path
    display: str
    bus_address: str
    env: dict[str, str] = field(repr=False)
    tray_host: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def dunstctl(self, *args: str) -> str:
        done = subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(f"dunstctl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def count(self, which: str = "displayed") -> int:
        """How many notifications dunst shows ("displayed"), queues ("waiting") or has closed
        ("history")."""
        return int(self.dunstctl("count", which).strip())

    def on_screen(self) -> int:
        return self.count("displayed") + self.count("waiting")

    def close_all(self) -> None:
        self.dunstctl("close-all")

    def history(self) -> list[dict[str, Any]]:
        """Closed notifications, newest first, as {field: value}."""
        data = json.loads(self.dunstctl("history"))["data"]
        items = data[0] if data else []
        return [{key: value["data"] for key, value in item.items()} for item in items]

    def history_summaries(self) -> list[str]:
        return [str(item["summary"]) for item in self.history()]

    def invoke_action(self, label: str, timeout_s: float = 5.0) -> str:
        """Open dunst's context menu and pick the action whose label is `label`, as a
        user would; returns the menu dunst offered."""
        menu = self.root / "menu.txt"
        menu.unlink(missing_ok=True)
        (self.root / "choice").write_text(label, encoding="utf-8")
        self.dunstctl("context")
        wait_until(menu.exists, timeout_s, "dunst's context menu")
        return menu.read_text(encoding="utf-8")


def wait_until(predicate: Callable[[], object], timeout_s: float = 5.0, what: str = "") -> None:
    """Poll `predicate` until it is true; a daemon answers asynchronously."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what or predicate}")
        time.sleep(0.03)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _log_tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-2000:]
    except OSError:
        return ""


def _start(
    stack: ExitStack, args: list[str], log: Path, env: dict[str, str], **kw: Any
) -> subprocess.Popen[bytes]:
    out = stack.enter_context(log.open("wb"))
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, **kw)
    stack.callback(_stop, proc)
    return proc


def _start_xvfb(
    stack: ExitStack, root: Path, env: dict[str, str], screen: str = "1024x768x24"
) -> str:
    """Xvfb on a display it picks itself (-displayfd), so parallel runs never clash."""
    read_fd, write_fd = os.pipe()
    try:
        proc = _start(
            stack,
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                screen,
                "-nolisten",
                "tcp",
            ],
            root / "xvfb.log",
            env,
            pass_fds=(write_fd,),
        )
        os.close(write_fd)
        write_fd = -1
        number = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read_fd, 16) if ready else b""
            if not chunk:
                raise RuntimeError(
                    f"Xvfb did not start (exit {proc.poll()}): {_log_tail(root / 'xvfb.log')}"
                )
            number += chunk
        return f":{number.decode().strip()}"
    finally:
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)


@contextmanager
def running_desktop(
    root: Path, tray_host: bool = False, screen: str = "1024x768x24"
) -> Iterator[Desktop]:
    """Start the private desktop in `root`, yield it, stop everything again. With
    `tray_host`, trayer runs along the screen's top edge as the system tray.
    `screen`: Xvfb's WIDTHxHEIGHTxDEPTH (a larger one for pictures at 200 %)."""
    root.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
    }
    with ExitStack() as stack:
        socket = root / "bus"
        (root / "bus.conf").write_text(BUS_CONFIG.format(socket=socket), encoding="utf-8")
        bus = _start(
            stack,
            ["dbus-daemon", "--nofork", f"--config-file={root / 'bus.conf'}"],
            root / "dbus.log",
            env,
        )
        wait_until(lambda: socket.exists() or bus.poll() is not None, START_TIMEOUT_S, "dbus")
        if bus.poll() is not None:
            raise RuntimeError(f"dbus-daemon did not start: {_log_tail(root / 'dbus.log')}")
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={socket}"
        env["DISPLAY"] = _start_xvfb(stack, root, env, screen)

        picker = root / "pick-action.sh"
        picker.write_text(PICKER.format(root=root), encoding="utf-8")
        picker.chmod(0o755)
        (root / "dunstrc").write_text(DUNSTRC.format(picker=picker), encoding="utf-8")
        dunst = _start(stack, ["dunst", "-config", str(root / "dunstrc")], root / "dunst.log", env)
        desktop = Desktop(root, env["DISPLAY"], env["DBUS_SESSION_BUS_ADDRESS"], env)

        def dunst_ready() -> bool:
            if dunst.poll() is not None:
                raise RuntimeError(f"dunst exited: {_log_tail(root / 'dunst.log')}")
            try:
                desktop.count()
            except RuntimeError:
                return False
            return True

        wait_until(dunst_ready, START_TIMEOUT_S, "dunst on the private bus")
        if tray_host:
            desktop.tray_host = _start(
                stack,
                [
                    "trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                    "--height", "28", "--transparent", "false", "--tint", "0x30363d",
                    "--SetDockType", "true", "--expand", "true",
                ],
                root / "trayer.log",
                env,
            )  # fmt: skip
            wait_until(lambda: tray_selection_owned(env), START_TIMEOUT_S, "trayer to own the tray")
        yield desktop


def tray_selection_owned(env: dict[str, str]) -> bool:
    """Does some window own _NET_SYSTEM_TRAY_S0 (a tray host is running)?"""
    done = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, timeout=10
    )
    return done.returncode == 0 and "trayer" in done.stdout.lower()


def require_programs(programs: tuple[str, ...]) -> None:
    """Skip (locally) or fail (CI=true) when programs are missing."""
    missing = missing_programs(programs)
    if missing:
        reason = (
            f"private desktop needs {', '.join(missing)} "
            "(install with: bash scripts/setup.sh --system)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    """A private desktop for the whole test session. DISPLAY and
    DBUS_SESSION_BUS_ADDRESS point at it from the first test that asks for it to the
    end of the session, so a test that needs *no* session bus must unset them itself
    (monkeypatch.delenv)."""
    require_programs(PROGRAMS)
    saved = {
        k: os.environ.get(k) for k in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY")
    }
    with running_desktop(tmp_path_factory.mktemp("desktop")) as running:
        os.environ.pop("WAYLAND_DISPLAY", None)
        os.environ["DISPLAY"] = running.display
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = running.bus_address
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


FRONT_SESSION = Path(__file__).parent / "fixtures" / "simulated_front_session.jsonl.gz"


def long_recording(path: Path, minutes: float, source: Path = FRONT_SESSION) -> Path:
    """`source` (a landmark recording) played over and over for `minutes`, as one
    recording: how the desktop app's tests and its benchmark get a long session
    without a camera. The first loop starts upright, so it calibrates."""
    import gzip

    with gzip.open(source, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    header, frames = lines[0], [json.loads(line) for line in lines[1:]]
    period = frames[-1]["time_s"] + (frames[1]["time_s"] - frames[0]["time_s"])
    loops = max(1, int(minutes * 60 // period) + 1)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(header + "\n")
        index = 0
        for loop in range(loops):
            for frame in frames:
                shifted = dict(frame, index=index, time_s=frame["time_s"] + loop * period)
                out.write(json.dumps(shifted, separators=(",", ":")) + "\n")
                index += 1
    return path
