"""``hub rules …``: check a rules file, and replay recorded events through it (writing nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.errors import reported_errors
from hub.rules.evaluator import evaluate
from hub.rules_io import DEFAULT_RULES, load_rules, read_replay

__all__ = ["app"]

app = typer.Typer(
    help="Check transition rules and dry-run them on recorded events.", no_args_is_help=True
)

StageOption = Annotated[
    list[str] | None,
    typer.Option("--stage", help="A known stage name (repeatable), besides the file's stages:."),
]


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The rules file.")] = DEFAULT_RULES,
    stage: StageOption = None,
) -> None:
    """Check a rules file: exit 0 with an OK line, 2 with one located line per problem."""
    with reported_errors():
        rules = load_rules(file, stages=stage or ())
    typer.echo(f"{file}: OK ({len(rules.rules)} rules)")


@app.command("dry-run")
def dry_run(
    events: Annotated[
        Path, typer.Option("--events", help="Recorded change events, one JSON object a line.")
    ],
    rules_file: Annotated[Path, typer.Option("--rules", help="The rules file.")] = DEFAULT_RULES,
    stage: StageOption = None,
) -> None:
    """Print what each rule would do for each recorded event. Nothing is written anywhere."""
    with reported_errors():
        rules = load_rules(rules_file, stages=stage or ())
        contexts = list(read_replay(events, rules=rules))
    fired = 0
    for number, ctx in contexts:
        evaluation = evaluate(rules, ctx)
        fired += len(evaluation.fired)
        event = ctx.event
        typer.echo(f"{events}:{number}: {event.object_type} {event.external_id} {evaluation}")
    typer.echo(f"{len(contexts)} events, {fired} rule firings (dry run: nothing written)")
