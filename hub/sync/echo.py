"""Recognising the hub's own writes when they come back from a vendor, from the write ledger.

A record whose newest change is a write the hub finished (``done``) is an echo. So is one the
hub wrote but crashed before marking done: a ``pending`` entry for that record (or, for a
create, for the person it matched) older than the record's change. Such entries are settled
here, marked ``done`` with the vendor's id, so a crash between a vendor write and its ledger
commit is neither lost nor merged back as somebody else's change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.connector import VendorRecord
from hub.store.tables import LedgerEntry
from hub.sync.pairing import Side

__all__ = ["EchoCheck"]


class EchoCheck:
    """The ledger's view of one batch of records of one side.

    Args:
        session: The batch's session (settled entries commit with the batch).
        side: The side the records come from.
        records: The batch.
        now: When entries are settled.
    """

    def __init__(
        self, session: Session, side: Side, records: Sequence[VendorRecord], *, now: datetime
    ) -> None:
        self.session, self.side, self.now = session, side, now
        ids = [r.external_id for r in records]
        mine = (
            LedgerEntry.connection == side.connection,
            LedgerEntry.object_type == side.object_type,
        )
        self.done: dict[str, datetime] = {
            external_id: done_at
            for external_id, done_at in session.execute(
                select(LedgerEntry.external_id, func.max(LedgerEntry.done_at))
                .where(*mine, LedgerEntry.external_id.in_(ids), LedgerEntry.status == "done")
                .group_by(LedgerEntry.external_id)
            )
            if external_id and done_at
        }
        self.pending: dict[str, list[LedgerEntry]] = {}
        for entry in session.scalars(
            select(LedgerEntry).where(
                *mine, LedgerEntry.external_id.in_(ids), LedgerEntry.status == "pending"
            )
        ):
            self.pending.setdefault(entry.external_id or "", []).append(entry)
        self.creates: dict[str, list[LedgerEntry]] | None = None

    def is_echo(self, record: VendorRecord) -> bool:
        """Whether the record's newest change is the hub's own write (settling it if pending)."""
        done_at = self.done.get(record.external_id)
        if done_at is not None and record.updated_at <= done_at:
            return True
        entries = [
            e for e in self.pending.get(record.external_id, []) if e.created_at <= record.updated_at
        ]
        self._settle(entries, record.external_id)
        return bool(entries)

    def claim_create(self, person_id: str, record: VendorRecord) -> bool:
        """Whether ``record`` is a create the hub made for ``person_id`` but never recorded.

        That happens when the hub crashed between the create and its ledger commit; the
        entry is settled with the record's id.
        """
        if self.creates is None:
            self.creates = self._pending_creates()
        entries = [
            e
            for e in self.creates.get(person_id, [])
            # settled already in this batch (by an earlier record of the same person)
            if e.status == "pending" and e.created_at <= record.updated_at
        ]
        self._settle(entries, record.external_id)
        return bool(entries)

    def _pending_creates(self) -> dict[str, list[LedgerEntry]]:
        """The side's unsettled creates by person, read once per batch when first needed.

        A create is written to the ledger without an external id and gets one only when
        settled, so ``external_id IS NULL`` selects exactly the unsettled ones, through the
        ledger's (connection, object type, external id) index.
        """
        creates: dict[str, list[LedgerEntry]] = {}
        for entry in self.session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.connection == self.side.connection,
                LedgerEntry.object_type == self.side.object_type,
                LedgerEntry.external_id.is_(None),
                LedgerEntry.action == "create",
                LedgerEntry.status == "pending",
            )
        ):
            creates.setdefault(entry.person_id, []).append(entry)
        return creates

    def _settle(self, entries: list[LedgerEntry], external_id: str) -> None:
        for entry in entries:
            entry.status, entry.done_at, entry.external_id = "done", self.now, external_id
