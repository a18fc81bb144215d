from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.app import app

runner = CliRunner()


@pytest.fixture
def config_file(tmp_path):
    def _make(text: str) -> str:
        path = tmp_path / "config.yaml"
        path.write_text(text)
        return str(path)

    return _make


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("doctor", "db", "connectors", "emulator", "setup", "runs", "serve", "version"):
        assert command in result.output


def test_console_script_runs_as_a_real_process():
    hub = Path(sys.executable).parent / "hub"
    result = subprocess.run([str(hub), "version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.strip() == "0.1.0"


def test_doctor_says_to_migrate_then_passes_after_db_upgrade(config_file, sqlite_url):
    path = config_file(f"database_url: {sqlite_url}\n")
    first = runner.invoke(app, ["-c", path, "doctor"])
    assert first.exit_code == 1
    assert "run `hub db upgrade`" in first.output
    upgraded = runner.invoke(app, ["-c", path, "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "(empty) -> " in upgraded.output
    second = runner.invoke(app, ["-c", path, "doctor"])
    assert second.exit_code == 0, second.output
    assert "migrations current" in second.output
    assert "embedded" in second.output


def test_doctor_checks_real_postgres_and_redis(config_file, postgres_url, redis_url):
    path = config_file(f"database_url: {postgres_url}\nredis_url: {redis_url}\n")
    assert runner.invoke(app, ["-c", path, "db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["-c", path, "doctor"])
    assert result.exit_code == 0, result.output
    assert "reachable, migrations current" in result.output
    assert f"{redis_url}: reachable" in result.output


def test_doctor_reports_unreachable_redis_without_the_password(config_file, sqlite_url):
    path = config_file(f"database_url: {sqlite_url}\nredis_url: redis://:hunter2@127.0.0.1:1/0\n")
    runner.invoke(app, ["-c", path, "db", "upgrade"])
    result = runner.invoke(app, ["-c", path, "doctor"])
    assert result.exit_code == 1
    assert "unreachable" in result.output
    assert "hunter2" not in result.output


def test_broken_config_prints_located_lines_and_exits_2(config_file):
    path = config_file("database_url: sqlite:///x.db\napi:\n  listn: 1\n")
    result = runner.invoke(app, ["-c", path, "doctor"])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"{path}:3:3: api.listn: unknown key 'listn' (did you mean 'listen'?)"
    )
    assert "Traceback" not in result.output


def test_runs_lists_nothing_on_a_fresh_database(config_file, sqlite_url):
    path = config_file(f"database_url: {sqlite_url}\n")
    result = runner.invoke(app, ["-c", path, "runs"])
    assert result.exit_code == 0
    assert "pair" in result.output


def test_runs_refuses_an_unmigrated_database_when_auto_migrate_is_off(config_file, sqlite_url):
    path = config_file(f"database_url: {sqlite_url}\nauto_migrate: false\n")
    result = runner.invoke(app, ["-c", path, "runs"])
    assert result.exit_code == 1
    assert "not at the newest migration; run `hub db upgrade`" in result.output


def test_runs_migrates_on_start_when_auto_migrate_is_on(config_file, sqlite_url):
    path = config_file(f"database_url: {sqlite_url}\n")
    assert runner.invoke(app, ["-c", path, "runs"]).exit_code == 0
    assert "migrations current" in runner.invoke(app, ["-c", path, "doctor"]).output


def test_serve_answers_health_checks_as_a_real_process(config_file, sqlite_url, tmp_path):
    import socket
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = config_file(f"database_url: {sqlite_url}\napi:\n  listen: 127.0.0.1:{port}\n")
    hub = Path(sys.executable).parent / "hub"
    process = subprocess.Popen([str(hub), "-c", path, "serve"])
    try:
        for _ in range(200):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("hub serve did not come up")
        assert response.status_code == 200
        assert response.json()["checks"]["database"]["ok"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)
