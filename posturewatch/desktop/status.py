"""What the tray shows, from the monitor's status: pure functions, no Qt.

The tray has one look per situation a person cares about, in priority order: a
camera problem or a needed calibration first (nothing is being judged), then a
pause, then the posture itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal

from posturewatch.inputs.power import power_text

TrayState = Literal[
    "starting", "good", "slipping", "poor", "away", "paused", "calibrate", "camera", "uncertain"
]


@dataclass(frozen=True)
class Look:
    colour: str
    """Fill of the tray dot."""
    label: str
    """Tooltip and menu headline."""


LOOKS: dict[str, Look] = {
    "starting": Look("#8a8f98", "starting…"),
    "good": Look("#2ea043", "posture good"),
    "slipping": Look("#d4a72c", "posture slipping"),
    "poor": Look("#d64541", "poor posture"),
    "away": Look("#8a8f98", "away from the desk"),
    "paused": Look("#4a6ec8", "paused"),
    "calibrate": Look("#a855f7", "needs calibration"),
    "camera": Look("#e07b00", "camera busy or missing"),
    "uncertain": Look("#b0b6bf", "watching (cannot judge right now)"),
}


def tray_state(status: dict[str, Any], profile_missing: bool = False) -> TrayState:
    """The look for a monitor status (app.status()) or the GUI's own knowledge."""
    if profile_missing or status.get("recalibrate"):
        return "calibrate"
    if status.get("camera_unavailable_since") is not None:
        return "camera"
    state = str(status.get("state", "starting"))
    if state == "paused":
        return "paused"
    if state == "good":
        return "slipping" if status.get("dominant") else "good"
    if state in ("poor", "away", "starting", "uncertain"):
        return state  # type: ignore[return-value]
    return "uncertain"


def tooltip(state: TrayState, status: dict[str, Any], now_s: float) -> str:
    text = f"posturewatch: {LOOKS[state].label}"
    if state == "paused":
        until = status.get("paused_until")
        if until is not None:
            text += f" until {clock_text(float(until), now_s)}"
    elif state == "uncertain" and status.get("reason"):
        text += f" ({status['reason']})"
    power = power_text(status.get("power"))
    if power:
        text += f"\n{power}"
    if status.get("profile"):
        text += f"\nsetup: {status['profile']}"
    return text


def switch_notice(
    before: dict[str, Any], after: dict[str, Any], told: set[str]
) -> tuple[str, str] | None:
    """Told once per setup (names in `told`) when the running monitor switched to
    another saved setup: turning to a second monitor and back is not news twice."""
    old, new = before.get("profile"), after.get("profile")
    if not old or not new or old == new or new in told:
        return None
    told.add(new)
    return (
        f"posturewatch switched to {new}",
        f"You sit in the setup saved as '{new}', so posture is judged against its "
        "calibration. Add a setup with Settings > Add this setup.",
    )


def clock_text(epoch_s: float, now_s: float) -> str:
    moment = datetime.fromtimestamp(epoch_s)
    if moment.date() == datetime.fromtimestamp(now_s).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%a %H:%M")


def today_lines(today: dict[str, Any] | None) -> list[str]:
    """Today's figures for the tray menu (service.today_summary's dict)."""
    if not today:
        return ["Today: no figures yet"]
    seated = float(today.get("seated_min") or 0.0)
    share = today.get("good_share")
    lines = [
        f"Today: seated {_minutes(seated)}"
        + ("" if share is None else f", {round(float(share) * 100)} % upright"),
        f"Poor posture {_minutes(float(today.get('poor_min') or 0.0))}, "
        f"breaks {int(today.get('breaks_done') or 0)} of {int(today.get('prompts') or 0)} prompts",
    ]
    return lines


def _minutes(value: float) -> str:
    minutes = round(value)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def seconds_until_tomorrow(now_s: float, tz: tzinfo | None = None) -> float:
    """From `now_s` to the next local midnight (a pause "until tomorrow")."""
    now = datetime.fromtimestamp(now_s, tz)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if tz is None:
        return max(60.0, midnight.timestamp() - now_s)
    return max(60.0, (midnight - now).total_seconds())


NOTICES: dict[str, tuple[str, str]] = {
    "calibrate": (
        "posturewatch needs a new calibration",
        "Your camera or desk seems to have moved and no saved setup fits, so posture is "
        "not judged for now. Choose Calibrate in the posturewatch menu, or keep this one "
        "too with Settings > Add this setup.",
    ),
    "camera": (
        "posturewatch cannot use the camera",
        "Another program may be using it, or it is unplugged. posturewatch waits and "
        "tries again by itself.",
    ),
}
"""Told once in a notification when the tray turns to one of these looks."""


class NoticeOnce:
    """Says each notice once per episode: again only after the look went away."""

    def __init__(self) -> None:
        self._active: set[str] = set()

    def __call__(self, state: TrayState) -> tuple[str, str] | None:
        for key in list(self._active):
            if key != state:
                self._active.discard(key)
        if state in NOTICES and state not in self._active:
            self._active.add(state)
            return NOTICES[state]
        return None
