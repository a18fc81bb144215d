from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from hub.dedupe_io import load_match_spec
from hub.persons import (
    MergeError,
    ReviewNotFoundError,
    approve,
    get_pair,
    label_patterns,
    labelled_pairs,
    list_open,
    propose,
    reject,
    spec_with_labels,
    split,
)
from hub.store.tables import Person
from tests.persons.factories import LATER, NOW, events, links_of, make_person

SHIPPED = Path(__file__).parents[2] / "mappings" / "match.persons.yaml"

EXPLANATION = {
    "outcome": "review",
    "probability": 0.8,
    "total_weight": 2.0,
    "fields": [
        {"field": "email", "level": "null", "weight": 0.0},
        {"field": "given_name", "level": "exact", "weight": 5.4},
        {"field": "family_name", "level": "exact", "weight": 7.4},
        {"field": "company", "level": "different", "weight": -4.0},
    ],
    "guard": {"allows_auto": False, "evidence": [], "conflicts": [], "reason": "no strong"},
    "text": "given_name=exact(+5.4) ...",
}


def _two(session, **extra):
    older = make_person(
        session,
        given="Ada",
        family="Lovelace",
        links=(("hubspot", "contact", "1"),),
        created=NOW - timedelta(days=1),
    )
    newer = make_person(session, given="Ada", family="Lovelace", links=(("greenhouse", "c", "2"),))
    return older, newer


def test_propose_queues_once_and_emits_review_needed(sessions, subscribed):
    with sessions.begin() as session:
        a, b = _two(session)
        pair = propose(session, b, a, 0.8, EXPLANATION, now=NOW)
        assert pair is not None
        assert (pair.person_a, pair.person_b) == tuple(sorted((a, b)))
        # already open: in either order, nothing new
        assert propose(session, a, b, 0.9, EXPLANATION, now=NOW) is None
    with sessions() as session:
        rows, total = list_open(session)
        assert total == 1
        assert rows[0].explanation == EXPLANATION
        (body,) = events(session, "dedup.review_needed")
    event = json.loads(body)
    assert event["data"]["review_id"] == str(pair.id)
    assert {p["id"] for p in event["data"]["people"]} == {a, b}
    assert event["data"]["score"] == 0.8
    assert "Lovelace" not in body


def test_a_rejected_pair_is_never_proposed_again(sessions):
    with sessions.begin() as session:
        a, b = _two(session)
        pair_id = propose(session, a, b, 0.8, EXPLANATION, now=NOW).id
    with sessions.begin() as session:
        rejected = reject(session, pair_id, "ana", LATER)
        assert (rejected.status, rejected.decided_by, rejected.decided_at) == (
            "rejected",
            "ana",
            LATER,
        )
    with sessions.begin() as session:
        assert propose(session, a, b, 0.99, EXPLANATION, now=LATER) is None
        assert propose(session, b, a, 0.99, EXPLANATION, now=LATER) is None
        assert list_open(session) == ([], 0)


def test_approve_merges_into_the_older_person_and_closes_the_pair(sessions, subscribed):
    with sessions.begin() as session:
        older, newer = _two(session)
        pair_id = propose(session, newer, older, 0.8, EXPLANATION, now=NOW).id
    with sessions.begin() as session:
        outcome = approve(session, pair_id, "ana", LATER)
        assert (outcome.merge.survivor_id, outcome.merge.absorbed_id) == (older, newer)
        assert outcome.merge.reason == f"review {pair_id} approved by ana"
    with sessions() as session:
        pair = get_pair(session, pair_id)
        assert (pair.status, pair.decided_by, pair.merge_id) == ("approved", "ana", 1)
        assert links_of(session, older) == [("greenhouse", "c", "2"), ("hubspot", "contact", "1")]
        assert len(events(session, "person.merged")) == 1
    with sessions.begin() as session, pytest.raises(MergeError, match="approved already"):
        approve(session, pair_id, "ana", LATER)
    with sessions.begin() as session, pytest.raises(MergeError, match="approved already"):
        reject(session, pair_id, "ana", LATER)
    with sessions.begin() as session, pytest.raises(ReviewNotFoundError, match="no review pair"):
        approve(session, 12345, "ana", LATER)


def test_a_merged_person_is_proposed_as_its_survivor(sessions):
    with sessions.begin() as session:
        older, newer = _two(session)
        third = make_person(session, given="Ada", family="King")
        approve(session, propose(session, older, newer, 0.8, EXPLANATION, now=NOW).id, "a", NOW)
        pair = propose(session, newer, third, 0.7, EXPLANATION, now=NOW)
        assert pair is not None
        assert {pair.person_a, pair.person_b} == {older, third}
        assert propose(session, newer, older, 0.9, EXPLANATION, now=NOW) is None  # one person


def test_erased_or_missing_persons_are_not_proposed(sessions):
    with sessions.begin() as session:
        a, b = _two(session)
        session.get(Person, b).erased_at = NOW
        assert propose(session, a, b, 0.8, EXPLANATION, now=NOW) is None
        assert propose(session, a, "missing", 0.8, EXPLANATION, now=NOW) is None


def test_open_pairs_are_listed_best_first_and_paged(sessions):
    with sessions.begin() as session:
        hub = make_person(session, given="X")
        others = [make_person(session, given=f"Y{i}") for i in range(5)]
        for i, other in enumerate(others):
            propose(session, hub, other, 0.6 + i / 100, EXPLANATION, now=NOW)
    with sessions() as session:
        page, total = list_open(session, limit=2, offset=1)
    assert total == 5
    assert [round(p.score, 2) for p in page] == [0.63, 0.62]


def test_decisions_become_labels_and_a_split_relabels_as_different(sessions):
    with sessions.begin() as session:
        a, b = _two(session)
        c = make_person(session, given="Ada", family="Lovelace")
        d = make_person(session, given="Ada", family="Lovelace")
        approved = propose(session, a, b, 0.8, EXPLANATION, now=NOW).id
        rejected = propose(session, c, d, 0.8, EXPLANATION, now=NOW).id
        merge_id = approve(session, approved, "ana", LATER).merge.id
        reject(session, rejected, "ana", LATER)
    with sessions() as session:
        labels = labelled_pairs(session)
    assert [(label.review_id, label.same) for label in labels] == [
        (approved, True),
        (rejected, False),
    ]
    assert labels[0].levels["family_name"] == "exact"
    spec = load_match_spec(SHIPPED)
    same, different = label_patterns(labels, spec)
    assert sum(same.values()) == 1
    assert sum(different.values()) == 1
    labelled = spec_with_labels(spec, labels, min_labels=1)
    # m of the names is now measured on the approved pair: it agreed exactly
    assert labelled.fields["family_name"].m is not None
    assert labelled.fields["family_name"].m[0] > 0.99
    assert labelled.fields["email"].m is None  # no approved pair had an email on both sides
    assert spec_with_labels(spec, labels).fields["family_name"].m is None  # too few labels
    with sessions.begin() as session:
        split(session, merge_id, LATER)
    with sessions() as session:
        assert [label.same for label in labelled_pairs(session)] == [False, False]
        assert propose(session, a, b, 0.9, EXPLANATION, now=LATER) is None
