"""Transition rules in the sync: changes become events, events become logged decisions.

While a batch of vendor records is merged, :class:`Transitions` compares each application and
CRM contact with the state the hub last saw (:mod:`hub.rules.changes`), builds the rule context
of every resulting event, evaluates the rules (:func:`hub.rules.evaluate`, pure) and, in the
batch's own transaction, stores the decisions, applies what lives in the hub (the relationship
status; outbound webhook events into the outbox) and queues the vendor actions as ``pending``
:class:`~hub.store.rule_tables.RuleAction` rows. :mod:`hub.sync.rule_actions` executes those
after the run's ordinary writes. A crash at any point leaves either nothing or a committed
decision with its pending actions, which the next run executes.

The first sync of a pair (no run of it has succeeded yet) is a backfill: the rules bring both
systems to the state the history implies, but no webhook events are sent for that history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.connector import VendorRecord
from hub.models import Application, ChangeEvent, Job
from hub.models import Person as HubPerson
from hub.models.events import ChangeKind
from hub.persons import absorbed_ids
from hub.rules import (
    EmitEvent,
    Evaluation,
    RuleContext,
    RuleSet,
    SetStatus,
    evaluate,
    tick_event,
    trigger_for,
)
from hub.rules.changes import application_changes, application_state, contact_changes
from hub.rules.paths import is_personal
from hub.store.rule_tables import RecordState, RuleAction, RuleDecision
from hub.store.tables import Cursor, Link, Person, SyncRun
from hub.sync.catalogue import Catalogue, CatalogueCache
from hub.sync.events import person_refs
from hub.sync.fields import unflatten
from hub.sync.pairing import Side
from hub.webhooks.events import (
    ApplicationCreated,
    ApplicationHired,
    ApplicationRefs,
    ApplicationRejected,
    ApplicationStageChanged,
    PersonBecameApplicant,
    PersonHired,
    PersonRefs,
    PersonReturnedToNurture,
    PersonStatusChanged,
    StageRef,
    WebhookEvent,
)
from hub.webhooks.events import VendorRecord as EventRecord
from hub.webhooks.outbox import emit_event, new_event_id

__all__ = ["Transitions", "ats_state", "open_applications"]

log = logging.getLogger(__name__)

# The CRM's object type for contact lists (read for `contact_added_to_list`).
LIST_OBJECT = "contact_list"
# How often the time-based rules are evaluated (on the first sync run after this has passed).
TICK_EVERY = timedelta(days=1)


@dataclass
class _Observed:
    """What one batch's observation changed: the persons to write out."""

    dirty: set[str] = field(default_factory=set)


