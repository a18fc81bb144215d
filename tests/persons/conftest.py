"""Person fixtures: a migrated store (SQLite and PostgreSQL) and an outbox that keeps events."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hub.store import create_store_engine, session_factory, upgrade
from hub.webhooks.subscriptions import create_subscription
from tests.persons.factories import NOW


@pytest.fixture
def sessions(database_url) -> Iterator[sessionmaker[Session]]:
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def subscribed(sessions) -> None:
    """Every event is kept in the outbox (one subscription to ``*``)."""
    with sessions.begin() as session:
        create_subscription(session, "https://hooks.example.com/in", ["*"], now=NOW)
