"""Settings for every test in the repository (core and connectors)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# The machines running the suite are shared and noisy: never fail a property test on timing.
settings.register_profile(
    "hub", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("hub")


@pytest.fixture(autouse=True)
def _root_logger_as_found() -> Iterator[None]:
    """Give every test the root logger as it found it.

    Commands under test configure logging for their process (``hub serve``, ``hub worker``);
    in the one test process that would leak into the next test's output.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
