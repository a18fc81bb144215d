"""The dedup review queue: uncertain pairs wait here for a human to approve or reject them.

A pair is stored once per pair of persons (``pair_key``): proposing it again while it is open
does nothing, and a rejected pair is never proposed again. Approving merges the two persons in
the hub (the survivor is the older person); vendor records are not merged. Every decision is
kept with who made it and when, and serves as a label for the match weights
(:mod:`hub.persons.labels`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.dedup.scoring import Verdict
from hub.persons.errors import MergeError, ReviewNotFoundError
from hub.persons.merge import (
    MergeOutcome,
    SplitOutcome,
    absorbed_ids,
    current_person_id,
    merge_persons,
    split_merge,
)
from hub.store.dedup_tables import ReviewPair, pair_key
from hub.store.tables import Person
from hub.sync.events import person_refs
from hub.webhooks.events import DedupReviewNeeded, WebhookEvent
from hub.webhooks.outbox import emit_event, new_event_id

__all__ = [
    "approve",
    "explanation_of",
    "get_pair",
    "list_open",
    "propose",
    "reject",
    "split",
]


def explanation_of(verdict: Verdict) -> dict[str, Any]:
    """A scoring verdict as the JSON a review pair keeps: evidence and weights, no values.

    Args:
        verdict: The verdict of the pair.

    Returns:
        ``outcome``, ``probability``, ``total_weight``, ``fields`` (field, level, weight),
        ``guard`` (allows_auto, evidence, conflicts, reason) and ``text`` (one line).
    """
    guard = verdict.guard
    return {
        "outcome": verdict.outcome.value,
        "probability": verdict.probability,
        "total_weight": verdict.total_weight,
        "fields": [
            {"field": f.field, "level": f.level, "weight": f.weight} for f in verdict.fields
        ],
        "guard": {
            "allows_auto": guard.allows_auto,
            "evidence": list(guard.evidence),
            "conflicts": list(guard.conflicts),
            "reason": guard.reason,
        },
        "text": verdict.explain(),
    }


def propose(
    session: Session,
    a: str,
    b: str,
    score: float,
    explanation: Mapping[str, Any],
    *,
    now: datetime,
    connectors: Mapping[str, str] | None = None,
) -> ReviewPair | None:
    """Queue two persons for review; emits ``dedup.review_needed`` when queued.

    Ids are first followed through merges to the persons they live on as.

    Args:
        session: The store session (the caller commits).
        a: One person's id.
        b: The other's.
        score: The match probability (0 to 1).
        explanation: The scoring's evidence (see :func:`explanation_of`).
        now: Wall clock.
        connectors: Connection name → connector name, to name vendor records in the event.

    Returns:
        The new open pair, or ``None`` when nothing was queued: the pair is already open,
        was decided before (a rejected pair is never proposed again), is one person by now,
        or a person is missing or erased.
    """
    a, b = current_person_id(session, a), current_person_id(session, b)
    if a == b:
        return None
    key = pair_key(a, b)
    if session.scalar(select(ReviewPair.id).where(ReviewPair.pair_key == key)) is not None:
        return None
    persons = session.scalars(select(Person).where(Person.id.in_([a, b]))).all()
    if len(persons) != 2 or any(p.erased_at is not None for p in persons):
        return None
    first, second = sorted((a, b))
    pair = ReviewPair(
        pair_key=key,
        person_a=first,
        person_b=second,
        score=min(max(float(score), 0.0), 1.0),
        explanation=dict(explanation),
        status="open",
        created_at=now,
    )
    try:
        with session.begin_nested():  # another process may queue the same pair at once
            session.add(pair)
    except IntegrityError:
        return None
    refs = connectors or {}
    event = WebhookEvent(
        id=new_event_id(now),
        type="dedup.review_needed",
        occurred_at=now,
        data=DedupReviewNeeded(
            review_id=str(pair.id),
            people=(
                person_refs(session, first, connectors=refs),
                person_refs(session, second, connectors=refs),
            ),
            score=pair.score,
        ),
    )
    emit_event(session, event, now=now)
    return pair


def get_pair(session: Session, pair_id: int) -> ReviewPair:
    """The review pair with this id.

    Raises:
        ReviewNotFoundError: There is none.
    """
    pair = session.get(ReviewPair, pair_id)
    if pair is None:
        raise ReviewNotFoundError(f"no review pair {pair_id}")
    return pair


def list_open(session: Session, limit: int = 50, offset: int = 0) -> tuple[list[ReviewPair], int]:
    """Open pairs, the most likely duplicates first; and how many are open in all."""
    query = select(ReviewPair).where(ReviewPair.status == "open")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ReviewPair.score.desc(), ReviewPair.id).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def approve(
    session: Session,
    pair_id: int,
    by: str,
    now: datetime,
    *,
    connectors: Mapping[str, str] | None = None,
) -> MergeOutcome:
    """Approve a pair: merge its persons in the hub (the older person survives).

    Vendor records are not merged: HubSpot and Greenhouse merges cannot be undone, so they
    are left to the admin in each vendor.

    Raises:
        ReviewNotFoundError: No such pair.
        MergeError: The pair is decided already, or its persons cannot be merged.
    """
    pair = _open_pair(session, pair_id)
    a = current_person_id(session, pair.person_a)
    b = current_person_id(session, pair.person_b)
    if a == b:
        raise MergeError(f"the persons of review pair {pair_id} are one person already")
    survivor, absorbed = _survivor_first(session, a, b)
    outcome = merge_persons(
        session,
        survivor,
        absorbed,
        reason=f"review {pair_id} approved by {by}",
        now=now,
        review_id=pair_id,
        connectors=connectors,
    )
    pair.status, pair.decided_by, pair.decided_at = "approved", by, now
    pair.merge_id = outcome.merge.id
    session.flush()
    return outcome


def reject(session: Session, pair_id: int, by: str, now: datetime) -> ReviewPair:
    """Reject a pair: these are different people, and the pair is never proposed again.

    Raises:
        ReviewNotFoundError: No such pair.
        MergeError: The pair is decided already.
    """
    pair = _open_pair(session, pair_id)
    pair.status, pair.decided_by, pair.decided_at = "rejected", by, now
    session.flush()
    return pair


def split(session: Session, merge_id: int, now: datetime) -> SplitOutcome:
    """Undo a hub merge (see :func:`hub.persons.merge.split_merge`).

    A split of a merge approved in review counts as a "different people" label, and the pair
    is not proposed again.
    """
    return split_merge(session, merge_id, now)


def _open_pair(session: Session, pair_id: int) -> ReviewPair:
    pair = session.scalar(select(ReviewPair).where(ReviewPair.id == pair_id).with_for_update())
    if pair is None:
        raise ReviewNotFoundError(f"no review pair {pair_id}")
    if pair.status != "open":
        raise MergeError(f"review pair {pair_id} is {pair.status} already")
    return pair


def _survivor_first(session: Session, a: str, b: str) -> tuple[str, str]:
    gone = absorbed_ids(session, [a, b])
    if gone:
        raise MergeError(f"person {sorted(gone)[0]} is already merged into another person")
    rows = session.execute(select(Person.id, Person.created_at).where(Person.id.in_([a, b])))
    created: dict[str, datetime] = dict(rows.all())
    if len(created) < 2:
        return a, b  # the merge names the missing person
    first, second = sorted((a, b), key=lambda pid: (created[pid], pid))
    return first, second
