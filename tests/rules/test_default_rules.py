"""The shipped lifecycle (mappings/rules.yaml), rule by rule, on constructed contexts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.models import Consent, Person
from hub.rules import (
    AddNote,
    ChangeTags,
    CreateProspect,
    EmitEvent,
    Nurture,
    SetCrmProperties,
    SetStatus,
    evaluate,
)

from .conftest import NOW, make_application, make_ctx, make_event, make_job


def status_of(evaluation):
    found = [a.status for a in evaluation.actions if isinstance(a, SetStatus)]
    return found[-1].value if found else None


def crm_writes(evaluation):
    merged: dict = {}
    for action in evaluation.actions:
        if isinstance(action, SetCrmProperties):
            merged.update(action.properties)
    return merged


def kinds(evaluation):
    return [a.kind for a in evaluation.actions]


def test_any_application_makes_a_prospect_an_applicant(default_rules):
    ctx = make_ctx("application_created", stage="Application Review")
    result = evaluate(default_rules, ctx)
    assert result.fired == ("prospect applies",)
    assert status_of(result) == "applicant"
    crm = crm_writes(result)
    assert crm["candidate_status"] == "applicant"
    assert crm["last_application_job"] == "Backend Engineer"
    assert Nurture(kind="stop_nurture", property="hub_nurture") in result.actions
    assert (
        EmitEvent(event="person.became_applicant", status="applicant", previous_status="nurture")
        in result.actions
    )


def test_converted_prospect_becomes_an_applicant(default_rules):
    result = evaluate(default_rules, make_ctx("prospect_converted", stage="Application Review"))
    assert status_of(result) == "applicant"


@pytest.mark.parametrize(
    ("stage", "rule", "status"),
    [
        ("Application Review", "record stage", None),
        ("Phone Interview", "interviewing", "interviewing"),
        ("Face to Face", "interviewing", "interviewing"),
        ("Offer", "offer stage", "offer"),
    ],
)
def test_stage_changes_move_through_interviewing_to_offer(default_rules, stage, rule, status):
    person = Person(relationship_status="applicant")
    result = evaluate(
        default_rules, make_ctx("application_stage_changed", stage=stage, person=person)
    )
    assert result.fired == (rule,)
    assert status_of(result) == status
    assert crm_writes(result)["last_application_stage"] == stage


def test_later_interview_stages_only_record_the_stage_once_interviewing(default_rules):
    person = Person(relationship_status="interviewing")
    result = evaluate(
        default_rules, make_ctx("application_stage_changed", stage="Face to Face", person=person)
    )
    assert result.fired == ("record stage",)
    assert kinds(result) == ["set_crm"]


def test_hire_leaves_nurture_opts_out_and_flags_onboarding(default_rules):
    person = Person(relationship_status="offer")
    ctx = make_ctx(
        "application_hired", stage="Offer", person=person, crm={"lifecyclestage": "opportunity"}
    )
    result = evaluate(default_rules, ctx)
    assert status_of(result) == "hired"
    crm = crm_writes(result)
    assert crm["hub_recruiting_opt_out"] is True
    assert crm["hub_onboarding"] is True
    assert crm["lifecyclestage"] == "customer"
    assert "stop_nurture" in kinds(result)
    assert "enrol_nurture" not in kinds(result)


@pytest.mark.parametrize(
    ("application", "ats"),
    [
        (make_application("Face to Face", status="rejected"), {}),
        (make_application("Offer", status="rejected"), {}),
        (
            make_application(
                "Phone Interview", status="rejected", rejection_reason="Position filled"
            ),
            {},
        ),
        (make_application("Phone Interview", status="rejected"), {"tags": ["Silver-Medalist"]}),
    ],
    ids=["reached-onsite", "reached-offer", "configured-reason", "tagged"],
)
def test_strong_rejected_candidate_returns_to_nurture_as_silver_medalist(
    default_rules, application, ats
):
    person = Person(relationship_status="interviewing")
    ctx = make_ctx(
        "application_rejected", person=person, application=application, job=make_job(), ats=ats
    )
    result = evaluate(default_rules, ctx)
    assert result.fired == ("silver medalist",)
    assert status_of(result) == "silver_medalist"
    assert ChangeTags(kind="add_tags", system="ats", tags=("silver-medalist",)) in result.actions
    assert "enrol_nurture" in kinds(result)


def test_early_rejection_is_a_plain_reject_with_the_crm_told(default_rules):
    application = make_application("Phone Interview", status="rejected", rejection_reason="Skills")
    ctx = make_ctx("application_rejected", application=application, job=make_job())
    result = evaluate(default_rules, ctx)
    assert result.fired == ("rejected",)
    assert status_of(result) == "rejected"
    assert crm_writes(result)["candidate_status"] == "rejected"
    assert "enrol_nurture" in kinds(result)


def test_rejection_while_another_application_is_active_only_records_it(default_rules):
    ctx = make_ctx("application_rejected", stage="Face to Face", ats={"active_applications": 1})
    result = evaluate(default_rules, ctx)
    assert result.fired == ("rejected while another application is active",)
    assert status_of(result) is None


def test_withdrawal_sets_withdrawn_and_nurtures(default_rules):
    result = evaluate(default_rules, make_ctx("application_withdrawn", stage="Phone Interview"))
    assert result.fired == ("withdrawn",)
    assert status_of(result) == "withdrawn"
    assert crm_writes(result)["last_application_status"] == "withdrawn"


@pytest.mark.parametrize(
    ("stage", "status"), [("Face to Face", "interviewing"), ("Application Review", "applicant")]
)
def test_unreject_restores_the_active_status_and_stops_nurture(default_rules, stage, status):
    person = Person(relationship_status="silver_medalist")
    result = evaluate(default_rules, make_ctx("application_unrejected", stage=stage, person=person))
    assert status_of(result) == status
    assert ChangeTags(kind="remove_tags", system="crm", tags=("silver-medalist",)) in result.actions
    assert "stop_nurture" in kinds(result)


def test_unhire_goes_back_to_offer_and_clears_onboarding(default_rules):
    person = Person(relationship_status="hired")
    result = evaluate(default_rules, make_ctx("application_unhired", stage="Offer", person=person))
    assert status_of(result) == "offer"
    assert crm_writes(result)["hub_onboarding"] is False


def ready_ctx(**kwargs):
    event = make_event("contact", "updated", external_id="501", property_name="hub_ready_for_ats")
    person = Person(given_name="Grace", referrer="Alan Turing", source="Referral")
    return make_ctx(
        "contact_property_changed",
        event=event,
        person=person,
        crm=kwargs.pop("crm", {"hub_ready_for_ats": "true"}),
        **kwargs,
    )


def test_contact_marked_ready_becomes_a_greenhouse_prospect_keeping_its_referrer(default_rules):
    result = evaluate(default_rules, ready_ctx())
    assert result.fired == ("ready for the ATS",)
    prospect = next(a for a in result.actions if isinstance(a, CreateProspect))
    assert prospect.referrer == "Alan Turing"
    assert prospect.source == "Referral"
    assert prospect.pool == "Talent Community"
    assert any(isinstance(a, AddNote) for a in result.actions)
    assert "Alan Turing" not in str(result)


@pytest.mark.parametrize(
    "crm",
    [{"hub_ready_for_ats": "false"}, {"hub_ready_for_ats": "true", "greenhouse_candidate_id": "9"}],
    ids=["not-ready", "already-in-greenhouse"],
)
def test_contact_not_ready_or_already_linked_creates_no_prospect(default_rules, crm):
    assert evaluate(default_rules, ready_ctx(crm=crm)).fired == ()


def test_contact_added_to_the_ready_list_becomes_a_prospect(default_rules):
    event = make_event("contact", "association_changed", related_ids={"list": "Ready for ATS"})
    ctx = make_ctx("contact_added_to_list", event=event, person=Person(referrer="Alan"))
    result = evaluate(default_rules, ctx)
    assert result.fired == ("added to the ready-for-ATS list",)
    assert any(isinstance(a, CreateProspect) and a.referrer == "Alan" for a in result.actions)


@pytest.mark.parametrize(
    "consent",
    [Consent(marketing_opt_out=True), Consent(email_opt_out=True)],
    ids=["marketing", "email"],
)
def test_opted_out_person_is_never_enrolled_in_nurture(default_rules, consent):
    person = Person(relationship_status="interviewing", consent=consent)
    ctx = make_ctx("application_rejected", stage="Face to Face", person=person)
    result = evaluate(default_rules, ctx)
    assert status_of(result) == "silver_medalist"
    assert "enrol_nurture" not in kinds(result)
    (dropped,) = result.decisions[0].dropped
    assert dropped.reason == "opted_out"
    assert dropped.action.kind == "enrol_nurture"


def test_crm_opt_out_property_also_blocks_nurture(default_rules):
    ctx = make_ctx("application_withdrawn", stage="Face to Face", crm={"hs_email_optout": "true"})
    result = evaluate(default_rules, ctx)
    assert "enrol_nurture" not in kinds(result)
    assert [d.reason for d in result.decisions[0].dropped] == ["opted_out"]


def test_moving_lifecycle_stage_backwards_clears_it_first(default_rules):
    ctx = make_ctx(
        "application_rejected", stage="Face to Face", crm={"lifecyclestage": "opportunity"}
    )
    result = evaluate(default_rules, ctx)
    stage = next(
        a
        for a in result.actions
        if isinstance(a, SetCrmProperties) and "lifecyclestage" in a.properties
    )
    assert stage.properties == {"lifecyclestage": "lead"}
    assert stage.clear_first is True


def test_moving_lifecycle_stage_forwards_sets_it_directly(default_rules):
    ctx = make_ctx(
        "application_created", stage="Application Review", crm={"lifecyclestage": "lead"}
    )
    result = evaluate(default_rules, ctx)
    stage = next(
        a
        for a in result.actions
        if isinstance(a, SetCrmProperties) and "lifecyclestage" in a.properties
    )
    assert stage.clear_first is False


def test_confidential_job_is_excluded(default_rules):
    ctx = make_ctx(
        "application_created", application=make_application(), job=make_job(confidential=True)
    )
    result = evaluate(default_rules, ctx)
    assert result.actions == ()
    assert [(d.outcome, d.reason) for d in result.decisions] == [("excluded", "confidential_job")]


@pytest.mark.parametrize(("idle_days", "fires"), [(181, True), (179, False)])
def test_quiet_past_candidate_is_re_engaged_after_180_days(default_rules, idle_days, fires):
    person = Person(relationship_status="silver_medalist")
    ctx = make_ctx(
        "tick",
        person=person,
        event=make_event("person", "ping", action="tick"),
        last_activity_at=NOW - timedelta(days=idle_days),
    )
    result = evaluate(default_rules, ctx)
    assert (result.fired == ("re-engage quiet past candidates",)) is fires


def test_setting_the_status_a_person_already_has_is_dropped_as_unchanged(default_rules):
    person = Person(relationship_status="applicant")
    result = evaluate(
        default_rules, make_ctx("application_created", stage="Face to Face", person=person)
    )
    assert status_of(result) is None
    assert [d.reason for d in result.decisions[0].dropped] == ["unchanged"]
