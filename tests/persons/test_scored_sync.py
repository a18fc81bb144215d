"""The scored matcher inside a real sync: both emulators over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from hub.persons import list_open
from hub.store.tables import Link, Person, PersonKey
from hub.sync.identity import BatchMatcher
from hub.sync.scored import ScoredMatcher
from tests.sync.worlds import sandbox


@pytest.fixture
def scored_sync(database_url) -> Iterator[dict]:
    with sandbox(database_url) as world:
        assert isinstance(world["sync"].matcher, ScoredMatcher)  # the sync's default
        yield world


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
