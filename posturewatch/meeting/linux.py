"""Linux's quiet signals, one class each; what they parse is in pure functions.

- camera in use: another process holds a V4L2 capture node (`/dev/video*`) or a
  media controller (`/dev/media*`), seen from `/proc/<pid>/fd` links (our own
  process excluded); PipeWire and WirePlumber keep such nodes open while idle, so
  they count only while streaming (the node's buffers mapped, /proc/<pid>/maps);
- microphone in use: a PulseAudio or PipeWire (pipewire-pulse) recording stream
  that is not paused, a sink's monitor or a level meter, from `pactl`; where
  PipeWire runs without pactl, a running capture stream from `pw-dump`;
- full screen: `_NET_WM_STATE_FULLSCREEN` on the window `_NET_ACTIVE_WINDOW` names
  (X11, also XWayland windows), from `xprop`;
- do not disturb: the notification server's own state over D-Bus (dunst's
  `paused`, the freedesktop `Inhibited` property KDE Plasma has), and GNOME's
  `show-banners` setting.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posturewatch.meeting.signals import (
    MeetingSettings,
    QuietSignal,
    Reading,
    Runner,
    SignalUnavailable,
    run_command,
)

CAMERA_PREFIXES = ("/dev/video", "/dev/media")
IDLE_HOLDERS = frozenset({"pipewire", "wireplumber", "pipewire-media-session"})
"""Daemons that keep camera nodes open while nothing streams (to watch for devices
and formats): they count only while streaming, i.e. with a capture node's buffers
mapped into their memory (a camera portal client is being served)."""


# -- camera: /proc ------------------------------------------------------------------


def is_camera_holder(target: str, program: str, maps_device: Callable[[], bool]) -> bool:
    """Does an fd link to `target`, held by `program`, mean the camera is in use?
    `maps_device` says whether the process has a capture node's buffers mapped."""
    if target.startswith("/dev/video") and target[len("/dev/video") :].isdigit():
        return program not in IDLE_HOLDERS or maps_device()
    if target.startswith("/dev/media") and target[len("/dev/media") :].isdigit():
        return program not in IDLE_HOLDERS
    return False


def maps_capture_node(maps_text: str) -> bool:
    """Does /proc/<pid>/maps show a /dev/video* mapping (V4L2 streaming buffers)?"""
    return any(
        line.rsplit(None, 1)[-1].startswith("/dev/video")
        for line in maps_text.splitlines()
        if line.strip()
    )


def _maps_capture_node(pid_dir: str) -> bool:
    try:
        with open(os.path.join(pid_dir, "maps"), encoding="utf-8", errors="replace") as f:
            return maps_capture_node(f.read())
    except OSError:
        return False


def camera_holders(proc_root: Path, own_pid: int) -> Iterator[tuple[int, str, str]]:
    """(pid, program, device) for every other process holding a camera device.
    Processes whose fds are not ours to read (another user's) are passed over."""
    try:
        entries = list(os.scandir(proc_root))
    except OSError as exc:
        raise SignalUnavailable(f"{proc_root} cannot be read ({exc.strerror})") from None
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == own_pid:
            continue
        try:
            fds = list(os.scandir(os.path.join(entry.path, "fd")))
        except OSError:
            continue
        program: str | None = None
        for fd in fds:
            try:
                target = os.readlink(fd.path)
            except OSError:
                continue
            if not target.startswith(CAMERA_PREFIXES):
                continue
            if program is None:
                program = _program(entry.path)
            streaming = functools.partial(_maps_capture_node, entry.path)
            if is_camera_holder(target, program, streaming):
                yield int(entry.name), program, target
                break


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _program(pid_dir: str) -> str:
    try:
        with open(os.path.join(pid_dir, "comm"), encoding="utf-8", errors="replace") as f:
            return f.read().strip() or "?"
    except OSError:
        return "?"


