"""File edges of dedup: load the YAML match config with located errors, read CSV, write results.

Kept outside ``hub.dedup`` so that the matching core stays pure.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from hub.dedup.records import RawValue, fields_from_row
from hub.dedup.scoring import Decision
from hub.dedup.spec import MatchSpec
from hub.errors import ConfigError, Problem
from hub.yamlfile import load_yaml, problems_from_validation

__all__ = ["CsvRecord", "load_match_spec", "read_records", "write_clusters", "write_matches"]

CsvRecord = tuple[str, dict[str, RawValue], str]


def load_match_spec(path: str | Path) -> MatchSpec:
    """Load and validate a match config.

    Args:
        path: The YAML file.

    Returns:
        The validated spec.

    Raises:
        ConfigError: With one located problem per mistake (syntax, schema or cross-reference).
    """
    doc = load_yaml(path)
    try:
        spec = MatchSpec.model_validate(doc.data)
    except ValidationError as err:
        raise ConfigError(problems_from_validation(err, doc, model=MatchSpec)) from None
    problems = [doc.problem(loc, message) for loc, message in spec.reference_problems()]
    if problems:
        raise ConfigError(problems)
    return spec


def read_records(path: str | Path, spec: MatchSpec) -> Iterator[CsvRecord]:
    """Read a CSV file as ``(id, raw fields, source)`` records, columns mapped by the spec.

    Args:
        path: The CSV file (UTF-8, header row).
        spec: The match spec naming the id, source and field columns.

    Yields:
        One record per row.

    Raises:
        ConfigError: When the file lacks the id column or every column of the spec.
    """
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or ())
        _check_columns(str(path), header, spec)
        id_column, source_column = spec.record.id_column, spec.record.source_column
        for n, row in enumerate(reader, 1):
            record_id = row.get(id_column) or f"row{n}"
            source = (row.get(source_column) or "") if source_column else ""
            fields: dict[str, RawValue] = dict(fields_from_row(row, spec))
            yield record_id, fields, source


def _check_columns(file: str, header: set[str], spec: MatchSpec) -> None:
    problems = []
    if spec.record.id_column not in header:
        problems.append(Problem(f"no column {spec.record.id_column!r} (record.id_column)", file))
    if spec.record.source_column and spec.record.source_column not in header:
        problems.append(
            Problem(f"no column {spec.record.source_column!r} (record.source_column)", file)
        )
    if not any(c in header for f in spec.fields.values() for c in f.columns):
        problems.append(Problem("none of the configured field columns are present", file))
    if problems:
        raise ConfigError(problems)


def write_matches(
    path: str | Path, decisions: Sequence[Decision], labels: Mapping[str, str]
) -> None:
    """Write scored pairs with their explanation and cluster ids.

    Args:
        path: The output CSV.
        decisions: The decisions to write.
        labels: Record id → cluster id (the id of the cluster's first record).
    """
    fields = [f.field for f in decisions[0].verdict.fields] if decisions else []
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["left_id", "right_id", "outcome", "probability", "total_weight", "left_cluster",
             "right_cluster", *(f"{f}_level" for f in fields), *(f"{f}_weight" for f in fields),
             "guard", "explanation"]
        )  # fmt: skip
        for d in decisions:
            v = d.verdict
            right = d.right or ""
            writer.writerow(
                [d.left, right, v.outcome.value, f"{v.probability:.6f}", f"{v.total_weight:.3f}",
                 labels.get(d.left, ""), labels.get(right, ""), *(e.level for e in v.fields),
                 *(f"{e.weight:.3f}" for e in v.fields), v.guard.reason, v.explain()]
            )  # fmt: skip


def write_clusters(path: str | Path, ids: Sequence[str], labels: Sequence[int]) -> None:
    """Write one row per record with its cluster id and cluster size.

    Args:
        path: The output CSV.
        ids: Record ids.
        labels: Cluster label per record (same order as ``ids``).
    """
    sizes: dict[int, int] = {}
    for label in labels:
        sizes[label] = sizes.get(label, 0) + 1
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "cluster_id", "cluster_size"])
        for record_id, label in zip(ids, labels, strict=True):
            writer.writerow([record_id, ids[label], sizes[label]])
