"""Harvest v3 record shapes and routes: the one place every v3 assumption lives.

Confirmed from the v3 docs (harvestdocs.greenhouse.io): OAuth2 client credentials at
``{auth_url}/token``; cursor paging through ``Link: <…?cursor=…>; rel="next"`` with the cursor as
the only query parameter; ``created_at``/``updated_at`` filters written ``op|ISO-8601`` with
``gte|lte|gt|lt``; ``ids`` and parent filters such as ``candidate_ids``; ``POST /applications``,
``POST /applications/{id}/move`` (``from_stage_id`` guard), ``/reject`` (reason required) and
``/convert_to_candidate`` answering 204 or the new application; datetimes end ``_at``, dates
``_on``, priorities are ``sort_order``, and parents' ids sit in children (a candidate lists no
applications).

Assumed (not public in v3 at the time of writing), each marked ``ASSUMED`` below: the field names
of candidates, applications, jobs, stages, rejection reasons and users beyond ``id``,
``created_at`` and ``updated_at``; the candidate and prospect create/patch routes; the token
response fields; the ``per_page`` maximum of 500 (v1's limit); the list endpoints' ordering
(ascending id in our emulator); and that the v1 error body ``{"message", "errors": [{"message",
"field"}]}`` is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "APPLICATION_STATUSES",
    "LIST_ROUTES",
    "MAX_PER_PAGE",
    "OBJECT_TYPES",
    "Application",
    "Candidate",
    "ContactValue",
    "HarvestRecord",
    "Job",
    "JobInterviewStage",
    "RejectionReason",
    "TokenResponse",
    "User",
    "WRITE_ROUTES",
]

# ASSUMED: v1's limit, also used by third-party v3 clients.
MAX_PER_PAGE = 500

APPLICATION_STATUSES = ("active", "rejected", "hired", "converted")


class HarvestRecord(BaseModel):
    """What every v3 resource carries (confirmed); unknown fields are kept, never dropped."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: int
    created_at: datetime | None = None
    updated_at: datetime


class ContactValue(BaseModel):
    """One email, phone, address, website or social link (v1 shape; ASSUMED kept in v3)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    value: str
    type: str | None = None


class Candidate(HarvestRecord):
    """A candidate or prospect (a prospect is a candidate whose applications are prospects).

    ASSUMED: v1's candidate fields minus the embedded applications (v3 keeps child ids out of
    parents), with ``recruiter_id``/``coordinator_id`` ids instead of embedded users.
    """

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    is_private: bool = False
    can_email: bool = True
    last_activity_at: datetime | None = None
    email_addresses: list[ContactValue] = Field(default_factory=list)
    phone_numbers: list[ContactValue] = Field(default_factory=list)
    addresses: list[ContactValue] = Field(default_factory=list)
    website_addresses: list[ContactValue] = Field(default_factory=list)
    social_media_addresses: list[ContactValue] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    recruiter_id: int | None = None
    coordinator_id: int | None = None


class Application(HarvestRecord):
    """A candidate application (one job) or a prospect application (zero or more jobs).

    ASSUMED: parent ids as flat fields (``candidate_id``, ``job_ids``, ``stage_id``,
    ``rejection_reason_id``, prospect pool/stage/owner ids) in place of v1's embedded objects.
    """

    candidate_id: int
    prospect: bool = False
    status: str = "active"
    job_ids: list[int] = Field(default_factory=list)
    stage_id: int | None = None
    applied_at: datetime | None = None
    rejected_at: datetime | None = None
    hired_at: datetime | None = None
    last_activity_at: datetime | None = None
    rejection_reason_id: int | None = None
    source_id: int | None = None
    prospect_pool_id: int | None = None
    prospect_stage_id: int | None = None
    prospect_owner_id: int | None = None


class Job(HarvestRecord):
    """A job (ASSUMED: v1's scalar fields)."""

    name: str
    status: str = "open"
    requisition_id: str | None = None
    confidential: bool = False
    opened_at: datetime | None = None
    closed_at: datetime | None = None


class JobInterviewStage(HarvestRecord):
    """A job's interview stage (v3 renames v1's ``priority`` to ``sort_order``)."""

    job_id: int
    name: str
    sort_order: int = 0
    active: bool = True


class RejectionReason(HarvestRecord):
    """A rejection reason (ASSUMED: ``type`` kept as v1's ``{id, name}``)."""

    name: str
    type: dict[str, Any] | None = None


class User(HarvestRecord):
    """A Greenhouse user (ASSUMED: v1's user fields)."""

    first_name: str | None = None
    last_name: str | None = None
    primary_email_address: str | None = None
    disabled: bool = False


class TokenResponse(BaseModel):
    """The token endpoint's answer (ASSUMED: standard OAuth2 fields, ``expires_in`` seconds)."""

    model_config = ConfigDict(extra="allow")

    access_token: str
    token_type: str = "Bearer"
    expires_in: float = 3600.0


class Note(HarvestRecord):
    """A note on a candidate (ASSUMED: v1's activity-feed note as the v3 ``/notes`` resource)."""

    candidate_id: int
    body: str
    visibility: str = "admin_only"
    user_id: int | None = None


class ProspectStage(BaseModel):
    """A stage of a prospect pool."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: int
    name: str


class ProspectPool(HarvestRecord):
    """A prospect pool and its stages (ASSUMED: v1's shape under ``/v3/prospect_pools``)."""

    name: str
    active: bool = True
    prospect_stages: list[ProspectStage] = Field(default_factory=list)


OBJECT_TYPES: dict[str, type[HarvestRecord]] = {
    "candidate": Candidate,
    "application": Application,
    "job": Job,
    "job_interview_stage": JobInterviewStage,
    "rejection_reason": RejectionReason,
    "user": User,
    "note": Note,
    "prospect_pool": ProspectPool,
}

# List routes (confirmed for applications, jobs, job_interview_stages; ASSUMED for the others).
LIST_ROUTES: dict[str, str] = {
    "candidate": "/candidates",
    "application": "/applications",
    "job": "/jobs",
    "job_interview_stage": "/job_interview_stages",
    "rejection_reason": "/rejection_reasons",
    "user": "/users",
    "note": "/notes",
    "prospect_pool": "/prospect_pools",
}

# (object_type, action) → (method, path template). Application routes are confirmed; candidate
# and prospect routes are ASSUMED to follow v3's resource naming.
WRITE_ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("candidate", "create"): ("POST", "/candidates"),
    ("prospect", "create"): ("POST", "/prospects"),
    ("candidate", "update"): ("PATCH", "/candidates/{id}"),
    ("application", "create"): ("POST", "/applications"),
    ("application", "move_stage"): ("POST", "/applications/{id}/move"),
    ("application", "reject"): ("POST", "/applications/{id}/reject"),
    ("application", "convert"): ("POST", "/applications/{id}/convert_to_candidate"),
    ("note", "create"): ("POST", "/notes"),
    # ASSUMED: v1's `PUT /candidates/{id}/anonymize?fields=…` under /v3.
    ("candidate", "anonymize"): ("PUT", "/candidates/{id}/anonymize"),
    # ASSUMED: v1's `PUT /candidates/merge` under /v3.
    ("candidate", "merge"): ("PUT", "/candidates/merge"),
}
