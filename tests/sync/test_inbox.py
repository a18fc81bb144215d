from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise

import httpx
from sqlalchemy import func, select

from hub.models import ChangeEvent
from hub.store.inbox import store_events
from hub.store.tables import InboxEvent, LedgerEntry, Link, Person, PersonKey
from hub.store.webhook_tables import WebhookMessage
from hub.sync.service import process_inbox_for
from hub.webhooks.subscriptions import create_subscription


def _now() -> datetime:
    return datetime.now(UTC)


def receive(world, connection: str, *events: ChangeEvent) -> None:
    with world["sessions"].begin() as session:
        store_events(session, connection=connection, events=list(events), now=_now())


def event(object_type: str, external_id: str, kind: str, key: str, **related: str) -> ChangeEvent:
    return ChangeEvent(
        object_type=object_type,
        external_id=external_id,
        kind=kind,  # type: ignore[arg-type]
        occurred_at=_now(),
        dedupe_key=key,
        related_ids=related,
    )


def process(world, connection: str):
    return process_inbox_for(
        connection,
        config=world["config"],
        plugins=world["plugins"],
        engine=world["engine"],
        sessions=world["sessions"],
        now=_now,
    )


def linked_pair(world) -> tuple[str, str, str]:
    with world["sessions"]() as session:
        for person_id, candidate_id in session.execute(
            select(Link.person_id, Link.external_id).where(Link.connection == "greenhouse")
        ):
            contact_id = session.scalar(
                select(Link.external_id).where(
                    Link.connection == "hubspot", Link.person_id == person_id
                )
            )
            if contact_id:
                return person_id, candidate_id, contact_id
    raise AssertionError("no person linked in both systems")


def contact_property(world, contact_id: str, name: str) -> str | None:
    response = httpx.post(
        f"{world['hs']}/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": contact_id}], "properties": [name]},
        headers={"Authorization": "Bearer tok"},
    )
    return response.json()["results"][0]["properties"].get(name)


def test_a_webhook_event_syncs_just_that_record(world):
    world["sync"].run()
    _, candidate_id, contact_id = linked_pair(world)
    httpx.patch(f"{world['gh']}/_emulator/candidates/{candidate_id}", json={"title": "CTO"})
    receive(world, "greenhouse", event("candidate", candidate_id, "updated", "e1"))
    report = process(world, "greenhouse")
    assert report.counts["greenhouse.candidate.read"] == 1
    assert contact_property(world, contact_id, "jobtitle") == "CTO"
    with world["sessions"]() as session:
        assert session.scalars(select(InboxEvent.status)).all() == ["processed"]
    assert process(world, "greenhouse").counts == {}  # nothing pending: nothing done


def test_an_application_event_rereads_its_candidate(world):
    world["sync"].run()
    _, candidate_id, contact_id = linked_pair(world)
    httpx.patch(f"{world['gh']}/_emulator/candidates/{candidate_id}", json={"company": "Initech"})
    receive(
        world,
        "greenhouse",
        event("application", "999", "stage_changed", "e2", candidate_id=candidate_id),
    )
    process(world, "greenhouse")
    assert contact_property(world, contact_id, "company") == "Initech"


def test_an_application_event_rereads_the_application_itself(world):
    world["sync"].run()
    state = world["gh_app"].state.emulator.state
    with world["sessions"]() as session:
        linked = set(
            session.scalars(select(Link.external_id).where(Link.connection == "greenhouse"))
        )
    app = next(
        a
        for a in state.tables["applications"].values()
        if str(a["candidate_id"]) in linked and a["status"] == "active" and not a["prospect"]
    )
    receive(
        world,
        "greenhouse",
        event(
            "application",
            str(app["id"]),
            "stage_changed",
            "e3",
            candidate_id=str(app["candidate_id"]),
        ),
    )
    report = process(world, "greenhouse")
    assert report.counts["greenhouse.application.read"] == 1
    assert report.counts["greenhouse.candidate.read"] == 1


def test_a_deleted_record_is_unlinked(world):
    world["sync"].run()
    person_id, candidate_id, _ = linked_pair(world)
    receive(world, "greenhouse", event("candidate", candidate_id, "deleted", "e3"))
    assert process(world, "greenhouse").counts["greenhouse.candidate.unlinked"] == 1
    with world["sessions"]() as session:
        links = session.scalars(select(Link.connection).where(Link.person_id == person_id)).all()
    assert "greenhouse" not in links


def test_an_erasure_forgets_the_person_and_is_never_undone_by_a_sync(world):
    with world["sessions"].begin() as session:
        create_subscription(session, "https://receiver.example/hooks", ["person.*"], now=_now())
    world["sync"].run()
    person_id, candidate_id, contact_id = linked_pair(world)
    receive(world, "hubspot", event("contact", contact_id, "erased", "e4"))
    assert process(world, "hubspot").counts["hubspot.contact.erased"] == 1
    with world["sessions"]() as session:
        person = session.get(Person, person_id)
        assert person.data == {}
        assert person.erased_at is not None
        # subscribers are told, with ids only, in the same transaction as the erasure
        message = session.scalars(select(WebhookMessage)).one()
        body = json.loads(message.body)
        assert body["type"] == "person.erased"
        assert body["person_version"] == person.version
        assert body["data"]["person"] == {
            "id": person_id,
            "hubspot": {"id": contact_id, "url": None},
            "greenhouse": {"id": candidate_id, "url": None},
            "fields": {},
        }
        assert (
            session.scalar(
                select(func.count()).select_from(PersonKey).where(PersonKey.person_id == person_id)
            )
            == 0
        )
    # nothing is erased in the other vendor without the explicit policy
    candidate = world["gh_app"].state.emulator.state.tables["candidates"][int(candidate_id)]
    assert candidate["first_name"]
    again = world["sync"].run(full=True)
    assert again.counts["hubspot.contact.created"] == 0
    with world["sessions"]() as session:
        assert session.get(Person, person_id).data == {}
        keys = select(func.count()).select_from(PersonKey).where(PersonKey.person_id == person_id)
        assert session.scalar(keys) == 0  # not even its emails come back as identity keys


