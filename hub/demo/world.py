"""Stand up the sandbox: both emulators and the hub's service on free loopback ports."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.api import create_app
from hub.config import HubConfig
from hub.connector import EmulatorOptions
from hub.demo.receiver import Receiver
from hub.plugins import HubPlugins
from hub.testing.server import free_port, serve_app

__all__ = ["MAPPINGS", "DemoWorld", "demo_world", "sandbox_config"]

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
# The sandbox's own throwaway secrets: nothing outside this process ever sees them.
GREENHOUSE_SECRET = "demo-greenhouse-webhooks"
HUBSPOT_SECRET = "demo-hubspot-app"
HUBSPOT_TOKEN = "demo-hubspot-token"


class RequestCounter:
    """ASGI middleware counting the vendor API requests an emulator answers (not its admin ones)."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app, self.prefix, self.count = app, prefix, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Count, then pass the call on."""
        if scope["type"] == "http" and str(scope["path"]).startswith(self.prefix):
            self.count += 1
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class DemoWorld:
    """The running sandbox."""

    config: HubConfig
    plugins: HubPlugins
    greenhouse_url: str
    hubspot_url: str
    hub_url: str
    admin_token: str
    greenhouse: Any
    hubspot: Any
    hub: Any
    api_calls: dict[str, RequestCounter]
    receiver: Receiver
    receiver_url: str


def sandbox_config(
    *,
    database_url: str,
    greenhouse_url: str,
    hubspot_url: str,
    greenhouse_user: str,
    hubspot_token: str = HUBSPOT_TOKEN,
    hub_url: str | None = None,
    admin_token: str | None = None,
    lookback: str = "1m",
    batch_size: int = 100,
    applications: bool = True,
    rules: bool = False,
) -> dict[str, Any]:
    """The configuration (as YAML-shaped data) of a hub wired to the two emulators.

    The demo, the sync tests and the benchmarks all build their hub from this one shape.
    ``rules`` runs the shipped transition rules (``mappings/rules.yaml``) in the pair.
    """
    hubspot: dict[str, Any] = {
        "base_url": hubspot_url,
        "access_token": hubspot_token,
        "client_secret": HUBSPOT_SECRET,
        "rate_limit": 0,
    }
    api: dict[str, Any] = {}
    if hub_url is not None:
        hubspot["webhook_public_url"] = hub_url
        api = {"listen": hub_url.removeprefix("http://"), "public_url": hub_url}
    if admin_token is not None:
        api["admin_tokens"] = [admin_token]
    mappings = {
        "contact": str(MAPPINGS / "hubspot.contact.yaml"),
        "candidate": str(MAPPINGS / "greenhouse.candidate.yaml"),
    }
    if applications:
        mappings["application"] = str(MAPPINGS / "greenhouse.application.yaml")
    pair: dict[str, Any] = {
        "crm": "hubspot",
        "ats": "greenhouse",
        "mappings": mappings,
        "lookback": lookback,
        "batch_size": batch_size,
    }
    if rules:
        pair["rules"] = str(MAPPINGS / "rules.yaml")
    return {
        "database_url": database_url,
        "api": api,
        "connections": {
            "greenhouse": {
                "connector": "greenhouse",
                "settings": {
                    "base_url": f"{greenhouse_url}/v3",
                    "auth_url": greenhouse_url,
                    "client_id": "sandbox",
                    "client_secret": "sandbox-client-secret",
                    "user_id": greenhouse_user,
                    "webhook_secret": GREENHOUSE_SECRET,
                    "rate_limit": 0,
                },
            },
            "hubspot": {"connector": "hubspot", "settings": hubspot},
        },
        "sync_pairs": {"main": pair},
    }


@contextmanager
def demo_world(
    *, people: int, seed: int, workdir: Path, plugins: HubPlugins
) -> Iterator[DemoWorld]:
    """Start both emulators and the hub service; stop them all on exit.

    The hub's database is created afresh in ``workdir``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    for leftover in workdir.glob("hub.db*"):
        leftover.unlink()
    names = ("greenhouse", "hubspot", "hub", "receiver")
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in names}
    greenhouse = plugins.connector("greenhouse").emulator
    hubspot = plugins.connector("hubspot").emulator
    assert greenhouse is not None
    assert hubspot is not None
    gh_app = greenhouse(
        EmulatorOptions(
            seed=seed,
            people=people,
            rate_limit=0,
            webhook_urls=(f"{urls['hub']}/webhooks/greenhouse",),
            webhook_secret=GREENHOUSE_SECRET,
        )
    )
    hs_app = hubspot(
        EmulatorOptions(
            seed=seed + 1,
            people=max(1, people // 2),
            rate_limit=0,
            webhook_urls=(f"{urls['hub']}/webhooks/hubspot",),
            webhook_secret=HUBSPOT_SECRET,
            extra={"access_token": HUBSPOT_TOKEN, "search_rate": 0, "hub_properties": False},
        )
    )
    user_id = str(next(iter(gh_app.state.emulator.state.tables["users"])))
    admin_token = secrets.token_urlsafe(24)
    raw = sandbox_config(
        database_url=f"sqlite:///{workdir / 'hub.db'}",
        greenhouse_url=urls["greenhouse"],
        hubspot_url=urls["hubspot"],
        greenhouse_user=user_id,
        hub_url=urls["hub"],
        admin_token=admin_token,
        rules=True,
    )
    # the receiver listens on loopback over plain http: allowed for the sandbox only
    raw["webhooks"] = {"allow_networks": ["127.0.0.0/8"], "require_https": False}
    config = HubConfig.model_validate({**raw, "source": str(workdir / "generated by hub demo")})
    hub_app = create_app(config, plugins=plugins)
    counters = {
        "greenhouse": RequestCounter(gh_app, "/v3/"),
        "hubspot": RequestCounter(hs_app, "/crm/"),
    }
    receiver = Receiver()
    served = (
        ("greenhouse", counters["greenhouse"]),
        ("hubspot", counters["hubspot"]),
        ("receiver", receiver.app()),
    )
    with ExitStack() as stack:
        for name, app in (*served, ("hub", hub_app)):
            stack.enter_context(serve_app(app, port=int(urls[name].rsplit(":", 1)[1])))
        yield DemoWorld(
            config=config,
            plugins=plugins,
            greenhouse_url=urls["greenhouse"],
            hubspot_url=urls["hubspot"],
            hub_url=urls["hub"],
            admin_token=admin_token,
            greenhouse=gh_app,
            hubspot=hs_app,
            hub=hub_app,
            api_calls=counters,
            receiver=receiver,
            receiver_url=f"{urls['receiver']}/hooks",
        )
