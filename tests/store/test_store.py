from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from hub.connector import Cursor as ReadCursor
from hub.models import ExternalRef
from hub.store import Base, Link, create_store_engine, is_current, session_factory, upgrade
from hub.store.repo import (
    create_person,
    find_person_id,
    finish_run,
    link_record,
    list_runs,
    load_cursor,
    save_cursor,
    start_run,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(database_url):
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def test_migrations_reach_head_and_match_the_models(database_url):
    engine = create_store_engine(database_url)
    assert not is_current(engine)
    upgrade(engine)
    assert is_current(engine)
    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert drift == []


def test_upgrade_twice_is_harmless(database_url):
    engine = create_store_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    assert is_current(engine)
    engine.dispose()


def test_link_is_unique_per_connection_type_and_id(sessions):
    ref = ExternalRef(connection="hubspot", object_type="contact", external_id="101")
    with sessions() as session:
        a = create_person(session, now=NOW, data={})
        b = create_person(session, now=NOW, data={})
        link_record(session, person_id=a.id, ref=ref, now=NOW)
        session.add(
            Link(
                person_id=b.id,
                connection="hubspot",
                object_type="contact",
                external_id="101",
                created_at=NOW,
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()


def test_relinking_a_record_repoints_it(sessions):
    ref = ExternalRef(connection="greenhouse", object_type="candidate", external_id="7")
    with sessions.begin() as session:
        a = create_person(session, now=NOW, data={"given_name": "A"})
        b = create_person(session, now=NOW, data={"given_name": "B"})
        link_record(session, person_id=a.id, ref=ref, now=NOW)
        link_record(session, person_id=b.id, ref=ref, now=NOW)
        b_id = b.id
    with sessions() as session:
        assert find_person_id(session, ref) == b_id
        assert session.scalar(sa.select(sa.func.count()).select_from(Link)) == 1


def test_cursor_round_trips_aware_utc_and_never_moves_back(sessions):
    later = ReadCursor(updated_at=NOW, last_id="50")
    earlier = ReadCursor(updated_at=NOW - timedelta(hours=1), last_id="99")
    with sessions.begin() as session:
        assert load_cursor(session, "hubspot", "contact") is None
        save_cursor(session, connection="hubspot", object_type="contact", cursor=later, now=NOW)
    with sessions.begin() as session:
        save_cursor(session, connection="hubspot", object_type="contact", cursor=earlier, now=NOW)
    with sessions() as session:
        loaded = load_cursor(session, "hubspot", "contact")
    assert loaded == later
    assert loaded is not None
    assert loaded.updated_at.tzinfo is not None


def test_naive_datetimes_are_refused(sessions):
    with sessions() as session, pytest.raises(sa.exc.StatementError, match="naive datetime"):
        create_person(session, now=datetime(2026, 1, 1), data={})  # noqa: DTZ001


def test_runs_are_listed_newest_first_and_filtered_by_pair(sessions):
    with sessions.begin() as session:
        for i, pair in enumerate(["main", "eu", "main"]):
            run = start_run(session, pair=pair, now=NOW + timedelta(minutes=i))
            finish_run(
                session,
                run,
                now=NOW + timedelta(minutes=i, seconds=30),
                status="succeeded",
                counts={"read": i},
                api_calls={"GET /contacts": 2},
            )
    with sessions() as session:
        main = list_runs(session, pair="main")
        everything = list_runs(session)
    assert [r.counts["read"] for r in main] == [2, 0]
    assert len(everything) == 3
    assert main[0].finished_at is not None
    assert main[0].finished_at.tzinfo is not None
