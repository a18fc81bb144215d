"""The shipped transition rules end to end: a recruiter acts in Greenhouse, a marketer in HubSpot.

Both emulators run over real HTTP; every sync is a recorded run (``run_pair``), so the first is
the pair's backfill and later ones send outbound events. Each scenario checks the other system's
state through its public API and the hub's decision log.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hub.config import HubConfig
from hub.plugins import HubPlugins
from hub.store.rule_tables import RuleAction, RuleDecision
from hub.store.tables import Link, Person
from hub.store.webhook_tables import WebhookMessage
from hub.sync.service import run_pair
from hub.testing.server import serve_app
from hub.webhooks.subscriptions import create_subscription

from .worlds import HS_TOKEN, sandbox

RULES = str(Path(__file__).parents[2] / "mappings" / "rules.yaml")
CRM_PROPS = [
    "candidate_status",
    "hub_nurture",
    "candidate_tags",
    "lifecyclestage",
    "hub_onboarding",
    "hub_recruiting_opt_out",
    "last_application_status",
    "last_application_stage",
    "greenhouse_candidate_id",
]


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def world(database_url) -> Iterator[dict[str, Any]]:
    with sandbox(database_url, rules=True) as found:
        config, plugins, engine, sessions = (
            found["config"],
            found["plugins"],
            found["engine"],
            found["sessions"],
        )
        with sessions.begin() as session:  # a subscriber to every event, so the outbox keeps them
            create_subscription(
                session, "http://127.0.0.1:9/hook", ["*"], now=_now(), require_https=False
            )

        def sync(now: Any = _now) -> Any:
            return run_pair(
                "main",
                config=config,
                plugins=plugins,
                engine=engine,
                sessions=sessions,
                now=now,
                lock_wait=30.0,  # a killed process's PostgreSQL session ends a moment later
            )

        yield {
            **found,
            "sync": sync,
            "gh_state": found["gh_app"].state.emulator.state,
            "hs_state": found["hs_app"].state.emulator,
        }


def crm_contact(world: dict[str, Any], contact_id: str) -> dict[str, Any]:
    """A HubSpot contact's properties, read through the public API."""
    answer = httpx.post(
        f"{world['hs']}/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": contact_id}], "properties": CRM_PROPS},
        headers={"Authorization": f"Bearer {HS_TOKEN}"},
    )
    answer.raise_for_status()
    properties: dict[str, Any] = answer.json()["results"][0]["properties"]
    return properties


def gh(world: dict[str, Any], path: str, body: dict[str, Any] | None = None) -> None:
    answer = httpx.post(f"{world['gh']}/_emulator/{path}", json=body or {})
    assert answer.status_code < 400, answer.text


def links(world: dict[str, Any], connection: str) -> dict[str, str]:
    """External id → person id of one connection's links."""
    with world["sessions"]() as session:
        return dict(
            session.execute(
                select(Link.external_id, Link.person_id).where(Link.connection == connection)
            ).all()
        )


def contact_of(world: dict[str, Any], candidate_id: str) -> str:
    person = links(world, "greenhouse")[candidate_id]
    by_person = {p: c for c, p in links(world, "hubspot").items()}
    return by_person[person]


def fired(world: dict[str, Any]) -> list[tuple[str, str]]:
    """``(rule, trigger)`` of every fired decision, oldest first."""
    with world["sessions"]() as session:
        rows = session.execute(
            select(RuleDecision.rule, RuleDecision.trigger)
            .where(RuleDecision.outcome == "fired")
            .order_by(RuleDecision.id)
        )
        return [(rule, trigger) for rule, trigger in rows]


def event_types(world: dict[str, Any]) -> list[str]:
    with world["sessions"]() as session:
        return list(session.scalars(select(WebhookMessage.event_type)))


def apply_to_a_job(world: dict[str, Any]) -> dict[str, Any]:
    """A linked candidate with no open or hired application applies to a job; the application."""
    state = world["gh_state"]
    linked = links(world, "greenhouse")
    busy = {
        a["candidate_id"]
        for a in state.tables["applications"].values()
        if a["status"] == "hired" or (a["status"] == "active" and not a["prospect"])
    }
    candidate_id = next(int(c) for c in sorted(linked) if int(c) not in busy)
    job_id = next(iter(state.tables["jobs"]))
    answer = httpx.post(
        f"{world['gh']}/_emulator/candidates/{candidate_id}/applications", json={"job_id": job_id}
    )
    assert answer.status_code == 201, answer.text
    return dict(state.tables["applications"][answer.json()["id"]])


