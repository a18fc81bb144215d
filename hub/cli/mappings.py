"""``hub mappings …``: check mapping files, and preview one on a real record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli.context import state
from hub.cli.errors import err_console, reported_errors
from hub.errors import ConfigError, Problem
from hub.mapping.loader import LoadedMapping, load_mapping, vendor_models_of
from hub.mapping.preview import preview_record, render_preview
from hub.mapping.transforms import builtin_registry
from hub.plugins import HubPlugins

__all__ = ["app"]

app = typer.Typer(
    help="Check mapping files and preview them on real records.", no_args_is_help=True
)

DEFAULT_DIR = Path("mappings")


def _load(path: Path, plugins: HubPlugins) -> LoadedMapping:
    registry = builtin_registry(plugins.transforms)
    return load_mapping(path, registry=registry, vendor_models=vendor_models_of(plugins.connectors))


def _default_files(plugins: HubPlugins) -> list[Path]:
    """``mappings/<connector>.<object>.yaml`` for every installed connector."""
    names = set(plugins.connectors)
    return sorted(p for p in DEFAULT_DIR.glob("*.yaml") if p.name.split(".", 1)[0] in names)


@app.command()
def check(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Mapping files (default: mappings/<connector>.*.yaml)."),
    ] = None,
) -> None:
    """Check mapping files: exit 0 with one OK line per file, 2 with one line per problem."""
    with reported_errors():
        plugins = state(ctx).plugins
        paths = files or _default_files(plugins)
    problems: list[Problem] = []
    for path in paths:
        try:
            loaded = _load(path, plugins)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        note = (
            "" if loaded.vendor_checked else " (vendor paths not checked: connector not installed)"
        )
        typer.echo(f"{path}: OK{note}")
    for problem in problems:
        err_console.print(str(problem), markup=False)
    if problems:
        raise typer.Exit(2)


def _read_record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read file: {exc.strerror}", str(path))]) from None
    except json.JSONDecodeError as exc:
        where = Problem("not valid JSON", str(path), exc.lineno, exc.colno)
        raise ConfigError([where]) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem("a record must be a JSON object", str(path), 1, 1)])
    return data


@app.command()
def preview(
    ctx: typer.Context,
    mapping: Annotated[Path, typer.Argument(help="The mapping file.")],
    record: Annotated[Path, typer.Option("--record", help="One vendor record as JSON.")],
    outbound: Annotated[
        bool, typer.Option("--outbound", help="Also show the payload written back.")
    ] = False,
) -> None:
    """Map one real record and print the canonical record, and what could not be mapped."""
    with reported_errors():
        loaded = _load(mapping, state(ctx).plugins)
        data = _read_record(record)
    result = preview_record(loaded.mapping, data, outbound=outbound)
    typer.echo(render_preview(result, name=loaded.mapping.name))
