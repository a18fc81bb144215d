"""Arbitrary JSON never crashes the engine; values it cannot map become reported field issues."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.mapping.engine import FieldIssue
from hub.models import Person

MARK = "zq9"  # every generated text starts with it, so a leaked value is easy to spot

texts = st.text(max_size=12).map(lambda t: MARK + t)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(texts | st.sampled_from(["value", "type"]), inner, max_size=3)
    ),
    max_leaves=8,
)

CONTACT_PROPS = [
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "linkedin_url",
    "website",
    "candidate_tags",
    "hs_email_optout",
    "candidate_status",
    "hub_nurture",
    "hubspot_owner_id",
    "desired_salary",
]
CANDIDATE_FIELDS = [
    "id",
    "first_name",
    "last_name",
    "company",
    "title",
    "can_email",
    "email_addresses",
    "phone_numbers",
    "addresses",
    "website_addresses",
    "social_media_addresses",
    "tags",
    "custom_fields",
    "recruiter_id",
]
APPLICATION_FIELDS = [
    "id",
    "candidate_id",
    "prospect",
    "status",
    "job_ids",
    "stage_id",
    "applied_at",
    "rejection_reason_id",
    "source_id",
    "updated_at",
]

contacts = st.fixed_dictionaries(
    {"id": json_values, "properties": st.dictionaries(st.sampled_from(CONTACT_PROPS), json_values)}
) | st.dictionaries(st.sampled_from(["id", "properties"]), json_values)
candidates = st.dictionaries(
    st.sampled_from(CANDIDATE_FIELDS),
    json_values | st.lists(st.fixed_dictionaries({"value": json_values, "type": json_values})),
)
applications = st.dictionaries(st.sampled_from(APPLICATION_FIELDS), json_values)

CASES = {
    "hubspot.contact.yaml": contacts,
    "greenhouse.candidate.yaml": candidates,
    "greenhouse.prospect.yaml": candidates,
    "greenhouse.application.yaml": applications,
}


def no_value_leaks(issues: tuple[FieldIssue, ...]) -> None:
    for issue in issues:
        assert isinstance(issue, FieldIssue)
        assert MARK not in str(issue)


@pytest.mark.parametrize("name", sorted(CASES))
def test_arbitrary_records_never_crash_and_never_leak_values(shipped, name):
    mapping = shipped(name).mapping

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(CASES[name])
    def check(record: dict[str, Any]) -> None:
        result = mapping.to_canonical(record)
        no_value_leaks(result.issues)
        if mapping.model is Person:
            assert isinstance(result.value, Person)
        if result.value is not None:
            no_value_leaks(mapping.to_vendor(result.value).issues)
        no_value_leaks(mapping.to_vendor(record).issues)  # a bad canonical dict must not crash

    check()


@pytest.mark.parametrize(
    ("name", "source", "target"),
    [
        ("hubspot.contact.yaml", ("properties", "hub_nurture"), ("custom", "hub_nurture")),
        ("greenhouse.candidate.yaml", ("can_email",), ("consent", "email_opt_out")),
        ("greenhouse.application.yaml", ("applied_at",), ("applied_at",)),
    ],
)
def test_a_present_value_is_either_mapped_or_reported(shipped, name, source, target):
    mapping = shipped(name).mapping

    @settings(max_examples=200, deadline=None)
    @given(json_values.filter(lambda v: v is not None))
    def check(value: Any) -> None:
        record: dict[str, Any] = {"id": 1, "candidate_id": 2}
        node = record
        for part in source[:-1]:
            node = node.setdefault(part, {})
        node[source[-1]] = value
        result = mapping.to_canonical(record)
        mapped: Any = result.value.model_dump() if result.value is not None else {}
        for part in target:
            mapped = mapped.get(part) if isinstance(mapped, dict) else None
        reported = any(issue.target == ".".join(target) for issue in result.issues)
        assert (mapped is not None) != reported

    check()
