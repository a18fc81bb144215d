"""The hub's store: SQLAlchemy 2 models, repositories and Alembic migrations."""

from __future__ import annotations

# Every feature's tables live on Base.metadata, so migrations and their drift check see them.
from hub.store import dedup_tables as _dedup_tables  # noqa: F401
from hub.store import rule_tables as _rule_tables  # noqa: F401
from hub.store import webhook_tables as _webhook_tables  # noqa: F401
from hub.store.engine import create_store_engine, session_factory
from hub.store.migrate import current_revision, head_revisions, is_current, upgrade
from hub.store.tables import Base, Cursor, Link, Person, SyncRun

__all__ = [
    "Base",
    "Cursor",
    "Link",
    "Person",
    "SyncRun",
    "create_store_engine",
    "current_revision",
    "head_revisions",
    "is_current",
    "session_factory",
    "upgrade",
]
