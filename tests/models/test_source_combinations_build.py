"""Every combination builds: a tiny world through GA4 alone, GA4 + Shopify, and all four sources
(with the ECB rates); the other combinations are parsed in test_dbt_project.py. The marts that
remain are published."""

import duckdb
import pytest

from sandbox.simulate import WorldSpec, simulate
from tests.support.source_builds import load_and_build

pytestmark = pytest.mark.slow

TINY = WorldSpec(seed=5, persons=40, days=4)
EVERY_SETUP = {
    "fct_sessions",
    "fct_micro_conversions",
    "dim_persons",
    "dim_person_identifiers",
    "fct_funnel_steps",
    "fct_funnel_daily",
    "fct_micro_conversion_impact",
}


@pytest.fixture(scope="module")
def world():
    return simulate(TINY)


@pytest.mark.parametrize(
    ("sources", "extra_marts"),
    [
        (("ga4",), set()),
        (("ga4", "shopify"), {"fct_orders", "fct_attribution"}),
        (
            ("ga4", "shopify", "google_ads", "meta_ads", "ecb_rates"),  # rates convert the ad spend
            {"fct_orders", "fct_attribution", "fct_campaign_performance_daily"},
        ),
    ],
    ids=lambda names: "+".join(sorted(names) if isinstance(names, set) else names),  # same on every worker
)
def test_each_setup_builds_and_publishes_its_marts(tmp_path, world, sources, extra_marts):
    settings = load_and_build(tmp_path, sources, ga4_world=world, api_world=world)
    with duckdb.connect(str(settings.serving_path), read_only=True) as serving:
        published = {
            name: serving.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
            for schema, name in serving.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    assert EVERY_SETUP | extra_marts <= set(published)
    assert not {"fct_orders", "fct_attribution", "fct_campaign_performance_daily"} - extra_marts & set(
        published
    )
    assert all(published[name] > 0 for name in EVERY_SETUP | extra_marts), published
