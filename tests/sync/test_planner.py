from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.models import Consent, Email, Person
from hub.sync.fields import flatten, unflatten
from hub.sync.planner import (
    Conflict,
    FieldPolicy,
    PolicySet,
    Provenance,
    merge_inbound,
    plan_outbound,
)

T0 = datetime(2026, 11, 27, 12, tzinfo=UTC)
CRM = Provenance("crm", "hubspot", T0)
ATS = Provenance("ats", "greenhouse", T0 + timedelta(minutes=1))


def merge(golden, incoming, source, prov=None, policies=None):
    return merge_inbound(
        golden=golden,
        provenance=prov or {},
        incoming=incoming,
        source=source,
        policies=policies or PolicySet(),
    )


def test_flatten_and_unflatten_round_trip():
    person = Person(
        given_name="Ada",
        emails=(Email(address="ada@x.io", type="work", primary=True),),
        tags=("python",),
        consent=Consent(marketing_opt_out=True),
        custom={"visa": "yes"},
    )
    flat = flatten(person)
    assert flat["consent.marketing_opt_out"] is True
    assert flat["custom.visa"] == "yes"
    assert unflatten(flat) == person


def test_first_value_fills_the_golden_record_with_provenance():
    result = merge({}, {"title": "Engineer"}, CRM)
    assert result.fields == {"title": "Engineer"}
    assert result.provenance["title"] == CRM
    assert result.changed == ("title",)
    assert result.conflicts == ()


@pytest.mark.parametrize(
    ("policy", "source", "expected", "conflict"),
    [
        (FieldPolicy("latest"), ATS, "ATS title", Conflict("title", "ats", "crm", "latest")),
        (FieldPolicy("owner", "crm"), ATS, "CRM title", Conflict("title", "crm", "ats", "owner")),
        (FieldPolicy("owner", "ats"), ATS, "ATS title", Conflict("title", "ats", "crm", "owner")),
        (
            FieldPolicy("fill_if_empty"),
            ATS,
            "CRM title",
            Conflict("title", "crm", "ats", "fill_if_empty"),
        ),
        (FieldPolicy("never"), ATS, "CRM title", None),
    ],
)
def test_field_policies_decide_conflicts(policy, source, expected, conflict):
    policies = PolicySet({"title": policy})
    result = merge({"title": "CRM title"}, {"title": "ATS title"}, source, {"title": CRM}, policies)
    assert result.fields["title"] == expected
    assert result.conflicts == ((conflict,) if conflict else ())


def test_latest_keeps_the_newer_value_when_an_older_change_arrives_late():
    stale = Provenance("crm", "hubspot", T0 - timedelta(hours=1))
    result = merge({"title": "new"}, {"title": "old"}, stale, {"title": ATS})
    assert result.fields["title"] == "new"
    assert result.conflicts == (Conflict("title", "ats", "crm", "latest"),)


def test_same_system_changing_its_own_value_is_not_a_conflict():
    later = Provenance("crm", "hubspot", T0 + timedelta(hours=1))
    result = merge({"title": "a"}, {"title": "b"}, later, {"title": CRM})
    assert result.fields["title"] == "b"
    assert result.conflicts == ()


def test_empty_incoming_values_never_erase():
    assert merge({"title": "a"}, {"title": "  "}, ATS).fields == {"title": "a"}


def test_multi_valued_fields_are_unioned_newest_first():
    result = merge({"tags": ("a", "b")}, {"tags": ("b", "c")}, ATS, {"tags": CRM})
    assert result.fields["tags"] == ("b", "c", "a")
    stale = Provenance("crm", "hubspot", T0 - timedelta(hours=1))
    older = merge({"tags": ("a",)}, {"tags": ("c",)}, stale, {"tags": ATS})
    assert older.fields["tags"] == ("a", "c")


