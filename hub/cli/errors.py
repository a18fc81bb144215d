"""How the CLI reports errors: user mistakes as located lines (exit 2), never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from hub.errors import ConfigError, HubError

__all__ = ["err_console", "reported_errors"]

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn ConfigError into one line per problem and exit 2, other HubErrors into exit 1."""
    try:
        yield
    except ConfigError as exc:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False)
        raise typer.Exit(2) from None
    except HubError as exc:
        err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
