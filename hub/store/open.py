"""Open the configured store the way every hub process does at start."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.config import HubConfig
from hub.errors import StoreError
from hub.health import redact_url
from hub.store.engine import create_store_engine, session_factory
from hub.store.migrate import is_current, upgrade

__all__ = ["open_store"]


def open_store(config: HubConfig) -> tuple[Engine, sessionmaker[Session]]:
    """Connect to ``config.database_url``; migrate it when ``auto_migrate`` is on.

    Raises:
        StoreError: The database is unreachable, or behind the code with auto_migrate off.
    """
    engine = create_store_engine(config.database_url)
    try:
        if config.auto_migrate:
            upgrade(engine)
        elif not is_current(engine):
            raise StoreError(
                f"{redact_url(config.database_url)} is not at the newest migration; "
                "run `hub db upgrade` (or set auto_migrate: true)"
            )
    except SQLAlchemyError as exc:
        engine.dispose()
        cause = type(getattr(exc, "orig", None) or exc).__name__
        raise StoreError(f"{redact_url(config.database_url)}: unusable ({cause})") from None
    return engine, session_factory(engine)
