"""``hub dedupe …``: find duplicate people in a CSV file with the match config."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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

app = typer.Typer(help="Find duplicate people (identity resolution).", no_args_is_help=True)

DEFAULT_CONFIG = Path("mappings/match.persons.yaml")


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


@app.command()
def scan(
    file: Annotated[Path, typer.Argument(help="CSV file, one person record per row.")],
    out: Annotated[Path, typer.Option(help="Where to write scored pairs (CSV).")],
    config: Annotated[Path, typer.Option(help="Match config (YAML).")] = DEFAULT_CONFIG,
    clusters: Annotated[
        Path | None, typer.Option(help="Also write each record's cluster id (CSV).")
    ] = None,
) -> None:
    """Score candidate duplicate pairs in FILE, cluster automatic links and write the results."""
    console = Console(stderr=True)
    with reported_errors():
        spec = load_match_spec(config)
        records = _read(file, spec)
    run = Scan(spec)
    timings: dict[str, float] = {}
    with _progress(console) as progress:
        task = progress.add_task("normalise", total=len(records))
        with _phase(timings, "normalise"):
            run.normalise(records, progress=_advance(progress, task))
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
    _summary(Console(), run, outcomes=outcomes, clustering=clustering, timings=timings)
    _weights_table(Console(), weights)


def _read(file: Path, spec: MatchSpec) -> list[CsvRecord]:
    try:
        return list(read_records(file, spec))
    except OSError as err:
        raise ConfigError([Problem(f"cannot read file: {err.strerror}", str(file))]) from None


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
) -> None:
    sizes: dict[int, int] = {}
    for label in clustering.labels:
        sizes[label] = sizes.get(label, 0) + 1
    multi = [s for s in sizes.values() if s > 1]
    table = Table(title="dedupe scan", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    rows = [
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
