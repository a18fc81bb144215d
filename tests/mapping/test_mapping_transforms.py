"""Built-in transforms: pure functions of a value and parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.mapping.registry import TransformValueError
from hub.mapping.transforms import builtin_registry


@pytest.fixture
def run():
    registry = builtin_registry()

    def call(name, value, **params):
        spec = registry.get(name)
        assert spec is not None
        return spec.func(value, **params)

    return call


def test_text_case_and_whitespace(run):
    assert run("lower", "ADA@X.COM") == "ada@x.com"
    assert run("upper", "gb") == "GB"
    assert run("title", "ada LOVELACE") == "Ada Lovelace"
    assert run("strip", "  Ada ") == "Ada"
    assert run("strip", "   ") is None


@pytest.mark.parametrize(
    ("full", "given", "family"),
    [("Ada King Lovelace", "Ada King", "Lovelace"), ("Cher", "Cher", None), ("", None, None)],
)
def test_split_full_name_into_given_and_family(run, full, given, family):
    assert run("split_name", full, part="given") == given
    assert run("split_name", full, part="family") == family


def test_join_and_split_are_inverse_on_clean_lists(run):
    assert run("join", ["a", "", None, "b"], sep=";") == "a;b"
    assert run("join", [], sep=";") is None
    assert run("split", " a ; ;b", sep=";") == ["a", "b"]


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("07911 123456", "GB", "+447911123456"),
        ("+44 7911 123456", "US", "+447911123456"),
        ("call me maybe", "US", "call me maybe"),
    ],
)
def test_phone_e164_uses_region_for_national_numbers_and_keeps_unparseable_text(
    run, raw, region, expected
):
    assert run("phone_e164", raw, region=region) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("linkedin.com/in/Ada/", "https://linkedin.com/in/Ada"),
        ("HTTP://GitHub.com:80/ada#top", "http://github.com/ada"),
        ("https://example.com/?q=1", "https://example.com?q=1"),
    ],
)
def test_canonical_url(run, raw, expected):
    assert run("canonical_url", raw) == expected


def test_link_kind_classifies_profile_hosts(run):
    assert run("link_kind", "https://www.linkedin.com/in/x") == "linkedin"
    assert run("link_kind", "github.com/x") == "github"
    assert run("link_kind", "x.com/ada") == "twitter"
    assert run("link_kind", "ada.dev") == "website"


def test_datetimes_parse_iso_and_epoch_ms_and_format_back(run):
    moment = datetime(2019, 10, 31, 0, 0, tzinfo=UTC)
    assert run("parse_datetime", "1572480000000") == moment
    assert run("parse_datetime", "2019-10-31T00:00:00Z") == moment
    assert run("parse_datetime", "2019-10-31T02:00:00+02:00") == moment
    assert run("format_datetime", moment) == "2019-10-31T00:00:00.000Z"
    assert run("format_datetime", "2017-09-27T12:03:02.728Z") == "2017-09-27T12:03:02.728Z"
    assert run("format_datetime", moment, format="epoch_ms") == "1572480000000"
    with pytest.raises(TransformValueError):
        run("parse_datetime", "yesterday")


def test_dates_parse_and_format(run):
    assert run("parse_date", "1992-01-27") == date(1992, 1, 27)
    assert run("parse_date", "2012-08-15T00:00:00.000Z") == date(2012, 8, 15)
    assert run("format_date", date(1992, 1, 27), format="%d/%m/%Y") == "27/01/1992"
    assert run("format_date", "1992-01-27", format="epoch_ms") == "696470400000"


def test_bool_and_number_coercion(run):
    assert run("to_bool", "TRUE") is True
    assert run("to_bool", "no") is False
    assert run("to_bool", 0) is False
    assert run("not", True) is False
    assert run("to_int", "17") == 17
    assert run("to_int", "17.0") == 17
    assert run("to_float", "1.5") == 1.5
    assert run("to_string", True) == "true"
    assert run("to_string", 17.0) == "17"
    for name, bad in [("to_bool", "maybe"), ("to_int", "1.5"), ("to_int", "x"), ("to_int", True)]:
        with pytest.raises(TransformValueError):
            run(name, bad)


def test_errors_never_quote_the_value(run):
    with pytest.raises(TransformValueError) as caught:
        run("to_int", "ada@example.com")
    assert "ada" not in str(caught.value)


def test_default_and_value_tables(run):
    assert run("default", None, fallback="x") == "x"
    assert run("default", "", fallback="x") == "x"
    assert run("default", "y", fallback="x") == "y"
    table = {"Active": "applicant", "true": "yes"}
    assert run("map", "active", values=table, default="other") == "applicant"
    assert run("map", True, values=table, default="other") == "yes"
    assert run("map", "unknown", values=table, default="other") == "other"
