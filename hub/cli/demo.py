"""``hub demo``: the sandbox, start to finish, on embedded defaults."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.context import state
from hub.cli.errors import reported_errors
from hub.cli.sync import progress_bars
from hub.demo.run import DemoResult, default_workdir, run_demo
from hub.demo.world import demo_world
from hub.logs import configure_logging

console = Console(highlight=False)


def demo(
    ctx: typer.Context,
    people: Annotated[
        int, typer.Option(help="People in the ATS (the CRM gets half as many).")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed for every generated person and action.")] = 1,
    share: Annotated[
        float, typer.Option(help="Share of ATS candidates the CRM already knows.")
    ] = 0.3,
    keep: Annotated[
        bool, typer.Option(help="Leave the emulators and the hub running to explore.")
    ] = False,
    workdir: Annotated[Path | None, typer.Option(help="Where the demo database goes.")] = None,
) -> None:
    """Run the sandbox: both vendors emulated, an initial sync, a simulated week, a summary."""
    cli = state(ctx)
    configure_logging(level="WARNING")
    # a webhook job that finds a sync running is retried by design; rq would print each as a crash
    for name in ("rq", "rq.worker"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with reported_errors():
        plugins = cli.plugins
        folder = workdir or default_workdir()
        with demo_world(people=people, seed=seed, workdir=folder, plugins=plugins) as world:
            console.print(
                f"Greenhouse emulator {world.greenhouse_url}, HubSpot emulator "
                f"{world.hubspot_url}, hub {world.hub_url}"
            )
            with progress_bars() as listener:
                result = run_demo(
                    world, seed=seed, share=share, say=console.print, listener=listener
                )
            _print(result, folder)
            if keep:
                console.print(
                    f"\nRunning until Ctrl-C. Admin token: {world.admin_token}\n"
                    f"  curl -H 'Authorization: Bearer {world.admin_token}' "
                    f"{world.hub_url}/api/v1/runs"
                )
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass


def _print(result: DemoResult, folder: Path) -> None:
    s = result.summary
    table = Table("", "", title=f"hub demo: done in {result.seconds:.1f} s", show_header=False)
    table.add_row("people in the hub", str(s.persons))
    table.add_row("linked across CRM and ATS", str(s.linked_both))
    table.add_row("  CRM contacts carrying their ATS candidate id", str(s.crm_contacts_with_ats_id))
    table.add_row("duplicate records folded into one person", str(s.duplicates_collapsed))
    table.add_row("possible duplicates waiting in the review queue", str(s.review_open))
    table.add_row("persons merged in the hub (a vendor merge)", str(s.hub_merges))
    table.add_row("people erased on request (GDPR)", str(s.erased))
    table.add_row("field conflicts decided by policy", str(s.conflicts))
    for rule, n in sorted(s.transitions.items(), key=lambda item: -item[1]):
        table.add_row(f"rule fired: {rule}", str(n))
    table.add_row("Greenhouse prospects created from CRM contacts", str(s.prospects_from_crm))
    shown = ", ".join(f"{k} {v}" for k, v in sorted(s.statuses.items()))
    table.add_row("CRM contacts by candidate status", shown or "-")
    for what, n in sorted(s.webhooks.items()):
        table.add_row(f"vendor webhooks {what}", str(n))
    for status, n in sorted(s.delivered.items()):
        table.add_row(f"outbound webhooks {status}", str(n))
    table.add_row("  verified by the receiver (Standard Webhooks signature)", str(s.received))
    if s.refused:
        table.add_row("  refused by the receiver (bad signature)", str(s.refused))
    for what, n in sorted(s.writes.items()):
        table.add_row(f"writes: {what}", str(n))
    for vendor, n in sorted(s.api_calls.items()):
        table.add_row(f"API calls to {vendor}", str(n))
    console.print(table)
    console.print(
        "\nWhat to try next:\n"
        f"  HUB_DATABASE_URL=sqlite:///{folder / 'hub.db'} hub runs\n"
        f"  HUB_DATABASE_URL=sqlite:///{folder / 'hub.db'} hub persons show EMAIL   "
        "(links, fields, rule timeline)\n"
        f"  HUB_DATABASE_URL=sqlite:///{folder / 'hub.db'} hub dedupe review   "
        "(approve or reject possible duplicates)\n"
        "  hub demo --keep                (then the OpenAPI page at <hub url>/docs)\n"
        "  hub mappings preview mappings/hubspot.contact.yaml --record your-contact.json\n"
        "  cp config.example.yaml config.yaml && hub doctor   (your own CRM and ATS)",
        soft_wrap=True,
        markup=False,
    )
