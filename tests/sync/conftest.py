"""Sync fixtures: both emulators over real HTTP and a migrated store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime

import pytest

from hub.config import HubConfig
from hub.connector import EmulatorOptions
from hub.demo.world import sandbox_config
from hub.plugins import HubPlugins
from hub.store import create_store_engine, session_factory, upgrade
from hub.sync.build import build_pair
from hub.testing.server import serve_app


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def world(database_url) -> Iterator[dict]:
    plugins = HubPlugins.load(environ={})
    with ExitStack() as stack:
        gh_app = plugins.connector("greenhouse").emulator(
            EmulatorOptions(seed=3, people=12, rate_limit=0)
        )
        hs_app = plugins.connector("hubspot").emulator(
            EmulatorOptions(
                seed=4, people=10, rate_limit=0, extra={"access_token": "tok", "search_rate": 0}
            )
        )
        gh_url = stack.enter_context(serve_app(gh_app))
        hs_url = stack.enter_context(serve_app(hs_app))
        user_id = next(iter(gh_app.state.emulator.state.tables["users"]))
        config = HubConfig.model_validate(
            sandbox_config(
                database_url=database_url,
                greenhouse_url=gh_url,
                hubspot_url=hs_url,
                greenhouse_user=str(user_id),
                hubspot_token="tok",
                lookback="0s",
            )
        )
        engine = create_store_engine(database_url)
        upgrade(engine)
        sessions = session_factory(engine)
        sync, opened = build_pair(config, "main", plugins=plugins, sessions=sessions, now=_now)
        for connector in opened:
            connector.setup()  # `hub setup`: HubSpot needs the hub's custom properties
        yield {
            "config": config,
            "plugins": plugins,
            "engine": engine,
            "sync": sync,
            "sessions": sessions,
            "gh": gh_url,
            "hs": hs_url,
            "gh_app": gh_app,
            "hs_app": hs_app,
        }
        for connector in opened:
            connector.close()
        engine.dispose()
