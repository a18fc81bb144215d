"""One run of a sync pair at a time, across processes and machines.

PostgreSQL: a session-level advisory lock on a dedicated connection; it is released when the
run ends or its process dies (the connection closes), so a crash never leaves a stale lock.
SQLite (one machine by nature): an exclusive ``flock`` on a file beside the database, which the
kernel likewise releases when the process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select

from hub.errors import HubError

__all__ = ["SyncLockedError", "pair_lock"]


class SyncLockedError(HubError):
    """Another run of the same sync pair is in progress."""


def _key(pair: str) -> int:
    digest = hashlib.sha256(f"talent-hub:sync:{pair}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def pair_lock(engine: Engine, pair: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the pair's lock for the block, waiting up to ``wait`` seconds for it.

    Raises:
        SyncLockedError: Another run still holds it after ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            with _lock_once(engine, pair):
                yield
            return
        except _HeldError:
            if time.monotonic() >= deadline:
                raise SyncLockedError(f"sync pair {pair!r} is already running") from None
            time.sleep(0.2)


class _HeldError(Exception):
    pass


@contextmanager
def _lock_once(engine: Engine, pair: str) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            got = connection.scalar(select(func.pg_try_advisory_lock(_key(pair))))
            connection.commit()
            if not got:
                raise _HeldError
            try:
                yield
            finally:
                connection.execute(select(func.pg_advisory_unlock(_key(pair))))
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # an in-memory database lives in this one process
        return
    path = Path(f"{database}.sync-{hashlib.sha256(pair.encode()).hexdigest()[:12]}.lock")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _HeldError from None
        yield
    finally:
        os.close(descriptor)
