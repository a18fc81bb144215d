"""Reversible hub merges: fold one person into another, and split them apart again.

A merge moves the absorbed person's links and identity keys to the survivor, unions the
multi-valued fields (emails, phones, links, tags), lets the strictest consent win and fills the
survivor's empty fields from the absorbed person; the survivor's own values are kept otherwise.
Both persons are snapshotted first (golden data, links, keys, provenance), and the absorbed row
stays in the store, so :func:`split_merge` can put back exactly what was there. Vendor records
are never merged from here: a vendor merge cannot be undone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from hub.persons.errors import MergeError, MergeNotFoundError, PersonNotFoundError
from hub.store.dedup_tables import PersonMerge
from hub.store.tables import FieldProvenance, Link, Person, PersonKey
from hub.sync.events import person_refs
from hub.sync.fields import MULTI_VALUED, is_empty
from hub.sync.golden import write_provenance
from hub.sync.planner import FieldPolicy, PolicySet, Provenance, merge_inbound
from hub.webhooks.events import PersonMerged, WebhookEvent
from hub.webhooks.outbox import emit_event, new_event_id

__all__ = [
    "MergeOutcome",
    "forget_merged_data",
    "SplitOutcome",
    "absorbed_ids",
    "current_person_id",
    "list_merges",
    "merge_persons",
    "split_merge",
]

# Stands in for "no provenance": older than anything, so a field without it never looks newer.
_UNKNOWN = Provenance("crm", "", datetime(1970, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class MergeOutcome:
    """A merge that was made: its record and what moved."""

    merge: PersonMerge
    links_moved: int
    fields_changed: tuple[str, ...]


@dataclass(frozen=True)
class SplitOutcome:
    """A merge that was undone: its record, links put back and links that no longer exist."""

    merge: PersonMerge
    links_restored: int
    links_missing: int


def absorbed_ids(session: Session, person_ids: Sequence[str] | None = None) -> set[str]:
    """Persons absorbed by a merge that is not split (of ``person_ids``, or all when ``None``)."""
    query = select(PersonMerge.absorbed_id).where(PersonMerge.split_at.is_(None))
    if person_ids is not None:
        query = query.where(PersonMerge.absorbed_id.in_(list(person_ids)))
    return set(session.scalars(query))


def current_person_id(session: Session, person_id: str) -> str:
    """The person ``person_id`` lives on as: itself, or the survivor of its un-split merges."""
    seen = {person_id}
    while True:
        survivor = session.scalar(
            select(PersonMerge.survivor_id).where(
                PersonMerge.absorbed_id == person_id, PersonMerge.split_at.is_(None)
            )
        )
        if survivor is None or survivor in seen:
            return person_id
        seen.add(survivor)
        person_id = survivor


def list_merges(
    session: Session, *, limit: int = 50, offset: int = 0, person_id: str | None = None
) -> tuple[list[PersonMerge], int]:
    """Merges, newest first, optionally of one person; and how many there are in all."""
    query = select(PersonMerge)
    if person_id is not None:
        query = query.where(
            or_(PersonMerge.survivor_id == person_id, PersonMerge.absorbed_id == person_id)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(PersonMerge.created_at.desc(), PersonMerge.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def merge_persons(
    session: Session,
    survivor_id: str,
    absorbed_id: str,
    *,
    reason: str,
    now: datetime,
    review_id: int | None = None,
    connectors: Mapping[str, str] | None = None,
) -> MergeOutcome:
    """Merge ``absorbed_id`` into ``survivor_id`` (caller's transaction); emits ``person.merged``.

    Args:
        session: The store session (the caller commits).
        survivor_id: The person that remains.
        absorbed_id: The person folded into it (its row is kept, for a split).
        reason: Why (``review 12 approved by ana``, ``admin``); shown in the merge history.
        now: Wall clock.
        review_id: The review pair that asked for the merge, if any.
        connectors: Connection name → connector name, to name vendor records in the event.

    Raises:
        PersonNotFoundError: Either person does not exist.
        MergeError: The same person twice, an erased person, or one already absorbed.
    """
    survivor, absorbed = _lock_pair(session, survivor_id, absorbed_id)
    absorbed_refs = person_refs(session, absorbed_id, connectors=connectors or {})
    snapshot = {"survivor": _snapshot(session, survivor), "absorbed": _snapshot(session, absorbed)}
    changed = _merge_fields(session, survivor, absorbed, now=now)
    links_moved = _rowcount(
        session.execute(
            update(Link).where(Link.person_id == absorbed_id).values(person_id=survivor_id)
        )
    )
    _move_keys(session, absorbed_id, survivor_id)
    if not changed:
        survivor.version += 1  # its links changed, so receivers must see a newer version
        survivor.updated_at = now
    merge = PersonMerge(
        survivor_id=survivor_id,
        absorbed_id=absorbed_id,
        reason=reason,
        review_id=review_id,
        snapshot=snapshot,
        created_at=now,
    )
    session.add(merge)
    session.flush()
    event = WebhookEvent(
        id=new_event_id(now),
        type="person.merged",
        occurred_at=now,
        person_version=survivor.version,
        data=PersonMerged(
            person=person_refs(session, survivor_id, connectors=connectors or {}),
            merged=(absorbed_refs,),
        ),
    )
    emit_event(session, event, now=now)
    return MergeOutcome(merge, links_moved, changed)


def split_merge(session: Session, merge_id: int, now: datetime) -> SplitOutcome:
    """Undo a merge in the caller's transaction: both persons, links, keys and provenance.

    Both golden records go back to their snapshot (with a newer version, so receivers take
    them); every vendor record the absorbed person had is linked to it again, and links the
    survivor gained after the merge stay with the survivor. A link whose vendor record was
    deleted since is not recreated (counted in ``links_missing``). Values the sync brought
    into the survivor after the merge go too; a full sync (``hub sync --full``) reads them
    again.

    Raises:
        MergeNotFoundError: No such merge.
        MergeError: Already split, or a later merge of either person must be split first.
    """
    merge = session.get(PersonMerge, merge_id)
    if merge is None:
        raise MergeNotFoundError(f"no merge {merge_id}")
    if merge.split_at is not None:
        raise MergeError(f"merge {merge_id} was already split")
    if "survivor" not in merge.snapshot:
        raise MergeError(f"merge {merge_id} cannot be split: a person of it was erased")
    ids = (merge.survivor_id, merge.absorbed_id)
    later = session.scalar(
        select(func.max(PersonMerge.id)).where(
            PersonMerge.id > merge_id,
            PersonMerge.split_at.is_(None),
            or_(PersonMerge.survivor_id.in_(ids), PersonMerge.absorbed_id.in_(ids)),
        )
    )
    if later is not None:
        raise MergeError(f"merge {later} involves the same persons and is newer: split it first")
    survivor, absorbed = _lock_pair(session, *ids, check_absorbed=False)
    snap_s, snap_a = merge.snapshot["survivor"], merge.snapshot["absorbed"]
    for row, snap in ((survivor, snap_s), (absorbed, snap_a)):
        row.data, row.status = dict(snap["data"]), snap["status"]
        row.version += 1
        row.updated_at = now
    restored, missing = _restore_links(session, merge)
    _restore_keys(session, merge, snap_s["keys"], snap_a["keys"])
    session.execute(delete(FieldProvenance).where(FieldProvenance.person_id.in_(ids)))
    write_provenance(
        session,
        [
            {**p, "person_id": pid, "at": datetime.fromisoformat(p["at"])}
            for pid, snap in ((merge.survivor_id, snap_s), (merge.absorbed_id, snap_a))
            for p in snap["provenance"]
        ],
    )
    merge.split_at = now
    session.flush()
    return SplitOutcome(merge, restored, missing)


def forget_merged_data(session: Session, person_id: str, *, now: datetime) -> int:
    """On an erasure: drop the personal data merges keep of this person. Call it in its transaction.

    Snapshots hold copies of both persons of a merge, and an absorbed person's row keeps its
    golden record for a split: all of it is the same human's data once merged. Snapshots of
    every merge involving the person are emptied, and persons it absorbed (directly or
    through earlier merges) are erased too. The merges stay in the history; none of them can
    be split any more (a split refuses an erased person).

    Args:
        session: The erasure's session.
        person_id: The person being erased.
        now: Wall clock.

    Returns:
        How many merges had a snapshot emptied.
    """
    involved = {person_id}
    todo = [person_id]
    while todo:  # the persons merged into this one, and into those
        absorbed = session.scalars(
            select(PersonMerge.absorbed_id).where(
                PersonMerge.survivor_id == todo.pop(), PersonMerge.split_at.is_(None)
            )
        )
        for pid in absorbed:
            if pid not in involved:
                involved.add(pid)
                todo.append(pid)
    merges = session.scalars(
        select(PersonMerge).where(
            or_(PersonMerge.survivor_id.in_(involved), PersonMerge.absorbed_id.in_(involved))
        )
    ).all()
    for merge in merges:
        merge.snapshot = {"erased": True}
    for row in session.scalars(select(Person).where(Person.id.in_(involved - {person_id}))):
        if row.erased_at is None:
            row.data, row.status, row.erased_at = {}, "erased", now
            row.version += 1
    others = sorted(involved - {person_id})
    session.execute(delete(PersonKey).where(PersonKey.person_id.in_(others)))
    session.execute(delete(FieldProvenance).where(FieldProvenance.person_id.in_(others)))
    session.flush()
    return len(merges)


def _restore_links(session: Session, merge: PersonMerge) -> tuple[int, int]:
    """Point each snapshot link at its person again: (absorbed links restored, links gone)."""
    restored = missing = 0
    for side, person_id in (("survivor", merge.survivor_id), ("absorbed", merge.absorbed_id)):
        for ref in merge.snapshot[side]["links"]:
            moved = _rowcount(
                session.execute(
                    update(Link)
                    .where(
                        Link.connection == ref["connection"],
                        Link.object_type == ref["object_type"],
                        Link.external_id == ref["external_id"],
                    )
                    .values(person_id=person_id)
                )
            )
            restored += moved if side == "absorbed" else 0
            missing += 0 if moved else 1
    return restored, missing


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _lock_pair(
    session: Session, survivor_id: str, absorbed_id: str, *, check_absorbed: bool = True
) -> tuple[Person, Person]:
    if survivor_id == absorbed_id:
        raise MergeError(f"cannot merge person {survivor_id} into itself")
    # row locks on PostgreSQL: two decisions about one person must not interleave
    rows = {
        p.id: p
        for p in session.scalars(
            select(Person).where(Person.id.in_([survivor_id, absorbed_id])).with_for_update()
        )
    }
    for person_id in (survivor_id, absorbed_id):
        if person_id not in rows:
            raise PersonNotFoundError(f"no person {person_id}")
        if rows[person_id].erased_at is not None:
            raise MergeError(f"person {person_id} is erased")
    if check_absorbed:
        gone = absorbed_ids(session, [survivor_id, absorbed_id])
        if gone:
            raise MergeError(f"person {sorted(gone)[0]} is already merged into another person")
    return rows[survivor_id], rows[absorbed_id]


def _snapshot(session: Session, person: Person) -> dict[str, Any]:
    links = session.execute(
        select(Link.connection, Link.object_type, Link.external_id)
        .where(Link.person_id == person.id)
        .order_by(Link.id)
    )
    keys = session.scalars(select(PersonKey.key).where(PersonKey.person_id == person.id))
    provenance = session.scalars(
        select(FieldProvenance).where(FieldProvenance.person_id == person.id)
    )
    return {
        "data": dict(person.data),
        "status": person.status,
        "version": person.version,
        "links": [{"connection": c, "object_type": t, "external_id": e} for c, t, e in links],
        "keys": sorted(keys),
        "provenance": [
            {
                "field": p.field,
                "system": p.system,
                "connection": p.connection,
                "at": p.at.isoformat(),
            }
            for p in provenance
        ],
    }


def _merge_fields(
    session: Session, survivor: Person, absorbed: Person, *, now: datetime
) -> tuple[str, ...]:
    """Fold the absorbed golden fields into the survivor's; returns the changed paths.

    The sync's own merge decides each field (so lists and consent behave as in a sync):
    lists are unioned, consent takes the strictest value, and other fields only fill gaps.
    Each field is merged as of the absorbed person's provenance of it, which it keeps.
    """
    fields, provenance = _thaw(survivor.data), _provenance(session, survivor.id)
    absorbed_provenance = _provenance(session, absorbed.id)
    changed: list[str] = []
    newer: set[str] = set()  # fields whose provenance becomes the absorbed person's
    for path, value in _thaw(absorbed.data).items():
        if is_empty(value):
            continue
        source = absorbed_provenance.get(path)
        result = merge_inbound(
            golden=fields,
            provenance=provenance,
            incoming={path: value},
            source=source or _UNKNOWN,
            policies=_policy(path),
        )
        if result.changed:
            fields = dict(result.fields)
            changed.append(path)
            old = provenance.get(path)
            if source is not None and (old is None or old.at < source.at):
                provenance[path] = source
                newer.add(path)
    if not changed:
        return ()
    row = survivor
    row.data = _json_fields(fields)
    row.version += 1
    row.updated_at = now
    status = fields.get("relationship_status")
    row.status = str(status) if status else None
    write_provenance(
        session,
        [
            {
                "person_id": row.id,
                "field": path,
                "system": provenance[path].system,
                "connection": provenance[path].connection,
                "at": provenance[path].at,
            }
            for path in newer
        ],
    )
    return tuple(changed)


def _policy(path: str) -> PolicySet:
    if path in MULTI_VALUED:
        return PolicySet({path: FieldPolicy("union")})
    if path.startswith("consent."):
        return PolicySet({path: FieldPolicy("strictest")})
    return PolicySet({path: FieldPolicy("fill_if_empty")})


def _provenance(session: Session, person_id: str) -> dict[str, Provenance]:
    rows = session.scalars(select(FieldProvenance).where(FieldProvenance.person_id == person_id))
    return {p.field: Provenance(cast("Any", p.system), p.connection, p.at) for p in rows}


def _thaw(data: Mapping[str, Any]) -> dict[str, Any]:
    # the planner's form: list items that are objects become sorted pair tuples (hashable)
    return {
        path: tuple(tuple(sorted(v.items())) if isinstance(v, dict) else v for v in value)
        if path in MULTI_VALUED and isinstance(value, list)
        else value
        for path, value in data.items()
    }


def _json_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    # the stored form: list items that are pair tuples become objects again (as golden does)
    return {
        path: [dict(v) if isinstance(v, tuple) else v for v in value]
        if path in MULTI_VALUED
        else value
        for path, value in fields.items()
    }


def _move_keys(session: Session, absorbed_id: str, survivor_id: str) -> None:
    have = set(session.scalars(select(PersonKey.key).where(PersonKey.person_id == survivor_id)))
    moving = set(session.scalars(select(PersonKey.key).where(PersonKey.person_id == absorbed_id)))
    session.execute(delete(PersonKey).where(PersonKey.person_id == absorbed_id))
    session.add_all(PersonKey(key=k, person_id=survivor_id) for k in sorted(moving - have))
    session.flush()


def _restore_keys(
    session: Session, merge: PersonMerge, survivor_keys: list[str], absorbed_keys: list[str]
) -> None:
    """The absorbed person gets its keys back; the survivor loses only keys it got from it."""
    lent = set(absorbed_keys) - set(survivor_keys)
    session.execute(
        delete(PersonKey).where(
            PersonKey.person_id == merge.survivor_id, PersonKey.key.in_(sorted(lent))
        )
    )
    session.execute(delete(PersonKey).where(PersonKey.person_id == merge.absorbed_id))
    session.add_all(PersonKey(key=k, person_id=merge.absorbed_id) for k in absorbed_keys)
    session.flush()
