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

__all__ = ["count_events", "store_events", "store_reject"]


def store_events(
    session: Session, *, connection: str, events: Sequence[ChangeEvent], now: datetime
) -> int:
    """Insert events not seen before (by connection and dedupe key); return how many were new."""
    if not events:
        return 0
    rows = [
        {
            "connection": connection,
            "dedupe_key": e.dedupe_key[:255],
            "object_type": e.object_type,
            "external_id": e.external_id,
            "kind": e.kind,
            "occurred_at": e.occurred_at,
            "received_at": now,
            "event": e.model_dump(mode="json"),
            "status": "pending",
        }
        for e in {e.dedupe_key: e for e in events}.values()
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InboxEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["connection", "dedupe_key"])
    )
    result = session.execute(statement.returning(InboxEvent.id))
    return len(result.all())


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
