"""The incremental matcher: one new record against an existing index, by key lookups only.

This is the interface the sync engine calls: ``add`` each known record once, then ``match`` an
incoming record, which looks up its blocking keys (skipping blocks over the size cap) and scores
only those candidates, so its cost does not grow with the number of records indexed.

Records are stored by column and keys in a hash table of flat arrays (``KeyIndex``), so a
million indexed records cost a few hundred megabytes rather than gigabytes.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping

from hub.dedup.blocking import block_caps, key_function, rule_keys
from hub.dedup.columns import RecordColumns
from hub.dedup.patterns import with_bands
from hub.dedup.records import NormRecord, RawValue, RecordNormaliser, Values
from hub.dedup.scoring import Decision, Outcome, Scorer
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Weights

_INITIAL_BUCKET_BITS = 10
_MAX_LOAD = 128


class KeyIndex:
    """A multimap from 64-bit key hashes to record slots, in arrays.

    Buckets are pairs of flat arrays (keys, slots) scanned in C; the table doubles when buckets
    grow past a load of ``_MAX_LOAD`` entries, so a lookup reads a few hundred integers at most.

    Args:
        expected: Entries expected, to size the table once instead of growing it.
    """

    def __init__(self, *, expected: int = 0) -> None:
        self._bits = max(_INITIAL_BUCKET_BITS, (expected // _MAX_LOAD).bit_length())
        self._keys = [array("q") for _ in range(1 << self._bits)]
        self._slots = [array("I") for _ in range(1 << self._bits)]
        self._size = 0

    def __len__(self) -> int:
        """Number of (key, slot) entries."""
        return self._size

    def add(self, key: int, slot: int) -> None:
        """Map ``key`` to ``slot`` too.

        Args:
            key: A key hash (signed 64-bit).
            slot: A record slot.
        """
        b = key & ((1 << self._bits) - 1)
        self._keys[b].append(key)
        self._slots[b].append(slot)
        self._size += 1
        if self._size > _MAX_LOAD << self._bits:
            self._grow()

    def get(self, key: int, *, limit: int | None = None) -> list[int]:
        """Every slot mapped from ``key`` (or the first ``limit + 1`` of them).

        Args:
            key: A key hash.
            limit: Stop once more than this many slots are found (enough to tell that a block
                is over its size cap without reading all of it).

        Returns:
            The slots, in the order they were added.
        """
        b = key & ((1 << self._bits) - 1)
        keys = self._keys[b]
        if key not in keys:
            return []
        slots = self._slots[b]
        out = []
        at = keys.index(key)
        while True:
            out.append(slots[at])
            if limit is not None and len(out) > limit:
                return out
            try:
                at = keys.index(key, at + 1)
            except ValueError:
                return out

    def _grow(self) -> None:
        old_keys, old_slots = self._keys, self._slots
        self._bits += 1
        self._keys = [array("q") for _ in range(1 << self._bits)]
        self._slots = [array("I") for _ in range(1 << self._bits)]
        mask = (1 << self._bits) - 1
        for keys, slots in zip(old_keys, old_slots, strict=True):
            for key, slot in zip(keys, slots, strict=True):
                self._keys[key & mask].append(key)
                self._slots[key & mask].append(slot)


class Matcher:
    """An in-memory blocking index over normalised records.

    Args:
        spec: The match spec.
        weights: Weights to score with (from a batch scan or fixed in the spec).
    """

    def __init__(self, spec: MatchSpec, weights: Weights) -> None:
        self._normaliser = RecordNormaliser(spec)
        self._keys = key_function(spec)
        self._scorer = Scorer(spec, weights)
        self._caps = block_caps(spec)
        self._records = RecordColumns(spec)
        self._counted = [f for f, field in enumerate(spec.fields.values()) if field.term_frequency]
        self._index = KeyIndex()
        self._ids: list[str] = []
        self._live = bytearray()
        self._slot: dict[str, int] = {}

    @classmethod
    def from_records(
        cls, spec: MatchSpec, weights: Weights, ids: Iterable[str], records: RecordColumns
    ) -> Matcher:
        """Index a batch scan's records in one go (``Scan.ids``, ``Scan.records``).

        The columns are taken over, not copied: records added later are appended to them.

        Args:
            spec: The match spec the records were normalised with.
            weights: Weights to score with.
            ids: Record ids, in record order (an id given twice keeps its last record).
            records: The normalised records.

        Returns:
            The matcher.
        """
        matcher = cls(spec, weights)
        matcher._records = records
        matcher._ids = list(ids)
        matcher._live = bytearray(b"\x01") * len(records)
        for slot, record_id in enumerate(matcher._ids):
            old = matcher._slot.setdefault(record_id, slot)
            if old != slot:
                matcher._live[old] = 0
                matcher._slot[record_id] = slot
        rules = len(spec.blocking.rules)
        matcher._index = index = KeyIndex(expected=len(records) * rules)
        for r, keys in enumerate(rule_keys(records, spec)):
            for slot, key in keys:
                index.add(hash((r, key)), slot)
        return matcher

    def __len__(self) -> int:
        """Number of records currently indexed."""
        return len(self._slot)

    def add(self, record_id: str, fields: Mapping[str, RawValue]) -> None:
        """Index a record; adding an id again replaces its earlier version.

        Args:
            record_id: The record's id.
            fields: Raw values by field name.
        """
        self.add_normalised(record_id, self._normaliser.normalise(fields))

    def add_normalised(self, record_id: str, record: NormRecord) -> None:
        """Index an already normalised record (as produced by ``RecordNormaliser``).

        Args:
            record_id: The record's id.
            record: The normalised record.
        """
        old = self._slot.get(record_id)
        if old is not None:
            self._live[old] = 0  # tombstone: its key entries are skipped on lookup
        slot = self._records.append(record)
        self._slot[record_id] = slot
        self._ids.append(record_id)
        self._live.append(1)
        for key in self._keys(record):
            self._index.add(hash(key), slot)

    def match(
        self, fields: Mapping[str, RawValue], *, include_different: bool = False
    ) -> list[Decision]:
        """Score a record against every indexed record sharing a usable blocking key.

        Args:
            fields: Raw values by field name.
            include_different: Also return candidates scored as different people.

        Returns:
            Decisions (``left`` = the indexed record's id, ``right`` = ``None``), best first.
        """
        record = self._normaliser.normalise(fields)
        candidates: dict[int, None] = {}
        for rule, key in self._keys(record):
            cap = self._caps[rule]
            slots = self._index.get(hash((rule, key)), limit=cap)
            if len(slots) <= cap:
                candidates.update(dict.fromkeys(slots))
        decisions = []
        for slot in candidates:
            if not self._live[slot]:
                continue
            verdict = self._scorer.verdict(self._pattern(self._records[slot], record))
            if include_different or verdict.outcome is not Outcome.DIFFERENT:
                decisions.append(Decision(self._ids[slot], None, verdict))
        decisions.sort(key=lambda d: -d.verdict.total_weight)
        return decisions

    def _pattern(self, existing: NormRecord, record: NormRecord) -> tuple[int, ...]:
        levels = self._scorer.pattern(existing, record)
        return with_bands(levels, existing, record, self._counted, self._band)

    def _band(self, field: int, shared: Values) -> int:
        # The new record holds the value too: count it.
        return self._records.fields[field].band(shared, extra=1)
