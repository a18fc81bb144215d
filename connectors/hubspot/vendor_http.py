"""HubSpot's side of the shared request path: error bodies, rate headers, auth and budgets.

:class:`HubSpotHTTP` is :class:`hub.http.VendorHTTP` with HubSpot's classification on top:
a private-app token cannot be refreshed, so 401 is a configuration error; 403 names the missing
scope; a 429 without ``Retry-After`` waits for the rate window; a 429 on the daily policy, or a
daily allowance down to the reserve, stops the run.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from hub.errors import (
    BudgetExhaustedError,
    ConfigError,
    FieldError,
    HubError,
    RateLimitedError,
)
from hub.http import ErrorBody, RateHeaders, VendorHTTP

__all__ = [
    "DailyAllowance",
    "HubSpotHTTP",
    "parse_hubspot_error",
    "read_hubspot_rate_headers",
]

_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")
_EMBEDDED = re.compile(r"Property values were not valid:\s*(\[.*\])", re.DOTALL)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def read_hubspot_rate_headers(headers: httpx.Headers) -> RateHeaders:
    """Read ``X-HubSpot-RateLimit-Max``, ``-Remaining`` and ``-Daily-Remaining``."""
    return RateHeaders(
        limit=_int_header(headers, "x-hubspot-ratelimit-max"),
        remaining=_int_header(headers, "x-hubspot-ratelimit-remaining"),
        daily_remaining=_int_header(headers, "x-hubspot-ratelimit-daily-remaining"),
    )


def _field_errors(body: dict[str, Any]) -> list[FieldError]:
    found = [
        FieldError(
            field=str(item.get("in") or item.get("name") or ""), message=str(item["message"])
        )
        for item in body.get("errors") or []
        if isinstance(item, dict) and "message" in item
    ]
    # Property validation errors arrive as a JSON array embedded in the message string.
    embedded = _EMBEDDED.search(str(body.get("message", "")))
    if embedded:
        try:
            items = json.loads(embedded.group(1))
        except ValueError:
            items = []
        found.extend(
            FieldError(field=str(item.get("name", "")), message=str(item.get("error", "")))
            for item in items
            if isinstance(item, dict)
        )
    return found


def _scopes(body: dict[str, Any]) -> list[str]:
    scopes: list[str] = []
    contexts = [body.get("context") or {}] + [
        item.get("context") or {} for item in body.get("errors") or [] if isinstance(item, dict)
    ]
    for context in contexts:
        for key in ("requiredGranularScopes", "requiredScopes", "requiredScope"):
            value = context.get(key) if isinstance(context, dict) else None
            if isinstance(value, list):
                scopes.extend(str(scope) for scope in value)
    return scopes


def parse_hubspot_error(response: httpx.Response) -> ErrorBody:
    """Parse HubSpot's error body (``status, message, category, errors[], context``)."""
    try:
        body = response.json()
    except ValueError:
        return ErrorBody(message=f"HTTP {response.status_code}")
    if not isinstance(body, dict):
        return ErrorBody(message=f"HTTP {response.status_code}")
    message = str(body.get("message") or f"HTTP {response.status_code}")
    field_errors = _field_errors(body)
    if _EMBEDDED.search(message):
        # The embedded array quotes the rejected values (emails, names): name only fields.
        named = ", ".join(f"{fe.field} ({fe.message})" for fe in field_errors if fe.field)
        message = f"Property values were not valid: {named}"
    existing = _EXISTING_ID.search(message)
    scopes = _scopes(body)
    if scopes:
        message = f"{message} (missing scope: {', '.join(scopes)})"
    return ErrorBody(
        message=message,
        field_errors=field_errors,
        category=str(body.get("category") or ""),
        existing_id=existing.group(1) if existing else None,
    )


class DailyAllowance:
    """Tracks HubSpot's daily allowance and refuses to spend the reserve.

    Args:
        reserve: Requests kept for other integrations on the account.
    """

    def __init__(self, reserve: int) -> None:
        self.reserve = reserve
        self.remaining: int | None = None

    def record(self, remaining: int) -> None:
        """Note the daily allowance left, from the last response."""
        self.remaining = remaining

    def check(self, endpoint: str) -> None:
        """Raise before a request when the allowance is down to the reserve.

        Raises:
            BudgetExhaustedError: When no more than ``reserve`` requests are left today.
        """
        if self.remaining is not None and self.remaining <= self.reserve:
            raise BudgetExhaustedError(
                f"hubspot: daily API allowance down to {self.remaining} "
                f"(reserve {self.reserve}); stopping before {endpoint}",
                endpoint=endpoint,
            )


class HubSpotHTTP(VendorHTTP):
    """The shared request path with HubSpot's status rules (see the module docstring).

    Args:
        allowance: The daily allowance guard, checked before every request.
        interval_seconds: The burst window, used as the wait when a 429 has no Retry-After.
        **kwargs: Passed to :class:`hub.http.VendorHTTP`.
    """

    def __init__(
        self, *, allowance: DailyAllowance, interval_seconds: float, **kwargs: Any
    ) -> None:
        super().__init__(on_daily_remaining=allowance.record, **kwargs)
        self.allowance = allowance
        self.interval_seconds = interval_seconds

    def _send_once(self, method: str, url: str, *, endpoint: str, **kwargs: Any) -> httpx.Response:
        # Checked per attempt (retries re-enter here), before anything is sent.
        self.allowance.check(endpoint)
        return super()._send_once(method, url, endpoint=endpoint, **kwargs)

    def _classify(self, response: httpx.Response, endpoint: str) -> HubError:
        status = response.status_code
        if status == 401:
            return ConfigError(
                f"hubspot: {endpoint}: the access token is invalid, expired or revoked; "
                "create a new private-app token and update the connection settings"
            )
        if status == 403:
            body = parse_hubspot_error(response)
            return ConfigError(
                f"hubspot: {endpoint}: the private app lacks a required scope: {body.message}"
            )
        error = super()._classify(response, endpoint)
        if isinstance(error, RateLimitedError):
            return self._rate_limited(response, endpoint, error)
        return error

    def _rate_limited(
        self, response: httpx.Response, endpoint: str, error: RateLimitedError
    ) -> HubError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if isinstance(body, dict) and body.get("policyName") == "DAILY":
            return BudgetExhaustedError(
                f"hubspot: {endpoint}: daily API allowance exhausted", status=429, endpoint=endpoint
            )
        if error.retry_after is not None:
            return error
        interval = _int_header(response.headers, "x-hubspot-ratelimit-interval-milliseconds")
        wait = interval / 1000 if interval else self.interval_seconds
        return RateLimitedError(str(error), retry_after=wait, endpoint=endpoint)
