"""Prometheus metrics of one service instance (its own registry: nothing global)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["Metrics"]


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
            "Time to answer HTTP requests, by route.",
            ["route"],
            registry=self.registry,
        )
