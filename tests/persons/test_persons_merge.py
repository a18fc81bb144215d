from __future__ import annotations

import json
from datetime import timedelta

import pytest

from hub.models import ExternalRef
from hub.persons import (
    MergeError,
    MergeNotFoundError,
    PersonNotFoundError,
    absorbed_ids,
    current_person_id,
    forget_merged_data,
    list_merges,
    merge_persons,
    split_merge,
)
from hub.store.dedup_tables import PersonMerge
from hub.store.repo import link_record
from hub.store.tables import Person
from tests.persons.factories import (
    LATER,
    NOW,
    events,
    keys_of,
    links_of,
    make_person,
    provenance_of,
)

EARLY = NOW - timedelta(days=2)


def _pair(session):
    survivor = make_person(
        session,
        given="Robert",
        family="Smith",
        emails=("rob.smith@gmail.com",),
        tags=("python",),
        consent={"marketing_opt_out": False, "gdpr_consent": True},
        links=(("hubspot", "contact", "101"),),
        keys=("email:robsmith@gmail.com",),
        provenance={"given_name": ("crm", "hubspot", EARLY), "emails": ("crm", "hubspot", NOW)},
    )
    absorbed = make_person(
        session,
        given="Bob",
        family="Smith",
        emails=("bob@acme.example", "Rob.Smith@gmail.com"),
        phones=("+14155550100",),
        linkedin="https://www.linkedin.com/in/rsmith",
        company="Acme",
        tags=("python", "rust"),
        consent={"marketing_opt_out": True, "gdpr_consent": False},
        links=(("greenhouse", "candidate", "7"), ("hubspot", "contact", "102")),
        keys=("email:bob@acme.example", "email:robsmith@gmail.com"),
        provenance={"company": ("ats", "greenhouse", NOW), "emails": ("ats", "greenhouse", EARLY)},
    )
    return survivor, absorbed


def test_merge_moves_links_and_keys_and_unions_lists(sessions, subscribed):
    with sessions.begin() as session:
        survivor, absorbed = _pair(session)
        outcome = merge_persons(session, survivor, absorbed, reason="test", now=LATER)
    assert outcome.links_moved == 2
    with sessions() as session:
        assert links_of(session, survivor) == [
            ("greenhouse", "candidate", "7"),
            ("hubspot", "contact", "101"),
            ("hubspot", "contact", "102"),
        ]
        assert links_of(session, absorbed) == []
        assert keys_of(session, survivor) == {"email:robsmith@gmail.com", "email:bob@acme.example"}
        assert keys_of(session, absorbed) == set()
        data = session.get(Person, survivor).data
        # the survivor's own values stay first; the same inbox spelt differently is one email
        assert [e["address"] for e in data["emails"]] == ["rob.smith@gmail.com", "bob@acme.example"]
        assert [p["number"] for p in data["phones"]] == ["+14155550100"]
        assert [link["url"] for link in data["links"]] == ["https://www.linkedin.com/in/rsmith"]
        assert data["tags"] == ["python", "rust"]
        assert data["given_name"] == "Robert"  # kept, not overwritten
        assert data["company"] == "Acme"  # filled from the absorbed person
        assert session.get(Person, survivor).version == 2
        # the filled field takes the absorbed person's provenance; the unioned list keeps the
        # survivor's newer one
        prov = provenance_of(session, survivor)
        assert prov["company"][:2] == ("ats", "greenhouse")
        assert prov["emails"][:2] == ("crm", "hubspot")
        assert absorbed_ids(session) == {absorbed}
        assert current_person_id(session, absorbed) == survivor


def test_the_strictest_consent_wins_on_merge(sessions):
    with sessions.begin() as session:
        survivor, absorbed = _pair(session)
        merge_persons(session, survivor, absorbed, reason="test", now=LATER)
    with sessions() as session:
        data = session.get(Person, survivor).data
    assert data["consent.marketing_opt_out"] is True  # an opt-out anywhere is an opt-out
    assert data["consent.gdpr_consent"] is False  # consent withheld anywhere is withheld


def test_an_opt_out_of_the_survivor_is_never_relaxed(sessions):
    with sessions.begin() as session:
        survivor = make_person(session, given="A", consent={"email_opt_out": True})
        absorbed = make_person(session, given="A", consent={"email_opt_out": False})
        merge_persons(session, survivor, absorbed, reason="test", now=LATER)
    with sessions() as session:
        assert session.get(Person, survivor).data["consent.email_opt_out"] is True


def test_merge_emits_person_merged_with_ids_only(sessions, subscribed):
    with sessions.begin() as session:
        survivor, absorbed = _pair(session)
        merge_persons(
            session,
            survivor,
            absorbed,
            reason="test",
            now=LATER,
            connectors={"hubspot": "hubspot", "greenhouse": "greenhouse"},
        )
    with sessions() as session:
        (body,) = events(session, "person.merged")
    event = json.loads(body)
    assert event["person_version"] == 2
    assert event["data"]["person"]["id"] == survivor
    assert event["data"]["person"]["greenhouse"]["id"] == "7"
    assert [m["id"] for m in event["data"]["merged"]] == [absorbed]
    assert event["data"]["merged"][0]["greenhouse"]["id"] == "7"  # as it was before the merge
    assert "gmail" not in body
    assert "Smith" not in body


