"""The incremental matcher: one new record against an existing index, by key lookups only.

This is the interface the sync engine calls: ``add`` each known record once, then ``match`` an
incoming record, which looks up its blocking keys (skipping blocks over the size cap) and scores
only those candidates, so its cost does not grow with the number of records indexed.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.dedup.blocking import BlockIndex, block_caps, key_function
from hub.dedup.records import NormRecord, RawValue, RecordNormaliser
from hub.dedup.scoring import Decision, Outcome, Scorer
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Weights


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
        self._index = BlockIndex()
        self._ids: list[str] = []
        self._records: list[NormRecord | None] = []
        self._slot: dict[str, int] = {}

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
            self._records[old] = None  # tombstone: its block entries are skipped on lookup
        self._slot[record_id] = self._index.add(self._keys(record))
        self._ids.append(record_id)
        self._records.append(record)

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
        candidates: set[int] = set()
        for key in self._keys(record):
            key_id = self._index.key_ids.get(key)
            if key_id is None:
                continue
            members = self._index.blocks[key_id]
            if len(members) <= self._caps[self._index.key_rules[key_id]]:
                candidates.update(members)
        decisions = []
        for slot in candidates:
            existing = self._records[slot]
            if existing is None:
                continue
            verdict = self._scorer.verdict(self._scorer.pattern(existing, record))
            if include_different or verdict.outcome is not Outcome.DIFFERENT:
                decisions.append(Decision(self._ids[slot], None, verdict))
        decisions.sort(key=lambda d: -d.verdict.total_weight)
        return decisions
