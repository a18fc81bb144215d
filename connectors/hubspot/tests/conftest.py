from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI, Request

from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.emulator import build_app
from connectors.hubspot.plugin import hubspot_spec
from hub.connector import ConnectorContext, EmulatorOptions, WebhookRequest
from hub.testing.server import serve_app

TOKEN = "test-token"


@dataclass
class FakeClock:
    """A monotonic clock that only moves when someone sleeps (shared by client and emulator)."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class Emulated:
    base_url: str
    app: Any

    @property
    def state(self) -> Any:
        return self.app.state.emulator


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[Callable[..., Emulated]]:
    with ExitStack() as stack:

        def start(*, people: int = 20, rate_limit: int | None = 0, **extra: Any) -> Emulated:
            extra.setdefault("access_token", TOKEN)
            extra.setdefault("search_rate", 0)
            extra.setdefault("monotonic", clock.monotonic)
            options = EmulatorOptions(
                seed=7,
                people=people,
                rate_limit=rate_limit,
                webhook_urls=tuple(extra.pop("webhook_urls", ())),
                webhook_secret=extra.pop("webhook_secret", "emulator-secret"),
                extra=extra,
            )
            app = build_app(options)
            base_url = stack.enter_context(serve_app(app))
            return Emulated(base_url, app)

        yield start


@pytest.fixture
def connector(clock: FakeClock) -> Iterator[Callable[..., HubSpotConnector]]:
    built: list[HubSpotConnector] = []

    def make(base_url: str, **settings: Any) -> HubSpotConnector:
        settings.setdefault("access_token", TOKEN)
        settings.setdefault("client_secret", "emulator-secret")
        context = ConnectorContext(sleep=clock.sleep, monotonic=clock.monotonic)
        built_one = hubspot_spec().build({"base_url": base_url, **settings}, context)
        assert isinstance(built_one, HubSpotConnector)
        built.append(built_one)
        return built_one

    yield make
    for one in built:
        one.close()


@dataclass
class Receiver:
    url: str
    received: list[Any]
    arrived: threading.Condition

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback webhook receiver that records WebhookRequests."""
    received: list[WebhookRequest] = []
    arrived = threading.Condition()
    app = FastAPI()

    @app.post("/hooks/hubspot")
    async def hook(req: Request) -> dict[str, bool]:
        request = WebhookRequest(
            method=req.method,
            url=str(req.url),
            headers={k.lower(): v for k, v in req.headers.items()},
            body=await req.body(),
            received_at=datetime.now(UTC),
        )
        with arrived:
            received.append(request)
            arrived.notify_all()
        return {"ok": True}

    with serve_app(app) as url:
        yield Receiver(f"{url}/hooks/hubspot", received, arrived)