def test_emails_are_the_same_by_address_whatever_their_type():
    crm_email = (("address", "ada@x.io"), ("primary", True), ("type", "other"))
    ats_email = (("address", "ADA@x.io"), ("primary", False), ("type", "personal"))
    work = (("address", "ada@work.io"), ("primary", False), ("type", "work"))
    result = merge({"emails": (crm_email,)}, {"emails": (ats_email, work)}, ATS, {"emails": CRM})
    assert [dict(e)["address"] for e in result.fields["emails"]] == ["ADA@x.io", "ada@work.io"]
    plan = plan_outbound(
        golden=result.fields,
        target={"emails": (crm_email,)},
        target_system="crm",
        policies=PolicySet(),
    )
    assert [dict(e)["address"] for e in plan["emails"]] == ["ADA@x.io", "ada@work.io"]


def test_strictest_consent_wins_whoever_is_newer():
    opted_out = merge(
        {"consent.marketing_opt_out": True}, {"consent.marketing_opt_out": False}, ATS
    )
    assert opted_out.fields["consent.marketing_opt_out"] is True
    withdrawn = merge({"consent.gdpr_consent": True}, {"consent.gdpr_consent": False}, ATS)
    assert withdrawn.fields["consent.gdpr_consent"] is False


def test_outbound_plans_only_what_the_target_lacks_and_respects_the_owner():
    golden = {"title": "Engineer", "company": "Acme", "tags": ("a", "b"), "source": "x"}
    target = {"title": "Eng", "company": "Acme", "tags": ("a",), "source": "theirs"}
    policies = PolicySet({"source": FieldPolicy("owner", "crm"), "title": FieldPolicy("latest")})
    plan = plan_outbound(golden=golden, target=target, target_system="crm", policies=policies)
    assert plan == {"title": "Engineer", "tags": ("a", "b")}
    limited = plan_outbound(
        golden=golden, target=target, target_system="crm", policies=policies, writable={"tags"}
    )
    assert limited == {"tags": ("a", "b")}


values = st.one_of(st.none(), st.text(max_size=3), st.tuples(st.sampled_from("abc")))
field_maps = st.dictionaries(st.sampled_from(["title", "company", "tags", "source"]), values)
policy_sets = st.dictionaries(
    st.sampled_from(["title", "company", "tags", "source"]),
    st.sampled_from(
        [
            FieldPolicy("latest"),
            FieldPolicy("owner", "crm"),
            FieldPolicy("owner", "ats"),
            FieldPolicy("fill_if_empty"),
            FieldPolicy("union"),
        ]
    ),
)


@given(field_maps, field_maps, field_maps, policy_sets)
def test_sync_converges_and_a_second_pass_writes_nothing(crm, ats, golden, raw_policies):
    # tags only ever hold tuples in real data
    crm, ats, golden = (
        {k: v for k, v in m.items() if (k == "tags") == isinstance(v, tuple)}
        for m in (crm, ats, golden)
    )
    policies = PolicySet(raw_policies)
    state = merge(golden, crm, CRM, policies=policies)
    state = merge(state.fields, ats, ATS, state.provenance, policies)
    for target, system in ((crm, "crm"), (ats, "ats")):
        plan = plan_outbound(
            golden=state.fields, target=target, target_system=system, policies=policies
        )
        target.update(plan)
        again = plan_outbound(
            golden=state.fields, target=target, target_system=system, policies=policies
        )
        assert again == {}
    # reading both systems back after the writes changes nothing in the golden record (no echo)
    for target, source in ((crm, CRM), (ats, ATS)):
        echo = merge(state.fields, target, source, state.provenance, policies)
        assert echo.changed == ()


def test_owner_values_from_two_records_of_the_owner_keep_the_newest_in_any_order():
    policies = PolicySet({"custom.gh_id": FieldPolicy("owner", "ats")})
    old = Provenance("ats", "greenhouse", T0)
    new = Provenance("ats", "greenhouse", T0 + timedelta(minutes=5))
    forward = merge({}, {"custom.gh_id": "1"}, old, policies=policies)
    forward = merge(forward.fields, {"custom.gh_id": "2"}, new, forward.provenance, policies)
    backward = merge({}, {"custom.gh_id": "2"}, new, policies=policies)
    backward = merge(backward.fields, {"custom.gh_id": "1"}, old, backward.provenance, policies)
    assert forward.fields == backward.fields == {"custom.gh_id": "2"}
