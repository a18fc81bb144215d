"""Contact lists: read with their members, membership writes grouped per list, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.connector import WriteOp


def test_membership_writes_and_list_reads(emulator, connector):
    served = emulator(people=5)
    hubspot = connector(served.base_url)
    ids = [str(i) for i in sorted(served.state.store.live_ids)[:3]]
    ops = [
        WriteOp("contact", "list_add", {"list": "Recruiting nurture"}, f"k{i}", contact)
        for i, contact in enumerate(ids)
    ]
    ops.append(WriteOp("contact", "list_add", {"list": "Recruiting nurture"}, "kx", "999999"))
    ops.append(WriteOp("contact", "list_add", {"list": "No such list"}, "ky", ids[0]))
    results = hubspot.write(ops)
    assert [r.ok for r in results] == [True, True, True, False, False]
    assert results[3].error == "contact 999999 not found"
    assert results[4].error == "no contact list named 'No such list'"
    assert not results[4].retryable

    until = datetime.now(UTC) + timedelta(days=1)
    (page,) = hubspot.read_changes("contact_list", since=None, until=until)
    lists = {r.data["name"]: r for r in page.records}
    assert sorted(lists["Recruiting nurture"].data["members"]) == sorted(ids)
    assert lists["Ready for ATS"].data["members"] == []
    (fetched,) = hubspot.fetch("contact_list", [lists["Recruiting nurture"].external_id])
    assert fetched.data["name"] == "Recruiting nurture"

    (removed,) = hubspot.write(
        [WriteOp("contact", "list_remove", {"list": "Recruiting nurture"}, "kr", ids[0])]
    )
    assert removed.ok
    nurture = served.state.lists.by_name("Recruiting nurture")
    assert int(ids[0]) not in nurture.members
