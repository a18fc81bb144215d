"""Store inbound webhook events with group commit, and ring for their processing off the path.

A burst of webhooks is the normal case (a bulk edit in a vendor sends hundreds at once). One
transaction per webhook makes every answer wait for its own disk flush and, on SQLite, for the
writer lock. Instead one writer thread takes every webhook waiting when it is free, stores them
all in one transaction (one commit, one flush), and then answers each. A webhook is answered
only after its transaction commits, so a 200 still means "stored".

Processing jobs are enqueued by a second thread, once per connection however many webhooks
came in meanwhile (the job acts on every pending event of its connection). If the process dies
before it rings, the events wait in the inbox for the scheduler's sweep.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import HubError
from hub.logs import describe_error
from hub.models import ChangeEvent
from hub.queue import JobQueues
from hub.store.inbox import store_event_batches
from hub.sync.jobs import process_inbox

__all__ = ["InboxWriter"]

log = logging.getLogger(__name__)

_MAX_BATCH = 256  # webhooks per transaction


@dataclass
class _Pending:
    connection: str
    events: Sequence[ChangeEvent]
    done: Future[int] = field(default_factory=Future)


class InboxWriter:
    """The service's one writer of inbox events (start it, submit, stop it).

    Args:
        sessions: Store sessions.
        queues: Where processing jobs go.
        now: Wall clock (the events' receipt time).
        ring_interval: Least seconds between two rounds of enqueueing processing jobs.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        queues: JobQueues,
        *,
        now: Callable[[], datetime],
        ring_interval: float = 0.5,
    ) -> None:
        self.sessions, self.queues, self.now = sessions, queues, now
        self.ring_interval = ring_interval
        self._waiting: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._ring = threading.Event()
        self._stopping = threading.Event()
        self._writer = threading.Thread(target=self._write_loop, name="hub-inbox-writer")
        self._ringer = threading.Thread(target=self._ring_loop, name="hub-inbox-doorbell")

    def start(self) -> InboxWriter:
        """Start the writer and the doorbell threads."""
        self._writer.start()
        self._ringer.start()
        return self

    def submit(self, connection: str, events: Sequence[ChangeEvent]) -> Future[int]:
        """Queue one webhook's events; the future gives how many were new, once committed."""
        pending = _Pending(connection, events)
        started = self._writer.ident is not None
        if self._stopping.is_set() or (started and not self._writer.is_alive()):
            pending.done.set_exception(HubError("the service is stopping"))
        else:
            self._waiting.put(pending)
        return pending.done

    def stop(self) -> None:
        """Store what was submitted, ring for it, and stop both threads."""
        self._stopping.set()
        self._waiting.put(None)
        self._writer.join(timeout=30)
        self._ring.set()
        self._ringer.join(timeout=30)

    def _write_loop(self) -> None:
        while True:
            first = self._waiting.get()
            batch = [first] if first is not None else []
            stop = first is None
            while len(batch) < _MAX_BATCH:
                try:
                    item = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                else:
                    batch.append(item)
            if batch:
                self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self.sessions.begin() as session:
                counts = store_event_batches(
                    session, [(p.connection, p.events) for p in batch], now=self.now()
                )
        except Exception as exc:  # noqa: BLE001 - whatever it is, answer, and keep writing
            if len(batch) == 1:
                log.error("could not store a webhook's events: %s", describe_error(exc))
                batch[0].done.set_exception(HubError("the inbox could not store the events"))
                return
            # one bad webhook must not fail the others: store each on its own
            for pending in batch:
                self._write([pending])
            return
        for pending, new in zip(batch, counts, strict=True):
            pending.done.set_result(new)
        fresh = {p.connection for p, new in zip(batch, counts, strict=True) if new}
        if fresh:
            with self._dirty_lock:
                self._dirty |= fresh
            self._ring.set()

    def _ring_loop(self) -> None:
        while True:
            self._ring.wait()
            self._ring.clear()
            with self._dirty_lock:
                connections, self._dirty = self._dirty, set()
            for connection in sorted(connections):
                self._enqueue(connection)
            if self._stopping.is_set() and not self._writer.is_alive():
                return
            # a burst rings once in a while, not once a webhook: each job takes every
            # pending event of its connection, and each enqueue costs Redis round trips
            self._stopping.wait(self.ring_interval)

    def _enqueue(self, connection: str) -> None:
        try:
            self.queues.enqueue(process_inbox.ref(connection))
        except (RedisError, HubError) as exc:
            # the events are safe in the inbox; the next scheduled run or sweep acts on them
            log.warning(
                "could not enqueue inbox processing for %s: %s", connection, type(exc).__name__
            )
