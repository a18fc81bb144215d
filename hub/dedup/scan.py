"""Batch scan: normalise, block, compare, estimate weights, score and cluster a whole data set.

Each phase is a method so that callers (the CLI, the benchmarks) can time it and show progress;
nothing here reads the clock or files.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from hub.dedup.blocking import BlockIndex, PairStats, block_caps, candidate_pairs, key_function
from hub.dedup.clustering import Clustering, cluster_links
from hub.dedup.comparators import level_names
from hub.dedup.records import NormRecord, RawValue, RecordNormaliser
from hub.dedup.scoring import Comparer, Decision, Outcome, Scorer
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Pattern, Session, Weights, estimate_weights

Progress = Callable[[int], None]


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

    Args:
        spec: The match spec.
    """

    def __init__(self, spec: MatchSpec) -> None:
        self.spec = spec
        self.ids: list[str] = []
        self.records: list[NormRecord] = []
        self.sources: list[str] = []
        self.stats = PairStats()
        self._normaliser = RecordNormaliser(spec)
        self._index = BlockIndex()
        self._patterns: dict[Pattern, int] = {}
        self._left = array("l")
        self._right = array("l")
        self._pattern_of = array("l")
        self._rule_of = array("b")
        self._scorer: Scorer | None = None

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
        for n, (record_id, fields, source) in enumerate(rows, 1):
            self.ids.append(record_id)
            self.records.append(self._normaliser.normalise(fields))
            self.sources.append(source)
            if progress and n % 10_000 == 0:
                progress(10_000)

    def block(self) -> None:
        """Build the blocking index over the stored records."""
        keys = key_function(self.spec)
        for record in self.records:
            self._index.add(keys(record))

    def compare(self, *, progress: Progress | None = None) -> None:
        """Compare every candidate pair and keep its pattern id.

        Args:
            progress: Called with the number of pairs done since the last call.
        """
        comparer = Comparer(self.spec)
        link_only = self.spec.record.link_only
        pairs = candidate_pairs(
            self._index,
            max_block_size=block_caps(self.spec),
            sources=self.sources if link_only else None,
            stats=self.stats,
        )
        records, patterns = self.records, self._patterns
        for n, (i, j, rule) in enumerate(pairs, 1):
            pattern = comparer.pattern(records[i], records[j])
            self._rule_of.append(rule)
            self._left.append(i)
            self._right.append(j)
            self._pattern_of.append(patterns.setdefault(pattern, len(patterns)))
            if progress and n % 50_000 == 0:
                progress(50_000)

    def estimate(self) -> Weights:
        """Estimate weights by EM (or take them from the spec when fully fixed).

        Returns:
            The weights used for scoring.
        """
        fixed = fixed_weights(self.spec)
        if fixed is not None:
            return fixed
        by_id = list(self._patterns)
        per_rule: dict[int, Counter[Pattern]] = {}
        for (rule, p), count in Counter(zip(self._rule_of, self._pattern_of, strict=True)).items():
            per_rule.setdefault(rule, Counter())[by_id[p]] = count
        names = list(self.spec.fields)
        rules = self.spec.blocking.rules
        # A rule's own fields agree on its pairs by construction: mask them in its session.
        sessions = [
            Session(patterns, frozenset(names.index(f) for f, _ in rules[r].parts()))
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
        comparer = Comparer(self.spec)
        rng = random.Random(self.spec.estimation.seed)
        n = len(self.records)
        counts: Counter[Pattern] = Counter()
        if n < 2:
            return counts
        for _ in range(self.spec.estimation.random_pairs):
            i, j = rng.randrange(n), rng.randrange(n)
            if i != j:
                counts[comparer.pattern(self.records[i], self.records[j])] += 1
        return counts

    def score(self, weights: Weights) -> tuple[list[Decision], Counter[Outcome]]:
        """Score every compared pair.

        Args:
            weights: Weights from ``estimate``.

        Returns:
            The decisions that are not ``different`` (best first), and pair counts per outcome.
        """
        self._scorer = scorer = Scorer(self.spec, weights)
        verdicts = [scorer.verdict(p) for p in self._patterns]
        outcomes: Counter[Outcome] = Counter()
        decisions = []
        for i, j, p in zip(self._left, self._right, self._pattern_of, strict=True):
            verdict = verdicts[p]
            outcomes[verdict.outcome] += 1
            if verdict.outcome is not Outcome.DIFFERENT:
                decisions.append(Decision(self.ids[i], self.ids[j], verdict))
        decisions.sort(key=lambda d: -d.verdict.total_weight)
        return decisions, outcomes

    def cluster(self) -> Clustering:
        """Cluster the automatic links (call after ``score``).

        Returns:
            Cluster labels per record (indices into ``ids``) and refused links.
        """
        if self._scorer is None:
            raise RuntimeError("score() must run before cluster()")
        scorer = self._scorer
        verdicts = {p: scorer.verdict(pattern) for pattern, p in self._patterns.items()}
        auto = {p for p, verdict in verdicts.items() if verdict.outcome is Outcome.SAME}
        weight_of = {p: verdict.total_weight for p, verdict in verdicts.items()}
        links = (
            (weight_of[p], i, j)
            for i, j, p in zip(self._left, self._right, self._pattern_of, strict=True)
            if p in auto
        )
        names = list(self.spec.fields)
        conflict_idx = [names.index(n) for n in self.spec.guard.conflicts]
        identifiers = [tuple(frozenset(r[k]) for k in conflict_idx) for r in self.records]
        return cluster_links(identifiers, links)
