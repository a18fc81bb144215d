from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.models import ChangeEvent
from hub.store import create_store_engine, session_factory, upgrade
from hub.store.inbox import count_events, store_events, store_reject
from hub.store.tables import InboxReject

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


@pytest.fixture
def sessions(database_url):
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def event(key: str, external_id: str = "1") -> ChangeEvent:
    return ChangeEvent(
        object_type="contact",
        external_id=external_id,
        kind="updated",
        occurred_at=NOW,
        dedupe_key=key,
    )


def test_repeated_events_are_stored_once(sessions):
    with sessions.begin() as session:
        assert (
            store_events(session, connection="hubspot", events=[event("a"), event("b")], now=NOW)
            == 2
        )
    with sessions.begin() as session:
        assert (
            store_events(session, connection="hubspot", events=[event("b"), event("c")], now=NOW)
            == 1
        )
        # the same key on another connection is another event
        assert store_events(session, connection="other", events=[event("a")], now=NOW) == 1
    with sessions() as session:
        assert count_events(session, connection="hubspot") == 3
        assert count_events(session) == 4


def test_duplicates_inside_one_delivery_are_stored_once(sessions):
    with sessions.begin() as session:
        assert (
            store_events(session, connection="hubspot", events=[event("a"), event("a")], now=NOW)
            == 1
        )


def test_rejects_keep_the_raw_body(sessions):
    with sessions.begin() as session:
        reject_id = store_reject(
            session, connection="hubspot", body=b"{not json", error="bad", now=NOW
        )
    with sessions() as session:
        assert session.get(InboxReject, reject_id).body == b"{not json"
