"""The scored matcher inside a real sync: both emulators over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.config import HubConfig
from hub.connector import EmulatorOptions
from hub.dedupe_io import load_match_spec
from hub.demo.world import sandbox_config
from hub.persons import list_open
from hub.plugins import HubPlugins
from hub.store import create_store_engine, session_factory, upgrade
from hub.store.tables import Link, Person, PersonKey
from hub.sync.build import build_pair
from hub.sync.identity import BatchMatcher
from hub.sync.scored import ScoredMatcher
from hub.testing.server import serve_app

SHIPPED = Path(__file__).parents[2] / "mappings" / "match.persons.yaml"


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def scored_sync(database_url) -> Iterator[dict]:
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
            connector.setup()
        with sessions() as session:
            # what the lead's wiring will do: the scored matcher instead of the email one
            sync.matcher = ScoredMatcher.load(session, load_match_spec(SHIPPED), now=_now)
        yield {"sync": sync, "sessions": sessions}
        for connector in opened:
            connector.close()
        engine.dispose()


def _count(session, table, *where):
    return session.scalar(select(func.count()).select_from(table).where(*where))


def test_a_sync_with_the_scored_matcher_links_everyone_once(scored_sync):
    sync, sessions = scored_sync["sync"], scored_sync["sessions"]
    assert isinstance(sync.matcher, BatchMatcher)  # the sync takes its batch path
    first = sync.run()
    assert first.counts["greenhouse.candidate.errors"] == 0
    with sessions() as session:
        persons = _count(session, Person)
        gh = _count(session, Link, Link.connection == "greenhouse")
        hs = _count(session, Link, Link.connection == "hubspot")
        keys = _count(session, PersonKey)
        pairs, _ = list_open(session, limit=200)
        known = set(session.scalars(select(Person.id)))
    assert first.counts["greenhouse.candidate.read"] == gh > 0
    assert persons < gh + hs  # contacts and candidates of one person share it
    assert keys > 0  # identity keys are still written
    for pair in pairs:  # review pairs name stored persons only
        assert {pair.person_a, pair.person_b} <= known
    second = sync.run()
    assert second.counts["greenhouse.candidate.new_person"] == 0
    assert second.counts["hubspot.contact.new_person"] == 0
    with sessions() as session:
        assert _count(session, Person) == persons
