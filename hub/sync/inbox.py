"""Acting on vendor webhooks: pending inbox events become targeted syncs, unlinks and erasures.

Events carry ids only. Changed records are re-read from the vendor (so a late or repeated event
never writes stale data), deletions unlink, merges drop the merged-away record's link and re-read
the survivor, and erasures remove the person's personal data from the hub's store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.store.tables import FieldProvenance, InboxEvent, Link, Person, PersonKey
from hub.sync.events import emit_person_erased, person_refs
from hub.sync.pairing import Side
from hub.sync.report import SyncReport
from hub.sync.runner import PairSync

__all__ = ["InboxPlan", "apply_inbox", "plan_inbox"]

_RESYNC = frozenset(
    {"created", "updated", "restored", "stage_changed", "rejected", "unrejected", "hired",
     "unhired", "converted", "association_changed"}
)  # fmt: skip


@dataclass
class InboxPlan:
    """What a set of events asks for, per side of the pair."""

    resync: dict[str, set[str]] = field(default_factory=dict)
    unlink: dict[str, set[str]] = field(default_factory=dict)
    erase: dict[str, set[str]] = field(default_factory=dict)

    def add(self, bucket: dict[str, set[str]], system: str, ids: Iterable[str]) -> None:
        """Add ``ids`` of ``system`` to ``bucket``."""
        bucket.setdefault(system, set()).update(i for i in ids if i)


def plan_inbox(events: Sequence[InboxEvent], sides: Sequence[Side]) -> InboxPlan:
    """Sort events into re-reads, unlinks and erasures (pure)."""
    plan = InboxPlan()
    by_connection = {side.connection: side for side in sides}
    for event in events:
        side = by_connection.get(event.connection)
        if side is None:
            continue
        related: dict[str, str] = event.event.get("related_ids") or {}
        if event.object_type != side.object_type:
            # an application (or other child) event: re-read its person record
            plan.add(plan.resync, side.system, [related.get("candidate_id", "")])
        elif event.kind == "deleted":
            plan.add(plan.unlink, side.system, [event.external_id])
        elif event.kind == "erased":
            plan.add(plan.erase, side.system, [event.external_id])
        elif event.kind == "merged":
            gone = related.get("merged_away_id", "") or related.get("merged_object_ids", "")
            survivor = related.get("primary_object_id", event.external_id)
            plan.add(plan.unlink, side.system, [g for g in gone.split(",") if g != survivor])
            plan.add(plan.resync, side.system, [survivor])
        elif event.kind in _RESYNC:
            plan.add(plan.resync, side.system, [event.external_id])
    return plan


def apply_inbox(
    sync: PairSync,
    session: Session,
    events: Sequence[InboxEvent],
    *,
    now: datetime,
    report: SyncReport,
) -> None:
    """Act on ``events`` for the pair and mark them processed (committed by the caller)."""
    sides = list(sync.sides.values())
    plan = plan_inbox(events, sides)
    connectors = {side.connection: side.connector.spec.name for side in sides}
    for system, ids in plan.erase.items():
        _erase(session, sync.sides[system], ids, connectors=connectors, now=now, report=report)
    for system, ids in plan.unlink.items():
        _unlink(session, sync.sides[system], ids, report=report)
    session.flush()
    for event in events:
        event.status = "processed"
    session.commit()
    for system, ids in plan.resync.items():
        sync.sync_records(system, sorted(ids), report=report)


def _links_of(session: Session, side: Side, ids: Iterable[str]) -> list[Link]:
    return list(
        session.scalars(
            select(Link).where(
                Link.connection == side.connection,
                Link.object_type == side.object_type,
                Link.external_id.in_(list(ids)),
            )
        )
    )


def _unlink(session: Session, side: Side, ids: Iterable[str], *, report: SyncReport) -> None:
    for link in _links_of(session, side, ids):
        session.delete(link)
        report.add(side, "unlinked")


def _erase(
    session: Session,
    side: Side,
    ids: Iterable[str],
    *,
    connectors: Mapping[str, str],
    now: datetime,
    report: SyncReport,
) -> None:
    for link in _links_of(session, side, ids):
        person = session.get(Person, link.person_id)
        if person is not None and person.erased_at is None:
            refs = person_refs(session, person.id, connectors=connectors)
            # the record was erased upstream: the hub forgets the person's personal data too
            person.data, person.status, person.erased_at = {}, "erased", now
            person.version += 1
            session.execute(delete(PersonKey).where(PersonKey.person_id == person.id))
            session.execute(delete(FieldProvenance).where(FieldProvenance.person_id == person.id))
            emit_person_erased(session, version=person.version, refs=refs, now=now)
            report.add(side, "erased")
        session.delete(link)
