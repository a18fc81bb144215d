"""Typed SQLAlchemy models of the foundation tables. Later features add theirs with migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from hub.store.types import UTCDateTime

__all__ = [
    "Base",
    "Cursor",
    "FieldProvenance",
    "InboxEvent",
    "InboxReject",
    "LedgerEntry",
    "Link",
    "Person",
    "PersonKey",
    "SyncConflict",
    "SyncRun",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (so migrations can alter them)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012


class Person(Base):
    """The hub's golden record of one person.

    ``data`` holds the canonical :class:`hub.models.Person` as JSON; ``version`` increases on
    every change so that receivers of events can drop stale ones.
    """

    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]

    links: Mapped[list[Link]] = relationship(back_populates="person")


class Link(Base):
    """One vendor record belongs to one person: (connection, object type, external id) is unique."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("connection", "object_type", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    connection: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="links")


class Cursor(Base):
    """How far incremental reads of one object type of one connection have got."""

    __tablename__ = "cursors"

    connection: Mapped[str] = mapped_column(String(64), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[datetime]
    last_id: Mapped[str] = mapped_column(String(128), default="")
    saved_at: Mapped[datetime]


class SyncRun(Base):
    """One run of a sync pair: when, how it ended, what it counted."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_pair_started", "pair", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pair: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    api_calls: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class InboxEvent(Base):
    """A verified vendor change event, stored before anything acts on it.

    ``(connection, dedupe_key)`` is unique, so a vendor's retry of the same webhook is stored once.
    Events hold ids, not record bodies: processing re-reads the record from the vendor.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("connection", "dedupe_key"),
        Index("ix_inbox_events_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    object_type: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    event: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")


class InboxReject(Base):
    """A correctly signed webhook whose body could not be parsed, kept raw for inspection."""

    __tablename__ = "inbox_rejects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)


class FieldProvenance(Base):
    """Which system last set each golden field, through which connection, as of when."""

    __tablename__ = "field_provenance"

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(128), primary_key=True)
    system: Mapped[str] = mapped_column(String(8))
    connection: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class PersonKey(Base):
    """A normalised identifier (``email:ada@x.io``) of a person, for identity resolution."""

    __tablename__ = "person_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True, index=True)


class LedgerEntry(Base):
    """One write the hub made (or is making) to a vendor, keyed for idempotency.

    The entry is committed as ``pending`` before the vendor call and marked ``done`` with the
    vendor's id after it, so a crash between the two is visible and the retry is idempotent.
    """

    __tablename__ = "write_ledger"
    __table_args__ = (Index("ix_write_ledger_target", "connection", "object_type", "external_id"),)

    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    connection: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(128))
    person_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    payload_hash: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class SyncConflict(Base):
    """Two systems disagreed on a field; the policy decided which value the hub keeps."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(128))
    kept: Mapped[str] = mapped_column(String(8))
    rejected: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
