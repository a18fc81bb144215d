"""Deterministic, realistic seed data: the same ``seed`` and ``people`` give the same records.

Every tenth person also exists a second time, as recruiters really create them: a Gmail
address with dots removed or a ``+tag``, a nickname, another phone format, another LinkedIn URL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.greenhouse.emulator.people import blank_candidate
from connectors.greenhouse.emulator.state import EmulatorState, harvest_now

__all__ = ["NICKNAMES", "seed_state"]

Record = dict[str, Any]
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Elizabeth": "Liz",
    "Katherine": "Kate",
    "Michael": "Mike",
    "James": "Jim",
    "Jennifer": "Jen",
    "Alexander": "Alex",
    "Margaret": "Maggie",
    "Richard": "Rick",
    "Daniel": "Dan",
    "Patricia": "Pat",
    "Samantha": "Sam",
    "Christopher": "Chris",
}
FIRST = [*NICKNAMES, "Aisha", "Mateo", "Yuki", "Priya", "Olga", "Kwame", "Lucía", "Noah", "Mia"]
LAST = [
    "Smith", "Garcia", "Nguyen", "Okafor", "Müller", "Rossi", "Kowalski", "Tanaka", "Haddad",
    "Johnson", "Silva", "Brown", "Novak", "Larsen", "O'Brien", "Patel", "Dubois", "Kim",
]  # fmt: skip
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Hooli", None]
TITLES = ["Software Engineer", "Data Scientist", "Product Manager", "Designer", "SRE", None]
JOBS = ["Backend Engineer", "Data Scientist", "Product Designer", "Engineering Manager",
        "Recruiter", "Sales Executive", "Support Specialist", "Security Engineer"]  # fmt: skip
STAGES = ["Application Review", "Preliminary Phone Screen", "Phone Interview",
          "Face to Face", "Reference Check", "Offer"]  # fmt: skip
REASONS = [
    ("Missing resume", 1, "We rejected them"),
    ("Lacking skill(s)/qualification(s)", 1, "We rejected them"),
    ("Hired another candidate", 1, "We rejected them"),
    ("Higher salary offer made", 2, "They rejected us"),
    ("Not interested", 2, "They rejected us"),
    ("Unresponsive", 3, "None specified"),
]
# One entry per person, in turn: every status and both application kinds appear by person 10.
PLAN = ["active", "active", "rejected", "active", "hired", "prospect", "rejected", "active",
        "converted", "jobless"]  # fmt: skip


POOLS = (
    ("Talent Community", ("Reached Out", "Engaged", "Nurturing")),
    ("Silver Medalists", ("To Re-engage", "Re-engaged")),
)


def _stamp(offset_minutes: float) -> str:
    moment = EPOCH + timedelta(minutes=offset_minutes)
    return harvest_now(lambda: moment)


def _seed_org(state: EmulatorState, people: int) -> None:
    staff = [("Greenhouse", "Admin"), *zip(FIRST[:7], LAST[:7], strict=True)]
    for i, (first, last) in enumerate(staff):
        uid = state.new_id()
        email = f"{first.lower()}.{last.lower()}@example-corp.com"
        state.tables["users"][uid] = {
            "id": uid, "first_name": first, "last_name": last, "primary_email_address": email,
            "disabled": False, "employee_id": f"E{100 + i}", "created_at": _stamp(0),
            "updated_at": _stamp(i),
        }  # fmt: skip
    for i, (name, type_id, type_name) in enumerate(REASONS):
        rid = state.new_id()
        state.tables["rejection_reasons"][rid] = {
            "id": rid, "name": name, "type": {"id": type_id, "name": type_name},
            "created_at": _stamp(0), "updated_at": _stamp(i),
        }  # fmt: skip
    for i, (pool, stages) in enumerate(POOLS):
        pid = state.new_id()
        state.tables["prospect_pools"][pid] = {
            "id": pid, "name": pool, "active": True, "created_at": _stamp(0),
            "updated_at": _stamp(i),
            "prospect_stages": [{"id": state.new_id(), "name": name} for name in stages],
        }  # fmt: skip
    for j in range(max(3, min(40, people // 100 + 3))):
        jid = state.new_id()
        created = _stamp(j * 60)
        state.tables["jobs"][jid] = {
            "id": jid, "name": f"{JOBS[j % len(JOBS)]} {j // len(JOBS) + 1}", "status": "open",
            "requisition_id": f"REQ-{1000 + j}", "confidential": False, "created_at": created,
            "updated_at": created, "opened_at": created, "closed_at": None,
        }  # fmt: skip
        for order, stage in enumerate(STAGES):
            sid = state.new_id()
            state.tables["job_interview_stages"][sid] = {
                "id": sid, "job_id": jid, "name": stage, "sort_order": order, "active": True,
                "created_at": created, "updated_at": created,
            }  # fmt: skip


def _person(rng: random.Random, index: int) -> Record:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    handle = f"{first}.{last}".lower().replace("'", "").replace("ü", "u").replace("í", "i")
    digits = f"{rng.randint(200, 989)}555{rng.randint(1000, 9999)}"
    phone = f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"
    linkedin = f"https://www.linkedin.com/in/{handle.replace('.', '-')}-{index}"
    return {
        "first_name": first,
        "last_name": last,
        "company": rng.choice(COMPANIES),
        "title": rng.choice(TITLES),
        "email_addresses": [{"value": f"{handle}{index}@gmail.com", "type": "personal"}],
        "phone_numbers": [{"value": phone, "type": "mobile"}],
        "social_media_addresses": [{"value": linkedin}],
        "tags": rng.sample(["Python", "Go", "Leadership", "Referral", "Alumni", "Remote"], k=2),
    }


def _variant(person: Record, rng: random.Random) -> Record:
    email = person["email_addresses"][0]["value"]
    local, _, domain = email.partition("@")
    local = local.replace(".", "") if rng.random() < 0.5 else f"{local}+jobs"
    digits = "".join(ch for ch in person["phone_numbers"][0]["value"] if ch.isdigit())[1:]
    link = person["social_media_addresses"][0]["value"].replace("https://www.", "http://uk.")
    return {
        **person,
        "first_name": NICKNAMES.get(person["first_name"], person["first_name"]),
        "email_addresses": [{"value": f"{local}@{domain}", "type": "personal"}],
        "phone_numbers": [{"value": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", "type": "home"}],
        "social_media_addresses": [{"value": link.rstrip("/") + "/"}],
    }


def _add_candidate(
    state: EmulatorState, fields: Record, minutes: float, users: list[int]
) -> Record:
    candidate = blank_candidate(state, created_at=_stamp(minutes))
    candidate.update(fields, recruiter_id=users[len(fields["tags"][0]) % len(users)])
    state.tables["candidates"][candidate["id"]] = candidate
    return candidate


def _add_app(state: EmulatorState, candidate: Record, plan: str, rng: random.Random) -> None:
    jobs = list(state.tables["jobs"])
    job_id = rng.choice(jobs)
    stages = [s for s in state.tables["job_interview_stages"].values() if s["job_id"] == job_id]
    created = candidate["created_at"]
    app: Record = {
        "id": state.new_id(), "candidate_id": candidate["id"], "created_at": created,
        "updated_at": created, "applied_at": created, "last_activity_at": created,
        "status": "active", "rejected_at": None, "hired_at": None, "rejection_reason_id": None,
        "source_id": None, "prospect": False, "job_ids": [job_id],
        "stage_id": rng.choice(stages)["id"],
        "prospect_pool_id": None, "prospect_stage_id": None, "prospect_owner_id": None,
    }  # fmt: skip
    if plan == "rejected":
        reason = rng.choice(list(state.tables["rejection_reasons"]))
        app.update(status="rejected", rejected_at=created, rejection_reason_id=reason)
    elif plan == "hired":
        app.update(status="hired", hired_at=created, stage_id=None)
    elif plan in ("prospect", "converted", "jobless"):
        app.update(prospect=True, stage_id=None, job_ids=[] if plan == "jobless" else [job_id])
        app.update(prospect_owner_id=candidate["recruiter_id"])
        if plan == "converted":
            app["status"] = "converted"
            state.tables["applications"][app["id"]] = app
            _add_app(state, candidate, "active", rng)
            return
    state.tables["applications"][app["id"]] = app


def _add_note(state: EmulatorState, candidate: Record, user_id: int) -> None:
    nid = state.new_id()
    state.tables["notes"][nid] = {
        "id": nid, "candidate_id": candidate["id"], "user_id": user_id,
        "body": "Met at the meetup; keen on platform work.", "visibility": "admin_only",
        "created_at": candidate["created_at"], "updated_at": candidate["created_at"],
    }  # fmt: skip


def seed_state(state: EmulatorState, *, seed: int, people: int, duplicate_every: int = 10) -> None:
    """Fill ``state`` with an organisation and ``people`` people (plus their duplicates)."""
    rng = random.Random(seed)
    with state.lock:
        _seed_org(state, people)
        users = list(state.tables["users"])
        for index in range(people):
            person = _person(rng, index)
            minutes = 60 * 24 + index * 7 + rng.random()
            candidate = _add_candidate(state, person, minutes, users)
            _add_app(state, candidate, PLAN[index % len(PLAN)], rng)
            if index % 5 == 0:
                _add_note(state, candidate, users[0])
            if duplicate_every and index % duplicate_every == duplicate_every - 1:
                twin = _add_candidate(state, _variant(person, rng), minutes + 3, users)
                _add_app(state, twin, "active", rng)
