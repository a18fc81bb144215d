"""Splink (DuckDB) on the same Febrl data, for a side-by-side with ``hub dedupe``.

Called by ``dedup_febrl.py --splink``; needs ``pip install splink`` (pulls duckdb). Uses Splink's
recommended comparisons for these columns, the same blocking rules as our Febrl config, u by
random sampling, m by EM over two blocking rules, and clusters at match probability 0.99.
"""

from __future__ import annotations

import logging
import time

import splink.comparison_library as cl
from dedup_eval import cluster_pairs, prf
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI


def _settings(*, with_ssn: bool, link: bool) -> SettingsCreator:
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.LevenshteinAtThresholds("street_number", [1]),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.75]),
        cl.JaroWinklerAtThresholds("address_2", [0.9, 0.75]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
        cl.LevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
    ]
    rules = [
        block_on("given_name", "surname"),
        block_on("date_of_birth"),
        block_on("surname", "postcode"),
        block_on("given_name", "postcode"),
        block_on("address_1", "street_number"),
    ]
    if with_ssn:
        comparisons.append(cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]))
        rules.insert(0, block_on("soc_sec_id"))
    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only" if link else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
    )


def _run(name, frames, truth, *, with_ssn: bool, link: bool) -> None:
    start = time.perf_counter()
    db_api = DuckDBAPI()
    tables = [db_api.register(f.reset_index()) for f in frames]
    settings = _settings(with_ssn=with_ssn, link=link)
    linker = Linker(tables if link else tables[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.99)
    df = clusters.as_pandas_dataframe()
    ids = list(df["rec_id"])
    labels = [hash(c) for c in df["cluster_id"]]
    clustered = cluster_pairs(ids, labels)
    p, r, f = prf(clustered, truth)
    elapsed = time.perf_counter() - start
    print(f"splink {name:<31} clustered P={p:.4f} R={r:.4f} F1={f:.4f} | {elapsed:.1f}s")


def run_splink(df3, truth3, a, b, truth4) -> None:
    logging.disable(logging.WARNING)  # splink logs every EM iteration at INFO
    for with_ssn in (True, False):
        label = "all fields" if with_ssn else "no soc_sec_id"
        _run(f"febrl3 dedupe, {label}", [df3], truth3, with_ssn=with_ssn, link=False)
        _run(f"febrl4 linkage, {label}", [a, b], truth4, with_ssn=with_ssn, link=True)
