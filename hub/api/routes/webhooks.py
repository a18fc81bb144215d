"""Inbound vendor webhooks: verify on the raw bytes, store events in the inbox, answer fast.

The route never calls a vendor API: events carry ids and are acted on later by jobs.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import Service
from hub.api.errors import ErrorBody, error_response
from hub.api.state import ServiceState
from hub.connector import WebhookRequest
from hub.errors import WebhookPayloadError, WebhookSignatureError
from hub.store.inbox import store_reject

router = APIRouter(tags=["webhooks"])
log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 404, 413)
}


class _TooLargeError(Exception):
    pass


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLargeError
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLargeError
    return bytes(body)


def _public_url(hub: ServiceState, request: Request) -> str:
    base = hub.config.api.public_url
    if not base:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base.rstrip('/')}{request.url.path}{query}"


@router.post("/webhooks/{connection}", status_code=200, responses=_ERRORS)
async def receive_webhook(connection: str, request: Request, hub: Service) -> Response:
    """Receive a vendor webhook for ``connection``.

    200 with the count of new events (Greenhouse retries anything but exactly 200); 401 bad
    or missing signature (nothing stored); 404 unknown connection; 413 body too large; 400
    unparseable body with a valid signature (kept raw).
    """
    counter = hub.metrics.inbound_webhooks
    connector = hub.connectors.get(connection)
    if connector is None:
        counter.labels("unknown", "unknown_connection").inc()
        return error_response(404, f"no connection named {connection!r}")
    try:
        body = await _read_limited(request, hub.config.api.max_body_bytes)
    except _TooLargeError:
        counter.labels(connection, "too_large").inc()
        return error_response(413, f"body larger than {hub.config.api.max_body_bytes} bytes")
    received = WebhookRequest(
        method=request.method,
        url=_public_url(hub, request),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        received_at=hub.now(),
    )
    try:
        events = await run_in_threadpool(connector.parse_webhook, received)
    except WebhookSignatureError as exc:
        counter.labels(connection, "bad_signature").inc()
        log.warning("webhook for %s refused: %s", connection, exc)
        return error_response(401, "webhook signature missing or invalid")
    except WebhookPayloadError as exc:
        counter.labels(connection, "malformed").inc()
        reject_id = await run_in_threadpool(_keep_reject, hub, connection, body, str(exc))
        return error_response(400, f"unparseable webhook body kept as reject {reject_id}: {exc}")
    # stored with the webhooks arriving meanwhile in one transaction; answered once committed
    assert hub.inbox is not None
    new = await asyncio.wrap_future(hub.inbox.submit(connection, events)) if events else 0
    counter.labels(connection, "accepted").inc()
    hub.metrics.inbound_events.labels(connection, "new").inc(new)
    hub.metrics.inbound_events.labels(connection, "duplicate").inc(len(events) - new)
    return Response(
        content=f'{{"received": {len(events)}, "new": {new}}}',
        status_code=200,
        media_type="application/json",
    )


def _keep_reject(hub: ServiceState, connection: str, body: bytes, error: str) -> int:
    with hub.sessions.begin() as session:
        return store_reject(session, connection=connection, body=body, error=error, now=hub.now())