def test_split_restores_links_keys_data_and_provenance_exactly(sessions):
    with sessions.begin() as session:
        survivor, absorbed = _pair(session)
        before = {
            pid: (
                links_of(session, pid),
                keys_of(session, pid),
                dict(session.get(Person, pid).data),
                provenance_of(session, pid),
            )
            for pid in (survivor, absorbed)
        }
        merge_id = merge_persons(session, survivor, absorbed, reason="test", now=LATER).merge.id
    with sessions.begin() as session:
        outcome = split_merge(session, merge_id, LATER + timedelta(minutes=5))
    assert (outcome.links_restored, outcome.links_missing) == (2, 0)
    with sessions() as session:
        for pid in (survivor, absorbed):
            after = (
                links_of(session, pid),
                keys_of(session, pid),
                dict(session.get(Person, pid).data),
                provenance_of(session, pid),
            )
            assert after == before[pid]
        # versions only grow, so receivers of events never take the split for stale
        assert session.get(Person, survivor).version == 3
        assert session.get(Person, absorbed).version == 2
        assert absorbed_ids(session) == set()
        (merge,) = list_merges(session)[0]
        assert merge.split_at == LATER + timedelta(minutes=5)


def test_split_leaves_links_made_after_the_merge_with_the_survivor(sessions):
    with sessions.begin() as session:
        survivor, absorbed = _pair(session)
        merge_id = merge_persons(session, survivor, absorbed, reason="test", now=LATER).merge.id
        new = ExternalRef(connection="hubspot", object_type="contact", external_id="999")
        link_record(session, person_id=survivor, ref=new, now=LATER)
    with sessions.begin() as session:
        split_merge(session, merge_id, LATER)
    with sessions() as session:
        assert ("hubspot", "contact", "999") in links_of(session, survivor)
        assert links_of(session, absorbed) == [
            ("greenhouse", "candidate", "7"),
            ("hubspot", "contact", "102"),
        ]


def test_a_merge_cannot_be_split_twice_or_before_a_newer_merge(sessions):
    with sessions.begin() as session:
        a = make_person(session, given="A")
        b = make_person(session, given="B")
        c = make_person(session, given="C")
        first = merge_persons(session, a, b, reason="one", now=LATER).merge.id
        second = merge_persons(session, a, c, reason="two", now=LATER).merge.id
    with sessions.begin() as session, pytest.raises(MergeError, match=f"merge {second}"):
        split_merge(session, first, LATER)
    with sessions.begin() as session:
        split_merge(session, second, LATER)
        split_merge(session, first, LATER)
    with sessions.begin() as session, pytest.raises(MergeError, match="already split"):
        split_merge(session, first, LATER)
    with sessions.begin() as session, pytest.raises(MergeNotFoundError, match="no merge 999"):
        split_merge(session, 999, LATER)


def test_merge_refuses_itself_a_missing_an_absorbed_or_an_erased_person(sessions):
    with sessions.begin() as session:
        a = make_person(session, given="A")
        b = make_person(session, given="B")
        c = make_person(session, given="C")
        merge_persons(session, a, b, reason="one", now=LATER)
        session.get(Person, c).erased_at = LATER
    with sessions() as session:
        with pytest.raises(MergeError, match="into itself"):
            merge_persons(session, a, a, reason="x", now=LATER)
        with pytest.raises(PersonNotFoundError, match="no person nobody"):
            merge_persons(session, a, "nobody", reason="x", now=LATER)
        with pytest.raises(MergeError, match=f"person {b} is already merged"):
            merge_persons(session, b, a, reason="x", now=LATER)
        with pytest.raises(MergeError, match=f"person {c} is erased"):
            merge_persons(session, a, c, reason="x", now=LATER)


def test_merge_history_lists_newest_first_and_by_person(sessions):
    with sessions.begin() as session:
        a, b, c = (make_person(session, given=g) for g in "ABC")
        merge_persons(session, a, b, reason="first", now=NOW)
        merge_persons(session, c, a, reason="second", now=LATER)
    with sessions() as session:
        rows, total = list_merges(session)
        assert total == 2
        assert [m.reason for m in rows] == ["second", "first"]
        rows, total = list_merges(session, person_id=b)
        assert (total, [m.reason for m in rows]) == (1, ["first"])
        assert current_person_id(session, b) == c  # followed through both merges


def test_an_erasure_forgets_what_merges_keep_of_the_person(sessions):
    with sessions.begin() as session:
        survivor, absorbed = _pair(session)
        other = make_person(session, given="Bobby", keys=("email:bobby@x.example",))
        first = merge_persons(session, survivor, absorbed, reason="one", now=NOW).merge.id
        second = merge_persons(session, survivor, other, reason="two", now=NOW).merge.id
    with sessions.begin() as session:
        assert forget_merged_data(session, survivor, now=LATER) == 2
    with sessions() as session:
        for merge_id in (first, second):
            snapshot = session.get(PersonMerge, merge_id).snapshot
            assert snapshot == {"erased": True}
        for pid in (absorbed, other):  # the rows kept for a split held the same human's data
            row = session.get(Person, pid)
            assert (row.data, row.status, row.erased_at) == ({}, "erased", LATER)
            assert keys_of(session, pid) == set()
            assert provenance_of(session, pid) == {}
    with sessions.begin() as session, pytest.raises(MergeError, match="was erased"):
        split_merge(session, second, LATER)
