"""What the tray shows, from the monitor's status: pure functions, no Qt.

The tray has one look per situation a person cares about, in priority order: a
camera problem or a needed calibration first (nothing is being judged), then a
pause, then a meeting (prompts wait), then the posture itself. A camera held by a
call is the meeting, not a problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal

from posturewatch.inputs.power import power_text

TrayState = Literal[
    "starting",
    "good",
    "slipping",
    "poor",
    "away",
    "paused",
    "quiet",
    "calibrate",
    "camera",
    "uncertain",
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
    "quiet": Look("#1f8f8f", "quiet: in a meeting"),
    "calibrate": Look("#a855f7", "needs calibration"),
    "camera": Look("#e07b00", "camera busy or missing"),
    "uncertain": Look("#b0b6bf", "watching (cannot judge right now)"),
}


def tray_state(status: dict[str, Any], profile_missing: bool = False) -> TrayState:
    """The look for a monitor status (app.status()) or the GUI's own knowledge."""
    quiet = bool(status.get("quiet"))  # a camera held by a call is the meeting
    if status.get("camera_unavailable_since") is not None and not quiet:
        return "camera"  # nothing can be judged or calibrated without it: first
    if profile_missing or status.get("recalibrate"):
        return "calibrate"
    state = str(status.get("state", "starting"))
    if state == "paused":
        return "paused"
    if quiet:
        return "quiet"
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
    elif state == "camera" and status.get("camera_retry_at_s") is not None:
        text += f", trying again {in_minutes(float(status['camera_retry_at_s']) - now_s)}"
    power = power_text(status.get("power"))
    if power:
        text += f"\n{power}"
    if status.get("profile"):
        text += f"\nsetup: {status['profile']}"
    return text


def in_minutes(seconds: float) -> str:
    """'in 2 min', 'in a few seconds': when something happens next, for the tray."""
    if seconds < 45:
        return "in a few seconds"
    return f"in {max(1, round(seconds / 60))} min"


def snooze_line(status: dict[str, Any], now_s: float) -> str:
    """'Prompts snoozed until 11:05' while a snooze runs; empty otherwise."""
    until = (status.get("scheduler") or {}).get("snoozed_until")
    if until is None or float(until) <= now_s:
        return ""
    return f"Prompts snoozed until {clock_text(float(until), now_s)}"


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
    if not today or not (today.get("seated_min") or today.get("prompts") or today.get("away_min")):
        return ["Today: no figures yet"]
    seated = float(today.get("seated_min") or 0.0)
    share = today.get("good_share")
    prompts = int(today.get("prompts") or 0)
    done = int(today.get("breaks_done") or 0)
    lines = [
        f"Today: seated {_minutes(seated)}"
        + ("" if share is None else f", {round(float(share) * 100)} % upright"),
        f"Poor posture {_minutes(float(today.get('poor_min') or 0.0))}, "
        + (
            "no prompts yet"
            if prompts == 0
            else f"{prompts} prompt{'s' if prompts != 1 else ''}, {done} followed"
        ),
    ]
    return lines


def _minutes(value: float) -> str:
    if 0 < value < 0.5:
        return "under 1 min"
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
        "Another program may be using it, or it is unplugged. posturewatch tries again "
        "by itself, less often as time goes on; the tray says when.",
    ),
}
"""Told once in a notification when the tray turns to one of these looks."""


class NoticeOnce:
    """Says each notice once per episode: again only after the look went away."""

    def __init__(self) -> None:
        self._active: set[str] = set()

    def told(self, state: str) -> bool:
        """Is the notice for `state` the one in force (already said)?"""
        return state in self._active

    def __call__(self, state: TrayState) -> tuple[str, str] | None:
        for key in list(self._active):
            if key != state:
                self._active.discard(key)
        if state in NOTICES and state not in self._active:
            self._active.add(state)
            return NOTICES[state]
        return None


DEVIATION_WORDS = {
    "head_forward": "head forward",
    "shoulder_rounding": "shoulders rounded",
    "both": "head forward and shoulders rounded",
    "sinking": "sinking in the chair",
}


def update_words(update: Any) -> str:
    """The detector's judgement of this moment, in words (the live view)."""
    state = str(update.state)
    dominant = DEVIATION_WORDS.get(str(update.dominant), str(update.dominant or ""))
    why = str(getattr(update, "why", "") or "")
    if state == "poor":
        return f"Slouching: {why or dominant or 'away from your calibrated posture'}."
    if state == "good":
        if dominant or why:
            return f"Building up: {why or dominant}; it counts once it lasts."
        return "Sitting as calibrated."
    if state == "away":
        return "Nobody at the desk."
    if state == "uncertain":
        return f"Cannot judge right now ({update.reason or 'unclear picture'})."
    return "Starting…"


def next_step(status: dict[str, Any], now_s: float) -> str:
    """What posturewatch would do next, from the monitor's status (the live view)."""
    if status.get("camera_unavailable_since") is not None:
        retry = status.get("camera_retry_at_s")
        when = "" if retry is None else f" {in_minutes(float(retry) - now_s)}"
        return f"Next: trying the camera again{when}."
    if status.get("state") == "paused" or (status.get("scheduler") or {}).get("paused"):
        until = status.get("paused_until")
        when = "until you resume" if until is None else f"until {clock_text(float(until), now_s)}"
        return f"Paused {when}: no checks, no prompts."
    scheduler = status.get("scheduler") or {}
    blocked = scheduler.get("blocked_by")
    possible = scheduler.get("next_possible_prompt_s")
    if blocked and possible is not None and float(possible) > now_s:
        return (
            f"Next: no prompt before {clock_text(float(possible), now_s)} ({blocked}); "
            "it keeps watching."
        )
    if status.get("state") == "poor":
        return "Next: a prompt with a short exercise if this goes on."
    return "Next: keeps watching; a prompt comes only if a slouch lasts."
