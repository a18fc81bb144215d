"""Shared helpers for the dedup benchmarks: run a scan phase by phase and score it."""

from __future__ import annotations

import itertools
import resource
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence

from hub.dedup import Scan
from hub.dedup.scoring import Outcome


def run_scan(spec, records):
    """Run every phase, timing each. Returns (scan, decisions, outcomes, clustering, timings)."""
    run = Scan(spec)
    timings = {}
    t = time.perf_counter()
    run.normalise(records)
    timings["normalise"] = time.perf_counter() - t
    t = time.perf_counter()
    run.block()
    timings["block"] = time.perf_counter() - t
    t = time.perf_counter()
    run.compare()
    weights = run.estimate()
    decisions, outcomes = run.score(weights)
    timings["score"] = time.perf_counter() - t
    t = time.perf_counter()
    clustering = run.cluster()
    timings["cluster"] = time.perf_counter() - t
    return run, weights, decisions, outcomes, clustering, timings


def cluster_pairs(ids: Sequence[str], labels: Sequence[int]) -> set[tuple[str, str]]:
    groups = defaultdict(list)
    for record_id, label in zip(ids, labels, strict=True):
        groups[label].append(record_id)
    return {
        tuple(sorted(p)) for members in groups.values() for p in itertools.combinations(members, 2)
    }


def prf(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def auto_pairs(decisions: Iterable) -> set[tuple[str, str]]:
    return {tuple(sorted((d.left, d.right))) for d in decisions if d.outcome is Outcome.SAME}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
