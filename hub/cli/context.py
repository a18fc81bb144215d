"""What every command shares: the config path, loaded lazily with located errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from hub.config import HubConfig, load_config
from hub.plugins import HubPlugins

__all__ = ["CliState", "state"]


@dataclass
class CliState:
    """Per-invocation state set by the root callback."""

    config_path: Path | None = None
    _plugins: HubPlugins | None = field(default=None, repr=False)
    _config: HubConfig | None = field(default=None, repr=False)

    @property
    def plugins(self) -> HubPlugins:
        """Installed plugins (loaded once)."""
        if self._plugins is None:
            self._plugins = HubPlugins.load()
        return self._plugins

    @property
    def config(self) -> HubConfig:
        """The validated configuration (loaded once; raises ConfigError)."""
        if self._config is None:
            self._config = load_config(self.config_path, plugins=self.plugins)
            self.plugins.configure(self._config)
        return self._config


def state(ctx: typer.Context) -> CliState:
    """The CliState of this invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
