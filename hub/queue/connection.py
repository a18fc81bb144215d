"""Where jobs live: the configured Redis, or an in-memory one in embedded mode.

With ``redis_url`` set, every hub process talks to that Redis. With it empty (the default), the hub
runs in *embedded mode*: rq works on fakeredis, one in-memory server per process, and jobs are run
by a worker thread inside the process that enqueued them. Nothing is durable in embedded mode; it
is meant for a single-process install, development and tests.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final, Literal

import redis

from hub.config import HubConfig
from hub.health import redact_url

if TYPE_CHECKING:
    import fakeredis

__all__ = ["QUEUE_NAMES", "QueueName", "describe_queue", "queue_connection"]

QueueName = Literal["webhooks", "sync", "default"]

#: Queues by latency, most urgent first: a worker serving several takes from the first non-empty.
QUEUE_NAMES: Final[tuple[QueueName, ...]] = ("webhooks", "sync", "default")

_embedded_lock = threading.Lock()
_embedded_server: fakeredis.FakeServer | None = None


def _embedded_redis() -> redis.Redis:
    # fakeredis is imported here, not at module level: a Redis-backed deployment never needs it.
    import fakeredis

    global _embedded_server
    with _embedded_lock:
        if _embedded_server is None:
            _embedded_server = fakeredis.FakeServer()
        server = _embedded_server
    client: redis.Redis = fakeredis.FakeRedis(server=server)
    return client


def queue_connection(config: HubConfig) -> redis.Redis:
    """A Redis client for the job queue.

    Args:
        config: The hub configuration; an empty ``redis_url`` selects embedded mode.

    Returns:
        A client for ``config.redis_url``, or, in embedded mode, a client of this process's one
        in-memory server (created on first use), so every caller in the process sees the same jobs.
    """
    if config.embedded_queue:
        return _embedded_redis()
    return redis.Redis.from_url(config.redis_url)


def describe_queue(config: HubConfig) -> str:
    """One line saying where jobs go, for start-up banners (the password is hidden)."""
    if config.embedded_queue:
        return "job queue: embedded (no redis_url): jobs run in-process and are not durable"
    return f"job queue: redis at {redact_url(config.redis_url)}"