class ProcCameraSignal:
    """Another process holds a camera device (Linux /proc)."""

    name = "camera in use"
    setting = "camera"

    def __init__(
        self,
        proc_root: Path = Path("/proc"),
        own_pid: int | None = None,
        dev_root: Path | None = None,
    ) -> None:
        self.proc_root = proc_root
        self.own_pid = os.getpid() if own_pid is None else own_pid
        self.dev_root = dev_root
        """Where device nodes are; with none there, the process table is not read
        (a machine without a camera pays nothing). None: always read it."""

    def read(self) -> Reading:
        if not self.proc_root.is_dir():
            raise SignalUnavailable(f"{self.proc_root} is not a process table")
        if self.dev_root is not None and not any(
            name.startswith(("video", "media")) for name in _names(self.dev_root)
        ):
            return Reading(False, f"no camera device in {self.dev_root}")
        for pid, program, device in camera_holders(self.proc_root, self.own_pid):
            return Reading(True, f"{program} (pid {pid}) uses the camera ({device})")
        return Reading(False, f"no other program holds a camera (read from {self.proc_root})")


# -- microphone: pactl --------------------------------------------------------------


def source_names(pactl_sources_short: str) -> dict[str, str]:
    """index -> name from `pactl list sources short` (tab-separated columns)."""
    names: dict[str, str] = {}
    for line in pactl_sources_short.splitlines():
        cols = line.split("\t")
        if len(cols) >= 2 and cols[0].strip().isdigit():
            names[cols[0].strip()] = cols[1].strip()
    return names


@dataclass(frozen=True)
class SourceOutput:
    """One recording stream from `pactl list source-outputs` (LC_ALL=C)."""

    source: str
    corked: bool
    properties: dict[str, str]

    @property
    def program(self) -> str:
        p = self.properties
        return p.get("application.name") or p.get("application.process.binary") or "a program"


def source_outputs(pactl_long: str) -> list[SourceOutput]:
    """The streams of `pactl list source-outputs` (the C locale's labels)."""
    found: list[SourceOutput] = []
    block: dict[str, str] | None = None
    props: dict[str, str] = {}

    def close() -> None:
        if block is not None:
            found.append(
                SourceOutput(block.get("Source", ""), block.get("Corked") == "yes", dict(props))
            )

    for raw in pactl_long.splitlines():
        line = raw.strip()
        if raw.startswith("Source Output #"):
            close()
            block, props = {}, {}
        elif block is None or not line:
            continue
        elif " = " in line and raw.startswith("\t\t"):
            key, _, value = line.partition(" = ")
            props[key.strip()] = value.strip().strip('"')
        elif ": " in line:
            key, _, value = line.partition(": ")
            block.setdefault(key.strip(), value.strip())
    close()
    return found


PEAK_METERS = ("Peak detect",)
"""media.name of the level meters of volume controls (pavucontrol): not recording."""


def recording_programs(outputs: list[SourceOutput], sources: dict[str, str]) -> list[str]:
    """Programs recording a real input now: not corked (paused), not a sink's
    `.monitor` (capturing what plays, not a microphone), not a level meter."""
    return [
        out.program
        for out in outputs
        if not out.corked
        and not sources.get(out.source, out.source).endswith(".monitor")
        and out.properties.get("media.name") not in PEAK_METERS
    ]


class PulseMicrophoneSignal:
    """A program records from a microphone (PulseAudio, or PipeWire's pulse server).
    The short listing first (one cheap call while nothing records), the detail only
    when something does."""

    name = "microphone in use"
    setting = "microphone"

    def __init__(self, run: Runner = run_command) -> None:
        self.run = run

    def read(self) -> Reading:
        status, short = self.run(["pactl", "list", "source-outputs", "short"])
        if status != 0:
            raise SignalUnavailable("no PulseAudio or PipeWire sound server answers pactl")
        if short.strip():
            _, listing = self.run(["pactl", "list", "source-outputs"])
            status, sources = self.run(["pactl", "list", "sources", "short"])
            names = source_names(sources) if status == 0 else {}
            programs = recording_programs(source_outputs(listing), names)
            if programs:
                return Reading(True, f"{programs[0]} records from the microphone")
        return Reading(False, "nothing records from a microphone")


def pipewire_recorders(pw_dump_json: str) -> list[str]:
    """Programs with a running audio capture stream in `pw-dump` output (nodes of
    media.class Stream/Input/Audio in state "running"), sink monitors left out."""
    try:
        objects = json.loads(pw_dump_json)
    except json.JSONDecodeError:
        raise SignalUnavailable("pw-dump's output cannot be parsed") from None
    found = []
    for obj in objects if isinstance(objects, list) else []:
        info = obj.get("info") if isinstance(obj, dict) else None
        if not isinstance(info, dict) or info.get("state") != "running":
            continue
        props = info.get("props") or {}
        if props.get("media.class") != "Stream/Input/Audio":
            continue
        if str(props.get("stream.capture.sink", "")).lower() == "true":
            continue
        name = props.get("application.name") or props.get("application.process.binary")
        found.append(str(name or "a program"))
    return found


