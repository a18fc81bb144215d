"""Process-wide Prometheus metrics: sync runs, vendor API calls, and gauges read at scrape time.

Everything here lives in :data:`REGISTRY`, a registry of this module's own (never
``prometheus_client``'s global one), so that tests and several apps in one process do not
collide and nothing is registered at import time. Metrics are created by the first call to
:func:`process_metrics`. ``hub serve`` exposes them at ``/metrics`` beside the app's own;
``hub worker --metrics-listen`` exposes a worker's.

Gauges whose value is read when scraped come in two kinds:

- :func:`register_gauge` (a callable taking nothing, e.g. a queue's length);
- :func:`store_gauge`, a decorator declaring a gauge computed from a store session: each service
  binds every declared store gauge to its own database (e.g. the size of a review queue).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.http.observe import VendorCall, add_observer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "REGISTRY",
    "GaugeValue",
    "ProcessMetrics",
    "StoreGauge",
    "install_vendor_metrics",
    "process_metrics",
    "record_sync_run",
    "register_gauge",
    "store_gauge",
    "store_gauges",
]

log = logging.getLogger(__name__)

#: The process's own registry (not prometheus_client's global ``REGISTRY``).
REGISTRY = CollectorRegistry(auto_describe=True)

#: A gauge's value: one number, or numbers by label values (in the order of its labels).
GaugeValue = float | Mapping[tuple[str, ...], float]

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


@dataclass(frozen=True)
class ProcessMetrics:
    """The counters this process keeps (see the README's *Operations* for the names)."""

    sync_runs: Counter
    sync_run_seconds: Histogram
    sync_records: Counter
    vendor_requests: Counter
    vendor_request_seconds: Histogram
    vendor_rate_limited: Counter
    vendor_rate_wait_seconds: Counter
    vendor_rate_budget_used: Gauge


@cache
def process_metrics() -> ProcessMetrics:
    """The process's metrics, created in :data:`REGISTRY` on first use."""
    r = REGISTRY
    return ProcessMetrics(
        sync_runs=Counter(
            "hub_sync_runs", "Sync runs by pair and outcome.", ["pair", "outcome"], registry=r
        ),
        sync_run_seconds=Histogram(
            "hub_sync_run_seconds", "Duration of sync runs.", ["pair"], buckets=_SECONDS, registry=r
        ),
        sync_records=Counter(
            "hub_sync_records",
            "Records handled by sync runs, by pair, connection, object type and outcome.",
            ["pair", "connection", "object_type", "outcome"],
            registry=r,
        ),
        vendor_requests=Counter(
            "hub_vendor_requests",
            "Vendor API request attempts by connector, connection, endpoint and status "
            "(0: no response).",
            ["connector", "connection", "endpoint", "status"],
            registry=r,
        ),
        vendor_request_seconds=Histogram(
            "hub_vendor_request_seconds",
            "Vendor API response times by connector and endpoint.",
            ["connector", "endpoint"],
            registry=r,
        ),
        vendor_rate_limited=Counter(
            "hub_vendor_rate_limited",
            "Vendor API answers 429 (rate limited) by connector, connection and endpoint.",
            ["connector", "connection", "endpoint"],
            registry=r,
        ),
        vendor_rate_wait_seconds=Counter(
            "hub_vendor_rate_wait_seconds",
            "Time requests waited for the rate budget, by connector and connection.",
            ["connector", "connection"],
            registry=r,
        ),
        vendor_rate_budget_used=Gauge(
            "hub_vendor_rate_budget_used_ratio",
            "Share of the connection's rate window in use at its last request (1 = at limit).",
            ["connector", "connection"],
            registry=r,
        ),
    )


def _observe_vendor_call(call: VendorCall) -> None:
    metrics = process_metrics()
    metrics.vendor_requests.labels(
        call.vendor, call.connection, call.endpoint, str(call.status)
    ).inc()
    metrics.vendor_request_seconds.labels(call.vendor, call.endpoint).observe(call.seconds)
    if call.status == 429:
        metrics.vendor_rate_limited.labels(call.vendor, call.connection, call.endpoint).inc()
    if call.waited > 0:
        metrics.vendor_rate_wait_seconds.labels(call.vendor, call.connection).inc(call.waited)
    if call.budget_used is not None:
        metrics.vendor_rate_budget_used.labels(call.vendor, call.connection).set(call.budget_used)


_install_lock = threading.Lock()
_installed = False


def install_vendor_metrics() -> None:
    """Count every vendor request of this process (idempotent; called by serve and worker)."""
    global _installed
    with _install_lock:
        if not _installed:
            add_observer(_observe_vendor_call)
            _installed = True


def record_sync_run(
    pair: str, *, outcome: str, seconds: float, counts: Mapping[str, int] | None = None
) -> None:
    """Count one finished sync run and the records it handled.

    Args:
        pair: The pair's name.
        outcome: ``succeeded``, ``failed`` or ``locked`` (another run held the pair).
        seconds: How long it ran.
        counts: The run's ``connection.object_type.outcome`` counts.
    """
    metrics = process_metrics()
    metrics.sync_runs.labels(pair, outcome).inc()
    metrics.sync_run_seconds.labels(pair).observe(seconds)
    for key, n in (counts or {}).items():
        source, _, record_outcome = key.rpartition(".")
        connection, _, object_type = source.rpartition(".")
        if n > 0:
            metrics.sync_records.labels(pair, connection, object_type, record_outcome).inc(n)


class _CallbackGauge(Collector):
    """A gauge whose value is computed when scraped; a failing source is skipped and logged."""

    def __init__(
        self, name: str, documentation: str, fn: Callable[[], GaugeValue], labels: Sequence[str]
    ) -> None:
        self.name, self.documentation = name, documentation
        self.fn, self.labels = fn, list(labels)

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labels)]

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        try:
            value = self.fn()
        except Exception as exc:  # noqa: BLE001 - a scrape must answer when one source is down
            log.warning("metric %s not collected: %s", self.name, type(exc).__name__)
            return
        if isinstance(value, Mapping):
            for label_values, number in value.items():
                family.add_metric(list(label_values), float(number))
        else:
            family.add_metric([], float(value))
        yield family


