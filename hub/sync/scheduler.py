"""The safety nets: scheduled pair runs, a sweep of waiting inbox events, webhook dispatch.

Any number of workers on any number of machines may run :class:`Scheduler`: each due run is
claimed with one atomic Redis ``SET NX EX``, so a pair is enqueued once per period however many
schedulers tick, and job ids make a second enqueue a no-op anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.background import BackgroundThread
from hub.config import HubConfig
from hub.queue import JobQueues
from hub.store.tables import InboxEvent
from hub.sync.jobs import process_inbox, sync_pair
from hub.webhooks.jobs import dispatch_webhooks

__all__ = ["Scheduler", "schedule_tick"]

log = logging.getLogger(__name__)
# Events still pending this long after arrival lost their job (Redis restarted, enqueue failed).
SWEEP_AFTER = timedelta(minutes=2)


def schedule_tick(
    config: HubConfig,
    queues: JobQueues,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
) -> list[str]:
    """Enqueue every pair whose period has come and re-enqueue stuck inbox work.

    Returns:
        What was enqueued, as job ids.
    """
    enqueued: list[str] = []
    for name, pair in config.sync_pairs.items():
        if pair.schedule is None:
            continue
        seconds = max(1, int(pair.schedule.every.total_seconds()))
        if queues.connection.set(f"hub:schedule:sync_pair:{name}", "1", nx=True, ex=seconds):
            enqueued.append(queues.enqueue(sync_pair.ref(name)).id)
    with sessions() as session:
        stuck = session.scalars(
            select(InboxEvent.connection)
            .where(InboxEvent.status == "pending", InboxEvent.received_at < now - SWEEP_AFTER)
            .distinct()
        ).all()
    for connection in stuck:
        enqueued.append(queues.enqueue(process_inbox.ref(connection)).id)
    # outbound webhooks: hand due deliveries to jobs and sweep claims whose job Redis lost
    enqueued.append(queues.enqueue(dispatch_webhooks.ref("tick")).id)
    return enqueued


class Scheduler(BackgroundThread):
    """Calls :func:`schedule_tick` every ``interval`` seconds on a daemon thread."""

    def __init__(
        self,
        config: HubConfig,
        queues: JobQueues,
        sessions: sessionmaker[Session],
        *,
        now: Callable[[], datetime],
        interval: float = 15.0,
    ) -> None:
        super().__init__("hub-scheduler")
        self.config, self.queues, self.sessions = config, queues, sessions
        self.now, self.interval = now, interval

    def run(self) -> None:
        """Tick until stopped."""
        while not self.stopping.is_set():
            try:
                schedule_tick(self.config, self.queues, self.sessions, now=self.now())
            except (RedisError, OSError) as exc:
                log.warning("scheduler tick failed: %s", type(exc).__name__)
            self.stopping.wait(self.interval)
