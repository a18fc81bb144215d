"""Shared helpers for the dedup benchmarks: run a scan phase by phase and score it."""

from __future__ import annotations

import itertools
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence

from hub.dedup import Scan
from hub.dedup.scoring import Outcome


class TimedRows:
    """Wraps a record iterator and adds up the time spent producing records (reading input)."""

    def __init__(self, rows: Iterable) -> None:
        self._rows = iter(rows)
        self.seconds = 0.0

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        t = time.perf_counter()
        try:
            return next(self._rows)
        finally:
            self.seconds += time.perf_counter() - t


def run_scan(spec, records):
    """Run every phase, timing each.

    Returns (scan, weights, decisions, outcomes, clustering, timings). ``timings`` has the
    issue's four phases (``normalise`` excludes reading the input, which is ``read``; ``score``
    is compare + estimate + score) and the split of ``score`` as ``score.compare`` …
    """
    run = Scan(spec)
    rows = TimedRows(records)
    timings = {}
    cpu = time.process_time()
    t = time.perf_counter()
    run.normalise(rows)
    timings["read"] = rows.seconds
    timings["normalise"] = time.perf_counter() - t - rows.seconds
    t = time.perf_counter()
    run.block()
    timings["block"] = time.perf_counter() - t
    t = time.perf_counter()
    run.compare()
    timings["score.compare"] = time.perf_counter() - t
    t = time.perf_counter()
    weights = run.estimate()
    timings["score.estimate"] = time.perf_counter() - t
    t = time.perf_counter()
    decisions, outcomes = run.score(weights)
    timings["score.score"] = time.perf_counter() - t
    timings["score"] = timings["score.compare"] + timings["score.estimate"] + timings["score.score"]
    t = time.perf_counter()
    clustering = run.cluster()
    timings["cluster"] = time.perf_counter() - t
    # CPU seconds of the whole scan: on a shared machine, wall time also counts other work.
    timings["cpu"] = time.process_time() - cpu
    return run, weights, decisions, outcomes, clustering, timings


def phase_line(timings) -> str:
    """``read=… normalise=… block=… score=… (compare …) cluster=… | total=…``."""
    main = ["read", "normalise", "block", "score", "cluster"]
    parts = [f"{k}={timings[k]:.1f}s" for k in main if k in timings]
    split = [f"{k.split('.')[1]} {v:.1f}s" for k, v in timings.items() if k.startswith("score.")]
    total = sum(timings[k] for k in main if k in timings)
    cpu = f" (CPU {timings['cpu']:.1f}s)" if "cpu" in timings else ""
    return f"{', '.join(parts)} (score = {', '.join(split)}) | total={total:.1f}s{cpu}"


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


def _pairs_in(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def cluster_prf(labels: Sequence, truth: Sequence) -> tuple[float, float, float]:
    """Pairwise precision/recall/F1 of a clustering against true clusters, by counting.

    Args:
        labels: Per record, its predicted cluster.
        truth: Per record, its true cluster (entity).

    Counting pairs per (cluster, entity) cell instead of listing them keeps this linear even
    when a baseline puts tens of thousands of records in one cluster.
    """
    tp = _pairs_in(Counter(zip(labels, truth, strict=True)).values())
    predicted = _pairs_in(Counter(labels).values())
    actual = _pairs_in(Counter(truth).values())
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def link_prf(links: Iterable[tuple[int, int]], truth: Sequence) -> tuple[float, float, float]:
    """Precision/recall/F1 of distinct record pairs (automatic links) against true clusters."""
    links = list(links)
    tp = sum(truth[i] == truth[j] for i, j in links)
    actual = _pairs_in(Counter(truth).values())
    p = tp / len(links) if links else 1.0
    r = tp / actual if actual else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
