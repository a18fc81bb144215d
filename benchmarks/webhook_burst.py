"""A burst of signed inbound vendor webhooks against the real service; prints response times.

Starts both emulators (so the jobs the webhooks cause have vendors to read), then `hub serve`
in its own process on a free loopback port, fires ``--count`` signed webhooks (Greenhouse and
HubSpot alternately, bodies from the vendors' documented examples, each a new event) with
``--concurrency`` in flight, and prints p50/p95/p99 response time and the share of 2xx.
Target: p99 under 100 ms. Times are measured by the client, so they include its own overhead.

Setups (``--setup``, repeatable; default: every one whose services are reachable):

- ``sqlite``: SQLite and the embedded queue: the jobs the webhooks cause run inside the
  service process while the burst goes on (one machine, no Redis);
- ``sqlite-redis``: SQLite and Redis (``--redis-url``, emptied before and after) with no
  worker running: the inbound path alone, its jobs left queued;
- ``postgresql``: PostgreSQL (a fresh database, dropped after) and Redis, no worker running,
  as in production where workers are other processes.

    .venv/bin/python benchmarks/webhook_burst.py [--count 1000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from connectors.greenhouse.webhooks import sign_greenhouse_body
from connectors.hubspot.webhooks import sign_v3
from hub.connector import EmulatorOptions
from hub.demo.world import GREENHOUSE_SECRET, HUBSPOT_SECRET, sandbox_config
from hub.plugins import HubPlugins
from hub.testing.server import free_port, serve_app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("HUB_FIXTURES", ROOT.parent / "shared" / "reference" / "fixtures"))
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TOKEN = "bench-admin-token"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def templates() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The documented example bodies, or small stand-ins when the fixtures are not at hand."""
    gh_file = FIXTURES / "greenhouse" / "webhook_candidate_stage_change.json"
    hs_file = FIXTURES / "hubspot" / "webhook_batch_docs_example.json"
    if gh_file.exists() and hs_file.exists():
        return json.loads(gh_file.read_text()), json.loads(hs_file.read_text())
    greenhouse = {
        "action": "candidate_stage_change",
        "payload": {"application": {"id": 1, "candidate": {"id": 2}, "jobs": [{"id": 3}]}},
    }
    hubspot = [
        {
            "objectId": 1,
            "eventId": 1,
            "subscriptionId": 25,
            "portalId": 33,
            "occurredAt": 0,
            "subscriptionType": "contact.creation",
        }
    ]
    return greenhouse, hubspot


def build_requests(count: int, base: str) -> list[tuple[str, bytes, dict[str, str]]]:
    """``count`` signed requests, every one a new event: (path, body, headers)."""
    greenhouse, hubspot = templates()
    built = []
    for i in range(count):
        if i % 2 == 0:
            greenhouse["payload"]["application"]["id"] = 900_000 + i
            body = json.dumps(greenhouse).encode()
            headers = {
                "content-type": "application/json",
                "signature": sign_greenhouse_body(body, GREENHOUSE_SECRET),
                "greenhouse-event-id": f"bench-{uuid.uuid4()}",
            }
            built.append(("/webhooks/greenhouse", body, headers))
        else:
            stamp = str(int(time.time() * 1000))
            for n, item in enumerate(hubspot):
                item["objectId"], item["eventId"] = 800_000 + i, i * 10 + n
                item["occurredAt"] = int(stamp)
            body = json.dumps(hubspot).encode()
            uri = f"{base}/webhooks/hubspot"
            signature = sign_v3(HUBSPOT_SECRET, method="POST", uri=uri, body=body, timestamp=stamp)
            headers = {
                "content-type": "application/json",
                "x-hubspot-signature-v3": signature,
                "x-hubspot-request-timestamp": stamp,
            }
            built.append(("/webhooks/hubspot", body, headers))
    return built


def emulators(stack: ExitStack) -> tuple[str, str, str]:
    plugins = HubPlugins.load(environ={})
    gh_app = plugins.connector("greenhouse").emulator(
        EmulatorOptions(seed=1, people=50, rate_limit=0)
    )
    hs_app = plugins.connector("hubspot").emulator(
        EmulatorOptions(
            seed=2, people=50, rate_limit=0, extra={"access_token": "tok", "search_rate": 0}
        )
    )
    user = str(next(iter(gh_app.state.emulator.state.tables["users"])))
    return stack.enter_context(serve_app(gh_app)), stack.enter_context(serve_app(hs_app)), user


@contextmanager
def postgres_database() -> Any:
    import sqlalchemy as sa

    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_redis(url: str) -> Any:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@contextmanager
