"""``hub persons …``: hub persons as a whole: the merge history and splitting a merge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.context import store_session
from hub.cli.person_show import show
from hub.persons import list_merges, split

__all__ = ["app"]

app = typer.Typer(
    help="Hub persons: a person's links and timeline, merge history and splits.",
    no_args_is_help=True,
)
app.command("show")(show)
console = Console(highlight=False)


def _now() -> datetime:
    return datetime.now(UTC)


@app.command("merges")
def merges(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option(help="Only merges of this person id.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="How many to skip.")] = 0,
) -> None:
    """List hub merges, newest first (split ones say when)."""
    table = Table("id", "survivor", "absorbed", "merged at", "reason", "split at")
    with store_session(ctx) as (_, session):
        rows, total = list_merges(session, limit=limit, offset=offset, person_id=person)
        for merge in rows:
            table.add_row(
                str(merge.id),
                merge.survivor_id,
                merge.absorbed_id,
                merge.created_at.isoformat(timespec="seconds"),
                merge.reason,
                merge.split_at.isoformat(timespec="seconds") if merge.split_at else "",
            )
    console.print(table)
    console.print(f"{len(rows)} of {total}")


@app.command("split")
def split_command(
    ctx: typer.Context,
    merge_id: Annotated[int, typer.Argument(help="The merge to undo (see `hub persons merges`).")],
) -> None:
    """Undo a hub merge: both persons, their links, keys and provenance as before it."""
    with store_session(ctx) as (_, session):
        outcome = split(session, merge_id, _now())
        survivor, absorbed = outcome.merge.survivor_id, outcome.merge.absorbed_id
    console.print(
        f"split merge {merge_id}: person {absorbed} is separate from {survivor} again "
        f"({outcome.links_restored} vendor links restored"
        + (f", {outcome.links_missing} no longer exist" if outcome.links_missing else "")
        + ")"
    )
