"""Scoring: comparison pattern → Fellegi-Sunter score → decision with its explanation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from hub.dedup.comparators import build_comparator
from hub.dedup.frequency import BANDS, band_adjustment, band_frequency
from hub.dedup.guard import Guard, GuardVerdict
from hub.dedup.records import NormRecord
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import FieldWeights, Pattern, Weights


class Outcome(StrEnum):
    """What a decision says about a pair."""

    SAME = "same"
    REVIEW = "review"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One field's contribution to a score.

    Attributes:
        field: The field.
        level: The agreement level's name.
        weight: Its weight, including any term-frequency adjustment.
        frequency: For an exact agreement weighed by term frequency, the share of records
            holding the shared value (its band's middle); else ``None``.
    """

    field: str
    level: str
    weight: float
    frequency: float | None = None

    def describe(self) -> str:
        """``field=level(weight)``, with the value's frequency when it was weighed.

        Returns:
            The short form used in explanations.
        """
        share = f"~{self.frequency:.0e}" if self.frequency is not None else ""
        return f"{self.field}={self.level}{share}({self.weight:+.1f})"


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
        parts = " ".join(f.describe() for f in self.fields)
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
        counted = [f.term_frequency for f in spec.fields.values()]
        self._adjust = tuple(
            tuple(band_adjustment(fw.u[0], band) for band in range(BANDS + 1)) if tf else None
            for fw, tf in zip(weights.fields, counted, strict=True)
        )

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
            pattern: Levels per field, optionally followed by the term-frequency band of each
                field's exact agreement (0 for none; see ``hub.dedup.patterns``).

        Returns:
            The verdict (the same object for equal patterns).
        """
        cached = self._cache.get(pattern)
        if cached is not None:
            return cached
        n = len(self._fields)
        bands = pattern[n:] or (0,) * n
        evidence = tuple(
            self._evidence(fw, w, adjust, level, band)
            for fw, w, adjust, level, band in zip(
                self._fields, self._weights, self._adjust, pattern[:n], bands, strict=True
            )
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

    @staticmethod
    def _evidence(
        fw: FieldWeights,
        weights: tuple[float, ...],
        adjust: tuple[float, ...] | None,
        level: int,
        band: int,
    ) -> FieldEvidence:
        name = "null" if level == 0 else fw.levels[level - 1]
        if adjust is None or not band or level != 1:
            return FieldEvidence(field=fw.name, level=name, weight=weights[level])
        return FieldEvidence(
            field=fw.name,
            level=name,
            weight=weights[level] + adjust[band],
            frequency=band_frequency(band),
        )
