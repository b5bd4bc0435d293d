"""What every command is handed: where the files are, and the config (read on first use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from posturewatch.config import Config, load_config
from posturewatch.core.errors import UserError
from posturewatch.paths import Paths, resolve_paths


@dataclass
class Context:
    paths: Paths
    _config: Config | None = field(default=None, repr=False)

    @classmethod
    def from_args(cls, data_dir: str | Path | None) -> Context:
        paths = resolve_paths(data_dir)
        for folder in {paths.data_dir, paths.config_dir}:
            if folder.exists() and not folder.is_dir():
                # /dev/null or a file: nothing can be kept there, and "no data yet"
                # would hide the mistake.
                raise UserError(f"{folder} is not a folder: the data folder must be a folder")
        return cls(paths=paths)

    @property
    def config(self) -> Config:
        """The validated config; a bad file raises a ConfigError naming the key."""
        if self._config is None:
            self._config = load_config(self.paths.config_file)
        return self._config
