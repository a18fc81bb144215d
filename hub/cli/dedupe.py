"""``hub dedupe …``: find duplicate people (a CSV file or a live connection) and review them."""

from __future__ import annotations

import getpass
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.cli.context import state, store_session
from hub.cli.errors import reported_errors
from hub.dedup.clustering import Clustering
from hub.dedup.scan import Scan
from hub.dedup.scoring import Outcome
from hub.dedup.spec import MatchSpec
from hub.dedup.weights import Weights
from hub.dedupe_io import (
    CsvRecord,
    load_match_spec,
    read_records,
    write_clusters,
    write_matches,
)
from hub.errors import ConfigError, Problem
from hub.persons import approve, get_pair, list_open, reject
from hub.persons.sources import ConnectionRead, read_connection_persons
from hub.persons.vendor import merge_in_vendors
from hub.store.dedup_tables import ReviewPair
from hub.store.tables import Link, Person

app = typer.Typer(help="Find duplicate people (identity resolution).", no_args_is_help=True)

DEFAULT_CONFIG = Path("mappings/match.persons.yaml")
# The match fields a canonical person gives (``hub.dedup.records.person_fields``).
PERSON_FIELDS = frozenset(
    {"email", "phone", "linkedin", "github", "given_name", "family_name", "company"}
)


@app.callback()
def dedupe() -> None:
    """Find duplicate people (identity resolution)."""


