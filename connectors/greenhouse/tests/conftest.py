from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from connectors.greenhouse.connector import GreenhouseConnector
from connectors.greenhouse.emulator import build_greenhouse_emulator
from connectors.greenhouse.emulator.runtime import GreenhouseEmulator
from connectors.greenhouse.plugin import build_connector
from connectors.greenhouse.settings import GreenhouseSettings
from hub import ConnectorContext, EmulatorOptions
from hub.testing.server import serve_app


@dataclass
class RecordingSleep:
    """Records every wait; really sleeps at most ``cap`` s (Retry-After of tiny windows)."""

    cap: float = 0.5
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(min(seconds, self.cap))


@pytest.fixture
def recording_sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_settings() -> Callable[..., GreenhouseSettings]:
    def make(**overrides: Any) -> GreenhouseSettings:
        values: dict[str, Any] = {
            "base_url": "https://harvest.test/v3",
            "auth_url": "https://auth.test",
            "client_id": "client-1",
            "client_secret": "s3cret",
            "user_id": "1001",
            "webhook_secret": "greenhouse_test_secret",
            "rate_limit": 0,
        }
        values.update(overrides)
        return GreenhouseSettings.model_validate(values)

    return make


@dataclass
class Served:
    url: str
    app: Any

    @property
    def emulator(self) -> GreenhouseEmulator:
        emulator: GreenhouseEmulator = self.app.state.emulator
        return emulator

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, f"{self.url}/_emulator{path}", **kwargs)
        assert response.status_code < 400, response.text
        return response


@pytest.fixture
def serve_emulator() -> Iterator[Callable[..., Served]]:
    with ExitStack() as stack:

        def serve(
            *, people: int = 30, seed: int = 1, rate_limit: int | None = 0, **kw: Any
        ) -> Served:
            options = EmulatorOptions(
                seed=seed,
                people=people,
                rate_limit=rate_limit,
                fault_rate=kw.pop("fault_rate", 0.0),
                webhook_urls=tuple(kw.pop("webhook_urls", ())),
                webhook_secret=kw.pop("webhook_secret", "greenhouse_test_secret"),
                extra=kw,
            )
            app = build_greenhouse_emulator(options)
            url = stack.enter_context(serve_app(app))
            return Served(url, app)

        yield serve


@pytest.fixture
def connect(
    make_settings: Callable[..., GreenhouseSettings], recording_sleep: RecordingSleep
) -> Iterator[Callable[..., GreenhouseConnector]]:
    built: list[GreenhouseConnector] = []

    def connect(served: Served, **overrides: Any) -> GreenhouseConnector:
        user_id = next(iter(served.emulator.state.tables["users"]))
        settings = make_settings(
            base_url=f"{served.url}/v3", auth_url=served.url, user_id=str(user_id), **overrides
        )
        connector = build_connector(settings, ConnectorContext(sleep=recording_sleep))
        built.append(connector)
        return connector

    yield connect
    for connector in built:
        connector.close()
