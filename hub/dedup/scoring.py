"""Scoring: comparison pattern → Fellegi-Sunter score → decision with its explanation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from hub.dedup.comparators import build_comparator
from hub.dedup.guard import Guard, GuardVerdict
from hub.dedup.records import NormRecord
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Pattern, Weights


class Outcome(StrEnum):
    """What a decision says about a pair."""

    SAME = "same"
    REVIEW = "review"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One field's contribution to a score."""

    field: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """The record-independent part of a decision: everything that follows from the pattern."""

    outcome: Outcome
    probability: float
    total_weight: float
    fields: tuple[FieldEvidence, ...]
    guard: GuardVerdict

    def explain(self) -> str:
        """One line an admin can read: per-field levels and weights, total, guard reason.

        Returns:
            The explanation.
        """
        parts = " ".join(f"{f.field}={f.level}({f.weight:+.1f})" for f in self.fields)
        score = f"total={self.total_weight:+.1f} p={self.probability:.4f}"
        return f"{parts} | {score} | {self.guard.reason}"


@dataclass(frozen=True, slots=True)
class Decision:
    """A scored pair of records.

    Attributes:
        left: Id of the first record (for ``Matcher.match``, the existing record).
        right: Id of the second record (``None`` for the record being matched).
        verdict: Outcome, score and explanation.
    """

    left: str
    right: str | None
    verdict: Verdict

    @property
    def outcome(self) -> Outcome:
        """The decision's outcome."""
        return self.verdict.outcome

    @property
    def probability(self) -> float:
        """The match probability."""
        return self.verdict.probability


def _probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds: float = 2.0**weight
    return odds / (1.0 + odds)


class Comparer:
    """Compares two normalised records field by field.

    Args:
        spec: The match spec.
    """

    def __init__(self, spec: MatchSpec) -> None:
        self._compare = tuple(build_comparator(f) for f in spec.fields.values())

    def pattern(self, a: NormRecord, b: NormRecord) -> Pattern:
        """Compare two normalised records field by field.

        Args:
            a: One record.
            b: The other.

        Returns:
            The level of each field.
        """
        return tuple([c(x, y) for c, x, y in zip(self._compare, a, b)])  # noqa: B905 - hot loop


class Scorer:
    """Compares normalised records and turns their patterns into verdicts (cached per pattern).

    Args:
        spec: The match spec.
        weights: The m/u weights to score with.
    """

    def __init__(self, spec: MatchSpec, weights: Weights) -> None:
        self._comparer = Comparer(spec)
        self._fields = weights.fields
        self._weights = tuple(f.weights for f in weights.fields)
        self._prior = weights.prior_weight
        self._guard = Guard(spec)
        self._auto = spec.thresholds.auto
        self._review = spec.thresholds.review
        self._cache: dict[Pattern, Verdict] = {}

    def pattern(self, a: NormRecord, b: NormRecord) -> Pattern:
        """Compare two normalised records field by field (see ``Comparer``).

        Args:
            a: One record.
            b: The other.

        Returns:
            The level of each field.
        """
        return self._comparer.pattern(a, b)

    def verdict(self, pattern: Pattern) -> Verdict:
        """Score a pattern and apply thresholds and guard.

        Args:
            pattern: Levels per field.

        Returns:
            The verdict (the same object for equal patterns).
        """
        cached = self._cache.get(pattern)
        if cached is not None:
            return cached
        evidence = tuple(
            FieldEvidence(
                field=fw.name,
                level="null" if level == 0 else fw.levels[level - 1],
                weight=w[level],
            )
            for fw, w, level in zip(self._fields, self._weights, pattern, strict=True)
        )
        total = self._prior + math.fsum(e.weight for e in evidence)
        probability = _probability(total)
        guard = self._guard.check(pattern)
        if probability >= self._auto and guard.allows_auto:
            outcome = Outcome.SAME
        elif probability >= self._review:  # includes high scores the guard held back
            outcome = Outcome.REVIEW
        else:
            outcome = Outcome.DIFFERENT
        verdict = Verdict(outcome, probability, total, evidence, guard)
        self._cache[pattern] = verdict
        return verdict
