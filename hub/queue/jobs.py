"""The queue's own jobs (feature jobs live beside their feature)."""

from __future__ import annotations

from hub.health import check_database, check_redis
from hub.queue.context import current_context
from hub.queue.registry import RetryPolicy, hub_job

__all__ = ["check_health"]


@hub_job(queue="default", timeout=30, retry=RetryPolicy(crashes=0), result_ttl=3600)
def check_health() -> dict[str, dict[str, bool | str]]:
    """Run the health checks from a worker: proves a worker is alive and can reach the store.

    Returns:
        ``{"database": {"ok": ..., "detail": ...}, "queue": {...}}``; details name URLs with the
        password hidden.
    """
    config = current_context().config
    checks = [check_database(config), check_redis(config)]
    return {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
