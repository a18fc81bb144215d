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
        verb = rng.choices(("move", "reject", "hire"), weights=(6, 3, 1))[0]
        body: dict[str, Any] = {}
        if verb == "move":
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
    edits, ready, rest = (
        ids[: len(ids) // 10],
        ids[len(ids) // 10 : len(ids) // 7],
        ids[len(ids) // 7 :],
    )
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


def simulate_week(
    *, greenhouse_url: str, hubspot_url: str, greenhouse_app: Any, hubspot_app: Any, seed: int
) -> Counter[str]:
    """Make a week's worth of changes in both systems; return what was done, by kind."""
    rng = random.Random(seed)
    done: Counter[str] = Counter()
    with httpx.Client(base_url=greenhouse_url, timeout=30) as client:
        _greenhouse_week(client, greenhouse_app.state.emulator.state, rng, done)
    with httpx.Client(base_url=hubspot_url, timeout=30) as client:
        _hubspot_week(client, hubspot_app.state.emulator, rng, done)
    return done
