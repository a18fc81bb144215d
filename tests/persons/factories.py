"""Factories and readers for person tests: golden records as the sync stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import ExternalRef
from hub.store.repo import create_person, link_record
from hub.store.tables import FieldProvenance, Link, PersonKey
from hub.store.webhook_tables import WebhookMessage

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def make_person(
    session: Session,
    *,
    given: str | None = None,
    family: str | None = None,
    emails: tuple[str, ...] = (),
    phones: tuple[str, ...] = (),
    linkedin: str | None = None,
    company: str | None = None,
    tags: tuple[str, ...] = (),
    consent: dict[str, Any] | None = None,
    links: tuple[tuple[str, str, str], ...] = (),
    keys: tuple[str, ...] = (),
    provenance: dict[str, tuple[str, str, datetime]] | None = None,
    created: datetime = NOW,
) -> str:
    """A golden record as the sync stores it (flat field paths), with links, keys, provenance."""
    data: dict[str, Any] = {}
    if given:
        data["given_name"] = given
    if family:
        data["family_name"] = family
    if company:
        data["company"] = company
    if emails:
        data["emails"] = [{"address": e, "type": "other", "primary": False} for e in emails]
    if phones:
        data["phones"] = [{"number": p, "type": "other"} for p in phones]
    if linkedin:
        data["links"] = [{"kind": "linkedin", "url": linkedin}]
    if tags:
        data["tags"] = list(tags)
    for name, value in (consent or {}).items():
        data[f"consent.{name}"] = value
    person = create_person(session, now=created, data=data)
    for connection, object_type, external_id in links:
        ref = ExternalRef(connection=connection, object_type=object_type, external_id=external_id)
        link_record(session, person_id=person.id, ref=ref, now=created)
    session.add_all(PersonKey(key=k, person_id=person.id) for k in keys)
    for field, (system, connection, at) in (provenance or {}).items():
        session.add(
            FieldProvenance(
                person_id=person.id, field=field, system=system, connection=connection, at=at
            )
        )
    session.flush()
    return person.id


def links_of(session: Session, person_id: str) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(Link.connection, Link.object_type, Link.external_id)
        .where(Link.person_id == person_id)
        .order_by(Link.connection, Link.external_id)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def keys_of(session: Session, person_id: str) -> set[str]:
    """The person's identity keys (the scored matcher's index keys left out)."""
    keys = session.scalars(select(PersonKey.key).where(PersonKey.person_id == person_id))
    return {k for k in keys if not k.startswith(("b:", "n:", "m:"))}


def provenance_of(session: Session, person_id: str) -> dict[str, tuple[str, str, datetime]]:
    rows = session.scalars(select(FieldProvenance).where(FieldProvenance.person_id == person_id))
    return {p.field: (p.system, p.connection, p.at) for p in rows}


def events(session: Session, event_type: str) -> list[str]:
    return list(
        session.scalars(
            select(WebhookMessage.body)
            .where(WebhookMessage.event_type == event_type)
            .order_by(WebhookMessage.created_at, WebhookMessage.id)
        )
    )


LATER = NOW + timedelta(hours=1)
