"""Running compiled mappings: lists, conditions, templates, field errors, plugin transforms."""

from __future__ import annotations

import textwrap

import pytest

from hub.errors import ConfigError
from hub.mapping.engine import FieldIssue, SyncPolicy
from hub.mapping.transforms import builtin_registry
from hub.models import Email, Person, Phone
from hub.plugins import HubPlugins, get_plugin_manager, hookimpl

CONTACT = """\
connector: hubspot
object_type: contact
canonical: person
"""


@pytest.fixture
def contact_mapping(make_mapping):
    def make(body: str, **kwargs):
        return make_mapping(CONTACT + textwrap.dedent(body), **kwargs).mapping

    return make


def test_lists_collect_every_email_and_phone_from_several_fields(contact_mapping):
    mapping = contact_mapping(
        """\
        inbound:
          - to: emails[]
            from: properties.email
            fields: {address: {transforms: [lower]}, primary: {value: true}}
          - to: emails[]
            from: properties.hs_additional_emails
            transforms: [split]
            fields: {address: {transforms: [strip, lower]}}
          - to: phones[]
            from: properties.mobilephone
            fields: {number: {transforms: [{phone_e164: GB}]}, type: {value: mobile}}
        """
    )
    record = {
        "properties": {
            "email": "Ada@X.com",
            "hs_additional_emails": "b@x.com; C@x.com",
            "mobilephone": "07911 123456",
        }
    }
    result = mapping.to_canonical(record)
    assert result.issues == ()
    assert result.value.emails == (
        Email(address="ada@x.com", primary=True),
        Email(address="b@x.com"),
        Email(address="c@x.com"),
    )
    assert result.value.phones == (Phone(number="+447911123456", type="mobile"),)


def test_a_missing_source_writes_nothing_and_reports_nothing(contact_mapping):
    mapping = contact_mapping(
        """\
        inbound:
          - {to: given_name, from: properties.firstname}
          - to: emails[]
            from: properties.email
            fields: {address: {}, primary: {value: true}}
        """
    )
    result = mapping.to_canonical({"id": "1", "properties": {}})
    assert result.value == Person()
    assert result.issues == ()


def test_bad_values_become_field_issues_naming_the_field_not_the_value(contact_mapping):
    mapping = contact_mapping(
        """\
        inbound:
          - {to: given_name, from: properties.firstname}
          - {to: custom.salary, from: properties.salary, transforms: [to_int]}
          - {to: consent.email_opt_out, from: properties.optout, transforms: [to_bool]}
          - to: emails[]
            from: properties.email
            fields: {address: {}, type: {from: ., transforms: [lower]}}
        """
    )
    record = {
        "properties": {
            "firstname": "Ada",
            "salary": "ada@secret.example",
            "optout": "perhaps",
            "email": "ada@secret.example",
        }
    }
    result = mapping.to_canonical(record)
    assert result.value.given_name == "Ada"
    assert result.value.custom == {}
    # only the bad item field is dropped: the address survives with the default type
    assert result.value.emails == (Email(address="ada@secret.example"),)
    assert [(i.source, i.target) for i in result.issues] == [
        ("properties.salary", "custom.salary"),
        ("properties.optout", "consent.email_opt_out"),
        ("canonical", "emails.0.type"),
    ]
    assert all("secret" not in str(issue) for issue in result.issues)


def test_template_and_condition(contact_mapping):
    mapping = contact_mapping(
        """\
        inbound:
          - {to: title, template: "{properties.jobtitle} at {properties.company}"}
          - {to: tags, value: [vip], when: {path: properties.vip, in: ["true", "yes"]}}
          - {to: source, value: referral, when: {path: properties.referrer, present: true}}
        """
    )
    record = {"properties": {"jobtitle": "CTO", "company": "Acme", "vip": "yes"}}
    person = mapping.to_canonical(record).value
    assert person.title == "CTO at Acme"
    assert person.tags == ("vip",)
    assert person.source is None
    assert mapping.to_canonical({"properties": {"referrer": "Bob"}}).value.source == "referral"


def test_outbound_writes_vendor_payload_with_filters_and_joins(contact_mapping):
    mapping = contact_mapping(
        """\
        outbound:
          - {to: properties.email, from: "emails[primary=true].address"}
          - to: properties.hs_additional_emails
            from: "emails[primary=false].address"
            transforms: [{join: ";"}]
          - {to: properties.hub_nurture, from: custom.nurture, transforms: [to_string]}
          - {to: properties.firstname, from: given_name}
        """
    )
    person = Person(
        emails=(
            Email(address="b@x.com"),
            Email(address="a@x.com", primary=True),
            Email(address="c@x.com"),
        ),
        custom={"nurture": True},
    )
    result = mapping.to_vendor(person)
    assert result.payload == {
        "properties": {
            "email": "a@x.com",
            "hs_additional_emails": "b@x.com;c@x.com",
            "hub_nurture": "true",
        }
    }


