"""Golden records in the store: load a person's fields with provenance, save a merge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.store.tables import FieldProvenance, Person, SyncConflict
from hub.sync.fields import MULTI_VALUED, FieldMap
from hub.sync.planner import Conflict, MergeResult, Provenance

__all__ = ["GoldenRecord", "load_golden", "save_golden", "write_provenance"]


class GoldenRecord:
    """A person's golden fields and their provenance, as stored."""

    def __init__(self, row: Person, provenance: dict[str, Provenance]) -> None:
        self.row = row
        self.provenance = provenance

    @property
    def fields(self) -> FieldMap:
        """The golden fields (lists as tuples, as the planner expects)."""
        return _thaw(self.row.data)


def load_golden(session: Session, person_ids: Iterable[str]) -> dict[str, GoldenRecord]:
    """Load several golden records with their provenance in two queries."""
    ids = list(set(person_ids))
    rows = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    provenance: dict[str, dict[str, Provenance]] = {pid: {} for pid in rows}
    for prov in session.scalars(select(FieldProvenance).where(FieldProvenance.person_id.in_(ids))):
        system = cast("Any", prov.system)
        provenance[prov.person_id][prov.field] = Provenance(system, prov.connection, prov.at)
    return {pid: GoldenRecord(row, provenance[pid]) for pid, row in rows.items()}


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
        record: The golden record (updated in place).
        merged: The merge result.
        now: Wall clock.
        run_id: The run, for conflicts.
        provenance: When given, provenance rows are collected here for one
            :func:`write_provenance` per batch instead of written at once.
    """
    if merged.changed:
        record.row.data = _freeze(merged.fields)
        record.row.version += 1
        record.row.updated_at = now
        status = merged.fields.get("relationship_status")
        record.row.status = str(status) if status else None
        rows = [
            {
                "person_id": record.row.id,
                "field": path,
                "system": merged.provenance[path].system,
                "connection": merged.provenance[path].connection,
                "at": merged.provenance[path].at,
            }
            for path in merged.changed
        ]
        if provenance is None:
            write_provenance(session, rows)
        else:
            provenance.extend(rows)
        record.provenance = dict(merged.provenance)
    for conflict in merged.conflicts:
        session.add(_conflict_row(conflict, person_id=record.row.id, run_id=run_id, now=now))


def write_provenance(session: Session, rows: list[dict[str, Any]]) -> None:
    """Upsert field provenance rows in one statement."""
    if not rows:
        return
    # the last row of a field wins: a batch may change one person's field twice
    unique = list({(r["person_id"], r["field"]): r for r in rows}.values())
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(FieldProvenance).values(unique)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["person_id", "field"],
            set_={
                "system": statement.excluded.system,
                "connection": statement.excluded.connection,
                "at": statement.excluded.at,
            },
        )
    )


def _conflict_row(
    conflict: Conflict, *, person_id: str, run_id: int | None, now: datetime
) -> SyncConflict:
    return SyncConflict(
        run_id=run_id,
        person_id=person_id,
        field=conflict.field,
        kept=conflict.kept,
        rejected=conflict.rejected,
        reason=conflict.reason,
        at=now,
    )


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
