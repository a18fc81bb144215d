"""In-memory contacts with the indexes HubSpot's endpoints need.

Live contacts are kept in id order (listing with ``after``) and in a sorted
(lastmodifieddate, id) index (search windows by bisection, not by scanning), so 100,000+
contacts stay fast.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.hubspot.emulator.catalog import LIFECYCLE_STAGES, PropertyCatalog
from connectors.hubspot.emulator.errors import ApiError, invalid_properties

__all__ = ["Contact", "ContactStore", "iso"]

DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
ALWAYS = ("hs_object_id", "createdate", "lastmodifieddate")
Listener = Callable[[str, int, Mapping[str, Any]], None]


def iso(ms: int) -> str:
    """HubSpot's ISO form with milliseconds and ``Z``."""
    # time.gmtime is several times faster than datetime arithmetic, and listing 100k
    # contacts formats 300k timestamps.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


_BACKWARD_PROBLEM = {
    "error": "INVALID_LIFECYCLE_STAGE",
    "name": "lifecyclestage",
    "message": "lifecyclestage cannot move backwards; clear it first",
}


def _backwards(current: Contact, props: Mapping[str, str]) -> bool:
    new = props.get("lifecyclestage", "")
    old = current.properties.get("lifecyclestage", "")
    if new not in LIFECYCLE_STAGES or old not in LIFECYCLE_STAGES:
        return False
    return LIFECYCLE_STAGES.index(new) < LIFECYCLE_STAGES.index(old)


@dataclass
class Contact:
    """One contact as the emulator stores it."""

    id: int
    properties: dict[str, str]
    created_ms: int
    updated_ms: int
    archived: bool = False
    archived_ms: int | None = None

    def to_json(self, names: Sequence[str] | None) -> dict[str, Any]:
        """The ``SimplePublicObject`` form with the requested properties."""
        wanted = list(DEFAULT_PROPERTIES) if not names else [*names, *ALWAYS]
        props: dict[str, str | None] = {name: self.properties.get(name) for name in wanted}
        props["hs_object_id"] = str(self.id)
        props["createdate"] = iso(self.created_ms)
        props["lastmodifieddate"] = iso(self.updated_ms)
        body: dict[str, Any] = {
            "id": str(self.id),
            "properties": props,
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "archived": self.archived,
        }
        if self.archived_ms is not None:
            body["archivedAt"] = iso(self.archived_ms)
        return body


