"""Sync fixtures: both emulators over real HTTP and a migrated store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .worlds import sandbox


@pytest.fixture
def world(database_url) -> Iterator[dict]:
    with sandbox(database_url) as found:
        yield found
