"""Named crash points for crash tests: ``failpoint("sync.after_vendor_write")``.

Crash tests set ``HUB_FAILPOINTS`` in the environment of a real ``hub`` process: a
comma-separated list of names, each optionally ``name@n`` (crash the ``n``-th time the point is
reached; the first time otherwise). When the process reaches an armed point it kills itself with
``SIGKILL``, as an out-of-memory killer or a container runtime would: no exception, no
``finally``, no commit. The variable is read once per process, on the first call; unset, a
failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

__all__ = ["ENV_VAR", "failpoint"]

ENV_VAR = "HUB_FAILPOINTS"

_armed: dict[str, int] | None = None  # name -> hits left before the crash


def _parse(raw: str) -> dict[str, int]:
    armed: dict[str, int] = {}
    for item in raw.split(","):
        name, _, count = item.strip().partition("@")
        if name:
            armed[name] = max(int(count), 1) if count else 1
    return armed


def failpoint(name: str) -> None:
    """Kill this process with ``SIGKILL`` here if ``HUB_FAILPOINTS`` arms ``name``.

    Exists only for crash tests; in any other process it does nothing.

    Args:
        name: The point's name, dotted by area (``sync.mid_read``).
    """
    global _armed
    if _armed is None:
        _armed = _parse(os.environ.get(ENV_VAR, ""))
    left = _armed.get(name)
    if left is None:
        return
    if left > 1:
        _armed[name] = left - 1
        return
    os.kill(os.getpid(), signal.SIGKILL)
