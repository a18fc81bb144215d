"""Repository functions over the foundation tables. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.connector import Cursor as ReadCursor
from hub.models import ExternalRef
from hub.store.tables import Cursor, Link, Person, SyncRun

__all__ = [
    "create_person",
    "find_person_id",
    "finish_run",
    "link_record",
    "list_runs",
    "load_cursor",
    "save_cursor",
    "start_run",
]


def create_person(
    session: Session, *, now: datetime, data: dict[str, Any], status: str | None = None
) -> Person:
    """Add a new golden record and return it (flushed, so it has its id)."""
    person = Person(
        id=uuid.uuid4().hex, data=data, status=status, version=1, created_at=now, updated_at=now
    )
    session.add(person)
    session.flush()
    return person


def find_person_id(session: Session, ref: ExternalRef) -> str | None:
    """The id of the person a vendor record is linked to, if any."""
    return session.scalar(
        select(Link.person_id).where(
            Link.connection == ref.connection,
            Link.object_type == ref.object_type,
            Link.external_id == ref.external_id,
        )
    )


def link_record(session: Session, *, person_id: str, ref: ExternalRef, now: datetime) -> Link:
    """Link a vendor record to a person; an existing link of that record is repointed."""
    link = session.scalar(
        select(Link).where(
            Link.connection == ref.connection,
            Link.object_type == ref.object_type,
            Link.external_id == ref.external_id,
        )
    )
    if link is None:
        link = Link(
            person_id=person_id,
            connection=ref.connection,
            object_type=ref.object_type,
            external_id=ref.external_id,
            created_at=now,
        )
        session.add(link)
    else:
        link.person_id = person_id
    session.flush()
    return link


def load_cursor(session: Session, connection: str, object_type: str) -> ReadCursor | None:
    """The stored read position of a connection's object type, if any."""
    row = session.get(Cursor, (connection, object_type))
    return None if row is None else ReadCursor(updated_at=row.position, last_id=row.last_id)


def save_cursor(
    session: Session, *, connection: str, object_type: str, cursor: ReadCursor, now: datetime
) -> None:
    """Store a read position. It never moves backwards."""
    row = session.get(Cursor, (connection, object_type))
    if row is None:
        session.add(
            Cursor(
                connection=connection,
                object_type=object_type,
                position=cursor.updated_at,
                last_id=cursor.last_id,
                saved_at=now,
            )
        )
    elif (cursor.updated_at, cursor.last_id) > (row.position, row.last_id):
        row.position, row.last_id, row.saved_at = cursor.updated_at, cursor.last_id, now
    session.flush()


def start_run(session: Session, *, pair: str, now: datetime) -> SyncRun:
    """Record the start of a sync run."""
    run = SyncRun(pair=pair, started_at=now, status="running", counts={}, api_calls={})
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run: SyncRun,
    *,
    now: datetime,
    status: str,
    counts: dict[str, Any],
    api_calls: dict[str, Any],
    error: str | None = None,
) -> None:
    """Record how a sync run ended."""
    run.finished_at, run.status, run.counts, run.api_calls, run.error = (
        now,
        status,
        counts,
        api_calls,
        error,
    )
    session.flush()


def list_runs(session: Session, *, pair: str | None = None, limit: int = 20) -> Sequence[SyncRun]:
    """The newest runs first, optionally of one pair."""
    query = select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(limit)
    if pair is not None:
        query = query.where(SyncRun.pair == pair)
    return session.scalars(query).all()
