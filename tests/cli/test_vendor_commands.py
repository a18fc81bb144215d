"""`hub emulator` and `hub setup` against the bundled connectors, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hub.cli.app import app
from hub.connector import EmulatorOptions
from hub.plugins import HubPlugins
from hub.testing.server import free_port, serve_app

HUB = Path(sys.executable).parent / "hub"


def wait_for(url: str) -> httpx.Response:
    for _ in range(300):
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.05)
    pytest.fail(f"{url} did not answer")


@pytest.mark.parametrize(
    ("name", "probe"),
    [("greenhouse", "/_emulator/state"), ("hubspot", "/_emulator/state")],
)
def test_emulator_command_serves_a_seeded_vendor(name, probe):
    port = free_port()
    process = subprocess.Popen(
        [str(HUB), "emulator", name, "--port", str(port), "--seed", "1", "--people", "25"],
        env={**os.environ, "HUB_CONFIG": "/dev/null"},
    )
    try:
        response = wait_for(f"http://127.0.0.1:{port}{probe}")
        assert response.status_code == 200
        assert response.json()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_setup_creates_the_hub_properties_once(tmp_path):
    spec = HubPlugins.load(environ={}).connector("hubspot")
    assert spec.emulator is not None
    emulator = spec.emulator(
        EmulatorOptions(
            people=5, rate_limit=0, extra={"access_token": "tok", "hub_properties": False}
        )
    )
    with serve_app(emulator) as url:
        path = tmp_path / "config.yaml"
        path.write_text(
            f"database_url: sqlite:///{tmp_path}/hub.db\n"
            "connections:\n  crm:\n    connector: hubspot\n"
            f"    settings:\n      base_url: {url}\n      access_token: tok\n      rate_limit: 0\n"
        )
        runner = CliRunner()
        first = runner.invoke(app, ["-c", str(path), "setup"])
        assert first.exit_code == 0, first.output
        assert "created" in first.output
        assert "candidate_status" in first.output
        second = runner.invoke(app, ["-c", str(path), "setup", "--connection", "crm"])
        assert second.exit_code == 0, second.output
        assert "created" not in second.output
        assert "tok" not in first.output + second.output
