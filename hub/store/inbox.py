"""The inbox: verified vendor events stored once each, before anything acts on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.models import ChangeEvent
from hub.store.tables import InboxEvent, InboxReject

__all__ = ["count_events", "store_event_batches", "store_events", "store_reject"]


def store_events(
    session: Session, *, connection: str, events: Sequence[ChangeEvent], now: datetime
) -> int:
    """Insert events not seen before (by connection and dedupe key); return how many were new."""
    return store_event_batches(session, [(connection, events)], now=now)[0]


def store_event_batches(
    session: Session, batches: Sequence[tuple[str, Sequence[ChangeEvent]]], *, now: datetime
) -> list[int]:
    """Store several webhooks' events in one statement; return how many were new for each.

    The HTTP service gathers the webhooks that arrive together and stores them in one
    transaction (one commit, one disk flush, for all of them). An event is new for the first
    batch that carries it; a later batch with the same key counts it as a duplicate.

    Args:
        session: The session whose transaction holds the insert.
        batches: ``(connection, events)`` per webhook.
        now: When they were received.
    """
    owner: dict[tuple[str, str], int] = {}
    rows = []
    for index, (connection, events) in enumerate(batches):
        for event in events:
            key = (connection, event.dedupe_key[:255])
            if key in owner:
                continue
            owner[key] = index
            rows.append(
                {
                    "connection": connection,
                    "dedupe_key": key[1],
                    "object_type": event.object_type,
                    "external_id": event.external_id,
                    "kind": event.kind,
                    "occurred_at": event.occurred_at,
                    "received_at": now,
                    "event": event.model_dump(mode="json"),
                    "status": "pending",
                }
            )
    new = [0] * len(batches)
    if not rows:
        return new
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InboxEvent)
        .on_conflict_do_nothing(index_elements=["connection", "dedupe_key"])
        .returning(InboxEvent.connection, InboxEvent.dedupe_key)
    )
    # executemany with RETURNING: one prepared statement however many rows (SQLAlchemy 2
    # batches it as "insertmanyvalues")
    for connection, dedupe_key in session.connection().execute(statement, rows):
        new[owner[(connection, dedupe_key)]] += 1
    return new


def store_reject(
    session: Session, *, connection: str, body: bytes, error: str, now: datetime
) -> int:
    """Keep a signed but unparseable body for inspection; return its id."""
    reject = InboxReject(connection=connection, body=body, error=error, received_at=now)
    session.add(reject)
    session.flush()
    return reject.id


def count_events(session: Session, *, connection: str | None = None) -> int:
    """How many events the inbox holds (of one connection)."""
    query = select(func.count()).select_from(InboxEvent)
    if connection is not None:
        query = query.where(InboxEvent.connection == connection)
    return session.scalar(query) or 0
