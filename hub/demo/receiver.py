"""The sandbox's webhook receiver: a subscriber that verifies every delivery's signature.

It stands for the engineer's own endpoint: it checks the Standard Webhooks signature on the raw
body with the subscription's secret (as the README shows), answers 204, and counts what it got.
A delivery with a bad signature is answered 401 and counted apart.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

from fastapi import FastAPI, Request, Response
from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["Receiver"]


class Receiver:
    """Counts verified deliveries by event type (thread-safe; read the counters any time)."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.verified: Counter[str] = Counter()
        self.rejected = 0
        self.ids: set[str] = set()
        self._lock = threading.Lock()

    def app(self) -> FastAPI:
        """The receiving ASGI app: ``POST /hooks``."""
        api = FastAPI(title="sandbox webhook receiver", docs_url=None, redoc_url=None)

        @api.post("/hooks")
        async def hooks(request: Request) -> Response:
            body = await request.body()
            try:
                if self.secret is None:
                    raise WebhookVerificationError("no secret yet")
                Webhook(self.secret).verify(body, dict(request.headers))
            except WebhookVerificationError:
                with self._lock:
                    self.rejected += 1
                return Response(status_code=401)
            event: dict[str, Any] = json.loads(body)
            with self._lock:
                if event["id"] not in self.ids:  # a retried delivery is counted once
                    self.ids.add(event["id"])
                    self.verified[str(event["type"])] += 1
            return Response(status_code=204)

        return api
