"""The experiment statistics macros (dbt_project/macros/experiments.sql) against scipy, and the
`experiments:` block of conversions.yml.

The macros are plain Jinja rendered here without dbt and run in DuckDB: the normal CDF of the
z-test and the chi-square tail of the sample-ratio check must agree with scipy within the
documented bound of Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pytest
from scipy import stats

from ingestion.sources.config import catalog_rows
from microfunnel.conversions import ConfigError, load_catalog
from microfunnel.settings import DBT_PROJECT_DIR, PROJECT_ROOT

BOUND = 1.5e-7  # Abramowitz & Stegun 7.1.26's bound on |erfc error|


@pytest.fixture(scope="module")
def macros():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DBT_PROJECT_DIR / "macros"), extensions=["jinja2.ext.do"]
    )
    return env.get_template("experiments.sql").module


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    yield lambda text, **values: con.execute(
        f"select {text} from (select {', '.join(f'cast(${k} as double) as {k}' for k in values)})",
        {k: float(v) for k, v in values.items()},
    ).fetchone()[0]
    con.close()


@pytest.mark.parametrize("z", [-8.0, -3.29, -1.959964, -1.0, -0.2, 0.0, 0.2, 1.0, 1.644854, 2.5, 5.0])
def test_the_normal_cdf_and_the_two_sided_p_value_agree_with_scipy(macros, sql, z):
    assert sql(macros.normal_cdf("z"), z=z) == pytest.approx(stats.norm.cdf(z), abs=BOUND / 2)
    assert sql(macros.two_sided_p_value("z"), z=z) == pytest.approx(2 * stats.norm.sf(abs(z)), abs=BOUND)


def test_the_p_value_of_a_hand_worked_two_proportion_test_matches_scipys_chi_square_test(macros, sql):
    """Control 20 of 200 convert, treatment 45 of 180: the z-test of equal rates (pooled) is the
    2×2 chi-square test without continuity correction, z² = chi²."""
    n0, x0, n1, x1 = 200, 20, 180, 45
    pooled = (x0 + x1) / (n0 + n1)
    z = (x1 / n1 - x0 / n0) / (pooled * (1 - pooled) * (1 / n1 + 1 / n0)) ** 0.5
    chi2, p, _, _ = stats.chi2_contingency([[x0, n0 - x0], [x1, n1 - x1]], correction=False)
    assert z**2 == pytest.approx(chi2)
    assert sql(macros.two_sided_p_value("z"), z=z) == pytest.approx(p, abs=BOUND)
    assert sql(macros.chi_square_sf("x", "d"), x=chi2, d=1) == pytest.approx(p, abs=BOUND)


@pytest.mark.parametrize("df", range(1, 20))
def test_the_chi_square_tail_agrees_with_scipy_for_every_degree_of_freedom_written_out(macros, df):
    xs = [0.0, 0.02, 0.7, 1.0, 3.84, 9.5, 18.0, 33.0, 80.0]
    values = ", ".join(f"({x})" for x in xs)
    got = duckdb.sql(f"select {macros.chi_square_sf('x', str(df))} from (values {values}) as t(x)").fetchall()
    assert [g for (g,) in got] == pytest.approx([stats.chi2.sf(x, df) for x in xs], abs=BOUND)


def test_the_chi_square_tail_is_null_past_the_degrees_of_freedom_written_out(macros, sql):
    assert sql(macros.chi_square_sf("x", "d"), x=3.0, d=20) is None


def test_a_sample_ratio_check_of_three_variants_against_a_split_matches_scipy(macros, sql):
    observed, shares = [100, 120, 80], [0.25, 0.25, 0.5]
    expected = [sum(observed) * s for s in shares]
    chi2, p = stats.chisquare(observed, expected)
    assert sql(macros.chi_square_sf("x", "d"), x=chi2, d=2) == pytest.approx(p, abs=BOUND)
    assert p < 0.001  # flagged as a mismatch


def write(tmp_path: Path, experiments: str) -> Path:
    path = tmp_path / "conversions.yml"
    path.write_text(f"funnels:\n  - {{name: f, steps: [view_item, purchase]}}\n{experiments}")
    return path


def test_without_an_experiments_block_the_defaults_hold(tmp_path):
    rows = catalog_rows(load_catalog(write(tmp_path, "")))
    assert rows["experiment_settings"] == [
        {
            "id_param": "exp_id",
            "variant_param": "exp_variant",
            "window_seconds": 604800,
            "control_variant": "control",
        }
    ]
    assert rows["experiment_splits"] == []


def test_the_shipped_catalog_names_the_sandbox_experiments_split():
    rows = catalog_rows(load_catalog(PROJECT_ROOT / "conversions.yml"), pii_hash_key="k")
    assert {(r["experiment_id"], r["variant"]) for r in rows["experiment_splits"]} == {
        ("landing_guide_offer", "control"),
        ("landing_guide_offer", "guide_banner"),
    }


def test_configured_params_window_control_and_split_reach_the_config_tables(tmp_path):
    path = write(
        tmp_path,
        "experiments:\n  id_param: ab_test\n  variant_param: ab_arm\n  window: 2 days\n  control: baseline\n"
        "  split: {hero: {baseline: 9, bold: 1}}\n",
    )
    rows = catalog_rows(load_catalog(path))
    assert rows["experiment_settings"] == [
        {
            "id_param": "ab_test",
            "variant_param": "ab_arm",
            "window_seconds": 172800,
            "control_variant": "baseline",
        }
    ]
    assert rows["experiment_splits"] == [
        {"experiment_id": "hero", "variant": "baseline", "weight": 9.0},
        {"experiment_id": "hero", "variant": "bold", "weight": 1.0},
    ]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("  window: 7 dayz\n", "experiments -> window: window '7 dayz' is not a duration"),
        ("  id_param: exp id\n", "experiments -> id_param: parameter name 'exp id' must start with a letter"),
        ("  variant_param: exp_id\n", "id_param and variant_param are both 'exp_id'"),
        ("  split: {hero: {a: 1}}\n", "split 'hero': list every variant with its weight, at least two"),
        ("  split: {hero: {a: 1, b: 0}}\n", "split 'hero' -> 'b': weight 0.0 must be positive"),
        ("  control: ' '\n", "experiments -> control: control must name a variant"),
        ("  windw: 7 days\n", "experiments -> windw: unknown key"),
    ],
)
def test_a_bad_experiments_block_names_the_file_the_key_and_the_fix(tmp_path, block, expected):
    with pytest.raises(ConfigError) as caught:
        load_catalog(write(tmp_path, f"experiments:\n{block}"))
    assert "conversions.yml" in str(caught.value) and expected in str(caught.value), str(caught.value)
