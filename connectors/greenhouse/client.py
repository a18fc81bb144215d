"""``GreenhouseClient``: Harvest v3 over :class:`hub.http.VendorHTTP` (auth, paging, errors)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from connectors.greenhouse.auth import GreenhouseAuth
from connectors.greenhouse.settings import GreenhouseSettings
from hub.connector import ConnectorContext
from hub.errors import FatalError, FieldError
from hub.http import (
    ErrorBody,
    RateBudget,
    RateHeaders,
    RetryPolicy,
    VendorHTTP,
    build_http_client,
)

__all__ = [
    "GreenhouseClient",
    "parse_greenhouse_error",
    "read_greenhouse_rate_headers",
    "required_permission",
]

log = logging.getLogger(__name__)

_ACTIONS = {"GET": "list", "POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def read_greenhouse_rate_headers(headers: httpx.Headers) -> RateHeaders:
    """Read ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` (per rate window)."""
    return RateHeaders(
        limit=_int_header(headers, "x-ratelimit-limit"),
        remaining=_int_header(headers, "x-ratelimit-remaining"),
    )


def required_permission(method: str, path: str) -> str:
    """The v3 scope a request needs, e.g. ``harvest:candidates:list`` for ``GET /v3/candidates``."""
    parts = [p for p in path.split("/") if p and p != "v3"]
    resource = parts[0] if parts else "unknown"
    return f"harvest:{resource}:{_ACTIONS.get(method.upper(), method.lower())}"


def parse_greenhouse_error(response: httpx.Response) -> ErrorBody:
    """Parse ``{"message": …, "errors": [{"message", "field"}]}`` into an :class:`ErrorBody`.

    Field messages are the vendor's validation texts (they name fields, not values). A 403
    names the permission the credentials lack.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    message = f"HTTP {response.status_code}"
    field_errors: list[FieldError] = []
    if isinstance(body, dict):
        message = str(body.get("message") or message)
        for item in body.get("errors") or []:
            if isinstance(item, dict):
                field_errors.append(
                    FieldError(field=str(item.get("field") or ""), message=str(item.get("message")))
                )
        if field_errors and not body.get("message"):
            message = "; ".join(f.message for f in field_errors)
    if response.status_code == 403:
        request = response.request
        scope = required_permission(request.method, request.url.path)
        message = f"{message} (missing permission {scope})"
    category = "VALIDATION_ERROR" if response.status_code == 422 else ""
    return ErrorBody(message=message, field_errors=field_errors, category=category)


def _next_cursor(response: httpx.Response, endpoint: str) -> str | None:
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    cursor: str | None = httpx.URL(link["url"]).params.get("cursor")
    if not cursor:
        raise FatalError(f"{endpoint}: next link without a cursor", endpoint=endpoint)
    return cursor


def _items(body: Any, endpoint: str) -> list[dict[str, Any]]:
    # v3 list bodies are bare arrays like v1's; tolerate a {"data": [...]} envelope too.
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body = body["data"]
    if not isinstance(body, list):
        raise FatalError(f"{endpoint}: expected a JSON array", endpoint=endpoint)
    return body


def _pacer(budget: RateBudget, sleep: Callable[[float], None]) -> Callable[[], None]:
    # For the request the auth flow replays after a 401, which VendorHTTP never sees.
    def pace() -> None:
        wait, _ticket = budget.reserve()
        if wait > 0:
            sleep(wait)

    return pace


class GreenhouseClient:
    """The paced, retried, authenticated Harvest v3 client for one connection.

    Args:
        settings: The connection's settings.
        context: Injected transport, sleep and clocks.
    """

    def __init__(self, settings: GreenhouseSettings, context: ConnectorContext) -> None:
        self.settings = settings
        budget = None
        if settings.rate_limit > 0:
            budget = RateBudget(
                limit=settings.rate_limit, window=settings.rate_window, clock=context.monotonic
            )
        self.auth = GreenhouseAuth(
            settings.auth_url.rstrip("/") + "/token",
            settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            user_id=settings.user_id,
            monotonic=context.monotonic,
            pace=None if budget is None else _pacer(budget, context.sleep),
        )
        client = build_http_client(
            base_url=settings.base_url.rstrip("/"),
            context=context,
            headers={"Accept": "application/json", "User-Agent": "talent-hub"},
            auth=self.auth,
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        )
        self.http = VendorHTTP(
            vendor="greenhouse",
            client=client,
            context=context,
            budget=budget,
            retry=RetryPolicy(
                attempts=settings.retry_attempts,
                max_total=settings.retry_max_seconds,
                retry_after_cap=settings.retry_after_cap,
            ),
            parse_error=parse_greenhouse_error,
            read_rate_headers=read_greenhouse_rate_headers,
        )

    def request_json(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one request; return the parsed JSON body, or ``None`` for an empty one (204)."""
        response = self.http.request(method, path, endpoint=endpoint, json=json, params=params)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def list_pages(
        self, path: str, params: Mapping[str, str], *, endpoint: str
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page of a list endpoint, following ``rel="next"`` cursors to the end.

        The first request carries the filters and ``per_page``; follow-ups carry only the
        cursor, as v3 demands. A cursor seen twice is an error rather than an endless loop.

        Raises:
            FatalError: On a repeated cursor or a malformed page.
        """
        query: dict[str, str] = {**params, "per_page": str(self.settings.per_page)}
        seen: set[str] = set()
        while True:
            response = self.http.request("GET", path, endpoint=endpoint, params=query)
            yield _items(response.json(), endpoint)
            cursor = _next_cursor(response, endpoint)
            if cursor is None:
                return
            if cursor in seen:
                raise FatalError(f"{endpoint}: the vendor repeated a cursor", endpoint=endpoint)
            seen.add(cursor)
            query = {"cursor": cursor}

    def close(self) -> None:
        """Close HTTP connections."""
        self.http.close()
