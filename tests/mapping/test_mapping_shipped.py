"""The shipped mappings validate against the installed connectors; the CLI checks and previews."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hub.cli.mappings import app
from hub.mapping.engine import SyncPolicy
from hub.mapping.loader import load_mapping, vendor_models_of
from hub.mapping.transforms import builtin_registry
from hub.plugins import HubPlugins

FIXTURES = Path(__file__).parent / "fixtures"
MAPPINGS = Path(__file__).parents[2] / "mappings"

SHIPPED = sorted(
    p.name for p in MAPPINGS.glob("*.yaml") if p.name.split(".")[0] in ("hubspot", "greenhouse")
)


@pytest.fixture(scope="module")
def plugins():
    return HubPlugins.load(environ={})


def test_the_four_vendor_objects_have_a_mapping():
    assert set(SHIPPED) >= {
        "hubspot.contact.yaml",
        "greenhouse.candidate.yaml",
        "greenhouse.application.yaml",
        "greenhouse.prospect.yaml",
    }


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_mapping_validates_against_the_installed_connector(plugins, name):
    connector = name.split(".")[0]
    if connector not in plugins.connectors:
        pytest.skip(f"connector {connector!r} is not registered (yet)")
    loaded = load_mapping(
        MAPPINGS / name,
        registry=builtin_registry(plugins.transforms),
        vendor_models=vendor_models_of(plugins.connectors),
    )
    assert loaded.vendor_checked


def test_hubspot_contact_writes_back_the_relationship_properties(shipped):
    loaded = shipped("hubspot.contact.yaml")
    written = {rule.to for rule in loaded.spec.outbound}
    for prop in [
        "candidate_status",
        "greenhouse_candidate_id",
        "last_application_job",
        "last_application_stage",
        "last_application_status",
        "hub_person_id",
        "hub_nurture",
        "hub_ready_for_ats",
    ]:
        assert f"properties.{prop}" in written
    assert loaded.mapping.policy_for("relationship_status") == SyncPolicy("owner", "ats")
    assert loaded.mapping.policy_for("custom.hub_ready_for_ats") == SyncPolicy("owner", "crm")


@pytest.fixture
def cli():
    root = typer.Typer()
    root.add_typer(app, name="mappings")

    @root.callback()
    def main() -> None:
        """Root."""

    def invoke(*args: str):
        return CliRunner().invoke(root, ["mappings", *args])

    return invoke


def test_check_prints_one_ok_line_per_file_and_exits_0(cli):
    files = [str(MAPPINGS / name) for name in SHIPPED]
    result = cli("check", *files)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{f}: OK" for f in files]


def test_check_exits_2_with_one_line_per_problem_and_no_traceback(cli, tmp_path):
    broken = tmp_path / "hubspot.contact.yaml"
    broken.write_text(
        "connector: hubspot\nobject_type: contact\ncanonical: person\n"
        "inbound:\n  - {to: given_name, from: properties.firstname, transforms: [lowr]}\n"
        "  - {to: given_name, form: properties.lastname}\n",
        encoding="utf-8",
    )
    result = cli("check", str(broken), str(MAPPINGS / "greenhouse.candidate.yaml"))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [f"{MAPPINGS / 'greenhouse.candidate.yaml'}: OK"]
    assert result.stderr.splitlines() == [
        f"{broken}:5:63: inbound.0.transforms.0: unknown transform 'lowr' (did you mean 'lower'?)",
        f"{broken}:6:22: inbound.1.form: unknown key 'form' (did you mean 'from'?)",
    ]
    assert "Traceback" not in result.output


def test_preview_prints_canonical_record_payload_and_what_was_not_mapped(cli, tmp_path):
    record = json.loads((FIXTURES / "harvest_v1_candidate_object.json").read_text())
    record["custom_fields"]["work_remotely"] = "sometimes"
    path = tmp_path / "candidate.json"
    path.write_text(json.dumps(record))
    result = cli(
        "preview", str(MAPPINGS / "greenhouse.candidate.yaml"), "--record", str(path), "--outbound"
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert '"given_name": "John"' in out
    assert "# vendor payload it would write back" in out
    assert '"first_name": "John"' in out
    assert (
        "- custom_fields.work_remotely → custom.work_remotely: to_bool: not a recognised boolean"
        in out
    )
    assert "- educations" in out


def test_preview_of_a_broken_record_file_is_a_located_error(cli, tmp_path):
    path = tmp_path / "record.json"
    path.write_text('{"id": 1,\n  oops}')
    result = cli("preview", str(MAPPINGS / "greenhouse.candidate.yaml"), "--record", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path}:2:3: not valid JSON"


def test_check_without_files_checks_the_mappings_of_installed_connectors(cli, monkeypatch):
    monkeypatch.chdir(MAPPINGS.parent)
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"mappings/{name}: OK" for name in SHIPPED]
