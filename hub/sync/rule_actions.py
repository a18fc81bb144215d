"""Executing the vendor actions of fired rules, through the write ledger.

The decisions of a batch leave their vendor actions ``pending`` (see
:mod:`hub.sync.transitions`). After the run's ordinary writes, :class:`RuleActionRunner` turns
each person's pending actions into as few vendor writes as possible (one CRM update, with a
clearing write first where HubSpot needs one; one ATS update; a prospect create; notes), writes
them through the ledger like any other write, and marks each action ``done``, ``failed`` or
``skipped`` with the reason. A crash between a vendor write and its ledger commit leaves the
actions pending: setting properties and tags again is harmless, and a prospect is never created
twice because the rerun first links the created candidate (see :class:`hub.sync.echo.EchoCheck`)
and then skips the create.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.connector import WriteOp, WriteResult
from hub.failpoints import failpoint
from hub.models import ExternalRef
from hub.rules import (
    Action,
    AddNote,
    ChangeTags,
    CreateProspect,
    Nurture,
    SetAtsFields,
    SetCrmProperties,
)
from hub.rules.properties import is_backward_lifecycle_move
from hub.store.repo import link_record
from hub.store.rule_tables import RecordState, RuleAction
from hub.store.tables import LedgerEntry, Link, Person
from hub.sync.catalogue import Catalogue
from hub.sync.fields import unflatten, value_hash
from hub.sync.pairing import Side
from hub.sync.report import SyncReport

__all__ = ["RuleActionRunner"]

log = logging.getLogger(__name__)
_ACTION: TypeAdapter[Action] = TypeAdapter(Action)
Status = Literal["done", "failed", "skipped", "retry"]


@dataclass
class _Write:
    """One vendor write for one person, carrying the rule actions it executes."""

    side: Side
    person_id: str
    op: WriteOp
    actions: list[RuleAction]
    on_done: Callable[[Session, WriteResult], None] | None = None


@dataclass
class _Plan:
    """One person's pending actions, as vendor writes in order, plus what needs no write."""

    creates: list[_Write] = field(default_factory=list)
    ats: list[_Write] = field(default_factory=list)
    crm_clear: list[_Write] = field(default_factory=list)
    crm: list[_Write] = field(default_factory=list)
    settled: list[tuple[RuleAction, Status, str]] = field(default_factory=list)


