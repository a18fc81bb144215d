"""Alembic migrations, run programmatically: ``hub db upgrade`` and upgrade-on-start."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["alembic_config", "current_revision", "head_revisions", "is_current", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config for our migrations, bound to ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


# Alembic keeps its running context in module globals: two threads of one process (the service
# and its embedded worker) must not migrate at the same moment.
_UPGRADE_LOCK = threading.Lock()


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` (all by default)."""
    with _UPGRADE_LOCK:
        if revision == "heads" and is_current(engine):
            return
        command.upgrade(alembic_config(engine), revision)


def head_revisions(engine: Engine) -> set[str]:
    """The newest revisions the code knows."""
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def current_revision(engine: Engine) -> set[str]:
    """The revisions the database is at (empty when never migrated)."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_current(engine: Engine) -> bool:
    """True when the database is at the code's newest revisions."""
    return current_revision(engine) == head_revisions(engine)
