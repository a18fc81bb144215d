"""Each validation error of a rules file, located at an exact line and column."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from hub.cli.rules import app
from hub.errors import ConfigError
from hub.rules_io import parse_rules

from .conftest import DEFAULT_RULES

runner = CliRunner()


def problems_of(body: str, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_rules(textwrap.dedent(body), file="rules.yaml", **kwargs)
    return [str(p) for p in caught.value.problems]


def test_shipped_rules_pass_the_check():
    result = runner.invoke(app, ["check", str(DEFAULT_RULES)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("OK (16 rules)")


def test_unknown_key_is_located_with_a_suggestion():
    assert problems_of(
        """\
        rules:
          - name: r
            wen: {event: application_created}
            then: [{emit: person.status_changed}]
        """
    ) == [
        "rules.yaml:2:5: rules.0.when: required key is missing",
        "rules.yaml:3:5: rules.0.wen: unknown key 'wen' (did you mean 'when'?)",
    ]


def test_unknown_trigger_is_located_at_its_value():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: aplication_created}
            then: [{emit: person.status_changed}]
        """
    ) == [
        "rules.yaml:3:19: rules.0.when.event: "
        "unknown trigger 'aplication_created' (did you mean 'application_created'?)"
    ]


def test_unknown_action_is_located_at_its_key():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: application_created}
            then:
              - set_stauts: applicant
        """
    ) == [
        "rules.yaml:5:9: rules.0.then.0.set_stauts: unknown key 'set_stauts' "
        "(did you mean 'set_status'?)",
    ]


def test_unknown_key_inside_an_action_suggests_from_that_action():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: contact_created}
            then:
              - create_prospect: {pool: P, referer: x}
        """
    ) == [
        "rules.yaml:5:36: rules.0.then.0.create_prospect.referer: unknown key 'referer' "
        "(did you mean 'referrer'?)"
    ]


def test_unknown_status_is_located_at_its_value():
    (problem,) = problems_of(
        """\
        rules:
          - name: r
            when: {event: application_hired}
            then: [{set_status: hird}]
        """
    )
    assert problem.startswith("rules.yaml:4:25: rules.0.then.0.set_status: input should be")


def test_unknown_stage_is_located_with_a_suggestion():
    assert problems_of(
        """\
        stages: [Application Review, Onsite]
        rules:
          - name: r
            when:
              event: application_rejected
              if:
                any:
                  - {field: person.tags, contains: x}
                  - {stage_at_least: Onsight}
            then: [{set_status: silver_medalist}]
        """
    ) == [
        "rules.yaml:9:30: rules.0.when.if.any.1.stage_at_least: "
        "unknown stage 'Onsight' (did you mean 'Onsite'?)"
    ]


def test_stages_passed_in_are_known_too():
    body = """\
        rules:
          - name: r
            when: {event: application_stage_changed, if: {stage_after: Panel}}
            then: [{set_status: interviewing}]
        """
    assert parse_rules(textwrap.dedent(body), stages=["Panel"]).rules[0].name == "r"
    assert problems_of(body, stages=["Onsite"]) == [
        "rules.yaml:3:64: rules.0.when.if.stage_after: unknown stage 'Panel'"
    ]


def test_unknown_crm_properties_are_located_everywhere_they_appear():
    assert problems_of(
        """\
        crm_properties: [favourite_language]
        rules:
          - name: r
            when:
              event: contact_property_changed
              property: hub_ready_for_atz
              if: {field: crm.lifecycle_stage, equals: lead}
            then:
              - set_crm: {candidate_stauts: x, favourite_language: python}
              - enrol_nurture: {property: hub_nurtur}
        """
    ) == [
        "rules.yaml:6:17: rules.0.when.property: "
        "unknown CRM property 'hub_ready_for_atz' (did you mean 'hub_ready_for_ats'?)",
        "rules.yaml:7:19: rules.0.when.if.field: "
        "unknown CRM property 'lifecycle_stage' (did you mean 'lifecyclestage'?)",
        "rules.yaml:9:19: rules.0.then.0.set_crm.candidate_stauts: "
        "unknown CRM property 'candidate_stauts' (did you mean 'candidate_status'?)",
        "rules.yaml:10:35: rules.0.then.1.enrol_nurture.property: "
        "unknown CRM property 'hub_nurtur' (did you mean 'hub_nurture'?)",
    ]


