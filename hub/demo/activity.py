"""A week of recruiting, simulated through the emulators' admin endpoints.

Recruiters move, reject and hire in Greenhouse and edit candidates; marketers edit contacts in
HubSpot, mark some ready for the ATS, merge a duplicate and honour one erasure request. Each
change makes the emulator send its signed webhook to the hub, as the real vendors would.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import httpx

__all__ = ["simulate_week"]

_DONE = {"move": "applications moved", "reject": "applications rejected", "hire": "hires"}
TITLES = ("Staff Engineer", "Engineering Manager", "Principal Designer", "Data Scientist")


def _greenhouse_week(
    client: httpx.Client, state: Any, rng: random.Random, done: Counter[str]
) -> None:
    applications = [a for a in state.tables["applications"].values() if a["status"] == "active"]
    rng.shuffle(applications)
    for app in applications[: max(1, len(applications) // 5)]:
        verb = rng.choices(("move", "reject", "hire", "onsite-reject"), weights=(6, 2, 1, 2))[0]
        body: dict[str, Any] = {}
        if verb == "onsite-reject":
            # a strong candidate, turned down after the onsite: a silver medalist
            onsite = [
                s
                for s in state.tables["job_interview_stages"].values()
                if s["job_id"] in app.get("job_ids", []) and s["name"] == "Face to Face"
            ]
            if app.get("prospect") or not onsite or app.get("stage_id") == onsite[0]["id"]:
                continue
            moved = client.post(
                f"/_emulator/applications/{app['id']}/move", json={"to_stage_id": onsite[0]["id"]}
            )
            if moved.status_code >= 400:
                continue
            verb = "reject"
            done["applications rejected after the onsite"] += 1
        elif verb == "move":
            stages = sorted(
                (
                    s
                    for s in state.tables["job_interview_stages"].values()
                    if s["job_id"] in app.get("job_ids", [])
                ),
                key=lambda s: s["sort_order"],
            )
            later = [s for s in stages if s["id"] != app.get("stage_id")]
            if not later:
                continue
            body = {"to_stage_id": later[-1]["id"] if rng.random() < 0.3 else later[0]["id"]}
        response = client.post(f"/_emulator/applications/{app['id']}/{verb}", json=body)
        if response.status_code < 400:
            done[
                {"move": "applications moved", "reject": "applications rejected"}.get(
                    verb, "applications hired"
                )
            ] += 1
    candidates = list(state.tables["candidates"].values())
    for candidate in rng.sample(candidates, k=max(1, len(candidates) // 10)):
        response = client.patch(
            f"/_emulator/candidates/{candidate['id']}", json={"title": rng.choice(TITLES)}
        )
        if response.status_code < 400:
            done["candidates edited by recruiters"] += 1


def _hubspot_week(client: httpx.Client, state: Any, rng: random.Random, done: Counter[str]) -> None:
    ids = sorted(state.store.live_ids, key=int)
    rng.shuffle(ids)
    edits, others = ids[: len(ids) // 10], ids[len(ids) // 10 :]
    # leads only in the CRM are the ones a marketer hands over to recruiting
    crm_only = [
        i for i in others if not state.store.contacts[i].properties.get("greenhouse_candidate_id")
    ]
    ready = crm_only[: max(1, len(ids) // 20)]
    rest = [i for i in others if i not in ready]
    for contact_id in edits:
        properties = {"jobtitle": rng.choice(TITLES)}
        if client.patch(
            f"/_emulator/contacts/{contact_id}", json={"properties": properties}
        ).is_success:
            done["contacts edited by marketers"] += 1
    for contact_id in ready:
        if client.post(f"/_emulator/contacts/{contact_id}/ready_for_ats").is_success:
            done["contacts marked ready for the ATS"] += 1
    if len(rest) >= 3:
        merge = {"primaryObjectId": rest[0], "objectIdToMerge": rest[1]}
        if client.post("/_emulator/merge", json=merge).is_success:
            done["contacts merged"] += 1
        if client.post(f"/_emulator/contacts/{rest[2]}/privacy_delete").is_success:
            done["GDPR erasures"] += 1


def _nurtured_apply(
    client: httpx.Client, gh_state: Any, hs_state: Any, rng: random.Random, done: Counter[str]
) -> None:
    """People nurtured in the CRM apply through the careers page: new ATS candidates."""
    known = {
        str(e.get("value", "")).casefold()
        for c in gh_state.tables["candidates"].values()
        for e in c.get("email_addresses", [])
    }
    store = hs_state.store
    nurtured = [
        store.contacts[i].properties
        for i in sorted(store.live_ids, key=int)
        if str(store.contacts[i].properties.get("email") or "").casefold() not in known
        and store.contacts[i].properties.get("firstname")
        and store.contacts[i].properties.get("lastname")
    ]
    jobs = sorted(gh_state.tables["jobs"])
    for props in rng.sample(nurtured, k=min(len(nurtured), max(1, len(nurtured) // 8))):
        body = {
            "first_name": props["firstname"],
            "last_name": props["lastname"],
            "email_addresses": [{"value": props["email"], "type": "personal"}],
            "applications": [{"job_id": rng.choice(jobs)}],
        }
        if client.post("/_emulator/candidates", json=body).is_success:
            done["people nurtured in the CRM who applied"] += 1


def _new_duplicates(
    gh: httpx.Client, hs: httpx.Client, gh_state: Any, rng: random.Random, done: Counter[str]
) -> None:
    """People who turn up again, in both systems.

    In the ATS with a new work email but the same phone (strong evidence: linked at once), and in
    the CRM with only name and company alike (weak evidence: a reviewer decides).
    """
    people = [
        c
        for c in gh_state.tables["candidates"].values()
        if c.get("phone_numbers") and c.get("first_name") and c.get("last_name")
    ]
    jobs = sorted(gh_state.tables["jobs"])
    for person in rng.sample(people, k=min(len(people), max(1, len(people) // 40))):
        first, last = person["first_name"], person["last_name"]
        email = f"{first}.{last}@newjob.example".lower().replace(" ", "")
        body = {
            "first_name": first,
            "last_name": last,
            "email_addresses": [{"value": email, "type": "work"}],
            "phone_numbers": [person["phone_numbers"][0]],
            "applications": [{"job_id": rng.choice(jobs)}],
        }
        if gh.post("/_emulator/candidates", json=body).is_success:
            done["candidates entered twice by recruiters"] += 1
    for person in rng.sample(people, k=min(len(people), max(1, len(people) // 40))):
        properties = {
            "firstname": person["first_name"],
            "lastname": person["last_name"],
            "email": f"{person['first_name'][0]}{person['last_name']}@agency-mail.example".lower(),
            "company": person.get("company") or "",
        }
        if hs.post("/_emulator/contacts", json={"properties": properties}).is_success:
            done["contacts entered twice by marketers"] += 1


def simulate_week(
    *, greenhouse_url: str, hubspot_url: str, greenhouse_app: Any, hubspot_app: Any, seed: int
) -> Counter[str]:
    """Make a week's worth of changes in both systems; return what was done, by kind."""
    rng = random.Random(seed)
    done: Counter[str] = Counter()
    with httpx.Client(base_url=greenhouse_url, timeout=30) as client:
        _greenhouse_week(client, greenhouse_app.state.emulator.state, rng, done)
        _nurtured_apply(
            client, greenhouse_app.state.emulator.state, hubspot_app.state.emulator, rng, done
        )
    with httpx.Client(base_url=hubspot_url, timeout=30) as client:
        _hubspot_week(client, hubspot_app.state.emulator, rng, done)
    with (
        httpx.Client(base_url=greenhouse_url, timeout=30) as gh,
        httpx.Client(base_url=hubspot_url, timeout=30) as hs,
    ):
        _new_duplicates(gh, hs, greenhouse_app.state.emulator.state, rng, done)
    return done
