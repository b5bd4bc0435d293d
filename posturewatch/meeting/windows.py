"""Windows's quiet signals: the shell's notification state (full-screen app,
presentation mode, Focus's quiet time) and the privacy settings' record of which
program uses the webcam or the microphone right now.

Written against the documented APIs and unit-tested on their parsing here; not run
on Windows (the platforms table in the README says so).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from posturewatch.meeting.signals import QuietSignal, Reading, SignalUnavailable, Unavailable

NOTIFICATION_STATES = {
    1: None,  # QUNS_NOT_PRESENT: screen saver or lock screen (the lock watcher's job)
    2: "a full-screen program is in front",  # QUNS_BUSY
    3: "a full-screen game or video is in front",  # QUNS_RUNNING_D3D_FULL_SCREEN
    4: "presentation mode is on",  # QUNS_PRESENTATION_MODE
    5: None,  # QUNS_ACCEPTS_NOTIFICATIONS
    6: None,  # QUNS_QUIET_TIME: the first hour after a Windows install, not a meeting
    7: "a full-screen app is in front",  # QUNS_APP
}
"""SHQueryUserNotificationState's answer -> why prompts wait (None: they need not)."""

CONSENT_STORE = r"Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore"


def notification_state_reading(state: int) -> Reading:
    why = NOTIFICATION_STATES.get(state)
    if why is None:
        return Reading(False, f"notifications are accepted (state {state})")
    return Reading(True, why)


def apps_in_use(entries: Iterable[tuple[str, int, int]], own_executable: str) -> list[str]:
    """Apps whose LastUsedTimeStart is set and LastUsedTimeStop is 0 (in use now),
    from (key name, start, stop); our own program (its path, \\ written as #, as the
    NonPackaged keys name it) does not count."""
    own = own_executable.replace("\\", "#").lower()
    return [
        name for name, start, stop in entries if start != 0 and stop == 0 and name.lower() != own
    ]


def _consent_entries(capability: str) -> Iterator[tuple[str, int, int]]:  # pragma: no cover
    import importlib

    winreg: Any = importlib.import_module("winreg")

    def values(key: Any) -> tuple[int, int]:
        start = stop = 0
        with contextlib.suppress(OSError):
            start = int(winreg.QueryValueEx(key, "LastUsedTimeStart")[0])
        with contextlib.suppress(OSError):
            stop = int(winreg.QueryValueEx(key, "LastUsedTimeStop")[0])
        return start, stop

    def children(key: Any) -> Iterator[str]:
        index = 0
        while True:
            try:
                yield winreg.EnumKey(key, index)
            except OSError:
                return
            index += 1

    root_key = winreg.HKEY_CURRENT_USER
    with winreg.OpenKey(root_key, f"{CONSENT_STORE}\\{capability}") as store:
        for name in list(children(store)):
            with winreg.OpenKey(store, name) as app:
                if name == "NonPackaged":
                    for exe in list(children(app)):
                        with winreg.OpenKey(app, exe) as sub:
                            yield (exe, *values(sub))
                else:
                    yield (name, *values(app))


class NotificationStateSignal:
    """SHQueryUserNotificationState: full screen, presentation mode."""

    name = "full-screen window"
    setting = "fullscreen"

    def read(self) -> Reading:  # pragma: no cover - Windows only
        try:
            import ctypes

            state = ctypes.c_int(0)
            loader: Any = ctypes
            windll: Any = loader.WinDLL  # AttributeError off Windows
            shell32 = windll("shell32")
            result = shell32.SHQueryUserNotificationState(ctypes.byref(state))
        except (AttributeError, OSError) as exc:
            raise SignalUnavailable(f"SHQueryUserNotificationState failed ({exc})") from None
        if result != 0:
            raise SignalUnavailable(f"SHQueryUserNotificationState failed (HRESULT {result:#x})")
        return notification_state_reading(state.value)


class ConsentStoreSignal:
    """Another program uses the webcam or the microphone (the privacy registry)."""

    def __init__(self, capability: str, name: str, setting: str) -> None:
        self.capability = capability
        self.name = name
        self.setting = setting

    def read(self) -> Reading:  # pragma: no cover - Windows only
        try:
            users = apps_in_use(_consent_entries(self.capability), sys.executable)
        except (ImportError, OSError) as exc:
            raise SignalUnavailable(
                f"the {self.capability} privacy keys cannot be read ({exc})"
            ) from None
        if users:
            return Reading(True, f"{users[0].replace('#', chr(92))} uses the {self.capability}")
        return Reading(False, f"no other program uses the {self.capability}")


def signals() -> list[QuietSignal]:
    return [
        ConsentStoreSignal("webcam", "camera in use", "camera"),
        ConsentStoreSignal("microphone", "microphone in use", "microphone"),
        NotificationStateSignal(),
        Unavailable(
            "do not disturb",
            "do_not_disturb",
            "Windows does not tell programs whether do not disturb / Focus is on",
        ),
    ]
