"""Review decisions as labels for the match weights.

An approved pair is a "same person" label, a rejected pair (or an approved one whose merge was
split again) a "different people" label. Each label carries the comparison levels its pair was
scored with. :mod:`hub.dedup.weights` estimates weights unsupervised and takes no labels, but
it does take fixed ``m`` probabilities per field: :func:`spec_with_labels` sets them from the
"same person" labels (``m`` is P(level | same person), exactly what those labels measure), so a
scan or matcher built from that spec uses the admins' decisions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.dedup.comparators import level_names
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Pattern, level_frequencies
from hub.store.dedup_tables import PersonMerge, ReviewPair

__all__ = ["LabelledPair", "label_patterns", "labelled_pairs", "spec_with_labels"]


@dataclass(frozen=True)
class LabelledPair:
    """A pair a human decided on.

    Attributes:
        review_id: The review pair.
        person_a: One person.
        person_b: The other.
        same: True when they are the same person.
        levels: Field → comparison level name, as the pair was scored.
        decided_at: When the (last) decision was made.
    """

    review_id: int
    person_a: str
    person_b: str
    same: bool
    levels: dict[str, str]
    decided_at: datetime


def labelled_pairs(session: Session) -> list[LabelledPair]:
    """Every decided review pair as a label, oldest decision first."""
    split: dict[int, datetime | None] = dict(
        session.execute(
            select(PersonMerge.id, PersonMerge.split_at).where(PersonMerge.split_at.is_not(None))
        ).all()  # a Result has keys(): dict() would take it for a mapping
    )
    rows = session.scalars(
        select(ReviewPair)
        .where(ReviewPair.status.in_(("approved", "rejected")))
        .order_by(ReviewPair.decided_at, ReviewPair.id)
    )
    labels = []
    for pair in rows:
        undone = pair.merge_id is not None and pair.merge_id in split
        decided_at = split[pair.merge_id] if undone and pair.merge_id else pair.decided_at
        levels = {
            str(f.get("field")): str(f.get("level"))
            for f in pair.explanation.get("fields", [])
            if isinstance(f, dict)
        }
        labels.append(
            LabelledPair(
                review_id=pair.id,
                person_a=pair.person_a,
                person_b=pair.person_b,
                same=pair.status == "approved" and not undone,
                levels=levels,
                decided_at=decided_at or pair.created_at,
            )
        )
    return labels


def label_patterns(
    labels: Sequence[LabelledPair], spec: MatchSpec
) -> tuple[Counter[Pattern], Counter[Pattern]]:
    """Comparison patterns of the labels under ``spec``: (same person, different people).

    A label scored with a field or level the spec no longer has is left out.
    """
    names = {name: level_names(field) for name, field in spec.fields.items()}
    same: Counter[Pattern] = Counter()
    different: Counter[Pattern] = Counter()
    for label in labels:
        pattern = []
        for name, levels in names.items():
            level = label.levels.get(name, "null")
            if level != "null" and level not in levels:
                break
            pattern.append(0 if level == "null" else levels.index(level) + 1)
        else:
            (same if label.same else different)[tuple(pattern)] += 1
    return same, different


def spec_with_labels(
    spec: MatchSpec, labels: Sequence[LabelledPair], *, min_labels: int = 30
) -> MatchSpec:
    """The spec with ``m`` fixed from "same person" labels where there are enough of them.

    Args:
        spec: The match spec.
        labels: From :func:`labelled_pairs`.
        min_labels: Labels with a value on both sides a field needs before its ``m`` is set.

    Returns:
        A copy of the spec; fields with their own ``m`` in the config keep it.
    """
    same, _ = label_patterns(labels, spec)
    fields = list(spec.fields.items())
    counts = [len(level_names(f)) for _, f in fields]
    frequencies = level_frequencies(same, counts)
    seen = [sum(n for p, n in same.items() if p[i]) for i in range(len(fields))]
    updated = {
        name: field.model_copy(update={"m": frequencies[i]})
        if field.m is None and seen[i] >= min_labels
        else field
        for i, (name, field) in enumerate(fields)
    }
    return spec.model_copy(update={"fields": updated})
