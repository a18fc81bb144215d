"""The canonical person: the hub's vendor-neutral view of one human being."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from hub.models.base import CanonicalModel

CustomValue = str | int | float | bool | None


class RelationshipStatus(StrEnum):
    """Where a person stands in the recruiting relationship, as the hub sees it."""

    PROSPECT = "prospect"
    NURTURE = "nurture"
    APPLICANT = "applicant"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"
    SILVER_MEDALIST = "silver_medalist"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"


class Email(CanonicalModel):
    """An email address with its kind."""

    address: str
    type: Literal["personal", "work", "other"] = "other"
    primary: bool = False


class Phone(CanonicalModel):
    """A phone number; ``number`` is E.164 where it could be parsed, the raw text otherwise."""

    number: str
    type: Literal["mobile", "home", "work", "skype", "other"] = "other"
    extension: str | None = None


class ProfileLink(CanonicalModel):
    """A link to a profile or site about the person."""

    kind: Literal["linkedin", "github", "website", "twitter", "portfolio", "other"] = "other"
    url: str


class Consent(CanonicalModel):
    """Consent and opt-outs. ``None`` means unknown; the strictest known value always wins."""

    marketing_opt_out: bool | None = None
    email_opt_out: bool | None = None
    gdpr_consent: bool | None = None
    gdpr_consent_at: str | None = None


class Person(CanonicalModel):
    """One person as the hub knows them, independent of any vendor.

    Multi-valued fields are tuples so that the model stays hashable and frozen.
    """

    given_name: str | None = None
    family_name: str | None = None
    emails: tuple[Email, ...] = ()
    phones: tuple[Phone, ...] = ()
    links: tuple[ProfileLink, ...] = ()
    company: str | None = None
    title: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None
    referrer: str | None = None
    consent: Consent = Field(default_factory=Consent)
    owner: str | None = None
    custom: dict[str, CustomValue] = Field(default_factory=dict)
    relationship_status: RelationshipStatus | None = None

    @property
    def primary_email(self) -> str | None:
        """The primary email, else the first one, else ``None``."""
        for email in self.emails:
            if email.primary:
                return email.address
        return self.emails[0].address if self.emails else None
