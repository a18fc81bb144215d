"""``hub sync``: run a sync pair inline, with progress and a summary table."""

from __future__ import annotations

from collections import Counter, defaultdict
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
from hub.sync.build import build_pair
from hub.sync.lock import pair_lock
from hub.sync.reconcile import reconcile
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
    "rule_writes",
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


def reconcile_command(
    ctx: typer.Context,
    pair: Annotated[
        str | None, typer.Option(help="Sync pair to check (default: the only one).")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Repair the drift (default: report only).")
    ] = False,
    show: Annotated[int, typer.Option(min=0, help="Ids to list per finding.")] = 10,
) -> None:
    """Compare both systems with the hub's links and report the drift; --apply repairs it."""
    cli = state(ctx)
    with reported_errors():
        config = cli.config
        name = choose_pair(config, pair)
        engine, sessions = open_store(config)
        try:
            with pair_lock(engine, name, wait=60.0):
                runner, opened = build_pair(
                    config, name, plugins=cli.plugins, sessions=sessions, now=_now
                )
                try:
                    drift = reconcile(runner, apply=apply)
                finally:
                    for connector in opened:
                        connector.close()
        finally:
            engine.dispose()
    table = Table("connection", "records", "unlinked", "links to missing records", title="drift")
    for connection, total in drift.records.items():
        table.add_row(
            connection,
            str(total),
            str(len(drift.unlinked.get(connection, []))),
            str(len(drift.missing.get(connection, []))),
        )
    console.print(table)
    for what, found in (("unlinked", drift.unlinked), ("missing", drift.missing)):
        for connection, ids in found.items():
            if ids and show:
                more = f" (+{len(ids) - show} more)" if len(ids) > show else ""
                console.print(f"{what} in {connection}: {', '.join(ids[:show])}{more}")
    stale = Counter(f"{p.op.action} {p.op.object_type}" for p in drift.stale)
    for what, n in sorted(stale.items()):
        console.print(f"stale: {n} x {what} (values the hub holds and the vendor lacks)")
    if drift.clean:
        console.print("no drift: both systems agree with the hub")
    if drift.repaired is not None:
        _print(drift.repaired, dry_run=False)
    elif not drift.clean:
        console.print("run again with --apply to repair")
