"""Identity resolution for the sync: existing link first, then a matcher, else a new person.

:class:`EmailMatcher` links on normalised email only (Gmail dots and +tags folded; shared
inboxes such as ``jobs@`` or agency domains never link two records). It sits behind
:class:`Matcher`, the interface the scored matcher (:mod:`hub.sync.scored`) implements too.

The sync resolves a whole batch at once: a matcher that also has ``resolve_batch`` (see
:class:`BatchMatcher`) answers the batch's matches from one read of the store, keeps what it
learns in memory so a duplicate later in the same batch finds its person, and writes its keys
in one statement when the batch is saved. Any other :class:`Matcher` is called record by
record (:func:`match_batch`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.dedup.normalise.email import is_weak_value, normalise_email
from hub.models import Person
from hub.store.repo import create_person, insert_rows, new_person_id
from hub.store.tables import Link, PersonKey
from hub.store.tables import Person as PersonRow

__all__ = [
    "BatchMatcher",
    "EmailMatcher",
    "IdentityBatch",
    "MatchBatch",
    "Matcher",
    "Resolution",
    "identity_keys",
    "match_batch",
]


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


class MatchBatch(Protocol):
    """A matcher's view of one batch: matches and remembers in memory, then saves once.

    Persons remembered here may not be in the store until the caller has inserted them;
    :meth:`save` is called after that, in the batch's transaction.
    """

    def match(self, person: Person) -> str | None:
        """The id of the person ``person`` is, or ``None`` for a new person."""
        ...

    def remember(self, person_id: str, person: Person) -> None:
        """Index ``person``'s identifiers under ``person_id``; later matches see them at once."""
        ...

    def save(self, new: Collection[str] = ()) -> None:
        """Write what :meth:`remember` learnt to the store.

        Args:
            new: Persons made in this batch (nothing of them is stored yet).
        """
        ...

    def candidates(self) -> set[str]:
        """Persons :meth:`match` may name, as far as known up front (empty when unknown).

        The caller reads their state (erased or not) in one query instead of one per match.
        """
        ...


@runtime_checkable
class BatchMatcher(Matcher, Protocol):
    """A :class:`Matcher` that can also resolve a whole batch from one read of the store."""

    def resolve_batch(self, session: Session, persons: Sequence[Person]) -> MatchBatch:
        """A :class:`MatchBatch` preloaded for ``persons`` (the batch's mapped records)."""
        ...


def match_batch(matcher: Matcher, session: Session, persons: Sequence[Person]) -> MatchBatch:
    """The batch view of ``matcher``: its own when it has one, else record by record."""
    if isinstance(matcher, BatchMatcher):
        return matcher.resolve_batch(session, persons)
    return _RecordByRecord(matcher, session)


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

    def resolve_batch(self, session: Session, persons: Sequence[Person]) -> MatchBatch:
        """The batch's keys and every person holding them, read in one query."""
        return _EmailBatch(session, persons)


class _EmailBatch:
    """:class:`EmailMatcher` over an in-memory index of the batch's keys.

    The index holds, for every key it has read, *all* persons with that key, so answers
    equal those of :meth:`EmailMatcher.match` with every earlier ``remember`` flushed.
    """

    def __init__(self, session: Session, persons: Sequence[Person]) -> None:
        self.session = session
        self.index: dict[str, set[str]] = {}
        self.added: list[dict[str, Any]] = []
        self._keys: dict[int, tuple[Person, set[str]]] = {}
        self._load(set().union(*(self._keys_of(p) for p in persons)))

    def match(self, person: Person) -> str | None:
        keys = self._keys_of(person)
        if not keys:
            return None
        self._load(keys)
        found = set().union(*(self.index[key] for key in keys))
        # two different people share these emails: an identity decision for a human, not us
        return found.pop() if len(found) == 1 else None

    def remember(self, person_id: str, person: Person) -> None:
        keys = self._keys_of(person)
        self._load(keys)
        for key in sorted(keys):
            holders = self.index[key]
            if person_id not in holders:
                holders.add(person_id)
                self.added.append({"key": key, "person_id": person_id})

    def save(self, new: Collection[str] = ()) -> None:  # noqa: ARG002 - keys are only added
        insert_rows(self.session, PersonKey, self.added)
        self.added = []

    def candidates(self) -> set[str]:
        return set().union(*self.index.values())

    def _keys_of(self, person: Person) -> set[str]:
        # keyed by identity: the person is held here too, so its id() is never reused
        known = self._keys.get(id(person))
        if known is None:
            known = self._keys[id(person)] = (person, identity_keys(person))
        return known[1]

    def _load(self, keys: Iterable[str]) -> None:
        missing = sorted(set(keys) - self.index.keys())
        for key in missing:
            self.index[key] = set()
        for start in range(0, len(missing), 500):
            rows = self.session.execute(
                select(PersonKey.key, PersonKey.person_id).where(
                    PersonKey.key.in_(missing[start : start + 500])
                )
            )
            for key, person_id in rows:
                self.index[key].add(person_id)


