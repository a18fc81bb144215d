"""The ATS's catalogue: jobs with their ordered stages, rejection reasons, prospect pools.

Read from the ATS once per run and shared by everything in it that names a job, a stage, a
reason or a pool: the application summaries, the transition rules and their prospect creates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from hub.connector import Connector, VendorRecord
from hub.models import Job
from hub.models.job import Stage

__all__ = ["Catalogue", "CatalogueCache", "read_catalogue"]


@dataclass
class Catalogue:
    """The ATS's jobs (with their stages in order) and rejection reasons, by id."""

    jobs: dict[str, Job] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    pools: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def first_stage(self, job_id: str | None) -> str | None:
        """The id of a job's first stage."""
        job = self.jobs.get(job_id or "")
        return job.stages[0].id if job is not None and job.stages else None


def read_catalogue(connector: Connector, *, until: datetime) -> Catalogue:
    """Read jobs, stages, rejection reasons and prospect pools from the ATS (one pass each)."""

    def records(object_type: str) -> Iterable[VendorRecord]:
        if object_type not in connector.spec.object_types:
            return
        for page in connector.read_changes(object_type, since=None, until=until):
            yield from page.records

    stages: dict[str, list[Stage]] = {}
    names: dict[str, str] = {}
    for record in records("job_interview_stage"):
        data = record.data
        if data.get("active", True) is False:
            continue
        job_id = str(data.get("job_id"))
        order = int(data.get("sort_order") or 0)
        name = str(data.get("name") or "")
        names[record.external_id] = name
        stages.setdefault(job_id, []).append(
            Stage(id=record.external_id, name=name, order=order, job_id=job_id)
        )
    jobs = {}
    for record in records("job"):
        ordered = tuple(sorted(stages.get(record.external_id, []), key=lambda s: s.order))
        jobs[record.external_id] = Job(
            id=record.external_id,
            name=str(record.data.get("name") or record.external_id),
            status=str(record.data.get("status") or "open"),
            confidential=bool(record.data.get("confidential")),
            stages=ordered,
        )
    reasons = {r.external_id: str(r.data.get("name") or "") for r in records("rejection_reason")}
    pools = {
        r.external_id: (
            str(r.data.get("name") or ""),
            {str(s.get("name")): str(s.get("id")) for s in r.data.get("prospect_stages") or []},
        )
        for r in records("prospect_pool")
    }
    return Catalogue(jobs=jobs, stages=names, reasons=reasons, pools=pools)


class CatalogueCache:
    """The catalogue of one ATS connection, read at first use and again after :meth:`forget`."""

    def __init__(self, connector: Connector, now: Callable[[], datetime]) -> None:
        self.connector, self.now = connector, now
        self._catalogue: Catalogue | None = None

    def get(self) -> Catalogue:
        """The catalogue (read now if it is not yet)."""
        if self._catalogue is None:
            self._catalogue = read_catalogue(self.connector, until=self.now())
        return self._catalogue

    def forget(self) -> None:
        """Read afresh at the next use (once per run)."""
        self._catalogue = None
