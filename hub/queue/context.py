"""What jobs share within one worker process: settings, plugins and the store, built once.

Jobs take ids, never objects, so each fetches what it needs from ``current_context()``. A worker
sets the context at start (``set_context``); a process that never did (e.g. a plain ``rq worker``)
builds it on first use from ``$HUB_CONFIG``. Built once per process, not per job: opening the
store and loading plugins costs far more than a typical job.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.config import HubConfig, load_config
from hub.plugins import HubPlugins

__all__ = ["WorkerContext", "current_context", "set_context"]


@dataclass
class WorkerContext:
    """Per-process resources for jobs. The store is opened on first use.

    Attributes:
        config: The validated configuration.
        plugins: Installed plugins, configured with ``config``.
    """

    config: HubConfig
    plugins: HubPlugins
    _store: tuple[Engine, sessionmaker[Session]] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls, config: HubConfig | None = None, *, plugins: HubPlugins | None = None
    ) -> WorkerContext:
        """Build a context from ``config`` (default: load it from ``$HUB_CONFIG``)."""
        plugins = plugins or HubPlugins.load()
        config = config or load_config(plugins=plugins)
        plugins.configure(config)
        return cls(config=config, plugins=plugins)

    @property
    def engine(self) -> Engine:
        """The store's engine (migrated first when ``auto_migrate`` is on)."""
        return self._open()[0]

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The store's session factory."""
        return self._open()[1]

    def _open(self) -> tuple[Engine, sessionmaker[Session]]:
        from hub.store.open import open_store

        with self._lock:
            if self._store is None:
                self._store = open_store(self.config)
            return self._store

    def close(self) -> None:
        """Release the store's connections."""
        with self._lock:
            if self._store is not None:
                self._store[0].dispose()
                self._store = None


_lock = threading.Lock()
_context: WorkerContext | None = None


def set_context(context: WorkerContext | None) -> None:
    """Install the process's context (``None`` forgets it, for tests)."""
    global _context
    with _lock:
        _context = context


def current_context() -> WorkerContext:
    """The process's context, built from ``$HUB_CONFIG`` if no worker installed one."""
    global _context
    with _lock:
        if _context is None:
            _context = WorkerContext.load()
        return _context
