"""A hub site for crash and convergence tests: two emulators, a config file, a store, and a
snapshot of everything that must converge.

The emulators are served from the test process, so they outlive any ``hub`` process the test
kills. Snapshots key records by what survives a rerun (emails, Greenhouse ids), never by ids the
hub or HubSpot hand out during the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.config import HubConfig
from hub.connector import EmulatorOptions
from hub.demo.world import sandbox_config
from hub.plugins import HubPlugins
from hub.store import create_store_engine, session_factory, upgrade
from hub.store.tables import LedgerEntry, Link, Person
from hub.sync.build import build_pair
from hub.sync.fields import flatten
from hub.sync.report import SyncReport
from hub.sync.service import run_pair
from hub.testing.server import serve_app

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
# ids the vendors hand out while the hub writes: equal in meaning across runs, not in value
RUN_SPECIFIC = ("custom.hubspot_contact_id", "custom.hub_person_id")


def _now() -> datetime:
    return datetime.now(UTC)


def written(report: SyncReport | Mapping[str, int]) -> int:
    """How many vendor writes a run made (from its report, or its counts as a job returns them)."""
    counts = report.counts if isinstance(report, SyncReport) else report
    return sum(v for k, v in counts.items() if k.endswith((".created", ".updated")))


@dataclass
class Site:
    """One hub deployment: its emulators (in this process), config file and store."""

    config: HubConfig
    config_path: Path
    gh_app: Any
    hs_app: Any
    gh_url: str
    hs_url: str
    plugins: HubPlugins = field(default_factory=lambda: HubPlugins.load(environ={}))

    def hub(
        self, *args: str, failpoints: str = "", timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        """Run ``hub -c <config> <args…>`` to its end; ``failpoints`` arms ``HUB_FAILPOINTS``."""
        return subprocess.run(  # killed (SIGKILL) on timeout
            self._command(args),
            cwd=REPO,
            env=self._env(failpoints),
            text=True,
            capture_output=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str, failpoints: str = "") -> subprocess.Popen[str]:
        """Start ``hub -c <config> <args…>`` in a process group of its own (for ``killpg``);
        its output goes to :attr:`process_log` (a file: a pipe nobody reads could fill up)."""
        with self.process_log.open("a") as log:
            return subprocess.Popen(
                self._command(args),
                cwd=REPO,
                env=self._env(failpoints),
                text=True,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def process_log(self) -> Path:
        """Where the output of processes :meth:`start` ed goes."""
        return self.config_path.parent / "hub-processes.log"

    def _command(self, args: tuple[str, ...]) -> list[str]:
        command = [sys.executable, "-c", "from hub.cli import main; main()"]
        return [*command, "-c", str(self.config_path), *args]

    @staticmethod
    def _env(failpoints: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        if failpoints:
            env["HUB_FAILPOINTS"] = failpoints
        return env

    def sync(self) -> SyncReport:
        """One sync run of the pair in this process, as ``hub sync`` makes it."""
        engine = create_store_engine(self.config.database_url)
        try:
            return run_pair(
                "main",
                config=self.config,
                plugins=self.plugins,
                engine=engine,
                sessions=session_factory(engine),
                now=_now,
            )
        finally:
            engine.dispose()

    def snapshot(self) -> dict[str, Any]:
        """Both vendors' records as the mappings read them, and the hub's persons and links."""
        engine = create_store_engine(self.config.database_url)
        sessions = session_factory(engine)
        runner, opened = build_pair(
            self.config, "main", plugins=self.plugins, sessions=sessions, now=_now
        )
        try:
            until = _now() + timedelta(days=1)
            seen: dict[str, dict[str, dict[str, Any]]] = {}
            for system, side in runner.sides.items():
                records = seen.setdefault(system, {})
                for page in side.connector.read_changes(side.object_type, since=None, until=until):
                    for record in page.records:
                        mapped = side.mapping.to_canonical(record.data).value
                        fields = flatten(mapped) if mapped is not None else {}
                        records[record.external_id] = fields
            with sessions() as session:
                return _describe(session, seen)
        finally:
            for connector in opened:
                connector.close()
            engine.dispose()

    def contact_emails(self) -> Counter[str]:
        """How many live HubSpot contacts hold each primary email."""
        store = self.hs_app.state.emulator.store
        return Counter(
            (c.properties.get("email") or "").lower()
            for c in store.contacts.values()
            if not c.archived and c.properties.get("email")
        )


def _stable(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as plain JSON values, without the run-specific ids."""
    kept = {k: v for k, v in fields.items() if not k.startswith(RUN_SPECIFIC)}
    return json.loads(json.dumps(kept, sort_keys=True, default=str))


