from __future__ import annotations

import pytest

from hub.mapping.paths import MISSING, PathSyntaxError, compile_getter, compile_setter, parse_path

RECORD = {
    "properties": {"email": "a@x.com", "empty": None},
    "email_addresses": [
        {"value": "w@x.com", "type": "work"},
        {"value": "p@x.com", "type": "personal"},
        {"value": "o@x.com", "type": "other"},
    ],
    "flags": [{"on": True, "n": 1}, {"on": False, "n": 2}],
}


def get(path, record=RECORD):
    return compile_getter(parse_path(path))(record)


def test_nested_keys_and_missing_paths():
    assert get("properties.email") == "a@x.com"
    assert get("properties.empty") is None
    assert get("properties.nope") is MISSING
    assert get("properties.email.deeper") is MISSING
    assert get(".") is RECORD


def test_list_selectors():
    assert get("email_addresses[1].value") == "p@x.com"
    assert get("email_addresses[9].value") is MISSING
    assert get("email_addresses[*].value") == ["w@x.com", "p@x.com", "o@x.com"]
    assert get("email_addresses[1:].value") == ["p@x.com", "o@x.com"]
    assert get("email_addresses[type=personal].value") == ["p@x.com"]
    assert get("email_addresses[type=work|other].value") == ["w@x.com", "o@x.com"]
    assert get("flags[on=true].n") == [1]
    assert get("flags[n=2].on") == [False]
    assert get("nothing[*].value") == []


def test_selectors_on_non_lists_select_nothing():
    assert get("properties[*]") == []
    assert get("properties[0]") is MISSING


def test_setter_creates_parents_and_appends():
    out: dict = {}
    compile_setter(parse_path("properties.firstname"))(out, "Ada")
    compile_setter(parse_path("emails[]"))(out, {"address": "a"})
    compile_setter(parse_path("emails[]"))(out, {"address": "b"})
    assert out == {
        "properties": {"firstname": "Ada"},
        "emails": [{"address": "a"}, {"address": "b"}],
    }


@pytest.mark.parametrize("bad", ["a[", "a[x]", "a[].b", "a..b", "a[=1]"])
def test_bad_paths_are_rejected(bad):
    with pytest.raises(PathSyntaxError):
        parse_path(bad)


def test_targets_cannot_use_reading_selectors():
    with pytest.raises(PathSyntaxError):
        compile_setter(parse_path("emails[0].address"))
