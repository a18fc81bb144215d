from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from hub.webhooks.events import (
    EVENT_MODELS,
    EVENT_TYPES,
    PersonStatusChanged,
    WebhookEvent,
    matches,
    select_person_fields,
)

PERSON = {
    "id": "per_1",
    "hubspot": {"id": "501", "url": "https://app.hubspot.com/contacts/1/record/0-1/501"},
    "greenhouse": {"id": "9001", "url": "https://app.greenhouse.io/people/9001"},
}
OTHER = {"id": "per_2", "hubspot": {"id": "502"}}
APPLICATION = {
    "id": "app_1",
    "greenhouse": {"id": "7001", "url": "https://app.greenhouse.io/people/9001/applications/7001"},
    "job": {"id": "42"},
}
APP_AND_PERSON = {"application": APPLICATION, "person": PERSON}

EXAMPLES = {
    "person.status_changed": {
        "person": PERSON,
        "from": "nurture",
        "to": "applicant",
        "rule": "applied-in-greenhouse",
    },
    "person.became_applicant": {"person": PERSON, "application": APPLICATION},
    "person.returned_to_nurture": {"person": PERSON, "rule": "rejected-silver-medalist"},
    "person.hired": {"person": PERSON, "application": APPLICATION},
    "application.created": APP_AND_PERSON,
    "application.stage_changed": {
        **APP_AND_PERSON,
        "from": {"id": "1", "name": "Application Review"},
        "to": {"id": "2", "name": "Phone Screen"},
    },
    "application.rejected": {**APP_AND_PERSON, "reason": "Position filled"},
    "application.hired": APP_AND_PERSON,
    "person.merged": {"person": PERSON, "merged": [OTHER]},
    "person.erased": {"person": {"id": "per_1"}},
    "dedup.review_needed": {"review_id": "rev_1", "people": [PERSON, OTHER], "score": 0.87},
    "sync.failed": {
        "connection": "greenhouse",
        "object_type": "candidate",
        "external_id": "9001",
        "error": "ConflictError",
        "message": "candidate 9001 exists already",
        "person": PERSON,
    },
}


def envelope(event_type, data):
    return {
        "id": "msg_01HZX",
        "type": event_type,
        "version": 1,
        "occurred_at": "2026-03-01T12:00:00Z",
        "person_version": 7,
        "data": data,
    }


def test_every_catalogue_type_has_a_model_and_an_example():
    assert set(EVENT_MODELS) == set(EVENT_TYPES)
    assert set(EXAMPLES) == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_example_validates_as_its_type(event_type):
    event = WebhookEvent.model_validate(envelope(event_type, EXAMPLES[event_type]))
    assert type(event.data) is EVENT_MODELS[event_type]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_example_survives_a_json_round_trip_unchanged(event_type):
    raw = envelope(event_type, EXAMPLES[event_type])
    event = WebhookEvent.model_validate(raw)
    again = WebhookEvent.model_validate_json(event.model_dump_json())
    assert again == event
    assert json.loads(event.model_dump_json(exclude_defaults=True))["data"] == json.loads(
        json.dumps(raw["data"])
    )


def test_status_change_uses_from_and_to_on_the_wire():
    event = WebhookEvent.model_validate(
        envelope("person.status_changed", EXAMPLES["person.status_changed"])
    )
    assert isinstance(event.data, PersonStatusChanged)
    assert event.data.from_status == "nurture"
    dumped = event.model_dump(mode="json")["data"]
    assert (dumped["from"], dumped["to"]) == ("nurture", "applicant")


def test_data_of_another_type_is_rejected():
    with pytest.raises(ValidationError):
        WebhookEvent.model_validate(envelope("person.hired", EXAMPLES["person.merged"]))


def test_data_model_instance_of_the_wrong_type_is_rejected():
    data = EVENT_MODELS["application.created"].model_validate(EXAMPLES["application.created"])
    with pytest.raises(ValidationError, match=r"application\.hired event"):
        WebhookEvent.model_validate({**envelope("application.hired", {}), "data": data})


def test_unknown_event_type_is_rejected():
    with pytest.raises(ValidationError):
        WebhookEvent.model_validate(envelope("person.teleported", {"person": PERSON}))


@pytest.mark.parametrize("where", ["envelope", "data", "person"])
def test_unknown_keys_are_rejected(where):
    raw = envelope("person.hired", {"person": dict(PERSON), "application": APPLICATION})
    target = {"envelope": raw, "data": raw["data"], "person": raw["data"]["person"]}[where]
    target["email"] = "someone@example.com"
    with pytest.raises(ValidationError):
        WebhookEvent.model_validate(raw)


def test_event_is_frozen():
    event = WebhookEvent.model_validate(envelope("person.erased", EXAMPLES["person.erased"]))
    with pytest.raises(ValidationError):
        event.id = "msg_2"


def test_occurred_at_is_parsed_as_aware_datetime():
    event = WebhookEvent.model_validate(envelope("person.erased", EXAMPLES["person.erased"]))
    assert event.occurred_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_only_configured_personal_fields_are_selected():
    values = {"first_name": "Ada", "email": "ada@example.com", "city": None}
    assert select_person_fields(values, []) == {}
    assert select_person_fields(values, ["first_name", "city", "phone"]) == {
        "first_name": "Ada",
        "city": None,
    }


@pytest.mark.parametrize(
    ("event_filter", "event_type", "expected"),
    [
        ("*", "person.hired", True),
        ("*", "dedup.review_needed", True),
        ("person.hired", "person.hired", True),
        ("person.hired", "application.hired", False),
        ("application.*", "application.stage_changed", True),
        ("application.*", "application.created", True),
        ("application.*", "person.became_applicant", False),
        ("application.*", "application", False),
        ("*.hired", "person.hired", True),
        ("*.hired", "application.hired", True),
        ("*.hired", "person.erased", False),
        ("person", "person.hired", False),
        ("person.hired.extra", "person.hired", False),
        ("sync.*", "sync.failed", True),
    ],
)
def test_event_filter_matching(event_filter, event_type, expected):
    assert matches(event_filter, event_type) is expected


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_wildcard_selects_every_catalogue_type(event_type):
    assert matches("*", event_type)
    assert matches(event_type.split(".")[0] + ".*", event_type)
