"""Cursor arithmetic for incremental reads. Pure: the caller passes ``now`` and the stored cursor.

The rules (the Singer SDK's and Airbyte's hard-won ones):

* A read starts a ``lookback`` before the stored cursor, to catch records the vendor indexed late
  or stamped with a skewed clock. Re-reading is harmless: the ledger makes writes idempotent.
* A read never goes past the run's start (the *signpost*): a record changed while the run pages
  could otherwise be skipped for ever by a bookmark that overtook it.
* Records are ordered by (updated_at, id), so ties on equal timestamps are broken by id and a
  cursor can stop between two records that share a timestamp.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.connector import Cursor, VendorRecord

__all__ = ["ReadWindow", "advance_cursor", "is_after", "read_window"]


@dataclass(frozen=True)
class ReadWindow:
    """What to ask the vendor for: records changed after ``since`` up to ``until``."""

    since: Cursor | None
    until: datetime


def read_window(
    *, stored: Cursor | None, lookback: timedelta, run_started_at: datetime
) -> ReadWindow:
    """The window of one incremental read.

    Args:
        stored: The cursor saved by the last run; ``None`` for a full read.
        lookback: How far behind the stored cursor to re-read.
        run_started_at: The run's start, the signpost no bookmark may pass.
    """
    if stored is None:
        return ReadWindow(since=None, until=run_started_at)
    start = min(stored.updated_at - lookback, run_started_at)
    # The lookback re-reads every record of the window, so the id tie-break restarts too.
    return ReadWindow(since=Cursor(updated_at=start, last_id=""), until=run_started_at)


def is_after(record: VendorRecord, cursor: Cursor | None) -> bool:
    """True when ``record`` comes after ``cursor`` in (updated_at, id) order."""
    if cursor is None:
        return True
    return _key(record.updated_at, record.external_id) > _key(cursor.updated_at, cursor.last_id)


def advance_cursor(
    current: Cursor | None, records: Iterable[VendorRecord], *, signpost: datetime
) -> Cursor | None:
    """The cursor after ``records`` were processed: their largest (updated_at, id), capped.

    A record stamped after the signpost (clock skew, or a change during the run) does not move
    the cursor past the signpost; it will be read again next run.
    """
    best = current
    for record in records:
        if record.updated_at > signpost:
            continue
        candidate = Cursor(updated_at=record.updated_at, last_id=record.external_id)
        if best is None or _key(candidate.updated_at, candidate.last_id) > _key(
            best.updated_at, best.last_id
        ):
            best = candidate
    return best


def _key(updated_at: datetime, external_id: str) -> tuple[datetime, int, str]:
    # Vendor ids are usually numeric strings: compare "9" < "10" numerically, others as text.
    return (
        (updated_at, int(external_id), "")
        if external_id.isdigit()
        else (updated_at, -1, external_id)
    )
