"""What a sync run reports: counts per side and outcome, and the writes it planned."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.connector import WriteOp
from hub.sync.pairing import Side

__all__ = ["PlannedWrite", "SyncReport"]


@dataclass
class SyncReport:
    """What a run did, per ``connection.object_type`` and outcome (read, matched, created, …).

    Attributes:
        counts: ``connection.object_type.outcome`` → count.
        planned: The writes a dry run decided on (a real run makes them and keeps no copy).
        listener: Called on every count, e.g. to drive progress bars.
    """

    counts: Counter[str] = field(default_factory=Counter)
    planned: list[PlannedWrite] = field(default_factory=list)
    listener: Callable[[str, str, int], None] | None = None

    def add(self, side: Side, outcome: str, n: int = 1) -> None:
        """Count ``n`` records of ``side`` with ``outcome``."""
        source = f"{side.connection}.{side.object_type}"
        self.counts[f"{source}.{outcome}"] += n
        if self.listener is not None and n:
            self.listener(source, outcome, n)


@dataclass(frozen=True)
class PlannedWrite:
    """A write the run decided on."""

    person_id: str
    op: WriteOp
    fields: tuple[str, ...]
