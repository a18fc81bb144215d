from __future__ import annotations

import httpx
import pytest

from hub.api import create_app
from hub.testing.server import serve_app
from tests.api.helpers import NOW, TOKEN, fake_plugins, service_config


@pytest.fixture
def make_client(database_url):
    """Start the real service (uvicorn on a loopback port, lifespan and all); a client for it."""
    clients = []

    def _make(*, tokens=(TOKEN,), redis_url="", **extra):
        config = service_config(database_url, tokens=tokens, redis_url=redis_url, **extra)
        app = create_app(config, plugins=fake_plugins(), now=lambda: NOW)
        server = serve_app(app)
        client = httpx.Client(base_url=server.__enter__())
        client.app = app  # type: ignore[attr-defined]
        clients.append((server, client))
        return client

    yield _make
    for server, client in clients:
        client.close()
        server.__exit__(None, None, None)