def _describe(session: Any, seen: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    def email_of(fields: dict[str, Any]) -> str:
        emails = [dict(e) for e in fields.get("emails") or ()]
        primary = [e for e in emails if e.get("primary")] or emails
        return str(primary[0].get("address", "")) if primary else ""

    def key(connection: str, external_id: str) -> str:
        if connection == "hubspot":
            return f"hubspot:{email_of(seen['crm'].get(external_id, {})) or external_id}"
        return f"greenhouse:{external_id}"

    links: dict[str, set[str]] = {}
    for person_id, connection, external_id in session.execute(
        select(Link.person_id, Link.connection, Link.external_id)
    ):
        links.setdefault(person_id, set()).add(key(connection, external_id))
    persons = {
        " ".join(sorted(links.get(p.id, set()))): _unordered(_stable(flatten_person(p)))
        for p in session.scalars(select(Person))
    }
    statuses = Counter(session.scalars(select(LedgerEntry.status)))
    return {
        "crm": {key("hubspot", i): _stable(f) for i, f in seen["crm"].items()},
        "ats": {key("greenhouse", i): _stable(f) for i, f in seen["ats"].items()},
        "persons": persons,
        "ledger": dict(statuses),
    }


def _unordered(fields: dict[str, Any]) -> dict[str, Any]:
    # a golden list is a union whose order follows which record was read last: a rerun after a
    # crash mid-read re-reads records in another order (see the report)
    return {
        k: sorted(v, key=lambda x: json.dumps(x, sort_keys=True)) if isinstance(v, list) else v
        for k, v in fields.items()
    }


def flatten_person(person: Person) -> dict[str, Any]:
    """A person's golden record as flat fields."""
    return dict(person.data or {})


def open_site(
    stack: ExitStack,
    database_url: str,
    config_path: Path,
    *,
    batch_size: int,
    redis_url: str | None = None,
) -> Site:
    """Serve both emulators (until ``stack`` closes), write the config, migrate and set up."""
    plugins = HubPlugins.load(environ={})
    gh_app = plugins.connector("greenhouse").emulator(
        EmulatorOptions(seed=3, people=12, rate_limit=0)
    )
    hs_app = plugins.connector("hubspot").emulator(
        EmulatorOptions(
            seed=4, people=10, rate_limit=0, extra={"access_token": "tok", "search_rate": 0}
        )
    )
    gh_url = stack.enter_context(serve_app(gh_app))
    hs_url = stack.enter_context(serve_app(hs_app))
    user_id = next(iter(gh_app.state.emulator.state.tables["users"]))
    raw = _config(database_url, gh_url, hs_url, str(user_id), batch_size)
    if redis_url is not None:
        raw["redis_url"] = redis_url  # jobs go through this Redis, to `hub worker` processes
    config = HubConfig.model_validate(raw)
    config_path.write_text(json.dumps(raw))  # JSON is YAML
    engine = create_store_engine(database_url)
    upgrade(engine)
    _, opened = build_pair(
        config, "main", plugins=plugins, sessions=session_factory(engine), now=_now
    )
    for connector in opened:
        connector.setup()  # `hub setup`: HubSpot needs the hub's custom properties
        connector.close()
    engine.dispose()
    return Site(config, config_path, gh_app, hs_app, gh_url, hs_url, plugins)


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Any]:
    """A factory of :class:`Site` s on the given store, from the fixed emulator seeds."""
    with ExitStack() as stack:

        def make(database_url: str, *, batch_size: int = 4, redis_url: str | None = None) -> Site:
            path = tmp_path / "hub.yaml"
            return open_site(stack, database_url, path, batch_size=batch_size, redis_url=redis_url)

        yield make


def _config(
    database_url: str, gh_url: str, hs_url: str, user_id: str, batch_size: int
) -> dict[str, Any]:
    return sandbox_config(
        database_url=database_url,
        greenhouse_url=gh_url,
        hubspot_url=hs_url,
        greenhouse_user=user_id,
        hubspot_token="tok",
        lookback="0s",
        batch_size=batch_size,
        applications=False,
    )


def differences(state: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Field by field, how ``state`` differs from ``reference`` (vendors and persons)."""
    found: list[str] = []
    for part in ("ats", "crm", "persons"):
        ours, theirs = state[part], reference[part]
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours or key not in theirs:
                found.append(f"{part} {key}: only in {'reference' if key in theirs else 'state'}")
                continue
            a, b = ours[key], theirs[key]
            for name in sorted(set(a) | set(b)):
                if a.get(name) != b.get(name):
                    found.append(f"{part} {key} {name}: {a.get(name)!r} != {b.get(name)!r}")
    return found
