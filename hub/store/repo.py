"""Repository functions over the foundation tables. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session

from hub.connector import Cursor as ReadCursor
from hub.models import ExternalRef
from hub.store.tables import Cursor, Link, Person, SyncRun

__all__ = [
    "create_person",
    "find_person_id",
    "finish_run",
    "insert_rows",
    "link_record",
    "link_records",
    "list_runs",
    "load_cursor",
    "new_person_id",
    "person_row",
    "save_cursor",
    "start_run",
    "table_of",
    "upsert_rows",
]


def table_of(model: type[DeclarativeBase]) -> Table:
    """The Core table of a mapped class (for statements that need no ORM bookkeeping)."""
    return cast("Table", model.__table__)


def new_person_id() -> str:
    """A fresh person id, chosen client-side so persons can be inserted in bulk."""
    return uuid.uuid4().hex


def insert_rows(
    session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert rows in one executemany, bypassing the ORM unit of work (callers own ids)."""
    if rows:
        session.execute(insert(table_of(model)), list(rows))


def upsert_rows(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    update_columns: Sequence[str],
) -> None:
    """Insert rows, updating ``update_columns`` of those whose ``keys`` already exist.

    One cached statement run as an executemany: SQLite and PostgreSQL both spell it
    ``INSERT ... ON CONFLICT DO UPDATE``. Rows must not repeat a key.
    """
    if not rows:
        return
    dialect = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect(table_of(model))
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in update_columns},
    )
    session.execute(statement, list(rows))


def insert_missing_rows(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
) -> None:
    """Insert rows, skipping those whose ``keys`` already exist (``ON CONFLICT DO NOTHING``)."""
    if not rows:
        return
    dialect = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect(table_of(model)).on_conflict_do_nothing(index_elements=list(keys))
    session.execute(statement, list(rows))


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


def person_row(
    *, person_id: str, now: datetime, data: dict[str, Any], version: int = 1
) -> dict[str, Any]:
    """The column values of a new person, for :func:`insert_rows`."""
    return {
        "id": person_id,
        "status": None,
        "data": data,
        "version": version,
        "created_at": now,
        "updated_at": now,
        "erased_at": None,
    }


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


def link_records(
    session: Session, links: Iterable[tuple[str, ExternalRef]], *, now: datetime
) -> None:
    """Link many vendor records at once, as :func:`link_record` does one by one.

    One query finds the records already linked (those are repointed in one executemany), the
    rest are inserted in another. A record listed twice keeps its last person.
    """
    wanted = {(ref.connection, ref.object_type, ref.external_id): pid for pid, ref in links}
    if not wanted:
        return
    table = table_of(Link)
    existing: dict[tuple[str, str, str], tuple[int, str]] = {}
    groups: dict[tuple[str, str], list[str]] = {}
    for connection, object_type, external_id in wanted:
        groups.setdefault((connection, object_type), []).append(external_id)
    for (connection, object_type), ids in groups.items():
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(Link.id, Link.person_id, Link.external_id).where(
                    Link.connection == connection,
                    Link.object_type == object_type,
                    Link.external_id.in_(ids[start : start + 500]),
                )
            )
            for link_id, person_id, external_id in rows:
                existing[(connection, object_type, external_id)] = (link_id, person_id)
    moved = [
        {"link_id": existing[key][0], "to_person": pid}
        for key, pid in wanted.items()
        if key in existing and existing[key][1] != pid
    ]
    if moved:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("link_id"))
            .values(person_id=bindparam("to_person")),
            moved,
        )
    insert_rows(
        session,
        Link,
        [
            {
                "person_id": pid,
                "connection": key[0],
                "object_type": key[1],
                "external_id": key[2],
                "created_at": now,
            }
            for key, pid in wanted.items()
            if key not in existing
        ],
    )


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
