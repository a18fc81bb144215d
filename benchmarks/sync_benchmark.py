"""Sync benchmark: a full and an incremental sync of HubSpot ↔ Greenhouse through the emulators.

Both emulators run in their own processes (``benchmarks/sync_emulators.py``) and the sync runs
in a fresh worker process, so the sync's peak RSS and CPU are its own. In one run it prints:

1. Initial full sync of N contacts and M candidates (``--overlap`` of the candidates also in
   HubSpot, with realistic variations) with rate limits off: records/s, API calls per endpoint,
   peak RSS, next to a bare httpx loop paging the same list endpoints (ratio hub/bare).
2. Incremental runs: one right after the full run (it re-reads the hub's own writes), then one
   after 1% of the records were edited through the emulators' admin endpoints.
3. Peak RSS of a full sync at each ``--rss-sizes`` contact count, each in a fresh process.
4. With the emulators' real rate limits on: share of the request budget used, and 429s.

Run: ``.venv/bin/python benchmarks/sync_benchmark.py --contacts 100000 --candidates 60000``
(``--parts 1,2`` etc. to run a subset; ``--profile FILE`` writes a cProfile of the full sync).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
MAPPINGS = HERE.parent / "mappings"
SERVE = HERE / "sync_emulators.py"
HS_TOKEN = "bench-token"
GH_USER = 1001  # the Greenhouse emulator's first seeded id is its admin user
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TICK = os.sysconf("SC_CLK_TCK")
GH_NICKNAMES = {"Robert": "Bob", "William": "Bill", "Katherine": "Kate", "Michael": "Mike"}


# ---------------------------------------------------------------- processes and measurement


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_hwm_mb(pid: int) -> float:
    """Peak RSS (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def code_version() -> str:
    """The commit under test and whether the working tree differs from it (read-only git)."""
    out = subprocess.run(
        ["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
        # no index refresh: never take index.lock while someone else commits
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
    )
    return out.stdout.strip() or "unknown"


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    from hub.testing.server import free_port as pick

    return pick()


@dataclass
class Emulators:
    gh_url: str
    hs_url: str
    procs: dict[str, subprocess.Popen[bytes]]

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.procs.items()}


@contextlib.contextmanager
def emulators(
    *, contacts: int, candidates: int, rate_limit: bool, seed: int = 7
) -> Iterator[Emulators]:
    """Start both emulators in their own processes; stop them (by pid) on exit."""
    # Greenhouse seeds a near-duplicate for every 10th person: people ≈ candidates / 1.1
    people = {"hubspot": contacts, "greenhouse": max(1, round(candidates / 1.1))}
    limits = {"hubspot": 100 if rate_limit else 0, "greenhouse": 50 if rate_limit else 0}
    ports = {name: free_port() for name in people}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with tempfile.TemporaryFile() as gh_log, tempfile.TemporaryFile() as hs_log:
        logs = {"greenhouse": gh_log, "hubspot": hs_log}
        try:
            for name in people:
                cmd = [sys.executable, str(SERVE), name, "--port", str(ports[name])]
                cmd += ["--seed", str(seed), "--people", str(people[name])]
                cmd += ["--rate-limit", str(limits[name])]
                procs[name] = subprocess.Popen(cmd, stdout=logs[name], stderr=subprocess.STDOUT)
            urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
            deadline = time.monotonic() + 900
            for name, url in urls.items():
                while True:
                    if procs[name].poll() is not None:
                        logs[name].seek(0)
                        raise RuntimeError(f"{name} emulator died: {logs[name].read()[-2000:]!r}")
                    with contextlib.suppress(httpx.HTTPError):
                        if httpx.get(f"{url}/_emulator/state", timeout=5).status_code == 200:
                            break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} emulator did not start")
                    time.sleep(0.2)
            yield Emulators(urls["greenhouse"], urls["hubspot"], procs)
        finally:
            for proc in procs.values():
                proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@contextlib.contextmanager
