"""Synthetic recruiting benchmark: clustered pairwise F1, automatic-link precision, timings.

Run: ``.venv/bin/python benchmarks/dedup_synthetic.py --records 20000`` (``--records 1000000`` for
the scale run). Prints quality against the generator's known true pairs, the "exact email only"
baseline side by side, wall time per phase, peak RSS, and the median time of one incremental
match against the built index.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_eval import auto_pairs, cluster_pairs, peak_rss_mb, prf, run_scan
from dedup_synth_data import _Pools, flatten, generate, make_entity, make_record

from hub.dedup import Matcher
from hub.dedupe_io import load_match_spec, read_records

CONFIG = Path(__file__).parent.parent / "mappings" / "match.persons.yaml"
# CSV column → generator field, matching the shipped config's columns.
FIELD_COLUMNS = {
    "email": "email",
    "phone": "phone",
    "linkedin": "linkedin",
    "github": "github",
    "first_name": "given_name",
    "last_name": "family_name",
    "company": "company",
}


def write_csv(path: Path, records) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "source", "entity", *FIELD_COLUMNS])
        for rid, fields, source, eid in records:
            cells = [";".join(v for v in fields[f] if v) for f in FIELD_COLUMNS.values()]
            writer.writerow([rid, source, eid, *cells])


def exact_email_baseline(rows) -> set[tuple[str, str]]:
    """Pairs clustered by identical (trimmed, lower-cased) email strings."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    owner: dict[str, str] = {}
    for record_id, fields, _ in rows:
        find(record_id)
        for email in (e for cell in fields["email"] for e in cell.split(";")):
            key = email.strip().lower()
            if key:
                if key in owner:
                    parent[find(record_id)] = find(owner[key])
                else:
                    owner[key] = record_id
    return cluster_pairs(list(parent), [hash(find(x)) for x in parent])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lookups", type=int, default=1_000)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--csv", type=Path, help="data file (generated when missing)")
    args = parser.parse_args()
    spec = load_match_spec(args.config)

    # The data goes through a CSV file, as with `hub dedupe scan`, and is streamed into the
    # scan, so that peak RSS measures the scan and not a copy of the raw data.
    path = args.csv or Path(f"/tmp/dedup_synth_{args.records}_{args.seed}.csv")
    if not path.exists():
        t = time.perf_counter()
        write_csv(path, generate(args.records, seed=args.seed))
        print(f"generated {args.records:,} records into {path} in {time.perf_counter() - t:.1f}s")
    entity_of: dict[str, int] = {}
    baseline_rows = None if args.no_baseline else []

    def rows():
        for rid, fields, source in read_records(path, spec):
            if baseline_rows is not None:
                baseline_rows.append((rid, {"email": fields["email"]}, source))
            yield rid, fields, source

    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entity_of[row["id"]] = int(row["entity"])
    run, weights, decisions, outcomes, clustering, timings = run_scan(spec, rows())
    by_entity = defaultdict(list)
    for rid, eid in entity_of.items():
        by_entity[eid].append(rid)
    truth = {
        tuple(sorted((a, b)))
        for ids in by_entity.values()
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    }
    clustered = cluster_pairs(run.ids, clustering.labels)
    auto = auto_pairs(decisions)
    cp, cr, cf = prf(clustered, truth)
    ap, ar, _ = prf(auto, truth)
    print(
        f"records={len(run.ids):,} true pairs={len(truth):,} candidate pairs={run.stats.pairs:,} "
        f"oversized blocks skipped={run.stats.oversized_blocks:,}"
    )
    print("outcomes: " + ", ".join(f"{k}={v:,}" for k, v in sorted(outcomes.items())))
    print(
        f"hub dedupe   clustered P={cp:.4f} R={cr:.4f} F1={cf:.4f} | auto links P={ap:.4f} "
        f"R={ar:.4f} | refused links={len(clustering.refused)}"
    )
    if not args.no_baseline:
        bp, br, bf = prf(exact_email_baseline(baseline_rows), truth)
        print(f"exact email  clustered P={bp:.4f} R={br:.4f} F1={bf:.4f}")
    print(
        "phases: "
        + ", ".join(f"{k}={v:.1f}s" for k, v in timings.items())
        + f" | total={sum(timings.values()):.1f}s | peak RSS={peak_rss_mb():,.0f} MB"
    )

    # Incremental: index everything, then match fresh records of existing people.
    matcher = Matcher(spec, weights)
    t = time.perf_counter()
    for rid, record in zip(run.ids, run.records, strict=True):
        matcher.add_normalised(rid, record)
    build = time.perf_counter() - t
    rng = random.Random(args.seed + 1)
    pools = _Pools(rng)
    probes = []
    for _ in range(args.lookups):
        eid = rng.randrange(max(by_entity) + 1)
        entity = make_entity(random.Random(eid), pools, eid)  # not the generator's exact entity
        source = rng.choice(["hubspot", "greenhouse"])
        probes.append(flatten(make_record(rng, entity, source), source))
    times = []
    for fields in probes:
        t = time.perf_counter()
        matcher.match(fields)
        times.append(time.perf_counter() - t)
    print(
        f"incremental: index build {build:.1f}s for {len(matcher):,} records; one match: "
        f"median {statistics.median(times) * 1e3:.3f} ms, p99 "
        f"{sorted(times)[int(len(times) * 0.99) - 1] * 1e3:.3f} ms over {len(times)} lookups"
    )


if __name__ == "__main__":
    main()
