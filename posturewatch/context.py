"""What every command is handed: where the files are, and the config (read on first use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from posturewatch.config import Config, load_config
from posturewatch.paths import Paths, resolve_paths


@dataclass
class Context:
    paths: Paths
    _config: Config | None = field(default=None, repr=False)

    @classmethod
    def from_args(cls, data_dir: str | Path | None) -> Context:
        return cls(paths=resolve_paths(data_dir))

    @property
    def config(self) -> Config:
        """The validated config; a bad file raises a ConfigError naming the key."""
        if self._config is None:
            self._config = load_config(self.paths.config_file)
        return self._config
