"""Fellegi-Sunter m/u probabilities and their unsupervised estimation by EM.

For each field and agreement level, ``m`` is P(level | same person) and ``u`` is P(level |
different people); the level's weight is ``log2(m / u)``. EM runs on the counts of distinct
comparison patterns (level tuples) of the blocked pairs, which are few even for millions of pairs,
so estimation costs almost nothing beyond the comparisons themselves. ``u`` starts from random
pairs (almost all non-matches); levels fixed in the config are never re-estimated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Pattern = tuple[int, ...]
_FLOOR = 1e-6
# Among true matches, identifiers differ at least this often in real data (a second phone, a
# new job); without the floor, clean training data would make one difference a veto.
DIFFERENT_M_FLOOR = 0.01


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """The m/u probabilities of one field's non-null levels (index ``i`` = level ``i + 1``).

    Attributes:
        name: The field.
        levels: Level names, strongest first.
        m: P(level | match).
        u: P(level | non-match).
    """

    name: str
    levels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]

    @property
    def weights(self) -> tuple[float, ...]:
        """Weight per level including the null level 0 (always 0.0)."""
        return (0.0, *(math.log2(m / u) for m, u in zip(self.m, self.u, strict=True)))


@dataclass(frozen=True, slots=True)
class Weights:
    """All fields' weights plus the prior probability that a blocked pair is a match."""

    prior: float
    fields: tuple[FieldWeights, ...]

    @property
    def prior_weight(self) -> float:
        """``log2`` of the prior odds."""
        return math.log2(self.prior / (1 - self.prior))


def _normalised(counts: Sequence[float]) -> tuple[float, ...]:
    total = sum(counts) + _FLOOR * len(counts)
    return tuple(max((c + _FLOOR) / total, _FLOOR) for c in counts)


def level_frequencies(
    patterns: Mapping[Pattern, int], level_counts: Sequence[int]
) -> list[tuple[float, ...]]:
    """Per field, how often each non-null level occurs among the given pairs (nulls ignored).

    Args:
        patterns: Pattern → number of pairs.
        level_counts: Number of non-null levels per field.

    Returns:
        One probability tuple per field (smoothed, never 0).
    """
    tallies = [[0.0] * n for n in level_counts]
    for pattern, count in patterns.items():
        for f, level in enumerate(pattern):
            if level:
                tallies[f][level - 1] += count
    return [_normalised(t) for t in tallies]


def _initial_m(n: int) -> list[float]:
    # Matches mostly agree exactly; the rest of the mass falls off over the weaker levels.
    if n == 1:
        return [1.0]
    rest = [0.5**i for i in range(1, n)]
    scale = 0.1 / sum(rest)
    return [0.9, *(r * scale for r in rest)]


@dataclass(frozen=True, slots=True)
class Session:
    """Blocked pairs of one blocking rule, with the fields that rule blocks on.

    A rule's own fields agree by construction on its pairs, so they say nothing about m there
    and are masked out of that session (as Splink does).

    Attributes:
        patterns: Pattern counts of every pair the rule makes.
        masked: Fields the rule blocks on.
        first: Pattern counts of the pairs no earlier session makes (each blocked pair in
            exactly one session). When given, the prior counts expected matches session by
            session, with that session's masking and match rate, instead of over all blocked
            pairs at once, where agreement on blocking fields would pass for evidence.
    """

    patterns: Mapping[Pattern, int]
    masked: frozenset[int] = frozenset()
    first: Mapping[Pattern, int] | None = None


def _em(
    patterns: Sequence[tuple[Pattern, int]],
    m: list[list[float]],
    u: Sequence[Sequence[float]],
    *,
    lam: float,
    estimate_m: Sequence[bool],
    max_iterations: int,
) -> tuple[list[list[float]], float, list[float]]:
    """EM for m and the mixing weight with u fixed; returns (m, lambda, expected matches/field)."""
    seen = [0.0] * len(m)
    for _ in range(max_iterations):
        tally = [[0.0] * len(mf) for mf in m]
        seen = [0.0] * len(m)
        matched = total = 0.0
        for pattern, count in patterns:
            pm, pu = lam, 1.0 - lam
            for f, level in enumerate(pattern):
                if level:
                    pm *= m[f][level - 1]
                    pu *= u[f][level - 1]
            g = pm / (pm + pu) * count
            matched += g
            total += count
            for f, level in enumerate(pattern):
                if level:
                    tally[f][level - 1] += g
                    seen[f] += g
        new_m = [
            list(_normalised(t)) if est else mf
            for mf, t, est in zip(m, tally, estimate_m, strict=True)
        ]
        new_lam = min(max(matched / max(total, 1.0), _FLOOR), 1 - _FLOOR)
        delta = abs(new_lam - lam) + max(
            abs(a - b)
            for old, new in zip(m, new_m, strict=True)
            for a, b in zip(old, new, strict=True)
        )
        m, lam = new_m, new_lam
        if delta < 1e-7:
            break
    return m, lam, seen


