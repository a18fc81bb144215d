"""Request ids and structured logs: every record of a request carries its id."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hub.api import create_app
from hub.logs import JsonFormatter, RequestIdFilter, configure_logging, request_id_var
from hub.testing.server import free_port, serve_app
from tests.api.helpers import AUTH, fake_plugins, service_config


@pytest.fixture
def json_lines():
    """Capture the hub's records as the JSON log format writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("hub")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def lines(*, until_logger="hub.api.access"):
        # the access line is written once the response is sent: wait a moment for it
        deadline = time.monotonic() + 5
        while until_logger not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_a_given_request_id_is_kept_and_a_missing_or_unsafe_one_replaced(make_client):
    client = make_client()
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123.x:y"})
    assert given.headers["x-request-id"] == "abc-123.x:y"
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    unsafe = client.get("/healthz", headers={"X-Request-ID": 'a b"{}'}).headers["x-request-id"]
    assert unsafe != 'a b"{}'
    assert len(unsafe) == 32
    assert client.get("/nowhere").headers["x-request-id"]  # errors carry one too


def test_every_record_of_a_request_carries_its_id(make_client, json_lines):
    client = make_client()
    response = client.post(
        "/webhooks/crm", content=b"[]", headers={"x-fake-signature": "bad", "X-Request-ID": "r-1"}
    )
    assert response.status_code == 401
    records = [r for r in json_lines() if r["request_id"] == "r-1"]
    loggers = {r["logger"] for r in records}
    assert {"hub.api.routes.webhooks", "hub.api.access"} <= loggers
    access = next(r for r in records if r["logger"] == "hub.api.access")
    assert access["level"] == "INFO"
    assert (access["method"], access["route"], access["status"]) == (
        "POST",
        "/webhooks/{connection}",
        401,
    )
    assert set(access) >= {"time", "level", "logger", "message", "request_id", "duration_ms"}


def test_access_log_names_the_route_never_the_query_or_the_token(make_client, json_lines):
    client = make_client()
    client.get("/api/v1/runs", params={"pair": "ada@example.com"}, headers=AUTH)
    text = json.dumps(json_lines())
    assert "/api/v1/runs" in text
    assert "ada@example.com" not in text
    assert AUTH["Authorization"].split()[1] not in text


def test_json_log_lines_have_the_documented_keys(capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(level="INFO", fmt="json")
        token = request_id_var.set("req-9")
        logging.getLogger("hub.test").info("hello %s", "world", extra={"pair": "main"})
        request_id_var.reset(token)
        logging.getLogger("hub.test").info("outside")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert {k: first[k] for k in ("level", "logger", "message", "request_id", "pair")} == {
        "level": "INFO",
        "logger": "hub.test",
        "message": "hello world",
        "request_id": "req-9",
        "pair": "main",
    }
    assert first["time"].endswith("+00:00")
    assert second["request_id"] is None


def test_an_unhandled_error_is_a_500_in_the_one_shape_logged_without_its_message(
    sqlite_url, json_lines
):
    app = create_app(service_config(sqlite_url), plugins=fake_plugins())

    def boom() -> None:
        raise RuntimeError("ada@example.com")

    app.add_api_route("/boom", boom)
    with serve_app(app) as base:
        response = httpx.get(f"{base}/boom", headers={"X-Request-ID": "r-boom"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "r-boom"
    assert response.json()["error"]["code"] == "internal_error"
    records = [r for r in json_lines() if r["request_id"] == "r-boom"]
    error = next(r for r in records if r["level"] == "ERROR")
    assert "RuntimeError" in error["message"]
    assert "ada@example.com" not in json.dumps(records)


@pytest.mark.parametrize("how", ["option", "environment"])
def test_hub_serve_writes_json_lines_with_the_request_id(tmp_path, how):
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'hub.db'}\n")
    port = free_port()
    command = [str(Path(sys.executable).parent / "hub"), "-c", str(config), "serve"]
    command += ["--listen", f"127.0.0.1:{port}"]
    env = {**os.environ, "HUB_LOG_FORMAT": "json"} if how == "environment" else None
    if how == "option":
        command += ["--log-format", "json"]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    response = httpx.get(
                        f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "cli-1"}
                    )
                    break
                except httpx.TransportError:
                    assert process.poll() is None, process.stderr.read()
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=30)
    assert response.headers["x-request-id"] == "cli-1"
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]  # all JSON
    access = [r for r in lines if r["logger"] == "hub.api.access"]
    assert access
    assert access[0]["request_id"] == "cli-1"
    assert any("embedded queue" in r["message"] for r in lines)  # start-up records too
