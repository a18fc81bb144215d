"""Comparison patterns of stored records, computed on interned value ids and coded as integers.

A pattern is the agreement level of every field (see ``comparators``), followed, when the spec
has ``term_frequency`` fields, by the frequency band of every field's exact agreement (0 when
there is none). In the batch scan the pattern of a pair is one integer (each field's *sublevel*
in mixed radix: its level, or for a counted field's exact agreement, its band) so that millions
of pairs are a flat array, and equal value tuples are recognised by id without comparing
strings; fuzzy comparisons of repeating values (names, employers) are cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hub.dedup.columns import EMPTY, FieldColumn, RecordColumns
from hub.dedup.comparators import EXACT, Compare, build_comparator, level_names
from hub.dedup.frequency import BANDS
from hub.dedup.normalise.email import is_weak_value
from hub.dedup.records import NormRecord, Values
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Pattern

_CACHE_LIMIT = 1 << 20


def with_bands(
    levels: Pattern,
    existing: NormRecord,
    record: NormRecord,
    counted: Sequence[int],
    band_of: Callable[[int, Values], int],
) -> Pattern:
    """A pattern's levels followed by each field's term-frequency band (see the module doc).

    Args:
        levels: The pair's level per field.
        existing: The indexed record.
        record: The record being matched (it holds the shared values too).
        counted: The fields weighed by term frequency (none: ``levels`` as they are).
        band_of: ``(field, shared values) -> band`` from the caller's value counts.

    Returns:
        The pattern to score.
    """
    if not counted:
        return levels
    bands = [0] * len(levels)
    for f in counted:
        if levels[f] == EXACT:
            bands[f] = band_of(f, shared_values(existing[f], record[f]))
    return (*levels, *bands)


def shared_values(a: Values, b: Values) -> Values:
    """The values two records share (just the first when both wrote it the same).

    Args:
        a: One record's values.
        b: The other's.

    Returns:
        The shared values.
    """
    if a and b and a[0] == b[0]:
        return (a[0],)
    return tuple(v for v in a if v in b)


class PatternCodec:
    """Patterns ↔ integer codes for one spec.

    Args:
        spec: The match spec.
    """

    def __init__(self, spec: MatchSpec) -> None:
        fields = list(spec.fields.values())
        self.counted = tuple(f.term_frequency for f in fields)
        self.with_bands = any(self.counted)
        # Levels including null; a counted field's sublevels past them are its exact bands.
        self.levels = tuple(len(level_names(f)) + 1 for f in fields)
        self.radix = tuple(
            n + BANDS if counted else n
            for n, counted in zip(self.levels, self.counted, strict=True)
        )

    def sublevel(self, field: int, level: int, band: int) -> int:
        """One field's part of a code.

        Args:
            field: Field index.
            level: Agreement level.
            band: Frequency band of an exact agreement (0: none).

        Returns:
            The sublevel.
        """
        if band and level == EXACT and self.counted[field]:
            return self.levels[field] + band - 1
        return level

    def decode(self, code: int) -> Pattern:
        """The pattern of a code.

        Args:
            code: A code made of sublevels, first field most significant.

        Returns:
            Levels per field, then (with counted fields) bands per field.
        """
        levels: list[int] = []
        bands: list[int] = []
        for radix, n in zip(reversed(self.radix), reversed(self.levels), strict=True):
            code, sub = divmod(code, radix)
            levels.append(EXACT if sub >= n else sub)
            bands.append(sub - n + 1 if sub >= n else 0)
        levels.reverse()
        bands.reverse()
        return (*levels, *bands) if self.with_bands else tuple(levels)


class ColumnComparer:
    """Compares stored records by index, giving pattern codes (see ``PatternCodec``).

    Args:
        spec: The match spec.
        columns: The records; their value counts must be complete (bands are cached).
    """

    def __init__(self, spec: MatchSpec, columns: RecordColumns) -> None:
        self.codec = codec = PatternCodec(spec)
        self._plan = []
        for f, (field, column) in enumerate(zip(spec.fields.values(), columns.fields, strict=True)):
            compare = build_comparator(field)
            cached = field.comparator.type != "exact"
            sub = _Sublevels(f, codec, compare, column, cached=cached)
            # Identifiers are nearly unique, so nothing is cached for them: equal tuples agree
            # exactly (unless they only hold shared inboxes, found once here), two different
            # single values are simply different.
            identifier = not cached and not codec.counted[f]
            single = bytes(len(t) == 1 for t in column.tuples) if identifier else None
            if identifier:
                for tid, values in enumerate(column.tuples):
                    if values and all(is_weak_value(v) for v in values):
                        sub.same(tid)
            different = len(level_names(field))
            same = EXACT if identifier else None
            self._plan.append(
                (column.ids, codec.radix[f], sub.known_same, same, sub.known_cross, single,
                 different, sub)
            )  # fmt: skip

    def code(self, i: int, j: int) -> int:
        """The pattern code of records ``i`` and ``j``.

        Args:
            i: One record index.
            j: The other.

        Returns:
            The code (decode with ``codec.decode``).
        """
        # The cache look-ups of _Sublevels are inlined: this runs for every field of every pair.
        code = 0
        for ids, radix, known_same, same, known_cross, single, different, sub in self._plan:
            a = ids[i]
            b = ids[j]
            if a == EMPTY or b == EMPTY:
                code *= radix
                continue
            if a == b:
                s = known_same.get(a, same)
                if s is None:
                    s = sub.same(a)
            elif single is not None:
                s = different if single[a] and single[b] else sub.cross(a, b)
            else:
                s = known_cross.get((a << 32) | b if a < b else (b << 32) | a)
                if s is None:
                    s = sub.cross(a, b)
            code = code * radix + s
        return code

    def codes(self, pairs: Sequence[tuple[int, int]]) -> list[int]:
        """Codes of many pairs.

        Args:
            pairs: ``(i, j)`` record index pairs.

        Returns:
            One code per pair.
        """
        return [self.code(i, j) for i, j in pairs]


class _Sublevels:
    """One field's sublevels for equal and for different value tuples, cached."""

    def __init__(
        self, f: int, codec: PatternCodec, compare: Compare, column: FieldColumn, *, cached: bool
    ) -> None:
        self._f, self._codec, self._compare, self._column = f, codec, compare, column
        self.known_same: dict[int, int] = {}
        # Fuzzy levels of repeating values (names, employers) are worth remembering.
        self.known_cross: dict[int, int] = {}
        self._cached = cached

    def same(self, tid: int) -> int:
        found = self.known_same.get(tid)
        if found is None:
            values = self._column.tuples[tid]
            found = self.known_same[tid] = self._sublevel(values, values)
        return found

    def cross(self, a: int, b: int) -> int:
        tuples = self._column.tuples
        if not self._cached:
            return self._sublevel(tuples[a], tuples[b])
        cache = self.known_cross
        key = (a << 32) | b if a < b else (b << 32) | a
        found = cache.get(key)
        if found is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            found = cache[key] = self._sublevel(tuples[a], tuples[b])
        return found

    def _sublevel(self, a: Values, b: Values) -> int:
        level = self._compare(a, b)
        if level != EXACT or not self._codec.counted[self._f]:
            return level
        return self._codec.sublevel(self._f, level, self._column.band(shared_values(a, b)))