class Transitions:
    """Evaluates the pair's rules on the changes the sync sees.

    Args:
        pair: The sync pair's name.
        rules: The validated rules.
        crm: The CRM side (contacts).
        ats: The ATS side (candidates).
        applications: The ATS's application stream.
        now: Wall clock.
        connectors: Connection name → connector name, for event payloads.
        catalogue: The ATS catalogue, read once per run and shared with the application stream.
        person_fields: Personal fields allowed in event payloads.
    """

    def __init__(
        self,
        pair: str,
        rules: RuleSet,
        *,
        crm: Side,
        ats: Side,
        applications: Side | None,
        now: Callable[[], datetime],
        connectors: Mapping[str, str],
        catalogue: CatalogueCache,
        person_fields: Sequence[str] = (),
    ) -> None:
        self.pair, self.rules = pair, rules
        self.crm, self.ats, self.applications = crm, ats, applications
        self.now = now
        self.connectors = connectors
        self.person_fields = person_fields
        self.triggers = {r.when.event for r in rules.rules}
        self.watched = {r.when.property_ for r in rules.rules if r.when.property_ is not None}
        self.referenced = self.watched | _crm_paths(rules) | {rules.settings.nurture_property}
        self.backfill = False
        self.run_id: int | None = None
        self._catalogue = catalogue

    # ------------------------------------------------------------------ run lifecycle

    def start(self, session: Session, *, run_id: int | None) -> None:
        """Begin a run: the first succeeded run of a pair ends its backfill."""
        self.run_id = run_id
        self.backfill = (
            session.scalar(
                select(SyncRun.id)
                .where(SyncRun.pair == self.pair, SyncRun.status == "succeeded")
                .limit(1)
            )
            is None
        )

    def catalogue(self) -> Catalogue:
        """The ATS catalogue, read once per run."""
        return self._catalogue.get()

    # ------------------------------------------------------------------ time-based rules

    def tick(self, session: Session, *, batch_size: int = 500) -> set[str]:
        """Evaluate the ``tick`` rules (``no_activity_for``) once a day per pair.

        Runs inside a sync run (so on the pair's schedule): persons whose golden record has not
        changed for the shortest period any tick rule names are evaluated; the day's tick is
        recorded as a cursor named ``rules:<pair>``/``tick`` so a second run that day skips it.
        """
        periods = [
            r.when.no_activity_for
            for r in self.rules.rules
            if r.when.event == "tick" and r.when.no_activity_for is not None
        ]
        if not periods:
            return set()
        now = self.now()
        marker = session.get(Cursor, (f"rules:{self.pair}", "tick"))
        if marker is not None and now - marker.position < TICK_EVERY:
            return set()
        observed = _Observed()
        idle_since = now - min(periods)
        after = ""
        while True:
            ids = list(
                session.scalars(
                    select(Person.id)
                    .where(
                        Person.erased_at.is_(None),
                        Person.updated_at <= idle_since,
                        Person.id > after,
                    )
                    .order_by(Person.id)
                    .limit(batch_size)
                )
            )
            if not ids:
                break
            after = ids[-1]
            for person_id in sorted(set(ids) - absorbed_ids(session, ids)):
                self._on_event(session, person_id, tick_event(person_id, now), observed=observed)
        if marker is None:
            session.add(
                Cursor(
                    connection=f"rules:{self.pair}",
                    object_type="tick",
                    position=now,
                    last_id="",
                    saved_at=now,
                )
            )
        else:
            marker.position, marker.saved_at = now, now
        return observed.dirty

    def person_merged(self, session: Session, person_id: str) -> set[str]:
        """The ``person_merged`` rules for a person others were just merged into."""
        if "person_merged" not in self.triggers:
            return set()
        now = self.now()
        event = ChangeEvent(
            object_type="person",
            external_id=person_id,
            kind="merged",
            occurred_at=now,
            dedupe_key=f"merged:{person_id}:{now.isoformat()}",
        )
        observed = _Observed()
        self._on_event(session, person_id, event, observed=observed)
        return observed.dirty

    # ------------------------------------------------------------------ observing changes

    def observe_contacts(self, session: Session, batch: Sequence[VendorRecord]) -> set[str]:
        """Contact events of a merged batch of CRM records; returns persons changed here."""
        side = self.crm
        ids = [r.external_id for r in batch]
        persons = _linked(session, side, ids)
        states = _states(session, side.connection, side.object_type, ids)
        observed = _Observed()
        for record in batch:
            person_id = persons.get(record.external_id)
            if person_id is None:
                continue
            props = record.data.get("properties") or {}
            current = {k: v for k, v in props.items() if self._keeps(k)}
            previous = states.get(record.external_id)
            changes = contact_changes(
                previous.state if previous is not None else None, current, watched=self.watched
            )
            _save_state(session, previous, side, record.external_id, person_id, current, self.now())
            for kind, prop in changes:
                event = ChangeEvent(
                    object_type="contact",
                    external_id=record.external_id,
                    kind=kind,
                    occurred_at=record.updated_at,
                    dedupe_key=f"poll:{record.external_id}:{record.updated_at.isoformat()}:{prop}",
                    property_name=prop,
                )
                self._on_event(session, person_id, event, crm=current, observed=observed)
        return observed.dirty

    def observe_applications(
        self, session: Session, seen: Sequence[tuple[Application, str, Mapping[str, Any]]]
    ) -> set[str]:
        """Application events of a merged batch: ``(application, person id, vendor data)``."""
        side = self.applications
        if side is None or not seen:
            return set()
        catalogue = self.catalogue()
        states = _states(session, side.connection, side.object_type, [a.id for a, _, _ in seen])
        observed = _Observed()
        for raw, person_id, data in seen:
            app = _named(raw, catalogue, reason_id=data.get("rejection_reason_id"))
            previous = states.get(app.id)
            before = previous.state if previous is not None else None
            kinds = application_changes(
                before, app, first_stage_id=catalogue.first_stage(app.job_id)
            )
            states[app.id] = _save_state(
                session, previous, side, app.id, person_id, application_state(app), self.now()
            )
            for kind in kinds:
                event = ChangeEvent(
                    object_type="prospect" if app.prospect else "application",
                    external_id=app.id,
                    kind=kind,
                    occurred_at=app.updated_at or self.now(),
                    dedupe_key=f"poll:{app.id}:{kind}:{app.updated_at}",
                )
                self._application_event(session, person_id, app, kind, before)
                self._on_event(
                    session,
                    person_id,
                    event,
                    application=app,
                    job=catalogue.jobs.get(app.job_id or ""),
                    observed=observed,
                )
        return observed.dirty

    def observe_lists(self, session: Session) -> set[str]:
        """Contacts added to the lists the rules watch (``contact_added_to_list``).

        The CRM's lists are read whole (the connector's ``contact_list`` object type) and each
        watched list's members compared with those the hub last saw; a list seen for the first
        time counts all its members as added.
        """
        names = {r.when.list_.casefold() for r in self.rules.rules if r.when.list_}
        side = self.crm
        if not names or LIST_OBJECT not in side.connector.spec.object_types:
            return set()
        observed = _Observed()
        for page in side.connector.read_changes(LIST_OBJECT, since=None, until=self.now()):
            for record in page.records:
                name = str(record.data.get("name") or "")
                if name.casefold() not in names:
                    continue
                members = {str(m) for m in record.data.get("members") or []}
                found = _states(session, side.connection, LIST_OBJECT, [record.external_id])
                previous = found.get(record.external_id)
                before = set(previous.state.get("members") or []) if previous else set()
                state = {"name": name, "members": sorted(members)}
                _save_state(
                    session,
                    previous,
                    side,
                    record.external_id,
                    "",
                    state,
                    self.now(),
                    object_type=LIST_OBJECT,
                )
                added = sorted(members - before)
                persons = _linked(session, side, added)
                for contact in added:
                    person_id = persons.get(contact)
                    if person_id is None:
                        continue
                    event = ChangeEvent(
                        object_type=side.object_type,
                        external_id=contact,
                        kind="updated",
                        action="list_membership_added",
                        occurred_at=record.updated_at,
                        dedupe_key=f"list:{record.external_id}:{contact}",
                        related_ids={"list": name},
                    )
                    crm = self._crm_state(session, person_id)
                    self._on_event(session, person_id, event, crm=crm, observed=observed)
        return observed.dirty

    def _keeps(self, prop: str) -> bool:
        """Whether a CRM property is kept in the contact's state (and shown to rules)."""
        return prop in self.referenced or not is_personal(f"crm.{prop}")

    # ------------------------------------------------------------------ evaluating

    def _on_event(
        self,
        session: Session,
        person_id: str,
        event: ChangeEvent,
        *,
        observed: _Observed,
        application: Application | None = None,
        job: Job | None = None,
        crm: dict[str, Any] | None = None,
    ) -> None:
        trigger = trigger_for(
            event,
            application=application,
            withdrawal_reasons=self.rules.settings.withdrawal_reasons,
        )
        if trigger is None or trigger not in self.triggers:
            return
        row = session.get(Person, person_id)
        if row is None or row.erased_at is not None:
            return
        person = unflatten(dict(row.data))
        ctx = RuleContext(
            trigger=trigger,
            event=event,
            person=person,
            application=application,
            job=job,
            crm=crm if crm is not None else self._crm_state(session, person_id),
            ats=self._ats_state(session, person_id, person),
            previous_status=person.relationship_status,
            last_activity_at=row.updated_at,
            now=self.now(),
        )
        evaluation = evaluate(self.rules, ctx)
        self._record(session, row, ctx, evaluation, observed=observed)

    def _record(
        self,
        session: Session,
        row: Person,
        ctx: RuleContext,
        evaluation: Evaluation,
        *,
        observed: _Observed,
    ) -> None:
        now = self.now()
        for decision in evaluation.decisions:
            logged = decision.log_record()
            entry = RuleDecision(
                person_id=row.id,
                pair=self.pair,
                run_id=self.run_id,
                trigger=evaluation.trigger,
                event=_event_record(ctx.event),
                rule=decision.rule,
                outcome=decision.outcome,
                reason=decision.reason,
                detail=decision.detail,
                matched=logged["matched"],
                actions=logged["actions"],
                dropped=logged["dropped"],
                at=now,
            )
            session.add(entry)
            session.flush()
            if decision.outcome != "fired":
                continue
            log.info("rule %r fired on %s for person %s", decision.rule, ctx.trigger, row.id)
            for position, action in enumerate(decision.actions):
                status, result = "pending", None
                if isinstance(action, SetStatus):
                    _set_status(row, action.status.value, now=now)
                    observed.dirty.add(row.id)
                    status, result = "done", f"status {action.status.value}"
                elif isinstance(action, EmitEvent):
                    status, result = self._emit(session, row, ctx, action, rule=decision.rule)
                session.add(
                    RuleAction(
                        decision_id=entry.id,
                        person_id=row.id,
                        position=position,
                        kind=action.kind,
                        spec=action.model_dump(mode="json", by_alias=True),
                        status=status,
                        result=result,
                        created_at=now,
                        done_at=None if status == "pending" else now,
                    )
                )

    def _crm_state(self, session: Session, person_id: str) -> dict[str, Any]:
        state = session.scalar(
            select(RecordState.state)
            .join(
                Link,
                (Link.connection == RecordState.connection)
                & (Link.object_type == RecordState.object_type)
                & (Link.external_id == RecordState.external_id),
            )
            .where(
                Link.person_id == person_id,
                Link.connection == self.crm.connection,
                Link.object_type == self.crm.object_type,
            )
            .order_by(Link.id)
            .limit(1)
        )
        return dict(state or {})

    def _ats_state(self, session: Session, person_id: str, person: HubPerson) -> dict[str, Any]:
        active = 0
        if self.applications is not None:
            active = open_applications(session, person_id, connection=self.applications.connection)
        return ats_state(person, active)

    # ------------------------------------------------------------------ outbound events

    def _refs(self, session: Session, person_id: str) -> PersonRefs:
        return person_refs(
            session, person_id, connectors=self.connectors, fields=self.person_fields
        )

    def _emit(
        self, session: Session, row: Person, ctx: RuleContext, action: EmitEvent, *, rule: str
    ) -> tuple[str, str]:
        if self.backfill:
            return "skipped", "backfill: the first sync of a pair sends no events for history"
        now = self.now()
        person = self._refs(session, row.id)
        app = self._application_refs(ctx.application)
        data: Any
        kind = action.event
        if kind == "person.became_applicant":
            data = PersonBecameApplicant(person=person, application=app)
        elif kind == "person.hired" and app is not None:
            data = PersonHired(person=person, application=app)
        elif kind == "person.returned_to_nurture":
            data = PersonReturnedToNurture(person=person, rule=rule)
        else:
            kind = "person.status_changed"
            to = action.status or ctx.person.relationship_status
            if to is None:
                return "skipped", "no relationship status to report"
            data = PersonStatusChanged.model_validate(
                {"person": person, "from": action.previous_status, "to": to, "rule": rule}
            )
        event = WebhookEvent.model_validate(
            {
                "id": new_event_id(now),
                "type": kind,
                "occurred_at": now,
                "person_version": row.version,
                "data": data,
            }
        )
        emit_event(session, event, now=now)
        return "done", f"emitted {kind} {event.id}"

    def _application_refs(self, app: Application | None) -> ApplicationRefs | None:
        if app is None:
            return None
        side = self.applications
        vendor = self.connectors.get(side.connection, "") if side is not None else ""
        refs: dict[str, Any] = {"id": app.id}
        if vendor in ("greenhouse", "hubspot"):
            refs[vendor] = EventRecord(id=app.id)
        if app.job_id:
            refs["job"] = EventRecord(id=app.job_id)
        return ApplicationRefs.model_validate(refs)

    def _application_event(
        self,
        session: Session,
        person_id: str,
        app: Application,
        kind: ChangeKind,
        before: Mapping[str, Any] | None,
    ) -> None:
        """The catalogue's ``application.*`` event for an observed application change."""
        if self.backfill or app.prospect:
            return
        refs = self._application_refs(app)
        assert refs is not None
        person = self._refs(session, person_id)
        data: Any
        if kind == "created":
            data = ApplicationCreated(application=refs, person=person)
        elif kind == "stage_changed":
            old = (before or {}).get("stage_id")
            catalogue = self.catalogue()
            data = ApplicationStageChanged.model_validate(
                {
                    "application": refs,
                    "person": person,
                    "from": StageRef(id=old, name=catalogue.stages.get(old, "")) if old else None,
                    "to": StageRef(id=app.stage_id, name=app.stage_name or ""),
                }
            )
        elif kind == "rejected":
            data = ApplicationRejected(application=refs, person=person, reason=app.rejection_reason)
        elif kind == "hired":
            data = ApplicationHired(application=refs, person=person)
        else:
            return
        now = self.now()
        row = session.get(Person, person_id)
        event = WebhookEvent.model_validate(
            {
                "id": new_event_id(now),
                "type": f"application.{kind}",
                "occurred_at": now,
                "person_version": row.version if row is not None else None,
                "data": data,
            }
        )
        emit_event(session, event, now=now)


