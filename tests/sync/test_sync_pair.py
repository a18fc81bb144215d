"""The sync engine end to end: both emulators over real HTTP, the store on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from hub.store.tables import LedgerEntry, Link, Person


def written(report) -> int:
    return sum(v for k, v in report.counts.items() if k.endswith((".created", ".updated")))


def test_first_sync_links_everyone_and_a_second_sync_writes_nothing(world):
    sync, sessions = world["sync"], world["sessions"]
    first = sync.run()
    with sessions() as session:
        persons = session.scalar(select(func.count()).select_from(Person))
        gh_links = session.scalar(
            select(func.count()).select_from(Link).where(Link.connection == "greenhouse")
        )
        hs_links = session.scalar(
            select(func.count()).select_from(Link).where(Link.connection == "hubspot")
        )
        done = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.status == "done")
        )
    assert first.counts["greenhouse.candidate.read"] == gh_links > 0
    # every applicant the CRM lacked became a contact, linked to the same person
    assert first.counts["hubspot.contact.created"] > 0
    assert (
        hs_links
        >= first.counts["hubspot.contact.read"] + first.counts["hubspot.contact.created"] - 1
    )
    assert persons < gh_links + hs_links
    assert done == written(first)
    second = sync.run()
    assert written(second) == 0, second.counts


def test_a_recruiter_edit_in_greenhouse_reaches_the_crm(world):
    sync = world["sync"]
    sync.run()
    with world["sessions"]() as session:
        candidate_id, person_id = session.execute(
            select(Link.external_id, Link.person_id).where(Link.connection == "greenhouse")
        ).first()
        contact_id = session.scalar(
            select(Link.external_id).where(
                Link.connection == "hubspot", Link.person_id == person_id
            )
        )
    response = httpx.patch(
        f"{world['gh']}/_emulator/candidates/{candidate_id}", json={"title": "Staff Engineer"}
    )
    assert response.status_code < 400, response.text
    report = sync.run()
    assert report.counts["hubspot.contact.updated"] >= 1
    contact = world["hs_app"].state.emulator
    assert contact is not None
    seen = httpx.post(
        f"{world['hs']}/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": contact_id}], "properties": ["jobtitle"]},
        headers={"Authorization": "Bearer tok"},
    ).json()
    assert seen["results"][0]["properties"]["jobtitle"] == "Staff Engineer"


def test_hub_sync_command_records_runs_and_dry_run_writes_nothing(world, tmp_path):
    import json

    from typer.testing import CliRunner

    from hub.cli.app import app

    config = world["config"].model_dump(mode="json", exclude={"source"})
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    runner = CliRunner()
    dry = runner.invoke(app, ["-c", str(path), "sync", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create contact (new)" in dry.output
    with world["sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(Link)) == 0
    real = runner.invoke(app, ["-c", str(path), "sync"])
    assert real.exit_code == 0, real.output
    assert "sync summary" in real.output
    runs = runner.invoke(app, ["-c", str(path), "runs"])
    assert "succeeded" in runs.output


def test_the_latest_application_reaches_the_crm_and_follows_stage_moves(world):
    world["sync"].run()
    state = world["gh_app"].state.emulator.state
    with world["sessions"]() as session:
        links = dict(
            session.execute(
                select(Link.external_id, Link.person_id).where(Link.connection == "greenhouse")
            ).all()
        )
        contacts = dict(
            session.execute(
                select(Link.person_id, Link.external_id).where(Link.connection == "hubspot")
            ).all()
        )
    active = [
        a
        for a in state.tables["applications"].values()
        if a["status"] == "active" and str(a["candidate_id"]) in links
    ]
    app = max(active, key=lambda a: a["updated_at"])
    contact_id = contacts[links[str(app["candidate_id"])]]
    stages = sorted(
        (s for s in state.tables["job_interview_stages"].values() if s["job_id"] in app["job_ids"]),
        key=lambda s: s["sort_order"],
    )
    target = next(s for s in reversed(stages) if s["id"] != app["stage_id"])
    moved = httpx.post(
        f"{world['gh']}/_emulator/applications/{app['id']}/move", json={"to_stage_id": target["id"]}
    )
    assert moved.status_code < 400, moved.text
    report = world["sync"].run()
    assert report.counts["greenhouse.application.read"] >= 1
    seen = httpx.post(
        f"{world['hs']}/crm/v3/objects/contacts/batch/read",
        json={
            "inputs": [{"id": contact_id}],
            "properties": [
                "last_application_stage",
                "last_application_status",
                "last_application_job",
            ],
        },
        headers={"Authorization": "Bearer tok"},
    ).json()["results"][0]["properties"]
    job = state.tables["jobs"][app["job_ids"][0]]["name"]
    assert seen == {
        **seen,
        "last_application_stage": target["name"],
        "last_application_status": "active",
        "last_application_job": job,
    }


def test_reconcile_reports_drift_and_apply_repairs_it(world, tmp_path):
    import json

    from typer.testing import CliRunner

    from hub.cli.app import app
    from hub.sync.reconcile import reconcile

    world["sync"].run()
    assert reconcile(world["sync"]).clean
    state = world["gh_app"].state.emulator.state
    with world["sessions"]() as session:
        linked = dict(
            session.execute(
                select(Link.external_id, Link.person_id).where(Link.connection == "greenhouse")
            ).all()
        )
    # drift the hub missed: a candidate deleted behind its back, one created without a webhook,
    # and a linked candidate whose title was lost
    gone, edited = sorted(linked, key=int)[:2]
    del state.tables["candidates"][int(gone)]
    created = httpx.post(
        f"{world['gh']}/_emulator/candidates",
        json={"first_name": "Ada", "last_name": "Quiet", "email_addresses": []},
    ).json()
    with world["sessions"]() as session:
        person = session.get(Person, linked[edited])
        person.data = {**person.data, "title": "Chief Drift Officer"}
        session.commit()

    drift = reconcile(world["sync"])
    assert drift.missing["greenhouse"] == [gone]
    assert drift.unlinked["greenhouse"] == [str(created["id"])]
    stale = {(p.op.object_type, p.op.external_id) for p in drift.stale}
    assert ("candidate", edited) in stale
    assert {p.person_id for p in drift.stale} == {linked[edited]}
    assert state.tables["candidates"][int(edited)]["title"] != "Chief Drift Officer"

    config = world["config"].model_dump(mode="json", exclude={"source"})
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(app, ["-c", str(path), "reconcile", "--apply"])
    assert result.exit_code == 0, result.output
    assert "unlinked in greenhouse" in result.output
    assert state.tables["candidates"][int(edited)]["title"] == "Chief Drift Officer"
    assert reconcile(world["sync"]).clean


def test_duplicates_linked_to_one_person_keep_their_own_emails(world):
    """Two CRM contacts of one person: neither is sent the other's address (HubSpot would
    refuse it with a 409, and moving addresses between duplicates is a merge)."""
    world["sync"].run()
    with world["sessions"]() as session:
        rows = session.execute(
            select(Link.person_id, Link.external_id)
            .where(Link.connection == "hubspot")
            .order_by(Link.id)
        ).all()
    (keeper, first), (absorbed, second) = rows[0], next(r for r in rows[1:] if r[0] != rows[0][0])
    with world["sessions"].begin() as session:
        link = session.scalar(select(Link).where(Link.external_id == second))
        link.person_id = keeper  # the hub now holds both contacts as one person
        person = session.get(Person, keeper)
        other = session.get(Person, absorbed)
        person.data = {**person.data, "emails": [*person.data["emails"], *other.data["emails"]]}
    report = world["sync"].run(full=True)
    assert report.counts.get("hubspot.contact.write_errors", 0) == 0
    store = world["hs_app"].state.emulator.store
    emails = {
        c: store.contacts[int(c)].properties.get("hs_additional_emails") or ""
        for c in (first, second)
    }
    theirs = store.contacts[int(second)].properties["email"]
    assert theirs not in emails[first]
