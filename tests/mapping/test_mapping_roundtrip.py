"""Vendor → canonical → vendor on real fixture payloads loses nothing that is mapped.

"Lossless" is checked two ways: the canonical record read back from the written payload equals
the original canonical record on every field the outbound rules write, and where the fixture's
values are already normalised the written vendor values equal the original ones byte for byte.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from hub.mapping.loader import LoadedMapping

GREENHOUSE_PEOPLE = [
    "harvest_v1_candidate_object.json",
    "harvest_v1_add_candidate_response.json",
    "harvest_v1_add_prospect_response.json",
]

# Synthetic (not a vendor fixture): a contact carrying every property the shipped mapping reads,
# in HubSpot's own normalised form.
FULL_CONTACT = {
    "id": "512",
    "createdAt": "2019-10-30T03:30:17.883Z",
    "updatedAt": "2019-12-07T16:50:06.678Z",
    "archived": False,
    "properties": {
        "firstname": "Ada",
        "lastname": "Lovelace",
        "email": "ada@example.com",
        "hs_additional_emails": "ada@work.example;ada@old.example",
        "phone": "+14155552671",
        "mobilephone": "+447911123456",
        "linkedin_url": "https://linkedin.com/in/ada",
        "github_url": "https://github.com/ada",
        "website": "https://ada.dev",
        "company": "Analytical Engines",
        "jobtitle": "Programmer",
        "city": "London",
        "candidate_tags": "math;poetry",
        "candidate_source": "Referral",
        "candidate_referrer": "Charles Babbage",
        "hub_gdpr_consent": "true",
        "candidate_status": "nurture",
        "greenhouse_candidate_id": "53883394",
        "last_application_job": "Engineer",
        "last_application_stage": "Offer",
        "last_application_status": "active",
        "last_application_at": "2024-05-01T09:30:00.000Z",
        "hub_person_id": "p-1",
        "hub_nurture": "true",
        "hub_ready_for_ats": "false",
    },
}
CONTACT_INBOUND_ONLY = {"hs_email_optout", "hubspot_owner_id"}


def unwrap(name: str, data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and "results" in data:
        return data["results"]
    return data if isinstance(data, list) else [data]


def written_fields(loaded: LoadedMapping) -> set[tuple[str, ...]]:
    """Canonical fields the outbound rules read: ``emails``, ``custom.x``, ``consent.y``."""
    out = set()
    for rule in loaded.spec.outbound:
        for path in (
            [rule.from_] if rule.from_ else re.findall(r"\{([^{}]+)\}", rule.template or "")
        ):
            parts = re.sub(r"\[[^\]]*\]", "", path).split(".")
            out.add(tuple(parts[:2]) if parts[0] in ("custom", "consent") else (parts[0],))
    return out


def project(canonical: dict[str, Any], field: tuple[str, ...]) -> Any:
    value: Any = canonical
    for part in field:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def round_trip(loaded: LoadedMapping, record: dict[str, Any]):
    first = loaded.mapping.to_canonical(record)
    assert first.issues == ()
    assert first.value is not None
    written = loaded.mapping.to_vendor(first.value)
    assert written.issues == ()
    # compared before model validation: a create payload has no id to validate an application
    again = loaded.mapping.to_canonical(written.payload)
    before, after = first.payload, again.payload
    for field in written_fields(loaded):
        assert project(after, field) == project(before, field), field
    return first.value, written.payload


@pytest.mark.parametrize("mapping_file", ["greenhouse.candidate.yaml", "greenhouse.prospect.yaml"])
@pytest.mark.parametrize("fixture", GREENHOUSE_PEOPLE)
def test_greenhouse_people_round_trip(shipped, fixture_record, mapping_file, fixture):
    loaded = shipped(mapping_file)
    for record in unwrap(fixture, fixture_record(fixture)):
        person, payload = round_trip(loaded, record)
        assert person.given_name == record["first_name"]
        assert payload["first_name"] == record["first_name"]
        assert payload["tags"] == record["tags"]
        assert [e["value"].lower() for e in payload["email_addresses"]] == [
            e["value"].lower() for e in record["email_addresses"]
        ]


def test_greenhouse_candidate_fixture_custom_fields_and_contacts_survive(shipped, fixture_record):
    record = fixture_record("harvest_v1_candidate_object.json")
    _, payload = round_trip(shipped("greenhouse.candidate.yaml"), record)
    assert payload["custom_fields"] == record["custom_fields"]
    assert payload["email_addresses"] == record["email_addresses"]
    assert [p["type"] for p in payload["phone_numbers"]] == ["mobile"]
    assert payload["addresses"] == record["addresses"]
    assert payload["can_email"] is record["can_email"]


@pytest.mark.parametrize(
    "fixture", ["harvest_v1_application_object.json", "harvest_v1_list_applications_response.json"]
)
def test_greenhouse_applications_round_trip(shipped, fixture_record, fixture):
    loaded = shipped("greenhouse.application.yaml")
    for record in unwrap(fixture, fixture_record(fixture)):
        application, payload = round_trip(loaded, record)
        assert application.id == str(record["id"])
        assert application.status == record["status"]
        assert payload["candidate_id"] == record["candidate_id"]
        assert payload["prospect"] == record["prospect"]


@pytest.mark.parametrize(
    "fixture",
    [
        "crm_object_official_api_reference_example.json",
        "search_response_official_api_reference_example.json",
    ],
)
def test_hubspot_fixture_contacts_round_trip(shipped, fixture_record, fixture):
    for record in unwrap(fixture, fixture_record(fixture)):
        person, _ = round_trip(shipped("hubspot.contact.yaml"), record)
        assert person.custom == {"hubspot_contact_id": record["id"]}


def test_hubspot_contact_with_every_mapped_property_round_trips_byte_for_byte(shipped):
    person, payload = round_trip(shipped("hubspot.contact.yaml"), FULL_CONTACT)
    assert person.relationship_status == "nurture"
    assert len(person.emails) == 3
    expected = {
        k: v for k, v in FULL_CONTACT["properties"].items() if k not in CONTACT_INBOUND_ONLY
    }
    assert payload == {"properties": expected}
