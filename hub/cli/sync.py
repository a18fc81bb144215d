"""``hub sync``: run a sync pair inline, with progress and a summary table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from hub.cli.context import state
from hub.cli.errors import reported_errors
from hub.store.open import open_store
from hub.sync.runner import SyncReport
from hub.sync.service import choose_pair, run_pair

console = Console(highlight=False)
OUTCOMES = (
    "read",
    "matched",
    "new_person",
    "changed",
    "created",
    "updated",
    "skipped_as_echo",
    "in_sync",
    "conflicts",
    "errors",
    "write_errors",
)


def _now() -> datetime:
    return datetime.now(UTC)


def sync(
    ctx: typer.Context,
    pair: Annotated[
        str | None, typer.Option(help="Sync pair to run (default: the only one).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore cursors and read everything.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing.")
    ] = False,
) -> None:
    """Run a sync pair now: read both systems, merge, and write what changed."""
    cli = state(ctx)
    with reported_errors():
        config = cli.config
        name = choose_pair(config, pair)
        engine, sessions = open_store(config)
        try:
            with progress_bars() as listener:
                report = run_pair(
                    name,
                    config=config,
                    plugins=cli.plugins,
                    engine=engine,
                    sessions=sessions,
                    now=_now,
                    full=full,
                    dry_run=dry_run,
                    listener=listener,
                    lock_wait=60.0,
                )
        finally:
            engine.dispose()
    _print(report, dry_run=dry_run)


@contextmanager
def progress_bars() -> Iterator[Callable[[str, str, int], None]]:
    """Rich progress bars, one per ``connection.object_type``, counting records as they go."""
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[counts]}"))
    tallies: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def listener(source: str, outcome: str, n: int) -> None:
            if source not in tasks:
                tasks[source] = progress.add_task(source, total=None, counts="")
            tallies[source][outcome] += n
            shown = ", ".join(f"{k} {v}" for k, v in tallies[source].items() if k in OUTCOMES)
            progress.update(tasks[source], counts=shown)

        yield listener
        for task in tasks.values():
            progress.update(task, total=1, completed=1)


def _print(report: SyncReport, *, dry_run: bool) -> None:
    rows: dict[str, dict[str, int]] = defaultdict(dict)
    for key, value in report.counts.items():
        source, _, outcome = key.rpartition(".")
        rows[source][outcome] = value
    table = Table("records", *OUTCOMES, title="sync summary" + (" (dry run)" if dry_run else ""))
    for source, counts in sorted(rows.items()):
        table.add_row(source, *(str(counts.get(o, 0)) for o in OUTCOMES))
    console.print(table)
    if dry_run:
        for item in report.planned:
            target = item.op.external_id or "(new)"
            fields = ", ".join(item.fields)
            line = f"would {item.op.action} {item.op.object_type} {target}: {fields}"
            console.print(line, markup=False)