def hub_service(
    config: dict[str, Any], port: int, workdir: Path, *, profile: str | None = None
) -> Any:
    path = workdir / "config.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    log = (workdir / "service.log").open("w")
    hub = Path(sys.executable).parent / "hub"
    command = [str(hub), "-c", str(path), "serve", "--listen", f"127.0.0.1:{port}"]
    if profile:
        # every thread of the service, sampled by py-spy (pip install py-spy)
        spy = Path(sys.executable).parent / "py-spy"
        command = [
            str(spy),
            "record",
            "--format",
            "raw",
            "--threads",
            "-o",
            profile,
            "--",
            *command,
        ]
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the service did not start; see {workdir / 'service.log'}")
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wire_request(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"host: {host}", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one keep-alive request and read its whole response; return the status."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def burst(
    base: str, requests: list[tuple[str, bytes, dict[str, str]]], concurrency: int
) -> tuple[list[float], list[int], float]:
    """Fire the requests over ``concurrency`` keep-alive connections; time each one.

    A bare asyncio HTTP/1.1 client, so that the load generator costs little next to the
    service: httpx's async client tops out near 200 requests a second on this machine.
    """
    host, _, port = base.removeprefix("http://").partition(":")
    wires = [wire_request(f"{host}:{port}", *r) for r in requests]
    times: list[float] = []
    statuses: list[int] = []

    async def worker(
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter], mine: list[bytes]
    ) -> None:
        for request in mine:
            started = time.perf_counter()
            try:
                status = await exchange(*streams, request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
            times.append(time.perf_counter() - started)
            statuses.append(status)

    connections = [await asyncio.open_connection(host, int(port)) for _ in range(concurrency)]
    try:
        # one request on each connection first, so that connections and caches are warm
        warm, rest = wires[:concurrency], wires[concurrency:]
        await asyncio.gather(*(worker(c, [w]) for c, w in zip(connections, warm, strict=True)))
        times.clear()
        statuses.clear()
        started = time.perf_counter()
        await asyncio.gather(*(worker(c, rest[i::concurrency]) for i, c in enumerate(connections)))
        elapsed = time.perf_counter() - started
    finally:
        for _, writer in connections:
            writer.close()
    return times, statuses, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def inbox_total(base: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("hub_inbox_events{")
    )


def run_setup(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hub-burst-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        gh_url, hs_url, user = emulators(stack)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        if name.startswith("sqlite"):
            database = f"sqlite:///{workdir / 'hub.db'}"
        else:
            database = stack.enter_context(postgres_database())
        redis_url = "" if name == "sqlite" else stack.enter_context(empty_redis(args.redis_url))
        config = sandbox_config(
            database_url=database,
            greenhouse_url=gh_url,
            hubspot_url=hs_url,
            greenhouse_user=user,
            hubspot_token="tok",
            hub_url=base,
            admin_token=TOKEN,
        )
        config["redis_url"] = redis_url
        config["logging"] = {"level": "INFO", "format": "json"}
        profile = f"{args.profile}.{name}.txt" if args.profile else None
        service = stack.enter_context(hub_service(config, port, workdir, profile=profile))
        requests = build_requests(args.count + args.concurrency, service)
        times, statuses, elapsed = asyncio.run(burst(service, requests, args.concurrency))
        stored = inbox_total(service)
    ok = sum(1 for s in statuses if 200 <= s < 300)
    return {
        "setup": name,
        "queue": "embedded" if name == "sqlite" else "redis (no worker)",
        "requests": len(times),
        "concurrency": args.concurrency,
        "p50_ms": round(percentile(times, 0.50) * 1000, 1),
        "p95_ms": round(percentile(times, 0.95) * 1000, 1),
        "p99_ms": round(percentile(times, 0.99) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "mean_ms": round(statistics.fmean(times) * 1000, 1),
        "share_2xx": round(ok / len(statuses), 4),
        "throughput_per_s": round(len(times) / elapsed, 1),
        "events_in_inbox": int(stored),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="webhooks in the burst")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument(
        "--setup", action="append", choices=["sqlite", "sqlite-redis", "postgresql"]
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--profile", metavar="PREFIX", help="sample the service with py-spy into PREFIX.SETUP.txt"
    )
    args = parser.parse_args()
    setups = args.setup or ["sqlite"]
    if not args.setup and reachable("127.0.0.1", 6379):
        setups.append("sqlite-redis")
        if reachable("127.0.0.1", 5432):
            setups.append("postgresql")
    for name in setups:
        result = run_setup(name, args)
        print(json.dumps(result))
        verdict = "met" if result["p99_ms"] < 100 else "MISSED"
        print(
            f"{name}: {result['requests']} webhooks, {result['concurrency']} in flight: "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms "
            f"(target p99 < 100 ms: {verdict}); 2xx {result['share_2xx']:.1%}; "
            f"{result['throughput_per_s']}/s"
        )


if __name__ == "__main__":
    main()
