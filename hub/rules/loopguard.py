"""The loop guard: no rule fires twice in one chain, and no field flips back (A→B→A).

A chain is the sequence of rules fired for one original event and for the events their own
writes cause. The sync engine passes :attr:`Evaluation.chain` into the context of those follow-up
events, so the guard sees the whole history even across vendor round trips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from hub.rules.actions import (
    Action,
    ChangeTags,
    Nurture,
    SetAtsFields,
    SetCrmProperties,
    SetStatus,
)
from hub.rules.context import ChainLink

__all__ = ["already_fired", "find_flip", "value_digest", "writes_of"]


def value_digest(value: Any) -> str:
    """A short digest standing for a written value.

    The chain travels with events and into logs, so it holds digests, never personal values;
    comparing digests is all the flip check needs.
    """
    # HubSpot echoes every value as text: True and "true" are the same write.
    if isinstance(value, bool):
        text = str(value).lower()
    elif value is None or isinstance(value, str | int | float):
        text = "" if value is None else str(value)
    else:
        text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def writes_of(actions: Iterable[Action]) -> tuple[tuple[str, str], ...]:
    """The ``(field, value digest)`` pairs that executing ``actions`` would write."""
    return tuple((field, value_digest(value)) for field, value in _writes(actions))


def _writes(actions: Iterable[Action]) -> list[tuple[str, Any]]:
    writes: list[tuple[str, Any]] = []
    for action in actions:
        if isinstance(action, SetStatus):
            writes.append(("status", action.status.value))
        elif isinstance(action, SetCrmProperties):
            writes += [(f"crm.{k}", v) for k, v in action.properties.items()]
        elif isinstance(action, SetAtsFields):
            writes += [(f"ats.{k}", v) for k, v in action.fields.items()]
        elif isinstance(action, ChangeTags):
            present = action.kind == "add_tags"
            writes += [(f"{action.system}.tag.{t.casefold()}", present) for t in action.tags]
        elif isinstance(action, Nurture):
            target = f"list:{action.list_}" if action.list_ else f"property:{action.property}"
            writes.append((f"nurture.{target}", action.kind == "enrol_nurture"))
    return writes


def already_fired(chain: Iterable[ChainLink], rule: str) -> bool:
    """Whether ``rule`` fired earlier in the chain (its own writes must not re-trigger it)."""
    return any(link.rule == rule for link in chain)


def find_flip(chain: Iterable[ChainLink], writes: Iterable[tuple[str, str]]) -> str | None:
    """The first field that ``writes`` would flip back to an earlier value, described; or None.

    A→B→A: the field was written ``v`` earlier in the chain, later something else, and now
    ``v`` again.
    """
    history: dict[str, list[tuple[str, str]]] = {}
    for link in chain:
        for field, value in link.writes:
            history.setdefault(field, []).append((link.rule, value))
    for field, value in writes:
        past = history.get(field, [])
        if past and past[-1][1] != value and any(v == value for _, v in past):
            rules = " -> ".join(rule for rule, _ in past)
            return f"{field} flips back to an earlier value after {rules}"
    return None
