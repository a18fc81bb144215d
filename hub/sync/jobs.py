"""The sync's queue jobs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from hub.queue import RetryPolicy, current_context, hub_job
from hub.sync.lock import SyncLockedError
from hub.sync.service import run_pair

__all__ = ["sync_pair"]

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@hub_job(queue="sync", timeout=3600, retry=RetryPolicy(transient=(30, 120, 600)))
def sync_pair(pair: str, full: bool = False) -> dict[str, int]:
    """Run a sync pair once (the job behind schedules and webhook-triggered syncs).

    A run already in progress (inline ``hub sync`` or another worker) makes this one a no-op:
    the running one will see the same changes, and the next schedule catches up.

    Returns:
        The run's counts, ``{"locked": 1}`` when another run held the pair.
    """
    context = current_context()
    try:
        report = run_pair(
            pair,
            config=context.config,
            plugins=context.plugins,
            engine=context.engine,
            sessions=context.sessions,
            now=_now,
            full=full,
        )
    except SyncLockedError:
        log.info("sync pair %s is already running; this run is skipped", pair)
        return {"locked": 1}
    return dict(report.counts)
