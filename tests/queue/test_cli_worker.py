from __future__ import annotations

import json

from typer.testing import CliRunner

from .run_hub import app

runner = CliRunner()


def test_hub_worker_in_embedded_mode_runs_the_queued_jobs_in_process(tmp_path, embedded_queues):
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'hub.db'}\n")
    result = runner.invoke(app, ["-c", str(config), "worker", "--check"])
    assert result.exit_code == 0, result.output
    assert "job queue: embedded" in result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["database"]["ok"]
    assert report["queue"]["detail"].startswith("embedded")


def test_hub_worker_fails_clearly_when_redis_is_unreachable(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'hub.db'}\nredis_url: redis://:pw@127.0.0.1:1/0\n"
    )
    result = runner.invoke(app, ["-c", str(config), "worker", "--burst"])
    assert result.exit_code == 1
    assert "unreachable" in result.output
    assert "pw" not in result.output


def test_hub_worker_refuses_unknown_queues(tmp_path):
    result = runner.invoke(app, ["worker", "--burst", "--queues", "sync,urgent"])
    assert result.exit_code == 2
    assert "unknown queue urgent" in result.output
