"""Status-change events the sync emits, written into the outbox in the sync's own transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.store.tables import Link, Person
from hub.webhooks.events import (
    PersonErased,
    PersonRefs,
    SyncFailed,
    VendorRecord,
    WebhookEvent,
    select_person_fields,
)
from hub.webhooks.outbox import emit_event, new_event_id

__all__ = ["emit_person_erased", "emit_sync_failed", "person_refs"]


def person_refs(
    session: Session,
    person_id: str,
    *,
    connectors: Mapping[str, str],
    fields: Sequence[str] = (),
) -> PersonRefs:
    """Ids of a person in the hub and in each vendor, plus only the allowed personal fields.

    Args:
        session: The store session.
        person_id: The hub's person id.
        connectors: Connection name → connector name (the payload names vendors).
        fields: The configured field set (``webhooks.person_fields``); empty = ids only.
    """
    allowed: dict[str, Any] = {}
    if fields:
        golden = _golden(session, person_id)
        scalars = {k: v for k, v in golden.items() if isinstance(v, str | int | float | bool)}
        allowed = select_person_fields(scalars, fields)
    refs: dict[str, VendorRecord] = {}
    links = session.execute(
        select(Link.connection, Link.external_id)
        .where(Link.person_id == person_id)
        .order_by(Link.id)
    )
    for connection, external_id in links:
        vendor = connectors.get(connection)
        if vendor in PersonRefs.model_fields and vendor not in refs and vendor != "id":
            refs[vendor] = VendorRecord(id=external_id)
    return PersonRefs(id=person_id, fields=allowed, **refs)


def _golden(session: Session, person_id: str) -> Mapping[str, Any]:
    person = session.get(Person, person_id)
    return person.data if person is not None else {}


def emit_person_erased(session: Session, *, version: int, refs: PersonRefs, now: datetime) -> None:
    """``person.erased``: receivers should erase their copy too."""
    event = WebhookEvent(
        id=new_event_id(now),
        type="person.erased",
        occurred_at=now,
        person_version=version,
        data=PersonErased(person=refs),
    )
    emit_event(session, event, now=now)


def emit_sync_failed(
    session: Session,
    *,
    connection: str,
    object_type: str,
    external_id: str | None,
    error: str,
    person: PersonRefs | None,
    now: datetime,
) -> None:
    """``sync.failed``: a write the vendor refused and the hub will not retry by itself."""
    event = WebhookEvent(
        id=new_event_id(now),
        type="sync.failed",
        occurred_at=now,
        data=SyncFailed(
            connection=connection,
            object_type=object_type,
            external_id=external_id,
            error=error.split(" ", 1)[0] or "FatalError",
            message=error,
            person=person,
        ),
    )
    emit_event(session, event, now=now)
