"""``hub webhooks …``: subscriptions, the delivery log, replays and the dispatcher."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

import redis
import typer
from rich.console import Console
from rich.table import Table

from hub.cli.context import state, store_session
from hub.cli.errors import reported_errors
from hub.config import HubConfig, parse_duration
from hub.errors import HubError
from hub.queue import JobQueues, WorkerContext, drain_jobs, queue_connection, set_context
from hub.webhooks import outbox, subscriptions
from hub.webhooks.dispatcher import dispatch_due, ring_doorbell
from hub.webhooks.settings import webhook_settings

__all__ = ["app"]

app = typer.Typer(
    help="Outbound webhooks: subscriptions, deliveries, replays.", no_args_is_help=True
)
console = Console(highlight=False)
log = logging.getLogger(__name__)

IdArgument = Annotated[str, typer.Argument(help="The subscription id (sub_…).")]


def _now() -> datetime:
    return datetime.now(UTC)


@app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Where deliveries are POSTed.")],
    event: Annotated[
        list[str], typer.Option("--event", "-e", help="Event type filter (repeatable; a.*, *).")
    ],
    description: Annotated[str, typer.Option(help="What this subscription is for.")] = "",
) -> None:
    """Subscribe a URL to events; prints its signing secret, which is never shown again."""
    with store_session(ctx) as (config, session):
        require_https = webhook_settings(config).require_https
        created = subscriptions.create_subscription(
            session, url, event, now=_now(), description=description, require_https=require_https
        )
    console.print(f"subscription {created.subscription.id}")
    typer.echo(f"secret {created.secret}")
    console.print("keep the secret now: it is not shown again (rotate-secret makes a new one)")


@app.command("list")
def list_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
) -> None:
    """List subscriptions (secrets are never listed)."""
    table = Table("id", "url", "events", "enabled", "description")
    with store_session(ctx) as (_, session):
        rows, total = subscriptions.list_subscriptions(session, limit=limit, offset=offset)
        for sub in rows:
            enabled = "yes" if sub.enabled else f"no ({sub.disabled_reason})"
            table.add_row(sub.id, sub.url, ", ".join(sub.event_types), enabled, sub.description)
    console.print(table)
    console.print(f"{len(rows)} of {total}")


@app.command("show")
def show(ctx: typer.Context, subscription_id: IdArgument) -> None:
    """Show one subscription, its secrets' expiry and its deliveries by status."""
    with store_session(ctx) as (_, session):
        sub = subscriptions.get_subscription(session, subscription_id)
        secrets = subscriptions.active_secrets(session, sub.id, now=_now())
        counts = {
            status: outbox.list_deliveries(session, subscription_id=sub.id, status=status, limit=0)[
                1
            ]
            for status in ("pending", "retrying", "succeeded", "exhausted")
        }
    for label, value in (
        ("id", sub.id),
        ("url", sub.url),
        ("events", ", ".join(sub.event_types)),
        ("description", sub.description),
        ("enabled", "yes" if sub.enabled else f"no ({sub.disabled_reason})"),
        ("failing since", sub.failing_since.isoformat() if sub.failing_since else "-"),
        ("active secrets", str(len(secrets))),
        ("deliveries", ", ".join(f"{k}={v}" for k, v in counts.items())),
    ):
        console.print(f"{label}: {value}", markup=False)


@app.command("disable")
def disable(ctx: typer.Context, subscription_id: IdArgument) -> None:
    """Stop delivering to a subscription; its deliveries wait until it is enabled."""
    with store_session(ctx) as (_, session):
        subscriptions.set_enabled(session, subscription_id, False, now=_now())
    console.print(f"{subscription_id} disabled")


@app.command("enable")
def enable(ctx: typer.Context, subscription_id: IdArgument) -> None:
    """Resume delivering to a subscription (also after an automatic disable)."""
    with store_session(ctx) as (config, session):
        subscriptions.set_enabled(session, subscription_id, True, now=_now())
    console.print(f"{subscription_id} enabled")
    _ring(config)


