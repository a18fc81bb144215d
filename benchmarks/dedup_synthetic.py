"""Synthetic recruiting benchmark: clustered pairwise F1, automatic-link precision, timings.

Run: ``.venv/bin/python benchmarks/dedup_synthetic.py --records 20000`` (``--records 1000000`` for
the scale run). Prints quality against the generator's known true pairs, the "exact email only"
baseline side by side, wall time per phase (reading the CSV apart from normalising it), the
scan's peak RSS (measured before anything else is loaded: the truth, the baseline and the
incremental index come after), and the median time of one incremental match against an index
of every record.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_eval import cluster_prf, link_prf, peak_rss_mb, phase_line, run_scan
from dedup_synth_data import _Pools, flatten, generate, make_entity, make_record

from hub.dedup import Matcher, Outcome
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


def exact_email_baseline(rows) -> dict[str, str]:
    """Cluster labels from identical (trimmed, lower-cased) email strings."""
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
    return {x: find(x) for x in parent}


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
    run, weights, decisions, outcomes, clustering, timings = run_scan(
        spec, read_records(path, spec)
    )
    scan_rss = peak_rss_mb()
    print(
        f"records={len(run.ids):,} candidate pairs={run.stats.pairs:,} "
        f"oversized blocks skipped={run.stats.oversized_blocks:,}"
    )
    print("outcomes: " + ", ".join(f"{k}={v:,}" for k, v in sorted(outcomes.items())))
    print(f"phases: {phase_line(timings)} | scan peak RSS={scan_rss:,.0f} MB")

    entity_of: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entity_of[row["id"]] = int(row["entity"])
    truth = [entity_of[rid] for rid in run.ids]
    index = {rid: i for i, rid in enumerate(run.ids)}
    cp, cr, cf = cluster_prf(clustering.labels, truth)
    auto = [(index[d.left], index[d.right]) for d in decisions if d.outcome is Outcome.SAME]
    ap, ar, _ = link_prf(auto, truth)
    print(
        f"hub dedupe   clustered P={cp:.4f} R={cr:.4f} F1={cf:.4f} | auto links P={ap:.4f} "
        f"R={ar:.4f} | refused links={len(clustering.refused)}"
    )
    del auto, decisions, index
    if not args.no_baseline:
        rows = ((rid, {"email": f["email"]}, src) for rid, f, src in read_records(path, spec))
        labels = exact_email_baseline(rows)
        bp, br, bf = cluster_prf([labels[rid] for rid in run.ids], truth)
        print(f"exact email  clustered P={bp:.4f} R={br:.4f} F1={bf:.4f}")
    by_entity = max(truth) + 1

    # Incremental: index everything, then match fresh records of existing people.
    t = time.perf_counter()
    matcher = Matcher.from_records(spec, weights, run.ids, run.records)
    build = time.perf_counter() - t
    rng = random.Random(args.seed + 1)
    pools = _Pools(rng)
    probes = []
    for _ in range(args.lookups):
        eid = rng.randrange(by_entity)
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
        f"{sorted(times)[int(len(times) * 0.99) - 1] * 1e3:.3f} ms, max "
        f"{max(times) * 1e3:.3f} ms over {len(times)} lookups | process peak RSS "
        f"{peak_rss_mb():,.0f} MB"
    )


if __name__ == "__main__":
    main()
