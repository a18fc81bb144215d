"""Jobs and their interview stages."""

from __future__ import annotations

from hub.models.base import CanonicalModel


class Stage(CanonicalModel):
    """An interview stage of a job; ``order`` ranks stages within the job (0 first)."""

    id: str
    name: str
    order: int
    job_id: str | None = None


class Job(CanonicalModel):
    """A job (requisition) in the ATS."""

    id: str
    name: str
    status: str = "open"
    confidential: bool = False
    department: str | None = None
    office: str | None = None
    stages: tuple[Stage, ...] = ()
