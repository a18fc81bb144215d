"""An application of a person to a job (or a prospect application, possibly jobless)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from hub.models.base import CanonicalModel

ApplicationStatus = Literal["active", "rejected", "hired", "converted"]


class Application(CanonicalModel):
    """An application as the hub sees it.

    Attributes:
        id: The ATS's application id.
        person_id: The ATS's candidate (person) id.
        job_id: The job, if any (prospect applications may have none).
        job_name: The job's name, for CRM display.
        stage_id: Current stage id.
        stage_name: Current stage name.
        status: active, rejected, hired or converted.
        prospect: Whether this is a prospect application.
        rejection_reason: The reason's name, when rejected.
        applied_at: When the application was made.
        updated_at: When the vendor last changed it.
    """

    id: str
    person_id: str
    job_id: str | None = None
    job_name: str | None = None
    stage_id: str | None = None
    stage_name: str | None = None
    status: ApplicationStatus = "active"
    prospect: bool = False
    rejection_reason: str | None = None
    source: str | None = None
    applied_at: datetime | None = None
    updated_at: datetime | None = None
