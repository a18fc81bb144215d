from __future__ import annotations

import os
import subprocess
import sys

from hub.queue.workers import _certainly_dead, worker_name


def name_for(pid: int, host: str | None = None) -> str:
    mine = worker_name().split("~")
    return "~".join([host or mine[0], mine[1], str(pid), "abcdef01"])


def test_a_worker_whose_process_is_gone_is_dead():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert _certainly_dead(name_for(gone.pid))


def test_a_worker_whose_process_runs_is_not_dead():
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not _certainly_dead(name_for(alive.pid))
    finally:
        alive.kill()
        alive.wait()


def test_workers_of_this_process_are_alive_but_an_earlier_holder_of_its_pid_is_not():
    assert not _certainly_dead(worker_name())
    assert _certainly_dead(name_for(os.getpid()))


def test_workers_elsewhere_or_named_by_others_are_left_to_rqs_timeout():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert not _certainly_dead(name_for(gone.pid, host="another-host"))
    assert not _certainly_dead("3f2a9c0e5b7d4e1f")  # rq's default uuid names
