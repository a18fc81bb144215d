from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.models import Email, Person, RelationshipStatus


def test_canonical_models_are_frozen_and_strict():
    person = Person(given_name="Ada", emails=(Email(address="ada@example.com", type="work"),))
    with pytest.raises(ValidationError):
        person.given_name = "Bob"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        Person(nickname="x")  # type: ignore[call-arg]


def test_primary_email_prefers_the_flagged_one():
    emails = (Email(address="a@x.io"), Email(address="b@x.io", primary=True))
    assert Person(emails=emails).primary_email == "b@x.io"
    assert Person(emails=emails[:1]).primary_email == "a@x.io"
    assert Person().primary_email is None


def test_person_round_trips_through_json():
    person = Person(
        given_name="Zoë",
        tags=("python", "referral"),
        custom={"visa": True},
        relationship_status=RelationshipStatus.SILVER_MEDALIST,
    )
    assert Person.model_validate_json(person.model_dump_json()) == person
