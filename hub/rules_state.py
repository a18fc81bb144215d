"""The dry run's view of the hub: fill a recorded event's missing state from the store (reads only).

A recorded event may carry the whole state it needs (see :mod:`hub.rules.replay`); what it
leaves out (the person, their CRM and ATS state, the application) comes from the hub's store as
it is now, found through the vendor ids the event names. Nothing is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import Application, Person
from hub.rules import RuleContext, RuleSet, trigger_for
from hub.store.rule_tables import RecordState
from hub.store.tables import Link
from hub.store.tables import Person as PersonRow
from hub.sync.fields import unflatten
from hub.sync.transitions import ats_state, open_applications

__all__ = ["with_hub_state"]

_APPLICATIONS = ("application", "prospect")
# The status an application has once the event happened (the store still has the one before).
_STATUS_AFTER = {
    "rejected": "rejected",
    "hired": "hired",
    "unrejected": "active",
    "unhired": "active",
}


def with_hub_state(session: Session, ctx: RuleContext, *, rules: RuleSet) -> RuleContext:
    """``ctx`` with what the recording left out taken from the store, if the hub knows the ids."""
    event = ctx.event
    app_state: RecordState | None = None
    person_id: str | None = None
    if event.object_type in _APPLICATIONS:
        app_state = session.scalar(
            select(RecordState).where(
                RecordState.object_type == "application",
                RecordState.external_id == event.external_id,
            )
        )
        person_id = app_state.person_id if app_state is not None else None
        candidate = event.related_ids.get("candidate_id")
        if person_id is None and candidate:
            person_id = _linked(session, "candidate", candidate)
    else:
        person_id = _linked(session, event.object_type, event.external_id)
    row = session.get(PersonRow, person_id) if person_id else None
    if row is None:
        return ctx
    update: dict[str, Any] = {}
    person = unflatten(dict(row.data))
    if ctx.person == Person():
        update.update(
            person=person,
            previous_status=ctx.previous_status or person.relationship_status,
            last_activity_at=ctx.last_activity_at or row.updated_at,
        )
    if not ctx.crm:
        update["crm"] = _contact_state(session, row.id)
    if not ctx.ats:
        update["ats"] = ats_state(
            person, open_applications(session, row.id, besides=event.external_id)
        )
    if ctx.application is None and app_state is not None:
        state = app_state.state
        application = Application(
            id=event.external_id,
            person_id=event.related_ids.get("candidate_id", ""),
            job_id=state.get("job_id"),
            stage_id=state.get("stage_id"),
            status=_STATUS_AFTER.get(event.kind, state.get("status") or "active"),
            prospect=bool(state.get("prospect")),
            rejection_reason=state.get("rejection_reason"),
        )
        update["application"] = application
        trigger = trigger_for(
            event, application=application, withdrawal_reasons=rules.settings.withdrawal_reasons
        )
        if trigger is not None:
            update["trigger"] = trigger
    return ctx.model_copy(update=update) if update else ctx


def _linked(session: Session, object_type: str, external_id: str) -> str | None:
    return session.scalar(
        select(Link.person_id)
        .where(Link.object_type == object_type, Link.external_id == external_id)
        .limit(1)
    )


def _contact_state(session: Session, person_id: str) -> dict[str, Any]:
    state = session.scalar(
        select(RecordState.state)
        .where(RecordState.person_id == person_id, RecordState.object_type == "contact")
        .limit(1)
    )
    return dict(state or {})
