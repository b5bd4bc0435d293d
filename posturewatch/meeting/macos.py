"""macOS's quiet signals, where a program without special entitlements can read
them: a Focus (do not disturb) turned on, from the Focus store's assertions file,
and a full-screen front window, through System Events (needs the Accessibility
permission; without it the signal says so). Which program uses the camera or the
microphone is not readable without private frameworks.

Written and unit-tested on the parsing here; not run on macOS.
"""

from __future__ import annotations

import json
from pathlib import Path

from posturewatch.meeting.signals import (
    QuietSignal,
    Reading,
    Runner,
    SignalUnavailable,
    Unavailable,
    run_command,
)

ASSERTIONS = Path("~/Library/DoNotDisturb/DB/Assertions.json")
FRONT_FULLSCREEN = (
    'tell application "System Events" to tell (first process whose frontmost is true) '
    'to get value of attribute "AXFullScreen" of window 1'
)


def focus_on(assertions_json: str) -> bool:
    """Does the Focus store's Assertions.json hold an active assertion (a Focus on)?"""
    try:
        data = json.loads(assertions_json)
    except json.JSONDecodeError:
        raise SignalUnavailable("the Focus store cannot be parsed") from None
    entries = data.get("data", []) if isinstance(data, dict) else []
    return any(isinstance(entry, dict) and entry.get("storeAssertionRecords") for entry in entries)


class FocusSignal:
    name = "do not disturb"
    setting = "do_not_disturb"

    def __init__(self, path: Path = ASSERTIONS) -> None:
        self.path = path

    def read(self) -> Reading:
        try:
            text = self.path.expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise SignalUnavailable(
                f"the Focus state is not readable ({exc.strerror}; Full Disk Access allows it)"
            ) from None
        if focus_on(text):
            return Reading(True, "a Focus is on")
        return Reading(False, "no Focus is on")


def fullscreen_answer(osascript_output: str) -> bool | None:
    word = osascript_output.strip().lower()
    return {"true": True, "false": False}.get(word)


class FrontFullscreenSignal:
    name = "full-screen window"
    setting = "fullscreen"

    def __init__(self, run: Runner = run_command) -> None:
        self.run = run

    def read(self) -> Reading:
        status, out = self.run(["osascript", "-e", FRONT_FULLSCREEN])
        answer = fullscreen_answer(out) if status == 0 else None
        if answer is None:
            raise SignalUnavailable(
                "the front window cannot be read (allow posturewatch's terminal or app in "
                "System Settings > Privacy & Security > Accessibility)"
            )
        if answer:
            return Reading(True, "a full-screen window is in front")
        return Reading(False, "the front window is not full screen")


def signals() -> list[QuietSignal]:
    why = "macOS does not tell other programs which program uses it"
    return [
        Unavailable("camera in use", "camera", why),
        Unavailable("microphone in use", "microphone", why),
        FrontFullscreenSignal(),
        FocusSignal(),
    ]
