from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import pytest
import typer
from standardwebhooks import Webhook
from typer.testing import CliRunner

from hub.cli import webhooks as webhooks_cli
from hub.cli.context import CliState
from hub.config import HubConfig
from hub.queue import queue_connection

from .helpers import emit, stage_changed


def build_root() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main(ctx: typer.Context, config: Annotated[Path, typer.Option("--config", "-c")]) -> None:
        ctx.obj = CliState(config_path=config)

    root.add_typer(webhooks_cli.app, name="webhooks")
    return root


@pytest.fixture
def hub(tmp_path, sqlite_url, loopback_settings, monkeypatch):
    monkeypatch.setattr(webhooks_cli.console, "width", 250)  # tables unwrapped, ids whole
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: {sqlite_url}\n")
    connection = queue_connection(HubConfig())
    connection.flushall()
    root, runner = build_root(), CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(root, ["-c", str(config), "webhooks", *args])
        assert result.exit_code == code, result.output
        return result.output

    yield run
    connection.flushall()


def test_cli_manages_a_subscription_and_its_deliveries(hub, receiver, sessions):
    added = hub("add", receiver.url, "-e", "application.*", "--description", "ATS mirror")
    sub_id = re.search(r"subscription (sub_\w+)", added)[1]
    secret = re.search(r"secret (whsec_\S+)", added)[1]
    listed = hub("list")
    assert sub_id in listed
    assert "whsec_" not in listed
    assert "active secrets: 1" in hub("show", sub_id)

    now = datetime.now(UTC)
    emit(sessions, stage_changed(now), now=now)
    assert "1 deliveries in 1 jobs" in hub("dispatch")
    ((body, headers),) = receiver.requests
    Webhook(secret).verify(body, headers)
    delivery_line = hub("deliveries", "--subscription", sub_id, "--status", "succeeded")
    delivery_id = re.search(r"^│ (\d+) ", delivery_line, re.MULTILINE)[1]

    rotated = re.search(r"secret (whsec_\S+)", hub("rotate-secret", sub_id))[1]
    assert "1 deliveries queued again" in hub("replay", delivery_id)
    hub("dispatch")
    body, headers = receiver.requests[1]
    Webhook(secret).verify(body, headers)
    Webhook(rotated).verify(body, headers)
    assert headers["webhook-id"] == receiver.requests[0][1]["webhook-id"]

    since = (now - timedelta(minutes=1)).isoformat()
    hub("disable", sub_id)
    assert "no (manual)" in hub("list")
    assert "1 deliveries queued again" in hub("replay", "--subscription", sub_id, "--since", since)
    assert "0 deliveries" in hub("dispatch")
    hub("enable", sub_id)
    hub("dispatch")
    assert len(receiver.requests) == 3
    hub("remove", sub_id)
    assert sub_id not in hub("list")


def test_cli_reports_unknown_ids_and_bad_input_without_a_traceback(hub):
    assert "no webhook subscription sub_nope" in hub("show", "sub_nope", code=1)
    assert "no event type matches" in hub("add", "https://example.com/x", "-e", "nope.*", code=1)
    hub("deliveries", "--status", "lost", code=2)