# ---------------------------------------------------------------------- helpers


def ats_state(person: HubPerson, open_count: int) -> dict[str, Any]:
    """What rules see as ``ats.*``: the person's tags and source, and their open applications."""
    return {"tags": list(person.tags), "source": person.source, "active_applications": open_count}


def open_applications(
    session: Session, person_id: str, *, connection: str | None = None, besides: str = ""
) -> int:
    """How many open candidate applications (not prospects) the hub last saw for the person."""
    query = select(RecordState.state).where(
        RecordState.person_id == person_id,
        RecordState.object_type == "application",
        RecordState.external_id != besides,
    )
    if connection is not None:
        query = query.where(RecordState.connection == connection)
    states = session.scalars(query)
    return sum(1 for s in states if s.get("status") == "active" and not s.get("prospect"))


def _crm_paths(rules: RuleSet) -> set[str]:
    """CRM properties the rules read or write (kept in contact states even if personal)."""
    names: set[str] = set()
    for rule in rules.rules:
        if rule.when.if_ is not None:
            for _, path in rule.when.if_.field_paths():
                root, _, name = path.partition(".")
                if root == "crm" and name:
                    names.add(name)
        for item in rule.then:
            names |= set(item.set_crm or {})
    return names


def _named(app: Application, catalogue: Catalogue, *, reason_id: Any = None) -> Application:
    """The application with its job, stage and rejection reason names from the catalogue."""
    update: dict[str, Any] = {}
    job = catalogue.jobs.get(app.job_id or "")
    if job is not None and not app.job_name:
        update["job_name"] = job.name
    if app.stage_id and not app.stage_name and app.stage_id in catalogue.stages:
        update["stage_name"] = catalogue.stages[app.stage_id]
    if app.status == "rejected" and not app.rejection_reason:
        reason = catalogue.reasons.get(str(reason_id))
        if reason:
            update["rejection_reason"] = reason
    return app.model_copy(update=update) if update else app


