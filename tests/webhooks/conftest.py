"""Webhook fixtures: a store, a recording receiver served on loopback, loopback-only settings."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response

from hub.store import create_store_engine, session_factory, upgrade
from hub.testing.server import serve_app
from hub.webhooks.jobs import delivery_client
from hub.webhooks.settings import WebhookSettings, use_settings

REPO = Path(__file__).resolve().parents[2]
RUN_WORKER = Path(__file__).with_name("run_worker.py")
LOOPBACK = WebhookSettings(allow_networks=("127.0.0.0/8",), require_https=False)


@dataclass
class Receiver:
    """Records every request (raw body, headers) and answers with the scripted statuses."""

    requests: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    stall_first: bool = False
    released: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            self.requests.append((body, dict(request.headers)))
            if self.stall_first and len(self.requests) == 1:
                while not self.released.is_set():  # the test kills the sender meanwhile
                    await asyncio.sleep(0.02)
            status = self.statuses.popleft() if self.statuses else 200
            return Response(status_code=status, content=f"status {status}")

        return app

    def ids(self) -> list[str]:
        return [headers["webhook-id"] for _, headers in self.requests]


@pytest.fixture
def receiver():
    recording = Receiver()
    with serve_app(recording.app()) as base:
        recording.url = f"{base}/hook"
        yield recording
    recording.released.set()


@pytest.fixture
def loopback_settings():
    use_settings(LOOPBACK)
    yield LOOPBACK
    use_settings(None)


@pytest.fixture
def client(loopback_settings):
    return delivery_client(loopback_settings)


def make_sessions(url):
    engine = create_store_engine(url)
    upgrade(engine)
    return engine, session_factory(engine)


@pytest.fixture
def sessions(sqlite_url):
    engine, factory = make_sessions(sqlite_url)
    yield factory
    engine.dispose()


@pytest.fixture
def any_sessions(database_url):
    engine, factory = make_sessions(database_url)
    yield factory
    engine.dispose()


class Clock:
    """A hand-driven clock for the retry schedule.

    It starts at the real time because the reference verifier checks ``webhook-timestamp``
    against the real clock (+-5 min); from there only the test moves it.
    """

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def rng():
    return random.Random(7)


@pytest.fixture
def redis_url(redis_url):
    """Like the shared fixture, but on db 11: other suites running at the same time on this
    machine flush and work db 9, and a worker of theirs would take our jobs."""
    import redis

    db = int(redis_url.rsplit("/", 1)[1]) + 2  # 11 by default
    url = f"{redis_url.rsplit('/', 1)[0]}/{db}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def hub_worker(tmp_path, redis_url, sqlite_url):
    """A factory for ``hub worker`` processes on the test's Redis and SQLite, loopback allowed."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: {sqlite_url}\nredis_url: {redis_url}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PYTHONPATH"] = str(REPO)

    def start(*args: str, **popen) -> subprocess.Popen[str]:
        command = [sys.executable, str(RUN_WORKER), "-c", str(config), "worker", *args]
        return subprocess.Popen(command, cwd=REPO, env=env, text=True, **popen)

    return start