@contextmanager
def _phase(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.command(
    help=(
        "Score candidate duplicate pairs in FILE (or, read-only, in a configured connection), "
        "cluster automatic links and write the results."
    )
)
def scan(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Where to write scored pairs (CSV).")],
    file: Annotated[
        Path | None, typer.Argument(help="CSV file, one person record per row.")
    ] = None,
    connection: Annotated[
        str | None,
        typer.Option(help="Scan this configured connection's persons instead (read-only)."),
    ] = None,
    config: Annotated[Path, typer.Option(help="Match config (YAML).")] = DEFAULT_CONFIG,
    clusters: Annotated[
        Path | None, typer.Option(help="Also write each record's cluster id (CSV).")
    ] = None,
) -> None:
    """Score candidate duplicate pairs in FILE (or a live connection) and write the results.

    With --connection, every person record of the connection is read through its connector
    and mapped with the connection's person mapping; nothing is written to the vendor or the
    hub.
    """
    if (file is None) == (connection is None):
        raise typer.BadParameter("give either FILE or --connection NAME (not both)")
    console = Console(stderr=True)
    extra: list[tuple[str, int]] = []
    timings: dict[str, float] = {}
    with reported_errors():
        spec = load_match_spec(config)
        records: Iterable[CsvRecord]
        if file is not None:
            records = _read(file, spec)  # streamed: a million rows are never all in memory
        else:
            assert connection is not None
            records, counts = _read_connection(ctx, console, connection, spec)
            extra = [(f"records read ({counts.object_type})", counts.read)]
            extra.append(("records not mappable (skipped)", counts.unmappable))
        run = Scan(spec)
        with _progress(console) as progress:
            total = len(records) if isinstance(records, list) else None
            task = progress.add_task("normalise", total=total)
            with _phase(timings, "normalise"):
                run.normalise(records, progress=_advance(progress, task))
    with _progress(console) as progress:
        with _phase(timings, "block"):
            run.block()
        task = progress.add_task("compare", total=None)
        with _phase(timings, "compare"):
            run.compare(progress=_advance(progress, task))
    with _phase(timings, "score"):
        weights = run.estimate()
        decisions, outcomes = run.score(weights)
    with _phase(timings, "cluster"):
        clustering = run.cluster()
    labels = {
        record_id: run.ids[label]
        for record_id, label in zip(run.ids, clustering.labels, strict=True)
    }
    write_matches(out, decisions, labels)
    if clusters is not None:
        write_clusters(clusters, run.ids, clustering.labels)
    _summary(Console(), run, outcomes=outcomes, clustering=clustering, timings=timings, extra=extra)
    _weights_table(Console(), weights)


def _read_connection(
    ctx: typer.Context, console: Console, connection: str, spec: MatchSpec
) -> tuple[list[CsvRecord], ConnectionRead]:
    cli = state(ctx)
    usable = set(spec.fields) & PERSON_FIELDS
    if not usable:
        raise ConfigError(
            f"the match config's fields ({', '.join(spec.fields)}) name none of the person "
            f"fields a connection gives ({', '.join(sorted(PERSON_FIELDS))})"
        )
    counts = ConnectionRead()
    with _progress(console) as progress:
        task = progress.add_task(f"read {connection}", total=None)
        counts.progress = _advance(progress, task)
        records = list(read_connection_persons(cli.config, cli.plugins, connection, counts=counts))
    return records, counts


def _read(file: Path, spec: MatchSpec) -> Iterator[CsvRecord]:
    try:
        yield from read_records(file, spec)
    except OSError as err:
        raise ConfigError([Problem(f"cannot read file: {err.strerror}", str(file))]) from None
    except UnicodeDecodeError:
        raise ConfigError([Problem("not a UTF-8 CSV file", str(file))]) from None


def _advance(progress: Progress, task: object) -> Callable[[int], None]:
    def advance(done: int) -> None:
        progress.advance(task, done)  # type: ignore[arg-type]

    return advance


def _summary(
    console: Console,
    run: Scan,
    *,
    outcomes: dict[Outcome, int],
    clustering: Clustering,
    timings: dict[str, float],
    extra: list[tuple[str, int]],
) -> None:
    sizes: dict[int, int] = {}
    for label in clustering.labels:
        sizes[label] = sizes.get(label, 0) + 1
    multi = [s for s in sizes.values() if s > 1]
    table = Table(title="dedupe scan", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    rows = [
        *extra,
        ("records", len(run.ids)),
        ("candidate pairs", run.stats.pairs),
        ("blocks skipped (over max_block_size)", run.stats.oversized_blocks),
        ("pairs: same person (auto)", outcomes.get(Outcome.SAME, 0)),
        ("pairs: review", outcomes.get(Outcome.REVIEW, 0)),
        ("pairs: different", outcomes.get(Outcome.DIFFERENT, 0)),
        ("clusters with duplicates", len(multi)),
        ("records in those clusters", sum(multi)),
        ("links refused (conflicting identifiers)", len(clustering.refused)),
    ]
    for what, value in rows:
        table.add_row(what, f"{value:,}")
    for phase, seconds in timings.items():
        table.add_row(f"time: {phase}", f"{seconds:.2f} s")
    console.print(table)


def _weights_table(console: Console, weights: Weights) -> None:
    table = Table(title=f"weights (prior {weights.prior:.4f})")
    for column in ("field", "level", "m", "u", "weight"):
        table.add_column(column, justify="left" if column in ("field", "level") else "right")
    for field in weights.fields:
        for level, m, u, w in zip(field.levels, field.m, field.u, field.weights[1:], strict=True):
            table.add_row(field.name, level, f"{m:.4f}", f"{u:.6f}", f"{w:+.2f}")
    console.print(table)


@app.command(
    help=(
        "List possible duplicates waiting for a decision, with why; or approve or reject one. "
        "Approving merges the two persons in the hub (undo: `hub persons split`); vendor "
        "records are merged only with --vendor-merge."
    )
)
def review(
    ctx: typer.Context,
    approve_id: Annotated[
        int | None,
        typer.Option("--approve", help="Approve pair ID: merge its two persons in the hub."),
    ] = None,
    reject_id: Annotated[
        int | None,
        typer.Option("--reject", help="Reject pair ID: different people, never proposed again."),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who decides, for the record (default: your user name).")
    ] = None,
    vendor_merge: Annotated[
        bool,
        typer.Option(
            "--vendor-merge",
            help="With --approve: also merge the person's duplicate records in each vendor "
            "(HubSpot and Greenhouse cannot undo it).",
        ),
    ] = False,
    interactive: Annotated[
        bool,
        typer.Option("--interactive", "-i", help="Decide pair by pair at a prompt (a terminal)."),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many open pairs to show.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="How many to skip.")] = 0,
) -> None:
    """List possible duplicates waiting for a decision, with why; or approve or reject one.

    Approving merges the two persons in the hub (reversible: `hub persons split`). Vendor
    records are merged only with --vendor-merge: HubSpot and Greenhouse merges cannot be undone.
    """
    if approve_id is not None and reject_id is not None:
        raise typer.BadParameter("give --approve or --reject, not both")
    if vendor_merge and approve_id is None:
        raise typer.BadParameter("--vendor-merge goes with --approve")
    who = by or _user()
    if approve_id is not None or reject_id is not None:
        _decide(ctx, approve_id=approve_id, reject_id=reject_id, by=who, vendor_merge=vendor_merge)
        return
    if interactive:
        if not _is_terminal():
            raise typer.BadParameter("--interactive needs a terminal; use --approve/--reject")
        _interactive(ctx, by=who, limit=limit, offset=offset)
        return
    with store_session(ctx) as (_, session):
        pairs, total = list_open(session, limit=limit, offset=offset)
        table = _review_table(session, pairs)
    console = Console()
    console.print(table)
    console.print(f"{len(pairs)} of {total} open pairs")


def _is_terminal() -> bool:
    return sys.stdin.isatty()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "cli"


def _decide(
    ctx: typer.Context,
    *,
    approve_id: int | None,
    reject_id: int | None,
    by: str,
    vendor_merge: bool = False,
) -> None:
    console = Console(highlight=False)
    with store_session(ctx) as (config, session):
        if approve_id is not None:
            outcome = approve(
                session, approve_id, by, datetime.now(UTC), connectors=config.connector_names
            )
            merge = outcome.merge
            message = (
                f"approved pair {approve_id}: person {merge.absorbed_id} merged into "
                f"{merge.survivor_id} (merge {merge.id}; undo with `hub persons split "
                f"{merge.id}`)."
            )
            if vendor_merge:
                merged = merge_in_vendors(
                    session,
                    merge.survivor_id,
                    config=config,
                    plugins=state(ctx).plugins,
                    now=datetime.now(UTC),
                )
                for item in merged:
                    outcome_text = "merged" if item.ok else f"NOT merged ({item.error})"
                    message += (
                        f"\n{item.connection} {item.object_type} {item.duplicate} "
                        f"{outcome_text} into {item.survivor}"
                    )
                if not merged:
                    message += "\nno vendor holds two records of this person: nothing to merge"
            else:
                message += " Vendor records were not merged (--vendor-merge does that)."
        else:
            assert reject_id is not None
            reject(session, reject_id, by, datetime.now(UTC))
            message = f"rejected pair {reject_id}: it will not be proposed again"
    console.print(message)


def _interactive(ctx: typer.Context, *, by: str, limit: int, offset: int) -> None:
    console = Console(highlight=False)
    with store_session(ctx) as (_, session):
        pairs, _ = list_open(session, limit=limit, offset=offset)
        ids = [p.id for p in pairs]
    for pair_id in ids:
        with store_session(ctx) as (_, session):
            console.print(_review_table(session, [get_pair(session, pair_id)]))
        answer = typer.prompt("[a]pprove, [r]eject, [s]kip, [q]uit", default="s").strip().lower()
        if answer.startswith("q"):
            break
        if answer.startswith("a"):
            _decide(ctx, approve_id=pair_id, reject_id=None, by=by)
        elif answer.startswith("r"):
            _decide(ctx, approve_id=None, reject_id=pair_id, by=by)


def _review_table(session: Session, pairs: Sequence[ReviewPair]) -> Table:
    table = Table("id", "score", "persons", "evidence", title="dedup review", show_lines=True)
    for pair in pairs:
        explanation = pair.explanation
        fields = [
            f"{f['field']}={f['level']}({f['weight']:+.1f})"
            for f in explanation.get("fields", [])
            if isinstance(f, dict) and f.get("level") != "null"
        ]
        guard = explanation.get("guard", {}).get("reason", "")
        table.add_row(
            str(pair.id),
            f"{pair.score:.3f}",
            f"{_describe(session, pair.person_a)}\n\n{_describe(session, pair.person_b)}",
            "\n".join([*fields, guard]),
        )
    return table


def _describe(session: Session, person_id: str) -> str:
    """Who a person is, for a reviewer: name, company, vendor records (no contact details)."""
    person = session.get(Person, person_id)
    data = person.data if person is not None else {}
    name = " ".join(str(data[k]) for k in ("given_name", "family_name") if data.get(k))
    lines = [person_id, name or "(no name)"]
    if data.get("company"):
        lines.append(str(data["company"]))
    links = session.execute(
        select(Link.connection, Link.object_type, Link.external_id)
        .where(Link.person_id == person_id)
        .order_by(Link.id)
    )
    lines.extend(f"{c} {t} {e}" for c, t, e in links)
    return "\n".join(lines)
