"""The match configuration (``mappings/match.persons.yaml``) as a validated pydantic model."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NormaliserName = Literal[
    "none", "text", "email", "phone", "linkedin", "github", "given_name", "family_name",
    "company", "date", "numeric",
]  # fmt: skip
ComparatorName = Literal["exact", "jaro_winkler", "levenshtein", "token_set", "date", "numeric"]
Loc = tuple[str | int, ...]

_BLOCKING_PART = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<prefix>[1-9][0-9]?))?$")


def split_part(part: str) -> tuple[str, int | None]:
    """Split ``"field"`` or ``"field:3"`` into the field name and the number, if any.

    Args:
        part: A blocking or guard part (already validated).

    Returns:
        ``(field, number or None)``.
    """
    name, _, number = part.partition(":")
    return name, int(number) if number else None


def _bad_part(parts: tuple[str, ...]) -> str | None:
    return next((p for p in parts if not _BLOCKING_PART.match(p)), None)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComparatorSpec(_Spec):
    """How one field is compared, and the agreement levels it distinguishes.

    ``levels`` are similarity floors (``jaro_winkler``, ``token_set``: 0 to 1, descending), edit
    distances (``levenshtein``: ascending), day differences (``date``) or absolute differences
    (``numeric``). Every comparator also has an ``exact`` level first and ``different`` last.
    """

    type: ComparatorName = "exact"
    levels: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _levels_ordered(self) -> ComparatorSpec:
        levels = list(self.levels)
        if self.type == "exact" and levels:
            raise ValueError("the exact comparator takes no levels")
        if self.type in ("jaro_winkler", "token_set"):
            if any(not 0 < v <= 1 for v in levels) or levels != sorted(levels, reverse=True):
                raise ValueError("similarity levels must be in (0, 1] and descending")
        elif any(v < 0 for v in levels) or levels != sorted(levels):
            raise ValueError("distance levels must be non-negative and ascending")
        return self


class FieldSpec(_Spec):
    """One field of the records to match.

    Attributes:
        columns: Input columns (CSV headers) whose values feed this field.
        normalise: The normaliser applied to each value.
        split: Split cells on this separator into several values (``";"``).
        comparator: How two records' values are compared.
        m: Fixed m probabilities, one per non-null level (overrides estimation).
        u: Fixed u probabilities, one per non-null level (overrides estimation).
        term_frequency: Weigh exact agreement by how common the shared value is (two "Smith"s
            say less than two "Okonkwo-Idowu"s), as Splink's term-frequency adjustment does.
    """

    columns: tuple[str, ...] = Field(min_length=1)
    normalise: NormaliserName = "text"
    split: str | None = None
    comparator: ComparatorSpec = ComparatorSpec()
    term_frequency: bool = False
    m: tuple[float, ...] | None = None
    u: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _probabilities(self) -> FieldSpec:
        for name, probs in (("m", self.m), ("u", self.u)):
            if probs is not None and any(not 0 < p < 1 for p in probs):
                raise ValueError(f"{name} probabilities must be strictly between 0 and 1")
        return self


class BlockingRule(_Spec):
    """Records sharing every part of a rule's key become candidate pairs.

    Parts are field names, optionally with a prefix length: ``given_name:1``. A rule on weak
    keys (names) can have a smaller ``max_block_size`` than the blocking default.
    """

    name: str | None = None
    on: tuple[str, ...] = Field(min_length=1)
    max_block_size: int | None = Field(default=None, ge=2)

    @model_validator(mode="after")
    def _parts(self) -> BlockingRule:
        bad = _bad_part(self.on)
        if bad is not None:
            raise ValueError(f"blocking parts must look like 'field' or 'field:3', not {bad!r}")
        return self

    def parts(self) -> list[tuple[str, int | None]]:
        """The key parts as ``(field, prefix length or None)``.

        Returns:
            One tuple per part.
        """
        return [split_part(p) for p in self.on]


class BlockingSpec(_Spec):
    """Blocking rules and the cap on block size (larger blocks are skipped and reported)."""

    max_block_size: int = Field(default=200, ge=2)
    rules: tuple[BlockingRule, ...] = Field(min_length=1)


class GuardSpec(_Spec):
    """When an automatic link is allowed.

    Attributes:
        strong: Fields where one shared (non-weak) value is strong evidence.
        combos: Field sets whose joint agreement is strong evidence; ``"field"`` must agree
            exactly, ``"field:2"`` at level 2 or better (1 = exact).
        conflicts: Fields where two different values forbid an automatic link.

    With neither ``strong`` nor ``combos``, the guard only applies ``conflicts``.
    """

    strong: tuple[str, ...] = ()
    combos: tuple[tuple[str, ...], ...] = ()
    conflicts: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _parts(self) -> GuardSpec:
        for combo in self.combos:
            bad = _bad_part(combo)
            if bad is not None:
                raise ValueError(f"combo parts must look like 'field' or 'field:2', not {bad!r}")
        return self


class Thresholds(_Spec):
    """Match probability thresholds: ``>= auto`` same person, ``>= review`` review."""

    auto: float = Field(default=0.99, gt=0, lt=1)
    review: float = Field(default=0.8, gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review > self.auto:
            raise ValueError("review must not be above auto")
        return self


class EstimationSpec(_Spec):
    """Unsupervised estimation of m/u weights (EM on blocked pairs, u seeded from random pairs)."""

    random_pairs: int = Field(default=50_000, ge=100)
    max_iterations: int = Field(default=100, ge=1)
    seed: int = 0
    prior: float | None = Field(default=None, gt=0, lt=1)


class RecordSpec(_Spec):
    """Where the record id (and, for linkage, the source) are found."""

    id_column: str = "id"
    source_column: str | None = None
    link_only: bool = False


class MatchSpec(_Spec):
    """A whole match configuration."""

    version: Literal[1] = 1
    record: RecordSpec = RecordSpec()
    default_region: str = Field(default="US", pattern=r"^[A-Za-z]{2}$")
    weak_email_domains: tuple[str, ...] = ()
    fields: dict[str, FieldSpec] = Field(min_length=1)
    blocking: BlockingSpec
    guard: GuardSpec = GuardSpec()
    thresholds: Thresholds = Thresholds()
    estimation: EstimationSpec = EstimationSpec()

    def reference_problems(self) -> list[tuple[Loc, str]]:
        """Cross-references that pydantic cannot check: unknown fields, wrong m/u lengths.

        Returns:
            ``(location, message)`` for each problem; empty when the spec is consistent.
        """
        from hub.dedup.comparators import level_names

        problems: list[tuple[Loc, str]] = []
        known = set(self.fields)

        def check(loc: Loc, name: str) -> None:
            if name not in known:
                problems.append((loc, f"unknown field {name!r}; known: {', '.join(self.fields)}"))

        for r, rule in enumerate(self.blocking.rules):
            for p, (name, _) in enumerate(rule.parts()):
                check(("blocking", "rules", r, "on", p), name)
        for key in ("strong", "conflicts"):
            for i, name in enumerate(getattr(self.guard, key)):
                check(("guard", key, i), name)
        for c, combo in enumerate(self.guard.combos):
            for i, (name, level) in enumerate(split_part(part) for part in combo):
                check(("guard", "combos", c, i), name)
                agreeing = len(level_names(self.fields[name])) - 1 if name in known else 0
                if name in known and level is not None and level > agreeing:
                    problems.append(
                        (("guard", "combos", c, i), f"{name} has only {agreeing} agreement levels")
                    )
        for name, spec in self.fields.items():
            count = len(level_names(spec))
            for key in ("m", "u"):
                probs = getattr(spec, key)
                if probs is not None and len(probs) != count:
                    problems.append(
                        (("fields", name, key), f"expected {count} probabilities, got {len(probs)}")
                    )
        if self.record.link_only and not self.record.source_column:
            problems.append((("record", "link_only"), "link_only needs record.source_column"))
        return problems