class RuleActionRunner:
    """Executes pending rule actions of one pair.

    Args:
        crm: The CRM side (contacts).
        ats: The ATS side (candidates).
        now: Wall clock.
        catalogue: The ATS catalogue (jobs and prospect pools by name), read when first needed.
        batch_size: Actions handled per round.
    """

    def __init__(
        self,
        *,
        crm: Side,
        ats: Side,
        now: Callable[[], datetime],
        catalogue: Callable[[], Catalogue],
        batch_size: int = 200,
    ) -> None:
        self.crm, self.ats, self.now = crm, ats, now
        self.catalogue = catalogue
        self.batch_size = batch_size

    def execute(self, session: Session, *, report: SyncReport) -> set[str]:
        """Execute every pending action; return the persons whose golden record changed."""
        dirty: set[str] = set()
        after = 0
        while True:
            with session.begin():
                rows = list(
                    session.scalars(
                        select(RuleAction)
                        .where(RuleAction.status.in_(("pending", "retry")), RuleAction.id > after)
                        .order_by(RuleAction.id)
                        .limit(self.batch_size)
                    )
                )
                if not rows:
                    return dirty
                after = rows[-1].id
                plans = self._plan(session, rows)
            self._run(session, plans, report=report, dirty=dirty)

    # ------------------------------------------------------------------ planning

    def _plan(self, session: Session, rows: Sequence[RuleAction]) -> list[_Plan]:
        by_person: dict[str, list[RuleAction]] = {}
        for entry in rows:
            by_person.setdefault(entry.person_id, []).append(entry)
        persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(by_person)))}
        links = _links(session, list(by_person), [self.crm, self.ats])
        plans = []
        for person_id, actions in by_person.items():
            row = persons.get(person_id)
            if row is None or row.erased_at is not None:
                plan = _Plan(settled=[(a, "skipped", "person erased") for a in actions])
            else:
                plan = self._person_plan(
                    row,
                    actions,
                    crm_id=links.get((person_id, self.crm.connection)),
                    ats_id=links.get((person_id, self.ats.connection)),
                )
            plans.append(plan)
        return plans

    def _person_plan(
        self,
        row: Person,
        actions: Sequence[RuleAction],
        *,
        crm_id: str | None,
        ats_id: str | None,
    ) -> _Plan:
        plan = _Plan()
        clear: dict[str, str] = {}
        props: dict[str, str] = {}
        crm_rows: list[RuleAction] = []
        ats_changes: dict[str, Any] = {}
        ats_rows: list[RuleAction] = []
        tags = list(row.data.get("tags") or [])
        tags_before = list(tags)
        creating: _Write | None = None
        for entry in actions:
            action = _ACTION.validate_python(entry.spec)
            if isinstance(action, SetCrmProperties):
                values = {k: _crm_text(v) for k, v in action.properties.items()}
                if action.clear_first:
                    clear.update(dict.fromkeys(values, ""))
                props.update(values)
                crm_rows.append(entry)
            elif isinstance(action, Nurture):
                if action.list_:
                    if crm_id is None:
                        plan.settled.append((entry, "skipped", "no CRM contact linked"))
                    else:
                        add = action.kind == "enrol_nurture"
                        plan.crm.append(self._list_write(row.id, crm_id, action.list_, add, entry))
                    continue
                assert action.property is not None
                props[action.property] = "true" if action.kind == "enrol_nurture" else "false"
                crm_rows.append(entry)
            elif isinstance(action, ChangeTags):
                tags = _changed_tags(tags, action)
                (crm_rows if action.system == "crm" else ats_rows).append(entry)
                if action.system == "ats":
                    key = "add" if action.kind == "add_tags" else "remove"
                    ats_changes.setdefault(key, {}).setdefault("tags", []).extend(action.tags)
            elif isinstance(action, SetAtsFields):
                ats_changes.setdefault("custom_fields", {}).update(action.fields)
                ats_rows.append(entry)
            elif isinstance(action, CreateProspect):
                if ats_id is not None or creating is not None:
                    plan.settled.append((entry, "skipped", "already in the ATS"))
                    continue
                creating = self._prospect(row, action, entry)
                if creating is None:
                    continue
                plan.creates.append(creating)
            elif isinstance(action, AddNote):
                note = self._note(row, action, entry, candidate=ats_id, creating=creating)
                if note is None:
                    plan.settled.append((entry, "skipped", "no ATS candidate linked"))
                else:
                    plan.ats.append(note)
            else:
                plan.settled.append((entry, "skipped", f"not a vendor action: {action.kind}"))
        if tags != tags_before:
            row.data = {**row.data, "tags": tags}
            row.version += 1
            row.updated_at = self.now()
        if crm_rows:
            if crm_id is None:
                plan.settled += [(a, "skipped", "no CRM contact linked") for a in crm_rows]
            else:
                if tags != tags_before and any(a.kind.endswith("_tags") for a in crm_rows):
                    props.update(self._crm_tag_properties(tags))
                if clear:
                    plan.crm_clear.append(self._crm_write(row.id, crm_id, clear, [], step=1))
                plan.crm.append(self._crm_write(row.id, crm_id, props, crm_rows, step=2))
        if ats_rows:
            target = ats_id
            if target is None and creating is None:
                plan.settled += [(a, "skipped", "no ATS candidate linked") for a in ats_rows]
            else:
                plan.ats.insert(0, self._ats_update(row.id, target, ats_changes, ats_rows))
        return plan

    def _crm_tag_properties(self, tags: list[str]) -> dict[str, str]:
        payload: Any = self.crm.mapping.to_vendor({"tags": tags}).payload
        properties = payload.get("properties") or {}
        return {k: _crm_text(v) for k, v in properties.items()}

    def _crm_write(
        self,
        person_id: str,
        contact_id: str,
        properties: dict[str, str],
        rows: list[RuleAction],
        *,
        step: int,
    ) -> _Write:
        data = {"properties": properties}
        op = WriteOp(
            object_type=self.crm.object_type,
            action="update",
            data=data,
            idempotency_key=_key(self.crm, contact_id, rows or None, step, data),
            external_id=contact_id,
        )

        def remember(session: Session, _result: WriteResult) -> None:
            # the hub's own values are part of what it has seen: no event when they come back
            state = session.get(
                RecordState, (self.crm.connection, self.crm.object_type, contact_id)
            )
            if state is not None:
                watched = {k: v for k, v in properties.items() if k in state.state or v}
                state.state = {**state.state, **watched}

        return _Write(self.crm, person_id, op, rows, on_done=remember)

    def _list_write(
        self, person_id: str, contact_id: str, name: str, add: bool, entry: RuleAction
    ) -> _Write:
        """Add the contact to a CRM list, or take it out."""
        data = {"list": name}
        action = "list_add" if add else "list_remove"
        op = WriteOp(
            object_type=self.crm.object_type,
            action=action,
            data=data,
            idempotency_key=_key(self.crm, contact_id, [entry], 4, {**data, "action": action}),
            external_id=contact_id,
        )
        return _Write(self.crm, person_id, op, [entry])

    def _ats_update(
        self,
        person_id: str,
        candidate_id: str | None,
        changes: dict[str, Any],
        rows: list[RuleAction],
    ) -> _Write:
        op = WriteOp(
            object_type=self.ats.object_type,
            action="update",
            data=changes,
            idempotency_key=_key(self.ats, candidate_id or f"new:{person_id}", rows, 2, changes),
            external_id=candidate_id,
        )
        return _Write(self.ats, person_id, op, rows)

    def _prospect(self, row: Person, action: CreateProspect, entry: RuleAction) -> _Write | None:
        catalogue = self.catalogue()
        body = dict(self.ats.mapping.to_vendor(_person_json(row)).payload)
        problems: list[str] = []
        jobs = {job.name.casefold(): job.id for job in catalogue.jobs.values()}
        job_ids = []
        for name in action.jobs:
            job_id = name if name in catalogue.jobs else jobs.get(name.casefold())
            if job_id is None:
                problems.append(f"no job named {name!r}")
            else:
                job_ids.append(int(job_id))
        if job_ids:
            body["job_ids"] = job_ids
        if action.pool:
            pools = {n.casefold(): (pid, stages) for pid, (n, stages) in catalogue.pools.items()}
            found = pools.get(action.pool.casefold())
            if found is None:
                problems.append(f"no prospect pool named {action.pool!r}")
            else:
                body["prospect_pool_id"] = int(found[0])
                if action.pool_stage:
                    stage = {k.casefold(): v for k, v in found[1].items()}.get(
                        action.pool_stage.casefold()
                    )
                    if stage is None:
                        problems.append(f"pool {action.pool!r} has no stage {action.pool_stage!r}")
                    else:
                        body["prospect_stage_id"] = int(stage)
        if action.referrer:
            body["referrer"] = {"type": "outside", "value": action.referrer}
        if not body.get("first_name") or not body.get("last_name"):
            problems.append("the person has no first and last name, which the ATS requires")
        if problems:
            entry.status, entry.result, entry.done_at = "failed", "; ".join(problems), self.now()
            return None
        op = WriteOp(
            object_type="prospect",
            action="create",
            data=body,
            idempotency_key=_key(self.ats, f"new:{row.id}", [entry], 0, {}),
        )

        def link(session: Session, result: WriteResult) -> None:
            if not result.external_id:
                return
            ref = ExternalRef(
                connection=self.ats.connection,
                object_type=self.ats.object_type,
                external_id=result.external_id,
            )
            link_record(session, person_id=row.id, ref=ref, now=self.now())
            person = session.get(Person, row.id)
            if person is not None:
                person.data = {**person.data, "custom.greenhouse_candidate_id": result.external_id}
                person.version += 1
                person.updated_at = self.now()

        return _Write(self.ats, row.id, op, [entry], on_done=link)

    def _note(
        self,
        row: Person,
        action: AddNote,
        entry: RuleAction,
        *,
        candidate: str | None,
        creating: _Write | None,
    ) -> _Write | None:
        if candidate is None and creating is None:
            return None
        data: dict[str, Any] = {"body": action.body, "visibility": "admin_only"}
        if candidate is not None:
            data["candidate_id"] = int(candidate)
        op = WriteOp(
            object_type="note",
            action="create",
            data=data,
            idempotency_key=_key(self.ats, candidate or f"new:{row.id}", [entry], 3, {}),
        )
        return _Write(self.ats, row.id, op, [entry])

    # ------------------------------------------------------------------ writing

    def _run(
        self, session: Session, plans: list[_Plan], *, report: SyncReport, dirty: set[str]
    ) -> None:
        with session.begin():
            for plan in plans:
                for entry, status, result in plan.settled:
                    self._settle(session, entry, status, result)
        self._clear_backward_lifecycle(plans)
        created: dict[str, str] = {}
        for writes in (
            [w for p in plans for w in p.creates],
            [w for p in plans for w in p.ats],
            [w for p in plans for w in p.crm_clear],
            [w for p in plans for w in p.crm],
        ):
            for write in writes:
                self._fill_new_candidate(write, created)
            ready = [w for w in writes if w.op.external_id or w.op.action == "create"]
            ready = [w for w in ready if "candidate_id" in w.op.data or w.op.object_type != "note"]
            for write in writes:
                if write not in ready:
                    with session.begin():
                        for entry in write.actions:
                            self._settle(session, entry, "skipped", "the prospect was not created")
            if ready:
                self._write(session, ready, report=report, dirty=dirty, created=created)

    def _clear_backward_lifecycle(self, plans: list[_Plan]) -> None:
        """Clear the lifecycle stage first wherever the contact's current one is further on.

        The rule decided from the state the hub last saw; the vendor's value now decides (a
        contact the hub created in this run, or moved on since, has a stage the rule never saw).
        """
        setting = [
            w
            for plan in plans
            for w in plan.crm
            if (w.op.data.get("properties") or {}).get("lifecyclestage")
        ]
        if not setting:
            return
        ids = sorted({str(w.op.external_id) for w in setting})
        current = {
            r.external_id: (r.data.get("properties") or {}).get("lifecyclestage")
            for r in self.crm.connector.fetch(self.crm.object_type, ids)
        }
        for plan in plans:
            cleared = {w.op.external_id for w in plan.crm_clear}
            for write in plan.crm:
                contact = str(write.op.external_id)
                target = (write.op.data.get("properties") or {}).get("lifecyclestage")
                if (
                    target
                    and contact not in cleared
                    and is_backward_lifecycle_move(current.get(contact), target)
                ):
                    clear = {"lifecyclestage": ""}
                    plan.crm_clear.append(
                        self._crm_write(write.person_id, contact, clear, [], step=1)
                    )
                    cleared.add(contact)

    def _fill_new_candidate(self, write: _Write, created: dict[str, str]) -> None:
        new_id = created.get(write.person_id)
        if new_id is None or write.side is not self.ats:
            return
        if write.op.object_type == "note" and "candidate_id" not in write.op.data:
            write.op = replace(write.op, data={**write.op.data, "candidate_id": int(new_id)})
        elif write.op.action == "update" and write.op.external_id is None:
            write.op = replace(write.op, external_id=new_id)

    def _write(
        self,
        session: Session,
        writes: list[_Write],
        *,
        report: SyncReport,
        dirty: set[str],
        created: dict[str, str],
    ) -> None:
        with session.begin():
            for write in writes:
                session.merge(
                    LedgerEntry(
                        idempotency_key=write.op.idempotency_key,
                        connection=write.side.connection,
                        object_type=_ledger_type(write),
                        external_id=write.op.external_id,
                        person_id=write.person_id,
                        action=write.op.action,
                        payload_hash=value_hash(dict(write.op.data)),
                        status="pending",
                        created_at=self.now(),
                        done_at=None,
                    )
                )
        by_side: dict[int, list[_Write]] = {}
        for write in writes:
            by_side.setdefault(id(write.side), []).append(write)
        results: list[tuple[_Write, WriteResult]] = []
        for group in by_side.values():
            answers = group[0].side.connector.write([w.op for w in group])
            results += list(zip(group, answers, strict=True))
        failpoint("rules.after_vendor_write")
        with session.begin():
            for write, result in results:
                entry = session.get(LedgerEntry, write.op.idempotency_key)
                if entry is not None:
                    if result.ok:
                        entry.status, entry.done_at = "done", self.now()
                        entry.external_id = result.external_id or entry.external_id
                    else:
                        entry.status = "retry" if result.retryable else "failed"
                        entry.error = result.error
                if result.ok:
                    report.add(write.side, "rule_writes")
                    if write.on_done is not None:
                        write.on_done(session, result)
                    if write.op.object_type == "prospect" and result.external_id:
                        created[write.person_id] = result.external_id
                        dirty.add(write.person_id)
                    for action in write.actions:
                        self._settle(session, action, "done", _done_text(write, result))
                else:
                    report.add(write.side, "write_errors")
                    status: Status = "retry" if result.retryable else "failed"
                    for action in write.actions:
                        self._settle(session, action, status, result.error or "refused")
            for write, _ in results:
                if any(a.kind.endswith("_tags") for a in write.actions):
                    dirty.add(write.person_id)

    def _settle(self, session: Session, entry: RuleAction, status: Status, result: str) -> None:
        row = session.merge(entry)
        row.status, row.result, row.done_at = status, result or None, self.now()
        if status == "failed":
            log.warning("rule action %s (%s) failed: %s", row.id, row.kind, result)


