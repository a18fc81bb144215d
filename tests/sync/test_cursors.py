from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.connector import Cursor, VendorRecord
from hub.sync.cursors import advance_cursor, is_after, read_window

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def rec(seconds: int, rid: str) -> VendorRecord:
    return VendorRecord("contact", rid, T0 + timedelta(seconds=seconds), {})


def test_first_read_is_full_up_to_the_run_start():
    window = read_window(stored=None, lookback=timedelta(minutes=5), run_started_at=T0)
    assert window.since is None
    assert window.until == T0


def test_read_starts_a_lookback_before_the_stored_cursor():
    stored = Cursor(T0 - timedelta(hours=1), "42")
    window = read_window(stored=stored, lookback=timedelta(minutes=5), run_started_at=T0)
    assert window.since == Cursor(T0 - timedelta(hours=1, minutes=5), "")
    assert window.until == T0


def test_bookmark_never_passes_sync_start():
    records = [rec(-10, "1"), rec(5, "2")]  # the second changed after the run started
    assert advance_cursor(None, records, signpost=T0) == Cursor(T0 - timedelta(seconds=10), "1")


def test_ties_on_equal_timestamps_are_broken_by_numeric_id():
    cursor = Cursor(T0, "9")
    assert is_after(rec(0, "10"), cursor)
    assert not is_after(rec(0, "9"), cursor)
    assert not is_after(rec(0, "8"), cursor)
    assert advance_cursor(None, [rec(0, "10"), rec(0, "9")], signpost=T0) == Cursor(T0, "10")


def test_cursor_never_moves_backwards():
    current = Cursor(T0, "5")
    assert advance_cursor(current, [rec(-60, "99")], signpost=T0) == current


@given(
    st.lists(st.tuples(st.integers(-100, 100), st.integers(1, 50)), min_size=1, max_size=40),
    st.integers(0, 39),
)
def test_processing_in_pages_and_resuming_skips_nothing(items, cut):
    records = sorted({(s, str(i)) for s, i in items}, key=lambda x: (x[0], int(x[1])))
    records = [rec(s, i) for s, i in records]
    signpost = T0 + timedelta(seconds=100)
    cut = min(cut, len(records))
    cursor = advance_cursor(None, records[:cut], signpost=signpost)
    rest = [r for r in records if is_after(r, cursor)]
    assert rest == records[cut:]
