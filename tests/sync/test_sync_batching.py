"""Batched identity resolution and bulk writes answer exactly as record-by-record work did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.connector import VendorRecord, WriteOp, WriteResult
from hub.models import Email, ExternalRef
from hub.models import Person as HubPerson
from hub.store import Base, create_store_engine, session_factory, upgrade
from hub.store.repo import create_person, link_record, link_records
from hub.store.tables import FieldProvenance, LedgerEntry, Link, Person, PersonKey, SyncConflict
from hub.sync.echo import EchoCheck
from hub.sync.golden import GoldenBatch, load_golden
from hub.sync.identity import EmailMatcher, IdentityBatch, Matcher
from hub.sync.planner import Conflict, MergeResult, PolicySet, Provenance
from hub.sync.report import PlannedWrite, SyncReport
from hub.sync.writer import OutboundWriter

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(database_url):
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def person(*emails: str) -> HubPerson:
    return HubPerson(emails=tuple(Email(address=e) for e in emails))


def identity_batch(session: Session, matcher: Matcher, persons: list[HubPerson], ids: list[str]):
    return IdentityBatch(
        session,
        connection="hubspot",
        object_type="contact",
        matcher=matcher,
        external_ids=ids,
        persons=persons,
        now=NOW,
    )


def resolve(identity: IdentityBatch, records: list[tuple[str, HubPerson]]) -> list[str]:
    """What the runner does per record: link, else match, else a new person; then remember."""
    out = []
    for external_id, p in records:
        person_id = identity.person_of(external_id)
        if person_id is None:
            person_id = identity.match(p) or identity.new_person()
            identity.link(person_id, external_id)
        identity.remember(person_id, p)
        out.append(person_id)
    return out


def store_batch(session: Session, identity: IdentityBatch) -> None:
    """Persons first (the golden batch inserts the new ones), then links and keys."""
    GoldenBatch(session, (), new=identity.new, now=NOW, run_id=None).write()
    identity.save()


class RecordByRecord:
    """A matcher without ``resolve_batch``: the sync must call it one record at a time."""

    def __init__(self) -> None:
        self.inner = EmailMatcher()

    def match(self, session: Session, p: HubPerson) -> str | None:
        return self.inner.match(session, p)

    def remember(self, session: Session, person_id: str, p: HubPerson) -> None:
        self.inner.remember(session, person_id, p)


@pytest.mark.parametrize("matcher", [EmailMatcher(), RecordByRecord()], ids=["batch", "fallback"])
def test_a_duplicate_later_in_the_same_batch_finds_its_person(sessions, matcher):
    records = [
        ("1", person("ada.lovelace@gmail.com")),
        ("2", person("grace@navy.mil")),
        ("3", person("adalovelace+crm@gmail.com")),  # the same Gmail inbox as record 1
    ]
    with sessions() as session, session.begin(), session.no_autoflush:
        identity = identity_batch(session, matcher, [p for _, p in records], ["1", "2", "3"])
        first, second, third = resolve(identity, records)
        store_batch(session, identity)
    assert first == third != second
    with sessions() as session:
        links = dict(session.execute(select(Link.external_id, Link.person_id)).all())
        keys = set(session.execute(select(PersonKey.key, PersonKey.person_id)).all())
    assert links == {"1": first, "2": second, "3": first}
    assert keys == {("email:adalovelace@gmail.com", first), ("email:grace@navy.mil", second)}


def test_the_next_batch_matches_what_the_last_one_stored(sessions):
    with sessions() as session, session.begin(), session.no_autoflush:
        identity = identity_batch(session, EmailMatcher(), [person("a@x.io")], ["1"])
        (first,) = resolve(identity, [("1", person("a@x.io"))])
        store_batch(session, identity)
    with sessions() as session, session.begin(), session.no_autoflush:
        later = [("1", person("a@x.io", "b@x.io")), ("2", person("b@x.io"))]
        identity = identity_batch(session, EmailMatcher(), [p for _, p in later], ["1", "2"])
        assert resolve(identity, later) == [first, first]  # a link, then the key just learnt
        assert identity.new == set()
        store_batch(session, identity)
    with sessions() as session:
        keys = set(session.scalars(select(PersonKey.key)))
    assert keys == {"email:a@x.io", "email:b@x.io"}


def test_an_email_shared_by_two_stored_persons_matches_neither(sessions):
    with sessions() as session, session.begin():
        for pid in ("p1", "p2"):
            session.add(Person(id=pid, data={}, version=1, created_at=NOW, updated_at=NOW))
            session.flush()
            session.add(PersonKey(key="email:ada@x.io", person_id=pid))
    with sessions() as session, session.begin(), session.no_autoflush:
        p = person("ada@x.io")
        identity = identity_batch(session, EmailMatcher(), [p], ["9"])
        assert identity.match(p) is None
        assert identity.match(p) == EmailMatcher().match(session, p)


def test_an_erased_person_is_known_as_erased_without_a_query_per_record(sessions):
    with sessions() as session, session.begin():
        session.add(
            Person(id="gone", data={}, version=2, created_at=NOW, updated_at=NOW, erased_at=NOW)
        )
        session.add(Person(id="here", data={}, version=1, created_at=NOW, updated_at=NOW))
        session.flush()
        # an erased person keeps no keys in the hub; this one's are left to prove the check
        session.add(PersonKey(key="email:gone@x.io", person_id="gone"))
        session.add(PersonKey(key="email:here@x.io", person_id="here"))
    with sessions() as session, session.begin(), session.no_autoflush:
        persons = [person("gone@x.io"), person("here@x.io")]
        identity = identity_batch(session, EmailMatcher(), persons, ["1", "2"])
        assert identity.erased == {"gone": True, "here": False}  # read with the batch
        assert identity.is_erased(identity.match(persons[0]))
        assert not identity.is_erased(identity.match(persons[1]))


# Emails drawn from a small pool, so batches hold duplicates, shared and re-used inboxes.
_POOL = ["a@x.io", "A@x.io", "b@x.io", "c@gmail.com", "c+tag@gmail.com", "jobs@x.io", "d@y.org"]
_batches = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", "3", "4", "5", "6"]),
            st.lists(st.sampled_from(_POOL), max_size=3),
        ),
        min_size=1,
        max_size=8,
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=_batches)
def test_batch_resolution_links_and_keys_exactly_like_record_by_record(batches):
    """The same batches through the in-memory index and through per-record store queries."""

    def run(batched: bool) -> tuple[list[list[int]], set[tuple[str, int]], dict[str, int]]:
        engine = create_store_engine("sqlite://")
        Base.metadata.create_all(engine)
        sessions = session_factory(engine)
        matcher: Matcher = EmailMatcher() if batched else RecordByRecord()
        seen: list[list[str]] = []
        for batch in batches:
            records = [(ext, person(*emails)) for ext, emails in batch]
            with sessions() as session, session.begin(), session.no_autoflush:
                ids = [ext for ext, _ in records]
                identity = identity_batch(session, matcher, [p for _, p in records], ids)
                seen.append(resolve(identity, records))
                store_batch(session, identity)
        with sessions() as session:
            links = dict(session.execute(select(Link.external_id, Link.person_id)).all())
            keys = set(session.execute(select(PersonKey.key, PersonKey.person_id)).all())
        engine.dispose()
        # person ids are random: compare them by order of first appearance
        order: dict[str, int] = {}
        for pid in (pid for batch in seen for pid in batch):
            order.setdefault(pid, len(order))
        return (
            [[order[pid] for pid in batch] for batch in seen],
            {(key, order[pid]) for key, pid in keys},
            {ext: order[pid] for ext, pid in links.items()},
        )

    assert run(batched=True) == run(batched=False)


def test_link_records_inserts_new_links_and_repoints_existing_ones(sessions):
    ref = {n: ExternalRef(connection="hubspot", object_type="contact", external_id=n) for n in "12"}
    with sessions() as session, session.begin():
        a = create_person(session, now=NOW, data={}).id
        b = create_person(session, now=NOW, data={}).id
        link_record(session, person_id=a, ref=ref["1"], now=NOW)
    with sessions() as session, session.begin():
        link_records(session, [(b, ref["1"]), (a, ref["2"])], now=NOW)
    with sessions() as session:
        links = dict(session.execute(select(Link.external_id, Link.person_id)).all())
    assert links == {"1": b, "2": a}


def test_golden_batch_inserts_new_persons_and_updates_stored_ones(sessions):
    source = Provenance("crm", "hubspot", NOW)
    with sessions() as session, session.begin():
        stored = create_person(session, now=NOW, data={"given_name": "Ada"}).id
        session.add(
            FieldProvenance(
                person_id=stored, field="given_name", system="ats", connection="gh", at=NOW
            )
        )
    with sessions() as session:
        with session.begin():
            stale = session.get(Person, stored)  # an ORM copy another code path holds
            assert stale is not None
            goldens = GoldenBatch(session, [stored, "new1"], new=["new1"], now=NOW, run_id=7)
            assert goldens[stored].provenance["given_name"].system == "ats"
            conflict = Conflict("given_name", "crm", "ats", "latest")
            for pid, fields, conflicts in (
                (stored, {"given_name": "Augusta"}, (conflict,)),
                ("new1", {"given_name": "Grace"}, ()),
                ("new1", {"given_name": "Grace", "family_name": "Hopper"}, ()),
            ):
                changed = tuple(k for k, v in fields.items() if goldens[pid].fields.get(k) != v)
                prov = {**goldens[pid].provenance, **dict.fromkeys(changed, source)}
                merged = MergeResult(fields, prov, changed, conflicts)
                goldens.save(goldens[pid], merged)
            goldens.write()
        assert stale.data == {"given_name": "Augusta"}  # expired, so read afresh
    with sessions() as session, session.begin():
        rows = load_golden(session, [stored, "new1"])
        conflicts = session.scalars(select(SyncConflict)).all()
        assert rows[stored].fields == {"given_name": "Augusta"}
        assert rows[stored].row.version == 2
        assert rows["new1"].fields == {"given_name": "Grace", "family_name": "Hopper"}
        assert rows["new1"].row.version == 3  # created at 1, changed twice
        assert set(rows["new1"].provenance) == {"given_name", "family_name"}
        assert rows[stored].provenance["given_name"] == source
        assert [(c.person_id, c.field, c.run_id) for c in conflicts] == [(stored, "given_name", 7)]


def test_golden_provenance_is_not_read_outside_its_transaction(sessions):
    with sessions() as session:
        with session.begin():
            pid = create_person(session, now=NOW, data={}).id
        with session.begin():
            record = load_golden(session, [pid])[pid]
        with pytest.raises(RuntimeError, match="transaction"):
            _ = record.provenance


def _side() -> Any:
    return SimpleNamespace(connection="hubspot", object_type="contact", system="crm")


def test_a_lost_create_is_claimed_once_even_by_two_records_in_one_batch(sessions):
    with sessions() as session, session.begin():
        pid = create_person(session, now=NOW, data={}).id
        session.add(
            LedgerEntry(
                idempotency_key="k1",
                connection="hubspot",
                object_type="contact",
                external_id=None,
                person_id=pid,
                action="create",
                payload_hash="h",
                status="pending",
                created_at=NOW,
            )
        )
    later = NOW + timedelta(minutes=1)
    records = [
        VendorRecord(object_type="contact", external_id=n, updated_at=later, data={})
        for n in ("71", "72")
    ]
    with sessions() as session, session.begin(), session.no_autoflush:
        echo = EchoCheck(session, _side(), records, now=later)
        assert echo.claim_create(pid, records[0])
        assert not echo.claim_create(pid, records[1])  # a duplicate, not the hub's create
    with sessions() as session:
        entry = session.get(LedgerEntry, "k1")
        assert (entry.status, entry.external_id) == ("done", "71")


class FakeConnector:
    def __init__(self, results: list[WriteResult]) -> None:
        self.results = results

    def write(self, ops: list[WriteOp]) -> list[WriteResult]:
        return self.results


def test_ledger_writes_restart_unfinished_entries_and_settle_in_bulk(sessions):
    with sessions() as session, session.begin():
        a = create_person(session, now=NOW, data={}).id
        b = create_person(session, now=NOW, data={}).id
        link_record(
            session,
            person_id=b,
            ref=ExternalRef(connection="hubspot", object_type="contact", external_id="900"),
            now=NOW,
        )
        session.add(
            LedgerEntry(
                idempotency_key="create-a",
                connection="hubspot",
                object_type="contact",
                external_id=None,
                person_id=a,
                action="create",
                payload_hash="old",
                status="retry",
                error="timeout",
                created_at=NOW - timedelta(hours=1),
            )
        )
    create = WriteOp(
        object_type="contact", action="create", data={"x": 1}, idempotency_key="create-a"
    )
    update = WriteOp(
        object_type="contact",
        action="update",
        data={"y": 2},
        idempotency_key="upd-b",
        external_id="900",
    )
    side = _side()
    side.connector = FakeConnector(
        [
            WriteResult(op=create, ok=True, external_id="900"),  # the vendor's existing record
            WriteResult(op=update, ok=False, error="busy", retryable=True),
        ]
    )
    writer = OutboundWriter(policies=PolicySet(), now=lambda: NOW, batch_size=10, connectors={})
    report = SyncReport()
    with sessions() as session:
        writer._apply(
            session,
            side,
            [PlannedWrite(a, create, ("x",)), PlannedWrite(b, update, ("y",))],
            report=report,
        )
    with sessions() as session:
        done = session.get(LedgerEntry, "create-a")
        failed = session.get(LedgerEntry, "upd-b")
        links = dict(session.execute(select(Link.external_id, Link.person_id)).all())
    assert (done.status, done.external_id, done.done_at, done.created_at) == (
        "done",
        "900",
        NOW,
        NOW,
    )
    assert done.payload_hash != "old"
    assert (failed.status, failed.error, failed.external_id) == ("retry", "busy", "900")
    assert links == {"900": a}  # the created record's link moved to its person
    assert report.counts["hubspot.contact.created"] == 1
    assert report.counts["hubspot.contact.write_errors"] == 1
