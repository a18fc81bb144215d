from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.dedupe import app
from hub.dedupe_io import load_match_spec
from hub.errors import ConfigError

SHIPPED = Path(__file__).parents[2] / "mappings" / "match.persons.yaml"

ROWS = [
    {
        "id": "hs-1",
        "source": "hubspot",
        "first_name": "Robert",
        "last_name": "Smith",
        "email": "Rob.Smith@gmail.com",
        "phone": "(415) 555-0100",
        "company": "Acme Inc",
        "linkedin": "",
    },
    {
        "id": "gh-1",
        "source": "greenhouse",
        "first_name": "Bob",
        "last_name": "Smith",
        "email": "robsmith+jobs@googlemail.com",
        "phone": "",
        "company": "Acme",
        "linkedin": "https://uk.linkedin.com/in/rsmith/",
    },
    {
        "id": "gh-2",
        "source": "greenhouse",
        "first_name": "Anna",
        "last_name": "Jones",
        "email": "jobs@agency.example",
        "phone": "",
        "company": "Globex",
        "linkedin": "",
    },
    {
        "id": "hs-2",
        "source": "hubspot",
        "first_name": "Mia",
        "last_name": "Chen",
        "email": "jobs@agency.example",
        "phone": "",
        "company": "Initech",
        "linkedin": "",
    },
    {
        "id": "hs-3",
        "source": "hubspot",
        "first_name": "Anna",
        "last_name": "Jones",
        "email": "",
        "phone": "+1 212 555 0199",
        "company": "",
        "linkedin": "linkedin.com/in/annajones",
    },
]


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _config(tmp_path: Path) -> Path:
    # The shipped config, with weights fixed so a five-row file gives stable results.
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "thresholds:", "estimation:\n  prior: 0.01\nthresholds:"
    )
    fixed = {
        "email": "    m: [0.9, 0.02, 0.08]\n    u: [0.0001, 0.001, 0.9989]\n",
        "phone": "    m: [0.9, 0.1]\n    u: [0.0001, 0.9999]\n",
        "linkedin": "    m: [0.9, 0.1]\n    u: [0.0001, 0.9999]\n",
        "github": "    m: [0.9, 0.1]\n    u: [0.0001, 0.9999]\n",
        "given_name": "    m: [0.8, 0.1, 0.05, 0.05]\n    u: [0.02, 0.02, 0.03, 0.93]\n",
        "family_name": "    m: [0.8, 0.1, 0.05, 0.05]\n    u: [0.01, 0.02, 0.03, 0.94]\n",
        "company": "    m: [0.7, 0.1, 0.2]\n    u: [0.005, 0.01, 0.985]\n",
    }
    for field, lines in fixed.items():
        text = text.replace(f"  {field}:\n", f"  {field}:\n{lines}", 1)
    path = tmp_path / "match.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid():
    spec = load_match_spec(SHIPPED)
    assert {"email", "phone", "linkedin", "given_name", "family_name", "company"} <= set(
        spec.fields
    )


def test_scan_writes_pairs_with_explanations_and_clusters(tmp_path):
    data = _write_csv(tmp_path / "people.csv", ROWS)
    out, clusters = tmp_path / "matches.csv", tmp_path / "clusters.csv"
    result = CliRunner().invoke(
        app,
        [
            "scan",
            str(data),
            "--config",
            str(_config(tmp_path)),
            "--out",
            str(out),
            "--clusters",
            str(clusters),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "candidate pairs" in result.output
    pairs = {(r["left_id"], r["right_id"]): r for r in csv.DictReader(out.open(encoding="utf-8"))}
    rob = pairs.get(("hs-1", "gh-1")) or pairs[("gh-1", "hs-1")]
    assert rob["outcome"] == "same"
    assert rob["email_level"] == "exact"
    assert "strong evidence: shared email" in rob["explanation"]
    assert rob["left_cluster"] == rob["right_cluster"]
    # Anna Jones and Mia Chen share only an agency inbox: never the same person automatically.
    assert all(r["outcome"] != "same" for k, r in pairs.items() if "hs-2" in k)
    by_id = {r["id"]: r for r in csv.DictReader(clusters.open(encoding="utf-8"))}
    assert by_id["hs-1"]["cluster_id"] == by_id["gh-1"]["cluster_id"]
    assert by_id["hs-1"]["cluster_size"] == "2"
    assert by_id["hs-2"]["cluster_size"] == "1"


def test_scan_estimates_weights_when_not_fixed(tmp_path):
    data = _write_csv(tmp_path / "people.csv", ROWS)
    result = CliRunner().invoke(
        app, ["scan", str(data), "--config", str(SHIPPED), "--out", str(tmp_path / "m.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "weights (prior" in result.output


BAD_CONFIG = """\
version: 1
fields:
  email:
    columns: [email]
    normalise: emial
  name:
    columns: [name]
    comparator: {type: jaro_winkler, levels: [0.8, 0.9]}
blocking:
  rules:
    - on: [email]
"""

BAD_REFERENCES = """\
fields:
  email:
    columns: [email]
    normalise: email
blocking:
  rules:
    - on: [email, surname]
guard:
  conflicts: [linkedin]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BAD_CONFIG,
            [
                "match.yaml:5:16: fields.email.normalise:",
                "match.yaml:8:17: fields.name.comparator:",
            ],
        ),
        (
            BAD_REFERENCES,
            [
                "match.yaml:7:19: blocking.rules.0.on.1: unknown field 'surname'",
                "match.yaml:9:15: guard.conflicts.0: unknown field 'linkedin'",
            ],
        ),
        ("fields: [\n", ["match.yaml:2:1: YAML syntax error"]),
    ],
)
def test_config_errors_are_located_and_exit_2(tmp_path, text, expected):
    config = tmp_path / "match.yaml"
    config.write_text(text, encoding="utf-8")
    data = _write_csv(tmp_path / "people.csv", ROWS)
    result = CliRunner().invoke(
        app, ["scan", str(data), "--config", str(config), "--out", str(tmp_path / "m.csv")]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(str(tmp_path / start)), line


def test_unknown_key_suggests_the_right_one(tmp_path):
    config = tmp_path / "match.yaml"
    config.write_text(BAD_REFERENCES.replace("guard:", "gaurd:"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_match_spec(config)
    assert "did you mean 'guard'" in str(err.value)


def test_csv_without_the_id_column_is_a_config_error(tmp_path):
    data = _write_csv(tmp_path / "people.csv", [{"email": "a@example.com"}])
    result = CliRunner().invoke(
        app, ["scan", str(data), "--config", str(SHIPPED), "--out", str(tmp_path / "m.csv")]
    )
    assert result.exit_code == 2
    assert "no column 'id'" in result.output


def test_missing_csv_is_reported_not_raised(tmp_path):
    missing = tmp_path / "nope.csv"
    result = CliRunner().invoke(
        app, ["scan", str(missing), "--config", str(SHIPPED), "--out", str(tmp_path / "m.csv")]
    )
    assert result.exit_code == 2
    assert f"{missing}: cannot read file" in result.output
