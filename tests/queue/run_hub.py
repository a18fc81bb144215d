"""Runs the ``hub`` CLI with the ``worker`` command registered (until the app registers it)."""

from __future__ import annotations

from hub.cli.app import app
from hub.cli.worker import worker

if not any(c.callback is worker or c.name == "worker" for c in app.registered_commands):
    app.command("worker")(worker)

if __name__ == "__main__":
    app()
