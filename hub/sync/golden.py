"""Golden records in the store: load a person's fields with provenance, save a merge.

Rows are read and written with Core statements, not ORM objects: the sync's batches load
their persons in two queries and write every change of the batch in a few executemany
statements (:class:`GoldenBatch`); one-off callers use :func:`load_golden` and
:func:`save_golden`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple, cast

from sqlalchemy import Result, Select, bindparam, select, update
from sqlalchemy.orm import Session

from hub.store.repo import insert_rows, person_row, table_of, upsert_rows
from hub.store.tables import FieldProvenance, Person, SyncConflict
from hub.sync.fields import MULTI_VALUED, FieldMap
from hub.sync.planner import Conflict, MergeResult, Provenance

__all__ = [
    "GoldenBatch",
    "GoldenRecord",
    "GoldenRow",
    "load_golden",
    "save_golden",
    "write_provenance",
]

_Row = TypeVarTuple("_Row")
_CHUNK = 500  # ids per IN list: well inside every backend's parameter limit


@dataclass
class GoldenRow:
    """The stored columns of a person that a merge reads and writes."""

    id: str
    data: dict[str, Any]
    status: str | None
    version: int
    updated_at: datetime
    erased_at: datetime | None = None


class GoldenRecord:
    """A person's golden fields and their provenance, as stored.

    Args:
        row: The person's columns (updated in place by a save); a stored ``Person`` row
            works too, read-only (saves write through Core and do not touch ORM objects).
        provenance: Field path → who set it (for :func:`load_golden`'s records, read when
            first asked for: callers that only plan writes never need it).
        new: The person is not in the store yet (a :class:`GoldenBatch` inserts it).
    """

    def __init__(
        self,
        row: GoldenRow | Person,
        provenance: dict[str, Provenance] | _ProvenanceOf,
        *,
        new: bool = False,
    ) -> None:
        self.row = row
        self._provenance = provenance
        self.new = new
        self._thawed: tuple[dict[str, Any], FieldMap] | None = None

    @property
    def provenance(self) -> dict[str, Provenance]:
        """Field path → which system set it, through which connection, as of when."""
        if isinstance(self._provenance, _ProvenanceOf):
            self._provenance = self._provenance.of(self.row.id)
        return self._provenance

    @provenance.setter
    def provenance(self, value: dict[str, Provenance]) -> None:
        self._provenance = value

    @property
    def fields(self) -> FieldMap:
        """The golden fields (lists as tuples, as the planner expects); a fresh dict each time."""
        data = self.row.data
        if self._thawed is None or self._thawed[0] is not data:
            self._thawed = (data, _thaw(data))  # a save replaces ``data``, never edits it
        return dict(self._thawed[1])


class _ProvenanceOf:
    """The provenance of one load's persons, read in one go when the first is asked for."""

    def __init__(self, session: Session, person_ids: list[str]) -> None:
        self.session, self.person_ids = session, person_ids
        self.loaded: dict[str, dict[str, Provenance]] | None = None

    def of(self, person_id: str) -> dict[str, Provenance]:
        if self.loaded is None:
            if not self.session.in_transaction():
                # a later transaction could see other provenance than these rows had
                raise RuntimeError("golden provenance is read in the transaction that loaded it")
            self.loaded = _read_provenance(self.session, self.person_ids)
        return self.loaded.get(person_id, {})


def load_golden(session: Session, person_ids: Iterable[str]) -> dict[str, GoldenRecord]:
    """Load several golden records (one query per 500 persons; provenance when first used)."""
    ids = list(set(person_ids))
    rows: dict[str, GoldenRow] = {}
    for start in range(0, len(ids), _CHUNK):
        for pid, data, status, version, updated_at, erased_at in _read(
            session,
            select(
                Person.id,
                Person.data,
                Person.status,
                Person.version,
                Person.updated_at,
                Person.erased_at,
            ).where(Person.id.in_(ids[start : start + _CHUNK])),
        ):
            rows[pid] = GoldenRow(pid, data, status, version, updated_at, erased_at)
    provenance = _ProvenanceOf(session, list(rows))
    return {pid: GoldenRecord(row, provenance) for pid, row in rows.items()}


def _read_provenance(session: Session, ids: list[str]) -> dict[str, dict[str, Provenance]]:
    provenance: dict[str, dict[str, Provenance]] = {pid: {} for pid in ids}
    for start in range(0, len(ids), _CHUNK):
        for pid, path, system, connection, at in _read(
            session,
            select(
                FieldProvenance.person_id,
                FieldProvenance.field,
                FieldProvenance.system,
                FieldProvenance.connection,
                FieldProvenance.at,
            ).where(FieldProvenance.person_id.in_(ids[start : start + _CHUNK])),
        ):
            provenance[pid][path] = Provenance(cast("Any", system), connection, at)
    return provenance


def _read(session: Session, statement: Select[*_Row]) -> Result[*_Row]:
    """Run a column query on the session's connection: plain rows, no ORM loading machinery."""
    if session.autoflush:
        session.flush()  # as Session.execute would: pending ORM changes are visible
    return session.connection().execute(statement)


def save_golden(
    session: Session,
    record: GoldenRecord,
    merged: MergeResult,
    *,
    now: datetime,
    run_id: int | None,
    provenance: list[dict[str, Any]] | None = None,
) -> None:
    """Store a merge: fields, bumped version, provenance of changed fields, conflicts.

    Args:
        session: The batch's session.
        record: The golden record (updated in place; it must be in the store).
        merged: The merge result.
        now: Wall clock.
        run_id: The run, for conflicts.
        provenance: When given, provenance rows are collected here for one
            :func:`write_provenance` per batch instead of written at once.
    """
    rows, conflicts = _fold(record, merged, now=now, run_id=run_id)
    if merged.changed:
        _update_persons(session, [record.row])
    if provenance is None:
        write_provenance(session, rows)
    else:
        provenance.extend(rows)
    insert_rows(session, SyncConflict, conflicts)


