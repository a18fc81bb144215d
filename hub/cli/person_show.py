"""``hub persons show EMAIL|ID``: a person's links, fields with provenance, and rule timeline."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.context import state
from hub.cli.errors import reported_errors
from hub.store.open import open_store
from hub.sync.person_view import PersonView, find_person, person_view

__all__ = ["show"]

console = Console(highlight=False)


def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The person's hub id or one of their emails.")],
    timeline: Annotated[int, typer.Option(min=1, help="Newest rule outcomes to show.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show a person: vendor links, golden fields with provenance, and the rule timeline."""
    with reported_errors():
        config = state(ctx).config
        engine, sessions = open_store(config)
        try:
            with sessions() as session:
                person_id = find_person(session, key)
                view = person_view(session, person_id, limit=timeline) if person_id else None
        finally:
            engine.dispose()
    if view is None:
        typer.echo("no person found for that id or email", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    _print(view)


def _print(view: PersonView) -> None:
    erased = f", erased {view.erased_at:%Y-%m-%d}" if view.erased_at else ""
    console.print(
        f"[bold]person {view.id}[/]  status: {view.status or '-'}  version {view.version}{erased}"
    )
    links = Table("connection", "object", "id", "linked at", title="links")
    for link in view.links:
        links.add_row(
            link.connection,
            link.object_type,
            link.external_id,
            link.linked_at.isoformat(timespec="seconds"),
        )
    console.print(links)
    fields = Table("field", "value", "set by", "as of", title="fields")
    for item in view.fields:
        source = f"{item.system} ({item.connection})" if item.system else ""
        at = item.at.isoformat(timespec="seconds") if item.at else ""
        fields.add_row(item.field, _value(item.value), source, at)
    console.print(fields)
    console.print("[bold]timeline[/]")
    if not view.timeline:
        console.print("  no rule has fired for this person")
    for entry in view.timeline:
        head = f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.trigger}  {entry.rule or '-'}: "
        console.print(f"  {head}{entry.outcome} ({entry.reason})", markup=False)
        for condition in entry.matched:
            console.print(f"      if {condition['condition']}", markup=False)
        for action, result in zip(entry.actions, entry.results, strict=False):
            note = f" ({result.result})" if result.result else ""
            console.print(
                f"      -> {action}  [{result.kind}: {result.status}{note}]", markup=False
            )
        for dropped in entry.dropped:
            console.print(f"      xx {dropped['action']}: {dropped['reason']}", markup=False)


def _value(value: Any) -> str:
    if isinstance(value, list):
        parts = [
            str(v.get("address") or v.get("number") or v.get("url") or v)
            if isinstance(v, dict)
            else str(v)
            for v in value
        ]
        return ", ".join(parts)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)
