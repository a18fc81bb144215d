from __future__ import annotations

from hub.dedup import MatchSpec, Outcome, Scan, cluster_links
from hub.dedup.blocking import PairStats, build_blocks, candidate_pairs
from hub.dedup.columns import RecordColumns

NONE = frozenset()


def ids(*values: str) -> tuple[frozenset[str]]:
    return (frozenset(values),)


def test_weak_link_does_not_chain_two_people_kept_apart_by_linkedin():
    # 0 and 2 are two John Smiths with different LinkedIn profiles; 1 has no profile and
    # links (weakly) to both. Whichever comes first, 0 and 2 must not end up together.
    identifiers = [ids("in/john-1"), (NONE,), ids("in/john-2")]
    result = cluster_links(identifiers, [(5.0, 0, 1), (4.0, 1, 2)])
    assert result.labels[0] != result.labels[2]
    assert result.labels[0] == result.labels[1]
    assert result.refused == ((1, 2),)


def test_strongest_link_wins_the_contested_record():
    identifiers = [ids("in/a"), (NONE,), ids("in/b")]
    result = cluster_links(identifiers, [(4.0, 0, 1), (9.0, 1, 2)])
    assert result.labels[1] == result.labels[2] != result.labels[0]


def test_links_without_conflicts_form_one_cluster_labelled_by_first_record():
    identifiers = [(NONE,)] * 4 + [ids("in/x")]
    result = cluster_links(identifiers, [(1.0, 3, 4), (2.0, 2, 3), (3.0, 0, 1)])
    assert result.labels == (0, 0, 2, 2, 2)
    assert result.refused == ()


def _key_spec(*, caps=(10, 10), default=10) -> MatchSpec:
    return MatchSpec.model_validate(
        {
            "fields": {"a": {"columns": ["a"]}, "b": {"columns": ["b"]}},
            "blocking": {
                "max_block_size": default,
                "rules": [
                    {"on": ["a"], "max_block_size": caps[0]},
                    {"on": ["b"], "max_block_size": caps[1]},
                ],
            },
        }
    )


def _pairs(spec, rows, *, sources=None):
    columns = RecordColumns(spec)
    for a, b in rows:
        columns.append(((a,) if a else (), (b,) if b else ()))
    stats = PairStats()
    blocks = build_blocks(columns, spec, stats=stats)
    return sorted(candidate_pairs(blocks, sources=sources, stats=stats)), stats


def test_each_candidate_pair_is_emitted_once_with_every_rule_pairing_it():
    pairs, stats = _pairs(_key_spec(), [("x", "p"), ("x", "p"), ("x", ""), ("", "q"), ("y", "p")])
    assert pairs == [(0, 1, 0b11), (0, 2, 0b01), (0, 4, 0b10), (1, 2, 0b01), (1, 4, 0b10)]
    assert stats.pairs == 5


def test_link_only_pairs_cross_sources():
    pairs, _ = _pairs(_key_spec(), [("k", "")] * 3, sources=[0, 0, 1])
    assert [p[:2] for p in pairs] == [(0, 2), (1, 2)]


def test_scan_does_not_chain_common_name_through_a_shared_phone(spec):
    # Two different John Smiths (different LinkedIn) each share a phone with a third record
    # (a family landline): all scored pairs may link, but the clusters keep the two apart.
    rows = [
        (
            "a",
            {
                "given_name": "John",
                "family_name": "Smith",
                "linkedin": "linkedin.com/in/js-1",
                "phone": "415 555 0100",
            },
            "",
        ),
        ("b", {"given_name": "John", "family_name": "Smith", "phone": "415 555 0100"}, ""),
        (
            "c",
            {
                "given_name": "John",
                "family_name": "Smith",
                "linkedin": "linkedin.com/in/js-2",
                "phone": "415 555 0100",
            },
            "",
        ),
    ]
    run = Scan(spec)
    run.normalise(rows)
    run.block()
    run.compare()
    decisions, outcomes = run.score(run.estimate())
    clustering = run.cluster()
    labels = dict(zip(run.ids, clustering.labels, strict=True))
    assert labels["a"] != labels["c"]
    assert outcomes[Outcome.SAME] == 2  # a-b and b-c; a-c is held back by the LinkedIn conflict
    assert {(d.left, d.right) for d in decisions if d.outcome is Outcome.REVIEW} == {("a", "c")}


def test_per_rule_block_caps():
    rows = [("shared", "name")] * 3
    pairs, stats = _pairs(_key_spec(caps=(2, 10)), rows)
    assert pairs == [(0, 1, 0b10), (0, 2, 0b10), (1, 2, 0b10)]
    assert (stats.oversized_blocks, stats.oversized_records) == (1, 3)
    pairs, _ = _pairs(_key_spec(caps=(10, 2)), rows)
    assert {mask for _, _, mask in pairs} == {0b01}


def test_shared_inbox_makes_no_blocking_key(make_spec):
    spec = make_spec(blocking={"max_block_size": 50, "rules": [{"on": ["email"]}]})
    run = Scan(spec)
    run.normalise(
        [
            ("a", {"email": "jobs@acme.com"}, ""),
            ("b", {"email": "jobs@acme.com"}, ""),
            ("c", {"email": "c@x.com; jobs@acme.com"}, ""),
            ("d", {"email": "C@X.com"}, ""),
        ]
    )
    run.block()
    run.compare()
    assert run.stats.pairs == 1  # c-d: only the personal address pairs records


def test_scan_estimates_sensible_weights_without_labels(make_spec):
    import random

    rng = random.Random(3)
    given = ["Ann", "Bob", "Cara", "Dev", "Eli", "Fay", "Gus", "Hal", "Ida", "Jon"]
    family = ["Ng", "Ortiz", "Patel", "Quinn", "Roy", "Silva", "Tran", "Uddin", "Vega", "Wu"]
    rows = []
    for person in range(300):
        g, f = rng.choice(given), rng.choice(family)
        for copy in range(rng.choice([1, 2])):
            fields = {"given_name": g, "family_name": f, "email": f"p{person}@example.com"}
            if copy and rng.random() < 0.5:
                fields["email"] = f"p{person}@work.example"
            rows.append((f"{person}-{copy}", fields, ""))
    fields = make_spec().model_dump()["fields"]
    for field in fields.values():
        field.pop("m"), field.pop("u")
    run = Scan(make_spec(fields=fields, estimation={}))
    run.normalise(rows)
    run.block()
    run.compare()
    weights = {
        f.name: dict(zip(f.levels, f.weights[1:], strict=True)) for f in run.estimate().fields
    }
    assert weights["email"]["exact"] > 8
    assert weights["given_name"]["exact"] > 0 > weights["given_name"]["different"]
    assert weights["family_name"]["exact"] > 0 > weights["family_name"]["different"]
