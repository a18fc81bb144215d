"""Shared fixtures: real PostgreSQL and Redis where reachable, each test in its own namespace.

PostgreSQL (127.0.0.1:5432, database ``test``) and Redis (127.0.0.1:6379) are used for real.
Where one is unreachable its tests skip with the reason, except in CI (``CI=true``), where an
unreachable service fails the test instead: CI must exercise both.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator

import pytest

PG_HOST, PG_PORT = os.environ.get("HUB_TEST_PG_HOST", "127.0.0.1"), 5432
REDIS_HOST, REDIS_PORT = os.environ.get("HUB_TEST_REDIS_HOST", "127.0.0.1"), 6379
ADMIN_PG_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _need(service: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    reason = f"{service} is not reachable on {host}:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI must exercise it")
    pytest.skip(reason)


@contextlib.contextmanager
def fresh_postgres(options: str = "") -> Iterator[str]:
    """A fresh, empty PostgreSQL database (``CREATE DATABASE … options``), dropped afterwards."""
    _need("PostgreSQL", PG_HOST, PG_PORT)
    import sqlalchemy as sa

    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(ADMIN_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}" {options}'))
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    with fresh_postgres() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database file for this test."""
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Each store test runs once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of the test's own (db 9, or ``HUB_TEST_REDIS_DB``), emptied around it.

    Two suites run at once on one machine each need their own database number.
    """
    _need("Redis", REDIS_HOST, REDIS_PORT)
    import redis

    db = int(os.environ.get("HUB_TEST_REDIS_DB", "9"))  # off db 0: a developer's own hub
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
    client.flushdb()
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    finally:
        client.flushdb()
        client.close()