class _RecordByRecord:
    """Any :class:`Matcher` as a :class:`MatchBatch`: each call goes to the store."""

    def __init__(self, matcher: Matcher, session: Session) -> None:
        self.matcher, self.session = matcher, session

    # the batch runs without autoflush: flush first, so each call sees the ones before it
    # (as record-by-record resolution always has)

    def match(self, person: Person) -> str | None:
        self.session.flush()
        return self.matcher.match(self.session, person)

    def remember(self, person_id: str, person: Person) -> None:
        self.session.flush()
        self.matcher.remember(self.session, person_id, person)

    def save(self, new: Collection[str] = ()) -> None:
        """Nothing held back: each ``remember`` wrote through the session already."""

    def candidates(self) -> set[str]:
        return set()


def _add_keys(session: Session, person_id: str, keys: Iterable[str]) -> None:
    existing = set(session.scalars(select(PersonKey.key).where(PersonKey.person_id == person_id)))
    for key in set(keys) - existing:
        session.add(PersonKey(key=key, person_id=person_id))


class IdentityBatch:
    """Identity state of one batch of one side, read in a few queries, written by :meth:`save`.

    Holds the batch's existing links, which of their persons are erased and the matcher's
    :class:`MatchBatch`. With a :class:`BatchMatcher`, new persons only get an id here: the
    caller inserts them (with their merged fields) before :meth:`save` writes the links and
    keys that point at them. A record-by-record matcher may write rows that point at its
    persons at once, so for it new persons are inserted at once too.

    Args:
        session: The batch's session (no autoflush needed).
        connection: The side's connection.
        object_type: The side's person object type.
        matcher: The pair's matcher.
        external_ids: The batch's record ids.
        persons: The batch's mapped records (what the matcher preloads for).
        now: Creation time of links and persons.
    """

    def __init__(
        self,
        session: Session,
        *,
        connection: str,
        object_type: str,
        matcher: Matcher,
        external_ids: Sequence[str],
        persons: Sequence[Person],
        now: datetime,
    ) -> None:
        self.session, self.connection, self.object_type, self.now = (
            session,
            connection,
            object_type,
            now,
        )
        self.links: dict[str, str] = {}
        ids = list(dict.fromkeys(external_ids))
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(Link.external_id, Link.person_id).where(
                    Link.connection == connection,
                    Link.object_type == object_type,
                    Link.external_id.in_(ids[start : start + 500]),
                )
            )
            self.links.update((external_id, person_id) for external_id, person_id in rows)
        self.matches = match_batch(matcher, session, persons)
        self.erased: dict[str, bool] = {}
        self._read_erased(set(self.links.values()) | self.matches.candidates())
        self.deferred = not isinstance(self.matches, _RecordByRecord)
        self.new: set[str] = set()
        self._new_links: list[dict[str, object]] = []

    def person_of(self, external_id: str) -> str | None:
        """The person the record is linked to (links made in this batch included)."""
        return self.links.get(external_id)

    def match(self, person: Person) -> str | None:
        """The matcher's answer for a record without a link."""
        return self.matches.match(person)

    def remember(self, person_id: str, person: Person) -> None:
        """Tell the matcher the record's identifiers belong to ``person_id``."""
        self.matches.remember(person_id, person)

    def new_person(self) -> str:
        """A new person's id (inserted by the caller, or at once for a record-by-record matcher)."""
        if self.deferred:
            person_id = new_person_id()
            self.new.add(person_id)
        else:
            person_id = create_person(self.session, now=self.now, data={}).id
        self.erased[person_id] = False
        return person_id

    def link(self, person_id: str, external_id: str) -> None:
        """Link a record that has no link yet to ``person_id``."""
        self.links[external_id] = person_id
        self._new_links.append(
            {
                "person_id": person_id,
                "connection": self.connection,
                "object_type": self.object_type,
                "external_id": external_id,
                "created_at": self.now,
            }
        )

    def is_erased(self, person_id: str) -> bool:
        """Whether the person was erased on request (the hub keeps none of their data)."""
        if person_id not in self.erased:
            self._read_erased({person_id})
        return self.erased[person_id]

    def save(self) -> None:
        """Write the batch's new links and the matcher's keys (their persons are stored)."""
        insert_rows(self.session, Link, self._new_links)
        self._new_links = []
        self.matches.save(self.new)

    def _read_erased(self, person_ids: set[str]) -> None:
        ids = sorted(person_ids)
        for pid in ids:
            self.erased[pid] = False
        for start in range(0, len(ids), 500):
            for pid in self.session.scalars(
                select(PersonRow.id).where(
                    PersonRow.id.in_(ids[start : start + 500]), PersonRow.erased_at.is_not(None)
                )
            ):
                self.erased[pid] = True
