"""Polled changes as rule events: compare a record with what the hub last saw of it (pure).

Webhooks say what happened; a poll only shows the record as it is now. The sync keeps, per
application and per CRM contact, the few values whose change is an event (see
:mod:`hub.store.rule_tables`), and these functions turn "before" and "now" into the change kinds
:func:`hub.rules.triggers.trigger_for` understands. The first sight of a record is its creation,
followed by what it already went through (a rejected application seen for the first time was
created and then rejected), so a hub connected to systems already in use reaches the same state
as one that watched from the start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.models import Application
from hub.models.events import ChangeKind

__all__ = [
    "ContactChange",
    "application_changes",
    "application_state",
    "contact_changes",
    "is_set",
]

# Status moves of an application and the event each one is.
_STATUS_MOVES: dict[tuple[str, str], ChangeKind] = {
    ("active", "rejected"): "rejected",
    ("rejected", "active"): "unrejected",
    ("active", "hired"): "hired",
    ("hired", "active"): "unhired",
    ("active", "converted"): "converted",
}
# What an application first seen in a final status went through after being created.
_FIRST_SEEN: dict[str, ChangeKind] = {"rejected": "rejected", "hired": "hired"}

ContactChange = tuple[ChangeKind, str | None]


def application_state(app: Application) -> dict[str, Any]:
    """The values of an application whose change is an event."""
    return {
        "status": app.status,
        "stage_id": app.stage_id,
        "job_id": app.job_id,
        "prospect": app.prospect,
        "rejection_reason": app.rejection_reason,
    }


def application_changes(
    previous: Mapping[str, Any] | None, app: Application, *, first_stage_id: str | None = None
) -> list[ChangeKind]:
    """What happened to ``app`` since ``previous`` (its stored state; ``None``: never seen).

    Args:
        previous: The state stored at the last sight, as :func:`application_state` made it.
        app: The application now.
        first_stage_id: The job's first stage; an application first seen past it has moved.
    """
    if previous is None:
        if app.status == "converted":
            return []  # the prospect application a conversion left behind: the new one counts
        kinds: list[ChangeKind] = ["created"]
        moved = app.stage_id is not None and app.stage_id != first_stage_id
        if not app.prospect and moved and first_stage_id is not None:
            kinds.append("stage_changed")
        if app.status in _FIRST_SEEN:
            kinds.append(_FIRST_SEEN[app.status])
        return kinds
    kinds = []
    before = str(previous.get("status") or "active")
    if (
        app.status == "active"
        and before == "active"
        and app.stage_id is not None
        and previous.get("stage_id") not in (None, app.stage_id)
    ):
        kinds.append("stage_changed")
    if bool(previous.get("prospect")) and not app.prospect and app.status == "active":
        kinds.append("converted")
    move = _STATUS_MOVES.get((before, app.status))
    if move is not None:
        kinds.append(move)
    return kinds


def is_set(value: Any) -> bool:
    """Whether a CRM property value counts as set (HubSpot sends every value as text)."""
    return value not in (None, "", "false", False)


def contact_changes(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any], *, watched: Iterable[str]
) -> list[ContactChange]:
    """What happened to a CRM contact: ``(kind, property)`` pairs.

    A first sight is ``created``, plus a property change for every watched property already set
    (a contact created already marked ready for the ATS is marked ready). Later sights are
    ``updated``, plus one property change per watched property whose value differs.

    Args:
        previous: The watched values stored at the last sight (``None``: never seen).
        current: The contact's properties now.
        watched: The properties whose changes are events.
    """
    names = sorted(set(watched))
    if previous is None:
        first: list[ContactChange] = [("created", None)]
        return first + [("updated", n) for n in names if is_set(current.get(n))]
    changed = [n for n in names if _text(previous.get(n)) != _text(current.get(n))]
    later: list[ContactChange] = [("updated", None)]
    return later + [("updated", n) for n in changed]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)
