from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from connectors.hubspot.emulator.state import DEFAULT_BASE_MS
from connectors.hubspot.values import from_epoch_ms
from hub.connector import Cursor, WriteOp
from hub.errors import BudgetExhaustedError, ConfigError, ConflictError, UnavailableError

from .conftest import TOKEN

FAR = datetime(2100, 1, 1, tzinfo=UTC)
EPOCH = Cursor(datetime(2000, 1, 1, tzinfo=UTC))
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def all_records(pages):
    return [r for page in pages for r in page.records]


def order_key(record):
    return (record.updated_at, int(record.external_id))


def admin(emu, path, body=None):
    response = httpx.post(f"{emu.base_url}/_emulator/{path}", json=body or {})
    response.raise_for_status()
    return response.json()


def op(action, data=None, external_id=None, key="k"):
    return WriteOp("contact", action, data or {}, key, external_id=external_id)


@pytest.mark.slow
def test_listing_100k_contacts_reads_each_exactly_once(emulator, connector):
    emu = emulator(people=100_000)
    conn = connector(emu.base_url)
    ids = [r.external_id for r in all_records(conn.read_changes("contact", since=None, until=FAR))]
    assert len(ids) == 100_000
    assert len(set(ids)) == 100_000


@pytest.mark.slow
def test_search_window_over_10000_is_split_without_loss_or_duplicates(emulator, connector):
    emu = emulator(people=12_000, seed_span_days=30)
    conn = connector(emu.base_url)
    records = all_records(conn.read_changes("contact", since=EPOCH, until=FAR))
    assert len(records) == 12_000
    assert len({r.external_id for r in records}) == 12_000
    assert records == sorted(records, key=order_key)


@pytest.mark.slow
def test_a_millisecond_holding_over_10000_is_walked_by_id(emulator, connector):
    emu = emulator(people=10_050, seed_span_days=0)
    conn = connector(emu.base_url)
    records = all_records(conn.read_changes("contact", since=EPOCH, until=FAR))
    assert [int(r.external_id) for r in records] == list(range(101, 101 + 10_050))
    assert {r.updated_at for r in records} == {from_epoch_ms(DEFAULT_BASE_MS)}


def test_cursor_skips_records_at_or_before_it(emulator, connector):
    emu = emulator(people=30, seed_span_days=0)
    conn = connector(emu.base_url)
    cursor = Cursor(from_epoch_ms(DEFAULT_BASE_MS), "120")
    ids = [
        int(r.external_id)
        for r in all_records(conn.read_changes("contact", since=cursor, until=FAR))
    ]
    assert ids == list(range(121, 131))


def test_partial_batch_failure_is_reported_per_record(emulator, connector):
    emu = emulator(people=3)
    conn = connector(emu.base_url)
    results = conn.write(
        [
            op("update", {"jobtitle": "SRE"}, "101", "a"),
            op("update", {"jobtitle": "SRE"}, "999999", "b"),
            op("update", {"lifecyclestage": "not-a-stage"}, "102", "c"),
            op("update", {"hs_lead_status": "OPEN"}, "103", "d"),
        ]
    )
    assert [r.ok for r in results] == [True, False, False, True]
    assert [r.op.idempotency_key for r in results] == ["a", "b", "c", "d"]
    assert "OBJECT_NOT_FOUND" in (results[1].error or "")
    assert "VALIDATION_ERROR" in (results[2].error or "")
    assert emu.state.store.live("101").properties["jobtitle"] == "SRE"


def test_create_of_an_existing_email_links_to_the_existing_contact(emulator, connector):
    emu = emulator(people=3)
    conn = connector(emu.base_url)
    taken = emu.state.store.live("102").properties["email"]
    results = conn.write(
        [
            op("create", {"email": "new.person@example.com"}, key="a"),
            op("create", {"email": taken.upper()}, key="b"),
        ]
    )
    assert results[0].ok
    assert not results[0].existed
    assert (results[1].ok, results[1].existed, results[1].external_id) == (True, True, "102")
    with pytest.raises(ConflictError) as caught:
        conn.client.create_contact({"email": taken})
    assert caught.value.existing_id == "102"
    [single] = conn.write([op("create", {"email": taken})])
    assert (single.existed, single.external_id) == (True, "102")


def test_upsert_by_email_creates_then_updates(emulator, connector):
    emu = emulator(people=1)
    conn = connector(emu.base_url)
    [first] = conn.write([op("upsert", {"email": "u@example.com", "firstname": "Ada"})])
    [second] = conn.write([op("upsert", {"email": "u@example.com", "firstname": "Ada L."})])
    assert first.external_id == second.external_id
    assert emu.state.store.live(first.external_id).properties["firstname"] == "Ada L."


