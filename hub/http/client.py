"""One httpx client factory and :class:`VendorHTTP`, the request path every connector uses.

A request goes: wait for the rate budget → send → read rate headers → classify the status by a
table (data, not code) → raise a typed error or return the response; the retry policy retries
only what retrying can fix.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from hub.connector import ConnectorContext
from hub.errors import (
    AuthExpiredError,
    ConfigError,
    ConflictError,
    FatalError,
    FieldError,
    HubError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)
from hub.http.observe import VendorCall, notify
from hub.http.ratelimit import RateBudget
from hub.http.retry import RetryPolicy

__all__ = ["ErrorBody", "RateHeaders", "VendorHTTP", "build_http_client"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def build_http_client(
    *,
    base_url: str,
    context: ConnectorContext,
    headers: dict[str, str] | None = None,
    auth: httpx.Auth | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> httpx.Client:
    """Build the httpx client for one connection; the transport comes from ``context``."""
    return httpx.Client(
        base_url=base_url,
        transport=context.transport,
        headers=headers,
        auth=auth,
        timeout=timeout,
        limits=httpx.Limits(max_connections=10, max_keepalive_connections=10),
        follow_redirects=False,
    )


@dataclass(frozen=True)
class ErrorBody:
    """A vendor error body, parsed by the connector's ``parse_error``."""

    message: str
    field_errors: list[FieldError] = field(default_factory=list)
    category: str = ""
    existing_id: str | None = None


@dataclass(frozen=True)
class RateHeaders:
    """What a vendor's response headers say about its rate limit."""

    limit: int | None = None
    remaining: int | None = None
    daily_remaining: int | None = None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _no_rate_headers(_headers: httpx.Headers) -> RateHeaders:
    return RateHeaders()


def _plain_error(response: httpx.Response) -> ErrorBody:
    return ErrorBody(message=f"HTTP {response.status_code}")


class VendorHTTP:
    """The paced, retried, classified request path for one vendor connection.

    Args:
        vendor: Vendor label for logs and metrics (``greenhouse``).
        client: The httpx client (from :func:`build_http_client`).
        context: Injected sleep and clocks.
        budget: The rate budget to pace against; ``None`` for no pacing.
        retry: Retry policy.
        parse_error: Turns an error response into an :class:`ErrorBody`.
        read_rate_headers: Reads the vendor's rate-limit headers.
        on_daily_remaining: Called with the daily allowance left, when the vendor reports it.
    """

    def __init__(
        self,
        *,
        vendor: str,
        client: httpx.Client,
        context: ConnectorContext,
        budget: RateBudget | None = None,
        retry: RetryPolicy | None = None,
        parse_error: Callable[[httpx.Response], ErrorBody] = _plain_error,
        read_rate_headers: Callable[[httpx.Headers], RateHeaders] = _no_rate_headers,
        on_daily_remaining: Callable[[int], None] | None = None,
    ) -> None:
        self.vendor = vendor
        self.client = client
        self.context = context
        self.budget = budget
        self.retry = retry or RetryPolicy()
        self.parse_error = parse_error
        self.read_rate_headers = read_rate_headers
        self.on_daily_remaining = on_daily_remaining
        self.calls: Counter[tuple[str, int]] = Counter()
        self.rate_limited = 0
        # Connectors may send from several threads; the counters are read-modify-write.
        self._lock = threading.Lock()

    def request(self, method: str, url: str, *, endpoint: str, **kwargs: Any) -> httpx.Response:
        """Send a request with pacing and retries; return a 2xx/3xx response or raise.

        Args:
            method: HTTP method.
            url: URL or path relative to the client's base URL.
            endpoint: Stable label for logs and metrics (``GET /v3/candidates``); never ids.
            **kwargs: Passed to ``httpx.Client.request``.

        Raises:
            ConnectorError: A typed subclass per the status table.
        """
        return self.retry.call(
            lambda: self._send_once(method, url, endpoint=endpoint, **kwargs),
            sleep=self.context.sleep,
        )

    def close(self) -> None:
        """Close the underlying client."""
        self.client.close()

    def _send_once(self, method: str, url: str, *, endpoint: str, **kwargs: Any) -> httpx.Response:
        waited, ticket = self._pace()
        started = self.context.monotonic()
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            self._count(endpoint, 0, started=started, waited=waited)
            raise UnavailableError(f"{endpoint}: timed out", endpoint=endpoint) from exc
        except httpx.TransportError as exc:
            self._count(endpoint, 0, started=started, waited=waited)
            raise UnavailableError(
                f"{endpoint}: connection failed ({type(exc).__name__})", endpoint=endpoint
            ) from exc
        self._count(endpoint, response.status_code, started=started, waited=waited)
        self._read_rate(response, ticket)
        if response.is_success or response.is_redirect:
            return response
        response.read()
        raise self._classify(response, endpoint)

    def _count(self, endpoint: str, status: int, *, started: float, waited: float) -> None:
        with self._lock:
            self.calls[(endpoint, status)] += 1
        notify(
            VendorCall(
                vendor=self.vendor,
                connection=self.context.connection,
                endpoint=endpoint,
                status=status,
                seconds=max(0.0, self.context.monotonic() - started),
                waited=waited,
                budget_used=self.budget.usage() if self.budget is not None else None,
            )
        )

    def _pace(self) -> tuple[float, int | None]:
        if self.budget is None:
            return 0.0, None
        # One step, so that concurrent senders cannot all see the same free slot.
        wait, ticket = self.budget.reserve()
        if wait > 0:
            self.context.sleep(wait)
        return wait, ticket

    def _read_rate(self, response: httpx.Response, ticket: int | None = None) -> None:
        rate = self.read_rate_headers(response.headers)
        if self.budget is not None:
            self.budget.update(limit=rate.limit, remaining=rate.remaining, ticket=ticket)
        if rate.daily_remaining is not None and self.on_daily_remaining is not None:
            self.on_daily_remaining(rate.daily_remaining)

    def _classify(self, response: httpx.Response, endpoint: str) -> HubError:
        status = response.status_code
        if status == 429:
            with self._lock:
                self.rate_limited += 1
            return RateLimitedError(
                f"{endpoint}: rate limited", retry_after=_retry_after(response), endpoint=endpoint
            )
        if status >= 500:
            return UnavailableError(f"{endpoint}: HTTP {status}", status=status, endpoint=endpoint)
        body = self.parse_error(response)
        if status == 401:
            return AuthExpiredError(f"{endpoint}: {body.message}", status=401, endpoint=endpoint)
        if status == 403:
            return ConfigError(f"{self.vendor}: {endpoint}: permission denied: {body.message}")
        if status == 404:
            return NotFoundError(body.message, status=404, endpoint=endpoint)
        if status == 409:
            return ConflictError(body.message, existing_id=body.existing_id, endpoint=endpoint)
        return FatalError(
            body.message,
            status=status,
            endpoint=endpoint,
            field_errors=body.field_errors,
            category=body.category,
        )
