"""Custom fields go to Harvest in its write form, whichever form the hub hands over."""

from __future__ import annotations

from connectors.greenhouse.writes import custom_field_items


def test_custom_fields_keyed_by_field_key_become_name_key_items():
    assert custom_field_items({"desired_salary": "120k", "work_remotely": True, "gone": None}) == [
        {"name_key": "desired_salary", "value": "120k"},
        {"name_key": "work_remotely", "value": True},
        {"name_key": "gone", "delete_value": "true"},
    ]
