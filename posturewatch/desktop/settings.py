"""What the settings window changes, as plain data and pure functions (no Qt here,
so the logic is tested without a display).

The window edits a few things people actually change; everything else in
config.toml is kept as it is. A new config is built the way the loader builds
one (settings.from_table), so a value the loader would refuse is refused here
with the loader's own message naming the key, and nothing is written.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturewatch.files import private_dir, write_atomic

if TYPE_CHECKING:
    from posturewatch.config import Config


SENSITIVITY_STEPS: tuple[tuple[float, str], ...] = (
    (0.4, "very relaxed"),
    (0.6, "relaxed"),
    (1.0, "standard"),
    (1.4, "strict"),
    (2.0, "very strict"),
)
"""(factor, label): `[detector] sensitivity`, the one factor over every threshold of
both views (core/thresholds.py): a higher sensitivity notices a smaller deviation.
Very relaxed (thresholds 2.5 times the defaults) lets the licensed sittings' shallowest slouch
pass, very strict calls their upright frames that drifted most poor
(`python -m calibration.real_data`, the sensitivity sweep)."""


@dataclass(frozen=True)
class SettingsForm:
    """The values the settings window shows and edits."""

    sensitivity: float = 1.0
    break_after_min: float = 50.0
    prompt_style: str = "notification"
    quiet_hours: str = "18:00-09:00"
    """Comma-separated HH:MM-HH:MM ranges; empty: no quiet hours."""
    camera: str = "0"
    start_at_login: bool = False
    break_heads_up: bool = True
    """`[scheduler] break_heads_up`: a word a minute before a scheduled break."""
    meeting: bool = True
    """`[meeting] enabled`: prompts wait while an enabled signal says so."""
    meeting_signals: frozenset[str] = frozenset(
        ("camera", "microphone", "fullscreen", "do_not_disturb")
    )
    """The `[meeting]` signal keys that are on (MEETING_SIGNALS)."""


MEETING_SIGNALS: tuple[tuple[str, str], ...] = (
    ("camera", "another app is using the camera"),
    ("microphone", "another app is recording from the microphone"),
    ("fullscreen", "a full-screen window or presentation is in front"),
    ("do_not_disturb", "the desktop's do-not-disturb is on"),
)
"""([meeting] key, what it means in plain words) for each quiet signal."""


def nearest_step(factor: float) -> int:
    """Index of the SENSITIVITY_STEPS entry closest to `factor`."""
    return min(range(len(SENSITIVITY_STEPS)), key=lambda i: abs(SENSITIVITY_STEPS[i][0] - factor))


def quiet_hours_text(ranges: tuple[str, ...]) -> str:
    return ", ".join(ranges)


def parse_quiet_hours_text(text: str) -> list[str]:
    """'18:00-09:00, 12:00-13:00' -> the list the config holds (checked by the loader)."""
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def form_from_config(config: Config, start_at_login: bool = False) -> SettingsForm:
    return SettingsForm(
        sensitivity=float(config.detector.sensitivity),
        break_after_min=float(config.scheduler.break_after_min),
        prompt_style=config.notifications.prompt_style,
        quiet_hours=quiet_hours_text(config.scheduler.quiet_hours),
        camera=config.camera.device,
        start_at_login=start_at_login,
        break_heads_up=config.scheduler.break_heads_up,
        meeting=config.meeting.enabled,
        meeting_signals=frozenset(
            key for key, _ in MEETING_SIGNALS if getattr(config.meeting, key)
        ),
    )


def apply_form(config: Config, form: SettingsForm, where: str) -> Config:
    """`config` with the form's values, validated by the config loader's own path
    (raises ConfigError naming `where` and the refused key)."""
    from posturewatch.config import Config as ConfigClass
    from posturewatch.core.settings import from_table, to_table

    table = to_table(config)
    table["detector"]["sensitivity"] = form.sensitivity
    table["scheduler"]["break_after_min"] = form.break_after_min
    table["scheduler"]["quiet_hours"] = parse_quiet_hours_text(form.quiet_hours)
    table["notifications"]["prompt_style"] = form.prompt_style
    table["camera"]["device"] = form.camera.strip()
    table["scheduler"]["break_heads_up"] = form.break_heads_up
    table["meeting"]["enabled"] = form.meeting
    for key, _ in MEETING_SIGNALS:
        table["meeting"][key] = key in form.meeting_signals
    return from_table(ConfigClass, table, where)


def with_camera(config: Config, device: str) -> Config:
    return dataclasses.replace(config, camera=dataclasses.replace(config.camera, device=device))


def changed_keys(old: Config, new: Config) -> dict[str, dict[str, Any]]:
    """{section: {key: new value}} for every setting that differs."""
    from posturewatch.core.settings import to_table

    before, after = to_table(old), to_table(new)
    changed: dict[str, dict[str, Any]] = {}
    for section, table in after.items():
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            if before.get(section, {}).get(key) != value:
                changed.setdefault(section, {})[key] = value
    return changed


def save_config(path: Path, old: Config, new: Config) -> list[str]:
    """Write to `path` only what differs between `old` and `new`, over what the file
    already holds (the rest stays as the user wrote it, defaults stay out), user-only
    (0600) and atomically; the text is checked by the loader first. Returns the
    changed keys as `section.key`."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    from posturewatch.config import dump_table, parse_config
    from posturewatch.core.settings import ConfigError

    changed = changed_keys(old, new)
    if not changed:
        return []
    table: dict[str, Any] = {}
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read to update it ({exc})") from None
    for section, values in changed.items():
        table.setdefault(section, {}).update(values)
    text = dump_table(table)
    parse_config(text, str(path))  # what the loader would say of it, before writing
    private_dir(path.parent)
    write_atomic(path, text)
    return [f"{section}.{key}" for section, values in changed.items() for key in values]


RESTART_KEYS = frozenset({"camera.device", "camera.width", "camera.height"})
"""Settings the running monitor cannot take over: a new camera restarts it (the
day's figures are in the database; its cooldown starts afresh). The prompt style is
read at each prompt."""


def needs_restart(changed: list[str]) -> bool:
    return any(key in RESTART_KEYS for key in changed)


@dataclass(frozen=True)
class SaveOutcome:
    """What the settings window says after Save: `ok` False keeps the window's
    values for the user to fix; `message` is shown either way."""

    ok: bool
    message: str


def saved_message(changed: list[str], restarted: bool, at: str) -> str:
    if not changed:
        return "Nothing changed."
    if restarted:
        return f"Saved at {at}. Watching again with the new camera."
    return f"Saved at {at}, in effect now (today's figures, pauses and snoozes kept)."


def plain_refusal(message: str, where: str) -> str:
    """A ConfigError without the file path in front (the window is the context)."""
    return message.removeprefix(where).lstrip(".: ") or message


def camera_device(spec: str) -> str:
    """'camera:1' -> '1'; '/dev/video2' stays; anything else (a recording) stays."""
    return spec.removeprefix("camera:")
