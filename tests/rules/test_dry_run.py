"""``hub rules dry-run``: recorded events replayed through the rules, nothing written."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hub.cli.rules import app

from .conftest import DEFAULT_RULES

runner = CliRunner()

JOB = {
    "id": "j1",
    "name": "Backend Engineer",
    "stages": [
        {"id": "s0", "name": "Application Review", "order": 0},
        {"id": "s1", "name": "Phone Interview", "order": 1},
        {"id": "s2", "name": "Face to Face", "order": 2},
    ],
}
EVENTS = [
    {
        "object_type": "application",
        "external_id": "a1",
        "kind": "created",
        "occurred_at": "2026-11-02T10:00:00Z",
        "person": {"given_name": "Ada", "relationship_status": "nurture"},
        "application": {"id": "a1", "person_id": "c1", "job_name": "Backend Engineer"},
        "crm": {"lifecyclestage": "lead"},
    },
    {
        "object_type": "application",
        "external_id": "a1",
        "kind": "rejected",
        "occurred_at": "2026-11-20T10:00:00Z",
        "person": {"given_name": "Ada", "relationship_status": "interviewing"},
        "application": {"id": "a1", "person_id": "c1", "stage_id": "s2", "status": "rejected"},
        "job": JOB,
        "crm": {"lifecyclestage": "opportunity"},
    },
    {
        "object_type": "contact",
        "external_id": "501",
        "kind": "updated",
        "property_name": "hub_ready_for_ats",
        "occurred_at": "2026-11-21T10:00:00Z",
        "person": {"given_name": "Grace", "referrer": "Alan Turing"},
        "crm": {"hub_ready_for_ats": "true"},
    },
    {
        "object_type": "candidate",
        "external_id": "c9",
        "kind": "deleted",
        "occurred_at": "2026-11-21T11:00:00Z",
        "trigger": "person_merged",
    },
]


def write_events(tmp_path, records, extra_lines=()):
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_dry_run_prints_what_each_rule_would_do_and_writes_nothing(tmp_path):
    path = write_events(tmp_path, EVENTS)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, ["dry-run", "--events", str(path), "--rules", str(DEFAULT_RULES)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{path}:1: application a1 application_created:" in out
    assert "fired 'prospect applies': matched" in out
    assert "-> set_status applicant" in out
    assert f"{path}:2: application a1 application_rejected:" in out
    assert "if stage_at_least 'Face to Face' (actual: 'Face to Face')" in out
    assert "-> set_crm {'lifecyclestage': 'lead'} (clear first)" in out
    assert "fired 'ready for the ATS'" in out
    assert "create_prospect" in out
    assert f"{path}:4: candidate c9 person_merged: no rule matched" in out
    assert out.strip().endswith("4 events, 3 rule firings (dry run: nothing written)")
    assert "Ada" not in out
    assert "Alan Turing" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_dry_run_reports_every_bad_line_with_its_number(tmp_path):
    path = write_events(
        tmp_path,
        [EVENTS[0], {"object_type": "application", "external_id": "a1", "kind": "created"}],
        extra_lines=[
            "{not json",
            '{"object_type": "x", "external_id": "1", "kind": "updated", '
            '"occurred_at": "2026-11-02T10:00:00Z"}',
        ],
    )
    result = runner.invoke(app, ["dry-run", "--events", str(path), "--rules", str(DEFAULT_RULES)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{path}:2:1: occurred_at: required key is missing",
        f"{path}:3:2: not valid JSON: Expecting property name enclosed in double quotes",
        f"{path}:4:1: no trigger for a 'updated' 'x' event",
    ]


def test_dry_run_with_a_broken_rules_file_exits_2(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: r\n")
    events = write_events(tmp_path, EVENTS[:1])
    result = runner.invoke(app, ["dry-run", "--events", str(events), "--rules", str(rules)])
    assert result.exit_code == 2
    assert f"{rules}:2:5: rules.0.when: required key is missing" in result.output