def stages_of(world: dict[str, Any], app: dict[str, Any]) -> list[dict[str, Any]]:
    state = world["gh_state"]
    return sorted(
        (s for s in state.tables["job_interview_stages"].values() if s["job_id"] in app["job_ids"]),
        key=lambda s: s["sort_order"],
    )


def test_backfill_brings_the_crm_to_the_ats_history_without_sending_events(world):
    world["sync"]()
    state = world["gh_state"]
    hired = next(a for a in state.tables["applications"].values() if a["status"] == "hired")
    contact = crm_contact(world, contact_of(world, str(hired["candidate_id"])))
    assert contact["candidate_status"] == "hired"
    assert contact["hub_onboarding"] == "true"
    assert contact["hub_recruiting_opt_out"] == "true"
    assert contact["lifecyclestage"] == "customer"
    assert ("hired", "application_hired") in fired(world)
    assert not [t for t in event_types(world) if t.startswith(("person.", "application."))]

    before = len(fired(world))
    report = world["sync"]()
    assert len(fired(world)) == before, "a sync with no vendor change fires no rule"
    assert not {k: v for k, v in report.counts.items() if k.endswith(".rule_writes") and v}


def test_a_person_applies_and_a_recruiter_moves_rejects_unrejects_and_hires_and_the_crm_follows(
    world,
):
    sync = world["sync"]
    sync()
    app = apply_to_a_job(world)
    candidate_id = str(app["candidate_id"])
    contact_id = contact_of(world, candidate_id)
    sync()
    contact = crm_contact(world, contact_id)
    assert contact["candidate_status"] == "applicant"
    assert contact["hub_nurture"] == "false"
    assert contact["lifecyclestage"] == "opportunity"
    assert fired(world)[-1] == ("prospect applies", "application_created")
    assert {"person.became_applicant", "application.created"} <= set(event_types(world))

    onsite = next(s for s in stages_of(world, app) if s["name"] == "Face to Face")

    gh(world, f"applications/{app['id']}/move", {"to_stage_id": onsite["id"]})
    sync()
    contact = crm_contact(world, contact_id)
    assert contact["candidate_status"] == "interviewing"
    assert contact["last_application_stage"] == "Face to Face"
    assert fired(world)[-1] == ("interviewing", "application_stage_changed")
    assert "person.status_changed" in event_types(world)
    assert "application.stage_changed" in event_types(world)

    gh(world, f"applications/{app['id']}/reject")
    sync()
    contact = crm_contact(world, contact_id)
    assert contact["candidate_status"] == "silver_medalist"
    assert contact["hub_nurture"] == "true"
    # backwards from opportunity: HubSpot takes it only when cleared first, which the hub does
    assert contact["lifecyclestage"] == "lead"
    assert "silver-medalist" in contact["candidate_tags"].split(";")
    assert "silver-medalist" in world["gh_state"].tables["candidates"][int(candidate_id)]["tags"]
    assert fired(world)[-1] == ("silver medalist", "application_rejected")
    assert "person.returned_to_nurture" in event_types(world)

    gh(world, f"applications/{app['id']}/unreject")
    sync()
    contact = crm_contact(world, contact_id)
    assert contact["candidate_status"] == "interviewing"
    assert contact["hub_nurture"] == "false"
    assert "silver-medalist" not in (contact["candidate_tags"] or "").split(";")
    tags = world["gh_state"].tables["candidates"][int(candidate_id)]["tags"]
    assert "silver-medalist" not in tags
    assert fired(world)[-1] == ("unrejected while interviewing", "application_unrejected")

    gh(world, f"applications/{app['id']}/hire")
    sync()
    contact = crm_contact(world, contact_id)
    assert contact["candidate_status"] == "hired"
    assert contact["lifecyclestage"] == "customer"
    assert contact["hub_onboarding"] == "true"
    assert "person.hired" in event_types(world)

    before = len(fired(world))
    sync()
    assert len(fired(world)) == before, "the hub's own writes never trigger a rule"