def test_backward_lifecycle_move_needs_clearing_first(emulator, connector):
    emu = emulator(people=1)
    conn = connector(emu.base_url)
    conn.write([op("patch", {"lifecyclestage": "opportunity"}, "101")])
    [refused] = conn.write([op("patch", {"lifecyclestage": "lead"}, "101")])
    assert not refused.ok
    assert "lifecyclestage (INVALID_LIFECYCLE_STAGE)" in (refused.error or "")
    [moved] = conn.write([op("set_lifecycle_stage", {"lifecyclestage": "lead"}, "101")])
    assert moved.ok
    assert emu.state.store.live("101").properties["lifecyclestage"] == "lead"


def test_unknown_property_and_bad_option_are_refused(emulator, connector):
    emu = emulator(people=1)
    conn = connector(emu.base_url)
    results = conn.write(
        [
            op("patch", {"no_such_prop": "x"}, "101"),
            op("patch", {"candidate_status": "astronaut"}, "101"),
        ]
    )
    assert "PROPERTY_DOESNT_EXIST" in (results[0].error or "")
    assert "INVALID_OPTION" in (results[1].error or "")


def test_batch_over_100_inputs_is_a_400_in_hubspot_shape(emulator):
    emu = emulator(people=1)
    inputs = [{"properties": {"email": f"x{i}@example.com"}} for i in range(101)]
    response = httpx.post(
        f"{emu.base_url}/crm/v3/objects/contacts/batch/create",
        json={"inputs": inputs},
        headers=AUTH,
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_search_refuses_paging_past_10000(emulator):
    emu = emulator(people=1)
    body = {"limit": 200, "after": "9900", "filterGroups": []}
    response = httpx.post(f"{emu.base_url}/crm/v3/objects/contacts/search", json=body, headers=AUTH)
    assert response.status_code == 400


def test_merge_archive_and_gdpr_delete(emulator, connector):
    emu = emulator(people=4)
    conn = connector(emu.base_url)
    results = conn.write(
        [
            op("merge", {"objectIdToMerge": "102"}, "101", "m"),
            op("archive", external_id="103", key="a"),
            op("gdpr_delete", external_id="104", key="g"),
            op("archive", external_id="103", key="again"),
        ]
    )
    assert all(r.ok for r in results)
    assert [r.external_id for r in conn.fetch("contact", ["101", "102", "103", "104"])] == ["101"]
    assert 104 not in emu.state.store.contacts
    merged_email = emu.state.store.contacts[102].properties["email"]
    assert merged_email in emu.state.store.live("101").properties["hs_additional_emails"]


def test_a_deleted_contact_frees_every_email_it_held_and_its_restore_takes_them_back(
    emulator, connector
):
    emu = emulator(people=2)
    conn = connector(emu.base_url)
    merged_email = emu.state.store.contacts[102].properties["email"]
    assert conn.write([op("merge", {"objectIdToMerge": "102"}, "101", "m")])[0].ok
    # the survivor holds the merged-away contact's email: a create finds it (409, Existing ID)
    [taken] = conn.write([op("create", {"email": merged_email}, key="taken")])
    assert (taken.ok, taken.existed, taken.external_id) == (True, True, "101")
    assert conn.write([op("archive", external_id="101", key="a")])[0].ok
    [created] = conn.write([op("create", {"email": merged_email}, key="free")])
    assert (created.ok, created.existed) == (True, False), created.error
    assert created.external_id not in ("101", "102")
    assert conn.write([op("archive", external_id=created.external_id, key="b")])[0].ok
    admin(emu, "contacts/101/restore")
    [again] = conn.write([op("create", {"email": merged_email}, key="again")])
    assert (again.existed, again.external_id) == (True, "101")


def test_changes_reach_search_only_after_the_index_lag(emulator, connector):
    emu = emulator(people=1, search_lag_ms=60_000)
    conn = connector(emu.base_url)
    [created] = conn.write([op("create", {"email": "fresh@example.com"})])
    since = Cursor(datetime(2026, 6, 1, tzinfo=UTC))
    assert all_records(conn.read_changes("contact", since=since, until=FAR)) == []
    admin(emu, "rate", {"search_lag_ms": 0})
    found = all_records(conn.read_changes("contact", since=since, until=FAR))
    assert [r.external_id for r in found] == [created.external_id]


def test_wrong_token_is_a_config_error(emulator, connector):
    emu = emulator(people=1)
    conn = connector(emu.base_url, access_token="wrong")
    with pytest.raises(ConfigError, match="token is invalid"):
        conn.fetch("contact", ["101"])


def test_missing_write_scope_is_a_config_error_naming_it(emulator, connector):
    emu = emulator(people=1, scopes=["crm.objects.contacts.read"])
    conn = connector(emu.base_url)
    assert [r.external_id for r in conn.fetch("contact", ["101"])] == ["101"]
    with pytest.raises(ConfigError, match=r"crm\.objects\.contacts\.write"):
        conn.write([op("patch", {"firstname": "A"}, "101")])


def test_429_storm_is_waited_out(emulator, connector, clock):
    emu = emulator(people=150)
    admin(emu, "faults", {"fail_next": [429] * 5})
    conn = connector(emu.base_url)
    records = all_records(conn.read_changes("contact", since=None, until=FAR))
    assert len(records) == 150
    assert clock.sleeps == [10.0] * 5  # no Retry-After: the 10 s interval


def test_rate_limited_emulator_paces_an_over_eager_client(emulator, connector, clock):
    emu = emulator(people=3000, rate_limit=20, search_rate=0)
    conn = connector(emu.base_url, rate_limit=190)
    records = all_records(conn.read_changes("contact", since=None, until=FAR))
    assert len(records) == 3000
    assert sum(clock.sleeps) >= 10.0  # 30 requests at 20 per 10 s cannot fit in one window


def test_5xx_burst_and_dropped_connection_are_retried(emulator, connector, clock):
    emu = emulator(people=5)
    admin(emu, "faults", {"fail_next": [500, 503, -1]})
    conn = connector(emu.base_url)
    assert len(conn.fetch("contact", ["101", "102"])) == 2
    assert len(clock.sleeps) == 3


def test_persistent_5xx_fails_reads_and_marks_writes_retryable(emulator, connector):
    emu = emulator(people=5)
    admin(emu, "faults", {"fail_next": [503] * 6})
    conn = connector(emu.base_url)
    with pytest.raises(UnavailableError):
        conn.fetch("contact", ["101"])
    admin(emu, "faults", {"fail_next": [503] * 6})
    [result] = conn.write([op("update", {"jobtitle": "x"}, "101")])
    assert not result.ok
    assert result.retryable


def test_run_stops_before_the_daily_reserve(emulator, connector):
    emu = emulator(people=1000, daily_limit=1000)
    admin(emu, "rate", {"daily_used": 990})
    conn = connector(emu.base_url, daily_reserve=5)
    with pytest.raises(BudgetExhaustedError):
        all_records(conn.read_changes("contact", since=None, until=FAR))
    assert emu.state.limiter.daily_used <= 995


def test_setup_creates_properties_once_and_reports_type_mismatches(emulator, connector):
    emu = emulator(people=1, hub_properties=False)
    wrong = {
        "name": "hub_nurture",
        "label": "x",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    response = httpx.post(f"{emu.base_url}/crm/v3/properties/contacts", json=wrong, headers=AUTH)
    assert response.status_code == 201
    conn = connector(emu.base_url)
    first = conn.setup()
    assert "created group talent_hub" in first
    assert "created property candidate_status (enumeration)" in first
    assert any(line.startswith("MISMATCH property hub_nurture") for line in first)
    second = conn.setup()
    assert not any(line.startswith("created") for line in second)
    assert emu.state.store.catalog.properties["hub_nurture"]["type"] == "string"
    options = emu.state.store.catalog.properties["candidate_status"]["options"]
    assert "silver_medalist" in {o["value"] for o in options}


def test_seeding_is_deterministic(emulator):
    first = emulator(people=50)
    second = emulator(people=50)
    emails = [c.properties["email"] for c in first.state.store.contacts.values()]
    assert emails == [c.properties["email"] for c in second.state.store.contacts.values()]


def test_archived_contact_can_be_restored_by_a_marketer(emulator, connector):
    emu = emulator(people=2)
    conn = connector(emu.base_url)
    [archived] = conn.write([op("archive", external_id="102")])
    assert archived.ok
    assert conn.fetch("contact", ["102"]) == []
    admin(emu, "contacts/102/restore")
    assert [r.external_id for r in conn.fetch("contact", ["102"])] == ["102"]


def test_slow_answers_time_out_and_are_retried(emulator, connector, clock):
    emu = emulator(people=2)
    admin(emu, "faults", {"slow_ms": 300})
    conn = connector(emu.base_url, timeout_seconds=0.05)
    with pytest.raises(UnavailableError, match="timed out"):
        conn.fetch("contact", ["101"])
    assert len(clock.sleeps) == 5  # six attempts, all too slow
    admin(emu, "faults", {"slow_ms": 0})
    patient = connector(emu.base_url)
    assert [r.external_id for r in patient.fetch("contact", ["101"])] == ["101"]