@app.command("remove")
def remove(ctx: typer.Context, subscription_id: IdArgument) -> None:
    """Delete a subscription with its secrets and delivery log."""
    with store_session(ctx) as (_, session):
        subscriptions.remove_subscription(session, subscription_id)
    console.print(f"{subscription_id} removed")


@app.command("rotate-secret")
def rotate_secret(
    ctx: typer.Context,
    subscription_id: IdArgument,
    grace: Annotated[
        str | None, typer.Option(help="How long the old secret keeps signing (e.g. 24h, 0s).")
    ] = None,
) -> None:
    """Make a new secret; the old one keeps signing beside it for the grace period."""
    with store_session(ctx) as (config, session):
        period = parse_duration(grace) if grace else webhook_settings(config).rotation_grace
        secret = subscriptions.rotate_secret(session, subscription_id, now=_now(), grace=period)
    typer.echo(f"secret {secret}")
    console.print(f"the old secret keeps signing for {period}")


@app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    subscription: Annotated[str | None, typer.Option(help="Only this subscription's.")] = None,
    status: Annotated[
        str | None, typer.Option(help="pending, retrying, succeeded, exhausted or failed.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
) -> None:
    """List deliveries, newest first."""
    if status is not None and status not in outbox.DELIVERY_STATUSES:
        raise typer.BadParameter(f"choose from {', '.join(outbox.DELIVERY_STATUSES)}")
    table = Table("id", "subscription", "message", "status", "attempts", "next", "last")
    with store_session(ctx) as (_, session):
        rows, total = outbox.list_deliveries(
            session, subscription_id=subscription, status=status, limit=limit
        )
        for d in rows:
            nxt = d.next_attempt_at.isoformat(timespec="seconds") if d.next_attempt_at else ""
            last = str(d.last_status or d.last_error or "")
            table.add_row(
                str(d.id), d.subscription_id, d.message_id, d.status, str(d.attempts), nxt, last
            )
    console.print(table)
    console.print(f"{len(rows)} of {total}")


@app.command("replay")
def replay(
    ctx: typer.Context,
    delivery_id: Annotated[int | None, typer.Argument(help="The delivery to send again.")] = None,
    subscription: Annotated[str | None, typer.Option(help="Replay this subscription's…")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="…events that occurred at or after this ISO time.")
    ] = None,
) -> None:
    """Send deliveries again (same webhook-id, new timestamp, a fresh retry schedule)."""
    if (delivery_id is None) == (subscription is None or since is None):
        raise typer.BadParameter("give a DELIVERY_ID, or --subscription and --since")
    count = 0
    with store_session(ctx) as (config, session):
        if delivery_id is not None:
            outbox.replay_delivery(session, delivery_id, now=_now())
            count = 1
        elif subscription is not None and since is not None:
            moment = since if since.tzinfo else since.replace(tzinfo=UTC)
            count = outbox.replay_since(session, subscription, moment, now=_now())
    console.print(f"{count} deliveries queued again")
    _ring(config)


@app.command("dispatch")
def dispatch(ctx: typer.Context) -> None:
    """Hand due deliveries to the queue and re-enqueue what it lost (run it from cron too)."""
    cli = state(ctx)
    with reported_errors():
        config = cli.config
        settings = webhook_settings(config)
        context = WorkerContext(config=config, plugins=cli.plugins)
        queues = JobQueues.for_config(config)
        report = dispatch_due(
            context.sessions,
            queues,
            now=_now(),
            lease=settings.lease,
            batch_size=settings.batch_size,
        )
    console.print(
        f"{report.claimed} deliveries in {report.jobs} jobs; {report.released} lost claims released"
    )
    if config.embedded_queue:
        # Nothing else can reach this process's in-memory queue: deliver here and now.
        set_context(context)
        try:
            drain_jobs(queue_connection(config), ["webhooks"])
        finally:
            set_context(None)
    context.close()


def _ring(config: HubConfig) -> None:
    if config.embedded_queue:
        console.print("run `hub webhooks dispatch` (or a running hub) to send them")
        return
    try:
        ring_doorbell(JobQueues.for_config(config))
    except (HubError, OSError, redis.RedisError) as exc:
        console.print(f"queue unreachable ({type(exc).__name__}); the next dispatch sends them")
