"""Prometheus metrics of one service instance (its own registry: nothing global).

``/metrics`` shows this registry (inbound webhooks, request times, and gauges read at scrape
time: queue depths and every store gauge declared with :func:`hub.metrics.store_gauge`)
followed by the process's own (:data:`hub.metrics.REGISTRY`: sync runs, vendor API calls).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from hub import metrics as process
from hub.metrics import GaugeValue, StoreGauge, register_gauge, store_gauge
from hub.queue import QUEUE_NAMES, JobQueues
from hub.store.dedup_tables import ReviewPair
from hub.store.rule_tables import RuleAction, RuleDecision
from hub.store.tables import InboxEvent
from hub.store.webhook_tables import WebhookDelivery

__all__ = ["Metrics"]

_LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """The service's counters and histograms, registered in a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.inbound_webhooks = Counter(
            "hub_inbound_webhooks",
            "Inbound vendor webhooks by connection and result.",
            ["connection", "result"],
            registry=self.registry,
        )
        self.inbound_events = Counter(
            "hub_inbound_events",
            "Change events from vendor webhooks: new or duplicate.",
            ["connection", "outcome"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "hub_http_request_seconds",
            "Time to answer HTTP requests, by method, route template and status class.",
            ["method", "route", "status"],
            buckets=_LATENCY,
            registry=self.registry,
        )

    def bind(self, *, sessions: sessionmaker[Session], queues: JobQueues) -> None:
        """Register the gauges read at scrape time: queue depths and the store gauges."""
        register_gauge(
            "hub_queue_jobs",
            "Jobs by queue and state (queued = waiting: the queue's depth), from rq's registries "
            "(the embedded queue when no Redis is configured).",
            lambda: _queue_jobs(queues),
            labels=("queue", "state"),
            registry=self.registry,
        )
        for gauge in process.store_gauges():
            register_gauge(
                gauge.name,
                gauge.documentation,
                _StoreRead(gauge, sessions),
                labels=gauge.labels,
                registry=self.registry,
            )

    def render(self) -> bytes:
        """The text exposition of this service's metrics and the process's."""
        return generate_latest(self.registry) + generate_latest(process.REGISTRY)


class _StoreRead:
    """Reads one store gauge in a short session of its own."""

    def __init__(self, gauge: StoreGauge, sessions: sessionmaker[Session]) -> None:
        self.gauge, self.sessions = gauge, sessions

    def __call__(self) -> GaugeValue:
        with self.sessions() as session:
            return self.gauge.fn(session)


def _queue_jobs(queues: JobQueues) -> dict[tuple[str, ...], float]:
    values: dict[tuple[str, ...], float] = {}
    for name in QUEUE_NAMES:
        queue = queues.queue(name)
        values[(name, "queued")] = queue.count
        values[(name, "started")] = queue.started_job_registry.count
        values[(name, "scheduled")] = queue.scheduled_job_registry.count
        values[(name, "failed")] = queue.failed_job_registry.count
    return values


def _count_by_status(
    session: Session, column: InstrumentedAttribute[str]
) -> dict[tuple[str, ...], float]:
    rows = session.execute(select(column, func.count()).group_by(column))
    return {(str(status),): float(n) for status, n in rows}


@store_gauge(
    "hub_webhook_deliveries",
    "Outbound webhook deliveries by outcome: pending, retrying, succeeded, exhausted.",
    labels=("status",),
)
def webhook_deliveries(session: Session) -> GaugeValue:
    """Outbound deliveries in the store, by status."""
    return _count_by_status(session, WebhookDelivery.status)


@store_gauge(
    "hub_inbox_events", "Inbound vendor events in the inbox, by status.", labels=("status",)
)
def inbox_events(session: Session) -> GaugeValue:
    """Inbox events in the store, by status (``pending`` ones wait for a job)."""
    return _count_by_status(session, InboxEvent.status)


@store_gauge("hub_review_queue_size", "Possible duplicate pairs waiting for a reviewer.")
def review_queue_size(session: Session) -> GaugeValue:
    """Open pairs of the dedup review queue."""
    open_pairs = select(func.count()).select_from(ReviewPair).where(ReviewPair.status == "open")
    return float(session.scalar(open_pairs) or 0)


@store_gauge(
    "hub_rule_actions",
    "Vendor actions of fired transition rules, by kind and status (pending ones wait for a run).",
    labels=("kind", "status"),
)
def rule_actions(session: Session) -> GaugeValue:
    """Rule actions in the store, by kind and status."""
    return _count_by(session, RuleAction.kind, RuleAction.status)


@store_gauge(
    "hub_rule_decisions",
    "Transition rule outcomes, by rule and outcome.",
    labels=("rule", "outcome"),
)
def rule_decisions(session: Session) -> GaugeValue:
    """Decision-log entries, by rule and outcome (fired, skipped, stopped, excluded)."""
    return _count_by(session, RuleDecision.rule, RuleDecision.outcome)


def _count_by(session: Session, *columns: InstrumentedAttribute[str]) -> GaugeValue:
    """Rows counted by the values of ``columns`` (the gauge's labels, in order)."""
    rows = session.execute(select(*columns, func.count()).group_by(*columns))
    return {tuple(str(v) for v in row[:-1]): float(row[-1]) for row in rows}
