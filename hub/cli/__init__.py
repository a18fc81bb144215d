"""The ``hub`` console script."""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``hub`` console script."""
    from hub.cli.app import app

    app()
