"""Per-record cost of ``to_canonical`` and ``to_vendor`` on the shipped mappings.

Builds HubSpot contacts and Greenhouse candidates shaped like the emulators' records (the
phone layouts, LinkedIn URL variants and fields of ``connectors/*/emulator/seed.py``, on top of
the Harvest v1 candidate fixture), loads ``mappings/*.yaml`` as the sync does (built-in and
plugin transforms, vendor schemas from the installed connectors) and times each direction per
record: best of several rounds, in CPU time of this process.

To compare with another copy of ``hub/mapping`` in the same run (e.g. the code before a change,
saved with ``cp -r hub/mapping /tmp/mapping_before_pkg``), pass its directory::

    .venv/bin/python benchmarks/mapping_speed.py [--records N] [--before /tmp/mapping_before_pkg]

The copy is imported as its own package; both run on the same records, and their results are
checked to be identical before any time is reported.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.mapping.loader import vendor_models_of
from hub.plugins import HubPlugins

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = ROOT / "mappings"
CANDIDATE_FIXTURE = ROOT / "tests" / "mapping" / "fixtures" / "harvest_v1_candidate_object.json"
FIRST = ["Robert", "Elizabeth", "Aisha", "Chen", "Sofia", "Mateo", "Priya", "Olu", "Lucía"]
LAST = ["Smith", "Garcia", "Nguyen", "Okafor", "Müller", "O'Brien", "Tanaka", "Patel", "Kim"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", None]
TITLES = ["Engineer", "Data Scientist", "Product Manager", "Designer", None]
STATUSES = ["prospect", "nurture", "applicant", "interviewing", "hired", "rejected", "erased"]
LINKEDIN = [
    "https://www.linkedin.com/in/{slug}",
    "linkedin.com/in/{slug}/",
    "http://linkedin.com/in/{slug}?trk=profile",
    "https://uk.linkedin.com/in/{slug}",
]


def phone(rng: random.Random, i: int) -> str:
    """A phone number in one of the emulators' layouts; one in ten is not a US number."""
    if i % 10 == 9:
        return f"+44 7911 {i % 1_000_000:06d}"
    digits = f"{rng.randrange(200, 999)}555{i % 10000:04d}"
    return rng.choice(
        [
            f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}",
            f"({digits[:3]}) {digits[3:6]} {digits[6:]}",
            f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
            digits,
            f"+1{digits}",
        ]
    )


def hubspot_contact(rng: random.Random, i: int) -> dict[str, Any]:
    """A contact as the HubSpot emulator returns it, with the hub's own properties."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    slug = f"{first}-{last}-{i}".lower().replace("'", "")
    props: dict[str, Any] = {
        "firstname": first,
        "lastname": f" {last}",
        "email": f"{first}.{last}{i}@Example.com".replace("'", ""),
        "hs_additional_emails": f"{first}{i}@work.example;" if i % 3 == 0 else None,
        "phone": phone(rng, i),
        "mobilephone": phone(rng, i + 1) if i % 4 == 0 else None,
        "company": rng.choice(COMPANIES),
        "jobtitle": rng.choice(TITLES),
        "city": "London" if i % 2 else None,
        "linkedin_url": rng.choice(LINKEDIN).format(slug=slug),
        "website": f"{slug}.dev/" if i % 5 == 0 else None,
        "candidate_tags": "python;ml" if i % 2 else None,
        "candidate_status": rng.choice(STATUSES),
        "hs_email_optout": rng.choice(["true", "false", ""]),
        "hub_nurture": rng.choice(["true", "false"]),
        "hub_gdpr_consent": None,
        "hubspot_owner_id": str(4512 + i % 3),
        "greenhouse_candidate_id": str(53_000_000 + i) if i % 2 else None,
        "hub_person_id": f"p-{i}",
        "lifecyclestage": "lead",
        "hs_lead_status": "NEW",
        "createdate": "2024-01-01T00:00:00.000Z",
        "lastmodifieddate": "2024-06-01T12:00:00.000Z",
    }
    return {
        "id": str(1000 + i),
        "properties": props,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-06-01T12:00:00.000Z",
        "archived": False,
    }


def greenhouse_candidate(template: dict[str, Any]) -> Callable[[random.Random, int], Any]:
    """Candidates built on the Harvest v1 fixture, with the emulator's varied fields."""

    def make(rng: random.Random, i: int) -> dict[str, Any]:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        handle = f"{first}.{last}".lower().replace("'", "")
        record = json.loads(json.dumps(template))
        record.update(
            id=53_000_000 + i,
            first_name=first,
            last_name=last,
            company=rng.choice(COMPANIES),
            title=rng.choice(TITLES),
            email_addresses=[
                {"value": f"{handle}{i}@gmail.com", "type": "personal"},
                *([{"value": f"{handle}@work.example", "type": "work"}] if i % 2 else []),
            ],
            phone_numbers=[{"value": phone(rng, i), "type": rng.choice(["mobile", "home"])}],
            social_media_addresses=[{"value": f"https://www.linkedin.com/in/{handle}-{i}"}],
            tags=rng.sample(["Python", "Go", "Leadership", "Referral", "Remote"], k=2),
            recruiter_id=92120 + i % 4,
        )
        return record

    return make


