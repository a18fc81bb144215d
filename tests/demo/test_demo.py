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
from hub.store.tables import InboxEvent


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
        engine.dispose()
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