class GoldenBatch:
    """The golden records one batch merges into, written out together by :meth:`write`.

    Args:
        session: The batch's session.
        person_ids: Persons of the batch already in the store.
        new: Persons of the batch not in the store yet (inserted by :meth:`write`).
        now: Wall clock (creation and change times).
        run_id: The run, for conflicts.
    """

    def __init__(
        self,
        session: Session,
        person_ids: Iterable[str],
        *,
        new: Iterable[str] = (),
        now: datetime,
        run_id: int | None,
    ) -> None:
        self.session, self.now, self.run_id = session, now, run_id
        fresh = set(new)
        self.records = load_golden(session, set(person_ids) - fresh)
        for pid in fresh:
            self.records[pid] = GoldenRecord(GoldenRow(pid, {}, None, 1, now), {}, new=True)
        self.changed: dict[str, GoldenRecord] = {}
        self.provenance: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []

    def __getitem__(self, person_id: str) -> GoldenRecord:
        return self.records[person_id]

    def save(self, record: GoldenRecord, merged: MergeResult) -> None:
        """Fold a merge into the record in memory (records of one person share it)."""
        rows, conflicts = _fold(record, merged, now=self.now, run_id=self.run_id)
        self.provenance.extend(rows)
        self.conflicts.extend(conflicts)
        if merged.changed:
            self.changed[record.row.id] = record

    def write(self) -> None:
        """Insert the new persons, update the changed ones, then provenance and conflicts."""
        rows = [r.row for r in self.records.values() if r.new]
        insert_rows(
            self.session,
            Person,
            [
                {
                    **person_row(
                        person_id=row.id, now=self.now, data=row.data, version=row.version
                    ),
                    "status": row.status,
                }
                for row in rows
            ],
        )
        _update_persons(self.session, [r.row for r in self.changed.values() if not r.new])
        # a new person has no provenance yet: plain inserts, no conflict to look for
        new = {row.id for row in rows}
        fresh = {(r["person_id"], r["field"]): r for r in self.provenance if r["person_id"] in new}
        insert_rows(self.session, FieldProvenance, list(fresh.values()))
        write_provenance(self.session, [r for r in self.provenance if r["person_id"] not in new])
        insert_rows(self.session, SyncConflict, self.conflicts)
        for record in self.records.values():
            record.new = False
        self.changed, self.provenance, self.conflicts = {}, [], []


def write_provenance(session: Session, rows: list[dict[str, Any]]) -> None:
    """Upsert field provenance rows in one executemany."""
    # the last row of a field wins: a batch may change one person's field twice
    unique = list({(r["person_id"], r["field"]): r for r in rows}.values())
    upsert_rows(
        session,
        FieldProvenance,
        unique,
        keys=["person_id", "field"],
        update_columns=["system", "connection", "at"],
    )


def _fold(
    record: GoldenRecord, merged: MergeResult, *, now: datetime, run_id: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Apply a merge to the record in memory; its provenance and conflict rows."""
    rows: list[dict[str, Any]] = []
    person_id = record.row.id
    if merged.changed:
        record.row.data = _freeze(merged.fields)
        record.row.version += 1
        record.row.updated_at = now
        status = merged.fields.get("relationship_status")
        record.row.status = str(status) if status else None
        for path in merged.changed:
            prov = merged.provenance[path]
            rows.append(
                {
                    "person_id": person_id,
                    "field": path,
                    "system": prov.system,
                    "connection": prov.connection,
                    "at": prov.at,
                }
            )
        record.provenance = dict(merged.provenance)
    conflicts = [
        _conflict_row(c, person_id=person_id, run_id=run_id, now=now) for c in merged.conflicts
    ]
    return rows, conflicts


def _update_persons(session: Session, rows: list[GoldenRow | Person]) -> None:
    if not rows:
        return
    table = table_of(Person)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("person"))
        .values(
            data=bindparam("new_data"),
            version=bindparam("new_version"),
            updated_at=bindparam("new_updated_at"),
            status=bindparam("new_status"),
        ),
        [
            {
                "person": row.id,
                "new_data": row.data,
                "new_version": row.version,
                "new_updated_at": row.updated_at,
                "new_status": row.status,
            }
            for row in rows
        ],
    )
    # ORM copies of these persons in the session (another code path's) are now stale
    for row in rows:
        stale = session.identity_map.get(Session.identity_key(Person, row.id))
        if stale is not None:
            session.expire(stale)


def _conflict_row(
    conflict: Conflict, *, person_id: str, run_id: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "person_id": person_id,
        "field": conflict.field,
        "kept": conflict.kept,
        "rejected": conflict.rejected,
        "reason": conflict.reason,
        "at": now,
    }


def _freeze(fields: Mapping[str, Any]) -> dict[str, Any]:
    """JSON form: list items that are pair tuples become objects again."""
    out: dict[str, Any] = {}
    for path, value in fields.items():
        if path in MULTI_VALUED:
            out[path] = [dict(v) if isinstance(v, tuple) else v for v in value]
        else:
            out[path] = value
    return out


def _thaw(data: Mapping[str, Any]) -> FieldMap:
    out: FieldMap = {}
    for path, value in data.items():
        if path in MULTI_VALUED:
            out[path] = tuple(tuple(sorted(v.items())) if isinstance(v, dict) else v for v in value)
        else:
            out[path] = value
    return out
