"""``hub db``: database migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from hub.cli.context import state
from hub.cli.errors import reported_errors
from hub.store import create_store_engine, current_revision, head_revisions, upgrade

app = typer.Typer(help="Database migrations.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Apply all migrations to the configured database."""
    with reported_errors():
        engine = create_store_engine(state(ctx).config.database_url)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        engine.dispose()
    moved = "already current" if before == after else f"{_rev(before)} -> {_rev(after)}"
    console.print(f"database upgraded: {moved}")


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Show the database's migration revision and the code's newest."""
    with reported_errors():
        engine = create_store_engine(state(ctx).config.database_url)
        console.print(f"database: {_rev(current_revision(engine))}")
        console.print(f"code:     {_rev(head_revisions(engine))}")
        engine.dispose()


def _rev(revisions: set[str]) -> str:
    return ",".join(sorted(revisions)) or "(empty)"
