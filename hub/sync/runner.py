"""Runs one sync pair: read both systems incrementally, merge, then write. The effects.

Per batch of vendor records, persons, links, provenance, conflicts and the cursor commit in
one transaction; :mod:`hub.sync.writer` then writes what each side lacks through the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connector import Cursor, VendorRecord
from hub.failpoints import failpoint
from hub.models import ExternalRef
from hub.models import Person as HubPerson
from hub.store.repo import create_person, link_record, load_cursor, save_cursor
from hub.store.tables import Link, Person, SyncRun
from hub.sync.applications import ApplicationStream
from hub.sync.cursors import advance_cursor, read_window
from hub.sync.echo import EchoCheck
from hub.sync.fields import flatten
from hub.sync.golden import load_golden, save_golden, write_provenance
from hub.sync.identity import Matcher
from hub.sync.pairing import Side
from hub.sync.planner import PolicySet, Provenance, merge_inbound
from hub.sync.report import PlannedWrite, SyncReport
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
    ) -> None:
        self.name = name
        self.sides = {"crm": crm, "ats": ats}
        self.policies = policies
        self.sessions = sessions
        self.matcher = matcher
        self.now = now
        self.lookback = lookback
        self.batch_size = batch_size
        self.writer = OutboundWriter(
            policies=policies,
            now=now,
            batch_size=batch_size,
            connectors={s.connection: s.connector.spec.name for s in (crm, ats)},
            person_fields=person_fields,
        )
        self.applications = (
            None
            if applications is None
            else ApplicationStream(
                applications,
                person_side=ats,
                merge_people=self._merge_batch,
                policies=policies,
                now=now,
            )
        )

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
            dirty |= self._unfinished(session, dry_run=dry_run)
            if self.applications is not None:
                self.applications.forget_names()
                dirty |= self._read_side(
                    session,
                    self.applications.side,
                    started=started,
                    full=full,
                    report=report,
                    run_id=run_id,
                    dry_run=dry_run,
                    merge=self.applications.merge,
                )
            self.writer.write_out(
                session,
                [self.sides["crm"], self.sides["ats"]],
                sorted(dirty),
                report=report,
                dry_run=dry_run,
            )
        finally:
            if outer is not None:
                outer.rollback()
            session.close()
        return report

    def sync_records(
        self,
        system: str,
        external_ids: Sequence[str],
        *,
        report: SyncReport | None = None,
        run_id: int | None = None,
    ) -> SyncReport:
        """Sync just these records of one side (webhook-triggered), leaving cursors alone."""
        report = report or SyncReport()
        side = self.sides[system]
        session = self.sessions()
        try:
            records = side.connector.fetch(side.object_type, list(external_ids))
            dirty: set[str] = set()
            for start in range(0, len(records), self.batch_size):
                with session.begin():
                    batch = records[start : start + self.batch_size]
                    dirty |= self._merge_batch(session, side, batch, report=report, run_id=run_id)
            sides = [self.sides["crm"], self.sides["ats"]]
            self.writer.write_out(session, sides, sorted(dirty), report=report, dry_run=False)
        finally:
            session.close()
        return report

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
    ) -> set[str]:
        merge_batch = merge or self._merge_batch
        with transaction(session, dry_run):
            stored = None if full else load_cursor(session, side.connection, side.object_type)
        window = read_window(stored=stored, lookback=self.lookback, run_started_at=started)
        ordered = window.since is not None  # full reads come in id order, not time order
        cursor: Cursor | None = stored
        dirty: set[str] = set()
        for batch in self._batches(side, window.since, window.until):
            with transaction(session, dry_run):
                dirty |= merge_batch(session, side, batch, report=report, run_id=run_id)
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
        resolved = self._resolve_batch(session, side, batch, report=report)
        goldens = load_golden(session, {person_id for _, _, person_id in resolved})
        dirty: set[str] = set()
        provenance: list[dict[str, Any]] = []
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
            save_golden(
                session, golden, merged, now=self.now(), run_id=run_id, provenance=provenance
            )
            failpoint("sync.mid_batch")
            report.add(side, "conflicts", len(merged.conflicts))
            if merged.changed:
                report.add(side, "changed")
                dirty.add(person_id)
            else:
                report.add(side, "unchanged")
        write_provenance(session, provenance)
        return dirty

    def _resolve_batch(
        self, session: Session, side: Side, batch: Sequence[VendorRecord], *, report: SyncReport
    ) -> list[tuple[VendorRecord, HubPerson, str]]:
        """Map each record and find its person: a link, else the matcher, else a new person.

        Links and persons of the whole batch are read in two queries; a record's identifiers
        are remembered at once, so a duplicate later in the same batch finds its person.
        """
        echo = EchoCheck(session, side, batch, now=self.now())
        linked = dict(
            session.execute(
                select(Link.external_id, Link.person_id).where(
                    Link.connection == side.connection,
                    Link.object_type == side.object_type,
                    Link.external_id.in_([r.external_id for r in batch]),
                )
            ).all()
        )
        session.scalars(select(Person).where(Person.id.in_(set(linked.values())))).all()
        resolved: list[tuple[VendorRecord, HubPerson, str]] = []
        for record in batch:
            report.add(side, "read")
            if echo.is_echo(record):
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
            person_id = linked.get(record.external_id)
            if person_id is None:
                person_id = self._link_new(session, side, record, mapped.value, echo, report)
                if person_id is None:
                    continue
                linked[record.external_id] = person_id
            row = session.get(Person, person_id)
            if row is not None and row.erased_at is not None:
                # erased on request: the hub keeps no personal data of this person again
                report.add(side, "erased_skipped")
                continue
            self.matcher.remember(session, person_id, mapped.value)
            resolved.append((record, mapped.value, person_id))
        return resolved

    def _link_new(
        self,
        session: Session,
        side: Side,
        record: VendorRecord,
        person: HubPerson,
        echo: EchoCheck,
        report: SyncReport,
    ) -> str | None:
        """Link a record seen for the first time; ``None`` when it is the hub's own create."""
        ref = ExternalRef(
            connection=side.connection, object_type=side.object_type, external_id=record.external_id
        )
        person_id = self.matcher.match(session, person)
        if person_id is None:
            person_id = create_person(session, now=self.now(), data={}).id
            report.add(side, "new_person")
        elif echo.claim_create(person_id, record):
            # the hub created this record, then crashed before noting it: link, skip
            link_record(session, person_id=person_id, ref=ref, now=self.now())
            report.add(side, "skipped_as_echo")
            return None
        else:
            report.add(side, "matched")
        link_record(session, person_id=person_id, ref=ref, now=self.now())
        return person_id

    def _unfinished(self, session: Session, *, dry_run: bool) -> set[str]:
        """Persons changed since the pair's last succeeded run finished.

        Which persons a run changed is known only in memory until its writes finish; a run that
        crashed or failed after committing a batch leaves them unwritten, and the rerun's cursors
        no longer reach them. A succeeded run wrote everything it changed, so only changes after
        it ended need another look; what is already written plans nothing anyway.
        """
        with transaction(session, dry_run):
            since = session.scalar(
                select(func.max(SyncRun.finished_at)).where(
                    SyncRun.pair == self.name, SyncRun.status == "succeeded"
                )
            )
            query = select(Person.id)
            if since is not None:
                query = query.where(Person.updated_at >= since)
            return set(session.scalars(query))
