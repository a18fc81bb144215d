"""The webhook jobs: ``dispatch_webhooks`` (the doorbell and the sweeper) and ``deliver_batch``.

Both take ids only and read everything else from the database, which is the truth for every
delivery; the queue only carries claims. The delivery client is one keep-alive httpx client
per worker process (building one costs about 27 ms of CPU), guarded against SSRF.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import httpx

from hub.queue import JobQueues, RetryPolicy, current_context, hub_job
from hub.webhooks.delivery import send_batch
from hub.webhooks.dispatcher import dispatch_due, ring_doorbell
from hub.webhooks.settings import WebhookSettings, webhook_settings
from hub.webhooks.ssrf import build_delivery_client

__all__ = ["deliver_batch", "delivery_client", "dispatch_webhooks"]

_lock = threading.Lock()
_clients: dict[WebhookSettings, httpx.Client] = {}
_rng = random.Random()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def delivery_client(settings: WebhookSettings) -> httpx.Client:
    """This process's delivery client for ``settings``, built on first use."""
    with _lock:
        client = _clients.get(settings)
        if client is None:
            client = _clients[settings] = build_delivery_client(settings.ssrf_policy())
        return client


@hub_job(queue="webhooks", timeout=120, retry=RetryPolicy(crashes=0), result_ttl=0)
def dispatch_webhooks(slot: str = "") -> int:  # noqa: ARG001 - the slot only names the job
    """Claim due deliveries and enqueue their batches; also releases orphaned claims.

    Args:
        slot: Which doorbell or wake-up this run answers; only makes the job id unique.

    Returns:
        How many deliveries were handed to the queue.
    """
    context = current_context()
    settings = webhook_settings(context.config)
    report = dispatch_due(
        context.sessions,
        JobQueues.for_config(context.config),
        now=_utcnow(),
        lease=settings.lease,
        batch_size=settings.batch_size,
    )
    return report.claimed


# A crash re-runs the batch once at once: its claim still holds, so the deliveries the dead
# worker had not recorded are sent again instead of waiting for the lease to run out.
@hub_job(queue="webhooks", timeout=150, retry=RetryPolicy(crashes=1), result_ttl=0)
def deliver_batch(subscription_id: str, claim: str) -> int:
    """Send the deliveries of one subscription holding ``claim``.

    Args:
        subscription_id: The subscription.
        claim: The claim token the dispatcher gave these deliveries.

    Returns:
        How many deliveries were attempted.
    """
    context = current_context()
    settings = webhook_settings(context.config)
    report = send_batch(
        context.sessions,
        delivery_client(settings),
        subscription_id,
        claim,
        now=_utcnow,
        rng=_rng,
        budget=settings.batch_budget,
    )
    if report.handed_back:
        ring_doorbell(JobQueues.for_config(context.config))
    return report.sent
