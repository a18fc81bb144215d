"""Queue fixtures: the embedded queue, a real Redis queue, a job context, and a hub process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from hub.config import HubConfig
from hub.queue import JobQueues, WorkerContext, queue_connection, set_context

REPO = Path(__file__).resolve().parents[2]
RUN_HUB = Path(__file__).with_name("run_hub.py")


@pytest.fixture
def embedded_queues() -> Iterator[JobQueues]:
    """The process's in-memory queue, emptied before and after."""
    connection = queue_connection(HubConfig())
    connection.flushall()
    yield JobQueues(connection)
    connection.flushall()


@pytest.fixture
def redis_queues(redis_url) -> Iterator[JobQueues]:
    """Queues on the real Redis (db 9, emptied by ``redis_url``)."""
    connection = redis.Redis.from_url(redis_url)
    yield JobQueues(connection)
    connection.close()


@pytest.fixture(params=["embedded", "redis"])
def any_queues(request) -> JobQueues:
    """Each test runs on the embedded queue and on real Redis."""
    fixture = "embedded_queues" if request.param == "embedded" else "redis_queues"
    return request.getfixturevalue(fixture)


@pytest.fixture
def job_context(sqlite_url) -> Iterator[WorkerContext]:
    """A worker context on a fresh SQLite store, installed for in-process jobs."""
    context = WorkerContext.load(HubConfig(database_url=sqlite_url))
    set_context(context)
    yield context
    set_context(None)
    context.close()


@pytest.fixture
def hub_process(tmp_path, redis_url, sqlite_url):
    """A factory for ``hub -c <config> <args…>`` processes on the test's Redis and SQLite."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: {sqlite_url}\nredis_url: {redis_url}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PYTHONPATH"] = str(REPO)  # so the worker can import tests.queue.sample_jobs

    def start(*args: str, **popen) -> subprocess.Popen[str]:
        command = [sys.executable, str(RUN_HUB), "-c", str(config), *args]
        return subprocess.Popen(command, cwd=REPO, env=env, text=True, **popen)

    return start
