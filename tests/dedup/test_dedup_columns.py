from __future__ import annotations

import random

import pytest

from hub.dedup import Matcher, MatchSpec, RecordNormaliser, Scan, Scorer
from hub.dedup.columns import RecordColumns
from hub.dedup.matcher import KeyIndex
from hub.dedup.patterns import ColumnComparer, PatternCodec

GIVEN = ["Ann", "Bob", "Robert", "Liz", "Elizabeth", "Jon", "John", "Zoë", ""]
FAMILY = ["Smith", "Smyth", "Doe", "van der Berg", "Berg", "O'Brien", ""]
EMAILS = ["a@x.com", "A@X.com", "b@x.com", "jobs@acme.com", "c@y.com; a@x.com", ""]
PHONES = ["415 555 0100", "+1 (415) 555-0100", "415 555 0101", ""]
COMPANIES = ["Acme Inc", "Acme", "Globex", "Acme Labs", ""]


def _raw(rng: random.Random) -> dict[str, str]:
    return {
        "given_name": rng.choice(GIVEN),
        "family_name": rng.choice(FAMILY),
        "email": rng.choice(EMAILS),
        "phone": rng.choice(PHONES),
        "company": rng.choice(COMPANIES),
    }


def test_columns_give_back_the_records_and_share_equal_values(spec):
    normaliser = RecordNormaliser(spec)
    rng = random.Random(1)
    records = [normaliser.normalise(_raw(rng)) for _ in range(300)]
    columns = RecordColumns(spec)
    for record in records:
        columns.append(record)
    assert list(columns) == records
    assert columns[-1] == records[-1]
    names = list(spec.fields)
    given_column = columns.fields[names.index("given_name")]
    assert len(given_column.tuples) <= len(GIVEN)  # one stored tuple per distinct value
    assert given_column.filled == sum(1 for r in records if r[names.index("given_name")])


@pytest.mark.parametrize("seed", range(12))
def test_column_patterns_equal_record_patterns(make_spec, seed):
    fields = make_spec().model_dump()["fields"]
    for name in ("given_name", "family_name", "company"):
        fields[name]["term_frequency"] = True
    spec = make_spec(fields=fields)
    normaliser = RecordNormaliser(spec)
    rng = random.Random(seed)
    records = [normaliser.normalise(_raw(rng)) for _ in range(40)]
    columns = RecordColumns(spec)
    for record in records:
        columns.append(record)
    comparer, codec = ColumnComparer(spec, columns), PatternCodec(spec)
    scorer = Scorer(spec, _weights(spec))
    width = len(spec.fields)
    for _ in range(60):
        i, j = rng.randrange(40), rng.randrange(40)
        pattern = codec.decode(comparer.code(i, j))
        assert pattern[:width] == scorer.pattern(records[i], records[j])
        assert not any(pattern[width:])  # 40 records are too few to weigh by frequency


def _weights(spec: MatchSpec):
    from hub.dedup import fixed_weights

    weights = fixed_weights(spec)
    assert weights is not None
    return weights


def test_pattern_codes_round_trip(make_spec):
    fields = make_spec().model_dump()["fields"]
    fields["family_name"]["term_frequency"] = True
    spec = make_spec(fields=fields)
    codec = PatternCodec(spec)
    width = len(spec.fields)
    rng = random.Random(5)
    for _ in range(200):
        levels = [rng.randrange(n) for n in codec.levels]
        bands = [0] * width
        f = list(spec.fields).index("family_name")
        if levels[f] == 1:
            bands[f] = rng.randrange(0, 15)
        code = 0
        for k in range(width):
            code = code * codec.radix[k] + codec.sublevel(k, levels[k], bands[k])
        assert codec.decode(code) == (*levels, *bands)


def test_key_index_returns_every_slot_of_a_key_across_growth():
    index = KeyIndex()
    rng = random.Random(2)
    keys = [rng.getrandbits(64) - (1 << 63) for _ in range(3000)]
    expected: dict[int, list[int]] = {}
    for slot in range(400_000 // 100):
        for key in rng.sample(keys, 40):
            index.add(key, slot)
            expected.setdefault(key, []).append(slot)
    assert len(index) == 160_000
    for key in keys[:200]:
        assert index.get(key) == expected.get(key, [])
    busy = max(expected, key=lambda k: len(expected[k]))
    assert index.get(busy, limit=5) == expected[busy][:6]
    assert index.get(12345) == []


def test_matcher_from_a_scan_matches_like_one_built_record_by_record(spec, weights):
    rng = random.Random(4)
    rows = [(f"r{i}", _raw(rng), "") for i in range(200)]
    run = Scan(spec)
    run.normalise(rows)
    one_by_one = Matcher(spec, weights)
    for record_id, record in zip(run.ids, run.records, strict=True):
        one_by_one.add_normalised(record_id, record)
    bulk = Matcher.from_records(spec, weights, run.ids, run.records)
    assert len(bulk) == len(one_by_one) == 200
    for _ in range(30):
        probe = _raw(rng)
        got = bulk.match(probe, include_different=True)
        want = one_by_one.match(probe, include_different=True)
        assert sorted((d.left, d.verdict.total_weight) for d in got) == sorted(
            (d.left, d.verdict.total_weight) for d in want
        )


def test_matcher_from_records_keeps_the_last_record_of_a_repeated_id(spec, weights):
    run = Scan(spec)
    run.normalise(
        [
            ("a", {"email": "old@example.com"}, ""),
            ("b", {"email": "b@example.com"}, ""),
            ("a", {"email": "new@example.com"}, ""),
        ]
    )
    matcher = Matcher.from_records(spec, weights, run.ids, run.records)
    assert len(matcher) == 2
    assert [d.left for d in matcher.match({"email": "new@example.com"})] == ["a"]
    assert matcher.match({"email": "old@example.com"}, include_different=True) == []
