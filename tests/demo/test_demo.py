"""The sandbox demo at a small size; its figures are checked against the emulators' own state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import func, select

from hub.demo.run import run_demo
from hub.demo.world import demo_world
from hub.plugins import HubPlugins
from hub.store.open import open_store
from hub.store.tables import InboxEvent, Link, Person


def test_demo_figures_match_what_the_vendors_hold(tmp_path):
    plugins = HubPlugins.load(environ={})
    lines: list[str] = []
    with demo_world(people=30, seed=3, workdir=tmp_path, plugins=plugins) as world:
        result = run_demo(world, seed=3, share=0.4, say=lines.append)
        greenhouse = httpx.get(f"{world.greenhouse_url}/_emulator/state").json()
        hubspot = httpx.get(f"{world.hubspot_url}/_emulator/state").json()
        engine, sessions = open_store(world.config)
        with sessions() as session:
            pending = session.scalar(
                select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "pending")
            )
            statuses = dict(session.execute(select(Person.id, Person.status)).all())
            contacts = session.execute(
                select(Link.external_id, Link.person_id).where(Link.connection == "hubspot")
            ).all()
        engine.dispose()
        store = world.hubspot.state.emulator.store
        crm_status = {
            person_id: store.contacts[contact_id].properties.get("candidate_status")
            for contact_id, person_id in contacts
            if contact_id in store.live_ids
        }
        gh_state = world.greenhouse.state.emulator.state
        pool = next(
            p["id"]
            for p in gh_state.tables["prospect_pools"].values()
            if p["name"] == "Talent Community"
        )
        noted = {
            n["candidate_id"]
            for n in gh_state.tables["notes"].values()
            if n["body"].startswith("Created from the CRM by the hub")
        }
        prospects_from_crm = {
            a["candidate_id"]
            for a in gh_state.tables["applications"].values()
            if a["prospect"] and a["prospect_pool_id"] == pool and a["candidate_id"] in noted
        }
    summary = result.summary
    assert result.shared > 0
    # every person the hub links across both systems is a CRM contact carrying its ATS id
    assert summary.linked_both == summary.crm_contacts_with_ats_id > 0
    assert summary.erased == result.week["GDPR erasures"] == 1
    # every webhook the vendors sent arrived, was accepted with a 200 and was acted on
    assert greenhouse["webhooks"]["pending"] == greenhouse["webhooks"]["failed"] == 0
    assert greenhouse["webhooks"]["delivered"] > 0
    assert hubspot["webhooks"]["failed"] == hubspot["webhooks"]["pending"] == 0
    assert pending == 0
    assert summary.webhooks["greenhouse processed"] >= greenhouse["webhooks"]["delivered"]
    assert summary.api_calls["greenhouse"] > 0
    assert summary.writes["hubspot create"] > 0
    assert any(line.startswith("a simulated week:") for line in lines)
    # the rules moved people, and the CRM shows every linked person's hub status
    assert summary.transitions["prospect applies"] > 0
    assert summary.transitions["silver medalist"] > 0
    mismatched = {
        p: (statuses[p], crm)
        for p, crm in crm_status.items()
        if statuses.get(p) not in (None, "erased") and crm != statuses[p]
    }
    assert not mismatched
    assert summary.prospects_from_crm == len(prospects_from_crm) > 0
    # people entered twice with only weak evidence wait for a reviewer
    assert result.week["contacts entered twice by marketers"] > 0
    assert summary.review_open > 0
    # outbound webhooks reached the receiver, which verified every signature
    assert summary.delivered["succeeded"] == summary.received > 0
    assert summary.refused == 0
    assert set(summary.delivered) == {"succeeded"}


def test_hub_demo_runs_as_a_command(tmp_path):
    hub = Path(sys.executable).parent / "hub"
    result = subprocess.run(
        [str(hub), "-c", "/dev/null", "demo", "--people", "20", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "linked across CRM and ATS" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