def store_url(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty store: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'hub-{uuid.uuid4().hex[:8]}.db'}"
        return
    import sqlalchemy as sa

    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---------------------------------------------------------------- vendor access (no hub code)


def gh_token(client: httpx.Client, gh_url: str) -> str:
    response = client.post(
        f"{gh_url}/token",
        auth=("bench", "secret"),
        data={"grant_type": "client_credentials", "sub": str(GH_USER)},
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def page_greenhouse(client: httpx.Client, gh_url: str) -> Iterator[list[dict[str, Any]]]:
    """Every candidate, 500 a page, following the Link rel=next cursor."""
    headers = {"Authorization": f"Bearer {gh_token(client, gh_url)}"}
    url: str | None = f"{gh_url}/v3/candidates?per_page=500"
    for _ in range(1_000_000):
        if url is None:
            return
        response = client.get(url, headers=headers)
        response.raise_for_status()
        yield response.json()
        url = response.links.get("next", {}).get("url")


def page_hubspot(client: httpx.Client, hs_url: str) -> Iterator[list[dict[str, Any]]]:
    """Every contact, 100 a page with the connector's properties, following ``after``."""
    from connectors.hubspot.properties import read_properties

    headers = {"Authorization": f"Bearer {HS_TOKEN}"}
    params: dict[str, Any] = {"limit": 100, "properties": ",".join(read_properties())}
    for _ in range(1_000_000):
        response = client.get(f"{hs_url}/crm/v3/objects/contacts", params=params, headers=headers)
        response.raise_for_status()
        body = response.json()
        yield body["results"]
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return
        params["after"] = after


def bare_loop(emu: Emulators) -> dict[str, Any]:
    """Page through both list endpoints with plain httpx; records/s and CPU per process."""
    before = {name: proc_cpu(pid) for name, pid in emu.pids().items()}
    cpu0, t0 = self_cpu(), time.perf_counter()
    counts: Counter[str] = Counter()
    with httpx.Client(timeout=60) as client:
        for page in page_greenhouse(client, emu.gh_url):
            counts["candidates"] += len(page)
            counts["GET /v3/candidates"] += 1
        t_gh = time.perf_counter() - t0
        for page in page_hubspot(client, emu.hs_url):
            counts["contacts"] += len(page)
            counts["GET contacts"] += 1
    wall = time.perf_counter() - t0
    return {
        "wall": wall,
        "wall_gh": t_gh,
        "wall_hs": wall - t_gh,
        "cpu_client": self_cpu() - cpu0,
        "cpu_emulators": {n: proc_cpu(p) - before[n] for n, p in emu.pids().items()},
        "counts": dict(counts),
        "records": counts["candidates"] + counts["contacts"],
    }


def variant_of(candidate: dict[str, Any], i: int) -> dict[str, str]:
    """HubSpot properties for the same person as a Greenhouse candidate, as a CRM holds them."""
    first = candidate["first_name"]
    if i % 3 == 0:
        first = GH_NICKNAMES.get(first, first)
    email = candidate["email_addresses"][0]["value"]
    local, _, domain = email.partition("@")
    if i % 4 == 2:
        email = f"{local.replace('.', '')}@{domain}"  # Gmail ignores dots
    elif i % 4 == 3:
        email = f"{local}+crm@{domain}"  # and +tags
    digits = "".join(ch for ch in candidate["phone_numbers"][0]["value"] if ch.isdigit())[-10:]
    props = {
        "firstname": first,
        "lastname": candidate["last_name"],
        "email": email.upper() if i % 7 == 0 else email,
        "phone": f"({digits[:3]}) {digits[3:6]} {digits[6:]}" if i % 2 else digits,
    }
    links = candidate.get("social_media_addresses") or []
    if links:
        props["hs_linkedin_url"] = links[0]["value"].replace("https://www.", "")
    return props


def make_overlap(emu: Emulators, share: float) -> dict[str, Any]:
    """Turn evenly spread HubSpot contacts into variants of ``share`` of the candidates."""
    with httpx.Client(timeout=60) as client:
        candidates = [c for page in page_greenhouse(client, emu.gh_url) for c in page]
        contact_ids = [c["id"] for page in page_hubspot(client, emu.hs_url) for c in page]
        k = min(round(share * len(candidates)), len(contact_ids))
        if not k:
            return {"pairs": 0, "errors": 0, "candidates": candidates, "contacts": contact_ids}
        chosen = [candidates[int(j * len(candidates) / k)] for j in range(k)]
        targets = [contact_ids[int(j * len(contact_ids) / k)] for j in range(k)]
        inputs = [
            {"id": cid, "properties": variant_of(cand, j)}
            for j, (cand, cid) in enumerate(zip(chosen, targets, strict=True))
        ]
        errors = 0
        headers = {"Authorization": f"Bearer {HS_TOKEN}"}
        for start in range(0, len(inputs), 100):
            response = client.post(
                f"{emu.hs_url}/crm/v3/objects/contacts/batch/update",
                json={"inputs": inputs[start : start + 100]},
                headers=headers,
            )
            errors += len(response.json().get("errors") or [])
    return {"pairs": k, "errors": errors, "candidates": candidates, "contacts": contact_ids}


# ---------------------------------------------------------------- the sync worker


class Deadline(BaseException):
    """Raised in the transport once a bounded run's time is up (not an Exception: no retry)."""


_NUMBER = re.compile(r"/\d+(?=/|$)")


class CountingTransport(httpx.HTTPTransport):
    """Logs every request the hub makes: (time, endpoint, status)."""

    def __init__(self, log: list[tuple[float, str, int]], vendor: str) -> None:
        super().__init__()
        self.log = log
        self.vendor = vendor
        self.deadline: float | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise Deadline
        response = super().handle_request(request)
        path = _NUMBER.sub("/{id}", request.url.path)
        filters = sorted(k for k in request.url.params if k in ("ids", "updated_at", "cursor"))
        endpoint = f"{self.vendor} {request.method} {path}" + (
            f" ?{','.join(filters)}" if filters else ""
        )
        self.log.append((time.monotonic(), endpoint, response.status_code))
        return response


def _config(spec: dict[str, Any]) -> Any:
    from hub.config import HubConfig

    limited = spec["rate_limited"]
    return HubConfig.model_validate(
        {
            "database_url": spec["db_url"],
            "connections": {
                "greenhouse": {
                    "connector": "greenhouse",
                    "settings": {
                        "base_url": f"{spec['gh_url']}/v3",
                        "auth_url": spec["gh_url"],
                        "client_id": "bench",
                        "client_secret": "secret",
                        "user_id": str(GH_USER),
                        "rate_limit": 50 if limited else 0,
                    },
                },
                "hubspot": {
                    "connector": "hubspot",
                    "settings": {
                        "base_url": spec["hs_url"],
                        "access_token": HS_TOKEN,
                        "rate_limit": 100 if limited else 0,
                        "search_rate_per_second": 5 if limited else 0,
                    },
                },
            },
            "sync_pairs": {
                "main": {
                    "crm": "hubspot",
                    "ats": "greenhouse",
                    "mappings": {
                        "contact": str(MAPPINGS / "hubspot.contact.yaml"),
                        "candidate": str(MAPPINGS / "greenhouse.candidate.yaml"),
                        **(
                            {"application": str(MAPPINGS / "greenhouse.application.yaml")}
                            if spec.get("applications")
                            else {}
                        ),
                    },
                    "lookback": spec["lookback"],
                    "identity": spec.get("identity", "scored"),
                    **({"rules": str(MAPPINGS / "rules.yaml")} if spec.get("rules") else {}),
                }
            },
        }
    )


def _edit(spec: dict[str, Any]) -> dict[str, int]:
    """1% of the records change, as a marketer and a recruiter would (admin endpoints)."""
    done: Counter[str] = Counter()
    with httpx.Client(timeout=60) as client:
        for i, cid in enumerate(spec["edit_contacts"]):
            props = {"properties": {"jobtitle": f"Staff Engineer {i}"}}
            client.patch(f"{spec['hs_url']}/_emulator/contacts/{cid}", json=props)
            done["contacts"] += 1
        for i, cid in enumerate(spec["edit_candidates"]):
            body = {"title": f"Principal Engineer {i}"}
            client.patch(f"{spec['gh_url']}/_emulator/candidates/{cid}", json=body)
            done["candidates"] += 1
    return dict(done)


def worker(spec_path: str) -> None:
    """Run the steps of ``spec`` in this fresh process; write the figures as JSON."""
    from hub.connector import ConnectorContext
    from hub.plugins import HubPlugins
    from hub.store import create_store_engine, session_factory, upgrade
    from hub.sync.build import build_pair
    from hub.sync.runner import PairSync
    from hub.sync.service import run_pair
    from hub.sync.writer import OutboundWriter

    spec = json.loads(Path(spec_path).read_text())
    version = code_version()  # the code this process imported
    config = _config(spec)
    plugins = HubPlugins.load(environ={})
    engine = create_store_engine(spec["db_url"])
    upgrade(engine)
    sessions = session_factory(engine)
    log: list[tuple[float, str, int]] = []
    deadline: list[float | None] = [None]

    def now() -> datetime:
        return datetime.now(UTC)

    def context(connection: str) -> ConnectorContext:
        transport = CountingTransport(log, "gh" if connection == "greenhouse" else "hs")
        transport.deadline = deadline[0]
        return ConnectorContext(connection=connection, now=now, transport=transport)

    _, opened = build_pair(
        config, "main", plugins=plugins, sessions=sessions, now=now, context=context
    )
    for connector in opened:
        connector.setup()  # `hub setup`, not timed
        connector.close()
    del log[:]
    # time the phases: hooks on the classes of this process only (run_pair builds its own)
    marks: dict[str, float] = {}
    original_read, original_write = PairSync._read_side, OutboundWriter.write_out

    def timed_read(self: Any, session: Any, side: Any, *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original_read(self, session, side, *args, **kw)
        finally:
            key = f"read_{side.object_type}"
            marks[key] = marks.get(key, 0.0) + time.perf_counter() - t0

    def timed_write(*args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original_write(*args, **kw)
        finally:
            marks["write"] = marks.get("write", 0.0) + time.perf_counter() - t0

    PairSync._read_side = timed_read  # type: ignore[method-assign]
    OutboundWriter.write_out = timed_write  # type: ignore[method-assign]
    results: dict[str, Any] = {"steps": {}, "version": version}
    for step in spec["steps"]:
        if step == "edit":
            results["edited"] = _edit(spec)
            continue
        full = step == "full"
        start = len(log)
        marks.clear()
        emu0 = {n: proc_cpu(p) for n, p in spec["emulator_pids"].items()}
        cpu0, t0 = self_cpu(), time.perf_counter()
        t_mono = time.monotonic()
        if spec.get("deadline"):
            deadline[0] = t_mono + spec["deadline"]
        profiler = cProfile.Profile() if full and spec.get("profile") else None
        if full and spec.get("tracemalloc"):
            tracemalloc.start(1)
        report = None
        stopped = False
        try:
            if profiler is not None:
                profiler.enable()
            report = run_pair(
                "main",
                config=config,
                plugins=plugins,
                engine=engine,
                sessions=sessions,
                now=now,
                full=full,
                context=context,
            )
        except Deadline:
            stopped = True
        finally:
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(spec["profile"])
        wall = time.perf_counter() - t0
        calls = log[start:]
        top_alloc: list[str] = []
        if tracemalloc.is_tracing():  # what is still held after the run (report kept alive)
            stats = tracemalloc.take_snapshot().statistics("lineno")
            top_alloc = [
                f"{st.size / 2**20:7.1f} MB {st.count:>9,} blocks  {st.traceback}"
                for st in stats[:12]
            ]
            tracemalloc.stop()
        results["steps"][step] = {
            "wall": wall,
            "stopped_at_deadline": stopped,
            "cpu_sync": self_cpu() - cpu0,
            "cpu_emulators": {n: proc_cpu(p) - emu0[n] for n, p in spec["emulator_pids"].items()},
            "marks": dict(marks),
            "counts": dict(report.counts) if report else {},
            "endpoints": dict(Counter(e for _, e, _ in calls)),
            "statuses": dict(Counter(f"{e.split()[0]} {s}" for _, e, s in calls)),
            "calls": [(t - t_mono, e, s) for t, e, s in calls] if spec.get("keep_calls") else [],
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "top_alloc": top_alloc,
        }
        del report
    engine.dispose()
    results["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(spec["out"]).write_text(json.dumps(results))


def run_worker(spec: dict[str, Any], workdir: Path, timeout: float = 7200) -> dict[str, Any]:
    """Run ``worker`` in a fresh interpreter and read back its figures."""
    tag = uuid.uuid4().hex[:8]
    spec = {**spec, "out": str(workdir / f"out-{tag}.json")}
    spec_path = workdir / f"spec-{tag}.json"
    spec_path.write_text(json.dumps(spec))
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)],
        check=True,
        timeout=timeout,
    )
    result: dict[str, Any] = json.loads(Path(spec["out"]).read_text())
    return result


# ---------------------------------------------------------------- reporting


def rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def print_endpoints(title: str, endpoints: dict[str, int]) -> None:
    print(f"  {title}: {sum(endpoints.values()):,} calls")
    for name, n in sorted(endpoints.items(), key=lambda kv: -kv[1]):
        print(f"    {n:>8,}  {name}")


def reads(counts: dict[str, int]) -> int:
    return sum(v for k, v in counts.items() if k.endswith(".read"))


def part_full_and_incremental(args: argparse.Namespace, workdir: Path, parts: set[int]) -> None:
    n, m = args.contacts, args.candidates
    print(
        f"\n== Parts 1-2: full + incremental sync, {n:,} contacts / {m:,} candidates, "
        f"identity {args.identity} =="
    )
    with emulators(contacts=n, candidates=m, rate_limit=False) as emu:
        t0 = time.perf_counter()
        overlap = make_overlap(emu, args.overlap)
        print(
            f"overlap: {overlap['pairs']:,} contacts made variants of candidates "
            f"({overlap['errors']} refused) in {time.perf_counter() - t0:.1f}s; "
            f"emulators hold {len(overlap['contacts']):,} contacts, "
            f"{len(overlap['candidates']):,} candidates"
        )
        bare = bare_loop(emu)
        step_cands = max(1, len(overlap["candidates"]) // max(1, round(0.01 * m)))
        step_conts = max(1, len(overlap["contacts"]) // max(1, round(0.01 * n)))
        with store_url(args.store, workdir) as db_url:
            spec = {
                "db_url": db_url,
                "gh_url": emu.gh_url,
                "hs_url": emu.hs_url,
                "emulator_pids": emu.pids(),
                "rate_limited": False,
                "lookback": args.lookback,
                "identity": args.identity,
                "steps": ["full", "settle", "edit", "incremental"] if 2 in parts else ["full"],
                "edit_contacts": overlap["contacts"][::step_conts],
                "edit_candidates": [c["id"] for c in overlap["candidates"][::step_cands]],
                "profile": args.profile,
                "tracemalloc": args.tracemalloc,
                "applications": args.applications or args.rules,
                "rules": args.rules,
            }
            result = run_worker(spec, workdir)
            print(f"sync worker ran code {result['version']}")
        emu_hwm = {name: proc_hwm_mb(pid) for name, pid in emu.pids().items()}
    full = result["steps"]["full"]
    hub_reads = reads(full["counts"])
    read_wall = sum(v for k, v in full["marks"].items() if k.startswith("read_"))
    print(f"\n-- Part 1: initial full sync (store {args.store}) --")
    print(f"{'':28}{'records':>10}{'wall s':>9}{'rec/s':>9}{'CPU client':>12}{'CPU emus':>10}")
    emus_bare = sum(bare["cpu_emulators"].values())
    emus_full = sum(full["cpu_emulators"].values())
    print(
        f"{'bare httpx paging':28}{bare['records']:>10,}{bare['wall']:>9.1f}"
        f"{rate(bare['records'], bare['wall']):>9}{bare['cpu_client']:>12.1f}{emus_bare:>10.1f}"
    )
    print(
        f"{'hub full sync: read phase':28}{hub_reads:>10,}{read_wall:>9.1f}"
        f"{rate(hub_reads, read_wall):>9}{'':>12}{'':>10}"
    )
    print(
        f"{'hub full sync: whole run':28}{hub_reads:>10,}{full['wall']:>9.1f}"
        f"{rate(hub_reads, full['wall']):>9}{full['cpu_sync']:>12.1f}{emus_full:>10.1f}"
    )
    bare_rate = bare["records"] / bare["wall"]
    print(
        f"ratio hub/bare (records/s): read phase {hub_reads / read_wall / bare_rate:.3f}, "
        f"whole run {hub_reads / full['wall'] / bare_rate:.3f}   (target >= 0.5)"
    )
    # The emulators must serve every call the sync makes (its writes too) on this machine's
    # cores; however fast the client, the whole run cannot take less than their CPU time spread
    # over all cores, which bounds the whole-run ratio of any client making the same calls.
    cores = os.cpu_count() or 1
    floor = emus_full / cores
    print(
        f"emulators' CPU serving the full sync: {emus_full:.1f}s (bare loop: {emus_bare:.1f}s); "
        f"on {cores} cores the whole run takes >= {floor:.1f}s, so its ratio is at most "
        f"{min(1.0, bare['wall'] / floor) if floor else 1.0:.2f} for any client making these calls"
    )
    marks = full["marks"]
    print("phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in marks.items()))
    print(
        f"bare split: greenhouse {bare['wall_gh']:.1f}s for {bare['counts']['candidates']:,}, "
        f"hubspot {bare['wall_hs']:.1f}s for {bare['counts']['contacts']:,}"
    )
    print(
        f"peak RSS sync process: {full['maxrss_mb']:.0f} MB "
        f"(emulators: " + ", ".join(f"{k} {v:.0f} MB" for k, v in emu_hwm.items()) + ")"
    )
    for line in full.get("top_alloc", []):
        print(f"  held after full run: {line}")
    print_endpoints("hub API calls, full sync", full["endpoints"])
    print_endpoints("bare loop API calls", {k: v for k, v in bare["counts"].items() if " " in k})
    print("  outcomes: " + ", ".join(f"{k}={v:,}" for k, v in sorted(full["counts"].items())))
    if 2 not in parts:
        return
    print("\n-- Part 2: incremental runs (relative to the full run) --")
    calls_full = sum(full["endpoints"].values())
    print(f"edited through admin endpoints: {result.get('edited')}")
    for step in ("settle", "incremental"):
        s = result["steps"][step]
        calls = sum(s["endpoints"].values())
        label = "right after full" if step == "settle" else "after 1% edits"
        print(
            f"{label:18} calls {calls:>7,} ({calls / calls_full:7.2%} of full)  "
            f"wall {s['wall']:7.1f}s ({s['wall'] / full['wall']:7.2%} of full)  "
            f"reads {reads(s['counts']):,}"
        )
        print_endpoints(f"{step} API calls", s["endpoints"])
        print("  outcomes: " + ", ".join(f"{k}={v:,}" for k, v in sorted(s["counts"].items())))


def part_rss(args: argparse.Namespace, workdir: Path) -> None:
    sizes = [int(s) for s in args.rss_sizes.split(",")]
    print(
        f"\n== Part 3: peak RSS of a full sync by contact count (fresh process each), "
        f"{args.rss_candidates:,} candidates =="
    )
    rows = []
    for size in sizes:
        with emulators(contacts=size, candidates=args.rss_candidates, rate_limit=False) as emu:
            make_overlap(emu, args.overlap)
            with store_url(args.store, workdir) as db_url:
                spec = {
                    "db_url": db_url,
                    "gh_url": emu.gh_url,
                    "hs_url": emu.hs_url,
                    "emulator_pids": emu.pids(),
                    "rate_limited": False,
                    "lookback": args.lookback,
                    "identity": args.identity,
                    "steps": ["full"],
                }
                result = run_worker(spec, workdir)
        full = result["steps"]["full"]
        print(f"  (sync worker ran code {result['version']})")
        rows.append((size, full["maxrss_mb"], full["wall"], reads(full["counts"])))
        print(
            f"  {size:>9,} contacts: peak RSS {full['maxrss_mb']:7.0f} MB, "
            f"wall {full['wall']:7.1f}s, {reads(full['counts']):,} records read"
        )
    base = rows[0]
    for size, rss, wall, _ in rows[1:]:
        print(
            f"  {size:,} vs {base[0]:,}: RSS growth {rss / base[1] - 1:+.1%} "
            f"(target < +20%), wall x{wall / base[2]:.2f} for x{size / base[0]:.2f} contacts"
        )


LIMITS = {"hs": 100, "gh": 50}  # requests per 10 s: HubSpot Free/Starter, Greenhouse


def budget(calls: list[list[Any]], lo: float, hi: float, window: float = 10.0) -> dict[str, Any]:
    """How close to the binding rate limit the run stays, in whole windows inside [lo, hi).

    Per window, the share of the budget used is that of the vendor nearest its limit (a
    sequential sync talks to one vendor at a time, so only one budget can bind).
    """
    shares, per_vendor = [], dict.fromkeys(LIMITS, 0)
    for w in range(int((hi - lo) // window)):
        start = lo + w * window
        inside = [c for c in calls if start <= c[0] < start + window and c[2] != 429]
        used = {v: sum(1 for c in inside if c[1].startswith(v + " ")) for v in LIMITS}
        for v in LIMITS:
            per_vendor[v] += used[v]
        shares.append(max(used[v] / LIMITS[v] for v in LIMITS))
    span = max(hi - lo, 1e-9)
    phase = {
        v: sum(1 for c in calls if lo <= c[0] < hi and c[1].startswith(v + " ") and c[2] != 429)
        / (LIMITS[v] * span / window)
        for v in LIMITS
    }
    return {
        "windows": len(shares),
        "share": sum(shares) / len(shares) if shares else None,
        "min": min(shares) if shares else None,
        "per_vendor": per_vendor,
        "phase": phase,
    }


def part_rate_limited(args: argparse.Namespace, workdir: Path) -> None:
    n, m = args.rate_contacts, args.rate_candidates
    print(
        f"\n== Part 4: real rate limits on (HubSpot 100/10s, Greenhouse 50/10s), "
        f"{n:,} contacts / {m:,} candidates, stopped after {args.rate_seconds:.0f}s =="
    )
    with emulators(contacts=n, candidates=m, rate_limit=True) as emu:
        make_overlap(emu, args.overlap)  # a few dozen calls of its own: let the windows clear
        time.sleep(11)
        with store_url(args.store, workdir) as db_url:
            spec = {
                "db_url": db_url,
                "gh_url": emu.gh_url,
                "hs_url": emu.hs_url,
                "emulator_pids": emu.pids(),
                "rate_limited": True,
                "lookback": args.lookback,
                "identity": args.identity,
                "steps": ["full"],
                "deadline": args.rate_seconds,
                "keep_calls": True,
            }
            result = run_worker(spec, workdir)
            print(f"sync worker ran code {result['version']}")
        with httpx.Client() as client:
            gh_state = client.get(f"{emu.gh_url}/_emulator/state").json()
            hs_state = client.get(f"{emu.hs_url}/_emulator/state").json()
    full = result["steps"]["full"]
    calls = full["calls"]
    marks = full["marks"]
    print(
        f"run: {full['wall']:.1f}s, stopped at deadline: {full['stopped_at_deadline']}, "
        + ", ".join(f"{k} {v:.1f}s" for k, v in marks.items())
    )
    read_end = sum(v for k, v in marks.items() if k.startswith("read_"))
    end = max((c[0] for c in calls), default=0.0)
    for label, lo, hi in (("read phase", 0.0, read_end), ("write phase", read_end, end)):
        b = budget(calls, lo, hi)
        share = "n/a" if b["share"] is None else f"{b['share']:.1%} (worst window {b['min']:.0%})"
        print(
            f"  {label:11} {b['windows']:>3} whole 10s windows: binding budget used {share}; "
            f"calls in them hs {b['per_vendor']['hs']}, gh {b['per_vendor']['gh']}; "
            f"whole phase ({hi - lo:.0f}s): hs {b['phase']['hs']:.1%}, gh {b['phase']['gh']:.1%}"
            " of budget"
        )
    seen = Counter(c[1].split()[0] for c in calls if c[2] == 429)
    print(f"  429s received by the hub: hubspot {seen['hs']}, greenhouse {seen['gh']} (target 0)")
    print(
        f"  emulator-side: greenhouse counters {gh_state['counters']}; hubspot requests "
        f"{hs_state['requests']} of which admitted {hs_state['daily_used']}"
    )
    print_endpoints("hub API calls", full["endpoints"])
    print("  statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(full["statuses"].items())))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=60_000)
    parser.add_argument("--overlap", type=float, default=0.3)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--parts", default="1,2,3,4")
    parser.add_argument("--lookback", default="0s", help="the pair's lookback (default 0s)")
    parser.add_argument(
        "--identity",
        choices=["scored", "email"],
        default="scored",
        help="the pair's identity matcher (default scored, as in the config)",
    )
    parser.add_argument("--profile", default=None, help="cProfile the full sync to this file")
    parser.add_argument(
        "--applications", action="store_true", help="also map Greenhouse applications"
    )
    parser.add_argument(
        "--rules",
        action="store_true",
        help="run the shipped transition rules in the pair (implies --applications)",
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="list what the full sync still holds"
    )
    parser.add_argument("--rss-sizes", default="100000,300000")
    parser.add_argument("--rss-candidates", type=int, default=1000)
    parser.add_argument("--rate-contacts", type=int, default=600)
    parser.add_argument("--rate-candidates", type=int, default=400)
    parser.add_argument("--rate-seconds", type=float, default=90.0)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    parts = {int(p) for p in args.parts.split(",")}
    print(
        f"sync benchmark {datetime.now(UTC):%Y-%m-%d %H:%M}Z, {os.cpu_count()} CPUs, "
        f"python {sys.version.split()[0]}; emulators and sync each in their own process"
    )
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        workdir = Path(tmp)
        if parts & {1, 2}:
            part_full_and_incremental(args, workdir, parts)
        if 3 in parts:
            part_rss(args, workdir)
        if 4 in parts:
            part_rate_limited(args, workdir)


if __name__ == "__main__":
    main()