@dataclass
class ContactStore:
    """Contacts, their email index and their modification index.

    Attributes:
        catalog: Property definitions used to validate writes.
        listeners: Called with (change kind, contact id, details) on every change.
    """

    catalog: PropertyCatalog
    listeners: list[Listener] = field(default_factory=list)
    contacts: dict[int, Contact] = field(default_factory=dict)
    by_email: dict[str, int] = field(default_factory=dict)
    live_ids: list[int] = field(default_factory=list)
    modified: list[tuple[int, int]] = field(default_factory=list)
    next_id: int = 101

    def _emit(self, kind: str, contact_id: int, details: Mapping[str, Any]) -> None:
        for listener in self.listeners:
            listener(kind, contact_id, details)

    def load(self, rows: Iterable[tuple[dict[str, str], int, int]]) -> None:
        """Bulk-insert seeded (properties, created_ms, updated_ms) rows without events."""
        for props, created, updated in rows:
            contact = Contact(self.next_id, props, created, updated)
            self.contacts[contact.id] = contact
            self.live_ids.append(contact.id)
            self.modified.append((updated, contact.id))
            email = props.get("email", "").lower()
            if email:
                self.by_email.setdefault(email, contact.id)
            self.next_id += 1
        self.modified.sort()

    def live(self, contact_id: int | str) -> Contact:
        """A live contact, or HubSpot's 404."""
        key = int(contact_id) if str(contact_id).isdigit() else -1
        contact = self.contacts.get(key)
        if contact is None or contact.archived:
            raise ApiError(404, "OBJECT_NOT_FOUND", message="resource not found")
        return contact

    def resolve(self, identifier: str, id_property: str | None) -> Contact:
        """Find by id, or by email when ``id_property`` is ``email``."""
        if id_property == "email":
            found = self.by_email.get(identifier.lower())
            if found is None:
                raise ApiError(404, "OBJECT_NOT_FOUND", message="resource not found")
            return self.live(found)
        return self.live(identifier)

    def _check(self, props: Mapping[str, str], current: Contact | None, *, enforce: bool) -> None:
        problems = self.catalog.problems(props)
        if problems:
            raise invalid_properties(problems)
        email = props.get("email", "").lower()
        holder = self.by_email.get(email) if email else None
        if holder is not None and (current is None or holder != current.id):
            raise ApiError(
                409, "CONFLICT", message=f"Contact already exists. Existing ID: {holder}"
            )
        if enforce and current is not None and _backwards(current, props):
            raise invalid_properties([_BACKWARD_PROBLEM])

    def create(self, props: Mapping[str, str], *, now_ms: int, source: str = "API") -> Contact:
        """Create a contact (400 on bad values, 409 on a taken email)."""
        self._check(props, None, enforce=False)
        values = {k: v for k, v in props.items() if v != ""}
        contact = Contact(self.next_id, values, now_ms, now_ms)
        self.next_id += 1
        self.contacts[contact.id] = contact
        self.live_ids.append(contact.id)
        bisect.insort(self.modified, (now_ms, contact.id))
        if values.get("email"):
            self.by_email[values["email"].lower()] = contact.id
        self._emit("creation", contact.id, {"source": source})
        return contact

    def update(
        self,
        contact: Contact,
        props: Mapping[str, str],
        *,
        now_ms: int,
        source: str = "API",
        enforce_lifecycle: bool = True,
    ) -> Contact:
        """Update properties (``""`` clears); backward lifecycle moves are refused."""
        self._check(props, contact, enforce=enforce_lifecycle)
        changed = {k: v for k, v in props.items() if contact.properties.get(k, "") != v}
        if "email" in changed:
            self.by_email.pop(contact.properties.get("email", "").lower(), None)
            if changed["email"]:
                self.by_email[changed["email"].lower()] = contact.id
        for name, value in changed.items():
            if value == "":
                contact.properties.pop(name, None)
            else:
                contact.properties[name] = value
        self._touch(contact, now_ms)
        for name in changed:
            self._emit(
                "propertyChange",
                contact.id,
                {"property": name, "value": changed[name], "source": source},
            )
        return contact

    def _touch(self, contact: Contact, now_ms: int) -> None:
        index = bisect.bisect_left(self.modified, (contact.updated_ms, contact.id))
        if index < len(self.modified) and self.modified[index] == (contact.updated_ms, contact.id):
            del self.modified[index]
        contact.updated_ms = max(now_ms, contact.updated_ms)
        bisect.insort(self.modified, (contact.updated_ms, contact.id))

    def _unlist(self, contact: Contact) -> None:
        index = bisect.bisect_left(self.modified, (contact.updated_ms, contact.id))
        if index < len(self.modified) and self.modified[index] == (contact.updated_ms, contact.id):
            del self.modified[index]
        index = bisect.bisect_left(self.live_ids, contact.id)
        if index < len(self.live_ids) and self.live_ids[index] == contact.id:
            del self.live_ids[index]
        for email in _emails(contact):
            if self.by_email.get(email) == contact.id:
                del self.by_email[email]

    def archive(self, contact: Contact, *, now_ms: int, source: str = "API") -> None:
        """Archive (soft delete) a contact."""
        self._unlist(contact)
        contact.archived = True
        contact.archived_ms = now_ms
        self._emit("deletion", contact.id, {"source": source})

    def restore(self, contact_id: int | str, *, now_ms: int, source: str = "API") -> Contact:
        """Bring an archived contact back (HubSpot allows it for 90 days)."""
        contact = self.contacts.get(int(contact_id)) if str(contact_id).isdigit() else None
        if contact is None or not contact.archived:
            raise ApiError(404, "OBJECT_NOT_FOUND", message="resource not found")
        contact.archived = False
        contact.archived_ms = None
        bisect.insort(self.live_ids, contact.id)
        for email in _emails(contact):
            self.by_email.setdefault(email, contact.id)
        contact.updated_ms = max(now_ms, contact.updated_ms)
        bisect.insort(self.modified, (contact.updated_ms, contact.id))
        self._emit("restore", contact.id, {"source": source})
        return contact

    def erase(self, contact: Contact, *, source: str = "API") -> None:
        """GDPR delete: remove every trace of the contact."""
        if not contact.archived:
            self._unlist(contact)
        del self.contacts[contact.id]
        self._emit("privacyDeletion", contact.id, {"source": source})

    def merge(
        self, primary: Contact, other: Contact, *, now_ms: int, source: str = "API"
    ) -> Contact:
        """Fold ``other`` into ``primary``: empty fields filled, its email kept as additional."""
        if primary.id == other.id:
            raise ApiError(400, "VALIDATION_ERROR", message="Cannot merge a contact with itself")
        self._unlist(other)
        other.archived = True
        other.archived_ms = now_ms
        for name, value in other.properties.items():
            if name != "email":
                primary.properties.setdefault(name, value)
        other_email = other.properties.get("email")
        if other_email:
            extra = [e for e in primary.properties.get("hs_additional_emails", "").split(";") if e]
            primary.properties["hs_additional_emails"] = ";".join([*extra, other_email])
            self.by_email.setdefault(other_email.lower(), primary.id)
        self._touch(primary, now_ms)
        self._emit("merge", primary.id, {"merged": [other.id], "source": source})
        return primary


def _emails(contact: Contact) -> list[str]:
    """Every address the contact holds (lower case): its email and the ones merges added."""
    extra = contact.properties.get("hs_additional_emails", "").split(";")
    return [e.lower() for e in (contact.properties.get("email", ""), *extra) if e]
