from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.hubspot.values import (
    decode_properties,
    decode_value,
    encode_value,
    epoch_ms,
    parse_datetime,
)
from connectors.hubspot.vendor_http import parse_hubspot_error, read_hubspot_rate_headers

FIXTURES = Path("/work/shared/reference/fixtures/hubspot")


def fixture_response(name: str, status: int) -> httpx.Response:
    return httpx.Response(status, content=FIXTURES.joinpath(name).read_bytes())


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (True, "true"),
        (False, "false"),
        (17, "17"),
        (2.5, "2.5"),
        (3.0, "3"),
        (None, ""),
        (date(2019, 10, 31), "1572480000000"),
        (datetime(2019, 10, 31, tzinfo=UTC), "1572480000000"),
        (["chocolate", "strawberry"], "chocolate;strawberry"),
        ("value", "value"),
    ],
)
def test_python_values_encode_to_hubspot_strings(value, wire):
    assert encode_value(value) == wire


def test_official_example_object_decodes_with_its_property_types():
    example = json.loads(
        FIXTURES.joinpath("crm_object_official_api_reference_example.json").read_text()
    )
    definitions = {
        "property_checkbox": {"type": "bool"},
        "property_date": {"type": "date"},
        "property_number": {"type": "number"},
        "property_multiple_checkboxes": {"type": "enumeration", "fieldType": "checkbox"},
        "property_dropdown": {"type": "enumeration", "fieldType": "select"},
    }
    decoded = decode_properties(example["properties"], definitions)
    assert decoded["property_checkbox"] is False
    assert decoded["property_date"] == date(2019, 10, 31)
    assert decoded["property_number"] == 17
    assert decoded["property_multiple_checkboxes"] == ["chocolate", "strawberry"]
    assert decoded["property_dropdown"] == "choice_b"
    assert decoded["property_string"] == "value"


def test_datetimes_parse_from_iso_and_epoch_ms():
    expected = datetime(2019, 12, 7, 16, 50, 6, 678000, tzinfo=UTC)
    assert parse_datetime("2019-12-07T16:50:06.678Z") == expected
    assert parse_datetime(str(epoch_ms(expected))) == expected


@pytest.mark.parametrize(("raw", "kind"), [("maybe", "bool"), ("abc", "number"), ("x", "date")])
def test_values_that_do_not_fit_the_type_raise(raw, kind):
    with pytest.raises(ValueError):  # noqa: PT011 - any parse error is fine
        decode_value(raw, kind)


@given(
    st.datetimes(
        # hypothesis takes naive bounds and applies `timezones` itself
        min_value=datetime(1971, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_datetimes_round_trip_at_millisecond_precision(moment):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert decode_value(encode_value(moment), "datetime") == moment


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2200, 1, 1)))
def test_dates_round_trip_through_midnight_utc(day):
    assert int(encode_value(day)) % 86_400_000 == 0
    assert decode_value(encode_value(day), "date") == day


@given(st.one_of(st.booleans(), st.integers(-(10**12), 10**12)))
def test_bools_and_integers_round_trip(value):
    kind = "bool" if isinstance(value, bool) else "number"
    assert decode_value(encode_value(value), kind) == value


def test_409_body_yields_the_existing_id():
    body = parse_hubspot_error(fixture_response("error_409_contact_exists_observed.json", 409))
    assert body.existing_id == "501"
    assert body.category == "CONFLICT"


def test_400_property_errors_name_the_field_and_code_only():
    body = parse_hubspot_error(fixture_response("error_400_property_values_observed.json", 400))
    assert [(fe.field, fe.message) for fe in body.field_errors] == [
        ("hubspot_owner_id", "INVALID_INTEGER")
    ]
    assert "29947847357121" not in body.message


def test_generic_error_body_keeps_its_field_errors():
    body = parse_hubspot_error(fixture_response("error_generic_official_example.json", 400))
    assert body.category == "VALIDATION_ERROR"
    assert [fe.field for fe in body.field_errors] == ["name"]


def test_non_json_error_bodies_are_described_by_status():
    assert parse_hubspot_error(httpx.Response(502, text="<html>")).message == "HTTP 502"


def test_rate_headers_are_read():
    headers = httpx.Headers(
        {
            "X-HubSpot-RateLimit-Max": "190",
            "X-HubSpot-RateLimit-Remaining": "188",
            "X-HubSpot-RateLimit-Daily-Remaining": "649000",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
    )
    rate = read_hubspot_rate_headers(headers)
    assert (rate.limit, rate.remaining, rate.daily_remaining) == (190, 188, 649000)
