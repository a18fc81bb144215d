"""The inbox writer: webhooks arriving together share one transaction, each answered right."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from sqlalchemy.exc import DataError

from hub.api import inbox_writer
from hub.api.inbox_writer import InboxWriter
from hub.errors import HubError
from hub.models import ChangeEvent
from hub.queue import JobQueues
from hub.store import create_store_engine, session_factory, upgrade
from hub.store.inbox import count_events, store_event_batches
from hub.sync.jobs import process_inbox
from tests.api.helpers import NOW


def event(key: str) -> ChangeEvent:
    return ChangeEvent(
        object_type="thing", external_id=key, kind="updated", occurred_at=NOW, dedupe_key=key
    )


@pytest.fixture
def store(database_url):
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def queues():
    enqueued = []
    fake = mock.Mock(spec=JobQueues)
    fake.enqueue.side_effect = lambda ref: enqueued.append(ref.id)
    fake.enqueued = enqueued
    return fake


def test_concurrent_webhooks_are_all_stored_once_and_each_told_its_new_count(store, queues):
    writer = InboxWriter(store, queues, now=lambda: NOW).start()
    try:
        with ThreadPoolExecutor(16) as pool:
            futures = [
                pool.submit(lambda i=i: writer.submit("crm", [event(f"k{i}"), event("shared")]))
                for i in range(200)
            ]
            counts = [f.result().result(timeout=30) for f in futures]
    finally:
        writer.stop()
    # every webhook's own event is new; "shared" is new for exactly one of them
    assert sorted(counts) == [1] * 199 + [2]
    with store() as session:
        assert count_events(session, connection="crm") == 201
    # one processing job per connection, however many webhooks: the queue dedupes the rest
    assert set(queues.enqueued) == {process_inbox.ref("crm").id}


@pytest.mark.parametrize(
    "error",
    [DataError("INSERT", {}, Exception("value refused")), OverflowError("int too large")],
    ids=["database", "driver"],
)
def test_a_webhook_the_store_refuses_fails_alone(store, queues, monkeypatch, error):
    def refusing(session, batches, *, now):
        if any(connection == "broken" for connection, _ in batches):
            raise error
        return store_event_batches(session, batches, now=now)

    monkeypatch.setattr(inbox_writer, "store_event_batches", refusing)
    writer = InboxWriter(store, queues, now=lambda: NOW)
    # queued before the writer starts, so that all three go into one batch
    good = writer.submit("crm", [event("a")])
    bad = writer.submit("broken", [event("b")])
    other = writer.submit("ats", [event("a")])
    writer.start()
    try:
        assert good.result(timeout=30) == 1
        assert other.result(timeout=30) == 1
        with pytest.raises(HubError, match="could not store"):
            bad.result(timeout=30)
        assert writer.submit("crm", [event("c")]).result(timeout=30) == 1  # still writing
    finally:
        writer.stop()
    with store() as session:
        assert count_events(session) == 3


def test_nothing_is_accepted_once_stopping(store, queues):
    writer = InboxWriter(store, queues, now=lambda: NOW).start()
    writer.stop()
    with pytest.raises(HubError, match="stopping"):
        writer.submit("crm", [event("late")]).result(timeout=5)
