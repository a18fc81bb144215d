"""Outbound writes: plan what each side lacks, then write it through the ledger.

An entry is committed to the write ledger as ``pending`` before the vendor call and marked
``done`` (with the vendor's id) after it, so a rerun after a crash neither loses nor repeats a
finished write.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from itertools import islice
from typing import Any, Literal, cast

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from hub.connector import VendorRecord, WriteOp, WriteResult
from hub.dedup.normalise.email import WEAK_MARK, normalise_email
from hub.failpoints import failpoint
from hub.models import ExternalRef
from hub.store.repo import link_records, table_of, upsert_rows
from hub.store.tables import LedgerEntry, Link
from hub.sync.events import emit_sync_failed, person_refs
from hub.sync.fields import FieldMap, flatten, unflatten, value_hash
from hub.sync.golden import load_golden
from hub.sync.pairing import Side
from hub.sync.planner import PolicySet, plan_outbound
from hub.sync.report import PlannedWrite, SyncReport

__all__ = ["OutboundWriter", "transaction"]

log = logging.getLogger(__name__)
System = Literal["crm", "ats"]


def transaction(session: Session, dry_run: bool) -> AbstractContextManager[Any]:
    """A transaction per step; a dry run keeps everything in its one outer transaction."""
    return nullcontext() if dry_run else session.begin()


class OutboundWriter:
    """Writes golden values to the systems that lack them.

    Args:
        policies: The pair's field policies.
        now: Wall clock.
        batch_size: Persons per fetch-plan-write round.
    """

    def __init__(
        self,
        *,
        policies: PolicySet,
        now: Callable[[], datetime],
        batch_size: int,
        connectors: Mapping[str, str],
        person_fields: Sequence[str] = (),
    ) -> None:
        self.connectors = connectors
        self.person_fields = person_fields
        self.policies = policies
        self.now = now
        self.batch_size = batch_size

    def write_out(
        self,
        session: Session,
        sides: Sequence[Side],
        person_ids: Iterable[str],
        *,
        report: SyncReport,
        dry_run: bool,
    ) -> None:
        """Plan and make the writes that bring each side up to the golden records.

        ``person_ids`` is consumed a batch at a time (it may be a lazy read of the store).
        """
        ids = iter(person_ids)
        while chunk := list(islice(ids, self.batch_size)):
            for side in sides:
                self._write_side(session, side, chunk, report=report, dry_run=dry_run)

    def _write_side(
        self,
        session: Session,
        side: Side,
        person_ids: Sequence[str],
        *,
        report: SyncReport,
        dry_run: bool,
    ) -> None:
        with transaction(session, dry_run):
            golden = load_golden(session, person_ids)
            links, siblings = self._links(session, side, person_ids)
            others = self._linked_elsewhere(session, side, person_ids)
        wanted = set(links.values()) | {i for ids in siblings.values() for i in ids}
        current = (
            {r.external_id: r for r in side.connector.fetch(side.object_type, sorted(wanted))}
            if wanted
            else {}
        )
        planned: list[PlannedWrite] = []
        for person_id in person_ids:
            if golden[person_id].row.erased_at is not None:
                continue  # never write an erased person anywhere
            fields = golden[person_id].fields
            external_id = links.get(person_id)
            if person_id in siblings:
                fields = _without_siblings_emails(
                    fields, [current.get(i) for i in siblings[person_id]], side
                )
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
                    item = self._op(side, person_id, plan, action="update", external_id=external_id)
                    if record is not None and _contained(item.op.data, record.data):
                        # the planner saw a difference the vendor's form cannot express
                        report.add(side, "in_sync")
                    else:
                        planned.append(item)
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
        if dry_run:
            # the plan is what a dry run shows; a real run keeps no payloads beyond their batch
            report.planned.extend(planned)
            return
        if not planned:
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
            # one upsert for the batch: an earlier unfinished try of a key starts over
            upsert_rows(
                session,
                LedgerEntry,
                [self._pending_row(side, item) for item in todo],
                keys=["idempotency_key"],
                update_columns=_RESTART,
            )
        if not todo:
            return
        results = side.connector.write([p.op for p in todo])
        failpoint("sync.after_vendor_write")
        with session.begin():
            self._settle(session, side, todo, results, report=report)

    def _pending_row(self, side: Side, item: PlannedWrite) -> dict[str, Any]:
        return {
            "idempotency_key": item.op.idempotency_key,
            "connection": side.connection,
            "object_type": side.object_type,
            "external_id": item.op.external_id,
            "person_id": item.person_id,
            "action": item.op.action,
            "payload_hash": value_hash(dict(item.op.data)),
            "status": "pending",
            "error": None,
            "created_at": self.now(),
            "done_at": None,
        }

    def _settle(
        self,
        session: Session,
        side: Side,
        todo: Sequence[PlannedWrite],
        results: Sequence[WriteResult],
        *,
        report: SyncReport,
    ) -> None:
        """Mark the batch's entries done (or failed) and link what was created."""
        done: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        created: list[tuple[str, ExternalRef]] = []
        for item, result in zip(todo, results, strict=True):
            key = item.op.idempotency_key
            if result.ok:
                done.append({"key": key, "ext": result.external_id, "at": self.now()})
                report.add(side, "created" if item.op.action == "create" else "updated")
                if item.op.action == "create" and result.external_id:
                    ref = ExternalRef(
                        connection=side.connection,
                        object_type=side.object_type,
                        external_id=result.external_id,
                    )
                    created.append((item.person_id, ref))
                continue
            # "retry", not "pending": pending means "maybe written" to the echo check
            status = "retry" if result.retryable else "failed"
            failed.append({"key": key, "new_status": status, "err": result.error})
            report.add(side, "write_errors")
            if not result.retryable:
                refs = person_refs(
                    session, item.person_id, connectors=self.connectors, fields=self.person_fields
                )
                emit_sync_failed(
                    session,
                    connection=side.connection,
                    object_type=side.object_type,
                    external_id=item.op.external_id,
                    error=result.error or "refused",
                    person=refs,
                    now=self.now(),
                )
        ledger = table_of(LedgerEntry)
        by_key = ledger.c.idempotency_key == bindparam("key")
        if done:
            session.execute(
                update(ledger)
                .where(by_key)
                .values(status="done", done_at=bindparam("at"), external_id=bindparam("ext")),
                done,
            )
        if failed:
            session.execute(
                update(ledger)
                .where(by_key)
                .values(status=bindparam("new_status"), error=bindparam("err")),
                failed,
            )
        _expire(session, [item.op.idempotency_key for item in todo])
        link_records(session, created, now=self.now())

    def _links(
        self, session: Session, side: Side, person_ids: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Each person's oldest record on the side, and its other records there (duplicates)."""
        # By person only, then filtered here: with the side in the WHERE clause SQLite picks
        # the (connection, object type, external id) index and scans the whole side per call.
        rows = session.execute(
            select(Link.person_id, Link.external_id, Link.connection, Link.object_type)
            .where(Link.person_id.in_(person_ids))
            .order_by(Link.id)
        )
        links: dict[str, str] = {}
        siblings: dict[str, list[str]] = {}
        for person_id, external_id, connection, object_type in rows:
            if connection == side.connection and object_type == side.object_type:
                if person_id in links:  # duplicates in one system: the oldest is written
                    siblings.setdefault(person_id, []).append(external_id)
                else:
                    links[person_id] = external_id
        return links, siblings

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


# what a new try of an unfinished entry overwrites (its last error stays until it settles)
_RESTART = (
    "connection",
    "object_type",
    "external_id",
    "person_id",
    "action",
    "payload_hash",
    "status",
    "created_at",
    "done_at",
)


def _expire(session: Session, keys: Sequence[str]) -> None:
    """Expire ORM copies of ledger entries written through Core (the echo check's)."""
    for key in keys:
        stale = session.identity_map.get(Session.identity_key(LedgerEntry, key))
        if stale is not None:
            session.expire(stale)


def _without_siblings_emails(
    fields: FieldMap, records: Sequence[VendorRecord | None], side: Side
) -> FieldMap:
    """The golden fields less the emails of the person's other records in the same system.

    A person may hold two records of one system (duplicates the hub linked). Each keeps its own
    addresses: a vendor such as HubSpot refuses an address another of its records holds, and
    moving addresses between duplicates is a merge, which only an approval asks for.
    """
    theirs: set[str] = set()
    for record in records:
        seen = side.mapping.to_canonical(record.data).value if record is not None else None
        if seen is not None:
            theirs |= {_address(e.address) for e in seen.emails}
    emails = fields.get("emails")
    if not theirs or not emails:
        return fields
    kept = tuple(e for e in emails if _address(dict(e).get("address", "")) not in theirs)
    return {**fields, "emails": kept}


def _address(address: Any) -> str:
    folded = normalise_email(str(address))
    return folded[0].removeprefix(WEAK_MARK) if folded else str(address).strip().casefold()


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
    if isinstance(payload, bool):  # vendors spell booleans "true"/"false"
        return str(payload).lower() == str(record).strip().lower()
    # case counts: a recruiter's "CTO" for "cto" is an edit to pass on
    return str(payload).strip() == str(record).strip()
