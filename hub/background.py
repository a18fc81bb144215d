"""A named daemon thread with start/stop, for the hub's in-process background services."""

from __future__ import annotations

import threading
from typing import Self

__all__ = ["BackgroundThread"]


class BackgroundThread:
    """Runs :meth:`run` on a daemon thread until :meth:`stop`; subclasses poll ``stopping``."""

    def __init__(self, name: str) -> None:
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.run, name=name, daemon=True)

    def start(self) -> Self:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Ask the loop to stop and wait for it (up to ``timeout`` seconds)."""
        self.stopping.set()
        self._thread.join(timeout)

    def run(self) -> None:
        """The loop; it must return soon after ``stopping`` is set."""
        raise NotImplementedError
