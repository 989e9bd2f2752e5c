"""The dbt project parses in every supported source combination: GA4 alone and GA4 with each
subset of {Shopify, Google Ads, Meta Ads}; a model needing a disabled source is not in it."""

import json
from itertools import combinations
from pathlib import Path

import pytest

from ingestion.registry import SourceSelection
from tests.support.dbt import run_dbt

pytestmark = pytest.mark.slow

OPTIONAL = ("shopify", "google_ads", "meta_ads")
COMBINATIONS = [
    ("ga4", *chosen) for size in range(len(OPTIONAL) + 1) for chosen in combinations(OPTIONAL, size)
]


def parse(tmp_path: Path, variables: dict) -> dict:
    run = run_dbt("parse", warehouse=tmp_path / "warehouse.duckdb", variables=variables)
    return json.loads((run.target_path / "manifest.json").read_text())


@pytest.mark.parametrize("sources", COMBINATIONS, ids="+".join)
def test_the_project_parses_with_every_combination_of_sources(tmp_path, sources):
    manifest = parse(tmp_path, SourceSelection(sources, "test").dbt_vars())
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    source_schemas = {source["source_name"] for source in manifest["sources"].values()}
    assert {"fct_funnel_steps", "fct_micro_conversions", "fct_sessions", "dim_persons"} <= models
    assert ("fct_orders" in models) is ("shopify" in sources)
    assert ("fct_attribution" in models) is ("shopify" in sources)
    has_ads = bool({"google_ads", "meta_ads"} & set(sources))
    assert ("int_ad_campaign_days_unioned" in models) is has_ads
    assert ("fct_campaign_performance_daily" in models) is (has_ads and "shopify" in sources)
    assert source_schemas == {"raw_config", *(f"raw_{s}" for s in sources)}
