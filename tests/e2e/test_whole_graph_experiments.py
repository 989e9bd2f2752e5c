"""The sandbox's landing-page experiment through the whole graph, against its ground truth.

The e2e world (300 persons × 14 days) runs the A/B test of sandbox/experiment.py: the banner makes
15 % of treatment landings download the guide (the lead_magnet micro-conversion) and changes nothing
else. With about 150 persons per variant that is a difference of about 0.2 in the 7-day lead_magnet
rate (z about 4.5): fct_experiment_results must find it, with a CI covering the true effect, and must
not claim an effect on purchase, which has none.
"""

from __future__ import annotations

import pytest

from microfunnel.conversions import load_catalog
from sandbox.experiment import CONTROL, EXPERIMENT_ID, METRIC, TREATMENT
from sandbox.truth_experiments import conversions_after_exposure, exposure_counts, true_effect
from tests.support.warehouse import dicts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(e2e_run) -> dict[tuple[str, str, str], dict]:
    """fct_experiment_results as BI tools read it (the serving file), by (experiment, variant, conversion)."""
    settings, _ = e2e_run
    found = dicts(settings.serving_path, "select * from marts.fct_experiment_results")
    return {(r["experiment_id"], r["variant"], r["conversion_name"]): r for r in found}


@pytest.fixture(scope="module")
def catalog(e2e_run):
    settings, _ = e2e_run
    return load_catalog(settings.conversions_config)


def test_persons_exposed_per_variant_equal_the_sandboxs_assignment_exactly(e2e_run, results):
    _, world = e2e_run
    truth = exposure_counts(world)
    measured = {
        (experiment, variant): (row["persons_exposed"], row["persons_in_several_variants"])
        for (experiment, variant, conversion), row in results.items()
        if conversion == "purchase"
    }
    assert measured == truth
    assert set(truth) == {(EXPERIMENT_ID, CONTROL), (EXPERIMENT_ID, TREATMENT)}
    assert any(several for _, several in truth.values()), "persons in two variants are part of the check"


def test_persons_converting_after_exposure_equal_the_truth_for_every_conversion(e2e_run, results, catalog):
    _, world = e2e_run
    window = catalog.experiments.window_seconds
    truth = conversions_after_exposure(world, catalog, window)
    measured = {key: row["persons_converted"] for key, row in results.items()}
    assert {k: (measured.get(k), v) for k, v in truth.items() if measured.get(k) != v} == {}
    assert set(measured) == set(truth)


def test_the_banners_effect_on_the_lead_magnet_is_found_and_its_ci_covers_the_true_effect(
    e2e_run, results, catalog
):
    _, world = e2e_run
    effect = true_effect(world, catalog, catalog.experiments.window_seconds)
    row = results[(EXPERIMENT_ID, TREATMENT, METRIC)]
    assert row["is_significant"] and row["p_value"] < 0.001, row
    assert row["difference_ci_low"] <= effect.difference <= row["difference_ci_high"], (row, effect)
    assert row["difference_ci_low"] > 0


def test_no_effect_on_purchase_is_claimed(results):
    row = results[(EXPERIMENT_ID, TREATMENT, "purchase")]
    assert not row["is_significant"] and row["p_value"] > 0.05, row
    assert row["difference_ci_low"] <= 0 <= row["difference_ci_high"], "the true effect on purchase is 0"


def test_the_split_is_checked_and_not_flagged(results):
    rows_ = [row for key, row in results.items() if key[0] == EXPERIMENT_ID]
    assert {row["srm_p_value"] for row in rows_} and all(
        not row["has_sample_ratio_mismatch"] for row in rows_
    )
    assert all(row["srm_p_value"] > 0.001 for row in rows_)
    assert {row["variant"] for row in rows_ if row["is_control"]} == {CONTROL}
    assert {row["window_seconds"] for row in rows_} == {7 * 86_400}
