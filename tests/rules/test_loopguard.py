"""The loop guard: no rule re-triggered by its own writes, no A→B→A flips within a chain."""

from __future__ import annotations

import textwrap

from hub.rules import ChainLink, SetCrmProperties, evaluate
from hub.rules.loopguard import find_flip, value_digest, writes_of
from hub.rules_io import parse_rules

from .conftest import make_ctx, make_event

FLIPPING = parse_rules(
    textwrap.dedent(
        """\
        rules:
          - name: mark nurture
            when: {event: contact_property_changed, property: candidate_status}
            then: [{set_crm: {hub_nurture: "true"}}]
          - name: unmark nurture
            when: {event: contact_property_changed, property: hub_nurture}
            then: [{set_crm: {hub_nurture: "false"}}]
          - name: mark nurture again
            when: {event: contact_property_changed, property: hub_nurture}
            then: [{set_crm: {hub_nurture: "true"}}]
          - name: never reached
            when: {event: contact_property_changed, property: hub_nurture}
            then: [{emit: person.status_changed}]
        """
    )
)


def changed(prop, chain=()):
    event = make_event("contact", "updated", property_name=prop)
    return make_ctx("contact_property_changed", event=event, chain=chain)


def test_a_rule_is_not_re_triggered_by_its_own_write():
    first = evaluate(FLIPPING, changed("candidate_status"))
    assert first.fired == ("mark nurture",)
    # the write comes back from HubSpot as another candidate_status change in the same chain
    again = evaluate(FLIPPING, changed("candidate_status", chain=first.chain))
    assert again.fired == ()
    assert [(d.rule, d.outcome, d.reason) for d in again.decisions] == [
        ("mark nurture", "skipped", "already_fired_in_chain")
    ]


def test_two_rules_flipping_a_value_back_are_stopped_with_loop_detected():
    first = evaluate(FLIPPING, changed("candidate_status"))
    second = evaluate(FLIPPING, changed("hub_nurture", chain=first.chain))
    assert second.loop_detected
    assert [(d.rule, d.outcome, d.reason) for d in second.decisions] == [
        ("unmark nurture", "fired", "matched"),
        ("mark nurture again", "stopped", "loop_detected"),
    ]
    stopped = second.decisions[-1]
    assert stopped.actions == ()
    assert [d.reason for d in stopped.dropped] == ["loop_detected"]
    assert "crm.hub_nurture flips back" in stopped.detail
    assert second.fired == ("unmark nurture",)
    assert "person.flipped" not in str(second)


def test_rewriting_the_same_value_is_not_a_flip():
    chain = (ChainLink(rule="a", writes=(("status", "hired"),)),)
    assert find_flip(chain, [("status", "hired")]) is None
    assert find_flip(chain, [("status", "offer")]) is None


def test_a_b_a_is_a_flip_on_the_same_field_only():
    chain = (
        ChainLink(rule="a", writes=(("status", "nurture"), ("crm.x", "1"))),
        ChainLink(rule="b", writes=(("status", "applicant"),)),
    )
    assert find_flip(chain, [("crm.x", "1")]) is None
    assert find_flip(chain, [("status", "nurture")]) == (
        "status flips back to an earlier value after a -> b"
    )


def test_chain_holds_digests_not_values_and_vendor_text_equals_booleans():
    writes = writes_of([SetCrmProperties(properties={"jobtitle": "Countess", "hub_nurture": True})])
    assert "Countess" not in str(writes)
    assert dict(writes)["crm.hub_nurture"] == value_digest("true")


def test_a_skipped_stop_rule_still_keeps_later_rules_from_acting():
    spec = parse_rules(
        textwrap.dedent(
            """\
            rules:
              - name: offer
                when: {event: application_stage_changed, if: {stage_at_least: Offer}}
                then: [{set_status: offer}]
                stop: true
              - name: fallback
                when: {event: application_stage_changed}
                then: [{set_status: interviewing}]
            """
        )
    )
    first = evaluate(spec, make_ctx("application_stage_changed", stage="Offer"))
    assert first.fired == ("offer",)
    again = make_ctx("application_stage_changed", stage="Offer", chain=first.chain)
    assert [(d.rule, d.outcome) for d in evaluate(spec, again).decisions] == [("offer", "skipped")]
