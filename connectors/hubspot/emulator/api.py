"""The emulated HubSpot endpoints: contacts (single, batch, search, merge, GDPR) and properties."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.hubspot.emulator.errors import ApiError, error_body
from connectors.hubspot.emulator.search import run_search
from connectors.hubspot.emulator.state import EmulatorState
from connectors.hubspot.emulator.store import Contact, iso

__all__ = ["CONTACT_PREFIXES", "contacts_router", "properties_router"]

CONTACT_PREFIXES = (
    "/crm/v3/objects/contacts",
    "/crm/v3/objects/0-1",
    "/crm/objects/2026-03/contacts",
)
BATCH_LIMIT = 100
JSON = dict[str, Any]


def wire_properties(raw: Any) -> dict[str, str]:
    """Property values as strings, the way HubSpot stores them."""
    if not isinstance(raw, dict):
        raise ApiError(400, "VALIDATION_ERROR", message="properties must be an object")
    out: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = "" if value is None else str(value)
    return out


def _names(request: Request) -> list[str]:
    values = request.query_params.getlist("properties")
    return [name for value in values for name in value.split(",") if name]


async def _body(request: Request) -> JSON:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "VALIDATION_ERROR", message="Invalid input JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", message="Invalid input JSON")
    return body


def _inputs(body: JSON) -> list[JSON]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise ApiError(400, "VALIDATION_ERROR", message="inputs is required")
    if len(inputs) > BATCH_LIMIT:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            message=f"Batch input limit of {BATCH_LIMIT} exceeded: got {len(inputs)} inputs",
        )
    return inputs


def _batch_answer(
    state: EmulatorState, results: list[JSON], errors: list[JSON], *, ok_status: int
) -> JSONResponse:
    now = iso(state.now_ms())
    body: JSON = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
    if errors:
        body.update(numErrors=len(errors), errors=errors)
    return JSONResponse(body, status_code=207 if errors else ok_status)


def _item_error(error: ApiError, item: JSON) -> JSON:
    context: dict[str, list[str]] = {}
    if item.get("objectWriteTraceId") is not None:
        context["objectWriteTraceId"] = [str(item["objectWriteTraceId"])]
    if item.get("id") is not None:
        context["ids"] = [str(item["id"])]
    return {**error_body(error.category, error.message), "context": context}


def _run_batch(
    inputs: list[JSON], one: Callable[[JSON], Contact | None]
) -> tuple[list[JSON], list[JSON]]:
    results: list[JSON] = []
    errors: list[JSON] = []
    for item in inputs:
        try:
            contact = one(item)
        except ApiError as error:
            errors.append(_item_error(error, item))
            continue
        if contact is not None:
            answer = contact.to_json(list(wire_properties(item.get("properties") or {})) or None)
            if item.get("objectWriteTraceId") is not None:
                answer["objectWriteTraceId"] = str(item["objectWriteTraceId"])
            answer.update({k: v for k, v in item.items() if k == "new"})
            results.append(answer)
    return results, errors


def _read_routes(router: APIRouter, state: EmulatorState) -> None:
    """Listing, search and single reads."""

    @router.get("")
    async def list_contacts(
        request: Request, limit: int = 10, after: str = "", archived: bool = False
    ) -> JSONResponse:
        if limit > 100 or limit < 1:
            raise ApiError(400, "VALIDATION_ERROR", message="limit must be between 1 and 100")
        store = state.store
        if archived:
            ids = sorted(c.id for c in store.contacts.values() if c.archived)
        else:
            ids = store.live_ids
        start = bisect.bisect_left(ids, int(after)) if after.isdigit() else 0
        page = ids[start : start + limit]
        names = _names(request) or None
        body: JSON = {"results": [store.contacts[i].to_json(names) for i in page]}
        if start + limit < len(ids):
            nxt = str(ids[start + limit])
            body["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return JSONResponse(body)

    @router.post("/search")
    async def search(request: Request) -> JSONResponse:
        body = await _body(request)
        lag = state.config.search_lag_ms
        return JSONResponse(run_search(state.store, body, now_ms=state.now_ms(), lag_ms=lag))

    @router.get("/{contact_id}")
    async def get_one(
        request: Request, contact_id: str, idProperty: str | None = None
    ) -> JSONResponse:
        contact = state.store.resolve(contact_id, idProperty)
        return JSONResponse(contact.to_json(_names(request) or None))


def _batch_routes(router: APIRouter, state: EmulatorState) -> None:
    """The batch endpoints (100 inputs at most, 207 on partial failure)."""

    @router.post("/batch/read")
    async def batch_read(request: Request) -> JSONResponse:
        body = await _body(request)
        names = list(body.get("properties") or []) or None
        id_property = body.get("idProperty")

        def one(item: JSON) -> Contact:
            return state.store.resolve(str(item.get("id", "")), id_property)

        results, errors = _run_batch(_inputs(body), one)
        results = [state.store.resolve(r["id"], None).to_json(names) for r in results]
        return _batch_answer(state, results, errors, ok_status=200)

    @router.post("/batch/create")
    async def batch_create(request: Request) -> JSONResponse:
        body = await _body(request)
        now = state.now_ms()

        def one(item: JSON) -> Contact:
            return state.store.create(wire_properties(item.get("properties") or {}), now_ms=now)

        return _batch_answer(state, *_run_batch(_inputs(body), one), ok_status=201)

    @router.post("/batch/update")
    async def batch_update(request: Request) -> JSONResponse:
        body = await _body(request)
        now = state.now_ms()

        def one(item: JSON) -> Contact:
            contact = state.store.resolve(str(item.get("id", "")), item.get("idProperty"))
            props = wire_properties(item.get("properties") or {})
            return state.store.update(contact, props, now_ms=now)

        return _batch_answer(state, *_run_batch(_inputs(body), one), ok_status=200)

    @router.post("/batch/upsert")
    async def batch_upsert(request: Request) -> JSONResponse:
        body = await _body(request)
        now = state.now_ms()

        def one(item: JSON) -> Contact:
            props = wire_properties(item.get("properties") or {})
            key = str(item.get("id", ""))
            if item.get("idProperty") != "email":
                return state.store.update(state.store.resolve(key, None), props, now_ms=now)
            existing = state.store.by_email.get(key.lower())
            item["new"] = existing is None
            if existing is None:
                return state.store.create({**props, "email": key}, now_ms=now)
            return state.store.update(state.store.live(existing), props, now_ms=now)

        return _batch_answer(state, *_run_batch(_inputs(body), one), ok_status=200)

    @router.post("/batch/archive", status_code=204)
    async def batch_archive(request: Request) -> Response:
        body = await _body(request)
        for item in _inputs(body):
            try:
                contact = state.store.live(str(item.get("id", "")))
                state.store.archive(contact, now_ms=state.now_ms())
            except ApiError:
                continue  # HubSpot ignores ids that are already gone
        return Response(status_code=204)


def _write_routes(router: APIRouter, state: EmulatorState) -> None:
    """Single create, update, archive, merge and GDPR delete."""

    @router.post("", status_code=201)
    async def create(request: Request) -> JSONResponse:
        body = await _body(request)
        props = wire_properties(body.get("properties") or {})
        contact = state.store.create(props, now_ms=state.now_ms())
        return JSONResponse(contact.to_json(list(contact.properties)), status_code=201)

    @router.patch("/{contact_id}")
    async def patch(
        request: Request, contact_id: str, idProperty: str | None = None
    ) -> JSONResponse:
        body = await _body(request)
        contact = state.store.resolve(contact_id, idProperty)
        props = wire_properties(body.get("properties") or {})
        state.store.update(contact, props, now_ms=state.now_ms())
        return JSONResponse(contact.to_json(list(contact.properties)))

    @router.delete("/{contact_id}", status_code=204)
    async def archive(contact_id: str) -> Response:
        state.store.archive(state.store.live(contact_id), now_ms=state.now_ms())
        return Response(status_code=204)

    @router.post("/merge")
    async def merge(request: Request) -> JSONResponse:
        body = await _body(request)
        primary = state.store.live(str(body.get("primaryObjectId", "")))
        other = state.store.live(str(body.get("objectIdToMerge", "")))
        merged = state.store.merge(primary, other, now_ms=state.now_ms())
        return JSONResponse(merged.to_json(list(merged.properties)))

    @router.post("/gdpr-delete", status_code=204)
    async def gdpr_delete(request: Request) -> Response:
        body = await _body(request)
        contact = state.store.resolve(str(body.get("objectId", "")), body.get("idProperty"))
        state.store.erase(contact)
        return Response(status_code=204)


def contacts_router(state: EmulatorState) -> APIRouter:
    """Routes for ``/crm/v3/objects/contacts`` (mounted under each contacts prefix)."""
    router = APIRouter()
    _read_routes(router, state)
    _batch_routes(router, state)
    _write_routes(router, state)
    return router


def properties_router(state: EmulatorState) -> APIRouter:
    """Routes for ``/crm/v3/properties/contacts`` and its groups."""
    router = APIRouter()

    @router.get("/crm/v3/properties/contacts")
    async def list_properties() -> JSONResponse:
        return JSONResponse({"results": list(state.store.catalog.properties.values())})

    @router.get("/crm/v3/properties/contacts/groups")
    async def list_groups() -> JSONResponse:
        return JSONResponse({"results": list(state.store.catalog.groups.values())})

    @router.post("/crm/v3/properties/contacts/groups", status_code=201)
    async def create_group(request: Request) -> JSONResponse:
        body = await _body(request)
        name = str(body.get("name", ""))
        if not name or name in state.store.catalog.groups:
            raise ApiError(
                409, "CONFLICT", message="A property group with that name already exists"
            )
        state.store.catalog.groups[name] = body
        return JSONResponse(body, status_code=201)

    @router.get("/crm/v3/properties/contacts/{name}")
    async def get_property(name: str) -> JSONResponse:
        spec = state.store.catalog.properties.get(name)
        if spec is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", message="resource not found")
        return JSONResponse(spec)

    @router.post("/crm/v3/properties/contacts", status_code=201)
    async def create_property(request: Request) -> JSONResponse:
        body = await _body(request)
        catalog = state.store.catalog
        missing = [
            k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)
        ]
        if missing:
            raise ApiError(400, "VALIDATION_ERROR", message=f"Missing fields: {', '.join(missing)}")
        if body["name"] in catalog.properties:
            raise ApiError(409, "CONFLICT", message=f"Property named {body['name']} already exists")
        if body["groupName"] not in catalog.groups:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                message=f"Property group {body['groupName']} does not exist",
            )
        spec = {"options": [], "hubspotDefined": False, "hasUniqueValue": False, **body}
        catalog.properties[body["name"]] = spec
        return JSONResponse(spec, status_code=201)

    return router
