"""Identity resolution for the sync: existing link first, then a matcher, else a new person.

Until the scored matcher of the dedup work is wired in, :class:`EmailMatcher` links on
normalised email only (Gmail dots and +tags folded; shared inboxes such as ``jobs@`` or agency
domains never link two records). It sits behind :class:`Matcher`, the interface the scored
matcher will implement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.dedup.normalise.email import is_weak_value, normalise_email
from hub.models import Person
from hub.store.tables import PersonKey

__all__ = ["EmailMatcher", "Matcher", "Resolution", "identity_keys"]


@dataclass(frozen=True)
class Resolution:
    """Who a vendor record belongs to, and how that was decided."""

    person_id: str | None
    how: Literal["link", "match", "new"]


class Matcher(Protocol):
    """Finds the existing person a new vendor record belongs to, if any."""

    def match(self, session: Session, person: Person) -> str | None:
        """The id of the person ``person`` is, or ``None`` for a new person."""
        ...

    def remember(self, session: Session, person_id: str, person: Person) -> None:
        """Index ``person``'s identifiers under ``person_id`` for later matches."""
        ...


def identity_keys(person: Person) -> set[str]:
    """The strong identifiers of a person: normalised, non-shared emails."""
    keys: set[str] = set()
    for email in person.emails:
        for value in normalise_email(email.address):
            if not is_weak_value(value):
                keys.add(f"email:{value}")
    return keys


class EmailMatcher:
    """Matches on a shared normalised email; more than one candidate person is no match."""

    def match(self, session: Session, person: Person) -> str | None:
        """The one person sharing a strong email with ``person``, else ``None``."""
        keys = identity_keys(person)
        if not keys:
            return None
        found = set(session.scalars(select(PersonKey.person_id).where(PersonKey.key.in_(keys))))
        # two different people share these emails: an identity decision for a human, not us
        return found.pop() if len(found) == 1 else None

    def remember(self, session: Session, person_id: str, person: Person) -> None:
        """Add ``person``'s keys for ``person_id`` (keys it already has are kept)."""
        _add_keys(session, person_id, identity_keys(person))


def _add_keys(session: Session, person_id: str, keys: Iterable[str]) -> None:
    existing = set(session.scalars(select(PersonKey.key).where(PersonKey.person_id == person_id)))
    for key in set(keys) - existing:
        session.add(PersonKey(key=key, person_id=person_id))
