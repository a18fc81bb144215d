"""The sync's queue jobs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from hub.errors import RetryableError
from hub.queue import RetryPolicy, current_context, hub_job
from hub.sync.lock import SyncLockedError
from hub.sync.service import process_inbox_for, run_pair

__all__ = ["process_inbox", "sync_pair"]

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _resources() -> dict[str, Any]:
    """The worker process's store, plugins and config, as the sync services take them."""
    context = current_context()
    return {
        "config": context.config,
        "plugins": context.plugins,
        "engine": context.engine,
        "sessions": context.sessions,
        "now": _now,
    }


@hub_job(queue="sync", timeout=3600, retry=RetryPolicy(transient=(30, 120, 600)))
def sync_pair(pair: str, full: bool = False) -> dict[str, int]:
    """Run a sync pair once (the job behind schedules and webhook-triggered syncs).

    A run already in progress (inline ``hub sync`` or another worker) makes this one a no-op:
    the running one will see the same changes, and the next schedule catches up.

    Returns:
        The run's counts, ``{"locked": 1}`` when another run held the pair.
    """
    try:
        report = run_pair(pair, full=full, **_resources())
    except SyncLockedError:
        log.info("sync pair %s is already running; this run is skipped", pair)
        return {"locked": 1}
    return dict(report.counts)


@hub_job(queue="sync", timeout=900, retry=RetryPolicy(transient=(5, 30, 120, 600)))
def process_inbox(connection: str) -> dict[str, int]:
    """Act on a connection's pending webhook events (enqueued when webhooks arrive).

    Returns:
        The counts of what was done.

    Raises:
        RetryableError: A sync run holds the pair; the job is retried and the events wait.
    """
    try:
        report = process_inbox_for(connection, **_resources())
    except SyncLockedError as exc:
        raise RetryableError(str(exc)) from None
    return dict(report.counts)
