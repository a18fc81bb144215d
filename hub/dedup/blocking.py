"""Blocking: only records sharing a blocking key are compared.

Keys are interned to integers. Blocks larger than ``max_block_size`` are skipped (a key shared by
thousands of records, like a very common name, says nothing and would cost quadratic work); the
count of skipped blocks is reported. A pair sharing several keys is emitted once, from the
smallest key id it shares, so no global set of pairs is ever held in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from hub.dedup.records import NormRecord
from hub.dedup.spec import MatchSpec

KeyFunction = Callable[[NormRecord], list[str]]
_RULE_SEP = "\x1e"


def key_function(spec: MatchSpec) -> KeyFunction:
    """Build the function giving a record's blocking keys (one per rule and value combination).

    Args:
        spec: The match spec.

    Returns:
        ``record -> keys``; a rule contributes no key when any of its fields is empty.
    """
    names = list(spec.fields)
    rules = [
        (r, [(names.index(name), prefix) for name, prefix in rule.parts()])
        for r, rule in enumerate(spec.blocking.rules)
    ]

    def keys(record: NormRecord) -> list[str]:
        out: list[str] = []
        for r, parts in rules:
            choices = []
            for index, prefix in parts:
                values = record[index]
                if prefix is not None:
                    values = tuple(dict.fromkeys(v[:prefix] for v in values))
                choices.append(values)
            for combo in itertools.product(*choices):
                out.append(f"{r}{_RULE_SEP}" + "\x1f".join(combo))
        return out

    return keys


@dataclass
class BlockIndex:
    """Records grouped by interned blocking key.

    Attributes:
        key_ids: Key text → key id.
        blocks: Key id → indices of the records having that key.
        record_keys: Per record, its sorted key ids.
        key_rules: Key id → index of the blocking rule that made it.
    """

    key_ids: dict[str, int] = field(default_factory=dict)
    blocks: list[list[int]] = field(default_factory=list)
    record_keys: list[tuple[int, ...]] = field(default_factory=list)
    key_rules: list[int] = field(default_factory=list)

    def add(self, keys: list[str]) -> int:
        """Add a record by its keys.

        Args:
            keys: The record's blocking keys.

        Returns:
            The record's index.
        """
        index = len(self.record_keys)
        ids = []
        for key in dict.fromkeys(keys):
            key_id = self.key_ids.setdefault(key, len(self.key_ids))
            if key_id == len(self.blocks):
                self.blocks.append([])
                self.key_rules.append(int(key.partition(_RULE_SEP)[0]))
            self.blocks[key_id].append(index)
            ids.append(key_id)
        self.record_keys.append(tuple(sorted(set(ids))))
        return index


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


def candidate_pairs(
    index: BlockIndex,
    *,
    max_block_size: int | Sequence[int],
    sources: Sequence[str] | None = None,
    stats: PairStats | None = None,
) -> Iterator[tuple[int, int, int]]:
    """Yield each candidate pair ``(i, j, rule)``, ``i < j``, exactly once.

    Args:
        index: The block index of all records.
        max_block_size: Blocks with more records are skipped (one cap, or one per rule).
        sources: Per record, its source; when given, only pairs across sources are emitted.
        stats: Filled in as pairs are produced.

    Yields:
        Candidate pairs of record indices, with the blocking rule that emitted them.
    """
    stats = stats if stats is not None else PairStats()
    caps = [max_block_size] if isinstance(max_block_size, int) else list(max_block_size)
    rules = index.key_rules if len(caps) > 1 else [0] * len(index.blocks)
    usable = [len(b) <= caps[r] for b, r in zip(index.blocks, rules, strict=True)]
    record_keys = [tuple(k for k in keys if usable[k]) for keys in index.record_keys]
    for key_id, members in enumerate(index.blocks):
        if len(members) < 2:
            continue
        if not usable[key_id]:
            stats.oversized_blocks += 1
            stats.oversized_records += len(members)
            continue
        stats.blocks += 1
        rule = index.key_rules[key_id]
        for a, i in enumerate(members):
            keys_i = record_keys[i]
            for j in members[a + 1 :]:
                if sources is not None and sources[i] == sources[j]:
                    continue
                keys_j = record_keys[j]
                # Emit only from the smallest key the pair shares.
                first = next(k for k in keys_i if k in keys_j)
                if first == key_id:
                    stats.pairs += 1
                    yield (i, j, rule) if i < j else (j, i, rule)