# ---------------------------------------------------------------------- helpers


def _links(
    session: Session, person_ids: list[str], sides: Sequence[Side]
) -> dict[tuple[str, str], str]:
    """The oldest linked record of each person on each side: ``(person, connection) → id``."""
    found: dict[tuple[str, str], str] = {}
    for side in sides:
        rows = session.execute(
            select(Link.person_id, Link.external_id)
            .where(
                Link.person_id.in_(person_ids),
                Link.connection == side.connection,
                Link.object_type == side.object_type,
            )
            .order_by(Link.id)
        )
        for person_id, external_id in rows:
            found.setdefault((person_id, side.connection), external_id)
    return found


def _ledger_type(write: _Write) -> str:
    """The object type a write is kept under in the ledger.

    A prospect is the ATS's candidate (so a rerun after a crash finds the create it made); a
    list membership is not a change of the contact, so the echo check must not see it as one.
    """
    if write.op.object_type == "prospect":
        return write.side.object_type
    if write.op.action in ("list_add", "list_remove"):
        return "contact_list"
    return write.op.object_type


def _changed_tags(tags: list[str], action: ChangeTags) -> list[str]:
    folded = {t.casefold() for t in action.tags}
    if action.kind == "remove_tags":
        return [t for t in tags if t.casefold() not in folded]
    have = {t.casefold() for t in tags}
    return tags + [t for t in action.tags if t.casefold() not in have]


def _crm_text(value: Any) -> str:
    """A CRM property value as HubSpot stores it: text, booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _person_json(row: Person) -> dict[str, Any]:
    person = unflatten(dict(row.data))
    return person.model_dump(mode="json", exclude_defaults=True)


def _key(side: Side, target: str, rows: Sequence[RuleAction] | None, step: int, data: Any) -> str:
    ids = ",".join(str(r.id) for r in rows or ())
    text = f"rule|{side.connection}|{target}|{ids}|{step}|{value_hash(data)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _done_text(write: _Write, result: WriteResult) -> str:
    what = f"{write.op.object_type} {write.op.action}"
    return f"{what} {result.external_id}" if result.external_id else what
