"""The one typed configuration: a TOML file in the platform's config directory.

Each section is the settings dataclass of the module it tunes; this file only
gathers them, so a reader finds a threshold next to the code that uses it. A
missing file means defaults; a broken one is an error naming the file and key,
and is never rewritten by the tool.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posturewatch.background.service import ServiceSettings
from posturewatch.core.baseline import CalibrationSettings
from posturewatch.core.detector import DetectorSettings
from posturewatch.core.learning import LearningSettings
from posturewatch.core.metrics import MetricsSettings
from posturewatch.core.sampling import SamplingSettings
from posturewatch.core.scheduler import SchedulerSettings
from posturewatch.core.settings import ConfigError, from_table, to_table
from posturewatch.core.setups import SetupSettings
from posturewatch.core.thresholds import migrate_detector_table
from posturewatch.files import MAX_SMALL_FILE, read_text_limited, reason
from posturewatch.inputs.pose import PoseSettings
from posturewatch.inputs.power import PowerSettings
from posturewatch.inputs.sources import CameraSettings
from posturewatch.meeting.signals import MeetingSettings
from posturewatch.notifiers import NotifierSettings
from posturewatch.report.model import ReportSettings
from posturewatch.store.database import StoreSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Config:
    profile: str = "default"
    """Which calibration profile to use (profiles/<name>.json in the data directory)."""
    routines_file: str = ""
    """Your own routines, in the format of the packaged routines.toml; empty: the
    packaged ones."""
    camera: CameraSettings = field(default_factory=CameraSettings)
    pose: PoseSettings = field(default_factory=PoseSettings)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    power: PowerSettings = field(default_factory=PowerSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    learning: LearningSettings = field(default_factory=LearningSettings)
    setups: SetupSettings = field(default_factory=SetupSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    meeting: MeetingSettings = field(default_factory=MeetingSettings)
    notifications: NotifierSettings = field(default_factory=NotifierSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)


def parse_config(text: str, name: str) -> Config:
    """Config from TOML text; `name` is used in error messages."""
    try:
        table: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})") from None
    if isinstance(table.get("detector"), dict):
        table["detector"] = migrate_detector_table(table["detector"])
    return from_table(Config, table, name)


def load_config(path: Path) -> Config:
    if not path.exists():
        return Config()
    try:
        text = read_text_limited(path, MAX_SMALL_FILE)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {reason(exc)}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    return parse_config(text, str(path))


def dump_config(config: Config) -> str:
    """TOML text of a config (no third-party writer needed for our flat tables)."""
    return dump_table(to_table(config))


def dump_table(top: dict[str, Any]) -> str:
    """TOML text of a table of keys and one level of sub-tables."""
    lines: list[str] = []
    for key, value in top.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_toml_value(value)}")
    for key, value in top.items():
        if isinstance(value, dict):
            lines.append("")
            lines.append(f"[{key}]")
            for k, v in value.items():
                lines.append(f"{k} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")
