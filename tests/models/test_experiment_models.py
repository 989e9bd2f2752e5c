"""The experiment models on hand-made cases: the dbt unit tests of exposures, conversions and the
variants' check, and fct_experiment_results' statistics on hand-made counts against scipy.

The mart's SQL is compiled by dbt and run in DuckDB on hand-made inputs (the relations it reads,
created under the names dbt compiled), so what is checked is the shipped SQL, macros expanded.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from scipy import stats

from tests.support.dbt import run_dbt
from tests.support.warehouse import insert_rows

pytestmark = pytest.mark.slow

UNIT_TESTS = [
    "a_person_counts_in_the_variant_of_their_first_exposure_and_says_they_saw_two",
    "only_conversions_after_the_first_exposure_and_within_the_window_count",
    "the_control_is_the_named_variant_else_the_first_and_a_broken_split_is_flagged",
]
COMPILED = Path("compiled", "microfunnel", "models")
BOUND = 1.5e-7  # the normal CDF's error bound (Abramowitz & Stegun 7.1.26)

# experiment lp: control 200 persons (20 lead_magnet, 10 purchase, 0 newsletter_signup),
# guide_banner 180 persons (45 lead_magnet, 9 purchase, 0 newsletter_signup), 3 of them also saw control;
# experiment hero (split 1:1:2 configured): a 100, b 120, c 80 persons, no conversions.
EXPOSED = {
    ("lp", "control"): 200,
    ("lp", "guide_banner"): 180,
    ("hero", "a"): 100,
    ("hero", "b"): 120,
    ("hero", "c"): 80,
}
CONVERTED = {
    ("lp", "control", "lead_magnet"): 20,
    ("lp", "guide_banner", "lead_magnet"): 45,
    ("lp", "control", "purchase"): 10,
    ("lp", "guide_banner", "purchase"): 9,
}


@pytest.fixture(scope="module")
def dbt_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("dbt_experiments")
    warehouse = root / "hand.duckdb"
    tests = run_dbt("test", "--select", "test_type:unit,tag:experiments", warehouse=warehouse)
    compiled = run_dbt(
        "compile", "--select", "int_experiment_variants", "fct_experiment_results", warehouse=warehouse
    )
    return tests.stdout, compiled.target_path, warehouse


@pytest.mark.parametrize("name", UNIT_TESTS)
def test_the_hand_worked_dbt_unit_test_passes(dbt_runs, name):
    output = dbt_runs[0]
    lines = [line for line in output.splitlines() if f"::{name} " in line]
    assert any(" PASS " in line for line in lines), output[-6000:]


@pytest.fixture(scope="module")
def results(dbt_runs) -> dict[tuple[str, str, str], dict]:
    """fct_experiment_results computed by its compiled SQL on the hand-made inputs above."""
    _, target, warehouse = dbt_runs
    con = duckdb.connect(str(warehouse))
    con.execute("create schema if not exists intermediate; create schema if not exists staging")
    exposures = [
        (experiment, f"{experiment}-{variant}-{i}", variant, 2 if variant == "guide_banner" and i < 3 else 1)
        for (experiment, variant), n in EXPOSED.items()
        for i in range(n)
    ]
    con.execute(
        "create table intermediate.int_experiment_exposures "
        "(experiment_id varchar, person_id varchar, variant varchar, variants_seen integer)"
    )
    insert_rows(con, "intermediate.int_experiment_exposures", exposures)
    converted = [
        (experiment, f"{experiment}-{variant}-{i}", conversion)
        for (experiment, variant, conversion), n in CONVERTED.items()
        for i in range(n)
    ]
    con.execute(
        "create table intermediate.int_experiment_conversions "
        "(experiment_id varchar, person_id varchar, conversion_name varchar)"
    )
    insert_rows(con, "intermediate.int_experiment_conversions", converted)
    con.execute(
        "create table staging.stg_config__micro_conversions as select * from (values "
        "('lead_magnet', 'action'), ('newsletter_signup', 'action')) as t(conversion_name, kind)"
    )
    con.execute(
        "create table staging.stg_config__experiment_settings as select 'exp_id' as id_param, "
        "'exp_variant' as variant_param, 604800 as window_seconds, 'control' as control_variant"
    )
    con.execute(
        "create table staging.stg_config__experiment_splits as select * from (values "
        "('hero', 'a', 1.0), ('hero', 'b', 1.0), ('hero', 'c', 2.0)) as t(experiment_id, variant, weight)"
    )
    variants_sql = (
        target / COMPILED / "intermediate" / "experiments" / "int_experiment_variants.sql"
    ).read_text()
    con.execute(f"create table intermediate.int_experiment_variants as {variants_sql}")
    mart_sql = (target / COMPILED / "marts" / "experiments" / "fct_experiment_results.sql").read_text()
    cursor = con.execute(mart_sql)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    con.close()
    return {(r["experiment_id"], r["variant"], r["conversion_name"]): r for r in rows}


def test_every_variant_gets_a_row_per_catalog_conversion_and_purchase(results):
    assert set(results) == {
        (experiment, variant, conversion)
        for experiment, variant in EXPOSED
        for conversion in ("lead_magnet", "newsletter_signup", "purchase")
    }
    row = results[("lp", "guide_banner", "lead_magnet")]
    assert (row["persons_exposed"], row["persons_converted"], row["persons_in_several_variants"]) == (
        180,
        45,
        3,
    )
    assert row["conversion_rate"] == pytest.approx(0.25) and row["control_conversion_rate"] == pytest.approx(
        0.1
    )
    assert results[("lp", "control", "lead_magnet")]["is_control"]
    assert results[("hero", "a", "purchase")]["control_variant"] == "a"  # no variant named control: the first


@pytest.mark.parametrize("conversion", ["lead_magnet", "purchase"])
def test_the_two_proportion_test_matches_scipy_on_hand_made_counts(results, conversion):
    n0, x0 = EXPOSED[("lp", "control")], CONVERTED[("lp", "control", conversion)]
    n1, x1 = EXPOSED[("lp", "guide_banner")], CONVERTED[("lp", "guide_banner", conversion)]
    p0, p1 = x0 / n0, x1 / n1
    chi2, p_value, _, _ = stats.chi2_contingency([[x0, n0 - x0], [x1, n1 - x1]], correction=False)
    half_width = stats.norm.ppf(0.975) * (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) ** 0.5
    row = results[("lp", "guide_banner", conversion)]
    assert row["difference"] == pytest.approx(p1 - p0)
    assert row["z_score"] ** 2 == pytest.approx(chi2) and (row["z_score"] > 0) == (p1 > p0)
    assert row["p_value"] == pytest.approx(p_value, abs=BOUND)
    assert row["difference_ci_low"] == pytest.approx(p1 - p0 - half_width)
    assert row["difference_ci_high"] == pytest.approx(p1 - p0 + half_width)
    assert row["is_significant"] == (p_value < 0.05)


def test_the_control_row_and_a_conversion_nobody_reached_have_no_test(results):
    control = results[("lp", "control", "lead_magnet")]
    assert control["difference"] is None and control["p_value"] is None and not control["is_significant"]
    nobody = results[("lp", "guide_banner", "newsletter_signup")]
    assert nobody["difference"] == 0 and nobody["p_value"] is None and not nobody["is_significant"]


def test_the_sample_ratio_check_matches_scipy_against_equal_and_configured_splits(results):
    lp = stats.chisquare([200, 180])
    hero = stats.chisquare([100, 120, 80], [75, 75, 150])
    row = results[("lp", "guide_banner", "purchase")]
    assert row["srm_p_value"] == pytest.approx(lp.pvalue, abs=BOUND) and not row["has_sample_ratio_mismatch"]
    assert row["expected_share"] == pytest.approx(0.5)
    row = results[("hero", "c", "purchase")]
    assert row["srm_p_value"] == pytest.approx(hero.pvalue, abs=BOUND) and row["has_sample_ratio_mismatch"]
    assert row["expected_share"] == pytest.approx(0.5)
