"""Evaluator semantics on small rule files: ordering, stop, filters, consent, templates, logs."""

from __future__ import annotations

import textwrap

import pytest

from hub.models import Consent, Person
from hub.rules import Nurture, SetCrmProperties, evaluate
from hub.rules_io import parse_rules

from .conftest import make_application, make_ctx, make_event, make_job


def rules(text: str):
    return parse_rules(textwrap.dedent(text))


ORDERED = rules(
    """\
    crm_properties: [stop]
    rules:
      - name: first
        when: {event: application_hired}
        then: [{emit: person.status_changed}]
      - name: second
        when: {event: application_hired, if: {field: crm.stop, equals: true}}
        then: [{emit: person.hired}]
        stop: true
      - name: third
        when: {event: application_hired}
        then: [{emit: person.became_applicant}]
    """
)


@pytest.mark.parametrize(
    ("crm", "fired"),
    [({}, ("first", "third")), ({"stop": "true"}, ("first", "second"))],
    ids=["all-match", "stop-after-second"],
)
def test_every_matching_rule_fires_in_order_until_a_stop_rule_fires(crm, fired):
    assert evaluate(ORDERED, make_ctx("application_hired", crm=crm)).fired == fired


def test_rules_of_other_triggers_do_not_fire():
    assert evaluate(ORDERED, make_ctx("application_rejected")).decisions == ()


def test_property_filter_selects_the_changed_property():
    spec = rules(
        """\
        rules:
          - name: r
            when: {event: contact_property_changed, property: email}
            then: [{emit: person.status_changed}]
        """
    )
    for prop, fired in (("email", ("r",)), ("phone", ())):
        event = make_event("contact", "updated", property_name=prop)
        ctx = make_ctx("contact_property_changed", event=event)
        assert evaluate(spec, ctx).fired == fired


def test_rules_never_loosen_consent_but_may_tighten_it():
    spec = rules(
        """\
        rules:
          - name: r
            when: {event: contact_updated}
            then:
              - set_crm: {hs_email_optout: false, hub_gdpr_consent: true, jobtitle: x}
              - set_crm: {hub_recruiting_opt_out: true, hub_gdpr_consent: false}
        """
    )
    result = evaluate(spec, make_ctx("contact_updated"))
    assert result.actions == (
        SetCrmProperties(properties={"jobtitle": "x"}),
        SetCrmProperties(properties={"hub_recruiting_opt_out": True, "hub_gdpr_consent": False}),
    )
    (dropped,) = result.decisions[0].dropped
    assert dropped.reason == "consent_protected"
    assert dropped.action.properties == {"hs_email_optout": False, "hub_gdpr_consent": True}


def test_nurture_by_list_and_removal_are_allowed_for_opted_out_people():
    spec = rules(
        """\
        rules:
          - name: r
            when: {event: contact_updated}
            then: [{stop_nurture: {list: Talent newsletter}}, {enrol_nurture: {list: Alumni}}]
        """
    )
    person = Person(consent=Consent(marketing_opt_out=True))
    result = evaluate(spec, make_ctx("contact_updated", person=person))
    assert result.actions == (Nurture(kind="stop_nurture", list="Talent newsletter"),)
    assert [d.reason for d in result.decisions[0].dropped] == ["opted_out"]


def test_confidential_jobs_are_evaluated_when_the_setting_is_off():
    spec = rules(
        """\
        settings: {exclude_confidential_jobs: false}
        rules:
          - {name: r, when: {event: application_created}, then: [{emit: person.status_changed}]}
        """
    )
    ctx = make_ctx(
        "application_created", application=make_application(), job=make_job(confidential=True)
    )
    assert evaluate(spec, ctx).fired == ("r",)


def test_decision_log_record_redacts_personal_values():
    spec = rules(
        """\
        rules:
          - name: r
            when:
              event: contact_updated
              if:
                all:
                  - {field: person.family_name, equals: Lovelace}
                  - {field: crm.lifecyclestage, equals: lead}
            then:
              - set_crm: {jobtitle: "{person.title}", candidate_status: nurture}
              - add_note: "About {person.family_name}"
        """
    )
    person = Person(family_name="Lovelace", title="Countess")
    result = evaluate(
        spec, make_ctx("contact_updated", person=person, crm={"lifecyclestage": "lead"})
    )
    (decision,) = result.decisions
    record = decision.log_record()
    assert [m["actual"] for m in record["matched"]] == ["<redacted>", "lead"]
    assert (
        record["actions"][0] == "set_crm {'jobtitle': '<redacted>', 'candidate_status': 'nurture'}"
    )
    assert record["actions"][1] == "add_note (14 characters)"
    text = str(result) + repr(result) + str(record)
    assert "Lovelace" not in text
    assert "Countess" not in text
    # the sync engine still gets the real values to write
    assert result.actions[0].properties["jobtitle"] == "Countess"
