"""What stands before every ``/v3`` request: bearer tokens, per-token rate limits, faults.

It is plain ASGI middleware so that a dropped connection can really be dropped (a response
that starts and then stops) and slow answers do not hold a worker thread.
"""

from __future__ import annotations

import asyncio
import math
import random
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["EmulatorGate", "GateRuntime", "Knobs"]


@dataclass
class Knobs:
    """The emulator's adjustable behaviour (also changed at run time by the admin API).

    Attributes:
        rate_limit: Requests per token per window; 0 = no limit.
        rate_window: Window length in seconds (Greenhouse: 10).
        fault_rate: Share of requests answered 500 or 503.
        slow_rate: Share of requests delayed by ``slow_seconds``.
        slow_seconds: Delay of a slow response.
        drop_rate: Share of requests whose connection drops mid-response.
        token_ttl: Lifetime of issued tokens, in seconds.
        client_id: Required client id (``None`` accepts any).
        client_secret: Required client secret (``None`` accepts any).
        truncated_creates: Candidate/prospect creates answer with ids only.
        create_read_lag: List reads a new candidate stays invisible when truncated.
    """

    rate_limit: int = 50
    rate_window: float = 10.0
    fault_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    drop_rate: float = 0.0
    token_ttl: float = 3600.0
    client_id: str | None = None
    client_secret: str | None = None
    truncated_creates: bool = False
    create_read_lag: int = 1


@dataclass
class GateRuntime:
    """Tokens, rate windows and the fault dice, shared by all request threads."""

    knobs: Knobs
    rng: random.Random
    tokens: dict[str, float] = field(default_factory=dict)
    windows: dict[str, deque[float]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_token(self) -> str:
        """A new opaque bearer token valid for ``token_ttl`` seconds."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.knobs.token_ttl
            self._count("tokens_issued")
        return token

    def token_valid(self, token: str) -> bool:
        """Whether ``token`` was issued here and has not expired."""
        with self.lock:
            expires = self.tokens.get(token)
            return expires is not None and time.monotonic() < expires

    def hit(self, token: str) -> tuple[bool, int, float]:
        """Count a request: (allowed, remaining in window, seconds until a slot frees)."""
        limit, window = self.knobs.rate_limit, self.knobs.rate_window
        now = time.monotonic()
        with self.lock:
            sent = self.windows.setdefault(token, deque())
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) >= limit:
                self._count("rate_limited")
                return False, 0, sent[0] + window - now
            sent.append(now)
            return True, limit - len(sent), 0.0

    def pick_fault(self) -> str | None:
        """``500``, ``503``, ``slow``, ``drop`` or ``None``, by the configured shares."""
        knobs = self.knobs
        with self.lock:
            roll = self.rng.random()
            fault = None
            if roll < knobs.fault_rate:
                fault = "500" if self.rng.random() < 0.5 else "503"
            elif roll < knobs.fault_rate + knobs.slow_rate:
                fault = "slow"
            elif roll < knobs.fault_rate + knobs.slow_rate + knobs.drop_rate:
                fault = "drop"
            if fault is not None:
                self._count(f"fault_{fault}")
            return fault

    def _count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1


def _retry_after(seconds: float) -> str:
    # Greenhouse sends whole seconds; sub-second windows (tests) need a decimal to stay exact.
    return str(math.ceil(seconds)) if seconds >= 1 else f"{max(seconds, 0.001):.3f}"


class EmulatorGate:
    """ASGI middleware applying :class:`GateRuntime` to ``/v3`` requests.

    Args:
        app: The wrapped app.
        runtime: Shared tokens, limits and faults.
    """

    def __init__(self, app: ASGIApp, *, runtime: GateRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the token, the rate limit and the fault dice, then pass the request on."""
        if scope["type"] != "http" or not str(scope["path"]).startswith("/v3"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self.runtime.token_valid(token.strip()):
            body = {"message": "Unauthorized: missing, invalid or expired access token"}
            await JSONResponse(body, status_code=401)(scope, receive, send)
            return
        extra: dict[str, str] = {}
        limit = self.runtime.knobs.rate_limit
        if limit > 0:
            allowed, remaining, wait = self.runtime.hit(token.strip())
            extra = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
            if not allowed:
                extra["Retry-After"] = _retry_after(wait)
                extra["X-RateLimit-Reset"] = str(math.ceil(time.time() + wait))
                body = {"message": "Rate limit exceeded"}
                await JSONResponse(body, status_code=429, headers=extra)(scope, receive, send)
                return
        await self._faulty(scope, receive, send, extra)

    async def _faulty(self, scope: Scope, receive: Receive, send: Send, extra: Any) -> None:
        fault = self.runtime.pick_fault()
        if fault in ("500", "503"):
            body = {"message": "Internal server error" if fault == "500" else "Unavailable"}
            await JSONResponse(body, status_code=int(fault), headers=extra)(scope, receive, send)
            return
        if fault == "drop":
            # Promise a body, send part of it, stop: the client sees the connection drop.
            promised = [(b"content-type", b"application/json"), (b"content-length", b"1000")]
            await send({"type": "http.response.start", "status": 200, "headers": promised})
            await send({"type": "http.response.body", "body": b'[{"id":', "more_body": True})
            return
        if fault == "slow":
            await asyncio.sleep(self.runtime.knobs.slow_seconds)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                added = [(k.lower().encode(), v.encode()) for k, v in extra.items()]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
