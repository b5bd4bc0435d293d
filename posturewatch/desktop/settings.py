"""What the settings window changes, as plain data and pure functions (no Qt here,
so the logic is tested without a display).

The window edits a few things people actually change; everything else in
config.toml is kept as it is. A new config is built the way the loader builds
one (settings.from_table), so a value the loader would refuse is refused here
with the loader's own message naming the key, and nothing is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturewatch.files import private_dir, write_atomic

if TYPE_CHECKING:
    from posturewatch.config import Config


SENSITIVITY_STEPS: tuple[tuple[float, str], ...] = (
    (0.6, "very relaxed"),
    (0.8, "relaxed"),
    (1.0, "standard"),
    (1.25, "strict"),
    (1.5, "very strict"),
)
"""(factor, label): thresholds are the defaults divided by the factor, so a
higher sensitivity notices a smaller deviation."""
SCALED_KEYS = ("head_threshold_deg", "shoulder_threshold_deg", "hysteresis_deg")
"""The detector settings one sensitivity control scales (hysteresis with them, so
it stays below both thresholds)."""


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


def _detector_defaults() -> dict[str, float]:
    from posturewatch.core.detector import DetectorSettings

    defaults = DetectorSettings()
    return {key: float(getattr(defaults, key)) for key in SCALED_KEYS}


def sensitivity_of(detector: Any) -> float:
    """The sensitivity factor the configured head threshold corresponds to."""
    head = float(detector.head_threshold_deg)
    return _detector_defaults()["head_threshold_deg"] / head if head > 0 else 1.0


def nearest_step(factor: float) -> int:
    """Index of the SENSITIVITY_STEPS entry closest to `factor`."""
    return min(range(len(SENSITIVITY_STEPS)), key=lambda i: abs(SENSITIVITY_STEPS[i][0] - factor))


def scaled_thresholds(factor: float) -> dict[str, float]:
    """The detector's threshold settings for sensitivity `factor` (defaults / factor)."""
    if not factor > 0:
        raise ValueError("sensitivity must be above 0")
    return {key: round(value / factor, 2) for key, value in _detector_defaults().items()}


def quiet_hours_text(ranges: tuple[str, ...]) -> str:
    return ", ".join(ranges)


def parse_quiet_hours_text(text: str) -> list[str]:
    """'18:00-09:00, 12:00-13:00' -> the list the config holds (checked by the loader)."""
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def form_from_config(config: Config, start_at_login: bool = False) -> SettingsForm:
    return SettingsForm(
        sensitivity=sensitivity_of(config.detector),
        break_after_min=float(config.scheduler.break_after_min),
        prompt_style=config.notifications.prompt_style,
        quiet_hours=quiet_hours_text(config.scheduler.quiet_hours),
        camera=config.camera.device,
        start_at_login=start_at_login,
    )


def apply_form(config: Config, form: SettingsForm, where: str) -> Config:
    """`config` with the form's values, validated by the config loader's own path
    (raises ConfigError naming `where` and the refused key)."""
    from posturewatch.config import Config as ConfigClass
    from posturewatch.core.settings import ConfigError, from_table, to_table

    table = to_table(config)
    try:
        table["detector"].update(scaled_thresholds(form.sensitivity))
    except ValueError as exc:
        raise ConfigError(f"{where}: [detector] {exc}") from None
    table["scheduler"]["break_after_min"] = form.break_after_min
    table["scheduler"]["quiet_hours"] = parse_quiet_hours_text(form.quiet_hours)
    table["notifications"]["prompt_style"] = form.prompt_style
    table["camera"]["device"] = form.camera.strip()
    return from_table(ConfigClass, table, where)


def with_camera(config: Config, device: str) -> Config:
    return dataclasses.replace(config, camera=dataclasses.replace(config.camera, device=device))


def save_config(path: Path, config: Config) -> None:
    """Write `config` to `path` atomically; the text is checked by the loader first."""
    from posturewatch.config import dump_config, parse_config

    text = dump_config(config)
    parse_config(text, str(path))  # what the loader would say of it, before writing
    private_dir(path.parent)
    write_atomic(path, text)  # the one way: a fresh private temp file, never a planted one


def camera_device(spec: str) -> str:
    """'camera:1' -> '1'; '/dev/video2' stays; anything else (a recording) stays."""
    return spec.removeprefix("camera:")
