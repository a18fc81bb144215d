"""Applications in the ATS, summarised onto their person: what the CRM's recruiters-to-be see.

Each application read (incrementally, like any other stream) updates its person's
``custom.last_application_job``, ``custom.last_application_stage`` and
``custom.last_application_status``; the newest application by vendor time wins, whatever order
they are read in. Job and stage names come from the ATS's own catalogue, read once per run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.connector import VendorRecord
from hub.models import Application, ExternalRef
from hub.store.repo import find_person_id
from hub.sync.catalogue import CatalogueCache
from hub.sync.fields import FieldMap
from hub.sync.golden import load_golden, save_golden
from hub.sync.pairing import Side
from hub.sync.planner import PolicySet, Provenance, merge_inbound
from hub.sync.report import SyncReport

__all__ = ["ApplicationStream", "summary_fields"]


def summary_fields(app: Application, names: dict[str, dict[str, str]]) -> FieldMap:
    """The person fields one application sets (pure)."""
    job = names["job"].get(app.job_id or "", app.job_name or app.job_id)
    stage = names["stage"].get(app.stage_id or "", app.stage_name or app.stage_id)
    fields: FieldMap = {"custom.last_application_status": app.status}
    if job:
        fields["custom.last_application_job"] = job
    if stage:
        fields["custom.last_application_stage"] = stage
    return fields


class ApplicationStream:
    """Reads applications and folds them into their persons.

    Args:
        side: The ATS's application stream (object type and mapping).
        person_side: The ATS's person side (to read a candidate not seen yet).
        merge_people: Merges person records (the runner's own batch merge).
        policies: The pair's field policies.
        now: Wall clock.
        catalogue: The ATS catalogue (job and stage names), read once per run.
    """

    def __init__(
        self,
        side: Side,
        *,
        person_side: Side,
        merge_people: Callable[..., set[str]],
        policies: PolicySet,
        now: Callable[[], datetime],
        catalogue: CatalogueCache,
    ) -> None:
        self.side, self.person_side = side, person_side
        self.merge_people, self.policies, self.now = merge_people, policies, now
        self.catalogue = catalogue
        # Told of every merged batch's applications (the transition rules), if set.
        self.observe: Callable[[Session, list[tuple[Application, str, Any]]], set[str]] | None = (
            None
        )

    def names(self) -> dict[str, dict[str, str]]:
        """Job and stage names by id, from the ATS catalogue."""
        catalogue = self.catalogue.get()
        jobs = {job_id: job.name for job_id, job in catalogue.jobs.items()}
        return {"job": jobs, "stage": catalogue.stages}

    def merge(
        self,
        session: Session,
        side: Side,
        batch: Sequence[VendorRecord],
        *,
        report: SyncReport,
        run_id: int | None,
    ) -> set[str]:
        """Fold a batch of application records into their persons; return the changed ones."""
        dirty: set[str] = set()
        seen: list[tuple[Application, str, Any]] = []
        for record in batch:
            report.add(side, "read")
            app = side.mapping.to_canonical(record.data).value
            if not isinstance(app, Application):
                report.add(side, "errors")
                continue
            person_id = self._person_of(session, app.person_id, report=report, run_id=run_id)
            if person_id is None:
                report.add(side, "errors")
                continue
            golden = load_golden(session, [person_id])[person_id]
            if golden.row.erased_at is not None:
                continue
            seen.append((app, person_id, record.data))
            merged = merge_inbound(
                golden=golden.fields,
                provenance=golden.provenance,
                incoming=summary_fields(app, self.names()),
                source=Provenance("ats", side.connection, app.updated_at or record.updated_at),
                policies=self.policies,
            )
            save_golden(session, golden, merged, now=self.now(), run_id=run_id)
            if merged.changed:
                report.add(side, "changed")
                dirty.add(person_id)
        if self.observe is not None:
            dirty |= self.observe(session, seen)
        return dirty

    def _person_of(
        self, session: Session, candidate_id: str, *, report: SyncReport, run_id: int | None
    ) -> str | None:
        ref = ExternalRef(
            connection=self.person_side.connection,
            object_type=self.person_side.object_type,
            external_id=candidate_id,
        )
        person_id = find_person_id(session, ref)
        if person_id is None:
            # an application of a candidate not read yet (created since): read it now
            fetched = self.person_side.connector.fetch(self.person_side.object_type, [candidate_id])
            self.merge_people(session, self.person_side, fetched, report=report, run_id=run_id)
            person_id = find_person_id(session, ref)
        return person_id