def test_event_payloads_carry_ids_and_only_the_configured_personal_fields(world):
    from hub.sync.events import person_refs

    world["sync"].run()
    person_id, candidate_id, contact_id = linked_pair(world)
    connectors = {"greenhouse": "greenhouse", "hubspot": "hubspot"}
    with world["sessions"]() as session:
        bare = person_refs(session, person_id, connectors=connectors)
        chosen = person_refs(
            session, person_id, connectors=connectors, fields=("given_name", "emails")
        )
        golden = session.get(Person, person_id).data
    assert bare.fields == {}
    assert (bare.greenhouse.id, bare.hubspot.id) == (candidate_id, contact_id)
    # scalar fields only, and only those asked for: never the email list
    assert chosen.fields == {"given_name": golden["given_name"]}


def test_with_propagate_erasure_the_other_system_is_asked_to_erase_too(world):
    from hub.config import HubConfig

    raw = world["config"].model_dump()
    raw["sync_pairs"]["main"]["propagate_erasure"] = True
    config = HubConfig.model_validate(raw)
    world["sync"].run()
    person_id, candidate_id, contact_id = linked_pair(world)
    receive(world, "hubspot", event("contact", contact_id, "erased", "e9"))
    report = process_inbox_for(
        "hubspot",
        config=config,
        plugins=world["plugins"],
        engine=world["engine"],
        sessions=world["sessions"],
        now=_now,
    )
    assert report.counts["greenhouse.candidate.erasure_requested"] == 1
    candidate = world["gh_app"].state.emulator.state.tables["candidates"][int(candidate_id)]
    assert candidate["first_name"] is None
    assert candidate["email_addresses"] == []
    with world["sessions"]() as session:
        assert not session.scalars(select(Link).where(Link.person_id == person_id)).all()


def test_a_vendor_merge_of_two_peoples_records_merges_the_persons_reversibly(world):
    from hub.persons import absorbed_ids, list_merges, split_merge

    world["sync"].run()
    with world["sessions"]() as session:
        contacts = session.execute(
            select(Link.external_id, Link.person_id)
            .where(Link.connection == "hubspot")
            .order_by(Link.id)
        ).all()
    (keep, keeper), (other, absorbed) = next((a, b) for a, b in pairwise(contacts) if a[1] != b[1])
    merged = httpx.post(
        f"{world['hs']}/_emulator/merge", json={"primaryObjectId": keep, "objectIdToMerge": other}
    )
    assert merged.status_code < 400, merged.text
    receive(
        world,
        "hubspot",
        event(
            "contact",
            keep,
            "merged",
            "m1",
            primary_object_id=keep,
            merged_object_ids=f"{keep},{other}",
        ),
    )
    process(world, "hubspot")
    with world["sessions"].begin() as session:
        assert absorbed_ids(session) == {absorbed}
        (merge,), total = list_merges(session, limit=10, offset=0)
        assert total == 1
        assert (merge.survivor_id, merge.absorbed_id) == (keeper, absorbed)
        assert merge.reason == "merged in hubspot"
        # the merged-away contact is gone from HubSpot, so its link is dropped
        assert session.scalar(select(Link).where(Link.external_id == other)) is None
        split_merge(session, merge.id, _now())
        assert absorbed_ids(session) == set()


def test_an_approved_pair_is_merged_in_the_vendor_only_when_asked(world):
    from hub.persons import approve, propose
    from hub.persons.vendor import merge_in_vendors

    world["sync"].run()
    with world["sessions"]() as session:
        contacts = session.execute(
            select(Link.external_id, Link.person_id)
            .where(Link.connection == "hubspot")
            .order_by(Link.id)
        ).all()
    (keep, first), (other, second) = next((a, b) for a, b in pairwise(contacts) if a[1] != b[1])
    store = world["hs_app"].state.emulator.store
    with world["sessions"].begin() as session:
        pair = propose(session, first, second, 0.9, {"fields": []}, now=_now())
        outcome = approve(session, pair.id, "test", _now())
        # the hub merge alone leaves HubSpot as it was
        assert not store.contacts[int(other)].archived
        merged = merge_in_vendors(
            session,
            outcome.merge.survivor_id,
            config=world["config"],
            plugins=world["plugins"],
            now=_now(),
        )
    assert merged
    assert all(m.ok for m in merged)
    assert {keep, other} <= {m.survivor for m in merged} | {m.duplicate for m in merged}
    gh_candidates = world["gh_app"].state.emulator.state.tables["candidates"]
    for m in merged:
        if m.connection == "hubspot":
            assert store.contacts[int(m.duplicate)].archived  # merged away in HubSpot
        else:
            assert int(m.duplicate) not in gh_candidates  # merged away in Greenhouse
    with world["sessions"]() as session:
        survivor = outcome.merge.survivor_id
        left = session.scalars(
            select(Link.external_id).where(Link.person_id == survivor, Link.connection == "hubspot")
        ).all()
        assert len(left) == 1  # one HubSpot contact left for the person
        entries = session.scalars(select(LedgerEntry).where(LedgerEntry.action == "merge")).all()
        assert len(entries) == len(merged)
        assert {e.status for e in entries} == {"done"}