def _expected_matches(
    patterns: Sequence[tuple[Pattern, int]],
    m: Sequence[Sequence[float]],
    u: Sequence[Sequence[float]],
    rate: float,
) -> float:
    """Expected matches among counted patterns at a given match rate (EM's E-step, once)."""
    total = 0.0
    for pattern, count in patterns:
        pm, pu = rate, 1.0 - rate
        for f, level in enumerate(pattern):
            if level:
                pm *= m[f][level - 1]
                pu *= u[f][level - 1]
        total += pm / (pm + pu) * count
    return total


def _floor_different(m: list[float]) -> list[float]:
    if len(m) < 2 or m[-1] >= DIFFERENT_M_FLOOR:
        return m
    scale = (1.0 - DIFFERENT_M_FLOOR) / sum(m[:-1])
    return [p * scale for p in m[:-1]] + [DIFFERENT_M_FLOOR]


def _mask(patterns: Mapping[Pattern, int], masked: frozenset[int]) -> list[tuple[Pattern, int]]:
    if not masked:
        return list(patterns.items())
    out: dict[Pattern, int] = {}
    for pattern, count in patterns.items():
        key = tuple(0 if f in masked else level for f, level in enumerate(pattern))
        out[key] = out.get(key, 0) + count
    return list(out.items())


def estimate_weights(
    sessions: Sequence[Session],
    random: Mapping[Pattern, int],
    *,
    names: Sequence[str],
    levels: Sequence[tuple[str, ...]],
    total_pairs: int,
    fixed_m: Sequence[tuple[float, ...] | None] = (),
    fixed_u: Sequence[tuple[float, ...] | None] = (),
    prior: float | None = None,
    max_iterations: int = 100,
) -> Weights:
    """Estimate m, u and the prior from comparison-pattern counts.

    ``u`` comes from random pairs (nearly all non-matches). ``m`` is estimated by EM with ``u``
    fixed, once per blocking rule with that rule's fields masked, and averaged over the rules
    weighted by expected matches. The prior is the expected number of matches among the blocked
    pairs over ``total_pairs``, so scores mean the same as if every pair had been compared.

    Args:
        sessions: Blocked pattern counts per blocking rule.
        random: Pattern counts of random pairs.
        names: Field names, in pattern order.
        levels: Non-null level names per field.
        total_pairs: Number of pairs in the whole comparison space (n(n-1)/2 for dedupe).
        fixed_m: Per field, m probabilities that must not be estimated (or ``None``).
        fixed_u: Per field, u probabilities that must not be estimated (or ``None``).
        prior: A fixed prior; estimated when ``None``.
        max_iterations: EM iteration cap per session (it stops earlier when converged).

    Returns:
        The weights.
    """
    counts = [len(lv) for lv in levels]
    fixed_m = list(fixed_m) or [None] * len(counts)
    fixed_u = list(fixed_u) or [None] * len(counts)
    u_random = level_frequencies(random, counts)
    u = [list(fu) if fu else list(ur) for fu, ur in zip(fixed_u, u_random, strict=True)]
    start = [list(fm) if fm else _initial_m(n) for fm, n in zip(fixed_m, counts, strict=True)]
    sums = [[0.0] * n for n in counts]
    mass = [0.0] * len(counts)
    rates = []
    for session in sessions:
        estimate = [fm is None and f not in session.masked for f, fm in enumerate(fixed_m)]
        patterns = _mask(session.patterns, session.masked)
        m, rate, seen = _em(
            patterns, [list(x) for x in start], u, lam=0.1, estimate_m=estimate,
            max_iterations=max_iterations,
        )  # fmt: skip
        rates.append(rate)
        for f, est in enumerate(estimate):
            if est:
                mass[f] += seen[f]
                sums[f] = [acc + seen[f] * p for acc, p in zip(sums[f], m[f], strict=True)]
    m = [
        _floor_different([acc / mass[f] for acc in sums[f]]) if mass[f] > 0 else start[f]
        for f in range(len(counts))
    ]
    if prior is None and sessions and all(s.first is not None for s in sessions):
        expected = sum(
            _expected_matches(_mask(s.first or {}, s.masked), m, u, rate)
            for s, rate in zip(sessions, rates, strict=True)
        )
        prior = min(max(expected / max(total_pairs, 1), _FLOOR * _FLOOR), 0.5)
    if prior is None:
        blocked: dict[Pattern, int] = {}
        for session in sessions:
            for pattern, count in session.patterns.items():
                blocked[pattern] = blocked.get(pattern, 0) + count
        _, lam, _ = _em(
            list(blocked.items()), m, u, lam=0.1, estimate_m=[False] * len(counts),
            max_iterations=max_iterations,
        )  # fmt: skip
        expected = lam * sum(blocked.values())
        prior = min(max(expected / max(total_pairs, 1), _FLOOR * _FLOOR), 0.5)
    return Weights(
        prior=prior,
        fields=tuple(
            FieldWeights(name=n, levels=lv, m=tuple(mf), u=tuple(uf))
            for n, lv, mf, uf in zip(names, levels, m, u, strict=True)
        ),
    )
