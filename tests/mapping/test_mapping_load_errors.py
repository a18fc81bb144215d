"""Each load-time check, from a broken file, located at an exact line and column."""

from __future__ import annotations

import textwrap

import pytest

from hub.errors import ConfigError

HEAD = """\
connector: hubspot
object_type: contact
canonical: person
"""


def problems_of(make_mapping, body: str, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_mapping(HEAD + textwrap.dedent(body), **kwargs)
    return [str(p) for p in caught.value.problems]


def test_unknown_key_is_located_with_a_suggestion(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - to: given_name
            form: properties.firstname
        """,
    )
    assert problems == [
        "test.yaml:6:5: inbound.0.form: unknown key 'form' (did you mean 'from'?)",
    ]


def test_unknown_transform_is_located_at_its_list_item(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - to: given_name
            from: properties.firstname
            transforms: [strip, lowr]
        """,
    )
    assert problems == [
        "test.yaml:7:25: inbound.0.transforms.1: unknown transform 'lowr' (did you mean 'lower'?)"
    ]


def test_vendor_path_missing_from_the_schema_is_reported(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - {to: given_name, from: propertees.firstname}
        """,
    )
    assert len(problems) == 1
    assert problems[0].startswith(
        "test.yaml:5:28: inbound.0.from: the schema has no field 'propertees' here"
    )


def test_free_dict_fields_accept_any_key(make_mapping):
    loaded = make_mapping(
        HEAD + "inbound:\n  - {to: custom.anything, from: properties.any_custom_property}\n"
    )
    record = {"id": "1", "properties": {"any_custom_property": "x"}}
    assert loaded.mapping.to_canonical(record).value.custom == {"anything": "x"}


def test_canonical_target_missing_from_the_model_is_reported(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - {to: first_name, from: properties.firstname}
        """,
    )
    assert problems[0].startswith("test.yaml:5:10: inbound.0.to: the schema has no field")


def test_value_table_without_default_is_reported_in_tables(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        tables:
          status:
            values: {hired: hired}
        """,
    )
    assert problems == ["test.yaml:6:5: tables.status.default: required key is missing"]


def test_inline_value_table_without_default_is_reported(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - to: relationship_status
            from: properties.candidate_status
            transforms:
              - map: {values: {hired: hired}}
        """,
    )
    assert problems == [
        "test.yaml:8:9: inbound.0.transforms.0: value table has no default: "
        "add 'default:' for unlisted values"
    ]


def test_transform_taking_text_on_a_boolean_field_is_a_type_mismatch(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - {to: company, from: archived, transforms: [lower]}
        """,
    )
    assert problems == [
        "test.yaml:5:48: inbound.0.transforms.0: type mismatch: transform 'lower' takes "
        "string but gets boolean from 'archived'"
    ]


def test_transform_result_not_fitting_the_target_is_a_type_mismatch(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - to: given_name
            from: properties.hs_email_optout
            transforms: [to_bool]
        """,
    )
    assert len(problems) == 1
    assert problems[0].startswith(
        "test.yaml:7:18: inbound.0.transforms.0: type mismatch: 'given_name' needs string "
        "but the value is boolean"
    )


def test_duplicate_targets_are_reported_at_the_second(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - {to: given_name, from: properties.firstname}
          - {to: family_name, from: properties.lastname}
          - {to: given_name, from: properties.name}
        """,
    )
    assert problems == [
        "test.yaml:7:10: inbound.2.to: duplicate target 'given_name': inbound[0] writes "
        "'given_name'"
    ]


def test_targets_guarded_by_conditions_may_repeat(make_mapping):
    loaded = make_mapping(
        HEAD
        + textwrap.dedent(
            """\
            inbound:
              - {to: title, value: Lead, when: {path: properties.lead, equals: "true"}}
              - to: title
                from: properties.jobtitle
                when: {path: properties.lead, not_equals: "true"}
            """
        )
    )
    run = loaded.mapping.to_canonical
    assert run({"properties": {"lead": "true", "jobtitle": "CTO"}}).value.title == "Lead"
    assert run({"properties": {"lead": "false", "jobtitle": "CTO"}}).value.title == "CTO"


def test_every_problem_of_a_file_is_reported_at_once_in_file_order(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        sync:
          nickname: latest
          company: sometimes
        inbound:
          - {to: given_name, from: properties.firstname, transforms: [nope]}
          - {to: given_name, from: "properties.email[", transforms: [lower]}
          - to: location
            from: properties.phone
            transforms: [{phone_e164: {regio: GB}}]
        outbound:
          - {to: properties.lastname, from: surname}
        """,
    )
    assert problems == [
        "test.yaml:5:3: sync.nickname: the schema has no field 'nickname' here "
        "(known: company, consent, custom, emails, family_name, given_name, links, "
        "location, owner, phones, referrer, relationship_status)",
        "test.yaml:6:12: sync.company: sync policy must be latest, fill_if_empty, never "
        "or {owner: crm|ats}",
        "test.yaml:8:63: inbound.0.transforms.0: unknown transform 'nope'",
        "test.yaml:9:10: inbound.1.to: duplicate target 'given_name': inbound[0] writes "
        "'given_name'",
        "test.yaml:9:28: inbound.1.from: bad path segment 'email['",
        "test.yaml:12:18: inbound.2.transforms.0: transform 'phone_e164' has no parameter "
        "'regio' (parameters: region)",
        "test.yaml:14:37: outbound.0.from: the schema has no field 'surname' here "
        "(known: company, consent, custom, emails, family_name, given_name, links, "
        "location, owner, phones, referrer, relationship_status)",
    ]


def test_unknown_connector_object_type_is_reported(make_mapping):
    with pytest.raises(ConfigError) as caught:
        make_mapping("connector: hubspot\nobject_type: deal\ncanonical: person\n")
    assert [str(p) for p in caught.value.problems] == [
        "test.yaml:2:14: object_type: connector 'hubspot' has no object type 'deal' "
        "(it has: contact)"
    ]


def test_unknown_value_table_is_reported(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - {to: title, from: properties.jobtitle, transforms: [{map: titles}]}
        """,
    )
    assert problems == [
        "test.yaml:5:57: inbound.0.transforms.0: unknown value table 'titles' "
        "(tables: none defined)"
    ]


def test_malformed_rules_do_not_hide_problems_in_other_rules(make_mapping):
    problems = problems_of(
        make_mapping,
        """\
        inbound:
          - just a string
          - to: emails[]
            from: properties.email
            fields:
              address: {form: .}
          - {to: given_name, from: properties.firstname, transforms: [lowr]}
        """,
    )
    assert problems == [
        "test.yaml:5:5: inbound.0: input should be a valid dictionary or instance of Rule",
        "test.yaml:9:17: inbound.1.fields.address.form: unknown key 'form' (did you mean 'from'?)",
        "test.yaml:10:63: inbound.2.transforms.0: unknown transform 'lowr' (did you mean 'lower'?)",
    ]
