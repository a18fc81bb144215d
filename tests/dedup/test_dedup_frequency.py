from __future__ import annotations

import pytest

from hub.dedup import Matcher, Outcome, Scan
from hub.dedup.frequency import BANDS, MIN_RECORDS, band_adjustment, frequency_band
from hub.dedup.weights import Session, estimate_weights


@pytest.mark.parametrize(
    ("count", "total", "band"),
    [
        (1, 999, 0),  # too few records to tell how common a value is
        (1000, 1000, 1),
        (300, 1000, 3),  # 0.3 is between 10**-0.5 and 10**-0.75
        (1, 1000, 13),  # exactly 10**-3 is the top of band 13
        (2, 1_000_000, 23),
        (1, 10**9, BANDS),
    ],
)
def test_frequency_bands_are_quarter_decades(count, total, band):
    assert frequency_band(count, total) == band


def test_rare_values_weigh_more_and_common_ones_less():
    u = 0.01  # P(two different people share the value), about a 1% value on average
    assert band_adjustment(u, 0) == 0
    assert band_adjustment(u, frequency_band(2, 100_000)) > 8
    assert band_adjustment(u, frequency_band(10_000, 100_000)) < -2


def _people(make_spec, *, counted: bool):
    fields = make_spec().model_dump()["fields"]
    for name in ("given_name", "family_name", "company"):
        fields[name]["term_frequency"] = counted
    blocking = {"max_block_size": 20, "rules": [{"on": ["family_name", "given_name"]}]}
    spec = make_spec(fields=fields, blocking=blocking)
    rows = []
    # 1,500 Johns at Acme (ten of each family name), each with their own address, and one
    # pair of rare names.
    for i in range(1500):
        person = {"given_name": "John", "family_name": f"Smith{i % 150}", "company": "Acme"}
        rows.append((f"js{i}", {**person, "email": f"js{i}@mail.example"}, ""))
    rare = {"given_name": "Oluwaseun", "family_name": "Quarshie-Odum", "company": "Acme"}
    rows += [("r1", {**rare, "email": "r1@mail.example"}, ""), ("r2", rare, "")]
    return spec, rows


@pytest.mark.parametrize("counted", [True, False])
def test_shared_rare_name_outweighs_shared_common_name(make_spec, weights, counted):
    spec, rows = _people(make_spec, counted=counted)
    matcher = Matcher(spec, weights)
    for record_id, fields, _ in rows:
        matcher.add(record_id, fields)
    rare = matcher.match(
        {"given_name": "Oluwaseun", "family_name": "Quarshie-Odum", "company": "Acme"},
        include_different=True,
    )
    common = matcher.match(
        {"given_name": "John", "family_name": "Smith7", "company": "Acme"}, include_different=True
    )
    gap = rare[0].verdict.total_weight - max(d.verdict.total_weight for d in common)
    if counted:
        assert gap > 8  # "John" is everybody here; the rare names are 1 in 750
        assert {f.field for f in rare[0].verdict.fields if f.frequency is not None} == {
            "given_name",
            "family_name",
            "company",
        }
        assert "given_name=exact~" in rare[0].verdict.explain()
    else:
        assert gap == 0


def test_scan_links_the_rare_pair_but_not_the_common_names(make_spec):
    spec, rows = _people(make_spec, counted=True)
    run = Scan(spec)
    run.normalise(rows)
    run.block()
    run.compare()
    decisions, _ = run.score(run.estimate())
    same = {(d.left, d.right) for d in decisions if d.outcome is Outcome.SAME}
    assert same == {("r1", "r2")}


def test_prior_counts_each_blocked_pair_once_with_its_rules_masking():
    # Rule 0 blocks on field 0 (an identifier): its 100 pairs are matches. Rule 1 blocks on
    # field 1 (a common name): its 10,000 pairs are different people who share that name.
    # Over all blocked pairs at once, agreement on the name would pass for evidence.
    levels = [("exact", "different")] * 2
    matches, namesakes = {(1, 1): 100}, {(2, 1): 10_000}
    sessions = [
        Session(matches, frozenset({0}), first=matches),
        Session({**matches, **namesakes}, frozenset({1}), first=namesakes),
    ]
    random = {(2, 2): 9_000, (2, 1): 1_000, (1, 2): 1}
    weights = estimate_weights(
        sessions, random, names=["id", "name"], levels=levels, total_pairs=10**7
    )
    assert 0.5e-5 < weights.prior < 3e-5  # about 100 matches in 10**7 pairs
    pooled = estimate_weights(
        [Session(s.patterns, s.masked) for s in sessions], random, names=["id", "name"],
        levels=levels, total_pairs=10**7,
    )  # fmt: skip
    assert pooled.prior > 10 * weights.prior


def test_small_populations_are_not_weighed_by_frequency():
    assert MIN_RECORDS >= 1000
    assert frequency_band(1, MIN_RECORDS - 1) == 0