def test_filter_on_the_wrong_trigger_is_located_at_its_key():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: application_created, property: email}
            then: [{emit: person.status_changed}]
        """
    ) == [
        "rules.yaml:3:40: rules.0.when.property: "
        "'property' only applies to the 'contact_property_changed' trigger"
    ]


def test_rule_shadowed_by_an_unconditional_stop_rule_can_never_fire():
    assert problems_of(
        """\
        rules:
          - name: catch all
            when: {event: application_hired}
            then: [{set_status: hired}]
            stop: true
          - name: never
            when: {event: application_hired, if: {stage_at_least: Offer}}
            then: [{emit: person.status_changed}]
        """
    ) == [
        "rules.yaml:6:11: rules.1.name: rule can never fire: rule 0 ('catch all') has stop: true, "
        "the same trigger and no conditions"
    ]


def test_duplicate_names_and_bad_placeholders_are_reported_together():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: application_created}
            then: [{add_note: "applied to {aplication.job_name}"}]
          - name: r
            when: {event: application_hired}
            then: [{emit: person.status_changed}]
        """
    ) == [
        "rules.yaml:4:23: rules.0.then.0.add_note: "
        "unknown placeholder root 'aplication.job_name' (did you mean 'application'?)",
        "rules.yaml:5:11: rules.1.name: duplicate rule name (rule 0)",
    ]


def test_check_command_prints_every_problem_and_exits_2_without_traceback(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n  - name: r\n    when: {event: nope}\n"
        "    then: [{emit: person.status_changed}]\n    stpo: true\n"
    )
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"{path}:3:19: rules.0.when.event: unknown trigger 'nope'")
    assert lines[1] == f"{path}:5:5: rules.0.stpo: unknown key 'stpo' (did you mean 'stop'?)"
    assert "Traceback" not in result.output


def test_yaml_syntax_error_is_located():
    assert problems_of("rules: [\n") == [
        "rules.yaml:2:1: YAML syntax error: expected the node content, but found '<stream end>'"
    ]


def test_action_with_two_keys_is_refused_at_the_item():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: application_hired}
            then:
              - {set_status: hired, emit: person.status_changed}
        """
    ) == [
        "rules.yaml:5:9: rules.0.then.0: an action is a mapping with exactly one of: set_status, "
        "set_crm, set_ats, add_tags, remove_tags, create_prospect, add_note, enrol_nurture, "
        "stop_nurture, emit"
    ]


def test_tick_rule_needs_an_inactivity_period():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: tick}
            then: [{emit: person.status_changed}]
        """
    ) == ["rules.yaml:3:19: rules.0.when.event: the 'tick' trigger needs 'no_activity_for'"]


def test_unknown_key_inside_a_condition_suggests_condition_keys():
    assert problems_of(
        """\
        rules:
          - name: r
            when:
              event: contact_updated
              if:
                any:
                  - {fild: crm.email, exists: true}
            then: [{emit: person.status_changed}]
        """
    ) == ["rules.yaml:7:14: rules.0.when.if.any.0.fild: unknown key 'fild' (did you mean 'field'?)"]


def test_non_scalar_values_get_one_readable_message_each():
    assert problems_of(
        """\
        rules:
          - name: r
            when: {event: contact_updated, if: {field: crm.jobtitle, gt: [1]}}
            then: [{set_crm: {jobtitle: [a, b]}}]
        """
    ) == [
        "rules.yaml:3:66: rules.0.when.if.gt: expected a number or text to compare with",
        "rules.yaml:4:33: rules.0.then.0.set_crm.jobtitle: "
        "expected a single value (text, number, true/false or null)",
    ]


def test_a_rule_emits_only_the_person_events_of_the_webhook_catalogue():
    text = textwrap.dedent(
        """\
        rules:
          - name: r
            when: {event: application_hired}
            then: [{emit: person.hird}]
        """
    )
    with pytest.raises(ConfigError) as err:
        parse_rules(text, file="rules.yaml")
    message = str(err.value)
    assert "rules.yaml:4:" in message
    assert "unknown event 'person.hird' (did you mean 'person.hired'?)" in message