def test_sync_policies_are_exposed_per_field_with_parent_fallback(contact_mapping):
    mapping = contact_mapping(
        """\
        sync:
          consent: {owner: crm}
          custom.hub_nurture: fill_if_empty
          title: never
        """
    )
    assert mapping.policies["consent"] == SyncPolicy("owner", "crm")
    assert mapping.policy_for("consent.email_opt_out") == SyncPolicy("owner", "crm")
    assert mapping.policy_for("custom.hub_nurture") == SyncPolicy("fill_if_empty")
    assert mapping.policy_for("title") == SyncPolicy("never")
    assert mapping.policy_for("given_name") == SyncPolicy("latest")


class InitialsPlugin:
    @hookimpl
    def hub_register_transforms(self, registry):
        registry.add(
            "initials",
            lambda value: "".join(w[0] for w in value.split()),
            accepts=(str,),
            returns=str,
        )
        registry.add("explode", _explode, accepts=(str,), returns=str)


def _explode(value: str) -> str:
    raise RuntimeError(f"cannot handle {value}")


@pytest.fixture
def plugins():
    hub = HubPlugins(get_plugin_manager(load_entry_points=False, environ={}))
    hub.register(InitialsPlugin(), name="initials")
    return hub


def test_plugin_transforms_registered_through_the_hook_are_usable(contact_mapping, plugins):
    registry = builtin_registry(plugins.transforms)
    mapping = contact_mapping(
        """\
        inbound:
          - {to: title, from: properties.name, transforms: [strip, initials]}
          - {to: company, from: properties.company, transforms: [explode]}
        """,
        registry=registry,
    )
    result = mapping.to_canonical(
        {"properties": {"name": " Ada Lovelace", "company": "Acme Secret"}}
    )
    assert result.value.title == "AL"
    assert result.issues == (
        FieldIssue("properties.company", "company", "transform 'explode' failed (RuntimeError)"),
    )


def test_a_plugin_cannot_take_a_builtin_name(plugins):
    class Clash:
        @hookimpl
        def hub_register_transforms(self, registry):
            registry.add("lower", str.lower)

    plugins.register(Clash(), name="clash")
    with pytest.raises(ConfigError, match="'lower' is registered twice"):
        builtin_registry(plugins.transforms)


def test_application_mapping_without_required_ids_gives_no_model_but_issues(make_mapping):
    mapping = make_mapping(
        """\
        connector: greenhouse
        object_type: candidate
        canonical: application
        inbound:
          - {to: id, from: id, transforms: [to_string]}
        """,
        vendor_models={},
    ).mapping
    result = mapping.to_canonical({"id": 5})
    assert result.value is None
    assert [i.target for i in result.issues] == ["person_id"]


def test_default_fills_a_missing_or_null_vendor_field(contact_mapping):
    mapping = contact_mapping(
        """\
        inbound:
          - {to: source, from: properties.source, transforms: [strip, {default: unknown}]}
        """
    )
    assert mapping.to_canonical({"properties": {}}).value.source == "unknown"
    assert mapping.to_canonical({"properties": {"source": None}}).value.source == "unknown"
    assert mapping.to_canonical({"properties": {"source": "  "}}).value.source == "unknown"
    assert mapping.to_canonical({"properties": {"source": "Event"}}).value.source == "Event"


def test_a_partial_dump_without_defaults_writes_the_same_as_the_model(shipped):
    mapping = shipped("hubspot.contact.yaml").mapping
    person = Person(
        emails=(Email(address="a@x.com", primary=True), Email(address="b@x.com")),
        phones=(Phone(number="+14155552671"),),
        tags=("python",),
    )
    partial = person.model_dump(mode="json", exclude_defaults=True)
    assert "primary" not in partial["emails"][1]
    assert mapping.to_vendor(partial).payload == mapping.to_vendor(person).payload
    assert mapping.to_vendor(partial).payload["properties"]["hs_additional_emails"] == "b@x.com"
    assert mapping.to_vendor({"tags": ["python"]}).payload == {
        "properties": {"candidate_tags": "python"}
    }
