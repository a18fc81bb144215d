"""``hub worker``: run jobs from the queues (registered by ``hub.cli.app`` as a command)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated
from wsgiref.simple_server import WSGIServer

import typer
from prometheus_client import start_http_server
from rich.console import Console

from hub.cli.context import state
from hub.cli.errors import reported_errors
from hub.errors import HubError
from hub.health import check_redis
from hub.logs import LogFormat, configure_logging
from hub.metrics import REGISTRY, install_vendor_metrics
from hub.queue import (
    QUEUE_NAMES,
    JobQueues,
    QueueName,
    WorkerContext,
    describe_queue,
    drain_jobs,
    queue_connection,
    run_worker,
    set_context,
)
from hub.queue.jobs import check_health
from hub.sync.scheduler import Scheduler

__all__ = ["LogFormatOption", "serve_metrics", "worker"]

LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option(
        "--log-format",
        envvar="HUB_LOG_FORMAT",
        help="Log lines as text or JSON (default: $HUB_LOG_FORMAT, then logging.format).",
    ),
]


def _now() -> datetime:
    return datetime.now(UTC)


console = Console(highlight=False)


def _queue_names(option: str) -> list[QueueName]:
    names = [n.strip() for n in option.split(",") if n.strip()]
    known: dict[str, QueueName] = {n: n for n in QUEUE_NAMES}
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise typer.BadParameter(
            f"unknown queue {', '.join(unknown) or '(none)'}; choose from {', '.join(QUEUE_NAMES)}",
            param_hint="--queues",
        )
    return [known[n] for n in names]


def worker(
    ctx: typer.Context,
    queues: Annotated[
        str, typer.Option(help="Queues to serve, most urgent first (comma-separated).")
    ] = ",".join(QUEUE_NAMES),
    burst: Annotated[bool, typer.Option(help="Stop once the queues are empty.")] = False,
    check: Annotated[
        bool, typer.Option(help="Enqueue a health-check job first; with --burst, print its result.")
    ] = False,
    schedule: Annotated[
        bool,
        typer.Option(help="Also enqueue scheduled pair runs and sweep waiting webhook events."),
    ] = True,
    log_format: LogFormatOption = None,
    metrics_listen: Annotated[
        str | None,
        typer.Option(
            help="host:port to serve this worker's Prometheus /metrics on (default: off)."
        ),
    ] = None,
) -> None:
    """Run jobs from the queues until stopped (SIGTERM finishes the job in hand first)."""
    cli = state(ctx)
    names = _queue_names(queues)
    with reported_errors():
        config = cli.config
        configure_logging(level=config.logging.level, fmt=log_format or config.logging.format)
        install_vendor_metrics()
        if metrics_listen is not None:
            serve_metrics(metrics_listen)
        if not (reachable := check_redis(config)).ok:
            raise HubError(reachable.detail)
        context = WorkerContext(config=config, plugins=cli.plugins)
        context.engine  # noqa: B018 - open (and migrate) the store once, before any job
    set_context(context)
    console.print(describe_queue(config))
    connection = queue_connection(config)
    if check:
        JobQueues(connection).enqueue(check_health.ref())
    try:
        if config.embedded_queue:
            # Only this process can reach its in-memory queue: run what is there, then stop.
            console.print("embedded mode: running the queued jobs in-process, then stopping")
            drain_jobs(connection, names)
        else:
            scheduler = None
            if schedule and not burst:
                scheduler = Scheduler(
                    config, JobQueues(connection), context.sessions, now=_now
                ).start()
            try:
                run_worker(connection, names, burst=burst)
            finally:
                if scheduler is not None:
                    scheduler.stop()
    finally:
        context.close()
        set_context(None)
    if check and (burst or config.embedded_queue):
        _report_check(JobQueues(connection))


def serve_metrics(listen: str) -> WSGIServer:
    """Serve this process's metrics at ``http://LISTEN/metrics`` on a daemon thread.

    Returns:
        The server (``shutdown()`` stops it; the process's exit does too).
    """
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise typer.BadParameter(
            f"must be host:port, not {listen!r}", param_hint="--metrics-listen"
        )
    # sync runs and vendor calls of this process: the hub's own registry, not the global one
    server, _ = start_http_server(int(port), addr=host, registry=REGISTRY)
    console.print(f"worker metrics on http://{host}:{port}/metrics")
    return server


def _report_check(jobs: JobQueues) -> None:
    job = jobs.fetch(check_health.ref().id)
    result = job.return_value() if job is not None else None
    if not isinstance(result, dict):
        status = job.get_status() if job is not None else "gone"
        console.print(f"health check did not finish (status: {status})")
        raise typer.Exit(1)
    typer.echo(json.dumps(result, indent=2))
    if not all(check["ok"] for check in result.values()):
        raise typer.Exit(1)
