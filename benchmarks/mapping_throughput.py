"""Mapping throughput: vendor records → canonical persons, next to the cost of json.loads.

Generates 100,000 synthetic HubSpot contacts and 100,000 synthetic Greenhouse candidates
(deterministic), encodes them as pages of 100 like the vendors' list endpoints, then measures in
one run: json.loads of every page, the inbound mapping of every record, and the outbound mapping
of every canonical record, in CPU time of one process. Run:
``.venv/bin/python benchmarks/mapping_throughput.py [N]``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.mapping.loader import load_mapping

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
PAGE = 100
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton"]
STATUSES = ["prospect", "nurture", "applicant", "hired", "rejected", "unknown"]


def hubspot_contact(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "id": str(i),
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-06-01T12:00:00.000Z",
        "archived": False,
        "properties": {
            "firstname": f" {first} ",
            "lastname": last,
            "email": f"{first}.{last}{i}@Example.com",
            "hs_additional_emails": f"{first}{i}@work.example;{last}{i}@old.example",
            "phone": f"(415) 555-{i % 10000:04d}",
            "mobilephone": None,
            "company": "Acme",
            "jobtitle": "Engineer",
            "city": "London",
            "linkedin_url": f"linkedin.com/in/{first}{i}/",
            "candidate_tags": "python;ml",
            "candidate_status": rng.choice(STATUSES),
            "hs_email_optout": rng.choice(["true", "false"]),
            "hub_nurture": "true",
            "desired_salary": str(rng.randint(50, 200) * 1000),
        },
    }


def greenhouse_candidate(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "id": 10_000_000 + i,
        "first_name": first,
        "last_name": last,
        "company": "Acme",
        "title": "Engineer",
        "created_at": "2024-01-01T00:00:00.000Z",
        "updated_at": "2024-06-01T12:00:00.000Z",
        "can_email": True,
        "email_addresses": [
            {"value": f"{first}.{last}{i}@example.com", "type": "personal"},
            {"value": f"{first}{i}@work.example", "type": "work"},
        ],
        "phone_numbers": [{"value": f"+44 7911 {i % 1000000:06d}", "type": "mobile"}],
        "addresses": [{"value": "1 Main St, London", "type": "home"}],
        "website_addresses": [{"value": f"{first}{i}.dev", "type": "personal"}],
        "social_media_addresses": [{"value": f"github.com/{first}{i}"}],
        "tags": ["python", "referral"],
        "custom_fields": {"desired_salary": "100000", "work_remotely": True},
        "recruiter_id": 92120,
    }


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of this process (less skewed than wall time on a shared machine)."""
    start = time.process_time()
    result = func()
    return time.process_time() - start, result


def run(name: str, make: Callable[[random.Random, int], dict[str, Any]], count: int) -> None:
    rng = random.Random(7)
    pages = [
        json.dumps({"results": [make(rng, i) for i in range(start, min(start + PAGE, count))]})
        for start in range(0, count, PAGE)
    ]
    mapping = load_mapping(MAPPINGS / name, vendor_models={}).mapping
    decode_s, decoded = timed(lambda: [json.loads(page)["results"] for page in pages])
    # Page by page, as a sync does: results are dropped after each page, so the garbage
    # collector does not keep walking 100,000 live records.
    inbound_s = outbound_s = 0.0
    issues = 0
    for records in decoded:
        seconds, results = timed(lambda records=records: [mapping.to_canonical(r) for r in records])
        inbound_s += seconds
        issues += sum(len(r.issues) for r in results)
        persons = [r.value for r in results if r.value is not None]
        seconds, _ = timed(lambda persons=persons: [mapping.to_vendor(p) for p in persons])
        outbound_s += seconds
    print(f"{name}: {count:,} records, {issues} field issues")
    for label, seconds in [
        (f"json.loads of {len(pages):,} pages", decode_s),
        ("inbound  vendor -> canonical", inbound_s),
        ("outbound canonical -> vendor", outbound_s),
    ]:
        print(f"  {label:<30}: {count / seconds:>10,.0f} records/s ({seconds:.2f} CPU s)")
    print(f"  inbound costs {inbound_s / decode_s:.1f}x json.loads of the same pages")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    run("hubspot.contact.yaml", hubspot_contact, count)
    run("greenhouse.candidate.yaml", greenhouse_candidate, count)


if __name__ == "__main__":
    main()
