"""Blocking: only records sharing a blocking key are compared.

Blocks are built one rule at a time over the columnar records and kept as flat arrays (block →
members, record → blocks), so a million records cost tens of megabytes, not gigabytes. Blocks
larger than the rule's cap are skipped (a key shared by thousands of records, like a very
common name, says nothing and would cost quadratic work) and counted. Weak values (shared
inboxes) make no keys: they are never evidence on their own, and their blocks would only grow
with the data. Candidate pairs are produced record by record, each pair once with the set of
rules that pair it (a bit mask), so no set of all pairs is ever held in memory.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.dedup.columns import EMPTY, RecordColumns
from hub.dedup.normalise.email import WEAK_MARK, is_weak_value
from hub.dedup.records import NormRecord, Values
from hub.dedup.spec import MatchSpec

Key = int | str
KeyFunction = Callable[[NormRecord], list[tuple[int, Key]]]


@dataclass
class PairStats:
    """What blocking did: pairs emitted and blocks skipped for size."""

    pairs: int = 0
    blocks: int = 0
    oversized_blocks: int = 0
    oversized_records: int = 0


def block_caps(spec: MatchSpec) -> list[int]:
    """The block size cap of each blocking rule (its own, else the blocking default).

    Args:
        spec: The match spec.

    Returns:
        One cap per rule.
    """
    default = spec.blocking.max_block_size
    return [rule.max_block_size or default for rule in spec.blocking.rules]


def _rule_parts(spec: MatchSpec) -> list[list[tuple[int, int | None]]]:
    names = list(spec.fields)
    return [
        [(names.index(n), prefix) for n, prefix in rule.parts()] for rule in spec.blocking.rules
    ]


def _part_values(values: Values, prefix: int | None) -> Values:
    """The values of one key part: weak values dropped, prefixes taken and de-duplicated."""
    if prefix is None:
        if not any(is_weak_value(v) for v in values):
            return values
        return tuple(v for v in values if not is_weak_value(v))
    return tuple(dict.fromkeys(v[:prefix] for v in values if not is_weak_value(v)))


def _combine(choices: list[Values]) -> list[Key]:
    if len(choices) == 1:
        return list(choices[0])
    if all(len(c) == 1 for c in choices):
        return [hash(tuple(c[0] for c in choices))]
    return [hash(combo) for combo in itertools.product(*choices)]


def key_function(spec: MatchSpec) -> KeyFunction:
    """Build the function giving a record's blocking keys as ``(rule, key)``.

    Args:
        spec: The match spec.

    Returns:
        ``record -> [(rule index, key), …]``; a rule contributes no key when any of its fields
        has no (strong) value. Keys are comparable only within one rule.
    """
    rules = _rule_parts(spec)

    def keys(record: NormRecord) -> list[tuple[int, Key]]:
        out: list[tuple[int, Key]] = []
        for r, parts in enumerate(rules):
            choices = [_part_values(record[f], prefix) for f, prefix in parts]
            out.extend((r, key) for key in _combine(choices))
        return out

    return keys


@dataclass
class Blocks:
    """Blocks of one data set as flat arrays.

    Attributes:
        starts: Block ``b`` holds ``members[starts[b]:starts[b + 1]]`` (ascending indices).
        members: Record indices of all blocks, block after block.
        rules: Per block, the blocking rule that made it; blocks are in rule order.
        record_starts: Record ``i`` is in blocks ``record_blocks[record_starts[i]:…[i + 1]]``.
        record_blocks: Block ids of all records, record after record, ascending.
    """

    starts: array[int]
    members: array[int]
    rules: array[int]
    record_starts: array[int]
    record_blocks: array[int]


class _Table(Protocol):
    def __getitem__(self, tid: int, /) -> Values: ...


class _PartValues:
    """One key part's values per value tuple id of a column: ``part[tid]``.

    Names and employers repeat, so their part values are computed once per distinct tuple up
    front; identifiers are nearly unique and computed when asked.
    """

    def __init__(self, columns: RecordColumns, field: int, prefix: int | None) -> None:
        column = columns.fields[field]
        self.ids = column.ids
        self._tuples = column.tuples
        self._prefix = prefix
        self.table: list[Values] | None = None
        if len(column.tuples) * 4 < len(columns):
            # Equal part values share one tuple (prefixes repeat): fewer long-lived objects
            # for the garbage collector to count and walk.
            shared: dict[Values, Values] = {}
            self.table = [
                shared.setdefault(part, part)
                for part in (_part_values(values, prefix) for values in column.tuples)
            ]

    def __getitem__(self, tid: int) -> Values:
        if self.table is not None:
            return self.table[tid]
        values = self._tuples[tid]
        if self._prefix is None and not any(v[:1] == WEAK_MARK for v in values):
            return values
        return _part_values(values, self._prefix)


def _all_keys(
    columns: RecordColumns, parts: list[tuple[int, int | None]]
) -> Iterator[tuple[int, Key]]:
    """``(record, key)`` for every record and key of one rule (what ``_rule_keys`` gives)."""
    getters = [_PartValues(columns, f, prefix) for f, prefix in parts]
    if len(getters) == 1:
        getter = getters[0]
        for i, tid in enumerate(getter.ids):
            if tid != EMPTY:
                for key in getter[tid]:
                    yield i, key
        return
    tables: list[_Table] = [g.table if g.table is not None else g for g in getters]
    if len(getters) == 2:
        # The usual shape (two names, a name and a place) without per-record lists.
        first, second = tables
        for i, (a, b) in enumerate(zip(getters[0].ids, getters[1].ids)):  # noqa: B905
            if a and b and (x := first[a]) and (y := second[b]):
                if len(x) == 1 and len(y) == 1:
                    yield i, hash((x[0], y[0]))
                else:
                    yield from ((i, hash(combo)) for combo in itertools.product(x, y))
        return
    if len(getters) == 3:
        first, second, third = tables
        ids = zip(getters[0].ids, getters[1].ids, getters[2].ids)  # noqa: B905
        for i, (a, b, c) in enumerate(ids):
            if a and b and c and (x := first[a]) and (y := second[b]) and (z := third[c]):
                if len(x) == 1 and len(y) == 1 and len(z) == 1:
                    yield i, hash((x[0], y[0], z[0]))
                else:
                    yield from ((i, hash(combo)) for combo in itertools.product(x, y, z))
        return
    for i, tids in enumerate(zip(*(g.ids for g in getters))):  # noqa: B905 - equal lengths
        choices = [table[t] for table, t in zip(tables, tids)]  # noqa: B905
        if all(choices):
            yield from ((i, key) for key in _combine(choices))


def rule_keys(columns: RecordColumns, spec: MatchSpec) -> list[Iterator[tuple[int, Key]]]:
    """Per blocking rule, ``(record index, key)`` for every stored record and key of the rule.

    The keys are those ``key_function`` gives for the same records.

    Args:
        columns: The normalised records.
        spec: The match spec.

    Returns:
        One lazy iterator per rule; keys are comparable only within their rule.
    """
    return [_all_keys(columns, parts) for parts in _rule_parts(spec)]


def build_blocks(
    columns: RecordColumns, spec: MatchSpec, *, stats: PairStats | None = None
) -> Blocks:
    """Group the records by blocking key, rule by rule, dropping singletons and oversized blocks.

    Args:
        columns: The normalised records.
        spec: The match spec (rules and caps).
        stats: Filled in with block counts.

    Returns:
        The blocks.
    """
    stats = stats if stats is not None else PairStats()
    starts, members, rules = array("I", [0]), array("I"), array("B")
    n = len(columns)
    for r, (parts, cap) in enumerate(zip(_rule_parts(spec), block_caps(spec), strict=True)):
        first: dict[Key, int] = {}
        # Groups are arrays, not lists: hundreds of thousands of lists would each be tracked
        # by the garbage collector, whose full passes then cost seconds at a million records.
        shared: dict[Key, array[int]] = {}
        for i, key in _all_keys(columns, parts):
            j = first.setdefault(key, i)
            if j != i:
                group = shared.get(key)
                if group is None:
                    shared[key] = array("I", (j, i))
                else:
                    group.append(i)
        del first
        for group in shared.values():
            if len(group) > cap:
                stats.oversized_blocks += 1
                stats.oversized_records += len(group)
                continue
            members.extend(group)
            starts.append(len(members))
            rules.append(r)
        stats.blocks = len(rules)
    record_starts, record_blocks = _invert(starts, members, n)
    return Blocks(starts, members, rules, record_starts, record_blocks)


def _invert(starts: array[int], members: array[int], n: int) -> tuple[array[int], array[int]]:
    counts = array("I", bytes(4 * (n + 1)))
    for i in members:
        counts[i + 1] += 1
    for i in range(n):
        counts[i + 1] += counts[i]
    fill = array("I", counts)
    record_blocks = array("I", bytes(4 * len(members)))
    for b in range(len(starts) - 1):
        for i in members[starts[b] : starts[b + 1]]:
            record_blocks[fill[i]] = b
            fill[i] += 1
    return counts, record_blocks


def candidate_pairs(
    blocks: Blocks,
    *,
    sources: Sequence[int] | None = None,
    stats: PairStats | None = None,
) -> Iterator[tuple[int, int, int]]:
    """Yield each candidate pair ``(i, j, rules)``, ``i < j``, exactly once, ``i`` ascending.

    Args:
        blocks: The blocks of all records.
        sources: Per record, a source code; when given, only pairs across sources are emitted.
        stats: Counts the pairs.

    Yields:
        Candidate pairs of record indices, with the rules that pair them as a bit mask
        (bit ``r`` set when rule ``r`` puts both records in one block).
    """
    stats = stats if stats is not None else PairStats()
    starts, members, rules = blocks.starts, blocks.members, blocks.rules
    record_starts, record_blocks = blocks.record_starts, blocks.record_blocks
    for i in range(len(record_starts) - 1):
        lo, hi = record_starts[i], record_starts[i + 1]
        if lo == hi:
            continue
        seen: dict[int, int] = {}
        for b in record_blocks[lo:hi]:
            end = starts[b + 1]
            bit = 1 << rules[b]
            for j in members[bisect_right(members, i, starts[b], end) : end]:
                seen[j] = seen.get(j, 0) | bit
        source = sources[i] if sources is not None else -1
        for j, mask in seen.items():
            if source >= 0 and sources is not None and sources[j] == source:
                continue
            stats.pairs += 1
            yield i, j, mask
