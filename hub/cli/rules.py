"""``hub rules …``: check a rules file, and replay recorded events through it (writing nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hub.cli.context import state
from hub.cli.errors import reported_errors
from hub.rules import RuleContext, RuleSet
from hub.rules.evaluator import evaluate
from hub.rules_io import DEFAULT_RULES, load_rules, read_replay
from hub.rules_state import with_hub_state
from hub.store import create_store_engine, is_current

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
    ctx: typer.Context,
    events: Annotated[
        Path, typer.Option("--events", help="Recorded change events, one JSON object a line.")
    ],
    rules_file: Annotated[Path, typer.Option("--rules", help="The rules file.")] = DEFAULT_RULES,
    stage: StageOption = None,
    hub: Annotated[
        bool,
        typer.Option(
            "--hub/--no-hub",
            help="Fill what an event leaves out (person, CRM and ATS state) from the hub's store.",
        ),
    ] = True,
) -> None:
    """Print what each rule would do for each recorded event. Nothing is written anywhere."""
    with reported_errors():
        rules = load_rules(rules_file, stages=stage or ())
        contexts = list(read_replay(events, rules=rules))
        if hub:
            contexts = _with_store(ctx, contexts, rules=rules)
    fired = 0
    for number, rule_ctx in contexts:
        evaluation = evaluate(rules, rule_ctx)
        fired += len(evaluation.fired)
        event = rule_ctx.event
        typer.echo(f"{events}:{number}: {event.object_type} {event.external_id} {evaluation}")
    typer.echo(f"{len(contexts)} events, {fired} rule firings (dry run: nothing written)")


def _with_store(
    ctx: typer.Context, contexts: list[tuple[int, RuleContext]], *, rules: RuleSet
) -> list[tuple[int, RuleContext]]:
    """The contexts with the hub's current state filled in, when the store can be read."""
    url = state(ctx).config.database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        typer.echo("no hub store found: events are replayed with their recorded state only")
        return contexts
    engine = create_store_engine(url)
    try:
        if not is_current(engine):
            typer.echo("the hub store is not migrated: events use their recorded state only")
            return contexts
        with engine.connect() as connection, Session(connection) as session:
            return [(n, with_hub_state(session, c, rules=rules)) for n, c in contexts]
    except SQLAlchemyError as exc:
        typer.echo(f"the hub store cannot be read ({type(exc).__name__}): recorded state only")
        return contexts
    finally:
        engine.dispose()
