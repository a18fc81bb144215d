"""A hub wired to both emulators over real HTTP, for the sync tests (fixed seeds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from hub.config import HubConfig
from hub.connector import EmulatorOptions
from hub.demo.world import sandbox_config
from hub.plugins import HubPlugins
from hub.store import create_store_engine, session_factory, upgrade
from hub.sync.build import build_pair
from hub.testing.server import serve_app

HS_TOKEN = "tok"


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def sandbox(database_url: str, **config: Any) -> Iterator[dict[str, Any]]:
    """Both emulators served, a migrated store, the pair built and set up (`hub setup`).

    ``config`` goes to :func:`hub.demo.world.sandbox_config` (``rules=True``…).
    """
    plugins = HubPlugins.load(environ={})
    with ExitStack() as stack:
        gh_app = plugins.connector("greenhouse").emulator(
            EmulatorOptions(seed=3, people=12, rate_limit=0)
        )
        hs_app = plugins.connector("hubspot").emulator(
            EmulatorOptions(
                seed=4, people=10, rate_limit=0, extra={"access_token": HS_TOKEN, "search_rate": 0}
            )
        )
        gh_url = stack.enter_context(serve_app(gh_app))
        hs_url = stack.enter_context(serve_app(hs_app))
        user_id = next(iter(gh_app.state.emulator.state.tables["users"]))
        hub_config = HubConfig.model_validate(
            sandbox_config(
                database_url=database_url,
                greenhouse_url=gh_url,
                hubspot_url=hs_url,
                greenhouse_user=str(user_id),
                hubspot_token=HS_TOKEN,
                lookback="0s",
                **config,
            )
        )
        engine = create_store_engine(database_url)
        upgrade(engine)
        sessions = session_factory(engine)
        sync, opened = build_pair(hub_config, "main", plugins=plugins, sessions=sessions, now=now)
        for connector in opened:
            connector.setup()  # `hub setup`: HubSpot needs the hub's custom properties
        try:
            yield {
                "config": hub_config,
                "plugins": plugins,
                "engine": engine,
                "sync": sync,
                "sessions": sessions,
                "gh": gh_url,
                "hs": hs_url,
                "gh_app": gh_app,
                "hs_app": hs_app,
            }
        finally:
            for connector in opened:
                connector.close()
            engine.dispose()
