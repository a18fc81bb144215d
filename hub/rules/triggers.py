"""Trigger names: what happened, normalised from vendor change events.

Rules name triggers, not vendor event kinds, so a rules file reads the same whichever ATS or CRM
sends the event. :func:`trigger_for` is the one place that maps a :class:`ChangeEvent` to a trigger.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import datetime

from hub.models import Application, ChangeEvent

__all__ = ["TICK_ACTION", "TRIGGERS", "suggest_trigger", "tick_event", "trigger_for"]

TRIGGERS: tuple[str, ...] = (
    "application_created",
    "application_stage_changed",
    "application_rejected",
    "application_unrejected",
    "application_hired",
    "application_unhired",
    "application_withdrawn",
    "prospect_created",
    "prospect_converted",
    "contact_created",
    "contact_updated",
    "contact_property_changed",
    "contact_added_to_list",
    "person_merged",
    "tick",
)

# The scheduled job's event: ChangeKind has no "tick"; a ping is the closest vendor-neutral kind.
TICK_ACTION = "tick"

_APPLICATION_KINDS = {
    "created": "application_created",
    "stage_changed": "application_stage_changed",
    "rejected": "application_rejected",
    "unrejected": "application_unrejected",
    "hired": "application_hired",
    "unhired": "application_unhired",
    "converted": "prospect_converted",
}
_LIST_ACTIONS = {"list_membership_added", "contact.list_membership_added", "added_to_list"}


def tick_event(person_id: str, now: datetime) -> ChangeEvent:
    """The event the scheduled job evaluates for one person (``tick`` trigger).

    Args:
        person_id: The hub person id.
        now: The scheduled run's time.
    """
    return ChangeEvent(
        object_type="person",
        external_id=person_id,
        kind="ping",
        action=TICK_ACTION,
        occurred_at=now,
        dedupe_key=f"tick:{person_id}:{now.isoformat()}",
    )


def trigger_for(
    event: ChangeEvent,
    *,
    application: Application | None = None,
    withdrawal_reasons: Iterable[str] = (),
) -> str | None:
    """The trigger an event fires, or ``None`` when no rule can react to it.

    Greenhouse reports a withdrawal as a rejection, so a rejection whose reason is one of
    ``withdrawal_reasons`` (or whose vendor action says so) is ``application_withdrawn``;
    a created prospect application is ``prospect_created``.
    """
    if event.action == TICK_ACTION:
        return "tick"
    if event.kind == "merged":
        return "person_merged"
    if event.object_type in ("application", "prospect"):
        return _application_trigger(event, application, withdrawal_reasons=withdrawal_reasons)
    if event.object_type == "contact":
        return _contact_trigger(event)
    return None


def _application_trigger(
    event: ChangeEvent, application: Application | None, *, withdrawal_reasons: Iterable[str]
) -> str | None:
    trigger = _APPLICATION_KINDS.get(event.kind)
    prospect = event.object_type == "prospect" or (application is not None and application.prospect)
    if trigger == "application_created" and prospect:
        return "prospect_created"
    if trigger == "application_rejected":
        reasons = {r.casefold() for r in withdrawal_reasons}
        reason = (application.rejection_reason or "") if application else ""
        if "withdr" in event.action.casefold() or reason.casefold() in reasons:
            return "application_withdrawn"
    return trigger


def _contact_trigger(event: ChangeEvent) -> str | None:
    if event.action in _LIST_ACTIONS or "list" in event.related_ids:
        return "contact_added_to_list"
    if event.kind == "created":
        return "contact_created"
    if event.kind == "updated":
        return "contact_property_changed" if event.property_name else "contact_updated"
    return None


def suggest_trigger(name: str) -> str:
    """A did-you-mean (or the list of triggers) for an unknown trigger name."""
    close = difflib.get_close_matches(name, TRIGGERS, n=1)
    if close:
        return f"unknown trigger {name!r} (did you mean {close[0]!r}?)"
    return f"unknown trigger {name!r} (expected one of: {', '.join(TRIGGERS)})"
