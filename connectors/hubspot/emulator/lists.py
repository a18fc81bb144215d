"""HubSpot Lists v3 for contacts: manual (static) lists, their memberships, search by name.

Routes (``/crm/v3/lists``): ``GET /object-type-id/0-1/name/{name}`` (one list by name),
``POST /search`` (lists, ``offset`` paging), ``GET /{listId}/memberships`` (``after`` paging,
records in id order with their ``membershipTimestamp``), ``PUT /{listId}/memberships/add`` and
``/remove`` (a JSON array of record ids; ids of missing records come back in
``recordIdsMissing``). Only ``MANUAL`` lists take membership writes, as in HubSpot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from connectors.hubspot.emulator.errors import ApiError
from connectors.hubspot.emulator.store import iso

__all__ = ["ContactList", "ListStore", "lists_router"]

CONTACT_OBJECT = "0-1"
SEEDED = ("Ready for ATS", "Recruiting nurture", "Newsletter")


@dataclass
class ContactList:
    """One list and its members (contact id → epoch ms they joined)."""

    list_id: int
    name: str
    created_ms: int
    updated_ms: int
    processing: str = "MANUAL"
    members: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The list as the API shows it."""
        return {
            "listId": str(self.list_id),
            "name": self.name,
            "objectTypeId": CONTACT_OBJECT,
            "processingType": self.processing,
            "processingStatus": "COMPLETE",
            "size": len(self.members),
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
        }


@dataclass
class ListStore:
    """Every list of the portal."""

    lists: dict[int, ContactList] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def seeded(cls, now_ms: int) -> ListStore:
        """The lists a recruiting portal starts with (all empty, manual)."""
        store = cls()
        for i, name in enumerate(SEEDED, 1):
            store.lists[i] = ContactList(i, name, now_ms, now_ms)
        return store

    def by_name(self, name: str) -> ContactList:
        """A list by name (case-insensitive), or HubSpot's 404."""
        for item in self.lists.values():
            if item.name.casefold() == name.casefold():
                return item
        raise ApiError(404, "OBJECT_NOT_FOUND", message=f"List with name {name} not found")

    def get(self, list_id: str) -> ContactList:
        """A list by id, or HubSpot's 404."""
        found = self.lists.get(int(list_id)) if list_id.isdigit() else None
        if found is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", message=f"List {list_id} not found")
        return found

    def change(
        self, item: ContactList, ids: list[int], *, add: bool, now_ms: int
    ) -> tuple[list[str], list[str]]:
        """Add or remove members; the ids changed and the ids of contacts that do not exist."""
        if item.processing != "MANUAL":
            raise ApiError(
                400, "VALIDATION_ERROR", message="Memberships of a DYNAMIC list cannot be set"
            )
        changed = []
        with self.lock:
            for contact_id in ids:
                if add and contact_id not in item.members:
                    item.members[contact_id] = now_ms
                    changed.append(str(contact_id))
                elif not add and item.members.pop(contact_id, None) is not None:
                    changed.append(str(contact_id))
            if changed:
                item.updated_ms = now_ms
        return changed, []


def _ids(body: Any) -> list[str]:
    if not isinstance(body, list) or not all(isinstance(i, str | int) for i in body):
        raise ApiError(400, "VALIDATION_ERROR", message="Expected a JSON array of record ids")
    if len(body) > 100_000:
        raise ApiError(400, "VALIDATION_ERROR", message="At most 100000 record ids per call")
    return [str(i) for i in body]


def lists_router(state: Any) -> APIRouter:
    """The Lists v3 routes over ``state.lists`` (contacts checked against ``state.store``)."""
    router = APIRouter(prefix="/crm/v3/lists")

    @router.get("/object-type-id/{object_type}/name/{name}")
    async def by_name(object_type: str, name: str) -> JSONResponse:
        if object_type != CONTACT_OBJECT:
            raise ApiError(404, "OBJECT_NOT_FOUND", message=f"List with name {name} not found")
        return JSONResponse({"list": state.lists.by_name(name).to_json()})

    @router.post("/search")
    async def search(request: Request) -> JSONResponse:
        body = await request.json()
        offset, count = int(body.get("offset") or 0), min(int(body.get("count") or 20), 500)
        query = str(body.get("query") or "").casefold()
        found = [
            item.to_json()
            for item in sorted(state.lists.lists.values(), key=lambda i: i.list_id)
            if query in item.name.casefold()
        ]
        page = found[offset : offset + count]
        more = offset + count < len(found)
        answer = {"lists": page, "hasMore": more, "offset": offset + len(page), "total": len(found)}
        return JSONResponse(answer)

    @router.get("/{list_id}/memberships")
    async def memberships(list_id: str, after: str = "", limit: int = 100) -> JSONResponse:
        item = state.lists.get(list_id)
        limit = max(1, min(limit, 250))
        start = int(after) if after.isdigit() else 0
        ids = sorted(i for i in item.members if i > start)
        page = ids[:limit]
        results = [{"recordId": str(i), "membershipTimestamp": iso(item.members[i])} for i in page]
        answer: dict[str, Any] = {"results": results}
        if len(ids) > limit:
            answer["paging"] = {"next": {"after": str(page[-1])}}
        return JSONResponse(answer)

    @router.put("/{list_id}/memberships/{verb}")
    async def change(list_id: str, verb: str, request: Request) -> JSONResponse:
        if verb not in ("add", "remove"):
            raise ApiError(404, "OBJECT_NOT_FOUND", message="resource not found")
        item = state.lists.get(list_id)
        wanted = _ids(await request.json())
        live = {str(i) for i in state.store.live_ids}
        missing = [i for i in wanted if i not in live]
        present = [int(i) for i in wanted if i in live]
        changed, _ = state.lists.change(item, present, add=verb == "add", now_ms=state.now_ms())
        key = "recordIdsAdded" if verb == "add" else "recordIdsRemoved"
        return JSONResponse({key: changed, "recordIdsMissing": missing})

    return router
