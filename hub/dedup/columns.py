"""Normalised records stored by column: one interned value tuple id per record and field.

A million records held as Python tuples of tuples of strings cost gigabytes. Here each field
keeps every distinct normalised value tuple once (records of one person, and everybody's names
and employers, share them) and one 32-bit id per record in an ``array``, so the per-record
cost is a few bytes per field plus the strings that are really distinct. Fields configured with
``term_frequency`` also count how many records hold each value.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import overload

from hub.dedup.frequency import frequency_band
from hub.dedup.records import NormRecord, Values
from hub.dedup.spec import MatchSpec

EMPTY = 0


class FieldColumn:
    """One field of every record: interned value tuples and per-record tuple ids.

    Args:
        counted: Count records per value (for term-frequency adjustments).

    Attributes:
        tuples: Tuple id → the normalised values (id 0 is the empty tuple).
        ids: Per record, the id of its value tuple.
        counts: Value → number of records holding it (counted fields only).
        filled: Number of records with at least one value.
    """

    def __init__(self, *, counted: bool) -> None:
        self._index: dict[Values, int] = {(): EMPTY}
        self.tuples: list[Values] = [()]
        self.ids = array("I")
        self.counts: dict[str, int] | None = {} if counted else None
        self.filled = 0

    def append(self, values: Values) -> None:
        """Add one record's values.

        Args:
            values: The record's normalised values for this field.
        """
        tid = self._index.get(values)
        if tid is None:
            tid = self._index[values] = len(self.tuples)
            self.tuples.append(values)
        self.ids.append(tid)
        if values:
            self.filled += 1
            if self.counts is not None:
                counts = self.counts
                for value in values:
                    counts[value] = counts.get(value, 0) + 1

    def band(self, values: Values, *, extra: int = 0) -> int:
        """The term-frequency band of an exact agreement on ``values`` (see ``frequency``).

        Args:
            values: The values both records share (the first one as written, when the whole
                tuples are equal).
            extra: Records not in the column that also hold the value (a probe record).

        Returns:
            The band of the most common shared value (0 when the field is not counted).
        """
        if self.counts is None or not values:
            return 0
        count = max(self.counts.get(v, 0) for v in values) + extra
        return frequency_band(count, self.filled + extra)


class RecordColumns(Sequence[NormRecord]):
    """All records of a data set, column by column; reads back as ``NormRecord`` tuples.

    Args:
        spec: The match spec (fields in spec order).
    """

    def __init__(self, spec: MatchSpec) -> None:
        self.fields = tuple(FieldColumn(counted=f.term_frequency) for f in spec.fields.values())
        self._size = 0

    def append(self, record: NormRecord) -> int:
        """Store one normalised record.

        Args:
            record: One value tuple per field, in spec order.

        Returns:
            The record's index.
        """
        # FieldColumn.append inlined: this runs once per field of every record.
        for column, values in zip(self.fields, record):  # noqa: B905 - hot loop
            tid = column._index.get(values)
            if tid is None:
                tid = column._index[values] = len(column.tuples)
                column.tuples.append(values)
            column.ids.append(tid)
            if tid:
                column.filled += 1
                counts = column.counts
                if counts is not None:
                    for value in values:
                        counts[value] = counts.get(value, 0) + 1
        self._size += 1
        return self._size - 1

    def __len__(self) -> int:
        """Number of records stored."""
        return self._size

    @overload
    def __getitem__(self, index: int) -> NormRecord: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[NormRecord]: ...

    def __getitem__(self, index: int | slice) -> NormRecord | Sequence[NormRecord]:
        """The normalised record at ``index`` (rebuilt from the columns)."""
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(index)
        return tuple(column.tuples[column.ids[index]] for column in self.fields)

    def __iter__(self) -> Iterator[NormRecord]:
        """Every record, in order."""
        return (self[i] for i in range(self._size))
