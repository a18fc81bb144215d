from __future__ import annotations

import pytest

from hub.dedup import Matcher, Outcome, RecordNormaliser, Scorer
from hub.dedup.comparators import build_comparator, level_names
from hub.dedup.spec import FieldSpec
from hub.dedup.weights import Session, estimate_weights


def _field(**kwargs) -> FieldSpec:
    return FieldSpec.model_validate({"columns": ["x"], **kwargs})


@pytest.mark.parametrize(
    ("field", "a", "b", "level"),
    [
        (_field(normalise="email"), (), ("a@x.com",), "null"),
        (_field(normalise="email"), ("a@x.com", "b@y.com"), ("b@y.com",), "exact"),
        (_field(normalise="email"), ("\x1fjobs@x.com",), ("\x1fjobs@x.com",), "weak_only"),
        (_field(normalise="email"), ("a@x.com",), ("c@x.com",), "different"),
        (
            _field(comparator={"type": "jaro_winkler", "levels": [0.9, 0.8]}),
            ("martha",),
            ("marhta",),
            "jw>=0.9",
        ),
        (
            _field(comparator={"type": "jaro_winkler", "levels": [0.9, 0.8]}),
            ("smith",),
            ("smith",),
            "exact",
        ),
        (
            _field(comparator={"type": "jaro_winkler", "levels": [0.9, 0.8]}),
            ("smith",),
            ("jones",),
            "different",
        ),
        (
            _field(comparator={"type": "levenshtein", "levels": [1, 2]}),
            ("2119",),
            ("2191",),
            "edits<=2",
        ),
        (
            _field(comparator={"type": "levenshtein", "levels": [1, 2]}),
            ("2119",),
            ("2118",),
            "edits<=1",
        ),
        (
            _field(comparator={"type": "token_set", "levels": [0.9]}),
            ("acme labs",),
            ("labs acme",),
            "tokens>=0.9",
        ),
        (
            _field(normalise="date", comparator={"type": "date", "levels": [31]}),
            ("1980-03-04",),
            ("1980-04-03",),
            "transposed",
        ),
        (
            _field(normalise="date", comparator={"type": "date", "levels": [31]}),
            ("1980-03-04",),
            ("1980-03-20",),
            "days<=31",
        ),
        (
            _field(normalise="date", comparator={"type": "date", "levels": [31]}),
            ("1980-03-04",),
            ("1981-03-04",),
            "different",
        ),
        (
            _field(normalise="numeric", comparator={"type": "numeric", "levels": [1]}),
            ("3.0",),
            ("3.5",),
            "diff<=1",
        ),
    ],
)
def test_comparator_levels(field, a, b, level):
    compare = build_comparator(field)
    names = ("null", *level_names(field))
    assert names[compare(a, b)] == level
    assert names[compare(b, a)] == level


def test_em_learns_that_agreement_means_match():
    # Two fields; 200 matches agree on both, 800 non-matches agree on neither (u from random).
    blocked = {(1, 1): 200, (2, 2): 700, (1, 2): 50, (2, 1): 50}
    random = {(2, 2): 990, (1, 2): 5, (2, 1): 5}
    weights = estimate_weights(
        [Session(blocked)],
        random,
        names=["a", "b"],
        levels=[("exact", "different")] * 2,
        total_pairs=10_000,
    )
    for field in weights.fields:
        agree, disagree = field.weights[1:]
        assert field.m[0] > 0.8
        assert agree > 4 > 0 > disagree
    assert 0.01 < weights.prior < 0.05  # ~250 expected matches out of 10,000 pairs


def test_em_keeps_fixed_probabilities():
    weights = estimate_weights(
        [Session({(1,): 10, (2,): 90})],
        {(2,): 100},
        names=["a"],
        levels=[("exact", "different")],
        total_pairs=1000,
        fixed_m=[(0.6, 0.4)],
        fixed_u=[(0.1, 0.9)],
        prior=0.01,
    )
    assert (weights.fields[0].m, weights.fields[0].u, weights.prior) == (
        (0.6, 0.4),
        (0.1, 0.9),
        0.01,
    )


def _decide(spec, weights, left: dict, right: dict):
    normaliser = RecordNormaliser(spec)
    scorer = Scorer(spec, weights)
    return scorer.verdict(scorer.pattern(normaliser.normalise(left), normaliser.normalise(right)))


JANE = {"given_name": "Jane", "family_name": "Doe", "company": "Acme Inc"}


def test_shared_personal_email_auto_links(spec, weights):
    left = {**JANE, "email": "Jane.Doe@gmail.com"}
    right = {**JANE, "company": "Globex", "email": "janedoe+x@googlemail.com"}  # changed job
    v = _decide(spec, weights, left, right)
    assert v.outcome is Outcome.SAME
    assert v.guard.evidence == ("email",)


