"""What every command shares: the config path, loaded lazily with located errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from hub.cli.errors import reported_errors
from hub.config import HubConfig, load_config
from hub.plugins import HubPlugins
from hub.store.open import open_store

__all__ = ["CliState", "state", "store_session"]


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


@contextmanager
def store_session(ctx: typer.Context) -> Iterator[tuple[HubConfig, Session]]:
    """The config and one committed transaction on the store; errors become exit codes."""
    with reported_errors():
        config = state(ctx).config
        engine, sessions = open_store(config)
        try:
            with sessions.begin() as session:
                yield config, session
        finally:
            engine.dispose()
