"""Polled changes as rule events: first sights, status moves, stage moves, watched properties."""

from __future__ import annotations

import pytest

from hub.models import Application
from hub.rules.changes import application_changes, application_state, contact_changes


def app(**kwargs) -> Application:
    defaults = {"id": "a1", "person_id": "c1", "job_id": "j1", "stage_id": "s1", "status": "active"}
    return Application.model_validate({**defaults, **kwargs})


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (app(), ["created"]),
        (app(stage_id="s3"), ["created", "stage_changed"]),
        (app(status="rejected", stage_id="s3"), ["created", "stage_changed", "rejected"]),
        (app(status="hired", stage_id=None), ["created", "hired"]),
        (app(prospect=True, stage_id=None), ["created"]),
        (app(status="converted"), []),
    ],
    ids=["new", "new-past-first-stage", "new-rejected", "new-hired", "prospect", "converted"],
)
def test_a_first_sight_is_a_creation_and_what_it_went_through(now, expected):
    assert application_changes(None, now, first_stage_id="s1") == expected


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (app(), app(stage_id="s2"), ["stage_changed"]),
        (app(), app(status="rejected"), ["rejected"]),
        (app(status="rejected"), app(), ["unrejected"]),
        (app(), app(status="hired"), ["hired"]),
        (app(status="hired"), app(), ["unhired"]),
        (app(prospect=True, stage_id=None), app(), ["converted"]),
        (app(prospect=True), app(prospect=True, status="converted"), ["converted"]),
        (app(), app(), []),
        (app(status="rejected"), app(status="rejected", stage_id="s2"), []),
    ],
    ids=[
        "move",
        "reject",
        "unreject",
        "hire",
        "unhire",
        "prospect-converted-in-place",
        "prospect-left-behind",
        "unchanged",
        "stage-of-a-rejected-app",
    ],
)
def test_later_sights_report_each_move(before, now, expected):
    assert application_changes(application_state(before), now) == expected


def test_contacts_report_creation_then_only_watched_property_changes():
    watched = ["hub_ready_for_ats"]
    assert contact_changes(None, {"hub_ready_for_ats": "false"}, watched=watched) == [
        ("created", None)
    ]
    assert contact_changes(None, {"hub_ready_for_ats": "true"}, watched=watched) == [
        ("created", None),
        ("updated", "hub_ready_for_ats"),
    ]
    before = {"hub_ready_for_ats": "false", "jobtitle": "CTO"}
    assert contact_changes(before, {**before, "jobtitle": "CEO"}, watched=watched) == [
        ("updated", None)
    ]
    assert contact_changes(before, {**before, "hub_ready_for_ats": True}, watched=watched) == [
        ("updated", None),
        ("updated", "hub_ready_for_ats"),
    ]