def _linked(session: Session, side: Side, external_ids: Sequence[str]) -> dict[str, str]:
    return dict(
        session.execute(
            select(Link.external_id, Link.person_id).where(
                Link.connection == side.connection,
                Link.object_type == side.object_type,
                Link.external_id.in_(list(external_ids)),
            )
        ).all()
    )


def _states(
    session: Session, connection: str, object_type: str, external_ids: Sequence[str]
) -> dict[str, RecordState]:
    rows = session.scalars(
        select(RecordState).where(
            RecordState.connection == connection,
            RecordState.object_type == object_type,
            RecordState.external_id.in_(list(external_ids)),
        )
    )
    return {row.external_id: row for row in rows}


def _save_state(
    session: Session,
    row: RecordState | None,
    side: Side,
    external_id: str,
    person_id: str,
    state: dict[str, Any],
    now: datetime,
    *,
    object_type: str | None = None,
) -> RecordState:
    if row is None:
        row = RecordState(
            connection=side.connection,
            object_type=object_type or side.object_type,
            external_id=external_id,
            person_id=person_id,
            state=state,
            updated_at=now,
        )
        session.add(row)
    elif row.state != state or row.person_id != person_id:
        row.state, row.person_id, row.updated_at = state, person_id, now
    return row


def _set_status(row: Person, status: str, *, now: datetime) -> None:
    row.data = {**row.data, "relationship_status": status}
    row.status = status
    row.version += 1
    row.updated_at = now


def _event_record(event: ChangeEvent) -> dict[str, Any]:
    """The event as the decision log keeps it: ids and kinds, no personal values."""
    return {
        "object_type": event.object_type,
        "external_id": event.external_id,
        "kind": event.kind,
        "property": event.property_name,
        "occurred_at": event.occurred_at.isoformat(),
    }