def register_gauge(
    name: str,
    documentation: str,
    fn: Callable[[], GaugeValue],
    *,
    labels: Sequence[str] = (),
    registry: CollectorRegistry | None = None,
) -> None:
    """Register a gauge whose value ``fn`` returns each time metrics are scraped.

    Args:
        name: Metric name (``hub_review_queue_size``).
        documentation: The metric's help text.
        fn: Returns one number, or ``{(label values…): number}`` when ``labels`` are given.
        labels: Label names.
        registry: Where to register (default: the process's :data:`REGISTRY`).

    Raises:
        ValueError: A metric of that name is already registered there.
    """
    (registry or REGISTRY).register(_CallbackGauge(name, documentation, fn, labels))


@dataclass(frozen=True)
class StoreGauge:
    """A gauge computed from the store when scraped (declared with :func:`store_gauge`)."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    fn: Callable[[Session], GaugeValue]


_store_gauges: dict[str, StoreGauge] = {}


def store_gauge(
    name: str, documentation: str, *, labels: Sequence[str] = ()
) -> Callable[[Callable[[Session], GaugeValue]], Callable[[Session], GaugeValue]]:
    """Declare a gauge read from the store at scrape time; every service binds it to its database.

    Use it as a decorator on a module-level function of a module the service imports (as
    ``hub_job`` declares jobs)::

        @store_gauge("hub_review_queue_size", "Dedup pairs waiting for review.")
        def review_queue_size(session: Session) -> float:
            return session.scalar(select(func.count()).select_from(Review)) or 0

    Args:
        name: Metric name.
        documentation: Help text.
        labels: Label names, when the function returns ``{(label values…): number}``.
    """

    def declare(fn: Callable[[Session], GaugeValue]) -> Callable[[Session], GaugeValue]:
        _store_gauges[name] = StoreGauge(name, documentation, tuple(labels), fn)
        return fn

    return declare


def store_gauges() -> list[StoreGauge]:
    """Every declared store gauge, by name."""
    return [_store_gauges[name] for name in sorted(_store_gauges)]
