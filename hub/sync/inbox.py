"""Acting on vendor webhooks: pending inbox events become targeted syncs, unlinks and erasures.

Events carry ids only. Changed records are re-read from the vendor (so a late or repeated event
never writes stale data), deletions unlink, merges drop the merged-away record's link and re-read
the survivor, and erasures remove the person's personal data from the hub's store.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.connector import WriteOp
from hub.models import ExternalRef
from hub.persons import MergeError, forget_merged_data, merge_persons
from hub.store.repo import find_person_id
from hub.store.rule_tables import RecordState, RuleAction
from hub.store.tables import FieldProvenance, InboxEvent, LedgerEntry, Link, Person, PersonKey
from hub.sync.events import emit_person_erased, person_refs
from hub.sync.pairing import Side
from hub.sync.report import SyncReport
from hub.sync.runner import PairSync

__all__ = ["InboxPlan", "apply_inbox", "plan_inbox"]

log = logging.getLogger(__name__)

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
    # vendor merges: (system, survivor id, merged-away ids)
    merges: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    def add(self, bucket: dict[str, set[str]], system: str, ids: Iterable[str]) -> None:
        """Add ``ids`` of ``system`` to ``bucket``."""
        bucket.setdefault(system, set()).update(i for i in ids if i)


def plan_inbox(
    events: Sequence[InboxEvent], sides: Sequence[Side], *, applications: Side | None = None
) -> InboxPlan:
    """Sort events into re-reads, unlinks and erasures (pure).

    An application event re-reads its person and, when the pair maps applications, the
    application itself (under ``applications``): the transition rules act on what it became.
    """
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
            if (
                applications is not None
                and event.connection == applications.connection
                and event.object_type == applications.object_type
                and event.kind != "deleted"
            ):
                plan.add(plan.resync, "applications", [event.external_id])
        elif event.kind == "deleted":
            plan.add(plan.unlink, side.system, [event.external_id])
        elif event.kind == "erased":
            plan.add(plan.erase, side.system, [event.external_id])
        elif event.kind == "merged":
            gone = related.get("merged_away_id", "") or related.get("merged_object_ids", "")
            survivor = related.get("primary_object_id", event.external_id)
            away = tuple(g for g in gone.split(",") if g and g != survivor)
            plan.add(plan.unlink, side.system, away)
            plan.add(plan.resync, side.system, [survivor])
            plan.merges.append((side.system, survivor, away))
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
    stream = sync.applications.side if sync.applications is not None else None
    plan = plan_inbox(events, sides, applications=stream)
    connectors = {side.connection: side.connector.spec.name for side in sides}
    requests: list[tuple[Side, str, str]] = []
    for system, ids in plan.erase.items():
        erased = _erase(
            session, sync.sides[system], ids, connectors=connectors, now=now, report=report
        )
        if sync.propagate_erasure:
            requests += _erasure_requests(session, sync, system, erased)
    merged: set[str] = set()
    for system, survivor, away in plan.merges:
        merged |= _merge_people(
            session, sync.sides[system], survivor, away, connectors=connectors, now=now
        )
    for system, ids in plan.unlink.items():
        _unlink(session, sync.sides[system], ids, report=report)
    if sync.transitions is not None and merged:
        sync.transitions.start(session, run_id=None)
        for person_id in sorted(merged):
            sync.transitions.person_merged(session, person_id)
    session.flush()
    for event in events:
        event.status = "processed"
    session.commit()
    if requests:
        _request_erasure(session, requests, now=now, report=report)
    # people first, so that an application's candidate is linked before the application is read
    for system, ids in sorted(plan.resync.items(), key=lambda item: item[0] == "applications"):
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


def _merge_people(
    session: Session,
    side: Side,
    survivor: str,
    away: Iterable[str],
    *,
    connectors: Mapping[str, str],
    now: datetime,
) -> set[str]:
    """A vendor merge of records of two hub persons merges the persons too (reversibly)."""
    keeper = find_person_id(
        session,
        ExternalRef(connection=side.connection, object_type=side.object_type, external_id=survivor),
    )
    if keeper is None:
        return set()
    merged: set[str] = set()
    for link in _links_of(session, side, away):
        if link.person_id == keeper or link.person_id in merged:
            continue
        try:
            merge_persons(
                session,
                keeper,
                link.person_id,
                reason=f"merged in {side.connection}",
                now=now,
                connectors=connectors,
            )
        except MergeError as exc:
            log.warning("vendor merge in %s not mirrored in the hub: %s", side.connection, exc)
            continue
        merged.add(keeper)
    return merged


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
) -> set[str]:
    """Erase the persons of these records from the hub; return their ids."""
    erased: set[str] = set()
    for link in _links_of(session, side, ids):
        erased.add(link.person_id)
        person = session.get(Person, link.person_id)
        if person is not None and person.erased_at is None:
            refs = person_refs(session, person.id, connectors=connectors)
            # the record was erased upstream: the hub forgets the person's personal data too
            person.data, person.status, person.erased_at = {}, "erased", now
            person.version += 1
            session.execute(delete(PersonKey).where(PersonKey.person_id == person.id))
            session.execute(delete(FieldProvenance).where(FieldProvenance.person_id == person.id))
            # rule actions may carry personal values (a note, a referrer); states, CRM values
            session.execute(
                update(RuleAction).where(RuleAction.person_id == person.id).values(spec={})
            )
            session.execute(delete(RecordState).where(RecordState.person_id == person.id))
            # and the merge history's snapshots of them
            forget_merged_data(session, person.id, now=now)
            emit_person_erased(session, version=person.version, refs=refs, now=now)
            report.add(side, "erased")
        session.delete(link)
    return erased


# How each system is asked to erase a person: the write each connector documents for it.
_ERASE = {"crm": "gdpr_delete", "ats": "anonymize"}


def _erasure_requests(
    session: Session, sync: PairSync, erased_in: str, person_ids: set[str]
) -> list[tuple[Side, str, str]]:
    """The other system's records of erased persons: ``(side, external id, person id)``."""
    system = "ats" if erased_in == "crm" else "crm"
    side = sync.sides[system]
    rows = session.execute(
        select(Link.external_id, Link.person_id).where(
            Link.person_id.in_(person_ids),
            Link.connection == side.connection,
            Link.object_type == side.object_type,
        )
    )
    return [(side, external_id, person_id) for external_id, person_id in rows]


