"""What the demo did, counted from the hub's store and checked against the emulators' state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.store.dedup_tables import PersonMerge, ReviewPair
from hub.store.rule_tables import RuleAction, RuleDecision
from hub.store.tables import InboxEvent, LedgerEntry, Link, Person, SyncConflict
from hub.store.webhook_tables import WebhookDelivery

__all__ = ["DemoSummary", "summarise"]


@dataclass
class DemoSummary:
    """The demo's figures."""

    persons: int = 0
    linked_both: int = 0
    duplicates_collapsed: int = 0
    erased: int = 0
    conflicts: int = 0
    webhooks: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)
    api_calls: dict[str, int] = field(default_factory=dict)
    crm_contacts_with_ats_id: int = 0
    transitions: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)
    received: int = 0
    refused: int = 0
    prospects_from_crm: int = 0
    review_open: int = 0
    hub_merges: int = 0


def summarise(
    session: Session,
    *,
    greenhouse: Any,
    hubspot: Any,
    api_calls: dict[str, int],
    received: int = 0,
    refused: int = 0,
) -> DemoSummary:
    """Count from the store; read the emulators' own state for what the vendors hold."""
    summary = DemoSummary(received=received, refused=refused)
    for rule, n in session.execute(
        select(RuleDecision.rule, func.count())
        .where(RuleDecision.outcome == "fired")
        .group_by(RuleDecision.rule)
    ):
        summary.transitions[rule] += n
    for status, n in session.execute(
        select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
    ):
        summary.delivered[status] += n
    summary.review_open = (
        session.scalar(
            select(func.count()).select_from(ReviewPair).where(ReviewPair.status == "open")
        )
        or 0
    )
    summary.hub_merges = session.scalar(select(func.count()).select_from(PersonMerge)) or 0
    summary.prospects_from_crm = (
        session.scalar(
            select(func.count())
            .select_from(RuleAction)
            .where(RuleAction.kind == "create_prospect", RuleAction.status == "done")
        )
        or 0
    )
    summary.persons = (
        session.scalar(select(func.count()).select_from(Person).where(Person.erased_at.is_(None)))
        or 0
    )
    summary.erased = (
        session.scalar(
            select(func.count()).select_from(Person).where(Person.erased_at.is_not(None))
        )
        or 0
    )
    per_person: dict[str, set[str]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    live_links = (
        select(Link.person_id, Link.connection).join(Person).where(Person.erased_at.is_(None))
    )
    for person_id, connection in session.execute(live_links):
        per_person.setdefault(person_id, set()).add(connection)
        counts[(person_id, connection)] += 1
    summary.linked_both = sum(1 for conns in per_person.values() if len(conns) == 2)
    summary.duplicates_collapsed = sum(n - 1 for n in counts.values() if n > 1)
    summary.conflicts = session.scalar(select(func.count()).select_from(SyncConflict)) or 0
    for connection, status, n in session.execute(
        select(InboxEvent.connection, InboxEvent.status, func.count()).group_by(
            InboxEvent.connection, InboxEvent.status
        )
    ):
        summary.webhooks[f"{connection} {status}"] += n
    for connection, action, n in session.execute(
        select(LedgerEntry.connection, LedgerEntry.action, func.count())
        .where(LedgerEntry.status == "done")
        .group_by(LedgerEntry.connection, LedgerEntry.action)
    ):
        summary.writes[f"{connection} {action}"] += n
    gh_state = greenhouse.state.emulator
    summary.api_calls = dict(api_calls)
    candidates = {str(i) for i in gh_state.state.tables["candidates"]}
    store = hubspot.state.emulator.store
    summary.crm_contacts_with_ats_id = sum(
        1
        for contact_id in store.live_ids
        if str(store.contacts[contact_id].properties.get("greenhouse_candidate_id") or "")
        in candidates
    )
    for contact_id in store.live_ids:
        status = store.contacts[contact_id].properties.get("candidate_status")
        if status:
            summary.statuses[str(status)] += 1
    return summary
