"""Sends a batch of writes side by side: Harvest has no batch endpoints, only one call per op.

Ops that touch a common record form a chain and run one after another, in batch order; chains
run on a bounded thread pool. Every request still takes its slot from the connection's shared
rate budget, so sending side by side shortens the wait on round trips, never the pacing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed

from connectors.greenhouse.writes import GreenhouseWriter, needs_current
from hub.connector import VendorRecord, WriteOp, WriteResult

__all__ = ["GreenhouseWritePool", "plan_chains", "touched_records"]

RecordKey = tuple[str, str]
Runner = Callable[[list[int], threading.Event], None]


def touched_records(op: WriteOp) -> set[RecordKey]:
    """The ``(object_type, id)`` records whose state ``op`` reads or changes, as far as known.

    A merge touches both candidates; an application or note created on a candidate touches
    that candidate. A create of a new person touches nothing that exists.
    """
    touched: set[RecordKey] = set()
    if op.external_id:
        touched.add((op.object_type, str(op.external_id)))
    if op.object_type == "candidate" and op.action == "merge" and op.data.get("duplicate_id"):
        touched.add(("candidate", str(op.data["duplicate_id"])))
    if op.data.get("candidate_id"):
        touched.add(("candidate", str(op.data["candidate_id"])))
    return touched


def plan_chains(ops: Sequence[WriteOp]) -> list[list[int]]:
    """Split the indices of ``ops`` into chains that may run side by side.

    Ops touching a common record share a chain and keep their batch order; every other op is
    a chain of its own. Chains come in the order of their first op.
    """
    chains: dict[int, list[int]] = {}  # keyed by the index of the chain's first op
    owner: dict[RecordKey, int] = {}
    for index, op in enumerate(ops):
        touched = touched_records(op)
        joined = sorted({owner[record] for record in touched if record in owner})
        head = joined[0] if joined else index
        chain = chains.setdefault(head, [])
        for other in joined[1:]:
            chain.extend(chains.pop(other))
            owner.update({record: head for record, o in owner.items() if o == other})
        chain.sort()
        chain.append(index)
        owner.update(dict.fromkeys(touched, head))
    return [chains[head] for head in sorted(chains)]


def _read_ahead(ops: Sequence[WriteOp]) -> dict[int, str]:
    """Index → candidate id of the read-modify-write ops whose candidate may be read up front.

    Only an op that is the first of the batch to touch its candidate qualifies: a later one
    must see what the earlier ops wrote, so it reads when its turn comes, as it always did.
    """
    seen: set[RecordKey] = set()
    ahead: dict[int, str] = {}
    for index, op in enumerate(ops):
        if needs_current(op) and ("candidate", str(op.external_id)) not in seen:
            ahead[index] = str(op.external_id)
        seen |= touched_records(op)
    return ahead


class GreenhouseWritePool:
    """Applies a batch of writes with up to ``concurrency`` requests in flight.

    Args:
        writer: Applies one op.
        concurrency: Chains run at once; 1 applies the ops one by one in the caller's thread.
    """

    def __init__(self, writer: GreenhouseWriter, *, concurrency: int) -> None:
        self.writer = writer
        self.concurrency = concurrency
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Apply ``ops``; one result per op, in the order given.

        Raises:
            ConfigError: Bad credentials or missing permissions; no further op is started.
            AuthExpiredError: The vendor refused a freshly issued token; likewise.
        """
        ahead = _read_ahead(ops)
        read = self.writer.read_current(list(ahead.values())) if ahead else {}
        current: dict[int, list[VendorRecord]] = {
            index: read[cid] for index, cid in ahead.items() if cid in read
        }
        results: list[WriteResult | None] = [None] * len(ops)

        def run(chain: list[int], stop: threading.Event) -> None:
            for index in chain:
                if stop.is_set():
                    return
                results[index] = self.writer.apply(ops[index], current=current.get(index))

        chains = plan_chains(ops)
        if self.concurrency == 1 or len(chains) == 1:
            run(list(range(len(ops))), threading.Event())
        else:
            self._run_side_by_side(chains, run)
        done = [result for result in results if result is not None]
        assert len(done) == len(ops)  # every op has run unless an error ended the batch
        return done

    def close(self) -> None:
        """Wait for writes in flight and stop the worker threads."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _run_side_by_side(self, chains: list[list[int]], run: Runner) -> None:
        stop = threading.Event()
        executor = self._pool()
        futures: list[Future[None]] = [executor.submit(run, chain, stop) for chain in chains]
        error: BaseException | None = None
        for future in as_completed(futures):
            failure = future.exception()
            if failure is not None and error is None:
                # As when sent one by one, the batch ends here: chains finish the op they are
                # sending and start no other.
                error = failure
                stop.set()
        if error is not None:
            raise error

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.concurrency, thread_name_prefix="greenhouse-write"
                )
            return self._executor
