"""Recorded events to rule contexts, for the dry run: one JSON object per event.

Each record is a :class:`ChangeEvent` plus optional state::

    {"object_type": "application", "external_id": "77", "kind": "rejected",
     "occurred_at": "2026-11-02T10:00:00Z",
     "person": {...}, "application": {...}, "job": {...}, "crm": {...}, "ats": {...},
     "previous_status": "interviewing", "last_activity_at": "...", "now": "...",
     "trigger": "application_withdrawn"}

``dedupe_key`` defaults to a per-record key, ``now`` to ``occurred_at``, ``person`` to an empty
person, and ``trigger`` to the one :func:`trigger_for` derives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.models import Application, ChangeEvent, Job, Person, RelationshipStatus
from hub.rules.context import RuleContext
from hub.rules.spec import RuleSet
from hub.rules.triggers import TRIGGERS, suggest_trigger, trigger_for

__all__ = ["ReplayRecord", "context_from_record"]

_STATE_KEYS = ("person", "application", "job", "crm", "ats", "previous_status")
_CONTEXT_KEYS = (*_STATE_KEYS, "last_activity_at", "now", "trigger")


class ReplayRecord(BaseModel):
    """The state part of one recorded event (the rest is the ChangeEvent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    person: Person = Field(default_factory=Person)
    application: Application | None = None
    job: Job | None = None
    crm: dict[str, Any] = Field(default_factory=dict)
    ats: dict[str, Any] = Field(default_factory=dict)
    previous_status: RelationshipStatus | None = None
    last_activity_at: datetime | None = None
    now: datetime | None = None
    trigger: str | None = None


def context_from_record(data: dict[str, Any], *, rules: RuleSet, number: int) -> RuleContext:
    """Build the rule context of one recorded event.

    Args:
        data: The decoded JSON object.
        rules: The rules (for the withdrawal reasons that normalise a rejection).
        number: The record's position, for a default ``dedupe_key``.

    Raises:
        pydantic.ValidationError: When the record does not describe an event and its state.
        ValueError: When the trigger is unknown or cannot be derived.
    """
    event_data = {k: v for k, v in data.items() if k not in _CONTEXT_KEYS}
    event_data.setdefault("dedupe_key", f"replay:{number}")
    event = ChangeEvent.model_validate(event_data)
    state = ReplayRecord.model_validate({k: v for k, v in data.items() if k in _CONTEXT_KEYS})
    trigger = state.trigger or trigger_for(
        event,
        application=state.application,
        withdrawal_reasons=rules.settings.withdrawal_reasons,
    )
    if trigger is None:
        raise ValueError(f"no trigger for a {event.kind!r} {event.object_type!r} event")
    if trigger not in TRIGGERS:
        raise ValueError(suggest_trigger(trigger))
    return RuleContext.model_validate(
        {
            "trigger": trigger,
            "event": event,
            "person": state.person,
            "application": state.application,
            "job": state.job,
            "crm": state.crm,
            "ats": state.ats,
            "previous_status": state.previous_status,
            "last_activity_at": state.last_activity_at,
            "now": state.now or event.occurred_at,
        }
    )