def test_a_marketer_marks_a_contact_ready_and_greenhouse_shows_the_prospect(world):
    sync = world["sync"]
    sync()
    state = world["gh_state"]
    linked_people = set(links(world, "greenhouse").values())
    crm_only = [c for c, p in links(world, "hubspot").items() if p not in linked_people]
    assert crm_only, "the seed has contacts that are not in Greenhouse"
    contact_id = crm_only[0]
    edited = httpx.patch(
        f"{world['hs']}/_emulator/contacts/{contact_id}",
        json={"properties": {"candidate_referrer": "Grace Hopper"}},
    )
    assert edited.status_code == 200, edited.text
    sync()
    candidates_before = len(state.tables["candidates"])

    marked = httpx.post(f"{world['hs']}/_emulator/contacts/{contact_id}/ready_for_ats")
    assert marked.status_code == 200, marked.text
    sync()

    assert len(state.tables["candidates"]) == candidates_before + 1
    person = links(world, "hubspot")[contact_id]
    new_ids = [c for c, p in links(world, "greenhouse").items() if p == person]
    assert len(new_ids) == 1, "the prospect is linked to the contact's person"
    candidate_id = int(new_ids[0])
    apps = [a for a in state.tables["applications"].values() if a["candidate_id"] == candidate_id]
    assert len(apps) == 1
    assert apps[0]["prospect"]
    pool = next(
        p for p in state.tables["prospect_pools"].values() if p["name"] == "Talent Community"
    )
    assert apps[0]["prospect_pool_id"] == pool["id"]
    stage = next(s for s in pool["prospect_stages"] if s["name"] == "Reached Out")
    assert apps[0]["prospect_stage_id"] == stage["id"]
    assert apps[0]["referrer"] == {"type": "outside", "value": "Grace Hopper"}
    notes = [n for n in state.tables["notes"].values() if n["candidate_id"] == candidate_id]
    assert [n["body"] for n in notes] == [
        "Created from the CRM by the hub (rule: ready for the ATS)."
    ]
    assert fired(world)[-1] == ("ready for the ATS", "contact_property_changed")

    sync()
    sync()
    assert len(state.tables["candidates"]) == candidates_before + 1, "no second prospect"
    assert crm_contact(world, contact_id)["greenhouse_candidate_id"] == str(candidate_id)
    with world["sessions"]() as session:
        open_actions = session.scalar(
            select(func.count()).select_from(RuleAction).where(RuleAction.status == "pending")
        )
    assert open_actions == 0


def test_quiet_past_candidates_are_re_engaged_by_the_daily_tick(world):
    world["sync"]()
    with world["sessions"]() as session:
        past = dict(
            session.execute(
                select(Person.id, Person.status).where(
                    Person.status.in_(("rejected", "silver_medalist", "withdrawn"))
                )
            ).all()
        )
    assert past, "the seed has rejected candidates"
    later = datetime.now(UTC) + timedelta(days=181)
    world["sync"](lambda: later)
    ticked = [r for r, t in fired(world) if t == "tick"]
    assert ticked == ["re-engage quiet past candidates"] * len(past)
    by_person = {p: c for c, p in links(world, "hubspot").items()}
    person = next(p for p in sorted(past) if p in by_person)
    contact = crm_contact(world, by_person[person])
    assert contact["candidate_status"] == "nurture"
    assert contact["hub_nurture"] == "true"

    world["sync"](lambda: later + timedelta(hours=1))
    assert [t for _, t in fired(world)].count("tick") == len(past), "one tick a day"


def test_the_dry_run_replays_an_event_against_the_hub_state_and_writes_nothing(world, tmp_path):
    import json

    from typer.testing import CliRunner

    from hub.cli.app import app as cli

    world["sync"]()
    app = apply_to_a_job(world)
    world["sync"]()
    config = tmp_path / "hub.yaml"
    config.write_text(json.dumps(world["config"].model_dump(mode="json", exclude={"source"})))
    events = tmp_path / "events.jsonl"
    event = {
        "object_type": "application",
        "external_id": str(app["id"]),
        "kind": "rejected",
        "occurred_at": "2026-11-27T10:00:00Z",
    }
    events.write_text(json.dumps(event) + "\n")
    with world["sessions"]() as session:
        person = session.get(Person, links(world, "greenhouse")[str(app["candidate_id"])])
        assert person is not None
        tagged = "silver-medalist" in (person.data.get("tags") or [])
    decisions = len(fired(world))
    args = ["-c", str(config), "rules", "dry-run", "--events", str(events), "--rules", RULES]
    with_hub = CliRunner().invoke(cli, args)
    assert with_hub.exit_code == 0, with_hub.output
    # the person, their tags and open applications come from the store
    expected = "silver medalist" if tagged else "rejected"
    assert f"fired '{expected}': matched" in with_hub.output
    assert "set_status" in with_hub.output
    recorded_only = CliRunner().invoke(cli, [*args, "--no-hub"])
    assert recorded_only.exit_code == 0, recorded_only.output
    assert "fired 'rejected': matched" in recorded_only.output  # nothing known of the person
    assert len(fired(world)) == decisions, "a dry run writes nothing"