class PipeWireMicrophoneSignal:
    """A program records from a microphone, read from `pw-dump` where PipeWire runs
    without pactl."""

    name = "microphone in use"
    setting = "microphone"

    def __init__(self, run: Runner = run_command) -> None:
        self.run = run

    def read(self) -> Reading:
        status, out = self.run(["pw-dump", "--no-colors"])
        if status != 0:
            raise SignalUnavailable("no PipeWire daemon answers pw-dump")
        programs = pipewire_recorders(out)
        if programs:
            return Reading(True, f"{programs[0]} records from the microphone")
        return Reading(False, "nothing records from a microphone")


# -- full screen: xprop -------------------------------------------------------------

_WINDOW_ID = re.compile(r"window id # (0x[0-9a-fA-F]+)")


def active_window(xprop_root: str) -> int | None:
    """The id in `xprop -root _NET_ACTIVE_WINDOW` output; None when there is none
    (0x0); SignalUnavailable when the window manager does not publish it."""
    match = _WINDOW_ID.search(xprop_root)
    if match is None:
        raise SignalUnavailable("the window manager does not publish _NET_ACTIVE_WINDOW")
    window = int(match.group(1), 16)
    return window or None


def xprop_values(output: str) -> dict[str, list[str]]:
    """`xprop -id W PROP...` output as {property: [values]} ("NAME(TYPE) = a, b";
    strings unquoted); a property the window lacks ("not found") is left out."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        head, sep, values = line.partition(" = ")
        if not sep:
            continue
        name = head.split("(", 1)[0].strip()
        found[name] = [v.strip().strip('"') for v in values.split(",") if v.strip()]
    return found


def is_fullscreen(xprop_window: str) -> bool:
    """Is the window (`xprop -id W _NET_WM_STATE _NET_WM_WINDOW_TYPE`) full screen?
    A desktop window (the icons behind everything) never counts."""
    props = xprop_values(xprop_window)
    if "_NET_WM_WINDOW_TYPE_DESKTOP" in props.get("_NET_WM_WINDOW_TYPE", []):
        return False
    return "_NET_WM_STATE_FULLSCREEN" in props.get("_NET_WM_STATE", [])


def window_program(xprop_window: str) -> str:
    """The program a window belongs to: WM_CLASS's class ("firefox", "zoom")."""
    names = xprop_values(xprop_window).get("WM_CLASS", [])
    return names[-1] if names else ""


class X11FullscreenSignal:
    """The active window is full screen (X11, EWMH)."""

    name = "full-screen window"
    setting = "fullscreen"

    def __init__(self, run: Runner = run_command, display: str | None = None) -> None:
        self.run = run
        self.display = display

    def read(self) -> Reading:
        display = self.display or os.environ.get("DISPLAY")
        if not display:
            why = "a Wayland session without X11" if os.environ.get("WAYLAND_DISPLAY") else "no X11"
            raise SignalUnavailable(f"{why} display; the front window cannot be read")
        base = ["xprop", "-display", display]
        status, out = self.run([*base, "-root", "_NET_ACTIVE_WINDOW"])
        if status != 0:
            raise SignalUnavailable(f"the X display {display} cannot be reached")
        window = active_window(out)
        if window is None:
            return Reading(False, "no active window")
        status, out = self.run(
            [*base, "-id", hex(window), "_NET_WM_STATE", "_NET_WM_WINDOW_TYPE", "WM_CLASS"]
        )
        if status == 0 and is_fullscreen(out):
            program = window_program(out) or f"window {hex(window)}"
            return Reading(True, f"a full-screen window is in front ({program})")
        return Reading(False, "the active window is not full screen")


# -- do not disturb: D-Bus and gsettings --------------------------------------------

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
DND_PROPERTIES = (("org.dunstproject.cmd0", "paused"), (NOTIFICATIONS, "Inhibited"))
"""(interface, property) a notification server may tell its do-not-disturb by."""


