"""Is the machine running on its battery? One small interface, one reader per platform.

On battery the monitor looks less often, or not at all, as the user chose
(`[power] on_battery`): a pose check costs a laptop's battery what it costs the
CPU. Linux reads `/sys/class/power_supply` (its root is a setting, so a test builds
a fake tree), macOS parses `pmset -g batt`, Windows asks `GetSystemPowerStatus`.
A machine with no battery, or one whose state cannot be read, counts as on mains.
Read at most every `poll_s` seconds of the run's own clock: a few small files.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, get_args

log = logging.getLogger(__name__)

BatteryMode = Literal["slower", "pause", "normal"]
MAINS_TYPES = frozenset({"Mains", "USB", "USB_C", "USB_PD", "USB_PD_DRP", "Wireless"})
"""power_supply types that feed the machine; `online` 1 on any of them is mains."""


@dataclass(frozen=True)
class PowerSettings:
    """What to do on battery (`[power]` in the config)."""

    on_battery: BatteryMode = "slower"
    """slower: every check interval times battery_factor; pause: no checks (camera
    off, no prompts) until back on mains; normal: as on mains."""
    battery_factor: float = 3.0
    """How many times longer between checks on battery (at most max_sample_gap_s
    apart, so the report's minutes stay right)."""
    poll_s: float = 45.0
    """How often the power state is read."""
    sysfs_root: str = "/sys/class/power_supply"
    """Linux: where the power supplies are listed."""

    def __post_init__(self) -> None:
        if self.on_battery not in get_args(BatteryMode):
            raise ValueError("on_battery: must be slower, pause or normal")
        if not 1.0 <= self.battery_factor <= 20.0:
            raise ValueError("battery_factor: must be between 1 and 20")
        if not 5.0 <= self.poll_s <= 600.0:
            raise ValueError("poll_s: must be between 5 and 600 seconds")


class PowerSource(Protocol):
    def on_battery(self) -> bool | None:
        """True on battery, False on mains, None when unknown (no battery, no reading)."""
        ...


class SysfsPower:
    """Linux: the kernel's power_supply class. Any mains-type supply online is mains;
    otherwise a system battery (not a mouse's: scope Device) discharging, or beside
    mains supplies that are all offline, is battery."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def on_battery(self) -> bool | None:
        try:
            supplies = sorted(self.root.iterdir())
        except OSError:
            return None
        mains_seen = battery_seen = discharging = False
        for supply in supplies:
            kind = _read(supply / "type")
            if kind in MAINS_TYPES:
                mains_seen = True
                if _read(supply / "online") == "1":
                    return False
            elif kind == "Battery" and _read(supply / "scope") != "Device":
                battery_seen = True
                discharging |= _read(supply / "status") == "Discharging"
        if not battery_seen:
            return None
        return discharging or mains_seen


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None


def parse_pmset(text: str) -> bool | None:
    """macOS `pmset -g batt`: its first line says "Now drawing from 'Battery Power'"
    or "'AC Power'" (or 'UPS Power')."""
    for line in text.splitlines():
        if "drawing from" in line:
            if "'Battery Power'" in line:
                return True
            if "'AC Power'" in line or "'UPS Power'" in line:
                return False
    return None


class PmsetPower:
    """macOS: `pmset -g batt`, one short process per poll."""

    def on_battery(self) -> bool | None:
        try:
            done = subprocess.run(
                ["pmset", "-g", "batt"], capture_output=True, text=True, timeout=5.0, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return parse_pmset(done.stdout) if done.returncode == 0 else None


def ac_line_on_battery(ac_line_status: int, battery_flag: int) -> bool | None:
    """Windows SYSTEM_POWER_STATUS: ACLineStatus 0 offline, 1 online, 255 unknown;
    BatteryFlag 128 means no system battery."""
    if battery_flag == 128 or ac_line_status == 255:
        return None
    return ac_line_status == 0


class WindowsPower:
    """Windows: GetSystemPowerStatus through ctypes."""

    def on_battery(self) -> bool | None:
        import ctypes
        from ctypes import wintypes

        class SystemPowerStatus(ctypes.Structure):
            _fields_ = [
                ("ACLineStatus", wintypes.BYTE),
                ("BatteryFlag", wintypes.BYTE),
                ("BatteryLifePercent", wintypes.BYTE),
                ("SystemStatusFlag", wintypes.BYTE),
                ("BatteryLifeTime", wintypes.DWORD),
                ("BatteryFullLifeTime", wintypes.DWORD),
            ]

        status = SystemPowerStatus()
        try:
            windll = ctypes.windll  # type: ignore[attr-defined,unused-ignore]
            if not windll.kernel32.GetSystemPowerStatus(ctypes.byref(status)):
                return None
        except (AttributeError, OSError):
            return None
        return ac_line_on_battery(status.ACLineStatus & 0xFF, status.BatteryFlag & 0xFF)


def open_power(settings: PowerSettings) -> PowerSource:
    """This platform's reader."""
    if sys.platform == "win32":
        return WindowsPower()
    if sys.platform == "darwin":
        return PmsetPower()
    return SysfsPower(Path(settings.sysfs_root))


class PowerWatch:
    """The power state, read again once `poll_s` of the run's clock has passed."""

    def __init__(self, source: PowerSource, settings: PowerSettings) -> None:
        self.source = source
        self.settings = settings
        self._read_s: float | None = None
        self.on_battery = False

    def poll(self, now_s: float) -> bool:
        """On battery now? True only when the reader says so; a failing reader is mains."""
        if self._read_s is not None and 0 <= now_s - self._read_s < self.settings.poll_s:
            return self.on_battery
        self._read_s = now_s
        try:
            self.on_battery = self.source.on_battery() is True
        except Exception as exc:  # a reader must never stop the monitor
            log.info("cannot read the power state: %s", exc)
            self.on_battery = False
        return self.on_battery


def power_text(status: dict[str, object] | None) -> str:
    """What the tray and `status` say of the power state ('' on mains)."""
    if not status or not status.get("on_battery"):
        return ""
    mode = status.get("mode")
    if mode == "pause":
        return "on battery: paused until back on mains power"
    if mode == "slower":
        return "on battery: checking less often"
    return "on battery"
