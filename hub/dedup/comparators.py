"""Comparators: two records' values for one field → an agreement level.

Level 0 always means "missing on either side" (weight 0). Levels 1…n-1 are agreement levels from
strongest (``exact``) down, and the last level is ``different``. Values are tuples of normalised
strings; a multi-valued field agrees at the best level reached by any pair of values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from hub.dedup.normalise.email import is_weak_value
from hub.dedup.spec import FieldSpec

Values = tuple[str, ...]
Compare = Callable[[Values, Values], int]

NULL = 0
EXACT = 1


def level_names(spec: FieldSpec) -> tuple[str, ...]:
    """The names of a field's non-null levels, strongest first.

    Args:
        spec: The field spec.

    Returns:
        Level names; index ``i`` names level ``i + 1``.
    """
    kind, levels = spec.comparator.type, spec.comparator.levels
    if kind == "exact":
        weak = ("weak_only",) if spec.normalise == "email" else ()
        return ("exact", *weak, "different")
    labels = {
        "jaro_winkler": "jw>={:g}",
        "token_set": "tokens>={:g}",
        "levenshtein": "edits<={:g}",
        "date": "days<={:g}",
        "numeric": "diff<={:g}",
    }[kind]
    extra = ("transposed",) if kind == "date" else ()
    return ("exact", *extra, *(labels.format(v) for v in levels), "different")


def _exact(*, weak_level: bool) -> Compare:
    def compare(a: Values, b: Values) -> int:
        if not a or not b:
            return NULL
        shared_weak = False
        for value in a:
            if value in b:
                if not is_weak_value(value):
                    return EXACT
                shared_weak = True
        if weak_level:
            return 2 if shared_weak else 3
        return 2

    return compare


def _similarity(score: Callable[[str, str], float], floors: tuple[float, ...]) -> Compare:
    different = len(floors) + 2

    def compare(a: Values, b: Values) -> int:
        if not a or not b:
            return NULL
        best = 0.0
        for x in a:
            for y in b:
                if x == y:
                    return EXACT
                best = max(best, score(x, y))
        for i, floor in enumerate(floors):
            if best >= floor:
                return i + 2
        return different

    return compare


def _levenshtein(limits: tuple[float, ...]) -> Compare:
    different = len(limits) + 2
    cutoff = int(max(limits, default=0))

    def compare(a: Values, b: Values) -> int:
        if not a or not b:
            return NULL
        best = cutoff + 1
        for x in a:
            for y in b:
                if x == y:
                    return EXACT
                best = min(best, Levenshtein.distance(x, y, score_cutoff=cutoff))
        for i, limit in enumerate(limits):
            if best <= limit:
                return i + 2
        return different

    return compare


def _parse_iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _date(limits: tuple[float, ...]) -> Compare:
    different = len(limits) + 3

    def compare(a: Values, b: Values) -> int:
        if not a or not b:
            return NULL
        x, y = _parse_iso(a[0]), _parse_iso(b[0])
        if x is None or y is None:
            return EXACT if a[0] == b[0] else different
        if x == y:
            return EXACT
        # Day and month swapped is the commonest date-entry error (US vs European order).
        if (x.year, x.month, x.day) == (y.year, y.day, y.month):
            return 2
        gap = abs((x - y).days)
        for i, limit in enumerate(limits):
            if gap <= limit:
                return i + 3
        return different

    return compare


def _numeric(limits: tuple[float, ...]) -> Compare:
    different = len(limits) + 2

    def compare(a: Values, b: Values) -> int:
        if not a or not b:
            return NULL
        x, y = float(a[0]), float(b[0])
        if x == y:
            return EXACT
        for i, limit in enumerate(limits):
            if abs(x - y) <= limit:
                return i + 2
        return different

    return compare


def _token_set(x: str, y: str) -> float:
    return fuzz.token_set_ratio(x, y) / 100.0


def build_comparator(spec: FieldSpec) -> Compare:
    """Build the compare function for a field.

    Args:
        spec: The field spec.

    Returns:
        A function ``(values, values) -> level``.
    """
    kind, levels = spec.comparator.type, spec.comparator.levels
    if kind == "exact":
        return _exact(weak_level=spec.normalise == "email")
    if kind == "jaro_winkler":
        return _similarity(JaroWinkler.normalized_similarity, levels)
    if kind == "token_set":
        return _similarity(_token_set, levels)
    if kind == "levenshtein":
        return _levenshtein(levels)
    if kind == "date":
        return _date(levels)
    return _numeric(levels)
