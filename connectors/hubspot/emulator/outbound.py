"""Outbound webhooks: changes are batched and POSTed, signed like HubSpot, from a thread.

Sending happens on a background thread so API answers never wait for a receiver; ``stop``
delivers what is queued and joins the thread.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from connectors.hubspot.webhooks import sign_v1, sign_v3

__all__ = ["WebhookSender"]

log = logging.getLogger(__name__)
SUBSCRIPTIONS = {
    "creation": 1,
    "deletion": 3,
    "merge": 4,
    "restore": 5,
    "privacyDeletion": 6,
    "associationChange": 7,
}
MAX_BATCH = 100


class WebhookSender:
    """Batches change events and POSTs them to the configured URLs.

    Args:
        urls: Target URLs.
        secret: The app's client secret (signs v1 and v3).
        now_ms: Wall clock in epoch ms (the v3 timestamp).
        batch_ms: How long events gather before a batch is sent.
        portal_id: The account id in payloads.
        app_id: The app id in payloads.
    """

    def __init__(
        self,
        urls: Sequence[str],
        secret: str,
        *,
        now_ms: Callable[[], int],
        batch_ms: int = 200,
        portal_id: int = 62515,
        app_id: int = 54321,
    ) -> None:
        self.urls = list(urls)
        self.secret = secret
        self.now_ms = now_ms
        self.batch_seconds = batch_ms / 1000
        self.portal_id = portal_id
        self.app_id = app_id
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self.sent = 0
        self.failed = 0
        self._event_id = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def record(self, kind: str, contact_id: int, details: Mapping[str, Any]) -> None:
        """Queue one change (a store listener)."""
        if not self.urls:
            return
        with self._lock:
            self._event_id += 1
            event_id = self._event_id
        event: dict[str, Any] = {
            "eventId": event_id,
            "subscriptionId": SUBSCRIPTIONS.get(kind, 2),
            "portalId": self.portal_id,
            "appId": self.app_id,
            "occurredAt": self.now_ms(),
            "subscriptionType": f"contact.{kind}",
            "attemptNumber": 0,
            "objectId": contact_id,
            "changeSource": details.get("source", "API"),
        }
        if kind == "creation":
            event["changeFlag"] = "CREATED"
        if kind == "propertyChange":
            name = str(details["property"])
            event["subscriptionId"] = 1000 + zlib.crc32(name.encode()) % 100_000
            event["propertyName"] = name
            event["propertyValue"] = details.get("value", "")
        if kind == "merge":
            event.update(
                primaryObjectId=contact_id,
                mergedObjectIds=list(details["merged"]),
                newObjectId=contact_id,
                numberOfPropertiesMoved=0,
            )
        self.queue.put(event)

    def start(self) -> None:
        """Start the sending thread (no-op without URLs or when running)."""
        if not self.urls or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hubspot-emulator-webhooks")
        self._thread.daemon = True
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is queued, then stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def pending(self) -> int:
        """Events queued but not yet sent."""
        return self.queue.qsize()

    def _batch(self) -> list[dict[str, Any]]:
        try:
            batch = [self.queue.get(timeout=0.05)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.batch_seconds
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while not self._stop.is_set() or not self.queue.empty():
                batch = self._batch()
                if batch:
                    for url in self.urls:
                        self._deliver(client, url, batch)

    def _deliver(self, client: httpx.Client, url: str, batch: list[dict[str, Any]]) -> None:
        body = json.dumps(batch, separators=(",", ":")).encode()
        for attempt in range(3):
            stamp = str(self.now_ms())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "HubSpot Connect 2.0 (talent-hub emulator)",
                "X-HubSpot-Signature": sign_v1(self.secret, body),
                "X-HubSpot-Signature-Version": "v1",
                "X-HubSpot-Signature-v3": sign_v3(
                    self.secret, method="POST", uri=url, body=body, timestamp=stamp
                ),
                "X-HubSpot-Request-Timestamp": stamp,
            }
            try:
                response = client.post(url, content=body, headers=headers)
            except httpx.HTTPError:
                response = None
            if response is not None and response.is_success:
                self.sent += len(batch)
                return
            if self._stop.wait(0.1 * 2**attempt):
                break
        self.failed += len(batch)
        log.warning("emulator webhook batch of %d to a receiver failed", len(batch))
