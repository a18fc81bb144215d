"""The emulated Harvest v3 API: ``POST /token`` and the ``/v3`` routes the connector uses."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from connectors.greenhouse.emulator import applications as apps
from connectors.greenhouse.emulator import people
from connectors.greenhouse.emulator.runtime import GreenhouseEmulator
from connectors.greenhouse.emulator.state import (
    EmulatorError,
    ListQuery,
    decode_cursor,
    encode_cursor,
    invalid,
)

__all__ = ["LIST_FILTERS", "MAX_PER_PAGE", "api_router", "json_body"]

MAX_PER_PAGE = 500
COMMON = frozenset({"ids", "created_at", "updated_at"})
LIST_FILTERS: dict[str, frozenset[str]] = {
    "candidates": COMMON,
    "applications": COMMON | {"candidate_ids", "job_ids", "status", "prospect"},
    "jobs": COMMON | {"status"},
    "job_interview_stages": COMMON | {"job_ids"},
    "rejection_reasons": COMMON,
    "users": COMMON,
    "notes": COMMON | {"candidate_ids"},
    "prospect_pools": COMMON,
}


def _emulator(request: Request) -> GreenhouseEmulator:
    emulator: GreenhouseEmulator = request.app.state.emulator
    return emulator


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 422 in Greenhouse's shape."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise invalid("body", "Must be valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("body", "Must be a JSON object")
    return body


def _query(request: Request, table: str) -> ListQuery:
    items = request.query_params.multi_items()
    names = {name for name, _ in items}
    if "cursor" in names:
        if len(items) != 1:
            raise invalid("cursor", "When cursor is given it must be the only query parameter")
        return decode_cursor(items[0][1], table)
    unknown = names - LIST_FILTERS[table] - {"per_page"}
    if unknown:
        raise invalid(sorted(unknown)[0], "Unknown query parameter")
    try:
        per_page = int(request.query_params.get("per_page", "100"))
    except ValueError:
        raise invalid("per_page", "Must be an integer") from None
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise invalid("per_page", f"Must be between 1 and {MAX_PER_PAGE}")
    filters = tuple((name, value) for name, value in items if name != "per_page")
    return ListQuery(table, filters, per_page)


def _list_endpoint(table: str) -> Any:
    async def list_records(request: Request) -> Response:
        query = _query(request, table)
        records, after = _emulator(request).state.page(query)
        headers = {}
        if after is not None:
            cursor = encode_cursor(
                ListQuery(query.table, query.filters, query.per_page, after_id=after)
            )
            headers["Link"] = f'<{request.url.replace(query=f"cursor={cursor}")}>; rel="next"'
        return JSONResponse(records, headers=headers)

    return list_records


def _check_client(request: Request, emulator: GreenhouseEmulator) -> None:
    knobs = emulator.gate.knobs
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        client_id = secret = ""
    wrong = (knobs.client_id is not None and client_id != knobs.client_id) or (
        knobs.client_secret is not None and secret != knobs.client_secret
    )
    if scheme.lower() != "basic" or not client_id or wrong:
        raise EmulatorError(401, "invalid_client")


async def issue_token(request: Request) -> Response:
    """``POST /token``: OAuth2 client credentials, HTTP Basic client auth, form body."""
    emulator = _emulator(request)
    _check_client(request, emulator)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    if form.get("grant_type") != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    sub = form.get("sub", "")
    if not sub.isdigit() or int(sub) not in emulator.state.tables["users"]:
        return JSONResponse({"error": "invalid_request", "error_description": "sub"}, 400)
    token = emulator.gate.issue_token()
    ttl = emulator.gate.knobs.token_ttl
    return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": ttl})


def api_router() -> APIRouter:
    """The ``/v3`` routes."""
    router = APIRouter()
    for table in LIST_FILTERS:
        router.add_api_route(f"/v3/{table}", _list_endpoint(table), methods=["GET"])

    @router.post("/v3/candidates", status_code=201)
    async def create_candidate(request: Request) -> Response:
        return await _create_person(request, prospect=False)

    @router.post("/v3/prospects", status_code=201)
    async def create_prospect(request: Request) -> Response:
        return await _create_person(request, prospect=True)

    @router.patch("/v3/candidates/{candidate_id}")
    async def patch_candidate(candidate_id: int, request: Request) -> Any:
        body = await json_body(request)
        emulator = _emulator(request)
        return emulator.apply(lambda: people.patch_candidate(emulator.state, candidate_id, body))

    @router.put("/v3/candidates/merge")
    async def merge_candidates(request: Request) -> Any:
        body = await json_body(request)
        emulator = _emulator(request)
        primary, duplicate = body.get("primary_candidate_id"), body.get("duplicate_candidate_id")
        if not isinstance(primary, int) or not isinstance(duplicate, int):
            raise invalid("primary_candidate_id", "Both candidate ids are required")
        emulator.apply(lambda: (None, people.merge_candidates(emulator.state, primary, duplicate)))
        return emulator.state.get("candidates", primary, what="Candidate")

    @router.put("/v3/candidates/{candidate_id}/anonymize")
    async def anonymize_candidate(candidate_id: int, request: Request) -> Any:
        emulator = _emulator(request)
        raw = request.query_params.get("fields", "")
        fields = [f.strip() for f in raw.split(",") if f.strip()]
        emulator.apply(
            lambda: (None, people.anonymize_candidate(emulator.state, candidate_id, fields))
        )
        return emulator.state.get("candidates", candidate_id, what="Candidate")

    @router.post("/v3/notes", status_code=201)
    async def create_note(request: Request) -> Any:
        body = await json_body(request)
        emulator = _emulator(request)
        return emulator.apply(lambda: people.add_note(emulator.state, body))

    _application_routes(router)
    router.add_api_route("/token", issue_token, methods=["POST"])
    return router


def _application_routes(router: APIRouter) -> None:
    @router.post("/v3/applications", status_code=201)
    async def add_application(request: Request) -> Any:
        body = await json_body(request)
        emulator = _emulator(request)
        return emulator.apply(lambda: apps.add_application(emulator.state, body))

    @router.post("/v3/applications/{application_id}/{verb}")
    async def act_on_application(application_id: int, verb: str, request: Request) -> Response:
        body = await json_body(request)
        emulator = _emulator(request)
        state = emulator.state
        if verb == "convert_to_candidate":
            new = emulator.apply(lambda: apps.convert_prospect(state, application_id, body))
            return JSONResponse(new, status_code=201)
        if verb == "move":
            emulator.apply(lambda: (None, apps.move_application(state, application_id, body)))
        elif verb == "reject":
            emulator.apply(lambda: (None, apps.reject_application(state, application_id, body)))
        else:
            raise EmulatorError(404, f"Unknown action {verb}")
        return Response(status_code=204)

    @router.delete("/v3/applications/{application_id}")
    async def delete_application(application_id: int, request: Request) -> Response:
        emulator = _emulator(request)
        emulator.apply(lambda: (None, apps.delete_application(emulator.state, application_id)))
        return Response(status_code=204)


async def _create_person(request: Request, *, prospect: bool) -> Response:
    body = await json_body(request)
    emulator = _emulator(request)
    created = emulator.apply(lambda: people.create_person(emulator.state, body, prospect=prospect))
    if emulator.gate.knobs.truncated_creates:
        with emulator.state.lock:
            emulator.state.hidden[created["id"]] = emulator.gate.knobs.create_read_lag
        return JSONResponse({"id": created["id"]}, status_code=201)
    return JSONResponse(created, status_code=201)


def install_error_handler(app: FastAPI) -> None:
    """Render :class:`EmulatorError` as Greenhouse's error body."""

    async def handle(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, EmulatorError)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def handle_invalid(_request: Request, exc: Exception) -> Response:
        # FastAPI's own validation (e.g. a non-numeric id in the path), in Greenhouse's shape.
        assert isinstance(exc, RequestValidationError)
        errors = [(".".join(str(p) for p in e["loc"][1:]), str(e["msg"])) for e in exc.errors()]
        return JSONResponse(EmulatorError(422, "Validation error", errors).body(), 422)

    app.add_exception_handler(EmulatorError, handle)
    app.add_exception_handler(RequestValidationError, handle_invalid)