def _request_erasure(
    session: Session, requests: list[tuple[Side, str, str]], *, now: datetime, report: SyncReport
) -> None:
    """Ask the other system to erase; a done request unlinks, a refused one is recorded."""
    for side in {id(s): s for s, _, _ in requests}.values():
        mine = [(e, p) for s, e, p in requests if s is side]
        ops = [
            WriteOp(
                object_type=side.object_type,
                action=_ERASE[side.system],
                data={},
                idempotency_key=hashlib.sha256(
                    f"erase|{side.connection}|{external_id}".encode()
                ).hexdigest(),
                external_id=external_id,
            )
            for external_id, _ in mine
        ]
        with session.begin():
            for op, (_, person_id) in zip(ops, mine, strict=True):
                session.merge(_ledger(op, side, person_id, now=now))
        results = side.connector.write(ops)
        with session.begin():
            for op, result in zip(ops, results, strict=True):
                entry = session.get(LedgerEntry, op.idempotency_key)
                assert entry is not None
                if result.ok:
                    entry.status, entry.done_at = "done", now
                    session.execute(
                        delete(Link).where(
                            Link.connection == side.connection,
                            Link.object_type == side.object_type,
                            Link.external_id == op.external_id,
                        )
                    )
                    report.add(side, "erasure_requested")
                else:
                    entry.status = "retry" if result.retryable else "failed"
                    entry.error = result.error
                    report.add(side, "write_errors")
                    log.warning(
                        "erasure request to %s for record %s failed: %s",
                        side.connection,
                        op.external_id,
                        result.error,
                    )


def _ledger(op: WriteOp, side: Side, person_id: str, *, now: datetime) -> LedgerEntry:
    return LedgerEntry(
        idempotency_key=op.idempotency_key,
        connection=side.connection,
        object_type=side.object_type,
        external_id=op.external_id,
        person_id=person_id,
        action=op.action,
        payload_hash="",
        status="pending",
        created_at=now,
        done_at=None,
    )
