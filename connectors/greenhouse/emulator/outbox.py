"""Outbound webhooks: signed, queued, sent by one background thread, retried like Greenhouse.

Greenhouse retries a delivery that is not answered with HTTP 200 up to 7 attempts, waiting
1, 15, 60, 120, 240 and 480 minutes; ``retry_scale`` shrinks that schedule for tests and demos.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.greenhouse.webhooks import sign_greenhouse_body

__all__ = ["RETRY_MINUTES", "Delivery", "WebhookOutbox", "encode_webhook"]

log = logging.getLogger(__name__)

RETRY_MINUTES = (1, 15, 60, 120, 240, 480)


def encode_webhook(action: str, payload: dict[str, Any]) -> bytes:
    """The body as Greenhouse sends it: compact JSON with ``<``, ``>``, ``&`` escaped."""
    text = json.dumps({"action": action, "payload": payload}, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


@dataclass
class Delivery:
    """One webhook to one URL, and how its attempts went."""

    url: str
    action: str
    body: bytes
    event_id: str
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)
    state: str = "pending"


@dataclass
class WebhookOutbox:
    """Queue and background sender of the emulator's webhooks.

    Attributes:
        urls: Where every webhook goes.
        secret: The secret key bodies are signed with.
        retry_scale: Multiplier on Greenhouse's retry schedule (1.0 = real minutes).
        transport: httpx transport for the sender (tests may inject one).
    """

    urls: list[str]
    secret: str
    retry_scale: float = 1.0
    transport: httpx.BaseTransport | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    _heap: list[tuple[float, int, Delivery]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _thread: threading.Thread | None = None
    _stopping: bool = False

    def publish(self, action: str, payload: dict[str, Any]) -> None:
        """Queue one event for every configured URL; never blocks on the network."""
        if not self.urls:
            return
        body = encode_webhook(action, payload)
        with self._cond:
            for url in self.urls:
                delivery = Delivery(url, action, body, event_id=str(uuid.uuid4()))
                self.deliveries.append(delivery)
                heapq.heappush(self._heap, (time.monotonic(), next(self._order), delivery))
            self._ensure_thread()
            self._cond.notify()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the sender; pending retries are dropped (the emulator is going away)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def snapshot(self) -> list[dict[str, Any]]:
        """Every delivery so far, oldest first, as plain data (no bodies)."""
        with self._cond:
            return [
                {
                    "action": d.action,
                    "url": d.url,
                    "event_id": d.event_id,
                    "state": d.state,
                    "attempts": d.attempts,
                    "statuses": list(d.statuses),
                }
                for d in self.deliveries
            ]

    def _ensure_thread(self) -> None:
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(target=self._run, name="gh-webhooks", daemon=True)
            self._thread.start()

    def _next_due(self) -> Delivery | None:
        with self._cond:
            while not self._stopping:
                if self._heap and self._heap[0][0] <= time.monotonic():
                    return heapq.heappop(self._heap)[2]
                timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                self._cond.wait(timeout)
        return None

    def _run(self) -> None:
        with httpx.Client(transport=self.transport, timeout=10.0) as client:
            while (delivery := self._next_due()) is not None:
                self._attempt(client, delivery)

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Greenhouse-Webhooks-Emulator",
            "Signature": sign_greenhouse_body(delivery.body, self.secret),
            "Greenhouse-Event-ID": delivery.event_id,
        }
        try:
            status = client.post(delivery.url, content=delivery.body, headers=headers).status_code
        except httpx.HTTPError:
            status = 0
        with self._cond:
            delivery.attempts += 1
            delivery.statuses.append(status)
            if status == 200:
                delivery.state = "delivered"
            elif delivery.attempts > len(RETRY_MINUTES):
                delivery.state = "failed"
                log.warning("webhook %s gave up after %d attempts", delivery.action, 7)
            else:
                wait = RETRY_MINUTES[delivery.attempts - 1] * 60 * self.retry_scale
                heapq.heappush(self._heap, (time.monotonic() + wait, next(self._order), delivery))