def test_shared_inbox_alone_never_auto_links(spec, weights):
    # Same name and the same agency inbox, but nothing else: a shared inbox is weak evidence.
    left = {"given_name": "Jane", "family_name": "Doe", "email": "jobs@talent.example"}
    right = {"given_name": "Jane", "family_name": "Doe", "email": "Jobs@talent.example"}
    v = _decide(spec, weights, left, right)
    assert v.outcome is not Outcome.SAME
    assert not v.guard.evidence
    assert [f.level for f in v.fields if f.field == "email"] == ["weak_only"]


def test_full_name_and_company_is_strong_evidence(spec, weights):
    v = _decide(
        spec, weights, JANE, {"given_name": "jane", "family_name": "DOE", "company": "The Acme Co."}
    )
    assert v.outcome is Outcome.SAME
    assert v.guard.evidence == ("given_name+family_name+company",)


def test_high_score_without_strong_evidence_goes_to_review(make_spec, weights):
    spec = make_spec(thresholds={"auto": 0.75, "review": 0.5})
    v = _decide(
        spec,
        weights,
        {"given_name": "Jane", "family_name": "Doe"},
        {"given_name": "Jane", "family_name": "Doe"},
    )
    assert v.probability >= 0.75
    assert v.outcome is Outcome.REVIEW
    assert "no strong evidence" in v.guard.reason


def test_conflicting_linkedin_blocks_auto_link(spec, weights):
    left = {**JANE, "email": "jane@example.com", "linkedin": "linkedin.com/in/jane-doe-1"}
    right = {
        **JANE,
        "email": "jane@example.com",
        "linkedin": "https://uk.linkedin.com/in/jane-doe-2/",
    }
    v = _decide(spec, weights, left, right)
    assert v.probability >= 0.99
    assert v.outcome is Outcome.REVIEW
    assert v.guard.conflicts == ("linkedin",)


def test_nickname_matches_formal_name(spec, weights):
    v = _decide(spec, weights, {**JANE, "given_name": "Bob"}, {**JANE, "given_name": "Robert"})
    assert [f.level for f in v.fields if f.field == "given_name"] == ["exact"]


def test_explanation_names_every_field_and_the_guard(spec, weights):
    v = _decide(
        spec, weights, {**JANE, "phone": "(415) 555-0132"}, {**JANE, "phone": "+1 415 555 0132"}
    )
    text = v.explain()
    for name in ("email=null", "phone=exact", "company=exact", "total=", "strong evidence"):
        assert name in text


def test_matcher_finds_the_pair_by_index_lookup(spec, weights):
    matcher = Matcher(spec, weights)
    for i in range(500):
        matcher.add(
            f"other{i}",
            {"given_name": f"Person{i}", "family_name": "Roe", "email": f"p{i}@example.com"},
        )
    matcher.add("hs-1", {**JANE, "email": "jane.doe@gmail.com", "phone": "415 555 0132"})
    decisions = matcher.match(
        {"given_name": "Janet", "family_name": "Doe", "phone": "+14155550132"}
    )
    assert [(d.left, d.outcome) for d in decisions] == [("hs-1", Outcome.SAME)]


def test_matcher_replaces_a_record_added_again(spec, weights):
    matcher = Matcher(spec, weights)
    matcher.add("r1", {**JANE, "email": "old@example.com"})
    matcher.add("r1", {**JANE, "email": "new@example.com"})
    assert len(matcher) == 1
    assert [
        d.left for d in matcher.match({"email": "new@example.com"}, include_different=True)
    ] == ["r1"]
    assert matcher.match({"email": "old@example.com"}, include_different=True) == []


def test_matcher_skips_blocks_over_the_size_cap(make_spec, weights):
    spec = make_spec(blocking={"max_block_size": 3, "rules": [{"on": ["email"]}]})
    matcher = Matcher(spec, weights)
    for i in range(4):
        matcher.add(f"r{i}", {"email": "shared@example.com"})
    assert matcher.match({"email": "shared@example.com"}, include_different=True) == []


def test_em_never_makes_one_difference_a_veto():
    # In clean data matches never disagree, but one differing phone must not outweigh the rest.
    weights = estimate_weights(
        [Session({(1,): 300, (2,): 700})],
        {(2,): 1000},
        names=["phone"],
        levels=[("exact", "different")],
        total_pairs=100_000,
    )
    assert weights.fields[0].m[-1] >= 0.01
    assert weights.fields[0].weights[-1] > -7


def test_matcher_accepts_canonical_persons(spec, weights):
    from hub.dedup import person_fields
    from hub.models import Email, Person, ProfileLink

    matcher = Matcher(spec, weights)
    crm = Person(given_name="Liz", family_name="Taylor", emails=(Email(address="liz@example.com"),))
    ats = Person(
        given_name="Elizabeth",
        family_name="Taylor",
        links=(ProfileLink(kind="linkedin", url="https://www.linkedin.com/in/liztaylor/"),),
        emails=(Email(address="LIZ@example.com", type="personal"),),
    )
    matcher.add("hubspot:1", person_fields(crm))
    assert [(d.left, d.outcome) for d in matcher.match(person_fields(ats))] == [
        ("hubspot:1", Outcome.SAME)
    ]
