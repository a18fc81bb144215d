"""Runs one sync pair: read both systems incrementally, merge, then write. The effects.

Per batch of vendor records, persons, links, provenance, conflicts and the cursor commit in
one transaction; :mod:`hub.sync.writer` then writes what each side lacks through the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connector import Cursor, VendorRecord
from hub.failpoints import failpoint
from hub.models import Person as HubPerson
from hub.rules import RuleSet
from hub.store.repo import load_cursor, save_cursor
from hub.store.tables import Person, SyncRun
from hub.sync.applications import ApplicationStream
from hub.sync.catalogue import CatalogueCache
from hub.sync.cursors import advance_cursor, read_window
from hub.sync.echo import EchoCheck
from hub.sync.fields import flatten
from hub.sync.golden import GoldenBatch
from hub.sync.identity import IdentityBatch, Matcher
from hub.sync.pairing import Side
from hub.sync.planner import PolicySet, Provenance, merge_inbound
from hub.sync.report import PlannedWrite, SyncReport
from hub.sync.rule_actions import RuleActionRunner
from hub.sync.transitions import Transitions
from hub.sync.writer import OutboundWriter, transaction

__all__ = ["PairSync", "PlannedWrite", "SyncReport"]

log = logging.getLogger(__name__)
System = Literal["crm", "ats"]


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
        applications: The ATS's application stream, if the pair maps applications.
        person_fields: Personal fields allowed in outbound webhook events.
        rules: The pair's transition rules (none: no rule runs).
        propagate_erasure: An erasure in one system is requested in the other too.
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
        applications: Side | None = None,
        person_fields: Sequence[str] = (),
        rules: RuleSet | None = None,
        propagate_erasure: bool = False,
    ) -> None:
        self.name = name
        self.sides = {"crm": crm, "ats": ats}
        self.policies = policies
        self.sessions = sessions
        self.matcher = matcher
        self.now = now
        self.lookback = lookback
        self.batch_size = batch_size
        self.propagate_erasure = propagate_erasure
        connectors = {s.connection: s.connector.spec.name for s in (crm, ats)}
        self.writer = OutboundWriter(
            policies=policies,
            now=now,
            batch_size=batch_size,
            connectors=connectors,
            person_fields=person_fields,
        )
        # one read of the ATS's jobs, stages, reasons and pools per run, for all that names them
        self.catalogue = CatalogueCache(ats.connector, now)
        self.applications = (
            None
            if applications is None
            else ApplicationStream(
                applications,
                person_side=ats,
                merge_people=self._merge_batch,
                policies=policies,
                now=now,
                catalogue=self.catalogue,
            )
        )
        self.transitions: Transitions | None = None
        self.rule_actions: RuleActionRunner | None = None
        if rules is not None and rules.rules:
            self.transitions = Transitions(
                name,
                rules,
                crm=crm,
                ats=ats,
                applications=applications,
                now=now,
                connectors=connectors,
                catalogue=self.catalogue,
                person_fields=person_fields,
            )
            self.rule_actions = RuleActionRunner(
                crm=crm, ats=ats, now=now, catalogue=self.transitions.catalogue
            )
            if self.applications is not None:
                self.applications.observe = self.transitions.observe_applications

    def run(
        self,
        *,
        full: bool = False,
        dry_run: bool = False,
        run_id: int | None = None,
        listener: Callable[[str, str, int], None] | None = None,
    ) -> SyncReport:
        """Read both sides (ATS first: it is the system of record for applicants), then write.

        Args:
            full: Ignore stored cursors and read everything.
            dry_run: Plan only: nothing is committed and nothing is written to a vendor.
            run_id: The recorded run, for conflicts.
            listener: Told of every count as it happens (progress bars).
        """
        report = SyncReport(listener=listener)
        started = self.now()
        session = self.sessions()
        outer = session.begin() if dry_run else None
        try:
            self._begin(session, run_id=run_id, dry_run=dry_run)
            since = self._last_success(session, dry_run=dry_run)
            for system in ("ats", "crm"):
                self._read_side(
                    session,
                    self.sides[system],
                    started=started,
                    full=full,
                    report=report,
                    run_id=run_id,
                    dry_run=dry_run,
                )
            if self.transitions is not None:
                with transaction(session, dry_run):
                    self.transitions.observe_lists(session)
            if self.applications is not None:
                self._read_side(
                    session,
                    self.applications.side,
                    started=started,
                    full=full,
                    report=report,
                    run_id=run_id,
                    dry_run=dry_run,
                    merge=self.applications.merge,
                )
            if self.transitions is not None:
                with transaction(session, dry_run):
                    self.transitions.tick(session)
            # Every person this run changed has a newer ``updated_at``; so has every person an
            # earlier run changed but never wrote out (it crashed or failed after committing a
            # batch, and the rerun's cursors no longer reach those records). They are read
            # back from the store a page at a time, never held in memory all at once.
            self.writer.write_out(
                session,
                [self.sides["crm"], self.sides["ats"]],
                self._changed_since(session, since, dry_run=dry_run),
                report=report,
                dry_run=dry_run,
            )
            if not dry_run:
                self._execute_rules(session, report=report)
        finally:
            if outer is not None:
                outer.rollback()
            session.close()
        return report

    def _begin(self, session: Session, *, run_id: int | None, dry_run: bool) -> None:
        self.catalogue.forget()  # the ATS's catalogue is read afresh once per run
        if self.transitions is not None:
            with transaction(session, dry_run):
                self.transitions.start(session, run_id=run_id)

    def _execute_rules(self, session: Session, *, report: SyncReport) -> None:
        """Execute the rules' pending vendor actions, then write what they changed."""
        if self.rule_actions is None:
            return
        dirty = self.rule_actions.execute(session, report=report)
        if dirty:
            sides = [self.sides["crm"], self.sides["ats"]]
            self.writer.write_out(session, sides, sorted(dirty), report=report, dry_run=False)

    def sync_records(
        self,
        system: str,
        external_ids: Sequence[str],
        *,
        report: SyncReport | None = None,
        run_id: int | None = None,
    ) -> SyncReport:
        """Sync just these records of one side (webhook-triggered), leaving cursors alone.

        Args:
            system: ``crm``, ``ats`` or ``applications`` (the ATS's application stream).
            external_ids: The vendor ids to re-read.
            report: Adds to this report (a new one by default).
            run_id: The recorded run, for conflicts and decisions.
        """
        report = report or SyncReport()
        merge: Callable[..., set[str]] = self._merge_batch
        if system == "applications":
            if self.applications is None:
                return report
            side, merge = self.applications.side, self.applications.merge
        else:
            side = self.sides[system]
        session = self.sessions()
        try:
            self._begin(session, run_id=run_id, dry_run=False)
            records = side.connector.fetch(side.object_type, list(external_ids))
            dirty: set[str] = set()
            for start in range(0, len(records), self.batch_size):
                with session.begin():
                    batch = records[start : start + self.batch_size]
                    dirty |= merge(session, side, batch, report=report, run_id=run_id)
                    dirty |= self._observe(session, side, batch)
            sides = [self.sides["crm"], self.sides["ats"]]
            self.writer.write_out(session, sides, sorted(dirty), report=report, dry_run=False)
            self._execute_rules(session, report=report)
        finally:
            session.close()
        return report

    def _observe(self, session: Session, side: Side, batch: Sequence[VendorRecord]) -> set[str]:
        """Rule events of a merged batch of CRM contacts (applications report their own)."""
        if self.transitions is None or side is not self.sides["crm"]:
            return set()
        return self.transitions.observe_contacts(session, batch)

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
        merge: Callable[..., set[str]] | None = None,
    ) -> None:
        merge_batch = merge or self._merge_batch
        with transaction(session, dry_run):
            stored = None if full else load_cursor(session, side.connection, side.object_type)
        window = read_window(stored=stored, lookback=self.lookback, run_started_at=started)
        ordered = window.since is not None  # full reads come in id order, not time order
        cursor: Cursor | None = stored
        for batch in self._batches(side, window.since, window.until):
            with transaction(session, dry_run):
                # what the batch changed is found again by its ``updated_at`` (``_changed_since``)
                merge_batch(session, side, batch, report=report, run_id=run_id)
                self._observe(session, side, batch)
                cursor = advance_cursor(cursor, batch, signpost=started)
                if ordered and cursor is not None:
                    save_cursor(
                        session,
                        connection=side.connection,
                        object_type=side.object_type,
                        cursor=cursor,
                        now=self.now(),
                    )
            failpoint("sync.mid_read")
        if not ordered and cursor is not None:
            with transaction(session, dry_run):
                save_cursor(
                    session,
                    connection=side.connection,
                    object_type=side.object_type,
                    cursor=cursor,
                    now=self.now(),
                )

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
        # Reads see the store as of the batch's start plus what the batch holds in memory;
        # every row is written at the end, in a few executemany statements.
        with session.no_autoflush:
            resolved, identity = self._resolve_batch(session, side, batch, report=report)
            goldens = GoldenBatch(
                session,
                {person_id for _, _, person_id in resolved},
                new=identity.new,
                now=self.now(),
                run_id=run_id,
            )
            dirty: set[str] = set()
            system = cast("System", side.system)
            for record, person, person_id in resolved:
                golden = goldens[person_id]  # records of one person share it, updated in place
                merged = merge_inbound(
                    golden=golden.fields,
                    provenance=golden.provenance,
                    incoming=flatten(person),
                    source=Provenance(system, side.connection, record.updated_at),
                    policies=self.policies,
                )
                goldens.save(golden, merged)
                failpoint("sync.mid_batch")
                report.add(side, "conflicts", len(merged.conflicts))
                if merged.changed:
                    report.add(side, "changed")
                    dirty.add(person_id)
                else:
                    report.add(side, "unchanged")
            goldens.write()  # new persons first: links and keys point at them
            identity.save()
        return dirty

    def _resolve_batch(
        self, session: Session, side: Side, batch: Sequence[VendorRecord], *, report: SyncReport
    ) -> tuple[list[tuple[VendorRecord, HubPerson, str]], IdentityBatch]:
        """Map each record and find its person: a link, else the matcher, else a new person.

        Links, erasures and the matcher's identifiers of the whole batch are read in a few
        queries and kept in memory, so a duplicate later in the same batch finds its person.
        New persons, links and identifiers are written by the caller (``identity``).
        """
        echo = EchoCheck(session, side, batch, now=self.now())
        mapped: list[tuple[VendorRecord, HubPerson]] = []
        for record in batch:
            report.add(side, "read")
            if echo.is_echo(record):
                # the newest change to this record is the hub's own write coming back
                report.add(side, "skipped_as_echo")
                continue
            result = side.mapping.to_canonical(record.data)
            if result.value is None:
                report.add(side, "errors")
                log.warning(
                    "%s %s: not mappable (%d issues)",
                    side.connection,
                    record.external_id,
                    len(result.issues),
                )
                continue
            mapped.append((record, result.value))
        identity = IdentityBatch(
            session,
            connection=side.connection,
            object_type=side.object_type,
            matcher=self.matcher,
            external_ids=[r.external_id for r in batch],
            persons=[person for _, person in mapped],
            now=self.now(),
        )
        resolved: list[tuple[VendorRecord, HubPerson, str]] = []
        for record, person in mapped:
            person_id = identity.person_of(record.external_id)
            if person_id is None:
                person_id = self._link_new(side, record, person, echo, report, identity)
                if person_id is None:
                    continue
            if identity.is_erased(person_id):
                # erased on request: the hub keeps no personal data of this person again
                report.add(side, "erased_skipped")
                continue
            identity.remember(person_id, person)
            resolved.append((record, person, person_id))
        return resolved, identity

    def _link_new(
        self,
        side: Side,
        record: VendorRecord,
        person: HubPerson,
        echo: EchoCheck,
        report: SyncReport,
        identity: IdentityBatch,
    ) -> str | None:
        """Link a record seen for the first time; ``None`` when it is the hub's own create."""
        person_id = identity.match(person)
        if person_id is None:
            person_id = identity.new_person()
            report.add(side, "new_person")
        elif echo.claim_create(person_id, record):
            # the hub created this record, then crashed before noting it: link, skip
            identity.link(person_id, record.external_id)
            report.add(side, "skipped_as_echo")
            return None
        else:
            report.add(side, "matched")
        identity.link(person_id, record.external_id)
        return person_id

    def _last_success(self, session: Session, *, dry_run: bool) -> datetime | None:
        """When the pair's last succeeded run finished (``None``: it never succeeded).

        A succeeded run wrote out everything it changed, so only persons changed since need a
        look; what is already written plans nothing anyway.
        """
        with transaction(session, dry_run):
            finished: datetime | None = session.scalar(
                select(func.max(SyncRun.finished_at)).where(
                    SyncRun.pair == self.name, SyncRun.status == "succeeded"
                )
            )
        return finished

    def _changed_since(
        self, session: Session, since: datetime | None, *, dry_run: bool
    ) -> Iterator[str]:
        """Ids of the persons changed since ``since`` (all when ``None``), in id order.

        Read in pages by id (keyset), each in its own short transaction: the writer commits
        between pages, and the next page starts after the last id seen.
        """
        after = ""
        while True:
            query = select(Person.id).where(Person.id > after)
            if since is not None:
                query = query.where(Person.updated_at >= since)
            with transaction(session, dry_run):
                page = list(session.scalars(query.order_by(Person.id).limit(self.batch_size * 10)))
            if not page:
                return
            yield from page
            after = page[-1]
