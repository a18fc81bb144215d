"""ASGI middleware in front of the API routes: auth, scopes, rate limits and faults.

It is raw ASGI rather than a FastAPI middleware so that it can drop a connection mid-answer
(a declared body that never arrives), which is how the emulator simulates network failures.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from connectors.hubspot.emulator.errors import error_body
from connectors.hubspot.emulator.state import EmulatorState

__all__ = ["Gate"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
WRITE_SCOPE = "crm.objects.contacts.write"
READ_SCOPE = "crm.objects.contacts.read"
_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


async def _answer(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _needed_scope(method: str, path: str) -> str:
    reads = path.endswith(("/search", "/batch/read")) or method == "GET"
    if path.startswith("/crm/v3/lists"):
        return "crm.lists.read" if reads else "crm.lists.write"
    return READ_SCOPE if reads else WRITE_SCOPE


class Gate:
    """Checks every ``/crm/`` request before the routes see it.

    Args:
        app: The routes.
        state: The emulator state (config, limiter, faults).
    """

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or not str(scope["path"]).startswith("/crm/"):
            await self.app(scope, receive, send)
            return
        state = self.state
        state.requests += 1
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        is_search = str(scope["path"]).endswith("/search")
        limited = state.limiter.admit(is_search=is_search)
        if limited is not None:
            await _answer(send, *self._too_many(*limited))
            return
        if await self._fault(send):
            return
        extra = state.limiter.headers(is_search=is_search)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(
        self, scope: Scope, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], list[tuple[bytes, bytes]]] | None:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        expected = self.state.config.access_token
        if not token or (expected is not None and token != expected):
            return 401, error_body("INVALID_AUTHENTICATION", _AUTH_MESSAGE), []
        needed = _needed_scope(str(scope["method"]), str(scope["path"]))
        if needed not in self.state.config.scopes:
            body = error_body(
                "MISSING_SCOPES",
                "This app hasn't been granted all required scopes to make this call.",
                errors=[
                    {
                        "message": "One or more of the following scopes are required.",
                        "context": {"requiredGranularScopes": [needed]},
                    }
                ],
            )
            return 403, body, []
        return None

    def _too_many(
        self, policy: str, wait: float
    ) -> tuple[int, dict[str, Any], list[tuple[bytes, bytes]]]:
        names = {
            "DAILY": "daily",
            "SECONDLY": "secondly",
            "TEN_SECONDLY_ROLLING": "ten_secondly_rolling",
        }
        body = error_body(
            "RATE_LIMITS",
            f"You have reached your {names[policy]} limit.",
            errorType="RATE_LIMIT",
            policyName=policy,
        )
        headers = [(b"x-hubspot-ratelimit-interval-milliseconds", b"10000")]
        if self.state.config.retry_after_header and policy != "DAILY":
            headers.append((b"retry-after", str(max(1, math.ceil(wait))).encode()))
        return 429, body, headers

    async def _fault(self, send: Send) -> bool:
        faults = self.state.faults
        rng = self.state.rng
        if faults.slow_ms:
            await asyncio.sleep(faults.slow_ms / 1000)
        status = faults.fail_next.popleft() if faults.fail_next else 0
        if not status and faults.fault_rate and rng.random() < faults.fault_rate:
            status = rng.choice((500, 503))
        if status == -1 or (not status and faults.drop_rate and rng.random() < faults.drop_rate):
            # Promise a body and stop short: the client sees the connection break.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"4096")],
                }
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": False})
            return True
        if status:
            category = "RATE_LIMITS" if status == 429 else "INTERNAL_ERROR"
            await _answer(send, status, error_body(category, f"injected {status}"), [])
            return True
        return False
