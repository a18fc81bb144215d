"""Per-request context: the ``X-Request-ID``, the request-time histogram and the access log.

A plain ASGI middleware (no per-request task or body wrapping): it takes the caller's
``X-Request-ID`` when it is a sane token, or makes one, sets it in
:data:`hub.logs.request_id_var` for every log record of the request, and returns it in the
response. The access log names the route template, never the raw path or query (they can carry
ids or email addresses).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.errors import error_response
from hub.logs import describe_error, request_id_var

__all__ = ["RequestContextMiddleware"]

log = logging.getLogger(__name__)
access_log = logging.getLogger("hub.api.access")

# what we accept from a caller: enough for UUIDs and tracing ids, nothing that could forge a log
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_HEADER = b"x-request-id"


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == _HEADER:
            text: str = value.decode("latin-1")
            if _VALID_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Give every HTTP request an id, time it, and log one access line at INFO."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status, started_response = 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # answered here, in the one error shape and with the id, rather than by Starlette;
            # logged without the exception's message, which may quote personal data
            log.error(
                "unhandled error answering %s %s: %s",
                scope["method"],
                _route_of(scope),
                describe_error(exc),
            )
            if started_response:
                raise
            await _internal_error(send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route_of(scope)
            _observe(scope, scope["method"], route, status, seconds)
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                route,
                status,
                seconds * 1000,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            request_id_var.reset(token)


async def _internal_error(send: Send) -> None:
    response = error_response(500, "internal error; the log has the details under this request id")
    await send({"type": "http.response.start", "status": 500, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def _observe(scope: Scope, method: str, route: str, status: int, seconds: float) -> None:
    app: Any = scope.get("app")
    hub = getattr(getattr(app, "state", None), "hub", None)
    if hub is not None:
        hub.metrics.request_seconds.labels(method, route, f"{status // 100}xx").observe(seconds)
