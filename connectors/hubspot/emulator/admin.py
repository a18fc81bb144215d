"""Admin endpoints under ``/_emulator``: state, reset, faults, rates, and marketer actions.

The marketer actions stand for people editing contacts in HubSpot's UI: they bypass auth and
rate limits, may move a lifecycle stage backwards (the UI can), and raise outbound webhooks
with ``changeSource: CRM_UI``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from connectors.hubspot.emulator.api import wire_properties
from connectors.hubspot.emulator.outbound import WebhookSender
from connectors.hubspot.emulator.state import EmulatorState

__all__ = ["admin_router"]

UI = "CRM_UI"


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}


def admin_router(state: EmulatorState, sender: WebhookSender) -> APIRouter:
    """The ``/_emulator`` routes."""
    router = APIRouter(prefix="/_emulator")

    @router.get("/state")
    async def get_state() -> JSONResponse:
        store = state.store
        return JSONResponse(
            {
                "contacts": len(store.live_ids),
                "archived": sum(1 for c in store.contacts.values() if c.archived),
                "requests": state.requests,
                "daily_used": state.limiter.daily_used,
                "rate_limit": state.config.rate_limit,
                "search_rate": state.config.search_rate,
                "daily_limit": state.config.daily_limit,
                "search_lag_ms": state.config.search_lag_ms,
                "faults": {
                    "fault_rate": state.faults.fault_rate,
                    "slow_ms": state.faults.slow_ms,
                    "drop_rate": state.faults.drop_rate,
                    "fail_next": list(state.faults.fail_next),
                },
                "webhooks": {
                    "sent": sender.sent,
                    "failed": sender.failed,
                    "pending": sender.pending,
                },
            }
        )

    @router.post("/reset")
    async def reset(request: Request) -> JSONResponse:
        body = await _json(request)
        state.reset(seed=body.get("seed"), people=body.get("people"))
        return JSONResponse({"contacts": len(state.store.live_ids)})

    @router.post("/faults")
    async def faults(request: Request) -> JSONResponse:
        body = await _json(request)
        current = state.faults
        current.fault_rate = float(body.get("fault_rate", current.fault_rate))
        current.slow_ms = int(body.get("slow_ms", current.slow_ms))
        current.drop_rate = float(body.get("drop_rate", current.drop_rate))
        if "fail_next" in body:
            # Statuses for the next requests in order; -1 drops the connection.
            current.fail_next = deque(int(s) for s in body["fail_next"])
        return JSONResponse({"ok": True})

    @router.post("/rate")
    async def rate(request: Request) -> JSONResponse:
        body = await _json(request)
        config = state.config
        for key in ("rate_limit", "search_rate", "daily_limit", "search_lag_ms"):
            if key in body:
                setattr(config, key, int(body[key]))
        if "daily_used" in body:
            state.limiter.daily_used = int(body["daily_used"])
        return JSONResponse({"ok": True})

    @router.post("/contacts", status_code=201)
    async def ui_create(request: Request) -> JSONResponse:
        body = await _json(request)
        props = wire_properties(body.get("properties") or {})
        contact = state.store.create(props, now_ms=state.now_ms(), source=UI)
        return JSONResponse(contact.to_json(list(contact.properties)), status_code=201)

    @router.patch("/contacts/{contact_id}")
    async def ui_edit(contact_id: str, request: Request) -> JSONResponse:
        body = await _json(request)
        contact = state.store.live(contact_id)
        props = wire_properties(body.get("properties") or {})
        state.store.update(
            contact, props, now_ms=state.now_ms(), source=UI, enforce_lifecycle=False
        )
        return JSONResponse(contact.to_json(list(contact.properties)))

    @router.post("/contacts/{contact_id}/ready_for_ats")
    async def ready(contact_id: str) -> JSONResponse:
        contact = state.store.live(contact_id)
        props = {"hub_ready_for_ats": "true"}
        state.store.update(
            contact, props, now_ms=state.now_ms(), source=UI, enforce_lifecycle=False
        )
        return JSONResponse(contact.to_json(list(contact.properties)))

    @router.post("/lists/{name}/members/{contact_id}")
    async def add_to_list(name: str, contact_id: str) -> JSONResponse:
        """A marketer adds a contact to a list by hand."""
        contact = state.store.live(contact_id)
        item = state.lists.by_name(name)
        added, _ = state.lists.change(item, [int(contact.id)], add=True, now_ms=state.now_ms())
        return JSONResponse({"recordIdsAdded": added})

    @router.post("/merge")
    async def ui_merge(request: Request) -> JSONResponse:
        body = await _json(request)
        primary = state.store.live(str(body.get("primaryObjectId", "")))
        other = state.store.live(str(body.get("objectIdToMerge", "")))
        merged = state.store.merge(primary, other, now_ms=state.now_ms(), source=UI)
        return JSONResponse(merged.to_json(list(merged.properties)))

    @router.post("/contacts/{contact_id}/restore")
    async def restore(contact_id: str) -> JSONResponse:
        contact = state.store.restore(contact_id, now_ms=state.now_ms(), source=UI)
        return JSONResponse(contact.to_json(list(contact.properties)))

    @router.post("/contacts/{contact_id}/privacy_delete")
    async def privacy_delete(contact_id: str) -> JSONResponse:
        state.store.erase(state.store.live(contact_id), source=UI)
        return JSONResponse({"ok": True})

    return router
