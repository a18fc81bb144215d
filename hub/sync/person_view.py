"""One person as the hub sees it: links, golden fields with provenance, and the rule timeline.

Used by ``hub persons show`` and ``GET /api/v1/persons/…``. Both are admin tools: they show the
person's own values, which logs and events never carry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.dedup.normalise.email import WEAK_MARK, normalise_email
from hub.store.rule_tables import RuleAction, RuleDecision
from hub.store.tables import FieldProvenance, Link, Person, PersonKey

__all__ = [
    "ActionResult",
    "FieldView",
    "LinkView",
    "PersonView",
    "TimelineEntry",
    "find_person",
    "person_view",
]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class LinkView(_View):
    """A vendor record linked to the person."""

    connection: str
    object_type: str
    external_id: str
    linked_at: datetime


class FieldView(_View):
    """A golden field, and which system set it through which connection, as of when."""

    field: str
    value: Any
    system: str | None = None
    connection: str | None = None
    at: datetime | None = None


class ActionResult(_View):
    """How executing one of a fired rule's actions went."""

    kind: str
    status: str = Field(description="pending, done, failed, skipped or retry")
    result: str | None = None


class TimelineEntry(_View):
    """One rule outcome for the person, with the event, what matched and what was done."""

    at: datetime
    trigger: str
    rule: str
    outcome: str
    reason: str
    detail: str = ""
    event: dict[str, Any] = Field(default_factory=dict)
    matched: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    dropped: list[dict[str, Any]] = Field(default_factory=list)
    results: list[ActionResult] = Field(default_factory=list)


class PersonView(_View):
    """Everything the hub knows of one person."""

    id: str
    status: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None = None
    links: list[LinkView]
    fields: list[FieldView]
    timeline: list[TimelineEntry]


def find_person(session: Session, key: str) -> str | None:
    """The person a hub id or an email address names (Gmail spellings are one address)."""
    key = key.strip()
    if "@" not in key:
        return key if session.get(Person, key) is not None else None
    for value in normalise_email(key):
        found = session.scalar(
            select(PersonKey.person_id)
            .where(PersonKey.key == f"email:{value.removeprefix(WEAK_MARK)}")
            .limit(1)
        )
        if found is not None:
            return found
    # shared inboxes are no identity key: look through the golden records' emails
    wanted = key.casefold()
    for person_id, data in session.execute(select(Person.id, Person.data)):
        emails = data.get("emails") or []
        if any(str(e.get("address", "")).casefold() == wanted for e in emails):
            return str(person_id)
    return None


def person_view(session: Session, person_id: str, *, limit: int = 200) -> PersonView | None:
    """The person's links, fields with provenance and newest ``limit`` rule outcomes."""
    row = session.get(Person, person_id)
    if row is None:
        return None
    links = [
        LinkView(
            connection=link.connection,
            object_type=link.object_type,
            external_id=link.external_id,
            linked_at=link.created_at,
        )
        for link in session.scalars(
            select(Link).where(Link.person_id == person_id).order_by(Link.id)
        )
    ]
    provenance = {
        p.field: p
        for p in session.scalars(
            select(FieldProvenance).where(FieldProvenance.person_id == person_id)
        )
    }
    fields = []
    for name in sorted(row.data):
        prov = provenance.get(name)
        fields.append(
            FieldView(
                field=name,
                value=row.data[name],
                system=prov.system if prov else None,
                connection=prov.connection if prov else None,
                at=prov.at if prov else None,
            )
        )
    decisions = list(
        session.scalars(
            select(RuleDecision)
            .where(RuleDecision.person_id == person_id)
            .order_by(RuleDecision.id.desc())
            .limit(limit)
        )
    )
    results: dict[int, list[ActionResult]] = {}
    for action in session.scalars(
        select(RuleAction)
        .where(RuleAction.decision_id.in_([d.id for d in decisions]))
        .order_by(RuleAction.decision_id, RuleAction.position)
    ):
        results.setdefault(action.decision_id, []).append(
            ActionResult(kind=action.kind, status=action.status, result=action.result)
        )
    timeline = [
        TimelineEntry(
            at=d.at,
            trigger=d.trigger,
            rule=d.rule,
            outcome=d.outcome,
            reason=d.reason,
            detail=d.detail,
            event=d.event,
            matched=d.matched,
            actions=d.actions,
            dropped=d.dropped,
            results=results.get(d.id, []),
        )
        for d in reversed(decisions)
    ]
    return PersonView(
        id=row.id,
        status=row.status,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        erased_at=row.erased_at,
        links=links,
        fields=fields,
        timeline=timeline,
    )
