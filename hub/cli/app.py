"""The ``hub`` command line."""

from __future__ import annotations

import gc
import importlib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub import __version__
from hub.cli import db
from hub.cli.context import CliState, state
from hub.cli.demo import demo as demo_command
from hub.cli.errors import reported_errors
from hub.cli.sync import reconcile_command
from hub.cli.sync import sync as sync_command
from hub.cli.worker import LogFormatOption
from hub.cli.worker import worker as worker_command
from hub.connector import ConnectorContext, EmulatorOptions
from hub.health import check_database, check_redis
from hub.logs import configure_logging

console = Console(highlight=False)
app = typer.Typer(
    name="hub",
    help="talent-hub: keeps a recruiting CRM and an ATS in sync.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.command("demo")(demo_command)
app.command("sync")(sync_command)
app.command("reconcile")(reconcile_command)
app.command("worker")(worker_command)

# Feature command groups live beside their feature; a group whose module is absent is left out.
for _module, _name in (
    ("hub.cli.mappings", "mappings"),
    ("hub.cli.dedupe", "dedupe"),
    ("hub.cli.rules", "rules"),
    ("hub.cli.webhooks", "webhooks"),
    ("hub.cli.persons", "persons"),
):
    try:
        app.add_typer(importlib.import_module(_module).app, name=_name)
    except ModuleNotFoundError as exc:
        if exc.name != _module:
            raise

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $HUB_CONFIG, then ./config.yaml)."),
]


@app.callback()
def root(ctx: typer.Context, config: ConfigOption = None) -> None:
    """talent-hub: keeps a recruiting CRM and an ATS in sync."""
    ctx.obj = CliState(config_path=config)


@app.command()
def version() -> None:
    """Print the hub's version."""
    console.print(__version__)


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check the config, the database, the queue and the installed connectors."""
    cli = state(ctx)
    with reported_errors():
        config = cli.config
    configure_logging(level=config.logging.level, fmt=config.logging.format)
    checks = [check_database(config), check_redis(config)]
    table = Table("check", "ok", "detail", title="hub doctor")
    table.add_row("config", "yes", config.source or "<defaults>")
    for check in checks:
        table.add_row(check.name, "yes" if check.ok else "[red]NO[/]", check.detail)
    specs = cli.plugins.connectors
    for name, conn in config.connections.items():
        spec = specs[conn.connector]
        table.add_row(f"connection {name}", "yes", f"{spec.system} via {spec.name} {spec.version}")
    console.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command()
def serve(
    ctx: typer.Context,
    listen: Annotated[
        str | None, typer.Option(help="host:port to listen on (default: api.listen).")
    ] = None,
    log_format: LogFormatOption = None,
) -> None:
    """Run the HTTP service: inbound vendor webhooks, admin API, health and metrics."""
    import uvicorn

    from hub.api import create_app

    cli = state(ctx)
    with reported_errors():
        config = cli.config
        host, _, port = (listen or config.api.listen).rpartition(":")
        if not host or not port.isdigit():
            raise typer.BadParameter(f"listen must be host:port, not {listen!r}")
        configure_logging(level=config.logging.level, fmt=log_format or config.logging.format)
        asgi = create_app(config, plugins=cli.plugins)
    # What is loaded by now (modules, plugins, schemas) lives as long as the process: keep it
    # out of the collector's full passes, which otherwise stall every request in flight for a
    # quarter of a second now and then under a burst.
    gc.collect()
    gc.freeze()
    console.print(f"talent-hub serving on http://{host}:{port} (OpenAPI at /docs)")
    # uvicorn's own records go through our handler (log_config=None); the middleware writes
    # the access log, without query strings
    uvicorn.run(
        asgi, host=host, port=int(port), log_level="warning", log_config=None, access_log=False
    )


@app.command()
def connectors(ctx: typer.Context) -> None:
    """List installed connectors with their system, object types and version."""
    with reported_errors():
        specs = state(ctx).plugins.connectors
    table = Table("name", "system", "object types", "version", "description")
    for name, spec in sorted(specs.items()):
        types = ", ".join(spec.object_types)
        table.add_row(name, spec.system, types, spec.version, spec.description)
    console.print(table)


@app.command()
def emulator(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Connector whose vendor to emulate.")],
    port: Annotated[int, typer.Option(help="Port to listen on (127.0.0.1).")] = 8100,
    seed: Annotated[int, typer.Option(help="Seed for the generated data.")] = 1,
    people: Annotated[int, typer.Option(help="How many people to generate.")] = 100,
    rate_limit: Annotated[
        int | None, typer.Option(help="Requests per window; 0 turns limiting off.")
    ] = None,
    webhook_url: Annotated[
        list[str] | None, typer.Option(help="URL to send signed webhooks to (repeatable).")
    ] = None,
    webhook_secret: Annotated[str, typer.Option(help="Secret to sign webhooks with.")] = (
        "emulator-secret"
    ),
) -> None:
    """Run a vendor emulator (the sandbox) on a loopback port."""
    import uvicorn

    with reported_errors():
        spec = state(ctx).plugins.connector(name)
        if spec.emulator is None:
            raise typer.BadParameter(f"connector {name!r} ships no emulator")
        options = EmulatorOptions(
            seed=seed,
            people=people,
            rate_limit=rate_limit,
            webhook_urls=tuple(webhook_url or ()),
            webhook_secret=webhook_secret,
        )
        asgi = spec.emulator(options)
    console.print(f"{name} emulator on http://127.0.0.1:{port} (seed {seed}, {people} people)")
    uvicorn.run(asgi, host="127.0.0.1", port=port, log_level="warning")


@app.command()
def setup(
    ctx: typer.Context,
    connection: Annotated[
        str | None, typer.Option(help="Only this connection (default: all).")
    ] = None,
) -> None:
    """Create what the hub needs in each vendor (custom properties…). Safe to run again."""
    cli = state(ctx)
    with reported_errors():
        config = cli.config
        names = [connection] if connection else list(config.connections)
        for name in names:
            conn = config.connections.get(name)
            if conn is None:
                raise typer.BadParameter(f"no connection named {name!r}")
            spec = cli.plugins.connector(conn.connector)
            built = spec.build(conn.settings, ConnectorContext(connection=name))
            try:
                lines = built.setup()
            finally:
                built.close()
            console.print(f"[bold]{name}[/] ({spec.name}):")
            for line in lines or ["nothing to set up"]:
                console.print(f"  {line}", markup=False)


@app.command()
def runs(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option(help="Only runs of this sync pair.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
) -> None:
    """List recent sync runs, newest first."""
    from hub.store.open import open_store
    from hub.store.repo import list_runs

    with reported_errors():
        engine, sessions = open_store(state(ctx).config)
    table = Table("id", "pair", "started", "finished", "status", "counts", "error")
    with sessions() as session:
        for run in list_runs(session, pair=pair, limit=limit):
            counts = ", ".join(f"{k}={v}" for k, v in sorted(run.counts.items()))
            finished = run.finished_at.isoformat(timespec="seconds") if run.finished_at else ""
            table.add_row(
                str(run.id),
                run.pair,
                run.started_at.isoformat(timespec="seconds"),
                finished,
                run.status,
                counts,
                run.error or "",
            )
    engine.dispose()
    console.print(table)