def import_copy(directory: Path) -> str:
    """Import a copy of ``hub/mapping`` kept in ``directory`` as a package of its own."""
    name = "mapping_before"
    target = Path(tempfile.mkdtemp()) / name
    shutil.copytree(directory, target, ignore=shutil.ignore_patterns("__pycache__"))
    for source in target.rglob("*.py"):
        source.write_text(source.read_text().replace("hub.mapping", name))
    sys.path.insert(0, str(target.parent))
    importlib.import_module(name)
    return name


def load(package: str, file: str, plugins: HubPlugins) -> Any:
    """Load one shipped mapping with ``package``'s loader, as ``hub.sync.build`` does."""
    loader = importlib.import_module(f"{package}.loader")
    transforms = importlib.import_module(f"{package}.transforms")
    registry = transforms.builtin_registry(plugins.transforms)
    models = vendor_models_of(plugins.connectors)
    return loader.load_mapping(MAPPINGS / file, registry=registry, vendor_models=models).mapping


def best_times(
    funcs: dict[str, Callable[[Any], Any]], items: list[Any], rounds: int
) -> dict[str, float]:
    """Best-of-``rounds`` CPU microseconds per item of each function, rounds interleaved.

    Interleaving lets a busy moment on the machine hit every version alike; the best round is
    the one least disturbed.
    """
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(rounds):
        for name, func in funcs.items():
            start = time.process_time()
            for item in items:
                func(item)
            best[name] = min(best[name], time.process_time() - start)
    return {name: seconds / len(items) * 1e6 for name, seconds in best.items()}


def outcome(result: Any) -> tuple[Any, ...]:
    """What must not change: the model, the payload and every issue, as plain data."""
    value = result.value.model_dump(mode="json") if result.value is not None else None
    issues = [(i.source, i.target, i.reason) for i in result.issues]
    return value, result.payload, issues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", type=Path, help="a copy of hub/mapping to compare with")
    args = parser.parse_args()
    plugins = HubPlugins.load(environ={})
    packages = ["hub.mapping"] + ([import_copy(args.before)] if args.before else [])
    template = json.loads(CANDIDATE_FIXTURE.read_text())
    cases = [
        ("hubspot.contact.yaml", hubspot_contact),
        ("greenhouse.candidate.yaml", greenhouse_candidate(template)),
    ]
    for file, make in cases:
        rng = random.Random(7)
        records = [make(rng, i) for i in range(args.records)]
        mappings = {p: load(p, file, plugins) for p in packages}
        inbound = {p: [m.to_canonical(r) for r in records] for p, m in mappings.items()}
        persons = [r.value for r in inbound["hub.mapping"] if r.value is not None]
        outbound = {p: [m.to_vendor(v) for v in persons] for p, m in mappings.items()}
        for p in packages[1:]:
            same_in = list(map(outcome, inbound[p])) == list(map(outcome, inbound["hub.mapping"]))
            same_out = list(map(outcome, outbound[p])) == list(map(outcome, outbound[packages[0]]))
            if not (same_in and same_out):
                sys.exit(f"{file}: results differ from {p}")
        issues = sum(len(r.issues) for r in inbound["hub.mapping"])
        print(f"{file}: {len(records):,} records, {issues} field issues (µs per record, CPU)")
        inbound_us = best_times(
            {p: m.to_canonical for p, m in mappings.items()}, records, args.rounds
        )
        outbound_us = best_times(
            {p: m.to_vendor for p, m in mappings.items()}, persons, args.rounds
        )
        times = {p: (inbound_us[p], outbound_us[p]) for p in packages}
        for p in packages:
            to_canonical, to_vendor = times[p]
            label = "current" if p == "hub.mapping" else f"{p} ({args.before})"
            print(f"  {label:<45} to_canonical {to_canonical:7.1f}  to_vendor {to_vendor:7.1f}")
        if args.before:
            (new_in, new_out), (old_in, old_out) = times["hub.mapping"], times[packages[1]]
            print(f"  {'speed-up':<45} to_canonical {old_in / new_in:6.1f}x  "
                  f"to_vendor {old_out / new_out:6.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
