"""Reconcile: compare both systems with the hub's links and report (or repair) the drift.

Incremental syncs trust cursors and webhooks; reconcile trusts nothing. It reads every person
record of both systems (ids only are kept, so memory stays small), compares them with the
links, and plans the writes that would bring each linked record up to the golden record:

- **unlinked**: vendor records the hub has no link for (created while the hub was away and
  missed, or never synced);
- **missing**: links to records the vendor no longer returns (deleted upstream, or an id typo);
- **stale**: linked records lacking golden values the policies say they should have, and
  people the CRM should have as contacts but does not (the writes a sync would make now).

With ``apply`` it repairs what it can: unlinked records are synced (linked or created as
persons), links to missing records are dropped (a person left with no link is kept, unlinked),
and stale records are written through the ledger like any sync write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.store.tables import Link
from hub.sync.pairing import Side
from hub.sync.report import PlannedWrite, SyncReport
from hub.sync.runner import PairSync

__all__ = ["Drift", "reconcile"]


@dataclass
class Drift:
    """What differs between the systems and the hub, per connection."""

    records: dict[str, int] = field(default_factory=dict)
    unlinked: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    stale: list[PlannedWrite] = field(default_factory=list)
    repaired: SyncReport | None = None

    @property
    def clean(self) -> bool:
        """Whether the systems and the hub agree."""
        return not (any(self.unlinked.values()) or any(self.missing.values()) or self.stale)


def reconcile(sync: PairSync, *, apply: bool = False) -> Drift:
    """Compare the pair's systems with the hub; with ``apply``, repair the drift.

    Args:
        sync: The pair.
        apply: Repair what can be repaired (otherwise nothing is written anywhere).
    """
    drift = Drift()
    sides = [sync.sides["crm"], sync.sides["ats"]]
    session = sync.sessions()
    try:
        for side in sides:
            seen = _vendor_ids(sync, side)
            drift.records[side.connection] = len(seen)
            with session.begin():
                linked = set(
                    session.scalars(
                        select(Link.external_id).where(
                            Link.connection == side.connection,
                            Link.object_type == side.object_type,
                        )
                    )
                )
            drift.unlinked[side.connection] = sorted(seen - linked, key=_id_order)
            drift.missing[side.connection] = sorted(linked - seen, key=_id_order)
        kinds = {s.connection: s.object_type for s in sides}
        gone = {(kinds[c], i) for c, ids in drift.missing.items() for i in ids}
        drift.stale = [
            p
            for p in _stale(sync, session, sides)
            if (p.op.object_type, p.op.external_id) not in gone
        ]
        if apply:
            drift.repaired = _repair(sync, session, sides, drift)
    finally:
        session.close()
    return drift


def _vendor_ids(sync: PairSync, side: Side) -> set[str]:
    ids: set[str] = set()
    for page in side.connector.read_changes(side.object_type, since=None, until=sync.now()):
        ids.update(record.external_id for record in page.records)
    return ids


def _stale(sync: PairSync, session: Session, sides: Sequence[Side]) -> list[PlannedWrite]:
    """The writes a sync would make to linked records now (planned inside a rolled-back read)."""
    report = SyncReport()
    outer = session.begin()
    try:
        person_ids = sorted(
            set(
                session.scalars(
                    select(Link.person_id).where(Link.connection.in_([s.connection for s in sides]))
                )
            )
        )
        sync.writer.write_out(session, sides, person_ids, report=report, dry_run=True)
    finally:
        outer.rollback()
    return list(report.planned)


def _repair(sync: PairSync, session: Session, sides: Sequence[Side], drift: Drift) -> SyncReport:
    report = SyncReport()
    with session.begin():
        for side in sides:
            gone = drift.missing.get(side.connection, [])
            for start in range(0, len(gone), 500):
                session.execute(
                    delete(Link).where(
                        Link.connection == side.connection,
                        Link.object_type == side.object_type,
                        Link.external_id.in_(gone[start : start + 500]),
                    )
                )
            report.add(side, "unlinked", len(gone))
    for side in sides:
        ids = drift.unlinked.get(side.connection, [])
        for start in range(0, len(ids), sync.batch_size * 10):
            sync.sync_records(side.system, ids[start : start + sync.batch_size * 10], report=report)
    stale_people = sorted({p.person_id for p in drift.stale})
    if stale_people:
        sync.writer.write_out(session, sides, stale_people, report=report, dry_run=False)
    return report


def _id_order(external_id: str) -> tuple[int, str]:
    return (int(external_id), "") if external_id.isdigit() else (0, external_id)
