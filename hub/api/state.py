"""What the service holds while it runs, opened by the lifespan and closed after."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.api.inbox_writer import InboxWriter
from hub.api.metrics import Metrics
from hub.config import HubConfig
from hub.connector import Connector, ConnectorContext
from hub.metrics import install_vendor_metrics
from hub.plugins import HubPlugins
from hub.queue import EmbeddedWorker, JobQueues, WorkerContext, set_context
from hub.store.open import open_store
from hub.sync.scheduler import Scheduler

__all__ = ["ServiceState", "open_service"]

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceState:
    """The service's resources."""

    config: HubConfig
    plugins: HubPlugins
    engine: Engine
    sessions: sessionmaker[Session]
    connectors: dict[str, Connector]
    queues: JobQueues
    metrics: Metrics = field(default_factory=Metrics)
    now: Callable[[], datetime] = _utcnow
    worker: EmbeddedWorker | None = None
    scheduler: Scheduler | None = None
    inbox: InboxWriter | None = None

    def close(self) -> None:
        """Stop the embedded worker, close vendor clients and the database pool."""
        if self.inbox is not None:
            self.inbox.stop()  # first: what was accepted is stored and rung for
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.worker is not None:
            self.worker.stop()
            set_context(None)
        for connector in self.connectors.values():
            connector.close()
        self.engine.dispose()


def open_service(
    config: HubConfig, plugins: HubPlugins, *, now: Callable[[], datetime] = _utcnow
) -> ServiceState:
    """Open the store (migrating if configured) and build a connector per enabled connection."""
    engine, sessions = open_store(config)
    connectors: dict[str, Connector] = {}
    for name, conn in config.connections.items():
        if conn.enabled:
            spec = plugins.connector(conn.connector)
            connectors[name] = spec.build(conn.settings, ConnectorContext(connection=name, now=now))
    if not config.api.admin_tokens:
        log.warning("admin API is off: no api.admin_tokens configured")
    queues = JobQueues.for_config(config)
    worker = scheduler = None
    if config.embedded_queue:
        # no Redis: jobs run on a thread of this process (said at start, not durable)
        log.warning("embedded queue: jobs run inside this process (set redis_url for workers)")
        set_context(WorkerContext(config=config, plugins=plugins))
        worker = EmbeddedWorker(queues.connection).start()
        scheduler = Scheduler(config, queues, sessions, now=now).start()
    install_vendor_metrics()
    metrics = Metrics()
    metrics.bind(sessions=sessions, queues=queues)
    return ServiceState(
        config,
        plugins,
        engine,
        sessions,
        connectors,
        queues=queues,
        metrics=metrics,
        now=now,
        worker=worker,
        scheduler=scheduler,
        inbox=InboxWriter(sessions, queues, now=now).start(),
    )
