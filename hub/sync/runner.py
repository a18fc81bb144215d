"""Runs one sync pair: read both systems incrementally, merge, plan and write. The effects.

Per batch of vendor records, persons, links, provenance, conflicts and the cursor commit in
one transaction. Writes go through the write ledger: an entry is committed as ``pending``
before the vendor call and marked ``done`` after, so a rerun after a crash neither loses the
write nor repeats a finished one.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connector import Cursor, VendorRecord, WriteOp
from hub.models import ExternalRef
from hub.store.repo import create_person, find_person_id, link_record, load_cursor, save_cursor
from hub.store.tables import LedgerEntry, Link
from hub.sync.cursors import advance_cursor, read_window
from hub.sync.fields import flatten, unflatten, value_hash
from hub.sync.golden import load_golden, save_golden
from hub.sync.identity import Matcher
from hub.sync.pairing import Side
from hub.sync.planner import PolicySet, Provenance, merge_inbound, plan_outbound

__all__ = ["PairSync", "PlannedWrite", "SyncReport"]

log = logging.getLogger(__name__)
System = Literal["crm", "ats"]


@dataclass
class SyncReport:
    """What a run did, per ``side.object_type`` and outcome (read, matched, created, …)."""

    counts: Counter[str] = field(default_factory=Counter)
    planned: list[PlannedWrite] = field(default_factory=list)

    def add(self, side: Side, outcome: str, n: int = 1) -> None:
        """Count ``n`` records of ``side`` with ``outcome``."""
        self.counts[f"{side.connection}.{side.object_type}.{outcome}"] += n


@dataclass(frozen=True)
class PlannedWrite:
    """A write the run decided on (made, or only printed in a dry run)."""

    person_id: str
    op: WriteOp
    fields: tuple[str, ...]


class PairSync:
    """One sync pair, ready to run.

    Args:
        name: The pair's name (for runs and logs).
        crm: The CRM side.
        ats: The ATS side.
        policies: Merged field policies of the pair's mappings.
        sessions: Store sessions.
        matcher: Identity matcher for records without a link.
        now: Wall clock.
        lookback: How far behind stored cursors to re-read.
        batch_size: Records per transaction.
    """

    def __init__(
        self,
        name: str,
        *,
        crm: Side,
        ats: Side,
        policies: PolicySet,
        sessions: sessionmaker[Session],
        matcher: Matcher,
        now: Callable[[], datetime],
        lookback: timedelta,
        batch_size: int = 100,
    ) -> None:
        self.name = name
        self.sides = {"crm": crm, "ats": ats}
        self.policies = policies
        self.sessions = sessions
        self.matcher = matcher
        self.now = now
        self.lookback = lookback
        self.batch_size = batch_size

    def run(
        self, *, full: bool = False, dry_run: bool = False, run_id: int | None = None
    ) -> SyncReport:
        """Read both sides (ATS first: it is the system of record for applicants), then write.

        Args:
            full: Ignore stored cursors and read everything.
            dry_run: Plan only: nothing is committed and nothing is written to a vendor.
            run_id: The recorded run, for conflicts.
        """
        report = SyncReport()
        started = self.now()
        dirty: set[str] = set()
        session = self.sessions()
        outer = session.begin() if dry_run else None
        try:
            for system in ("ats", "crm"):
                side = self.sides[system]
                dirty |= self._read_side(
                    session,
                    side,
                    started=started,
                    full=full,
                    report=report,
                    run_id=run_id,
                    dry_run=dry_run,
                )
            self._write_out(session, sorted(dirty), report=report, dry_run=dry_run)
        finally:
            if outer is not None:
                outer.rollback()
            session.close()
        return report

    def _txn(self, session: Session, dry_run: bool) -> Any:
        # A dry run keeps everything in the one outer transaction that it rolls back at the end.
        return nullcontext() if dry_run else session.begin()

    def _read_side(
        self,
        session: Session,
        side: Side,
        *,
        started: datetime,
        full: bool,
        report: SyncReport,
        run_id: int | None,
        dry_run: bool,
    ) -> set[str]:
        with self._txn(session, dry_run):
            stored = None if full else load_cursor(session, side.connection, side.object_type)
        window = read_window(stored=stored, lookback=self.lookback, run_started_at=started)
        ordered = window.since is not None  # full reads come in id order, not time order
        cursor: Cursor | None = stored
        dirty: set[str] = set()
        for batch in self._batches(side, window.since, window.until):
            with self._txn(session, dry_run):
                dirty |= self._merge_batch(session, side, batch, report=report, run_id=run_id)
                cursor = advance_cursor(cursor, batch, signpost=started)
                if ordered and cursor is not None:
                    save_cursor(
                        session,
                        connection=side.connection,
                        object_type=side.object_type,
                        cursor=cursor,
                        now=self.now(),
                    )
        if not ordered and cursor is not None:
            with self._txn(session, dry_run):
                save_cursor(
                    session,
                    connection=side.connection,
                    object_type=side.object_type,
                    cursor=cursor,
                    now=self.now(),
                )
        return dirty

    def _batches(
        self, side: Side, since: Cursor | None, until: datetime
    ) -> Iterator[list[VendorRecord]]:
        batch: list[VendorRecord] = []
        for page in side.connector.read_changes(side.object_type, since=since, until=until):
            batch.extend(page.records)
            while len(batch) >= self.batch_size:
                yield batch[: self.batch_size]
                batch = batch[self.batch_size :]
        if batch:
            yield batch

    def _merge_batch(
        self,
        session: Session,
        side: Side,
        batch: Sequence[VendorRecord],
        *,
        report: SyncReport,
        run_id: int | None,
    ) -> set[str]:
        dirty: set[str] = set()
        system = cast("System", side.system)
        ours = self._last_writes(session, side, [r.external_id for r in batch])
        for record in batch:
            report.add(side, "read")
            written_at = ours.get(record.external_id)
            if written_at is not None and record.updated_at <= written_at:
                # the newest change to this record is the hub's own write coming back
                report.add(side, "skipped_as_echo")
                continue
            mapped = side.mapping.to_canonical(record.data)
            if mapped.value is None:
                report.add(side, "errors")
                log.warning(
                    "%s %s: not mappable (%d issues)",
                    side.connection,
                    record.external_id,
                    len(mapped.issues),
                )
                continue
            ref = ExternalRef(
                connection=side.connection,
                object_type=side.object_type,
                external_id=record.external_id,
            )
            person_id = find_person_id(session, ref)
            if person_id is None:
                person_id = self.matcher.match(session, mapped.value)
                if person_id is None:
                    person_id = create_person(session, now=self.now(), data={}).id
                    report.add(side, "new_person")
                else:
                    report.add(side, "matched")
                link_record(session, person_id=person_id, ref=ref, now=self.now())
            self.matcher.remember(session, person_id, mapped.value)
            golden = load_golden(session, [person_id])[person_id]
            merged = merge_inbound(
                golden=golden.fields,
                provenance=golden.provenance,
                incoming=flatten(mapped.value),
                source=Provenance(system, side.connection, record.updated_at),
                policies=self.policies,
            )
            save_golden(session, golden, merged, now=self.now(), run_id=run_id)
            report.add(side, "conflicts", len(merged.conflicts))
            if merged.changed:
                report.add(side, "changed")
                dirty.add(person_id)
            else:
                report.add(side, "unchanged")
        return dirty

    def _write_out(
        self, session: Session, person_ids: Sequence[str], *, report: SyncReport, dry_run: bool
    ) -> None:
        for start in range(0, len(person_ids), self.batch_size):
            chunk = person_ids[start : start + self.batch_size]
            for system in ("crm", "ats"):
                self._write_side(session, self.sides[system], chunk, report=report, dry_run=dry_run)

    def _write_side(
        self,
        session: Session,
        side: Side,
        person_ids: Sequence[str],
        *,
        report: SyncReport,
        dry_run: bool,
    ) -> None:
        with self._txn(session, dry_run):
            golden = load_golden(session, person_ids)
            links = self._links(session, side, person_ids)
            others = self._linked_elsewhere(session, side, person_ids)
        current = (
            {
                r.external_id: r
                for r in side.connector.fetch(side.object_type, sorted(set(links.values())))
            }
            if links
            else {}
        )
        planned: list[PlannedWrite] = []
        for person_id in person_ids:
            fields = golden[person_id].fields
            external_id = links.get(person_id)
            if external_id is not None:
                record = current.get(external_id)
                seen = side.mapping.to_canonical(record.data).value if record else None
                target = flatten(seen) if seen is not None else {}
                plan = plan_outbound(
                    golden=fields,
                    target=target,
                    target_system=cast("System", side.system),
                    policies=self.policies,
                    writable=side.writable,
                )
                if plan:
                    planned.append(
                        self._op(side, person_id, plan, action="update", external_id=external_id)
                    )
            elif side.system == "crm" and person_id in others and fields.get("emails"):
                # an applicant the CRM has never seen becomes a contact; the ATS gets new people
                # only when a transition rule asks for a prospect
                plan = plan_outbound(
                    golden=fields,
                    target={},
                    target_system="crm",
                    policies=self.policies,
                    writable=side.writable,
                )
                planned.append(self._op(side, person_id, plan, action="create", external_id=None))
        report.planned.extend(planned)
        if dry_run or not planned:
            return
        self._apply(session, side, planned, report=report)

    def _op(
        self,
        side: Side,
        person_id: str,
        plan: dict[str, Any],
        *,
        action: str,
        external_id: str | None,
    ) -> PlannedWrite:
        payload = side.mapping.to_vendor(
            unflatten(plan).model_dump(mode="json", exclude_defaults=True)
        ).payload
        payload_hash = value_hash(payload)
        target = external_id or f"new:{person_id}"
        key = hashlib.sha256(
            f"{side.connection}|{side.object_type}|{target}|{action}|{payload_hash}".encode()
        ).hexdigest()
        op = WriteOp(
            object_type=side.object_type,
            action=action,
            data=payload,
            idempotency_key=key,
            external_id=external_id,
        )
        return PlannedWrite(person_id, op, tuple(sorted(plan)))

    def _apply(
        self, session: Session, side: Side, planned: Sequence[PlannedWrite], *, report: SyncReport
    ) -> None:
        with session.begin():
            keys = [p.op.idempotency_key for p in planned]
            done = set(
                session.scalars(
                    select(LedgerEntry.idempotency_key).where(
                        LedgerEntry.idempotency_key.in_(keys), LedgerEntry.status == "done"
                    )
                )
            )
            todo = [p for p in planned if p.op.idempotency_key not in done]
            report.add(side, "skipped_as_echo", len(planned) - len(todo))
            for item in todo:
                session.merge(
                    LedgerEntry(
                        idempotency_key=item.op.idempotency_key,
                        connection=side.connection,
                        object_type=side.object_type,
                        external_id=item.op.external_id,
                        person_id=item.person_id,
                        action=item.op.action,
                        payload_hash=value_hash(dict(item.op.data)),
                        status="pending",
                        created_at=self.now(),
                        done_at=None,
                    )
                )
        if not todo:
            return
        results = side.connector.write([p.op for p in todo])
        with session.begin():
            for item, result in zip(todo, results, strict=True):
                entry = session.get(LedgerEntry, item.op.idempotency_key)
                assert entry is not None
                if result.ok:
                    entry.status, entry.done_at, entry.external_id = (
                        "done",
                        self.now(),
                        result.external_id,
                    )
                    report.add(side, "created" if item.op.action == "create" else "updated")
                    if item.op.action == "create" and result.external_id:
                        ref = ExternalRef(
                            connection=side.connection,
                            object_type=side.object_type,
                            external_id=result.external_id,
                        )
                        link_record(session, person_id=item.person_id, ref=ref, now=self.now())
                else:
                    entry.status, entry.error = (
                        ("pending" if result.retryable else "failed"),
                        result.error,
                    )
                    report.add(side, "write_errors")

    def _last_writes(
        self, session: Session, side: Side, external_ids: Sequence[str]
    ) -> dict[str, datetime]:
        """When the hub last finished writing each of these records, from the ledger."""
        rows = session.execute(
            select(LedgerEntry.external_id, func.max(LedgerEntry.done_at))
            .where(
                LedgerEntry.connection == side.connection,
                LedgerEntry.object_type == side.object_type,
                LedgerEntry.external_id.in_(external_ids),
                LedgerEntry.status == "done",
            )
            .group_by(LedgerEntry.external_id)
        )
        return {external_id: done for external_id, done in rows if external_id and done}

    def _links(self, session: Session, side: Side, person_ids: Sequence[str]) -> dict[str, str]:
        rows = session.execute(
            select(Link.person_id, Link.external_id)
            .where(
                Link.person_id.in_(person_ids),
                Link.connection == side.connection,
                Link.object_type == side.object_type,
            )
            .order_by(Link.id)
        )
        links: dict[str, str] = {}
        for person_id, external_id in rows:
            links.setdefault(
                person_id, external_id
            )  # duplicates inside one system: the oldest link
        return links

    def _linked_elsewhere(
        self, session: Session, side: Side, person_ids: Sequence[str]
    ) -> set[str]:
        return set(
            session.scalars(
                select(Link.person_id).where(
                    Link.person_id.in_(person_ids), Link.connection != side.connection
                )
            )
        )


def _contained(payload: Any, record: Any) -> bool:
    """Whether every value of a vendor payload is already in the vendor record."""
    if isinstance(payload, Mapping):
        return isinstance(record, Mapping) and all(
            k in record and _contained(v, record[k]) for k, v in payload.items()
        )
    if isinstance(payload, list):
        return (
            isinstance(record, list)
            and len(payload) == len(record)
            and all(_contained(p, r) for p, r in zip(payload, record, strict=True))
        )
    if payload is None or record is None:
        return payload is record
    return str(payload).strip().lower() == str(record).strip().lower()
