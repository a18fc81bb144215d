"""Change events normalised to triggers."""

from __future__ import annotations

import pytest

from hub.rules import tick_event, trigger_for

from .conftest import NOW, make_application, make_event


@pytest.mark.parametrize(
    ("event", "application", "trigger"),
    [
        (make_event("application", "created"), make_application(), "application_created"),
        (make_event("application", "created"), make_application(prospect=True), "prospect_created"),
        (make_event("prospect", "created"), None, "prospect_created"),
        (make_event("application", "stage_changed"), None, "application_stage_changed"),
        (
            make_event("application", "rejected"),
            make_application(rejection_reason="Skills"),
            "application_rejected",
        ),
        (
            make_event("application", "rejected"),
            make_application(rejection_reason="candidate withdrew"),
            "application_withdrawn",
        ),
        (
            make_event("application", "rejected", action="application_withdrawn"),
            None,
            "application_withdrawn",
        ),
        (make_event("application", "unrejected"), None, "application_unrejected"),
        (make_event("application", "hired"), None, "application_hired"),
        (make_event("application", "unhired"), None, "application_unhired"),
        (make_event("application", "converted"), None, "prospect_converted"),
        (make_event("contact", "created"), None, "contact_created"),
        (make_event("contact", "updated"), None, "contact_updated"),
        (make_event("contact", "updated", property_name="email"), None, "contact_property_changed"),
        (
            make_event("contact", "association_changed", related_ids={"list": "L"}),
            None,
            "contact_added_to_list",
        ),
        (make_event("contact", "merged"), None, "person_merged"),
        (make_event("candidate", "deleted"), None, None),
        (tick_event("p1", NOW), None, "tick"),
    ],
)
def test_events_normalise_to_triggers(event, application, trigger):
    reasons = ["Candidate withdrew"]
    assert trigger_for(event, application=application, withdrawal_reasons=reasons) == trigger