def test_a_sync_killed_between_creating_the_prospect_and_recording_it_creates_it_once(
    world, tmp_path
):
    import json
    import os
    import signal
    import subprocess
    import sys

    sync = world["sync"]
    sync()
    state = world["gh_state"]
    linked_people = set(links(world, "greenhouse").values())
    contact_id = next(c for c, p in links(world, "hubspot").items() if p not in linked_people)
    marked = httpx.post(f"{world['hs']}/_emulator/contacts/{contact_id}/ready_for_ats")
    assert marked.status_code == 200, marked.text
    candidates_before = len(state.tables["candidates"])
    config = tmp_path / "hub.yaml"
    config.write_text(json.dumps(world["config"].model_dump(mode="json", exclude={"source"})))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_FAILPOINTS"] = "rules.after_vendor_write"
    crashed = subprocess.run(
        [sys.executable, "-c", "from hub.cli import main; main()", "-c", str(config), "sync"],
        cwd=Path(__file__).parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert len(state.tables["candidates"]) == candidates_before + 1  # created, never recorded

    sync()
    sync()
    assert len(state.tables["candidates"]) == candidates_before + 1, "created once"
    person = links(world, "hubspot")[contact_id]
    new_ids = [int(c) for c, p in links(world, "greenhouse").items() if p == person]
    assert len(new_ids) == 1
    notes = [n for n in state.tables["notes"].values() if n["candidate_id"] == new_ids[0]]
    assert len(notes) == 1
    with world["sessions"]() as session:
        statuses = dict(
            session.execute(
                select(RuleAction.kind, RuleAction.status).where(RuleAction.person_id == person)
            ).all()
        )
    assert statuses["create_prospect"] == "skipped"  # the rerun found it made and linked it
    assert statuses["add_note"] == "done"


def test_offer_hire_unhire_a_plain_rejection_and_a_withdrawal_reach_the_crm(world):
    sync = world["sync"]
    sync()
    state = world["gh_state"]
    reasons = {r["name"]: r["id"] for r in state.tables["rejection_reasons"].values()}

    first = apply_to_a_job(world)
    second = apply_to_a_job(world)
    third = apply_to_a_job(world)
    sync()
    offer = next(s for s in stages_of(world, first) if s["name"] == "Offer")
    gh(world, f"applications/{first['id']}/move", {"to_stage_id": offer["id"]})
    gh(
        world,
        f"applications/{second['id']}/reject",
        {"rejection_reason_id": reasons["Unresponsive"]},
    )
    gh(
        world,
        f"applications/{third['id']}/reject",
        {"rejection_reason_id": reasons["Not interested"]},
    )
    sync()
    contacts = {
        n: contact_of(world, str(app["candidate_id"]))
        for n, app in (("first", first), ("second", second), ("third", third))
    }
    assert crm_contact(world, contacts["first"])["candidate_status"] == "offer"
    assert crm_contact(world, contacts["second"])["candidate_status"] == "rejected"
    withdrawn = crm_contact(world, contacts["third"])
    assert withdrawn["candidate_status"] == "withdrawn"
    assert withdrawn["last_application_status"] == "withdrawn"
    rules = {rule for rule, _ in fired(world)}
    assert {"offer stage", "rejected", "withdrawn"} <= rules

    gh(world, f"applications/{first['id']}/hire")
    sync()
    assert crm_contact(world, contacts["first"])["candidate_status"] == "hired"
    gh(world, f"applications/{first['id']}/unhire")
    sync()
    unhired = crm_contact(world, contacts["first"])
    assert unhired["candidate_status"] == "offer"
    assert unhired["hub_onboarding"] == "false"
    assert fired(world)[-1] == ("unhired", "application_unhired")


def test_a_persons_links_fields_and_rule_timeline_from_the_cli_and_the_api(world, tmp_path):
    import json

    from typer.testing import CliRunner

    from hub.api import create_app
    from hub.cli.app import app as cli

    world["sync"]()
    app = apply_to_a_job(world)
    world["sync"]()
    person_id = links(world, "greenhouse")[str(app["candidate_id"])]
    candidate = world["gh_state"].tables["candidates"][app["candidate_id"]]
    email = candidate["email_addresses"][0]["value"]

    raw = world["config"].model_dump(mode="json", exclude={"source"})
    config = tmp_path / "hub.yaml"
    config.write_text(json.dumps(raw))
    shown = CliRunner().invoke(cli, ["-c", str(config), "persons", "show", email.upper()])
    assert shown.exit_code == 0, shown.output
    assert person_id in shown.output
    assert "prospect applies" in shown.output
    assert "set_status: done" in shown.output
    as_json = CliRunner().invoke(cli, ["-c", str(config), "persons", "show", person_id, "--json"])
    view = json.loads(as_json.output)
    assert {link["connection"] for link in view["links"]} == {"greenhouse", "hubspot"}
    assert view["timeline"][-1]["rule"] == "prospect applies"
    nobody = CliRunner().invoke(cli, ["-c", str(config), "persons", "show", "no@one.example"])
    assert nobody.exit_code == 1
    assert "no person found" in nobody.output

    token = "admin-token-for-persons"
    service = create_app(
        HubConfig.model_validate(
            {**world["config"].model_dump(), "api": {"admin_tokens": [token]}}
        ),
        plugins=HubPlugins.load(environ={}),
    )
    with serve_app(service) as url, httpx.Client(base_url=url) as http:
        assert http.get(f"/api/v1/persons/{person_id}").status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        found = http.get("/api/v1/persons/lookup", params={"email": email}, headers=auth)
        assert found.status_code == 200, found.text
        assert found.json()["id"] == person_id
        assert found.json()["timeline"][-1]["results"][0] == {
            "kind": "set_status",
            "status": "done",
            "result": "status applicant",
        }
        missing = http.get("/api/v1/persons/nope", headers=auth)
        assert missing.status_code == 404
        assert "error" in missing.json()


def test_a_contact_added_to_the_ready_list_becomes_a_prospect_and_lists_carry_nurture(world):
    sync = world["sync"]
    sync()
    state = world["gh_state"]
    lists = world["hs_state"].lists
    linked_people = set(links(world, "greenhouse").values())
    contact_id = next(c for c, p in links(world, "hubspot").items() if p not in linked_people)
    candidates_before = len(state.tables["candidates"])
    added = httpx.post(f"{world['hs']}/_emulator/lists/Ready for ATS/members/{contact_id}")
    assert added.status_code == 200, added.text
    sync()
    assert len(state.tables["candidates"]) == candidates_before + 1
    assert ("added to the ready-for-ATS list", "contact_added_to_list") in fired(world)
    sync()
    assert len(state.tables["candidates"]) == candidates_before + 1, "a list is read once"

    # nurture by list membership: the action a rule with `enrol_nurture: {list: …}` leaves
    person = links(world, "hubspot")[contact_id]
    nurture = lists.by_name("Recruiting nurture")
    for kind in ("enrol_nurture", "stop_nurture"):
        with world["sessions"].begin() as session:
            decision = RuleDecision(
                person_id=person,
                pair="main",
                trigger="tick",
                event={},
                rule="nurture by list",
                outcome="fired",
                reason="matched",
                matched=[],
                actions=[],
                dropped=[],
                at=datetime.now(UTC),
            )
            session.add(decision)
            session.flush()
            session.add(
                RuleAction(
                    decision_id=decision.id,
                    person_id=person,
                    position=0,
                    kind=kind,
                    spec={"kind": kind, "property": None, "list": "Recruiting nurture"},
                    status="pending",
                    created_at=datetime.now(UTC),
                )
            )
        sync()
        assert (int(contact_id) in nurture.members) is (kind == "enrol_nurture")
    with world["sessions"]() as session:
        statuses = session.scalars(
            select(RuleAction.status).where(RuleAction.person_id == person)
        ).all()
    assert "pending" not in statuses
