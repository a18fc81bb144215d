"""Canonical, vendor-neutral models. Pure: no I/O imports."""

from __future__ import annotations

from hub.models.application import Application, ApplicationStatus
from hub.models.base import CanonicalModel
from hub.models.events import ChangeEvent, ChangeKind
from hub.models.job import Job, Stage
from hub.models.person import (
    Consent,
    CustomValue,
    Email,
    Person,
    Phone,
    ProfileLink,
    RelationshipStatus,
)
from hub.models.refs import ExternalRef

__all__ = [
    "Application",
    "ApplicationStatus",
    "CanonicalModel",
    "ChangeEvent",
    "ChangeKind",
    "Consent",
    "CustomValue",
    "Email",
    "ExternalRef",
    "Job",
    "Person",
    "Phone",
    "ProfileLink",
    "RelationshipStatus",
    "Stage",
]