def session_bus_address() -> str | None:
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if runtime_dir and os.path.exists(os.path.join(runtime_dir, "bus")):
        return f"unix:path={runtime_dir}/bus"
    return None


class NotificationServerDndSignal:
    """The running notification server says do-not-disturb (dunst paused; KDE's
    Inhibited). Asks only a server that already runs: nothing is started."""

    name = "do not disturb"
    setting = "do_not_disturb"

    def __init__(self, bus_address: str | None = None) -> None:
        self.bus_address = bus_address

    def read(self) -> Reading:
        try:
            from jeepney import DBusAddress, Properties, message_bus
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            raise SignalUnavailable("jeepney (D-Bus) is not installed") from None
        address = self.bus_address or session_bus_address()
        if address is None:
            raise SignalUnavailable("no D-Bus session bus")
        try:
            conn = open_dbus_connection(bus=address)
        except Exception as exc:
            raise SignalUnavailable(f"the session bus cannot be reached ({exc})") from None
        with contextlib.closing(conn):
            owned = conn.send_and_get_reply(message_bus.NameHasOwner(NOTIFICATIONS), timeout=1)
            if not owned.body or not owned.body[0]:
                raise SignalUnavailable("no notification server runs")
            for interface, prop in DND_PROPERTIES:
                obj = DBusAddress(NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS, interface=interface)
                value = _property(conn, Properties(obj).get(prop))
                if isinstance(value, bool):
                    word = "paused" if prop == "paused" else "inhibited"
                    if value:
                        return Reading(True, f"notifications are {word} (do not disturb)")
                    return Reading(False, f"notifications are not {word}")
        raise SignalUnavailable("the notification server does not tell its do-not-disturb state")


def _property(conn: Any, message: Any) -> object:
    """A property's value, or None when the server has no such interface/property."""
    from jeepney import DBusErrorResponse

    try:
        reply = conn.send_and_get_reply(message, timeout=1)
    except (DBusErrorResponse, TimeoutError):
        return None
    body: Sequence[Any] = reply.body
    if body and isinstance(body[0], tuple) and len(body[0]) == 2:
        return body[0][1]
    return None


def banners_hidden(gsettings_output: str) -> bool | None:
    """`gsettings get ... show-banners` output: True when banners are off (GNOME's
    do-not-disturb), None when it is not a boolean."""
    word = gsettings_output.strip()
    if word in ("true", "false"):
        return word == "false"
    return None


GNOME_DESKTOPS = ("GNOME", "UNITY", "BUDGIE", "PANTHEON")
"""Desktops whose notifications follow org.gnome.desktop.notifications."""


class GnomeDndSignal:
    """GNOME's do-not-disturb: org.gnome.desktop.notifications show-banners false."""

    name = "GNOME do not disturb"
    setting = "do_not_disturb"

    def __init__(self, run: Runner = run_command, desktop: str | None = None) -> None:
        self.run = run
        self.desktop = desktop

    def read(self) -> Reading:
        desktop = (
            self.desktop if self.desktop is not None else os.environ.get("XDG_CURRENT_DESKTOP", "")
        )
        if not any(name in desktop.upper().split(":") for name in GNOME_DESKTOPS):
            raise SignalUnavailable(
                f"not a GNOME desktop ({desktop or 'XDG_CURRENT_DESKTOP unset'})"
            )
        status, out = self.run(
            ["gsettings", "get", "org.gnome.desktop.notifications", "show-banners"]
        )
        hidden = banners_hidden(out) if status == 0 else None
        if hidden is None:
            raise SignalUnavailable("GNOME's notification settings are not installed")
        if hidden:
            return Reading(True, "GNOME's do not disturb is on")
        return Reading(False, "GNOME's do not disturb is off")


def signals(settings: MeetingSettings) -> list[QuietSignal]:
    found: Iterable[QuietSignal] = (
        ProcCameraSignal(
            Path(settings.proc_root),
            dev_root=Path("/dev") if settings.proc_root == "/proc" else None,
        ),
        PipeWireMicrophoneSignal()
        if shutil.which("pactl") is None and shutil.which("pw-dump") is not None
        else PulseMicrophoneSignal(),
        X11FullscreenSignal(),
        NotificationServerDndSignal(),
        GnomeDndSignal(),
    )
    return list(found)
