"""Batch scan: normalise, block, compare, estimate weights, score and cluster a whole data set.

Each phase is a method so that callers (the CLI, the benchmarks) can time it and show progress;
nothing here reads the clock or files. Records are stored by column (``RecordColumns``), blocks
and pairs as flat arrays, and each pair's comparison as one small pattern id, so memory grows
by tens of bytes per record and per candidate pair.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from hub.dedup.blocking import Blocks, PairStats, build_blocks, candidate_pairs
from hub.dedup.clustering import Clustering, Identifiers, cluster_links
from hub.dedup.columns import RecordColumns
from hub.dedup.comparators import level_names
from hub.dedup.patterns import ColumnComparer, PatternCodec
from hub.dedup.records import RawValue, RecordNormaliser
from hub.dedup.scoring import Decision, Outcome, Scorer, Verdict
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Pattern, Session, Weights, estimate_weights

Progress = Callable[[int], None]
_NORMALISE_STEP = 10_000
_COMPARE_STEP = 50_000


def fixed_weights(spec: MatchSpec) -> Weights | None:
    """The weights fully given in the spec (every field's m and u, and the prior), if so.

    Args:
        spec: The match spec.

    Returns:
        The weights, or ``None`` when anything must be estimated.
    """
    prior = spec.estimation.prior
    if prior is None or any(f.m is None or f.u is None for f in spec.fields.values()):
        return None
    return estimate_weights(
        [],
        {},
        names=list(spec.fields),
        levels=[level_names(f) for f in spec.fields.values()],
        total_pairs=1,
        fixed_m=[f.m for f in spec.fields.values()],
        fixed_u=[f.u for f in spec.fields.values()],
        prior=prior,
        max_iterations=1,
    )


@dataclass
class ScanCounts:
    """Pairs per outcome, plus blocking statistics."""

    outcomes: Counter[Outcome]
    blocking: PairStats


class Scan:
    """A batch deduplication (or linkage) run over one data set.

    Attributes:
        ids: Record ids, in input order (record index → id).
        records: The normalised records (a sequence of ``NormRecord``, stored by column).
        sources: Per record, its source.
        stats: Blocking and pair counts.

    Args:
        spec: The match spec.
    """

    def __init__(self, spec: MatchSpec) -> None:
        self.spec = spec
        self.ids: list[str] = []
        self.records = RecordColumns(spec)
        self.sources: list[str] = []
        self.stats = PairStats()
        self._normaliser = RecordNormaliser(spec)
        self._codec = PatternCodec(spec)
        self._blocks: Blocks | None = None
        self._pattern_ids: dict[int, int] = {}
        self._codes: list[int] = []
        self._left = array("I")
        self._right = array("I")
        self._pattern_of = array("I")
        # (pattern id << rule count | mask of the rules pairing it) → pairs: EM's sessions.
        self._by_rules: Counter[int] = Counter()
        self._scorer: Scorer | None = None
        self._verdicts: list[Verdict] = []

    def normalise(
        self,
        rows: Iterable[tuple[str, Mapping[str, RawValue], str]],
        *,
        progress: Progress | None = None,
    ) -> None:
        """Normalise and store the records.

        Args:
            rows: ``(record id, raw fields, source)`` per record.
            progress: Called with the number of records done since the last call.
        """
        normalise, append = self._normaliser.normalise, self.records.append
        ids, sources = self.ids, self.sources
        interned: dict[str, str] = {}
        for n, (record_id, fields, source) in enumerate(rows, 1):
            ids.append(record_id)
            append(normalise(fields))
            sources.append(interned.setdefault(source, source))
            if progress and n % _NORMALISE_STEP == 0:
                progress(_NORMALISE_STEP)

    def block(self) -> None:
        """Build the blocks over the stored records."""
        self._blocks = build_blocks(self.records, self.spec, stats=self.stats)

    def compare(self, *, progress: Progress | None = None) -> None:
        """Compare every candidate pair and keep its pattern id.

        Args:
            progress: Called with the number of pairs done since the last call.
        """
        if self._blocks is None:
            self.block()
        assert self._blocks is not None
        code = ColumnComparer(self.spec, self.records).code
        pattern_ids, codes = self._pattern_ids, self._codes
        left, right, pattern_of = self._left, self._right, self._pattern_of
        by_rules, shift = self._by_rules, len(self.spec.blocking.rules)
        pairs = candidate_pairs(self._blocks, sources=self._source_codes(), stats=self.stats)
        for n, (i, j, mask) in enumerate(pairs, 1):
            c = code(i, j)
            p = pattern_ids.get(c)
            if p is None:
                p = pattern_ids[c] = len(codes)
                codes.append(c)
            left.append(i)
            right.append(j)
            pattern_of.append(p)
            key = (p << shift) | mask
            by_rules[key] = by_rules.get(key, 0) + 1
            if progress and n % _COMPARE_STEP == 0:
                progress(_COMPARE_STEP)

    def _source_codes(self) -> Sequence[int] | None:
        if not self.spec.record.link_only:
            return None
        codes: dict[str, int] = {}
        return array("I", (codes.setdefault(s, len(codes)) for s in self.sources))

    def estimate(self) -> Weights:
        """Estimate weights by EM (or take them from the spec when fully fixed).

        Returns:
            The weights used for scoring.
        """
        fixed = fixed_weights(self.spec)
        if fixed is not None:
            return fixed
        levels = self._level_patterns()
        rules = self.spec.blocking.rules
        per_rule: dict[int, Counter[Pattern]] = {}
        first: dict[int, Counter[Pattern]] = {}
        for key, count in self._by_rules.items():
            pattern, mask = levels[key >> len(rules)], key & ((1 << len(rules)) - 1)
            first.setdefault((mask & -mask).bit_length() - 1, Counter())[pattern] += count
            for r in range(len(rules)):
                if mask >> r & 1:
                    per_rule.setdefault(r, Counter())[pattern] += count
        names = list(self.spec.fields)
        # Each rule's session holds every pair the rule makes (as when training on that rule
        # alone); its own fields agree by construction there, so they are masked.
        sessions = [
            Session(
                patterns,
                frozenset(names.index(f) for f, _ in rules[r].parts()),
                first=first.get(r, Counter()),
            )
            for r, patterns in sorted(per_rule.items())
        ]
        fields = list(self.spec.fields.values())
        return estimate_weights(
            sessions,
            self._random_patterns(),
            names=names,
            levels=[level_names(f) for f in fields],
            total_pairs=self.total_pairs(),
            fixed_m=[f.m for f in fields],
            fixed_u=[f.u for f in fields],
            prior=self.spec.estimation.prior,
            max_iterations=self.spec.estimation.max_iterations,
        )

    def _level_patterns(self) -> list[Pattern]:
        """Per pattern id, its levels only (without term-frequency bands)."""
        n = len(self.spec.fields)
        return [self._codec.decode(c)[:n] for c in self._codes]

    def total_pairs(self) -> int:
        """The number of pairs a full comparison would make (across sources when linking).

        Returns:
            The size of the comparison space.
        """
        n = len(self.records)
        if not self.spec.record.link_only:
            return n * (n - 1) // 2
        return (n * n - sum(c * c for c in Counter(self.sources).values())) // 2

    def _random_patterns(self) -> Counter[Pattern]:
        comparer = ColumnComparer(self.spec, self.records)
        rng = random.Random(self.spec.estimation.seed)
        n, width = len(self.records), len(self.spec.fields)
        counts: Counter[int] = Counter()
        if n < 2:
            return Counter()
        for _ in range(self.spec.estimation.random_pairs):
            i, j = rng.randrange(n), rng.randrange(n)
            if i != j:
                counts[comparer.code(i, j)] += 1
        out: Counter[Pattern] = Counter()
        for code, count in counts.items():
            out[self._codec.decode(code)[:width]] += count
        return out

    def score(self, weights: Weights) -> tuple[list[Decision], Counter[Outcome]]:
        """Score every compared pair.

        Args:
            weights: Weights from ``estimate``.

        Returns:
            The decisions that are not ``different`` (best first), and pair counts per outcome.
        """
        self._scorer = scorer = Scorer(self.spec, weights)
        self._verdicts = verdicts = [scorer.verdict(self._codec.decode(c)) for c in self._codes]
        outcomes: Counter[Outcome] = Counter()
        for p, count in Counter(self._pattern_of).items():
            outcomes[verdicts[p].outcome] += count
        kept = bytes(v.outcome is not Outcome.DIFFERENT for v in verdicts)
        ids = self.ids
        decisions = [
            Decision(ids[i], ids[j], verdicts[p])
            for i, j, p in zip(self._left, self._right, self._pattern_of)  # noqa: B905
            if kept[p]
        ]
        decisions.sort(key=lambda d: -d.verdict.total_weight)
        return decisions, outcomes

    def cluster(self) -> Clustering:
        """Cluster the automatic links (call after ``score``).

        Returns:
            Cluster labels per record (indices into ``ids``) and refused links.
        """
        if self._scorer is None:
            raise RuntimeError("score() must run before cluster()")
        verdicts = self._verdicts
        auto = bytes(v.outcome is Outcome.SAME for v in verdicts)
        links = (
            (verdicts[p].total_weight, i, j)
            for i, j, p in zip(self._left, self._right, self._pattern_of)  # noqa: B905
            if auto[p]
        )
        names = list(self.spec.fields)
        conflicts = [names.index(n) for n in self.spec.guard.conflicts]
        return cluster_links(_Identifiers(self.records, conflicts), links)


class _Identifiers(Sequence[Identifiers]):
    """Per record, the values of the conflict fields, read from the columns on demand."""

    def __init__(self, records: RecordColumns, fields: list[int]) -> None:
        self._columns = [records.fields[f] for f in fields]
        self._size = len(records)

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Identifiers: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Identifiers]: ...

    def __getitem__(self, index: int | slice) -> Identifiers | Sequence[Identifiers]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        return tuple(frozenset(c.tuples[c.ids[index]]) for c in self._columns)
