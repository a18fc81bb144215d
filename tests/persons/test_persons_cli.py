from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hub.cli.app import app
from hub.connector import ConnectorContext, EmulatorOptions
from hub.demo.world import sandbox_config
from hub.persons import labelled_pairs, list_merges, propose
from hub.plugins import HubPlugins
from hub.store.dedup_tables import ReviewPair
from hub.testing.server import serve_app
from tests.persons.factories import NOW, links_of, make_person

SHIPPED = Path(__file__).parents[2] / "mappings" / "match.persons.yaml"
EXPLANATION = {
    "fields": [
        {"field": "email", "level": "null", "weight": 0.0},
        {"field": "given_name", "level": "exact", "weight": 5.4},
        {"field": "family_name", "level": "exact", "weight": 7.4},
    ],
    "guard": {"reason": "no strong evidence (needs a shared identifier)"},
}


@pytest.fixture
def hub_config(tmp_path, database_url, sessions) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database_url": database_url}))
    return path


def run(config: Path, *args: str):
    # a wide terminal, so that table cells are not wrapped
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})


def _pair(sessions) -> tuple[int, str, str]:
    with sessions.begin() as session:
        a = make_person(
            session,
            given="Ada",
            family="Lovelace",
            company="Engines",
            links=(("hubspot", "contact", "101"),),
            created=NOW - timedelta(days=1),  # the older person survives a merge
        )
        b = make_person(
            session, given="Ada", family="Lovelace", links=(("greenhouse", "candidate", "7"),)
        )
        return propose(session, a, b, 0.87, EXPLANATION, now=NOW).id, a, b


def test_review_lists_open_pairs_with_their_evidence(hub_config, sessions):
    pair_id, _, _ = _pair(sessions)
    result = run(hub_config, "dedupe", "review")
    assert result.exit_code == 0, result.output
    assert str(pair_id) in result.output
    assert "0.870" in result.output
    assert "given_name=exact(+5.4)" in result.output
    assert "no strong evidence" in result.output
    assert "Ada Lovelace" in result.output
    assert "hubspot contact 101" in result.output
    assert "1 of 1 open pairs" in result.output


def test_review_approve_merges_and_persons_split_undoes_it(hub_config, sessions):
    pair_id, a, b = _pair(sessions)
    result = run(hub_config, "dedupe", "review", "--approve", str(pair_id), "--by", "ana")
    assert result.exit_code == 0, result.output
    assert f"approved pair {pair_id}" in result.output
    assert "Vendor records were not merged" in result.output
    with sessions() as session:
        (merge,), _ = list_merges(session)
        assert links_of(session, a) == [
            ("greenhouse", "candidate", "7"),
            ("hubspot", "contact", "101"),
        ]
        assert session.get(ReviewPair, pair_id).decided_by == "ana"
    listed = run(hub_config, "persons", "merges")
    assert listed.exit_code == 0, listed.output
    assert f"review {pair_id} approved by ana" in listed.output
    split = run(hub_config, "persons", "split", str(merge.id))
    assert split.exit_code == 0, split.output
    assert "1 vendor links restored" in split.output
    with sessions() as session:
        assert links_of(session, b) == [("greenhouse", "candidate", "7")]
    again = run(hub_config, "persons", "split", str(merge.id))
    assert again.exit_code == 1
    assert f"error: merge {merge.id} was already split" in again.output


def test_review_reject_records_a_label_and_the_pair_stays_closed(hub_config, sessions):
    pair_id, a, b = _pair(sessions)
    result = run(hub_config, "dedupe", "review", "--reject", str(pair_id), "--by", "ana")
    assert result.exit_code == 0, result.output
    assert "will not be proposed again" in result.output
    with sessions.begin() as session:
        assert [label.same for label in labelled_pairs(session)] == [False]
        assert propose(session, a, b, 0.9, EXPLANATION, now=NOW) is None
    assert "0 of 0 open pairs" in run(hub_config, "dedupe", "review").output


def test_review_mistakes_are_reported_without_a_traceback(hub_config, sessions):
    missing = run(hub_config, "dedupe", "review", "--approve", "99")
    assert missing.exit_code == 1
    assert "error: no review pair 99" in missing.output
    assert "Traceback" not in missing.output
    both = run(hub_config, "dedupe", "review", "--approve", "1", "--reject", "2")
    assert both.exit_code == 2
    assert "not both" in both.output
    no_tty = run(hub_config, "dedupe", "review", "--interactive")
    assert no_tty.exit_code == 2
    assert "needs a terminal" in no_tty.output
    assert run(hub_config, "persons", "split", "42").output.strip() == "error: no merge 42"


def test_scan_needs_a_file_or_a_connection(hub_config, tmp_path):
    out = str(tmp_path / "m.csv")
    neither = run(hub_config, "dedupe", "scan", "--out", out)
    assert neither.exit_code == 2
    assert "either FILE or --connection" in neither.output
    unknown = run(hub_config, "dedupe", "scan", "--connection", "nowhere", "--out", out)
    assert unknown.exit_code == 2
    assert "no connection named 'nowhere'" in unknown.output


@pytest.fixture
def hubspot_config(tmp_path, sqlite_url) -> Path:
    plugins = HubPlugins.load(environ={})
    emulator = plugins.connector("hubspot").emulator(
        EmulatorOptions(seed=4, people=10, rate_limit=0, extra={"access_token": "tok"})
    )
    with serve_app(emulator) as url:
        config = sandbox_config(
            database_url=sqlite_url,
            greenhouse_url="http://127.0.0.1:9",
            hubspot_url=url,
            greenhouse_user="1",
            hubspot_token="tok",
        )
        settings = config["connections"]["hubspot"]
        spec = plugins.connector("hubspot")
        connector = spec.build(
            settings["settings"],
            ConnectorContext(connection="hubspot", now=lambda: datetime.now(UTC)),
        )
        connector.setup()  # the hub's custom properties, as `hub setup` makes them
        connector.close()
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        yield path


def test_scan_of_a_live_connection_reads_maps_and_reports(hubspot_config, tmp_path):
    out, clusters = tmp_path / "matches.csv", tmp_path / "clusters.csv"
    result = run(
        hubspot_config,
        "dedupe",
        "scan",
        "--connection",
        "hubspot",
        "--config",
        str(SHIPPED),
        "--out",
        str(out),
        "--clusters",
        str(clusters),
    )
    assert result.exit_code == 0, result.output
    assert "records read (contact)" in result.output
    with clusters.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 10  # every contact of the emulator, clustered
    assert out.read_text().startswith("left_id,right_id,outcome")


def test_interactive_review_decides_pair_by_pair(hub_config, sessions, monkeypatch):
    first, _, _ = _pair(sessions)
    with sessions.begin() as session:
        c = make_person(session, given="Grace", family="Hopper")
        d = make_person(session, given="Grace", family="Hopper")
        second = propose(session, c, d, 0.75, EXPLANATION, now=NOW).id
    monkeypatch.setattr("hub.cli.dedupe._is_terminal", lambda: True)
    result = CliRunner().invoke(
        app,
        ["--config", str(hub_config), "dedupe", "review", "--interactive", "--by", "ana"],
        input="r\na\n",
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert f"rejected pair {first}" in result.output  # the likelier pair is asked first
    assert f"approved pair {second}" in result.output
    with sessions() as session:
        assert session.get(ReviewPair, first).status == "rejected"
        assert session.get(ReviewPair, second).status == "approved"
