"""Contact lists (HubSpot Lists v3): read lists with their members, add and remove members.

A list is the object type ``contact_list``: its record is the list (``listId``, ``name``,
``updatedAt``) with ``members``, the ids of its contacts. Membership writes are contact ops:
``WriteOp("contact", "list_add" | "list_remove", data={"list": NAME}, external_id=CONTACT)``;
the ops of one list go in one ``PUT /crm/v3/lists/{listId}/memberships/add|remove`` call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.values import parse_datetime
from hub.connector import VendorRecord, WriteOp, WriteResult
from hub.errors import ConnectorError, NotFoundError, RetryableError

__all__ = ["LIST_ACTIONS", "ListClient", "write_memberships"]

LIST_ACTIONS = frozenset({"list_add", "list_remove"})
LISTS = "/crm/v3/lists"
CONTACT_OBJECT = "0-1"
JSON = dict[str, Any]


class ListClient:
    """The Lists v3 calls the connector makes, on the connector's paced, retrying client."""

    def __init__(self, client: HubSpotClient) -> None:
        self.http = client.http
        self._ids: dict[str, str] = {}

    def list_id(self, name: str) -> str:
        """A list's id by name (looked up once per connector)."""
        if name not in self._ids:
            response = self.http.request(
                "GET",
                f"{LISTS}/object-type-id/{CONTACT_OBJECT}/name/{name}",
                endpoint="GET lists/object-type-id/name",
            )
            self._ids[name] = str(response.json()["list"]["listId"])
        return self._ids[name]

    def lists(self) -> Iterator[JSON]:
        """Every contact list of the portal (search, ``offset`` paging)."""
        offset = 0
        while True:
            response = self.http.request(
                "POST",
                f"{LISTS}/search",
                endpoint="POST lists/search",
                json={"query": "", "offset": offset, "count": 500},
            )
            body = response.json()
            yield from body.get("lists") or []
            if not body.get("hasMore"):
                return
            offset = int(body["offset"])

    def members(self, list_id: str) -> list[str]:
        """The ids of a list's contacts (``after`` paging)."""
        found: list[str] = []
        after = ""
        while True:
            params = {"limit": "250", **({"after": after} if after else {})}
            response = self.http.request(
                "GET",
                f"{LISTS}/{list_id}/memberships",
                endpoint="GET lists/memberships",
                params=params,
            )
            body = response.json()
            found += [str(item["recordId"]) for item in body.get("results") or []]
            after = ((body.get("paging") or {}).get("next") or {}).get("after") or ""
            if not after:
                return found

    def record(self, item: JSON) -> VendorRecord:
        """A list with its members, as a VendorRecord."""
        list_id = str(item["listId"])
        data = {**item, "members": self.members(list_id)}
        return VendorRecord(
            object_type="contact_list",
            external_id=list_id,
            updated_at=parse_datetime(str(item["updatedAt"])),
            data=data,
        )

    def change(self, list_id: str, contact_ids: Sequence[str], *, add: bool) -> JSON:
        """Add or remove members of one list in one call."""
        verb = "add" if add else "remove"
        response = self.http.request(
            "PUT",
            f"{LISTS}/{list_id}/memberships/{verb}",
            endpoint=f"PUT lists/memberships/{verb}",
            json=list(contact_ids),
        )
        body: JSON = response.json()
        return body


def write_memberships(lists: ListClient, ops: Sequence[WriteOp]) -> list[WriteResult]:
    """Apply list membership ops, one call per (list, add or remove)."""
    results: list[WriteResult | None] = [None] * len(ops)
    groups: dict[tuple[str, bool], list[int]] = {}
    for index, op in enumerate(ops):
        name = str(op.data.get("list") or "")
        if not name or not op.external_id:
            results[index] = WriteResult(op, ok=False, error=f"{op.action} needs a list and an id")
            continue
        groups.setdefault((name, op.action == "list_add"), []).append(index)
    for (name, add), indexes in groups.items():
        try:
            list_id = lists.list_id(name)
            answer = lists.change(list_id, [str(ops[i].external_id) for i in indexes], add=add)
        except NotFoundError:
            for i in indexes:
                results[i] = WriteResult(ops[i], ok=False, error=f"no contact list named {name!r}")
            continue
        except ConnectorError as exc:
            retry = isinstance(exc, RetryableError)
            for i in indexes:
                results[i] = WriteResult(ops[i], ok=False, error=str(exc), retryable=retry)
            continue
        missing = {str(i) for i in answer.get("recordIdsMissing") or []}
        for i in indexes:
            contact = str(ops[i].external_id)
            if contact in missing:
                results[i] = WriteResult(ops[i], ok=False, error=f"contact {contact} not found")
            else:
                results[i] = WriteResult(ops[i], ok=True, external_id=contact)
    return [r for r in results if r is not None]
